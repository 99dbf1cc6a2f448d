// End-to-end, the desktop app an agent keeps open (no tray needed: the e2e screen has
// no tray host, as GNOME without its extension): the unread count in the window title;
// the Desktop settings (close to the tray on by default, start with the session writes
// and removes the XDG autostart entry); closing the window (a window manager's close:
// WM_DELETE_WINDOW) hides it while Chappe keeps running and still notifies; a second
// launch shows it again; with close-to-tray off, closing quits; the choice is kept
// across a restart (and put back on for the scenarios after this one).
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

  await step("a notification server answers on the session bus", async () => {
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
