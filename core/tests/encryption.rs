//! End-to-end encryption across devices and clients, on the real Synapse:
//! - Chappe and matrix-nio (another client, with vodozemac) read each other's
//!   encrypted messages;
//! - a new Chappe device restored with the recovery key reads history written before
//!   it existed (keys from the server-side backup; the timeline updates by itself);
//! - a key file exported from one device opens that history on another.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Command, Stdio},
    time::Duration,
};

use chappe_core::{
    encryption::{self, EncryptionError, KeysState},
    timeline::SendState,
    ListDiff, RoomTimeline, Session, TimelineItemView,
};
use common::{server, Server, User, SYNC_TIMEOUT};
use futures_util::{Stream, StreamExt};
use serde_json::json;

/// Decrypting history pulls keys from the backup one by one: give it time.
const DECRYPT_TIMEOUT: Duration = Duration::from_secs(60);

/// Applies diffs until `find` matches, and returns what it found.
async fn until<T>(
    items: &mut Vec<TimelineItemView>,
    stream: &mut (impl Stream<Item = Vec<ListDiff<TimelineItemView>>> + Unpin),
    what: &str,
    timeout: Duration,
    find: impl Fn(&[TimelineItemView]) -> Option<T>,
) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = find(items) {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for {what}: {items:#?}"
        );
        if let Ok(Some(diffs)) =
            tokio::time::timeout(Duration::from_millis(500), stream.next()).await
        {
            diffs.into_iter().for_each(|d| d.apply(items));
        }
    }
}

fn has_message(items: &[TimelineItemView], text: &str) -> bool {
    items
        .iter()
        .any(|i| matches!(i, TimelineItemView::Message { body, .. } if body == text))
}

fn sent(items: &[TimelineItemView], text: &str) -> bool {
    items.iter().any(|i| {
        matches!(i, TimelineItemView::Message { body, send_state: SendState::Sent, .. } if body == text)
    })
}

fn undecryptable(items: &[TimelineItemView]) -> usize {
    items
        .iter()
        .filter(|i| matches!(i, TimelineItemView::UnableToDecrypt { .. }))
        .count()
}

/// An encrypted room of `owner`'s (raw API), with `others` invited and joined.
async fn encrypted_room(server: &Server, owner: &User, others: &[&User]) -> String {
    let invite: Vec<&str> = others.iter().map(|u| u.user_id.as_str()).collect();
    let body = json!({
        "name": "Chiffré",
        "preset": "private_chat",
        "invite": invite,
        "initial_state": [{
            "type": "m.room.encryption", "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"}
        }],
    });
    let room_id = server.post(owner, "/createRoom", body).await.unwrap()["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for u in others {
        server.join(u, &room_id).await.unwrap();
    }
    room_id
}

/// Sends `text` from `session` and waits until the server has it.
async fn send_and_wait(timeline: &RoomTimeline, text: &str) {
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    timeline.send_text(text).await.unwrap();
    until(&mut items, &mut stream, text, SYNC_TIMEOUT, |i| {
        sent(i, text).then_some(())
    })
    .await;
}

/// Opens the room on a device and loads its history.
async fn open_with_history(
    session: &Session,
    room_id: &str,
) -> (
    RoomTimeline,
    Vec<TimelineItemView>,
    impl Stream<Item = Vec<ListDiff<TimelineItemView>>> + Unpin,
) {
    common::wait_joined(session, room_id).await;
    let timeline = session.open_room(room_id).await.unwrap();
    // The first page may be the only one: its end is "start of the room".
    let _ = timeline.paginate_backwards(50).await;
    let (items, stream) = timeline.subscribe().await;
    (timeline, items, Box::pin(stream))
}

/// The Python of the venv `tests/bench/peers/setup.sh` fills (matrix-nio[e2e]).
fn nio_python() -> PathBuf {
    if let Some(p) = std::env::var_os("CHAPPE_NIO_PYTHON") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("CHAPPE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/chappe"));
    let python = cache.join("nio-venv/bin/python");
    assert!(
        python.exists(),
        "no matrix-nio at {}: run `bash tests/bench/peers/setup.sh`",
        python.display()
    );
    python
}

fn peer_script() -> PathBuf {
    common::repo_file("tests/peers/nio_peer.py")
}

/// The nio peer's output lines, as they come.
struct Peer {
    lines: tokio::sync::mpsc::Receiver<String>,
    child: std::process::Child,
    seen: Vec<String>,
}

impl Peer {
    async fn expect(&mut self, prefix: &str, timeout: Duration) -> String {
        let start = std::time::Instant::now();
        loop {
            let left = timeout.saturating_sub(start.elapsed());
            match tokio::time::timeout(left, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    if line.starts_with("FAIL") {
                        panic!("nio peer failed: {:?}", self.seen);
                    }
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.trim().to_owned();
                    }
                }
                Ok(None) => panic!("nio peer ended before {prefix}: {:?}", self.seen),
                Err(_) => panic!("no {prefix} from the nio peer: {:?}", self.seen),
            }
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_peer(
    server: &Server,
    user: &User,
    room_id: &str,
    expect: &str,
    reply: &str,
    store: &std::path::Path,
) -> Peer {
    let mut child = Command::new(nio_python())
        .arg(peer_script())
        .env("PEER_HS", &server.url)
        .env("PEER_USER", &user.user_id)
        .env("PEER_PASSWORD", &user.password)
        .env("PEER_ROOM", room_id)
        .env("PEER_EXPECT", expect)
        .env("PEER_REPLY", reply)
        .env("PEER_STORE", store)
        .env("PEER_TIMEOUT", "90")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the nio peer starts");
    let stdout = child.stdout.take().unwrap();
    // A handful of lines: the peer prints one per step.
    let (tx, lines) = tokio::sync::mpsc::channel(64);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.blocking_send(line).is_err() {
                return;
            }
        }
    });
    Peer {
        lines,
        child,
        seen: Vec::new(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn chappe_and_matrix_nio_read_each_others_encrypted_messages() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob nio").await.unwrap();
    let room_id = encrypted_room(&server, &alice, &[&bob]).await;
    let tag = common::random_name("e2e");
    let from_chappe = format!("Bonjour de Chappe {tag}");
    let from_nio = format!("Réponse de nio {tag}");

    // nio's device keys are on the server before Chappe encrypts for the room.
    let nio_store = tempfile::tempdir().unwrap();
    let mut peer = start_peer(
        &server,
        &bob,
        &room_id,
        &from_chappe,
        &from_nio,
        nio_store.path(),
    );
    peer.expect("READY", Duration::from_secs(60)).await;

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    common::wait_joined(&session, &room_id).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    timeline.send_text(&from_chappe).await.unwrap();

    // What the server stores is ciphertext, not the text.
    let got = peer.expect("GOT", Duration::from_secs(90)).await;
    assert_eq!(got, from_chappe);
    let path = format!("/rooms/{}/messages?dir=b&limit=50", common::enc(&room_id));
    let raw = server.get(&bob, &path).await.unwrap().to_string();
    assert!(raw.contains("m.room.encrypted"), "{raw}");
    assert!(!raw.contains(&tag), "a message went out in clear: {raw}");

    let event_id = peer.expect("SENT", Duration::from_secs(60)).await;
    assert!(event_id.starts_with('$'));
    until(
        &mut items,
        &mut stream,
        "nio's message, decrypted",
        SYNC_TIMEOUT,
        |i| has_message(i, &from_nio).then_some(()),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_device_restored_with_the_recovery_key_reads_the_history() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let room_id = encrypted_room(&server, &alice, &[]).await;
    let tag = common::random_name("hist");
    let before_setup = format!("Écrit avant la sauvegarde {tag}");
    let after_setup = format!("Écrit après la sauvegarde {tag}");

    // First device: a message, then recovery set up (the key shown once), another one.
    let first_dir = tempfile::tempdir().unwrap();
    let first = server.login(&alice, first_dir.path()).await.unwrap();
    assert_eq!(
        encryption::state(first.client()).await.unwrap(),
        KeysState::NotSetUp
    );
    common::wait_joined(&first, &room_id).await;
    let timeline = first.open_room(&room_id).await.unwrap();
    send_and_wait(&timeline, &before_setup).await;
    let key = encryption::set_up(first.client(), Some(&alice.password))
        .await
        .unwrap();
    assert!(
        key.expose().split(' ').count() >= 12,
        "a recovery key in groups"
    );
    assert_eq!(
        encryption::state(first.client()).await.unwrap(),
        KeysState::Ready
    );
    assert!(matches!(
        encryption::set_up(first.client(), None).await,
        Err(EncryptionError::AlreadySetUp)
    ));
    send_and_wait(&timeline, &after_setup).await;
    drop(timeline);
    // Signing out waits for the backup: no other device will be left to share keys.
    first.logout().await.unwrap();

    // A new device: it exists after both messages and cannot read them yet.
    let second_dir = tempfile::tempdir().unwrap();
    let second = server.login(&alice, second_dir.path()).await.unwrap();
    assert_eq!(
        encryption::state(second.client()).await.unwrap(),
        KeysState::NeedsVerification { recovery_key: true }
    );
    let (_timeline, mut items, mut stream) = open_with_history(&second, &room_id).await;
    until(
        &mut items,
        &mut stream,
        "the two messages, undecryptable",
        SYNC_TIMEOUT,
        |i| (undecryptable(i) >= 2).then_some(()),
    )
    .await;

    // A wrong key is refused and changes nothing.
    let mut wrong = key.expose().to_owned();
    let last = wrong.pop().unwrap();
    wrong.push(if last == 'a' { 'b' } else { 'a' });
    assert!(matches!(
        encryption::recover(second.client(), &wrong).await,
        Err(EncryptionError::WrongRecoveryKey)
    ));
    assert!(matches!(
        encryption::recover(second.client(), "  ").await,
        Err(EncryptionError::EmptyRecoveryKey)
    ));

    // The right key (pasted with a line break) unlocks the history on screen.
    encryption::recover(second.client(), &format!("{}\n", key.expose()))
        .await
        .unwrap();
    assert_eq!(
        encryption::state(second.client()).await.unwrap(),
        KeysState::Ready
    );
    until(
        &mut items,
        &mut stream,
        "the history, decrypted",
        DECRYPT_TIMEOUT,
        |i| (has_message(i, &before_setup) && has_message(i, &after_setup)).then_some(()),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_file_from_one_device_opens_the_history_on_another() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let room_id = encrypted_room(&server, &alice, &[]).await;
    let text = format!("Archivé {}", common::random_name("kf"));

    let first_dir = tempfile::tempdir().unwrap();
    let first = server.login(&alice, first_dir.path()).await.unwrap();
    common::wait_joined(&first, &room_id).await;
    let timeline = first.open_room(&room_id).await.unwrap();
    send_and_wait(&timeline, &text).await;
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("chappe-keys.txt");
    assert!(matches!(
        encryption::export_keys(first.client(), file.clone(), "").await,
        Err(EncryptionError::EmptyPassphrase)
    ));
    encryption::export_keys(first.client(), file.clone(), "phrase de passe")
        .await
        .unwrap();
    let exported = std::fs::read_to_string(&file).unwrap();
    assert!(exported.starts_with("-----BEGIN MEGOLM SESSION DATA-----"));
    assert!(!exported.contains(&text));

    // Another device of Alice's: no backup here, only the file can help.
    let second_dir = tempfile::tempdir().unwrap();
    let second = server.login(&alice, second_dir.path()).await.unwrap();
    let (_timeline, mut items, mut stream) = open_with_history(&second, &room_id).await;
    until(
        &mut items,
        &mut stream,
        "the message, undecryptable",
        SYNC_TIMEOUT,
        |i| (undecryptable(i) >= 1).then_some(()),
    )
    .await;

    assert!(matches!(
        encryption::import_keys(second.client(), file.clone(), "mauvaise phrase").await,
        Err(EncryptionError::WrongPassphrase)
    ));
    let not_keys = files.path().join("notes.txt");
    std::fs::write(&not_keys, "juste des notes").unwrap();
    assert!(matches!(
        encryption::import_keys(second.client(), not_keys, "phrase de passe").await,
        Err(EncryptionError::NotAKeyFile(_))
    ));
    let report = encryption::import_keys(second.client(), file, "phrase de passe")
        .await
        .unwrap();
    assert!(
        report.imported >= 1 && report.total >= report.imported,
        "{report:?}"
    );
    until(
        &mut items,
        &mut stream,
        "the message, decrypted",
        DECRYPT_TIMEOUT,
        |i| has_message(i, &text).then_some(()),
    )
    .await;
    drop(first);
}
