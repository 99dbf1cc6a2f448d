//! Hostile input from the network, through the real Synapse: events another user can
//! really send (malformed contents, wrong types, bogus relations, a message nested
//! thousands of levels deep) reach Chappe's timeline, which shows them without panic
//! or hang; and a 1 MB message the user types is refused by the server with a clear
//! state on the message, which is kept (not lost) until the user discards it.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chappe_core::{timeline::SendState, TimelineItemView};
use common::{enc, random_name, server, SYNC_TIMEOUT};
use futures_util::{Stream, StreamExt};
use serde_json::{json, Value};

/// Applies diffs until `find` matches, and returns what it found.
async fn until<T>(
    items: &mut Vec<TimelineItemView>,
    stream: &mut (impl Stream<Item = Vec<chappe_core::ListDiff<TimelineItemView>>> + Unpin),
    what: &str,
    find: impl Fn(&[TimelineItemView]) -> Option<T>,
) -> T {
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = find(items) {
            return v;
        }
        assert!(
            start.elapsed() < SYNC_TIMEOUT * 2,
            "timed out waiting for {what}: {items:#?}"
        );
        if let Ok(Some(diffs)) =
            tokio::time::timeout(Duration::from_millis(500), stream.next()).await
        {
            diffs.into_iter().for_each(|d| d.apply(items));
        }
    }
}

fn body_of(item: &TimelineItemView) -> Option<&str> {
    match item {
        TimelineItemView::Message { body, .. } => Some(body),
        _ => None,
    }
}

/// Contents a real Synapse accepts from any client, though no honest one sends them.
fn malformed(tag: &str, target: &str) -> Vec<(&'static str, Value)> {
    // About as deep as a 64 KiB event allows (Synapse's limit); 18,000 overflowed
    // tokio's default 2 MiB stack inside matrix-sdk-ui's sanitiser.
    let nested = format!("{}deep", "<b>".repeat(21_000));
    vec![
        ("m.room.message", json!({"msgtype": "m.text", "body": 42})),
        ("m.room.message", json!({"body": "no msgtype"})),
        ("m.room.message", json!({"msgtype": "m.text"})),
        (
            "m.room.message",
            json!({"msgtype": "org.example.unknown", "body": "custom"}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.text", "body": "html not a string",
            "format": "org.matrix.custom.html", "formatted_body": {"a": [1, 2]}}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.image", "body": "no url"}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.image", "body": "web url",
            "url": "https://evil.example/a.png", "info": {"mimetype": "image/svg+xml"}}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.image", "body": "smuggled path",
            "url": "mxc://example.org/../../_matrix/client/v3/account",
            "info": {"w": -5, "h": 9_007_199_254_740_991_u64, "size": -1, "mimetype": "image/png"}}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.file", "body": "bad key",
            "file": {"url": "mxc://example.org/x", "key": "nope"}}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.file", "body": "../../.bashrc",
            "filename": "..\\..\\evil\u{202E}txt.exe", "url": "mxc://example.org/abc"}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.text", "body": "reply to nothing",
            "m.relates_to": {"m.in_reply_to": {"event_id": "$doesnotexist:example.org"}}}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.text", "body": "* edit of nothing",
            "m.new_content": {"msgtype": "m.text", "body": 7},
            "m.relates_to": {"rel_type": "m.replace", "event_id": target}}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.text", "body": "relation garbage",
            "m.relates_to": "not an object"}),
        ),
        (
            "m.reaction",
            json!({"m.relates_to": {"rel_type": "m.annotation",
            "event_id": target, "key": "x".repeat(10_000)}}),
        ),
        ("m.reaction", json!({"m.relates_to": 5})),
        (
            "m.room.encrypted",
            json!({"algorithm": "m.megolm.v1.aes-sha2", "ciphertext": "garbage",
            "sender_key": "x", "device_id": "Y", "session_id": "z"}),
        ),
        ("m.room.encrypted", json!({"algorithm": "m.unknown"})),
        (
            "org.example.custom",
            json!({"anything": [null, true, {"deep": {"er": 1}}]}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.text", "body": format!("nested {tag}"),
            "format": "org.matrix.custom.html", "formatted_body": nested}),
        ),
        (
            "m.room.message",
            json!({"msgtype": "m.emote", "body": "\u{0}\u{202E}\u{FEFF}controls",
            "format": "org.matrix.custom.html",
            "formatted_body": "<img src=x onerror=alert(1)><a href=\"javascript:x\">y</a>"}),
        ),
    ]
}

/// State events with contents of the wrong shape (Synapse only checks a few types).
fn malformed_state() -> Vec<(&'static str, Value)> {
    vec![
        ("m.room.name", json!({"name": 123})),
        ("m.room.topic", json!({"topic": {"not": "text"}})),
        (
            "m.room.avatar",
            json!({"url": "https://evil.example/a.png"}),
        ),
        ("m.room.pinned_events", json!({"pinned": "nope"})),
        (
            "m.room.server_acl",
            json!({"allow": ["*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "*"],
            "deny": 3, "allow_ip_literals": "yes"}),
        ),
        ("org.example.state", json!({"x": "y"})),
    ]
}

/// On the app's runtime (chappe_core::runtime), as in the app: the SDK builds the
/// timeline on its worker threads.
#[test]
fn malformed_events_from_a_real_server_are_shown_without_panic_or_hang() {
    let runtime = chappe_core::runtime::builder().build().unwrap();
    runtime
        .block_on(runtime.spawn(malformed_events_are_shown()))
        .unwrap();
}

async fn malformed_events_are_shown() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob Hostile").await.unwrap();
    let room_id = server
        .create_room(&bob, "Hostile", &[&alice])
        .await
        .unwrap();
    server.join(&alice, &room_id).await.unwrap();
    // Power to send any state: bob is the creator.
    let tag = random_name("t");
    let target = server
        .send_text(&bob, &room_id, "an honest message")
        .await
        .unwrap();
    let mut sent = 0;
    for (event_type, content) in malformed(&tag, &target) {
        let path = format!(
            "/rooms/{}/send/{event_type}/{}",
            enc(&room_id),
            random_name("txn")
        );
        match server.put(&bob, &path, content.clone()).await {
            Ok(_) => sent += 1,
            Err(e) => eprintln!(
                "Synapse refused {event_type} {:.100}: {e:.200}",
                content.to_string()
            ),
        }
    }
    for (event_type, content) in malformed_state() {
        let path = format!("/rooms/{}/state/{event_type}/", enc(&room_id));
        match server.put(&bob, &path, content.clone()).await {
            Ok(_) => sent += 1,
            Err(e) => eprintln!("Synapse refused state {event_type}: {e:.200}"),
        }
    }
    let last = format!("last {tag}");
    server.send_text(&bob, &room_id, &last).await.unwrap();
    // Most of them are real events a hostile user can send (Synapse checks the type of
    // `body`, `msgtype`, `name`, `topic`, and refuses relations to unknown events).
    assert!(sent >= 18, "only {sent} hostile events were accepted");

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    common::wait_joined(&session, &room_id).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);
    // Load the whole (short) history: every hostile event goes through the conversion.
    for _ in 0..5 {
        if timeline.paginate_backwards(50).await.unwrap() {
            break;
        }
    }
    until(&mut items, &mut stream, "the last message", |items| {
        items
            .iter()
            .any(|i| body_of(i) == Some(last.as_str()))
            .then_some(())
    })
    .await;
    let nested = until(
        &mut items,
        &mut stream,
        "the deeply nested message",
        |items| {
            items.iter().find_map(|i| match i {
                TimelineItemView::Message { body, html, .. } if body.starts_with("nested ") => {
                    Some(html.clone())
                }
                _ => None,
            })
        },
    )
    .await;
    if let Some(h) = nested {
        assert!(h.len() < 200_000 && !h.contains("script"), "{h:.200}");
    }

    for item in &items {
        if let TimelineItemView::Message {
            html: Some(h),
            media,
            ..
        } = item
        {
            let lower = h.to_lowercase();
            assert!(
                !lower.contains("onerror") && !lower.contains("javascript:"),
                "{h:.200}"
            );
            if let Some(m) = media {
                assert!(
                    chappe_core::media::MediaKey::parse(&m.key).is_ok(),
                    "{}",
                    m.key
                );
                assert!(!m.filename.contains('\u{202E}') || m.filename.ends_with("exe"));
            }
        }
    }
    let messages = items.iter().filter(|i| body_of(i).is_some()).count();
    eprintln!(
        "{sent} hostile events accepted by Synapse; {} timeline items, {messages} messages, shown without panic",
        items.len()
    );
    // The room's state, hostile too, is still read: the room list has the room.
    assert!(session
        .rooms()
        .snapshot()
        .iter()
        .any(|r| r.room_id == room_id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_megabyte_message_is_refused_clearly_and_kept_until_discarded() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let room_id = server.create_room(&alice, "Big", &[]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    common::wait_joined(&session, &room_id).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);

    let big = format!("{} fin", "Un message très long. ".repeat(48_000));
    assert!(big.len() > 1_000_000);
    let start = std::time::Instant::now();
    timeline.send_text(&big).await.unwrap();
    let (id, recoverable, reason) = until(&mut items, &mut stream, "the failed send", |items| {
        items.iter().find_map(|i| match i {
            TimelineItemView::Message {
                id,
                body,
                send_state:
                    SendState::Failed {
                        recoverable,
                        reason,
                    },
                ..
            } if body.len() == big.len() => Some((id.clone(), *recoverable, reason.clone())),
            _ => None,
        })
    })
    .await;
    eprintln!("1 MB message: failed after {:?}: {reason}", start.elapsed());
    assert!(
        !recoverable,
        "the server will never take it: no endless retry"
    );
    assert!(!reason.is_empty());
    // Nothing reached the room.
    let sent = server.messages(&alice, &room_id).await.unwrap();
    assert!(
        sent.iter().all(|(_, b)| b.len() < 1000),
        "{} messages",
        sent.len()
    );
    // The text is still there (the user can copy it), until discarded.
    timeline.discard(&id).await.unwrap();
    until(&mut items, &mut stream, "the message discarded", |items| {
        (!items
            .iter()
            .any(|i| body_of(i).is_some_and(|b| b.len() == big.len())))
        .then_some(())
    })
    .await;
}
