//! Emoji (SAS) verification between Chappe and another client, matrix-nio 0.26.0
//! (PyPI `matrix-nio[e2e]`, installed by `tests/bench/peers/setup.sh` into
//! `$CHAPPE_CACHE/nio-venv`), driven by `tests/peers/nio_sas.py`, on the real Synapse.
//!
//! nio speaks the old to-device flow only (a bare `m.key.verification.start`, no
//! request), so Chappe starts that flow with it and answers it from it. Stock nio
//! 0.26.0 cannot finish any SAS with a spec-conforming client: its accept commitment
//! is a hex digest where the spec says unpadded base64 (matrix-nio#570), so the side
//! that checks it cancels (nio says `m.mismatched_commitment`, matrix-sdk
//! `m.key_mismatch`); the first two tests pin that exact failure. With the peer's `--compat` (nio's own pending fixes, PRs #572/#573,
//! applied in the peer process) the flow completes both ways, the emojis and numbers
//! of both screens are equal, and each side marks the other device verified.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    io::{BufRead, BufReader, Write},
    path::PathBuf,
    process::{Child, ChildStdin, Command, Stdio},
};

use chappe_core::{
    verification::{CancelReason, FlowState},
    Session,
};
use common::{
    server,
    verify::{device_id, incoming, is_verified, knows_device, watch},
    User, SYNC_TIMEOUT,
};
use serde_json::Value;
use tokio::sync::mpsc;

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("CHAPPE_NIO_PYTHON") {
        return p.into();
    }
    let cache = std::env::var("CHAPPE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/chappe"));
    let py = cache.join("nio-venv/bin/python");
    assert!(
        py.exists(),
        "{} is missing: run tests/bench/peers/setup.sh (installs matrix-nio[e2e]==0.26.0)",
        py.display()
    );
    py
}

/// The nio process and the JSON lines it prints.
struct Nio {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<Value>,
}

impl Drop for Nio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nio {
    fn spawn(bob: &User, chappe: &Session, mode: &str, answer: &str, compat: bool) -> Self {
        let script = common::repo_file("tests/peers/nio_sas.py");
        let mut cmd = Command::new(python());
        cmd.arg(&script)
            .args(["--homeserver", &server().url])
            .args(["--user", &bob.localpart, "--password", &bob.password])
            .args([
                "--peer-user",
                &chappe.user_id(),
                "--peer-device",
                &device_id(chappe),
            ])
            .args(["--mode", mode, "--answer", answer])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if compat {
            cmd.arg("--compat");
        }
        let mut child = cmd.spawn().expect("python for the nio peer");
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take();
        // Unbounded: a handful of lines per run.
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match serde_json::from_str::<Value>(&line) {
                    Ok(v) => {
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                    Err(_) => eprintln!("nio peer: {line}"),
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
        }
    }

    async fn next(&mut self, event: &str) -> Value {
        loop {
            let line = tokio::time::timeout(SYNC_TIMEOUT * 2, self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("nio peer: no {event} in time"))
                .unwrap_or_else(|| panic!("nio peer exited before {event}"));
            if line["event"] == event {
                return line;
            }
            if line["event"] == "cancelled" && event != "cancelled" {
                panic!("nio peer cancelled while waiting for {event}: {line}");
            }
        }
    }

    fn go(&mut self) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(b"go\n").unwrap();
        stdin.flush().unwrap();
    }
}

/// Alice on Chappe, Bob on nio; each knows the other's device.
struct Pair {
    _dir: tempfile::TempDir,
    chappe: Session,
    nio: Nio,
    bob: String,
    nio_device: String,
}

async fn setup(mode: &str, answer: &str, compat: bool) -> Pair {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let chappe = server.login(&alice, dir.path()).await.unwrap();
    let mut nio = Nio::spawn(&bob, &chappe, mode, answer, compat);
    let ready = nio.next("ready").await;
    let nio_device = ready["device_id"].as_str().unwrap().to_owned();
    knows_device(&chappe, &bob.user_id, &nio_device).await;
    Pair {
        _dir: dir,
        chappe,
        nio,
        bob: bob.user_id,
        nio_device,
    }
}

/// nio's (symbol, name) pairs against Chappe's emojis.
fn symbols(line: &Value) -> Vec<String> {
    line["emojis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e[0].as_str().unwrap().to_owned())
        .collect()
}

fn decimals(line: &Value) -> Vec<u16> {
    line["decimals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| u16::try_from(d.as_u64().unwrap()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn chappe_starts_and_stock_nio_0_26_fails_the_commitment() {
    let Pair {
        _dir,
        chappe,
        mut nio,
        bob,
        nio_device,
    } = setup("accept", "match", false).await;
    let flow = chappe
        .verifications()
        .start_sas_with_device(&bob, &nio_device)
        .await
        .unwrap();
    let mut w = watch(flow);
    // Chappe checks nio's commitment when nio's key arrives, and cancels (matrix-sdk
    // says `m.key_mismatch` for a commitment that does not match).
    assert_eq!(
        w.end().await,
        FlowState::Cancelled {
            reason: CancelReason::KeyMismatch,
            code: "m.key_mismatch".into(),
            by_us: true
        }
    );
    let end = nio.next("cancelled").await;
    assert_eq!(end["code"], "m.key_mismatch");
    assert_eq!(end["by_us"], false);
    assert!(!is_verified(&chappe, &bob, &nio_device).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_nio_0_26_starts_and_fails_the_commitment() {
    let Pair {
        _dir,
        chappe,
        mut nio,
        bob,
        nio_device,
    } = setup("start", "match", false).await;
    let mut calls = chappe.verifications().subscribe();
    nio.go();
    let info = incoming(&mut calls).await;
    assert_eq!(info.other_user_id, bob);
    assert_eq!(info.other_device_id.as_deref(), Some(nio_device.as_str()));
    let flow = chappe
        .verifications()
        .flow(&bob, &info.flow_id)
        .await
        .unwrap();
    let mut w = watch(flow.clone());
    w.until("incoming", |s| (*s == FlowState::Incoming).then_some(()))
        .await;
    flow.accept().await.unwrap();
    // nio checks Chappe's (correct) commitment against its hex digest and cancels.
    let end = nio.next("cancelled").await;
    assert_eq!(end["code"], "m.mismatched_commitment");
    assert_eq!(end["by_us"], true);
    assert_eq!(
        w.end().await,
        FlowState::Cancelled {
            reason: CancelReason::KeyMismatch,
            code: "m.mismatched_commitment".into(),
            by_us: false
        }
    );
    assert!(!is_verified(&chappe, &bob, &nio_device).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn chappe_starts_and_nio_with_its_pending_fixes_verifies() {
    let Pair {
        _dir,
        chappe,
        mut nio,
        bob,
        nio_device,
    } = setup("accept", "match", true).await;
    let flow = chappe
        .verifications()
        .start_sas_with_device(&bob, &nio_device)
        .await
        .unwrap();
    let f = flow.clone();
    let mut w = watch(flow);
    let shown = w
        .until("the emojis", |s| match s {
            FlowState::Compare { emojis, decimals } => Some((
                emojis.iter().map(|e| e.symbol.clone()).collect::<Vec<_>>(),
                decimals.clone(),
            )),
            _ => None,
        })
        .await;
    let theirs = nio.next("compare").await;
    assert_eq!(shown.0, symbols(&theirs), "same emojis on both screens");
    assert_eq!(shown.1, decimals(&theirs), "same numbers on both screens");
    f.confirm().await.unwrap();
    assert_eq!(w.end().await, FlowState::Done);
    let done = nio.next("done").await;
    assert_eq!(
        done["peer_verified"], true,
        "nio marked Chappe's device verified"
    );
    assert!(is_verified(&chappe, &bob, &nio_device).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn nio_with_its_pending_fixes_starts_and_chappe_verifies() {
    let Pair {
        _dir,
        chappe,
        mut nio,
        bob,
        nio_device,
    } = setup("start", "match", true).await;
    let mut calls = chappe.verifications().subscribe();
    nio.go();
    let info = incoming(&mut calls).await;
    assert!(!info.we_started);
    let flow = chappe
        .verifications()
        .flow(&bob, &info.flow_id)
        .await
        .unwrap();
    let mut w = watch(flow.clone());
    w.until("incoming", |s| (*s == FlowState::Incoming).then_some(()))
        .await;
    flow.accept().await.unwrap();
    let shown = w.emojis().await;
    let theirs = nio.next("compare").await;
    let mine: Vec<String> = shown.into_iter().map(|(_, s)| s).collect();
    assert_eq!(mine, symbols(&theirs), "same emojis on both screens");
    flow.confirm().await.unwrap();
    assert_eq!(w.end().await, FlowState::Done);
    let done = nio.next("done").await;
    assert_eq!(done["peer_verified"], true);
    assert!(is_verified(&chappe, &bob, &nio_device).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn nio_saying_the_emojis_differ_cancels_with_mismatched_sas() {
    let Pair {
        _dir,
        chappe,
        mut nio,
        bob,
        nio_device,
    } = setup("accept", "mismatch", true).await;
    let flow = chappe
        .verifications()
        .start_sas_with_device(&bob, &nio_device)
        .await
        .unwrap();
    let mut w = watch(flow);
    w.emojis().await;
    let end = nio.next("cancelled").await;
    assert_eq!(end["code"], "m.mismatched_sas");
    assert_eq!(
        w.end().await,
        FlowState::Cancelled {
            reason: CancelReason::Mismatch,
            code: "m.mismatched_sas".into(),
            by_us: false
        }
    );
    assert!(!is_verified(&chappe, &bob, &nio_device).await);
}
