// End-to-end: the real Chappe window, driven through tauri-driver, against a real
// Synapse. Log in, see the room, send a message, and check that another client gets it.
import { rm } from "node:fs/promises";
import { Matrix, rand } from "./matrix.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e" } = process.env;
for (const [k, v] of Object.entries({ SYNAPSE_URL, SYNAPSE_SECRET, APP })) {
  if (!v) {
    console.error(`missing ${k}`);
    process.exit(2);
  }
}

const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
// A failure.png left by an earlier run would suggest this one failed.
await rm(`${SHOTS}/failure.png`, { force: true });
let failed = false;
const counts = { passed: 0, failed: 0 };

async function step(name, fn) {
  const t = Date.now();
  try {
    const out = await fn();
    console.log(`PASS ${name} (${Date.now() - t} ms)`);
    counts.passed += 1;
    return out;
  } catch (e) {
    console.log(`FAIL ${name}: ${e.message}`);
    counts.failed += 1;
    e.reported = true;
    throw e;
  }
}

try {
  const tag = rand();
  const [alice, bob] = await step("register alice and bob", async () => [
    await mx.register("alice", "Alice E2E"),
    await mx.register("bob", "Bob E2E"),
  ]);
  const roomName = `E2E ${tag}`;
  const roomId = await step("bob creates a room, alice joins, bob writes", async () => {
    const id = await mx.createRoom(bob, roomName, [alice]);
    await mx.join(alice, id);
    await mx.send(bob, id, "bonjour de Bob");
    return id;
  });

  await step("the app starts and shows the login form", async () => {
    await wd.start(APP);
    await wd.waitUntil("login form or main screen", async () =>
      (await wd.findAll("#login-form")).length > 0 || (await wd.findAll("#logout")).length > 0, 60000);
    // Another scenario of the run may have left a session: start from the login form.
    if ((await wd.findAll("#logout")).length > 0) await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  });

  await step("log in with a wrong password shows an error", async () => {
    await wd.clear("#login-homeserver");
    await wd.type("#login-homeserver", SYNAPSE_URL);
    await wd.type("#login-user", alice.username);
    await wd.type("#login-password", "wrong-password");
    await wd.click("#login-submit");
    await wd.waitUntil("an error message", async () => (await wd.text("#login-error")).trim().length > 0);
    await wd.screenshot(`${SHOTS}/chappe-login-error.png`);
  });

  await step("log in as alice", async () => {
    await wd.clear("#login-password");
    await wd.type("#login-password", alice.password);
    await wd.click("#login-submit");
    await wd.waitFor("#room-list", 60000);
    await wd.screenshot(`${SHOTS}/chappe-login.png`);
  });

  await step("the room appears with bob's message", async () => {
    await wd.waitUntil("the room in the list", async () => {
      const t = await wd.text("#room-list");
      return t.includes(roomName) && t.includes("bonjour de Bob");
    }, 60000);
    await wd.screenshot(`${SHOTS}/chappe-rooms.png`);
  });

  await step("open the room and see the timeline", async () => {
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitUntil("bob's message in the timeline", async () =>
      (await wd.text("#timeline")).includes("bonjour de Bob"), 30000);
  });

  const body = `salut depuis Chappe ${tag}`;
  await step("send a message with Enter", async () => {
    await wd.type("#composer", body);
    await wd.type("#composer", "\uE007");
    await wd.waitUntil("own message in the timeline", async () =>
      (await wd.text("#timeline")).includes(body), 30000);
    const left = await wd.script("return document.querySelector('#composer').value");
    if (left !== "") throw new Error(`composer not cleared: ${JSON.stringify(left)}`);
  });

  await step("bob's client receives it", async () => {
    const ev = await mx.waitForMessage(bob, roomId, body, 30000);
    if (ev.sender !== alice.userId) throw new Error(`sender ${ev.sender}`);
  });

  await step("bob's reply reaches the open timeline", async () => {
    await mx.send(bob, roomId, `bien reçu ${tag}`);
    await wd.waitUntil("bob's reply", async () =>
      (await wd.text("#timeline")).includes(`bien reçu ${tag}`), 30000);
    const shot = await wd.screenshot(`${SHOTS}/chappe-room.png`);
    console.log(`screenshot: ${shot}`);
  });
} catch (e) {
  failed = true;
  if (!e.reported) {
    console.log(`FAIL ${e.message}`);
    counts.failed += 1;
  }
  if (wd.session) await wd.screenshot(`${SHOTS}/failure.png`).catch(() => {});
} finally {
  await wd.quit();
}
console.log(failed ? "E2E FAILED" : "E2E PASSED");
console.log(`e2e: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(failed ? 1 : 0);
