//! Faults survived, against a real Synapse: the homeserver killed (SIGKILL) during a
//! sync, during an upload and during a bulk invite, then started again; answers lost on
//! the network; the app killed while sending and started again; the disk of the store
//! full. Each test checks recovery by itself and that nothing is lost: messages arrive
//! exactly once, an upload resumes, an invite report says what the server did.
//!
//! The kills use a Synapse of the test's own (`common/private_server.rs`); the network
//! faults a relay in front of the shared test server (`common/relay.rs`); the full disk
//! a small tmpfs mounted on the store's folder (needs root, as `make test` has).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    io::{BufRead, Write},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use chappe_core::{
    bulk_invite::{self, RowStatus},
    invite_list,
    timeline::{SendState, TimelineError},
    ListDiff, RoomTimeline, Session, StoredSession, SyncStatus, TimelineItemView,
};
use common::{
    delivery::{assert_delivered_once_in_order, saved_session, wait_status},
    enc,
    private_server::PrivateServer,
    relay::Relay,
    server, Server, User,
};
use futures_util::{Stream, StreamExt};
use serde_json::Value;

/// A room's timeline as the user sees it, kept up to date from its stream of diffs.
struct Watched {
    items: Vec<TimelineItemView>,
    stream: std::pin::Pin<Box<dyn Stream<Item = Vec<ListDiff<TimelineItemView>>> + Send>>,
}

impl Watched {
    async fn of(timeline: &RoomTimeline) -> Watched {
        let (items, stream) = timeline.subscribe().await;
        Watched {
            items,
            stream: Box::pin(stream),
        }
    }

    /// Applies diffs until `check` answers, failing after `timeout`.
    async fn until<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&[TimelineItemView]) -> Option<T>,
    ) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = check(&self.items) {
                return v;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out after {timeout:?} waiting for {what}"
            );
            if let Ok(Some(diffs)) =
                tokio::time::timeout(Duration::from_millis(200), self.stream.next()).await
            {
                diffs.into_iter().for_each(|d| d.apply(&mut self.items));
            }
        }
    }

    /// How many messages with this body the timeline shows.
    fn count(&self, body: &str) -> usize {
        self.items
            .iter()
            .filter(|i| matches!(i, TimelineItemView::Message { body: b, .. } if b == body))
            .count()
    }
}

/// The send state of the user's own message `body`, if shown.
fn own_state(items: &[TimelineItemView], body: &str) -> Option<SendState> {
    items.iter().find_map(|i| match i {
        TimelineItemView::Message {
            body: b,
            is_own: true,
            send_state,
            ..
        } if b == body => Some(send_state.clone()),
        _ => None,
    })
}

async fn room_with(server: &Server, creator: &User, member: &User, name: &str) -> String {
    let room_id = server.create_room(creator, name, &[member]).await.unwrap();
    server.join(member, &room_id).await.unwrap();
    room_id
}

fn numbered(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix} {i:02}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_homeserver_killed_during_sync_comes_back_and_nothing_is_lost() {
    let hs = PrivateServer::start("faults-sync", 1).await;
    let server = hs.server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = room_with(&server, &bob, &alice, "Crash").await;
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();
    common::wait_joined(&session, &room_id).await;
    wait_status(&session, SyncStatus::Running).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    let mut watched = Watched::of(&timeline).await;
    server
        .send_text(&bob, &room_id, "avant la panne")
        .await
        .unwrap();
    watched
        .until("Bob's first message", common::SYNC_TIMEOUT, |i| {
            own_or_other(i, "avant la panne")
        })
        .await;

    // Killed while a sync request is waiting on the server (the long poll).
    hs.kill().await;
    wait_status(&session, SyncStatus::Offline).await;
    let typed = numbered("pendant l'arrêt du serveur", 5);
    for body in &typed {
        timeline.send_text(body).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    hs.restart().await;
    wait_status(&session, SyncStatus::Running).await;
    assert_delivered_once_in_order(&server, &bob, &alice, &room_id, &typed).await;
    // And the sync really works again: what Bob says now reaches Alice, once.
    server
        .send_text(&bob, &room_id, "après le redémarrage")
        .await
        .unwrap();
    watched
        .until(
            "Bob's message after the restart",
            common::SYNC_TIMEOUT,
            |i| own_or_other(i, "après le redémarrage"),
        )
        .await;
    // In Alice's view, none is left unsent and none shows twice. (A message may have left
    // the view: the SDK restarts an open timeline from the latest events after a gap.)
    watched
        .until(
            "no message left unsent in the view",
            common::SYNC_TIMEOUT,
            |i| {
                typed
                    .iter()
                    .all(|b| matches!(own_state(i, b), None | Some(SendState::Sent)))
                    .then_some(())
            },
        )
        .await;
    for body in &typed {
        assert!(watched.count(body) <= 1, "{body} shown twice");
    }
    assert_eq!(watched.count("après le redémarrage"), 1);
    println!("faults: homeserver killed during sync: survived, 5/5 messages delivered once");
    session.stop().await;
}

fn own_or_other(items: &[TimelineItemView], body: &str) -> Option<()> {
    items
        .iter()
        .any(|i| matches!(i, TimelineItemView::Message { body: b, .. } if b == body))
        .then_some(())
}

/// Deterministic bytes that compress badly (a file of zeros could hide a truncation).
fn file_bytes(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x & 0xff) as u8
        })
        .collect()
}

/// The `m.file`/`m.image` events named `name` in the room, as `reader` fetches them.
async fn files_named(server: &Server, reader: &User, room_id: &str, name: &str) -> Vec<Value> {
    let res = server
        .get(
            reader,
            &format!("/rooms/{}/messages?dir=b&limit=50", enc(room_id)),
        )
        .await
        .unwrap();
    res["chunk"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|ev| ev["type"] == "m.room.message" && ev["content"]["body"] == name)
        .collect()
}

async fn download(server: &Server, reader: &User, mxc: &str) -> Vec<u8> {
    let path = mxc.trim_start_matches("mxc://");
    let res = reqwest::Client::new()
        .get(format!(
            "{}/_matrix/client/v1/media/download/{path}",
            server.url
        ))
        .bearer_auth(&reader.token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "download: {}", res.status());
    res.bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_cut_by_a_homeserver_kill_resumes_and_the_file_arrives_once() {
    let hs = PrivateServer::start("faults-upload", 2).await;
    let server = hs.server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = room_with(&server, &bob, &alice, "Envoi coupé").await;
    // The relay slows the upload down, so the kill lands in the middle of it.
    let relay = Relay::to(&hs.url).await;
    let dir = tempfile::tempdir().unwrap();
    let stored = saved_session(&server, &alice, &room_id, dir.path(), &relay).await;
    let mut session = Session::restore(stored).await.unwrap();
    wait_status(&session, SyncStatus::Running).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    let mut watched = Watched::of(&timeline).await;

    let name = "rapport-complet.bin";
    let bytes = file_bytes(12 * 1024 * 1024);
    relay.limit_upload(2_000_000);
    timeline.send_file(name, bytes.clone()).await.unwrap();
    let progress = watched
        .until(
            "the upload to be under way",
            Duration::from_secs(60),
            |i| match own_state(i, name) {
                Some(SendState::Sending { progress: Some(p) }) if p > 0.15 => Some(p),
                _ => None,
            },
        )
        .await;
    assert!(
        progress < 0.9,
        "the kill must land during the upload ({progress})"
    );
    hs.kill().await;
    // Not sent, not lost: waiting for the server.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let state = own_state(&watched.items, name);
    assert!(
        matches!(
            state,
            Some(
                SendState::Sending { .. }
                    | SendState::Failed {
                        recoverable: true,
                        ..
                    }
            )
        ),
        "{state:?}"
    );

    relay.limit_upload(8_000_000);
    hs.restart().await;
    watched
        .until(
            "the file sent after the restart",
            Duration::from_secs(180),
            |i| (own_state(i, name) == Some(SendState::Sent)).then_some(()),
        )
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let events = files_named(&server, &bob, &room_id, name).await;
    assert_eq!(
        events.len(),
        1,
        "the file is posted exactly once: {events:?}"
    );
    let mxc = events[0]["content"]["url"]
        .as_str()
        .expect("a plain file URL");
    let got = download(&server, &bob, mxc).await;
    assert!(
        got == bytes,
        "the file Bob downloads is the file sent, whole ({} of {} bytes)",
        got.len(),
        bytes.len()
    );
    println!(
        "faults: homeserver killed at {:.0}% of a 12 MiB upload: resumed, delivered once, bytes identical",
        progress * 100.0
    );
    session.stop().await;
}

/// Members of `room_id` with membership `invite`, as the server says.
async fn invited(server: &Server, member: &User, room_id: &str) -> Vec<String> {
    let res = server
        .get(
            member,
            &format!("/rooms/{}/members?membership=invite", enc(room_id)),
        )
        .await
        .unwrap();
    let mut ids: Vec<String> = res["chunk"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|ev| ev["state_key"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bulk_invite_survives_a_homeserver_kill_and_its_report_is_exact() {
    let hs = Arc::new(PrivateServer::start("faults-invite", 3).await);
    let server = hs.server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let room_id = server
        .create_room(&alice, "Invitations", &[])
        .await
        .unwrap();
    let mut people = Vec::new();
    for i in 0..30 {
        people.push(
            server
                .register(&format!("agent{i}"), "Agent")
                .await
                .unwrap(),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();
    common::wait_joined(&session, &room_id).await;
    let client = session.client().clone();
    let list: Vec<&str> = people.iter().map(|p| p.user_id.as_str()).collect();
    let entries = invite_list::parse(&list.join("\n"));
    let room = bulk_invite::joined_room(&client, &room_id).unwrap();
    let rows = bulk_invite::preview(&client, &room, &entries, None)
        .await
        .unwrap();
    assert!(
        rows.iter().all(|r| r.status == RowStatus::Ready),
        "{rows:?}"
    );

    // The server is killed right after the tenth invitation, and is back a few seconds
    // later; the invitations go on meanwhile.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
    let killer = {
        let hs = hs.clone();
        tokio::spawn(async move {
            while let Some(done) = rx.recv().await {
                if done == 10 {
                    hs.kill().await;
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    hs.restart().await;
                    return true;
                }
            }
            false
        })
    };
    let mut waits = 0;
    let report = bulk_invite::send(&client, &room_id, rows, None, |p| {
        if p.waiting_ms.is_some() {
            waits += 1;
        }
        if p.row.is_some() {
            let _ = tx.send(p.done);
        }
    })
    .await;
    drop(tx);
    assert!(
        killer.await.unwrap(),
        "the server was killed during the invitations"
    );
    assert!(waits > 0, "the progress said it was waiting for the server");

    let reported: Vec<String> = report
        .iter()
        .filter(|r| r.status == RowStatus::Invited)
        .filter_map(|r| r.user_id.clone())
        .collect();
    let failed: Vec<_> = report
        .iter()
        .filter(|r| r.status != RowStatus::Invited)
        .collect();
    let mut reported_sorted = reported.clone();
    reported_sorted.sort();
    let on_server = invited(&server, &alice, &room_id).await;
    // The report says exactly what the server did: every "invited" is invited there,
    // and nobody else is.
    assert_eq!(reported_sorted, on_server, "report against the server");
    assert!(failed.is_empty(), "the outage was waited out: {failed:?}");
    assert_eq!(on_server.len(), 30);
    println!("faults: homeserver killed during a bulk invite of 30: report exact, 30/30 invited, {waits} waits shown");
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_whose_answer_was_lost_is_sent_only_once() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = room_with(&server, &bob, &alice, "Réponses perdues").await;
    let relay = Relay::to(&server.url).await;
    let dir = tempfile::tempdir().unwrap();
    let stored = saved_session(&server, &alice, &room_id, dir.path(), &relay).await;
    let mut session = Session::restore(stored).await.unwrap();
    wait_status(&session, SyncStatus::Running).await;
    let timeline = session.open_room(&room_id).await.unwrap();

    // The network now loses every answer: the first message reaches the server, but
    // Chappe never hears that it did.
    relay.hold_responses(true);
    let typed = numbered("réponse perdue", 5);
    for body in &typed {
        timeline.send_text(body).await.unwrap();
    }
    let start = Instant::now();
    while common::delivery::bodies_from(&server, &bob, &alice, &room_id)
        .await
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the first message never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The connection then breaks, and comes back.
    relay.cut();
    relay.hold_responses(false);
    tokio::time::sleep(Duration::from_secs(1)).await;
    relay.restore();
    assert_delivered_once_in_order(&server, &bob, &alice, &room_id, &typed).await;
    println!("faults: answers lost then connection cut: 5/5 messages delivered once");
    session.stop().await;
}

/// Where the killed child finds its orders.
const CHILD_SESSION: &str = "CHAPPE_FAULTS_CHILD_SESSION";

/// Not a test on its own: the app process that `the_app_killed_while_sending_…` starts
/// and kills. It restores the session, queues the messages, says so, and waits.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "the child process of the_app_killed_while_sending_sends_each_message_once_after_restart"]
async fn child_app_that_queues_messages_and_is_killed() {
    let path = std::env::var(CHILD_SESSION).expect("run by the_app_killed_while_sending_…");
    let orders: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let stored: StoredSession = serde_json::from_value(orders["session"].clone()).unwrap();
    let session = Session::restore(stored).await.unwrap();
    let timeline = session
        .open_room(orders["room"].as_str().unwrap())
        .await
        .unwrap();
    for body in orders["bodies"].as_array().unwrap() {
        timeline.send_text(body.as_str().unwrap()).await.unwrap();
    }
    println!("CHILD QUEUED");
    std::io::stdout().flush().unwrap();
    tokio::time::sleep(Duration::from_secs(300)).await;
    panic!("the child was not killed");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_killed_while_sending_sends_each_message_once_after_restart() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = room_with(&server, &bob, &alice, "Processus tué").await;
    let relay = Relay::to(&server.url).await;
    let dir = tempfile::tempdir().unwrap();
    let stored = saved_session(&server, &alice, &room_id, dir.path(), &relay).await;
    let typed = numbered("avant le kill", 10);

    // The app runs in another process. Answers are lost, so the first message reaches
    // the server without the app knowing: it is "in flight" when the app is killed.
    relay.hold_responses(true);
    let orders = dir.path().join("orders.json");
    std::fs::write(
        &orders,
        serde_json::json!({"session": stored, "room": room_id, "bodies": typed}).to_string(),
    )
    .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_app_that_queues_messages_and_is_killed",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_SESSION, &orders)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let queued = tokio::task::spawn_blocking(move || {
        std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("CHILD QUEUED"))
    });
    let queued = tokio::time::timeout(Duration::from_secs(60), queued)
        .await
        .expect("the child queued its messages in time")
        .unwrap();
    assert!(queued, "the child ended before queuing");
    let start = Instant::now();
    while common::delivery::bodies_from(&server, &bob, &alice, &room_id)
        .await
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the first message never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    child.kill().unwrap(); // SIGKILL: no clean shutdown of anything
    child.wait().unwrap();
    let before = common::delivery::bodies_from(&server, &bob, &alice, &room_id).await;

    // The connection recovers; the app is started again and the room is not opened:
    // what was queued leaves by itself.
    relay.cut();
    relay.hold_responses(false);
    relay.restore();
    let mut session = Session::restore(stored).await.unwrap();
    assert_delivered_once_in_order(&server, &bob, &alice, &room_id, &typed).await;
    println!(
        "faults: app killed with {} of 10 messages on the server, 10 queued: 10/10 delivered once after restart",
        before.len()
    );
    session.stop().await;
}

/// A tmpfs of `megabytes` mounted on `dir`, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(dir: &Path, megabytes: u32) -> SmallDisk {
        std::fs::create_dir_all(dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("mount runs");
        assert!(
            out.status.success(),
            "this test needs to mount a small tmpfs (root, as `make test` runs): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk {
            dir: dir.to_owned(),
        }
    }

    /// Writes a file until the disk refuses more. Returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.dir.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        for chunk in [1 << 20, 4096, 1] {
            let buf = vec![0u8; chunk];
            while f.write_all(&buf).is_ok() {}
        }
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_under_the_store_is_said_and_nothing_is_lost() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = room_with(&server, &bob, &alice, "Disque plein").await;
    let tmp = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&tmp.path().join("data"), 64);
    let mut session = server.login(&alice, &disk.dir).await.unwrap();
    common::wait_joined(&session, &room_id).await;
    wait_status(&session, SyncStatus::Running).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    let mut watched = Watched::of(&timeline).await;
    timeline.send_text("avant disque plein").await.unwrap();
    watched
        .until("the first message sent", common::SYNC_TIMEOUT, |i| {
            (own_state(i, "avant disque plein") == Some(SendState::Sent)).then_some(())
        })
        .await;

    let filler = disk.fill();
    let received = numbered("reçu disque plein", 3);
    for body in &received {
        server.send_text(&bob, &room_id, body).await.unwrap();
    }
    // Typing while the disk is full: either the message is queued (and must then be
    // delivered), or Chappe says the disk is full (and the user still has the text).
    let typed = "écrit disque plein";
    let first_try = timeline.send_text(typed).await;
    match &first_try {
        Ok(()) => {}
        Err(TimelineError::DiskFull) => {}
        Err(other) => panic!("a full disk must be said as such, not {other:?}"),
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let status_while_full = session.sync_status().get();

    std::fs::remove_file(&filler).unwrap();
    if first_try.is_err() {
        timeline.send_text(typed).await.unwrap();
    }
    wait_status(&session, SyncStatus::Running).await;
    let mut paginated = false;
    let start = Instant::now();
    loop {
        if received.iter().all(|b| watched.count(b) >= 1) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "messages received while the disk was full never showed: {:?}",
            received
                .iter()
                .map(|b| watched.count(b))
                .collect::<Vec<_>>()
        );
        // What the sync could not keep must still be reachable by scrolling back.
        if !paginated && start.elapsed() > Duration::from_secs(20) {
            paginated = true;
            let _ = timeline.paginate_backwards(50).await;
        }
        let _ = tokio::time::timeout(Duration::from_millis(300), async {
            if let Some(diffs) = watched.stream.next().await {
                diffs.into_iter().for_each(|d| d.apply(&mut watched.items));
            }
        })
        .await;
    }
    for body in &received {
        assert_eq!(watched.count(body), 1, "{body} shown once");
    }
    assert_delivered_once_in_order(
        &server,
        &bob,
        &alice,
        &room_id,
        &["avant disque plein".to_owned(), typed.to_owned()],
    )
    .await;

    // The store survived: the session opens again from it.
    let stored = session.stored().unwrap();
    session.stop().await;
    drop(timeline);
    drop(watched);
    drop(session);
    let mut again = Session::restore(stored).await.unwrap();
    wait_status(&again, SyncStatus::Running).await;
    again.stop().await;
    drop(again);
    println!(
        "faults: disk full under the store: send while full {}, sync while full {status_while_full:?}, \
         3/3 received shown once{}, sent once, store reopens",
        if first_try.is_ok() { "queued" } else { "refused with DiskFull" },
        if paginated { " (after scrolling back)" } else { "" }
    );
    drop(disk);
}
