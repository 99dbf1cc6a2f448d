// End-to-end, rooms: in the real window, create a private room with an address, give
// it to "anyone with the link", copy its link; then a second account pastes the link
// and is in; the app started with the link previews the room; and a link clicked while
// the app runs (a second launch, as the OS scheme handler does) goes to the running
// window, the second process exiting. Every step is checked on the real Synapse.
import { spawn } from "node:child_process";
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e" } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "rooms", SHOTS);
const enc = encodeURIComponent;

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Salons");
  const bob = await mx.register("bob", "Bob Lien");
  const name = `Par lien ${tag}`;
  const alias = `lien-${tag}`;
  let roomId;
  let link;
  let uri;
  const carol = await mx.register("carol", "Carol Lien");
  const dave = await mx.register("dave", "Dave Lien");

  await step("create a private room with an address", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.click("#new-room");
    await wd.waitFor("#new-room-form", 10000);
    await wd.type("#new-room-name", name);
    await wd.type("#new-room-alias", alias);
    await wd.click("#new-room-submit");
    await wd.waitUntil("the new room open", async () => (await wd.text("#room-name")).includes(name), 30000);
    const res = await mx.call("GET", `/_matrix/client/v3/directory/room/${enc(`#${alias}:localhost`)}`, bob.token);
    roomId = res.room_id;
    const enc_ = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.encryption/`, alice.token);
    if (enc_.algorithm !== "m.megolm.v1.aes-sha2") throw new Error("the private room is not encrypted");
  });

  await step("give it to anyone with the link and copy the link", async () => {
    await wd.click("#room-settings");
    await wd.waitFor("#room-access-anyoneWithLink", 30000);
    await wd.click("#room-access-anyoneWithLink");
    await wd.waitUntil("saved", async () => (await wd.text("#room-settings-status")).length > 0, 30000);
    const rules = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.join_rules/`, alice.token);
    if (rules.join_rule !== "public") throw new Error(`join rule ${rules.join_rule}`);
    const vis = await mx.call("GET", `/_matrix/client/v3/directory/list/room/${enc(roomId)}`, alice.token);
    if (vis.visibility !== "private") throw new Error("a link room must not be in the directory");
    await wd.waitFor("#room-link-matrix-to", 10000);
    link = await wd.text("#room-link-matrix-to");
    if (!link.startsWith("https://matrix.to/#/%23lien-")) throw new Error(`link ${link}`);
    uri = await wd.text("#room-link-matrix-uri");
    if (uri !== `matrix:r/${alias}:localhost`) throw new Error(`uri ${uri}`);
    await wd.screenshot(`${SHOTS}/chappe-room-settings.png`);
  });

  await step("a second account pastes the link and is in the room", async () => {
    await signIn(wd, SYNAPSE_URL, bob.username, bob.password);
    await wd.click("#explore");
    await wd.waitFor("#join-address", 10000);
    await wd.type("#join-address", link);
    await wd.click("#join-address-submit");
    await wd.waitUntil("the room open", async () => (await wd.text("#room-name")).includes(name), 30000);
    const members = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`, alice.token);
    if (!members.joined?.[bob.userId]) throw new Error("bob did not join");
    await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  });

  await step("the app opened with the room's matrix: link previews it; joining from there works", async () => {
    await wd.quit();
    await wd.start(APP, [uri]);
    await signIn(wd, SYNAPSE_URL, carol.username, carol.password);
    await wd.waitUntil("the preview of the linked room", async () =>
      (await wd.findAll("#room-preview-name")).length > 0 && (await wd.text("#room-preview-name")).includes(name), 30000);
    await wd.screenshot(`${SHOTS}/chappe-start-link.png`);
    await wd.click("#room-preview-join");
    await wd.waitUntil("the room open", async () => (await wd.text("#room-name")).includes(name), 30000);
    const members = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`, alice.token);
    if (!members.joined?.[carol.userId]) throw new Error("carol did not join");
    await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  });

  await step("a link opened while the app runs goes to its window; the second launch exits", async () => {
    await wd.quit();
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, dave.username, dave.password);
    // What the desktop does for a clicked matrix: link (Exec=chappe %u): the same binary
    // again, in the same session (D-Bus, display), with the link as its argument.
    const t0 = Date.now();
    const second = spawn(APP, [uri], { env: process.env, stdio: "ignore" });
    const code = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { second.kill(); reject(new Error("the second launch did not exit within 15 s")); }, 15000);
      second.on("exit", (c) => { clearTimeout(timer); resolve(c); });
      second.on("error", (e) => { clearTimeout(timer); reject(e); });
    });
    if (code !== 0) throw new Error(`the second launch exited with ${code}`);
    console.log(`  second launch exited in ${Date.now() - t0} ms`);
    await wd.waitUntil("the preview of the linked room in the running window", async () =>
      (await wd.findAll("#room-preview-name")).length > 0 && (await wd.text("#room-preview-name")).includes(name), 30000);
    await wd.screenshot(`${SHOTS}/chappe-second-launch-link.png`);
    await wd.click("#room-preview-join");
    await wd.waitUntil("the room open", async () => (await wd.text("#room-name")).includes(name), 30000);
    const members = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`, alice.token);
    if (!members.joined?.[dave.userId]) throw new Error("dave did not join");
  });

  await step("the room upgraded: its view says so instead of the composer and leads to the new room", async () => {
    const upgraded = await mx.call("POST", `/_matrix/client/v3/rooms/${enc(roomId)}/upgrade`, alice.token, { new_version: "11" });
    const successor = upgraded.replacement_room;
    await wd.waitUntil("the 'replaced' notice", async () =>
      (await wd.findAll("#room-replaced-follow")).length > 0 && !(await wd.script("return document.querySelector('#room-replaced').hidden")), 30000);
    if (!(await wd.script("return document.querySelector('.composer').hidden"))) throw new Error("the composer is still shown");
    await wd.screenshot(`${SHOTS}/chappe-room-replaced.png`);
    await wd.click("#room-replaced-follow");
    await wd.waitUntil("the new room open", async () =>
      (await wd.findAll(`.room-view[data-room-id="${successor}"]`)).length > 0, 30000);
    const members = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(successor)}/joined_members`, alice.token);
    if (!members.joined?.[dave.userId]) throw new Error("dave is not in the new room");
    await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
