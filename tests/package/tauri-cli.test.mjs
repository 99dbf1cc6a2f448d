// packaging/tauri-cli.mjs: the config the tauri CLI reads from src-tauri/ must name the
// same files as the root tauri.conf.json.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { cliConfig, rebase } from "../../packaging/tauri-cli.mjs";
import { debMembers, debsBuiltSince, recompressDeb } from "../../packaging/deb-xz.mjs";

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

test("a gzip .deb is rewritten with an xz data member holding the same files and fields", (t) => {
  for (const tool of ["dpkg-deb", "ar", "xz"]) {
    if (spawnSync("which", [tool]).status !== 0) return t.skip(`${tool} missing`);
  }
  const work = mkdtempSync(join(tmpdir(), "deb-xz-test-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const tree = join(work, "pkg");
  mkdirSync(join(tree, "DEBIAN"), { recursive: true });
  mkdirSync(join(tree, "usr/bin"), { recursive: true });
  writeFileSync(join(tree, "DEBIAN/control"),
    "Package: chappe-test\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: test\n");
  // Text that compresses: xz must come out smaller than gzip.
  writeFileSync(join(tree, "usr/bin/tool"), "#!/bin/sh\n" + "echo chappe\n".repeat(20000), { mode: 0o755 });
  const deb = join(work, "t.deb");
  const built = spawnSync("dpkg-deb", ["-Zgzip", "--root-owner-group", "-b", tree, deb]);
  assert.equal(built.status, 0, built.stderr?.toString());
  const list = () => spawnSync("dpkg-deb", ["-c", deb]).stdout.toString().split("\n")
    .map((l) => l.split(/\s+/).filter((_, i) => i !== 3 && i !== 4).join(" ")); // no dates
  const before = { files: list(), fields: spawnSync("dpkg-deb", ["-f", deb]).stdout.toString() };
  assert.deepEqual(debMembers(deb), ["debian-binary", "control.tar.gz", "data.tar.gz"]);

  assert.deepEqual(recompressDeb(deb), ["debian-binary", "control.tar.gz", "data.tar.xz"]);
  assert.deepEqual(list(), before.files);
  assert.equal(spawnSync("dpkg-deb", ["-f", deb]).stdout.toString(), before.fields);
  const unpacked = join(work, "x");
  assert.equal(spawnSync("dpkg-deb", ["-x", deb, unpacked]).status, 0);
  assert.equal(readFileSync(join(unpacked, "usr/bin/tool"), "utf8"), readFileSync(join(tree, "usr/bin/tool"), "utf8"));
  // A second pass leaves an xz .deb alone.
  assert.deepEqual(recompressDeb(deb), ["debian-binary", "control.tar.gz", "data.tar.xz"]);
  assert.ok(debsBuiltSince(work, 0).length === 0, "only <profile>/bundle/deb/ folders are searched");
});

test("the .debs of this run are found under <profile>/ and <triple>/<profile>/, older ones are not", (t) => {
  const work = mkdtempSync(join(tmpdir(), "deb-find-test-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const put = (dir, name, mtime) => {
    mkdirSync(join(work, dir), { recursive: true });
    const p = join(work, dir, name);
    writeFileSync(p, "");
    utimesSync(p, mtime / 1000, mtime / 1000);
    return p;
  };
  const since = Date.now() - 1000;
  const fresh = put("release/bundle/deb", "a.deb", since + 10);
  const cross = put("x86_64-unknown-linux-gnu/release/bundle/deb", "b.deb", since + 10);
  put("debug/bundle/deb", "old.deb", since - 60_000);
  put("release/bundle/rpm", "c.rpm", since + 10);
  assert.deepEqual(debsBuiltSince(work, since).sort(), [fresh, cross].sort());
});
