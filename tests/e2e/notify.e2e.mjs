// End-to-end, notifications and the room list: in the real window, search and filter
// chips narrow the list, a room is made favourite from its menu; then, with the window
// unfocused (another X window takes the focus), a message from another account shows
// a desktop notification through a real D-Bus notification server; clicking it
// (ActionInvoked "default") brings the window forward and opens the room.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e" } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "notify", SHOTS);
const run = promisify(execFile);
const children = [];

const notesFile = join(mkdtempSync(join(tmpdir(), "chappe-notes-")), "notify.jsonl");
const notes = () => (existsSync(notesFile)
  ? readFileSync(notesFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []);

function start(cmd, args, readyText) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  if (!readyText) return Promise.resolve(child);
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => { if (String(d).includes(readyText)) resolve(child); });
    child.on("exit", (code) => reject(new Error(`${cmd} exited (${code})`)));
  });
}

const visibleIds = () => wd.script(
  "return Array.from(document.querySelectorAll('#room-list li.room')).map((li) => li.dataset.roomId);");
const hasFocus = () => wd.script("return document.hasFocus();");

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Notif");
  const bob = await mx.register("bob", "Bob Notif");
  const alpha = await mx.createRoom(bob, `Projet alpha ${tag}`, [alice]);
  const compta = await mx.createRoom(bob, `Compta ${tag}`, [alice]);
  const invite = await mx.createRoom(bob, `Invitation ${tag}`, [alice]);
  await mx.join(alice, alpha);
  await mx.join(alice, compta);

  await step("a notification server answers on the session bus", async () => {
    await start("/usr/bin/python3", ["tests/e2e/notification_server.py", notesFile], "ready");
  });

  await step("search and filter chips narrow the list; invitations come first", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitUntil("the three rooms", async () => {
      const ids = await visibleIds();
      return [alpha, compta, invite].every((id) => ids.includes(id));
    }, 30000);
    const all = await visibleIds();
    if (all[0] !== invite) throw new Error(`the invitation is not first: ${all}`);
    await wd.type("#room-search", "ALPHA");
    await wd.waitUntil("only the alpha room", async () => JSON.stringify(await visibleIds()) === JSON.stringify([alpha]), 5000);
    await wd.clear("#room-search");
    await wd.script("document.querySelector('#room-search').dispatchEvent(new Event('input'));");
    await wd.click('#room-filters [data-filter="people"]');
    await wd.waitUntil("no person, only the invitation", async () =>
      JSON.stringify(await visibleIds()) === JSON.stringify([invite]), 5000);
  });

  await step("a room made favourite from its menu shows under the Favourites chip", async () => {
    await wd.click('#room-filters [data-filter="all"]');
    await wd.script(`document.querySelector('li.room[data-room-id="${compta}"]')
      .dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true }));`);
    await wd.waitFor("#room-menu #menu-favourite", 5000);
    await wd.waitFor('#room-menu [data-mode="allMessages"][aria-checked="true"]', 10000);
    await wd.screenshot(`${SHOTS}/chappe-room-menu.png`);
    await wd.click("#menu-favourite");
    await wd.waitFor(`li.room.favourite[data-room-id="${compta}"]`, 30000);
    const tags = await mx.call("GET", `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/rooms/${encodeURIComponent(compta)}/tags`, alice.token);
    if (!tags.tags["m.favourite"]) throw new Error(`not on the server: ${JSON.stringify(tags)}`);
    await wd.click('#room-filters [data-filter="favourites"]');
    await wd.waitUntil("only the favourite", async () => JSON.stringify(await visibleIds()) === JSON.stringify([compta]), 5000);
    await wd.screenshot(`${SHOTS}/chappe-room-filters.png`);
    await wd.click('#room-filters [data-filter="all"]');
  });

  await step("no notification while the window is focused", async () => {
    await wd.waitUntil("the window focused", hasFocus, 10000);
    await mx.send(bob, alpha, `vu ${tag}`);
    await wd.waitUntil("the message in the list", async () =>
      (await wd.text(`li.room[data-room-id="${alpha}"] .room-preview`)).includes(`vu ${tag}`), 30000);
    await new Promise((r) => setTimeout(r, 1000));
    if (notes().length) throw new Error(`notified while focused: ${JSON.stringify(notes())}`);
  });

  let shown;
  await step("unfocused, a message and a mention show as desktop notifications", async () => {
    // Another X window takes the keyboard focus, as when the user works elsewhere.
    await start("xmessage", ["-geometry", "+10+10", "ailleurs"]);
    await wd.waitUntil("the other window", async () =>
      (await run("xdotool", ["search", "--name", "xmessage"]).catch(() => ({ stdout: "" }))).stdout.trim(), 10000);
    await wd.waitUntil("the window unfocused", async () => {
      const { stdout } = await run("xdotool", ["search", "--name", "xmessage"]);
      await run("xdotool", ["windowfocus", "--sync", stdout.trim().split("\n")[0]]).catch(() => {});
      return !(await hasFocus());
    }, 10000);
    await mx.send(bob, compta, `Bonjour <b>${tag}</b> & bienvenue`);
    shown = await wd.waitUntil("the notification", async () => notes().find((n) => n.body.includes(tag)), 30000);
    if (shown.app !== "Chappe" || shown.summary !== `Compta ${tag}`) throw new Error(`shown ${JSON.stringify(shown)}`);
    // The server reads markup: the message's own tags arrive escaped, as text.
    if (shown.body !== `Bob Notif: Bonjour &lt;b&gt;${tag}&lt;/b&gt; &amp; bienvenue`) throw new Error(`body ${shown.body}`);
    if (!shown.actions.includes("default") || shown.urgency !== 1) throw new Error(`shown ${JSON.stringify(shown)}`);
    const txn = rand();
    await mx.call("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(alpha)}/send/m.room.message/${txn}`, bob.token,
      { msgtype: "m.text", body: `Alice Notif, urgent ${tag}`, "m.mentions": { user_ids: [alice.userId] } });
    const mention = await wd.waitUntil("the mention", async () => notes().find((n) => n.body.includes(`urgent ${tag}`)), 30000);
    if (mention.urgency !== 2 || !mention.summary.startsWith(`Projet alpha ${tag} · `)) throw new Error(`mention ${JSON.stringify(mention)}`);
    if (await hasFocus()) throw new Error("the window took the focus by itself");
  });

  await step("clicking the notification brings the window forward and opens the room", async () => {
    await run("dbus-send", ["--session", "--type=method_call", "--dest=org.freedesktop.Notifications",
      "/org/freedesktop/Notifications", "org.freedesktop.Notifications.InvokeAction",
      `uint32:${shown.id}`, "string:default"]);
    await wd.waitUntil("the room open", async () => (await wd.text("#room-name")).includes(`Compta ${tag}`), 15000);
    await wd.waitUntil("the window focused again", hasFocus, 10000);
    await wd.screenshot(`${SHOTS}/chappe-notification-opened.png`);
  });

  await wd.quit();
} catch (e) {
  await failed(e);
  await wd.quit().catch(() => {});
} finally {
  for (const c of children) c.kill();
}
exit();
