//! Hostile input (issue #11): a room with thousands of members, on a real Synapse of
//! the test's own. The account syncs, the room is listed, it opens on its latest
//! messages, and everything that walks the room's members (the unverified-sessions
//! warning, rights, room settings, the bulk invite preview, notifications and
//! mentions, "read by") answers in bounded time without panicking.
//!
//! `CHAPPE_BIG_ROOM_MEMBERS` sets the size (default 2,000: a fresh seed of 10,000 took
//! 15 minutes here, more than CI can spend on one test; the README has the figures
//! measured at 10,000). The seed is cached in the Synapse data folder, so reruns start at
//! once.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::{
    future::Future,
    time::{Duration, Instant},
};

use chappe_core::{
    bulk_invite::{self, RowStatus},
    invite_list, room_power, room_settings,
    timeline::TimelineItemView,
    unverified_devices,
};
use common::{big_room, enc, private_server::PrivateServer, random_name, Server, User};
use futures_util::StreamExt;
use matrix_sdk::{ruma::RoomId, RoomMemberships};
use serde_json::json;

const DEFAULT_MEMBERS: usize = 2_000;
/// Members whose read receipt lands on the last message.
const READERS: usize = 50;
/// Generous on 2 shared cores; a pathological walk (per member, per message) at 10,000
/// members takes far longer.
const BOUND: Duration = Duration::from_secs(60);

fn members() -> usize {
    std::env::var("CHAPPE_BIG_ROOM_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 10)
        .unwrap_or(DEFAULT_MEMBERS)
}

/// The process's resident memory in MiB (Linux), for the report.
fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Runs `what` and fails the test if it takes longer than [`BOUND`]; returns its
/// result and the seconds it took.
async fn timed<T>(what: &str, fut: impl Future<Output = T>) -> (T, f64) {
    let start = Instant::now();
    match tokio::time::timeout(BOUND, fut).await {
        Ok(v) => (v, start.elapsed().as_secs_f64()),
        Err(_) => panic!("{what} took more than {BOUND:?}"),
    }
}

async fn receipt(server: &Server, reader: &User, room_id: &str, event_id: &str) {
    server
        .post(
            reader,
            &format!("/rooms/{}/receipt/m.read/{}", enc(room_id), enc(event_id)),
            json!({}),
        )
        .await
        .unwrap();
}

fn message<'a>(items: &'a [TimelineItemView], body: &str) -> Option<&'a TimelineItemView> {
    items
        .iter()
        .find(|i| matches!(i, TimelineItemView::Message { body: b, .. } if b == body))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_with_thousands_of_members_syncs_opens_and_its_member_features_answer() {
    let n = members();
    let hs = PrivateServer::start("bigroom", 6).await;
    let server = hs.server();
    let big = big_room::seed(&server, hs.data_dir(), n).await.unwrap();
    let room_id = big.room_id.clone();
    let (owner, adm) = (&big.owner, &big.admin);

    // This run's messages, after every join: three members speak (one will mention Alice
    // later); fifty others read the last one once Alice has the room open.
    let run = random_name("run");
    let mut speakers = Vec::new();
    for i in 1..=3 {
        speakers.push(
            big_room::token_of(&server, adm, &big_room::member_id(i))
                .await
                .unwrap(),
        );
    }
    let latest: Vec<String> = (1..=3)
        .map(|k| format!("dernier message {run} {k}"))
        .collect();
    let mut last_id = String::new();
    for (speaker, body) in speakers.iter().zip(&latest) {
        last_id = server.send_text(speaker, &room_id, body).await.unwrap();
    }

    let rss_before = rss_mib();
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut session = server.login(owner, dir.path()).await.unwrap();
    let rooms = session.rooms().clone();
    let name = format!("Grande salle ({n})");
    timed("the first sync listing the room by its name", async {
        // The entry may show up before its name is computed: wait for both.
        while !rooms
            .snapshot()
            .iter()
            .any(|r| r.room_id == room_id && !r.is_invite && r.name == name)
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let sync_s = start.elapsed().as_secs_f64();

    // The room opens on its latest messages.
    let timeline = session.open_room(&room_id).await.unwrap();
    let (mut items, diffs) = timeline.subscribe().await;
    let mut diffs = Box::pin(diffs);
    let ((), open_s) = timed("opening the room on its latest messages", async {
        // As the room view does on opening: one page back from what sync brought.
        timeline.paginate_backwards(30).await.unwrap();
        while !latest.iter().all(|b| message(&items, b).is_some()) {
            let batch = diffs.next().await.expect("timeline stream ended");
            for d in batch {
                d.apply(&mut items);
            }
        }
    })
    .await;

    // "Read by": fifty members read the last message while it is on screen.
    let readers = READERS.min(n.saturating_sub(4));
    for i in 4..4 + readers {
        let reader = big_room::token_of(&server, adm, &big_room::member_id(i))
            .await
            .unwrap();
        receipt(&server, &reader, &room_id, &last_id).await;
    }
    let ((), read_by_s) = timed("the readers of the last message", async {
        loop {
            let seen = match message(&items, &latest[2]) {
                Some(TimelineItemView::Message { read_by, .. }) => read_by.len(),
                _ => 0,
            };
            if seen >= readers {
                break;
            }
            let batch = diffs.next().await.expect("timeline stream ended");
            for d in batch {
                d.apply(&mut items);
            }
        }
    })
    .await;

    let client = session.client().clone();
    let room = client
        .get_room(<&RoomId>::try_from(room_id.as_str()).unwrap())
        .unwrap();

    // Every member, loaded once (what the unverified-sessions warning asks for).
    let (count, members_s) = timed("loading all members", async {
        room.sync_members().await.unwrap();
        room.members(RoomMemberships::JOIN).await.unwrap().len()
    })
    .await;
    assert_eq!(count, n, "joined members seen by the client");
    let (count_again, members_again_s) = timed("reading all members again", async {
        room.members(RoomMemberships::JOIN).await.unwrap().len()
    })
    .await;
    assert_eq!(count_again, n);

    // The unverified-sessions warning: its first list, for a room nobody verified in.
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let watch_client = client.clone();
    let watch_room = room_id.clone();
    let watcher = tokio::spawn(async move {
        unverified_devices::watch(&watch_client, &watch_room, move |list| {
            tx.try_send(list).is_ok()
        })
        .await
    });
    let (first, unverified_s) = timed("the first unverified-sessions list", rx.recv()).await;
    assert_eq!(first, Some(Vec::new()), "nobody was verified: no warning");
    watcher.abort();

    let (power, power_s) = timed("rights", room_power::get(&client, &room_id)).await;
    let power = power.unwrap();
    // Alice created the room (version 12): the creator's level, shown as no number.
    assert_eq!(power.my_level, None);
    let (settings, settings_s) =
        timed("room settings", room_settings::get(&client, &room_id, None)).await;
    assert_eq!(settings.unwrap().name, Some(format!("Grande salle ({n})")));

    // The bulk invite preview: members already in are recognised among thousands.
    let list = format!(
        "{}\n{}\n@bigroom_nobody_{run}:localhost",
        big_room::member_id(1),
        big_room::member_id(n - 1)
    );
    let entries = invite_list::parse(&list);
    let (rows, preview_s) = timed(
        "the bulk invite preview",
        bulk_invite::preview(&client, &room, &entries, None),
    )
    .await;
    let statuses: Vec<RowStatus> = rows.unwrap().into_iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            RowStatus::AlreadyMember,
            RowStatus::AlreadyMember,
            RowStatus::UnknownUser
        ]
    );

    // Notifications: the room's mode, and a mention of Alice by one of thousands.
    let (mode, mode_s) = timed(
        "the room's notification mode",
        session.notifications().room_mode(&room_id),
    )
    .await;
    mode.unwrap();
    let mut notes = Box::pin(session.notifications().subscribe());
    session.notifications().set_enabled(true).await.unwrap();
    let mention = format!("Alice, tu as vu ? {run}");
    server
        .send_message(
            &speakers[0],
            &room_id,
            json!({"msgtype": "m.text", "body": mention,
                "m.mentions": {"user_ids": [owner.user_id]}}),
        )
        .await
        .unwrap();
    let (note, mention_s) = timed("the mention's notification", async {
        loop {
            let n = notes.next().await.expect("notifications stream ended");
            if n.body.contains(&run) {
                return n;
            }
        }
    })
    .await;
    assert!(note.is_mention, "a mention must be highlighted: {note:?}");

    let rss_after = rss_mib();
    println!(
        "big room of {n} members: seed {}; first sync {sync_s:.1} s; open {open_s:.1} s; \
         {readers} receipts {read_by_s:.1} s; \
         all members {members_s:.1} s (again {members_again_s:.2} s); unverified warning \
         {unverified_s:.2} s; rights {power_s:.2} s; settings {settings_s:.2} s; invite \
         preview {preview_s:.2} s; notification mode {mode_s:.3} s; mention {mention_s:.1} s; \
         RSS {rss_before:.0} -> {rss_after:.0} MiB",
        big.seeded_in
            .map_or_else(|| "cached".to_owned(), |s| format!("{s:.0} s fresh")),
    );
    session.stop().await;
}
