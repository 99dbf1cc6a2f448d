//! The locked-down shell, checked from the files that define it: the main window's
//! capability grants exactly the commands the UI calls (compared with ui/src), the CSP
//! is strict, the prototype is frozen, and no remote page is ever loaded or granted IPC.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use serde_json::Value;

/// The checkout under test: from the `CARGO_MANIFEST_DIR` cargo sets when it runs the
/// test, not the one baked in at build time, since the target dir is a cache shared
/// between clones (CI's and ours).
fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join("..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `camelName` → `snake_name` for every command of the generated bindings.
fn binding_commands() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in read("ui/src/bindings.ts").lines() {
        let Some(rest) = line.strip_prefix('\t') else {
            continue;
        };
        let Some((name, tail)) = rest.split_once(": (") else {
            continue;
        };
        if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        let Some(at) = tail.find("__TAURI_INVOKE") else {
            continue;
        };
        let after = &tail[at..];
        let start = after.find("(\"").unwrap() + 2;
        let end = start + after[start..].find('"').unwrap();
        out.insert(name.to_owned(), after[start..end].to_owned());
    }
    assert!(out.len() > 50, "bindings not read: {out:?}");
    out
}

/// The UI's own sources (generated bindings, unit tests and their helpers excluded).
fn ui_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "test" {
                    walk(&path, out);
                }
            } else if name.ends_with(".ts") && !name.ends_with(".test.ts") && name != "bindings.ts"
            {
                out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo().join("ui/src"), &mut out);
    assert!(out.len() > 10, "UI sources not found");
    out
}

/// Identifiers following `commands.` in the UI's code.
fn commands_called(source: &str) -> BTreeSet<String> {
    source
        .match_indices("commands.")
        .filter(|(i, _)| {
            // `commands.x`, not `subcommands.x`.
            *i == 0
                || !source.as_bytes()[i - 1].is_ascii_alphanumeric()
                    && source.as_bytes()[i - 1] != b'_'
        })
        .map(|(i, m)| {
            source[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// What the UI imports from Tauri's JavaScript API, as `module:name` (type-only
/// imports excluded: they do not exist at run time).
fn tauri_imports(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in source.match_indices("from \"@tauri-apps/") {
        let module: String = source[at + 6..].chars().take_while(|c| *c != '"').collect();
        let statement = &source[source[..at].rfind("import").unwrap_or(0)..at];
        if statement.starts_with("import type") {
            continue;
        }
        let names = statement
            .split_once('{')
            .and_then(|(_, r)| r.split_once('}'))
            .map(|(n, _)| n)
            .unwrap_or("*");
        for name in names.split(',') {
            let name = name.trim();
            if !name.is_empty() && !name.starts_with("type ") {
                out.insert(format!("{module}:{name}"));
            }
        }
    }
    out
}

/// Permissions each Tauri JS API the UI may use needs. Anything imported that is not
/// here fails the test: a new API means a new permission, granted on purpose.
fn permissions_for(import: &str) -> Option<&'static [&'static str]> {
    match import {
        // Channels need no permission (their data fetch bypasses the ACL).
        "@tauri-apps/api/core:Channel" => Some(&[]),
        "@tauri-apps/api/event:listen" => {
            Some(&["core:event:allow-listen", "core:event:allow-unlisten"])
        }
        _ => None,
    }
}

#[test]
fn the_main_window_is_granted_exactly_the_commands_and_permissions_the_ui_uses() {
    let bindings = binding_commands();
    let mut used_commands = BTreeSet::new();
    let mut needed = BTreeSet::new();
    let mut unknown = Vec::new();
    for (path, source) in ui_sources() {
        for name in commands_called(&source) {
            match bindings.get(&name) {
                Some(cmd) => {
                    used_commands.insert(cmd.clone());
                }
                None => unknown.push(format!("{}: commands.{name}", path.display())),
            }
        }
        for import in tauri_imports(&source) {
            match permissions_for(&import) {
                Some(perms) => needed.extend(perms.iter().map(|p| p.to_string())),
                None => unknown.push(format!("{}: imports {import}", path.display())),
            }
        }
    }
    assert!(unknown.is_empty(), "not accounted for: {unknown:#?}");
    for cmd in &used_commands {
        needed.insert(format!("allow-{}", cmd.replace('_', "-")));
    }

    let capability = json("src-tauri/capabilities/main.json");
    let granted: BTreeSet<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().expect("plain permission names").to_owned())
        .collect();
    let missing: Vec<_> = needed.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&needed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the UI uses but is not granted: {missing:?}\ngranted but never used by the UI: {extra:?}"
    );
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert!(
        capability.get("remote").is_none(),
        "no remote origin may call the IPC"
    );
    assert!(capability.get("webviews").is_none());
    // Every granted command is one the app defines (tauri-build lists them).
    let build = read("src-tauri/build.rs");
    for cmd in &used_commands {
        assert!(
            build.contains(&format!("\"{cmd}\"")),
            "{cmd} not in build.rs"
        );
    }
    eprintln!(
        "{} commands granted, all called by the UI; {} core permissions",
        used_commands.len(),
        granted.len() - used_commands.len()
    );
}

/// The CSP's directives, as sets of sources.
fn csp() -> BTreeMap<String, BTreeSet<String>> {
    let conf = json("tauri.conf.json");
    let csp = conf["app"]["security"]["csp"]
        .as_object()
        .expect("the CSP is written as directives");
    csp.iter()
        .map(|(k, v)| {
            let sources = v
                .as_str()
                .unwrap()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            (k.clone(), sources)
        })
        .collect()
}

fn set(sources: &[&str]) -> BTreeSet<String> {
    sources.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_csp_runs_only_the_apps_scripts_and_shows_images_only_from_the_app() {
    let csp = csp();
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("default-src", set(&["'self'"])),
        ("script-src", set(&["'self'"])),
        ("style-src", set(&["'self'"])),
        // The app's files and the media: scheme (media.localhost on Windows); no data:
        // (nothing in the UI needs it: the favicon link that did is gone).
        (
            "img-src",
            set(&["'self'", "media:", "http://media.localhost"]),
        ),
        ("connect-src", set(&["ipc:", "http://ipc.localhost"])),
        ("media-src", set(&["'none'"])),
        ("object-src", set(&["'none'"])),
        ("frame-src", set(&["'none'"])),
        ("worker-src", set(&["'none'"])),
        ("base-uri", set(&["'none'"])),
        ("form-action", set(&["'none'"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(csp, expected);
    for (directive, sources) in &csp {
        for s in sources {
            assert!(
                !s.contains("unsafe") && s != "*" && s != "data:" && s != "blob:",
                "{directive} allows {s}"
            );
        }
    }
}

#[test]
fn the_prototype_is_frozen_and_only_the_bundled_ui_is_ever_loaded() {
    let conf = json("tauri.conf.json");
    let security = &conf["app"]["security"];
    assert_eq!(security["freezePrototype"], true);
    assert!(security
        .get("dangerousDisableAssetCspModification")
        .is_none());
    assert!(
        security.get("capabilities").is_none(),
        "capabilities come from capabilities/"
    );
    assert_ne!(conf["app"]["withGlobalTauri"], true, "no global __TAURI__");
    // The UI is the bundle built into the binary; no dev server, no remote page.
    assert_eq!(conf["build"]["frontendDist"], "ui/dist");
    assert!(conf["build"].get("devUrl").is_none());
    let windows = conf["app"]["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 1);
    let main = &windows[0];
    assert_eq!(main["label"], "main");
    assert!(
        main.get("url").is_none(),
        "the window shows the bundle's index.html"
    );
    // Created by the shell, with its navigation and new-window guards (webview_guard.rs).
    assert_eq!(main["create"], false);
    let lib = read("src-tauri/src/lib.rs");
    assert!(lib.contains("webview_guard::create_main_window(app)?"));
    let index = read("ui/index.html");
    assert!(
        !index.contains("data:"),
        "index.html needs data: URLs again"
    );
    assert!(!index.contains("http"), "index.html loads something remote");
}
