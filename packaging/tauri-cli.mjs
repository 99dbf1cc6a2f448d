#!/usr/bin/env node
// Runs the tauri CLI (ui/node_modules/@tauri-apps/cli, the version of the tauri crate)
// on Chappe, e.g. `node packaging/tauri-cli.mjs build --debug --bundles deb,rpm`.
//
// Why a wrapper: the project keeps one tauri.conf.json, at the repository root (the
// crate reads it with generate_context!("../tauri.conf.json")), but the CLI wants the
// config next to the app crate's Cargo.toml and refuses the root (a workspace manifest
// without [package]). So this writes src-tauri/tauri.conf.json (git-ignored, rewritten
// on every run, never edited by hand) from the root one, its relative file paths
// rebased onto src-tauri/, and runs the CLI with TAURI_APP_PATH=src-tauri from the
// repository root (so `--config some/file.json` arguments are relative to the root).
// A .deb the CLI writes is then recompressed with xz (packaging/deb-xz.mjs).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { debsBuiltSince, recompressDeb } from "./deb-xz.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const appDir = join(root, "src-tauri");

/** Dotted paths of the config's values that name files (a string, or a list of them);
 *  `*` is every key of an object (the bundler's `files` maps: destination -> source). */
const FILE_KEYS = [
  "build.frontendDist",
  "bundle.icon",
  "bundle.resources",
  "bundle.licenseFile",
  "bundle.linux.deb.desktopTemplate",
  "bundle.linux.deb.changelog",
  "bundle.linux.deb.preInstallScript",
  "bundle.linux.deb.postInstallScript",
  "bundle.linux.deb.preRemoveScript",
  "bundle.linux.deb.postRemoveScript",
  "bundle.linux.deb.files.*",
  "bundle.linux.rpm.desktopTemplate",
  "bundle.linux.rpm.preInstallScript",
  "bundle.linux.rpm.postInstallScript",
  "bundle.linux.rpm.preRemoveScript",
  "bundle.linux.rpm.postRemoveScript",
  "bundle.linux.rpm.files.*",
  "bundle.windows.wix.template",
  "bundle.windows.wix.fragmentPaths",
  "bundle.windows.wix.bannerPath",
  "bundle.windows.wix.dialogImagePath",
  "bundle.windows.nsis.template",
  "bundle.windows.nsis.headerImage",
  "bundle.windows.nsis.sidebarImage",
  "bundle.windows.nsis.installerIcon",
  "bundle.windows.nsis.installerHooks",
  "bundle.macOS.entitlements",
  "bundle.macOS.files.*",
  "bundle.macOS.dmg.background",
];

/** A path relative to the repository root, as seen from src-tauri/. URLs and absolute
 *  paths stay as they are. */
export function rebase(p) {
  if (typeof p !== "string" || isAbsolute(p) || /^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return p;
  return relative(appDir, resolve(root, p)).split("\\").join("/");
}

/** The root config with every file path of FILE_KEYS rebased (a new object). */
export function cliConfig(config) {
  const out = structuredClone(config);
  for (const key of FILE_KEYS) {
    const parts = key.split(".");
    const last = parts.pop();
    let node = out;
    for (const part of parts) node = node?.[part];
    if (!node || typeof node !== "object") continue;
    if (last === "*") {
      for (const k of Object.keys(node)) node[k] = rebase(node[k]);
    } else if (Array.isArray(node[last])) {
      node[last] = node[last].map(rebase);
    } else if (node[last] !== undefined) {
      node[last] = rebase(node[last]);
    }
  }
  return out;
}

function main() {
  const config = JSON.parse(readFileSync(join(root, "tauri.conf.json"), "utf8"));
  const generated = cliConfig(config);
  // The CLI validates the file against its schema, which allows no comment key: the
  // file's origin is said in .gitignore and packaging/README.md.
  writeFileSync(join(appDir, "tauri.conf.json"), JSON.stringify(generated, null, 2) + "\n");
  const cli = join(root, "ui", "node_modules", "@tauri-apps", "cli", "tauri.js");
  const started = Date.now();
  const res = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, TAURI_APP_PATH: appDir, TAURI_FRONTEND_PATH: join(root, "ui") },
  });
  if (res.error) {
    console.error(`tauri-cli: ${res.error.message} (run: cd ui && npm install)`);
    process.exit(2);
  }
  if (res.status === 0) {
    const targetDir = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(root, "target");
    // A debug bundle is for the package test: the fastest level (its 200 MB binary
    // takes minutes at -9); a release bundle, what ships, the smallest.
    const level = process.argv.includes("--debug") ? 1 : 9;
    for (const deb of debsBuiltSince(targetDir, started)) {
      try {
        recompressDeb(deb, level);
        console.error(`tauri-cli: ${relative(root, deb)}: data recompressed with xz -${level}`);
      } catch (e) {
        console.error(`tauri-cli: ${e.message}`);
        process.exit(1);
      }
    }
  }
  process.exit(res.status ?? 1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
