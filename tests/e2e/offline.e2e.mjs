// End-to-end, third scenario: the server goes away and comes back. The window says it
// is offline, a message typed meanwhile waits, and leaves when the server returns.
// The server really stops (tests/server/synapse.sh stop), then starts on its data.
import { execFileSync } from "node:child_process";
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e", SYNAPSE_NAME = "test" } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "offline", SHOTS);
const port = new URL(SYNAPSE_URL).port;
const synapse = (...args) => execFileSync("bash", ["tests/server/synapse.sh", ...args], { stdio: "inherit" });


let stopped = false;
try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Panne");
  const bob = await mx.register("bob", "Bob Panne");
  const roomId = await mx.createRoom(bob, `Panne ${tag}`, [alice]);
  await mx.join(alice, roomId);

  await step("log in and open the room", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor(`li.room[data-room-id="${roomId}"]`, 60000);
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitFor("#composer", 10000);
  });

  await step("the server stops: the window says it is offline", async () => {
    synapse("stop", SYNAPSE_NAME);
    stopped = true;
    await wd.waitUntil("the offline banner", async () =>
      wd.script("const b = document.querySelector('#sync-banner'); return !!b && !b.hidden && b.classList.contains('offline');"),
      90000);
  });

  const body = `écrit hors ligne ${tag}`;
  await step("a message typed offline waits in the timeline", async () => {
    await wd.type("#composer", body);
    await wd.type("#composer", "\uE007");
    await wd.waitUntil("the local echo", async () => (await wd.text("#timeline")).includes(body), 15000);
    // Whatever failed meanwhile is worded for people, never an SDK error with a URL.
    const shown = await wd.script("return [...document.querySelectorAll('.error, #room-error')].map((e) => e.innerText).join(' ')");
    if (/https?:\/\//.test(shown)) throw new Error(`technical error shown: ${shown}`);
    await wd.screenshot(`${SHOTS}/chappe-offline.png`);
  });

  await step("the server returns: the message is delivered and the banner goes", async () => {
    synapse("start", SYNAPSE_NAME, port);
    stopped = false;
    const ev = await mx.waitForMessage(bob, roomId, body, 90000);
    if (ev.sender !== alice.userId) throw new Error(`sender ${ev.sender}`);
    await wd.waitUntil("the banner hidden", async () =>
      wd.script("const b = document.querySelector('#sync-banner'); return !!b && b.hidden;"), 60000);
  });
} catch (e) {
  await failed(e);
} finally {
  // Never leave the shared test server down for what runs next.
  if (stopped) {
    try {
      synapse("start", SYNAPSE_NAME, port);
    } catch {}
  }
  await wd.quit();
}
exit();
