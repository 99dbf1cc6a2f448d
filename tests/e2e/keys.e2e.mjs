// End-to-end: the recovery key, in the real window. After the first sign-in Chappe
// offers to create the recovery key and shows it once; an encrypted message is
// written; the user signs out (the session's store is deleted: the next sign-in is a
// new device with fresh app data), signs in again, cannot read the message, types the
// key, and the message decrypts on screen.
import { readFileSync } from "node:fs";
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e", CHAPPE_TEST_KEY_FILE } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "keys", SHOTS);

const messageShown = (text) => wd.script(
  `return [...document.querySelectorAll("li.message")].some((l) => l.innerText.includes(arguments[0]));`, text);

try {
  const tag = rand();
  const secret = `Secret d'avant ${tag}`;
  const alice = await mx.register("alice", "Alice Clé");
  const { room_id: roomId } = await mx.call("POST", "/_matrix/client/v3/createRoom", alice.token, {
    name: `Coffre ${tag}`, preset: "private_chat",
    initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
  });
  let key = "";

  await step("first sign-in: Chappe offers to create the recovery key", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor("#keys-setup-start", 30000);
    const banner = await wd.text("#keys-banner");
    if (!banner) throw new Error("no notice in the sidebar");
    await wd.screenshot(`${SHOTS}/keys-1-setup.png`);
  });

  await step("the recovery key is shown once, with Copy and Save to file", async () => {
    await wd.click("#keys-setup-start");
    await wd.waitFor("#recovery-key", 90000);
    key = (await wd.text("#recovery-key")).trim();
    if (!/^(\w{4} ){11}\w{4}$/.test(key)) throw new Error(`not a recovery key: ${key.length} characters`);
    for (const b of ["#recovery-key-copy", "#recovery-key-save", "#recovery-key-done"]) await wd.find(b);
    await wd.screenshot(`${SHOTS}/keys-2-recovery-key.png`);
    if (CHAPPE_TEST_KEY_FILE) {
      await wd.click("#recovery-key-save");
      await wd.waitUntil("the key saved", async () => (await wd.text("#recovery-key-status")).length > 0, 10000);
      const saved = readFileSync(CHAPPE_TEST_KEY_FILE, "utf8").trim();
      if (saved !== key) throw new Error("the saved file does not hold the key shown");
    }
    await wd.click("#recovery-key-done");
    await wd.waitUntil("the key gone from the page", async () =>
      !(await wd.script("return document.body.innerText.includes(arguments[0])", key)), 10000);
    await wd.waitUntil("the notice gone", async () =>
      wd.script("const b = document.querySelector('#keys-banner'); return !b || b.hidden"), 10000);
  });

  await step("an encrypted message is written, with the lock in the room header", async () => {
    await wd.waitFor(`li.room[data-room-id="${roomId}"]`, 60000);
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitFor("#composer", 10000);
    await wd.waitFor("#room-encrypted", 10000);
    await wd.type("#composer", secret);
    await wd.type("#composer", "\uE007");
    await wd.waitUntil("the message sent", async () => wd.script(
      `const li = [...document.querySelectorAll("li.message.own")].find((l) => l.innerText.includes(arguments[0]));
       return !!li && !li.classList.contains("pending");`, secret), 30000);
    const events = await mx.call("GET",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=20`, alice.token);
    // (The room's name carries the tag too: only messages are looked at.)
    const clear = events.chunk.some((e) => e.type === "m.room.message" && JSON.stringify(e.content ?? {}).includes(tag));
    if (clear) throw new Error("the message reached the server in clear");
    if (!events.chunk.some((e) => e.type === "m.room.encrypted")) throw new Error("no encrypted event in the room");
    await wd.screenshot(`${SHOTS}/keys-3-encrypted-room.png`);
  });

  await step("sign out, then sign in again: a new session that cannot read the history", async () => {
    await wd.click("#logout");
    await wd.waitFor("#login-form", 60000);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor("#recovery-key-input", 30000);
    await wd.screenshot(`${SHOTS}/keys-4-verify.png`);
    // The room first: the message is there, undecryptable, with the reason.
    await wd.waitFor(`li.room[data-room-id="${roomId}"]`, 60000);
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitFor("li.event.utd", 60000);
    if (await messageShown(secret)) throw new Error("a new session read the history without the key");
    await wd.screenshot(`${SHOTS}/keys-4b-undecryptable.png`);
    // Back to the verification from the sidebar's notice.
    await wd.click("#keys-action");
    await wd.waitFor("#recovery-key-input", 10000);
  });

  await step("a wrong key is refused plainly", async () => {
    await wd.type("#recovery-key-input", `${key.slice(0, -1)}${key.endsWith("a") ? "b" : "a"}`);
    await wd.click("#recover-submit");
    await wd.waitUntil("the error", async () => (await wd.text("#recover-error")).length > 0, 30000);
    await wd.screenshot(`${SHOTS}/keys-5-wrong-key.png`);
  });

  await step("the recovery key unlocks the history: the old message decrypts", async () => {
    await wd.clear("#recovery-key-input");
    await wd.type("#recovery-key-input", key);
    await wd.click("#recover-submit");
    await wd.waitUntil("verified", async () => (await wd.text("#recover-status")).length > 0
      && !(await wd.text("#recover-error")), 60000);
    await wd.screenshot(`${SHOTS}/keys-6-unlocked.png`);
    await wd.waitFor(`li.room[data-room-id="${roomId}"]`, 60000);
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitUntil("the old message, decrypted", async () => messageShown(secret), 90000);
    await wd.screenshot(`${SHOTS}/keys-7-history.png`);
  });

  await step("Settings: room keys exported to a file and imported back, a wrong passphrase refused", async () => {
    if (!CHAPPE_TEST_KEY_FILE) throw new Error("CHAPPE_TEST_KEY_FILE is not set (tests/e2e/session.sh sets it)");
    await wd.click("#settings");
    await wd.waitFor("#export-keys", 10000);
    await wd.type("#export-passphrase", `phrase ${tag}`);
    await wd.type("#export-passphrase2", `phrase ${tag}`);
    await wd.click("#export-keys");
    // Done when the button is usable again ("Exporting…" shows meanwhile).
    await wd.waitUntil("exported", async () => wd.script(
      "return !document.querySelector('#export-keys').disabled"), 60000);
    const error = await wd.text("#key-files-error");
    if (error) throw new Error(`export failed: ${error}`);
    if (!(await wd.text("#key-files-status"))) throw new Error("no word that the keys were exported");
    const file = readFileSync(CHAPPE_TEST_KEY_FILE, "utf8");
    if (!file.startsWith("-----BEGIN MEGOLM SESSION DATA-----")) throw new Error("not Element's key format");
    await wd.type("#import-passphrase", "pas la bonne");
    await wd.click("#import-keys");
    await wd.waitUntil("the wrong passphrase said", async () => (await wd.text("#key-files-error")).length > 0, 60000);
    await wd.screenshot(`${SHOTS}/keys-8-wrong-passphrase.png`);
    await wd.clear("#import-passphrase");
    await wd.type("#import-passphrase", `phrase ${tag}`);
    await wd.click("#import-keys");
    await wd.waitUntil("imported", async () => /\d/.test(await wd.text("#key-files-status")), 60000);
    await wd.screenshot(`${SHOTS}/keys-9-imported.png`);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
