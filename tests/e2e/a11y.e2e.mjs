// End-to-end, accessibility: axe-core (the npm package the UI's unit tests use) injected
// into the real window through WebDriver and run where jsdom cannot judge, colour
// contrast included: the signed-in main screen, an open room with messages, the
// settings screen, the room switcher, and the main screen again in the dark theme. Zero
// serious or critical violations; the keyboard's way around (Ctrl+K, Alt+↓, Escape) is
// driven with real key presses.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e" } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "a11y", SHOTS);

// The same axe-core the UI's vitest check uses (ui/node_modules).
const require = createRequire(new URL("../../ui/package.json", import.meta.url));
const AXE = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

/** Injects axe once per page, runs it on the document, returns its violations. */
async function axe(where) {
  const loaded = await wd.script("return typeof window.axe === 'object';");
  if (!loaded) await wd.script(`${AXE}\n;return true;`);
  const json = await wd.script(`
    return window.axe.run(document, { resultTypes: ["violations"] }).then((r) => JSON.stringify(
      r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + (n.failureSummary ? " — " + n.failureSummary.split("\\n").slice(1, 2).join("") : "")) }))));`);
  const all = JSON.parse(json);
  // Proof that colours were judged here (jsdom cannot): how many texts the contrast rule checked.
  const contrast = JSON.parse(await wd.script(`return window.axe.run(document, { runOnly: ["color-contrast"] })
    .then((r) => JSON.stringify([r.passes.reduce((n, p) => n + p.nodes.length, 0), r.incomplete.reduce((n, p) => n + p.nodes.length, 0)]));`));
  console.log(`axe ${where}: colour contrast checked on ${contrast[0]} texts (${contrast[1]} undecidable, e.g. over images)`);
  const bad = all.filter((v) => v.impact === "serious" || v.impact === "critical");
  console.log(`axe ${where}: ${all.length} violation kind(s), ${bad.length} serious or critical`);
  for (const v of all) console.log(`  ${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.join("\n    ")}`);
  if (bad.length) throw new Error(`${where}: ${bad.map((v) => `${v.id} (${v.nodes.join(", ")})`).join("; ")}`);
}

/** A real key press (WebDriver actions), with modifiers held. */
async function keys(mods, key) {
  const codes = { Control: "\uE009", Alt: "\uE00A", Shift: "\uE008", Escape: "\uE00C", ArrowDown: "\uE015", ArrowUp: "\uE013", Enter: "\uE007" };
  const down = [...mods.map((m) => codes[m]), codes[key] ?? key];
  await wd.cmd("POST", "/actions", { actions: [{ type: "key", id: "keyboard", actions: [
    ...down.map((value) => ({ type: "keyDown", value })),
    ...[...down].reverse().map((value) => ({ type: "keyUp", value })),
  ] }] });
  await wd.cmd("DELETE", "/actions").catch(() => {});
}

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Accès");
  const bob = await mx.register("bob", "Bob Accès");
  const first = await mx.createRoom(bob, `Accueil ${tag}`, [alice]);
  const second = await mx.createRoom(bob, `Bureau ${tag}`, [alice]);
  for (const id of [first, second]) {
    await mx.join(alice, id);
    await mx.send(bob, id, `Bonjour, voici le salon ${id === first ? "d'accueil" : "du bureau"}.`);
  }

  await step("signed in, the main screen has no serious violation (contrast included)", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitUntil("both rooms listed", async () => (await wd.findAll("#room-list li.room")).length >= 2, 60000);
    await axe("main screen");
  });

  await step("Ctrl+K opens the room switcher; typing and Enter open the room", async () => {
    await keys(["Control"], "k");
    await wd.waitFor("#room-switcher", 10000);
    await axe("room switcher");
    await wd.type("#switcher-input", "bureau");
    await keys([], "Enter");
    await wd.waitUntil("the room open", async () => (await wd.text("#room-name")).includes(`Bureau ${tag}`), 30000);
    await wd.waitUntil("its message", async () => (await wd.text("#timeline")).includes("salon du bureau"), 30000);
    const focused = await wd.script("return document.activeElement && document.activeElement.id;");
    if (focused !== "composer") throw new Error(`focus on ${focused}, not the composer`);
  });

  await step("an open room has no serious violation; Alt+↓/↑ move between rooms", async () => {
    await axe("open room");
    const before = await wd.text("#room-name");
    // Away from the open room towards the other one, whichever side of it the list has it.
    const atTop = await wd.script(
      "const li = document.querySelector('#room-list li.room[aria-selected=\"true\"]'); return !!li && !li.previousElementSibling;");
    const [away, back] = atTop ? ["ArrowDown", "ArrowUp"] : ["ArrowUp", "ArrowDown"];
    await keys(["Alt"], away);
    await wd.waitUntil("another room", async () => (await wd.text("#room-name")) !== before, 10000);
    await keys(["Alt"], back);
    await wd.waitUntil("back to the first", async () => (await wd.text("#room-name")) === before, 10000);
    await wd.screenshot(`${SHOTS}/chappe-a11y-room.png`);
  });

  await step("the settings screen has no serious violation; Escape closes it", async () => {
    await wd.click("#settings");
    await wd.waitFor("#settings-dialog", 10000);
    await wd.waitUntil("preferences loaded", async () =>
      wd.script("const s = document.querySelector('#settings-language'); return !!s && !s.disabled;"), 10000);
    await axe("settings");
    await keys([], "Escape");
    await wd.waitUntil("settings closed", async () => (await wd.findAll("#settings-dialog")).length === 0, 10000);
    const focused = await wd.script("return document.activeElement && document.activeElement.id;");
    if (focused !== "settings") throw new Error(`focus on ${focused} after Escape, not the settings button`);
  });

  await step("in the dark theme too (contrast of the dark colours)", async () => {
    await wd.click("#settings");
    await wd.waitUntil("preferences loaded", async () =>
      wd.script("const r = document.querySelector('#theme-dark'); return !!r && !r.disabled;"), 10000);
    await wd.click("#theme-dark");
    await wd.waitUntil("dark", async () => wd.script("return document.documentElement.dataset.theme === 'dark';"), 10000);
    await axe("settings, dark");
    await wd.click("#theme-system");
    await wd.waitUntil("saved", async () => (await wd.text("#settings-status")).length > 0, 10000);
    await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
