// End-to-end, settings: in the real window, open the settings screen, switch the
// language to English (the whole window follows at once) and back to French, choose the
// dark theme (screenshots of both), refuse a malformed proxy with a clear message, and
// find all of it again after a restart (Rust's settings.json in the app's config
// folder). Then the log file the About section points at: it exists, and holds neither
// the password, the access token, nor the text of the message sent.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Matrix, rand } from "./matrix.mjs";
import { firstScreen, scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e", XDG_CONFIG_HOME } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "settings", SHOTS);

const settingsFile = () => readFile(join(XDG_CONFIG_HOME ?? `${process.env.HOME}/.config`, "fr.chappe.app", "settings.json"), "utf8")
  .then(JSON.parse);

async function openSettings() {
  await wd.click("#settings");
  await wd.waitUntil("preferences loaded", async () =>
    wd.script("const s = document.querySelector('#settings-language'); return !!s && !s.disabled;"), 10000);
}

async function chooseLanguage(lang) {
  await wd.click(`#settings-language option[value="${lang}"]`);
  // Some drivers select without firing "change" on a click: say it as the user's choice would.
  await wd.script(`const s = document.querySelector('#settings-language');
    if (s.value !== arguments[0]) { s.value = arguments[0]; s.dispatchEvent(new Event('change')); } return true;`, lang);
  await wd.waitUntil(`the window in ${lang}`, async () => wd.script("return document.documentElement.lang;").then((l) => l === lang), 10000);
}

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Réglages");
  const bob = await mx.register("bob", "Bob Réglages");
  const roomId = await mx.createRoom(bob, `Réglages ${tag}`, [alice]);
  await mx.join(alice, roomId);
  const secretText = `Texte confidentiel ${tag}`;

  await step("sign in and send a message", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor(`#room-list li[data-room-id="${roomId}"]`, 60000);
    await wd.click(`#room-list li[data-room-id="${roomId}"]`);
    await wd.waitFor("#composer", 30000);
    await wd.type("#composer", secretText);
    await wd.click("#send");
    await mx.waitForMessage(bob, roomId, secretText);
  });

  await step("the settings screen gathers its sections", async () => {
    await openSettings();
    await chooseLanguage("fr");
    const titles = await wd.script("return Array.from(document.querySelectorAll('.settings-section > h3')).map((h) => h.textContent);");
    for (const want of ["Compte", "Notifications", "Apparence", "Langue", "Confidentialité", "Sécurité", "Réseau", "À propos"]) {
      if (!titles.includes(want)) throw new Error(`no section ${want} in ${titles.join(", ")}`);
    }
    if (!(await wd.text("#settings-version")).startsWith("Version ")) throw new Error("no version");
    await wd.screenshot(`${SHOTS}/chappe-settings-fr.png`);
  });

  await step("switch to English: the whole window follows, and back to French", async () => {
    await chooseLanguage("en");
    await wd.waitUntil("English title", async () => (await wd.text("#settings-dialog h2")) === "Settings", 10000);
    const section = await wd.text(".sidebar h2.section");
    if (section.toLowerCase() !== "rooms") throw new Error(`sidebar says ${section}`);
    const saved = await settingsFile();
    if (saved.language !== "en") throw new Error(`settings.json: ${JSON.stringify(saved)}`);
    await wd.screenshot(`${SHOTS}/chappe-settings-en.png`);
    await chooseLanguage("fr");
    await wd.waitUntil("French title", async () => (await wd.text("#settings-dialog h2")) === "Paramètres", 10000);
    if ((await settingsFile()).language !== "fr") throw new Error("French not saved");
  });

  await step("the dark theme applies at once and is saved", async () => {
    await wd.click("#theme-dark");
    await wd.waitUntil("dark", async () => wd.script("return document.documentElement.dataset.theme === 'dark';"), 10000);
    const bg = await wd.script("return getComputedStyle(document.querySelector('.sidebar')).backgroundColor;");
    if (bg !== "rgb(31, 31, 37)") throw new Error(`sidebar background ${bg} in dark`);
    await wd.waitUntil("saved", async () => (await settingsFile()).theme === "dark", 10000);
    await wd.screenshot(`${SHOTS}/chappe-settings-dark.png`);
  });

  await step("a malformed proxy is refused in words, kept as typed, and nothing is saved", async () => {
    await wd.type("#settings-proxy", "proxy.interieur.gouv.fr:3128");
    await wd.click("#settings-proxy-save");
    await wd.waitUntil("the proxy error", async () => (await wd.text("#settings-proxy-error")).length > 0, 10000);
    const said = await wd.text("#settings-proxy-error");
    if (!said.includes("http://serveur:port")) throw new Error(`said: ${said}`);
    const kept = await wd.script("return document.querySelector('#settings-proxy').value;");
    if (kept !== "proxy.interieur.gouv.fr:3128") throw new Error(`the field now holds ${kept}`);
    if ((await settingsFile()).proxy !== null) throw new Error("an invalid proxy was saved");
    await wd.clear("#settings-proxy");
    await wd.screenshot(`${SHOTS}/chappe-settings-proxy-error.png`);
  });

  let logDir;
  await step("after a restart, French and dark are back", async () => {
    logDir = (await wd.text("#settings-log-dir")).replace(/^Journaux : /, "");
    await wd.quit();
    await wd.start(APP);
    await firstScreen(wd);
    const state = await wd.script("return [document.documentElement.lang, document.documentElement.dataset.theme || ''];");
    if (state[0] !== "fr" || state[1] !== "dark") throw new Error(`after restart: ${state}`);
    await wd.waitFor("#logout", 60000);
    await wd.screenshot(`${SHOTS}/chappe-dark-restart.png`);
  });

  await step("the log file exists and holds no password, token or message text", async () => {
    const files = (await readdir(logDir)).filter((f) => f.startsWith("chappe") && f.endsWith(".log"));
    if (files.length === 0) throw new Error(`no log file in ${logDir}`);
    const text = (await Promise.all(files.map((f) => readFile(join(logDir, f), "utf8")))).join("\n");
    if (!text.includes("signed in")) throw new Error(`the sign-in is not in the log:\n${text.slice(0, 2000)}`);
    for (const [what, secret] of [["password", alice.password], ["message text", secretText], ["registration token", alice.token]]) {
      if (text.includes(secret)) throw new Error(`the ${what} is in the log file`);
    }
    console.log(`log: ${files.join(", ")} (${text.length} characters, clean)`);
  });

  await step("back to the system theme, signed out", async () => {
    await openSettings();
    await wd.click("#theme-system");
    await wd.waitUntil("saved", async () => (await settingsFile()).theme === "system", 10000);
    await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
