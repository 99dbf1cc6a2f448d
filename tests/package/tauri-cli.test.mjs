// packaging/tauri-cli.mjs: the config the tauri CLI reads from src-tauri/ must name the
// same files as the root tauri.conf.json.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { cliConfig, rebase } from "../../packaging/tauri-cli.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

test("relative paths are seen from src-tauri/, URLs and absolute paths are kept", () => {
  assert.equal(rebase("ui/dist"), "../ui/dist");
  assert.equal(rebase("icons/32x32.png"), "../icons/32x32.png");
  assert.equal(rebase("http://localhost:5173"), "http://localhost:5173");
  assert.equal(rebase("/opt/x.png"), "/opt/x.png");
  assert.equal(rebase(null), null);
});

test("every file the root config names is found from src-tauri/ in the CLI's copy", () => {
  const config = JSON.parse(readFileSync(join(root, "tauri.conf.json"), "utf8"));
  const out = cliConfig(config);
  const appDir = join(root, "src-tauri");
  const files = [
    out.build.frontendDist,
    ...out.bundle.icon,
    out.bundle.linux.deb.desktopTemplate,
    out.bundle.linux.rpm.desktopTemplate,
  ];
  for (const f of files) {
    assert.ok(f.startsWith("../"), f);
    // ui/dist exists once the UI is built; the rest is committed.
    if (!f.includes("ui/dist")) assert.ok(existsSync(join(appDir, f)), `${f} not found from src-tauri/`);
  }
  // Nothing else changes, and the root config object is left as it was.
  assert.equal(out.identifier, config.identifier);
  assert.deepEqual(out.plugins, config.plugins);
  assert.equal(config.build.frontendDist, "ui/dist");
});

test("the `files` maps keep their destinations and rebase their sources", () => {
  const out = cliConfig({ bundle: { linux: { deb: { files: { "/etc/chappe/config.json": "packaging/config.json" } } } } });
  assert.deepEqual(out.bundle.linux.deb.files, { "/etc/chappe/config.json": "../packaging/config.json" });
});
