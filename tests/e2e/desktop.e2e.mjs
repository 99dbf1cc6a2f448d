// End-to-end, the desktop app an agent keeps open: the unread count in the window title
// and in the tray (a real StatusNotifierWatcher on the session bus, as KDE or GNOME's
// AppIndicator extension run: label and red-dot picture); the Desktop settings (close
// to the tray on by default, start with the session writes and removes the XDG
// autostart entry); closing the window (a window manager's close: WM_DELETE_WINDOW)
// hides it while Chappe keeps running and still notifies; a second launch shows it
// again, and so does the tray's Open; the tray's Mute is the notifications switch;
// with close-to-tray off, closing quits; the choice is kept across a restart (and put
// back on for the scenarios after this one); the tray's Quit ends Chappe; started by
// the session's autostart entry, Chappe starts in the tray.
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Matrix, rand } from "./matrix.mjs";
import { firstScreen, scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e" } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "desktop", SHOTS);
const run = promisify(execFile);
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const notesFile = join(mkdtempSync(join(tmpdir(), "chappe-notes-")), "desktop.jsonl");
const traysFile = join(mkdtempSync(join(tmpdir(), "chappe-trays-")), "trays.jsonl");
const notes = () => (existsSync(notesFile)
  ? readFileSync(notesFile, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : []);

// The app's XDG autostart entry (tauri-plugin-autostart: ~/.config/autostart/<product>.desktop).
const autostartFile = join(homedir(), ".config", "autostart", "Chappe.desktop");
const autostartBefore = existsSync(autostartFile) ? readFileSync(autostartFile) : null;

/** The app's top-level X window while it is shown (null when hidden or gone). */
async function shownWindow() {
  const { stdout } = await run("xdotool", ["search", "--onlyvisible", "--name", "^Chappe"]).catch(() => ({ stdout: "" }));
  return stdout.trim().split("\n").filter(Boolean)[0] ?? null;
}
const windowName = async (id) => (await run("xdotool", ["getwindowname", id])).stdout.trim();
const windowPid = async (id) => Number((await run("xdotool", ["getwindowpid", id])).stdout.trim());
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
/** What a window manager's close button does. */
const closeWindow = (id) => run("/usr/bin/python3", ["tests/e2e/close_window.py", id]);

/** Chappe started again with `args` (what the desktop does for a launcher click or a
 *  link): must hand over to the running one and exit. */
async function secondLaunch(args = []) {
  const second = spawn(APP, args, { env: process.env, stdio: "ignore" });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { second.kill(); reject(new Error("the second launch did not exit within 15 s")); }, 15000);
    second.on("exit", (code) => { clearTimeout(timer); resolve(code); });
    second.on("error", (e) => { clearTimeout(timer); reject(e); });
  });
}

/** The tray item the latest Chappe registered with the tray host. */
function trayItem() {
  const lines = existsSync(traysFile) ? readFileSync(traysFile, "utf8").split("\n").filter(Boolean) : [];
  return lines.length ? JSON.parse(lines.at(-1)) : null;
}
async function busctl(...args) {
  const { stdout } = await run("busctl", ["--user", "--json=short", ...args]);
  return stdout.trim() ? JSON.parse(stdout) : null;
}
/** The item's StatusNotifierItem properties, as plain values. */
async function trayProps(item) {
  const res = await busctl("call", item.service, item.path, "org.freedesktop.DBus.Properties", "GetAll", "s",
    "org.kde.StatusNotifierItem");
  return Object.fromEntries(Object.entries(res.data[0]).map(([k, v]) => [k, v.data]));
}
/** The tray menu's items: id, label, enabled, ticked. */
async function trayMenu(item) {
  const { Menu } = await trayProps(item);
  const res = await busctl("call", item.service, Menu, "com.canonical.dbusmenu", "GetLayout", "iias", "--", "0", "-1", "0");
  return res.data[1][2].map(({ data: [id, props] }) => ({
    id, label: props.label?.data ?? "", enabled: props.enabled?.data ?? true, ticked: props["toggle-state"]?.data === 1,
  }));
}
/** A click on a tray menu item, as the tray sends it. */
async function trayClick(item, labels) {
  const entry = (await trayMenu(item)).find((e) => labels.includes(e.label));
  if (!entry) throw new Error(`no tray item ${labels}`);
  const { Menu } = await trayProps(item);
  await run("busctl", ["--user", "call", item.service, Menu, "com.canonical.dbusmenu", "Event", "isvu",
    String(entry.id), "clicked", "i", "0", "0"]);
}
const OPEN = ["Ouvrir Chappe", "Open Chappe"];
const MUTE = ["Couper les notifications", "Mute notifications"];
const QUIT = ["Quitter", "Quit"];

async function openSettings() {
  await wd.click("#settings");
  await wd.waitFor("#close-to-tray:not([disabled])", 15000);
}

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Bureau");
  const bob = await mx.register("bob", "Bob Bureau");
  const room = await mx.createRoom(bob, `Permanence ${tag}`, [alice]);
  await mx.join(alice, room);
  let win;
  let pid;

  await step("a tray host and a notification server answer on the session bus", async () => {
    const host = spawn("/usr/bin/python3", ["tests/e2e/tray_host.py", traysFile], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(host);
    await new Promise((resolve, reject) => {
      host.stdout.on("data", (d) => { if (String(d).includes("ready")) resolve(); });
      host.on("exit", (code) => reject(new Error(`tray host exited (${code})`)));
    });
    const server = spawn("/usr/bin/python3", ["tests/e2e/notification_server.py", notesFile], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(server);
    await new Promise((resolve, reject) => {
      server.stdout.on("data", (d) => { if (String(d).includes("ready")) resolve(); });
      server.on("exit", (code) => reject(new Error(`notification server exited (${code})`)));
    });
  });

  await step("the window's title counts what is unread", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor(`li.room[data-room-id="${room}"]`, 30000);
    win = await wd.waitUntil("the app's window", shownWindow, 10000);
    pid = await windowPid(win);
    await wd.waitUntil("the plain title", async () => (await windowName(win)) === "Chappe", 10000);
    await mx.send(bob, room, `Premier ${tag}`);
    await mx.send(bob, room, `Second ${tag}`);
    await wd.waitUntil("'Chappe (2)'", async () => (await windowName(win)) === "Chappe (2)", 30000);
  });

  await step("the tray icon: its label counts what is unread, its picture gets a red dot", async () => {
    const item = await wd.waitUntil("the tray item", async () => trayItem(), 15000);
    const props = await wd.waitUntil("the label '2'", async () => {
      const p = await trayProps(item);
      return p.XAyatanaLabel === "2" ? p : null;
    }, 15000);
    // The badge: Marianne red at the dot's centre (64 px picture, radius 0.26).
    const { stdout } = await run("convert", [props.IconName, "-format", "%[pixel:p{46,17}]", "info:"]);
    if (!/225,0,15/.test(stdout)) throw new Error(`no red dot in ${props.IconName}: ${stdout}`);
    const menu = await trayMenu(item);
    const labels = menu.map((e) => e.label).filter(Boolean);
    if (!OPEN.includes(labels[0]) || !MUTE.includes(labels[1]) || !QUIT.includes(labels[2])) throw new Error(`menu ${labels}`);
    if (!menu.find((e) => MUTE.includes(e.label)).enabled) throw new Error("Mute is not usable while signed in");
  });

  await step("Desktop settings: close to the tray is on by default; autostart writes and removes the session's entry", async () => {
    await openSettings();
    if (!(await wd.script("return document.querySelector('#close-to-tray').checked"))) throw new Error("close-to-tray is off by default");
    const wasOn = await wd.script("return document.querySelector('#autostart').checked");
    if (wasOn !== (autostartBefore !== null)) throw new Error(`autostart box ${wasOn}, entry ${autostartBefore !== null}`);
    if (!wasOn) {
      await wd.click("#autostart");
      await wd.waitUntil("the autostart entry", () => existsSync(autostartFile), 10000);
      const entry = readFileSync(autostartFile, "utf8");
      if (!/^Exec=.*chappe.* --autostart$/m.test(entry)) throw new Error(`entry:\n${entry}`);
      await wd.waitUntil("saved", async () => (await wd.text("#desktop-status")).length > 0, 10000);
      await wd.screenshot(`${SHOTS}/chappe-desktop-settings.png`);
      await wd.click("#autostart");
      await wd.waitUntil("the entry removed", () => !existsSync(autostartFile), 10000);
    }
    await wd.click("#settings");
  });

  await step("closing the window hides it; Chappe keeps running and still notifies", async () => {
    await closeWindow(win);
    await wd.waitUntil("the window hidden", async () => (await shownWindow()) === null, 10000);
    await sleep(1500);
    if (!alive(pid)) throw new Error("Chappe quit");
    await mx.send(bob, room, `Pendant la fermeture ${tag}`);
    const shown = await wd.waitUntil("the notification", async () =>
      notes().find((n) => n.body.includes(`Pendant la fermeture ${tag}`)), 30000);
    if (shown.summary !== `Permanence ${tag}`) throw new Error(`notification ${JSON.stringify(shown)}`);
    // The webview lives on behind the hidden window: the count went on too.
    await wd.waitUntil("'Chappe (3)'", async () => (await windowName(win)) === "Chappe (3)", 30000);
    if (await shownWindow()) throw new Error("the window came back by itself");
  });

  await step("starting Chappe again shows the window of the running one", async () => {
    const t0 = Date.now();
    const code = await secondLaunch();
    if (code !== 0) throw new Error(`the second launch exited with ${code}`);
    console.log(`  second launch exited in ${Date.now() - t0} ms`);
    const again = await wd.waitUntil("the window shown again", shownWindow, 10000);
    if (await windowPid(again) !== pid) throw new Error("another process owns the window");
    await wd.waitFor(`li.room[data-room-id="${room}"]`, 5000);
    await wd.screenshot(`${SHOTS}/chappe-desktop-reopened.png`);
  });

  await step("the tray's Open shows the closed window; its Mute is the notifications switch", async () => {
    const item = trayItem();
    await closeWindow(await shownWindow());
    await wd.waitUntil("the window hidden", async () => (await shownWindow()) === null, 10000);
    await trayClick(item, OPEN);
    await wd.waitUntil("the window shown again", shownWindow, 10000);
    await trayClick(item, MUTE);
    await wd.waitUntil("Mute ticked", async () => (await trayMenu(item)).find((e) => MUTE.includes(e.label)).ticked, 10000);
    await wd.click("#settings");
    await wd.waitFor("#notifications-enabled:not([disabled])", 15000);
    if (await wd.script("return document.querySelector('#notifications-enabled').checked")) throw new Error("notifications still on in Settings");
    await wd.click("#settings");
    await trayClick(item, MUTE);
    await wd.waitUntil("Mute unticked", async () => !(await trayMenu(item)).find((e) => MUTE.includes(e.label)).ticked, 10000);
  });

  await step("with close-to-tray off, closing the window quits Chappe", async () => {
    await openSettings();
    await wd.click("#close-to-tray");
    await wd.waitUntil("saved", async () => (await wd.text("#desktop-status")).length > 0, 10000);
    await wd.click("#settings");
    await closeWindow(await shownWindow());
    await wd.waitUntil("Chappe gone", async () => !alive(pid), 20000);
    await wd.quit();
  });

  await step("the choice is kept across a restart; turned back on", async () => {
    await wd.start(APP);
    await firstScreen(wd);
    await openSettings();
    if (await wd.script("return document.querySelector('#close-to-tray').checked")) throw new Error("close-to-tray is on again after a restart");
    await wd.click("#close-to-tray");
    await wd.waitUntil("saved", async () => (await wd.text("#desktop-status")).length > 0, 10000);
    await wd.click("#settings");
    await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  });

  await step("the tray's Quit ends Chappe", async () => {
    const running = await windowPid(await wd.waitUntil("the window", shownWindow, 10000));
    const item = await wd.waitUntil("the new tray item", async () => {
      const it = trayItem();
      return it && (await trayProps(it).then(() => it, () => null));
    }, 15000);
    await trayClick(item, QUIT);
    await wd.waitUntil("Chappe gone", async () => !alive(running), 20000);
    await wd.quit();
  });

  await step("started with the session (--autostart), Chappe waits in the tray; Open shows it", async () => {
    const before = trayItem();
    await wd.start(APP, ["--autostart"]);
    await firstScreen(wd);
    const item = await wd.waitUntil("its tray item", async () => {
      const it = trayItem();
      return it && JSON.stringify(it) !== JSON.stringify(before) ? it : null;
    }, 15000);
    await sleep(1000);
    if (await shownWindow()) throw new Error("the window is shown");
    await trayClick(item, OPEN);
    await wd.waitUntil("the window shown", shownWindow, 10000);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit().catch(() => {});
  for (const c of children) c.kill();
  // Leave the user's autostart entry as it was.
  if (autostartBefore === null) rmSync(autostartFile, { force: true });
  else writeFileSync(autostartFile, autostartBefore);
}
exit();
