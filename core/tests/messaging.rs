//! Replies, edits, deletions and reactions, checked on the real Synapse: what the
//! other side receives, and what Chappe's own timeline shows.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chappe_core::{RoomTimeline, TimelineItemView};
use common::{server, Server, User, SYNC_TIMEOUT};
use futures_util::{Stream, StreamExt};
use serde_json::Value;

/// Applies diffs until `find` matches an item, and returns what it found.
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
            start.elapsed() < SYNC_TIMEOUT,
            "timed out waiting for {what}: {items:#?}"
        );
        if let Ok(Some(diffs)) =
            tokio::time::timeout(Duration::from_millis(500), stream.next()).await
        {
            diffs.into_iter().for_each(|d| d.apply(items));
        }
    }
}

fn message_id(items: &[TimelineItemView], text: &str) -> Option<String> {
    items.iter().find_map(|i| match i {
        TimelineItemView::Message { id, body, .. } if body == text => Some(id.clone()),
        _ => None,
    })
}

/// The room's recent events as the other client gets them.
async fn events(server: &Server, user: &User, room_id: &str) -> Vec<Value> {
    let path = format!(
        "/rooms/{}/messages?dir=b&limit=50",
        url::form_urlencoded::byte_serialize(room_id.as_bytes()).collect::<String>()
    );
    server.get(user, &path).await.unwrap()["chunk"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn setup() -> (
    Server,
    User,
    User,
    String,
    chappe_core::Session,
    tempfile::TempDir,
    RoomTimeline,
) {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = server
        .create_room(&bob, "Échanges", &[&alice])
        .await
        .unwrap();
    server.join(&alice, &room_id).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    common::wait_joined(&session, &room_id).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    (server, alice, bob, room_id, session, dir, timeline)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_quotes_the_message_it_answers() {
    let (server, _alice, bob, room_id, mut session, _dir, timeline) = setup().await;
    let bob_event = server
        .send_text(&bob, &room_id, "On se voit à 14 h ?")
        .await
        .unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    let id = until(&mut items, &mut stream, "bob's message", |i| {
        message_id(i, "On se voit à 14 h ?")
    })
    .await;

    timeline.reply(&id, "Oui, parfait").await.unwrap();
    let start = std::time::Instant::now();
    let reply = loop {
        let evs = events(&server, &bob, &room_id).await;
        if let Some(e) = evs.into_iter().find(|e| {
            e["content"]["body"]
                .as_str()
                .is_some_and(|b| b.contains("Oui, parfait"))
        }) {
            break e;
        }
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "the reply never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        reply["content"]["m.relates_to"]["m.in_reply_to"]["event_id"],
        bob_event.as_str()
    );
    // Chappe shows the reply with the quoted message above it.
    let quoted = until(&mut items, &mut stream, "the quoted reply", |i| {
        i.iter().find_map(|v| match v {
            TimelineItemView::Message {
                body,
                in_reply_to: Some(q),
                ..
            } if body == "Oui, parfait" && !q.body.is_empty() => Some(q.clone()),
            _ => None,
        })
    })
    .await;
    assert_eq!(quoted.body, "On se voit à 14 h ?");
    assert_eq!(quoted.sender_name, "Bob");
    assert!(matches!(
        timeline.reply("no-such-item", "x").await,
        Err(chappe_core::TimelineError::UnknownItem(_))
    ));
    assert!(matches!(
        timeline.reply(&id, "  ").await,
        Err(chappe_core::TimelineError::EmptyMessage)
    ));
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_message_shows_its_new_text_marked_edited_on_both_sides() {
    let (server, alice, bob, room_id, mut session, _dir, timeline) = setup().await;
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    timeline.send_text("Rendez-vous salle 12").await.unwrap();
    let id = until(&mut items, &mut stream, "the sent message", |i| {
        i.iter().find_map(|v| match v {
            TimelineItemView::Message {
                id,
                body,
                send_state: chappe_core::timeline::SendState::Sent,
                ..
            } if body == "Rendez-vous salle 12" => Some(id.clone()),
            _ => None,
        })
    })
    .await;
    timeline.edit(&id, "Rendez-vous salle 14").await.unwrap();
    until(&mut items, &mut stream, "the edited text", |i| {
        i.iter().any(|v| matches!(v, TimelineItemView::Message { body, edited: true, .. } if body == "Rendez-vous salle 14")).then_some(())
    })
    .await;
    let start = std::time::Instant::now();
    loop {
        let evs = events(&server, &bob, &room_id).await;
        let replaced = evs.iter().any(|e| {
            e["sender"] == alice.user_id.as_str()
                && e["content"]["m.relates_to"]["rel_type"] == "m.replace"
                && e["content"]["m.new_content"]["body"] == "Rendez-vous salle 14"
        });
        if replaced {
            break;
        }
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "the edit never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_message_is_gone_for_everyone() {
    let (server, _alice, bob, room_id, mut session, _dir, timeline) = setup().await;
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    timeline.send_text("message à effacer").await.unwrap();
    let id = until(&mut items, &mut stream, "the sent message", |i| {
        i.iter().find_map(|v| match v {
            TimelineItemView::Message {
                id,
                body,
                send_state: chappe_core::timeline::SendState::Sent,
                ..
            } if body == "message à effacer" => Some(id.clone()),
            _ => None,
        })
    })
    .await;
    timeline.redact(&id).await.unwrap();
    until(&mut items, &mut stream, "the deleted notice", |i| {
        (message_id(i, "message à effacer").is_none()
            && i.iter()
                .any(|v| matches!(v, TimelineItemView::Deleted { .. })))
        .then_some(())
    })
    .await;
    let start = std::time::Instant::now();
    loop {
        let evs = events(&server, &bob, &room_id).await;
        let redacted = evs.iter().any(|e| e["type"] == "m.room.redaction");
        let text_left = evs
            .iter()
            .any(|e| e["content"]["body"] == "message à effacer");
        if redacted && !text_left {
            break;
        }
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "the server still has the text"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reaction_is_added_then_removed() {
    let (server, alice, bob, room_id, mut session, _dir, timeline) = setup().await;
    server
        .send_text(&bob, &room_id, "Bonne nouvelle !")
        .await
        .unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    let id = until(&mut items, &mut stream, "bob's message", |i| {
        message_id(i, "Bonne nouvelle !")
    })
    .await;

    assert!(timeline.toggle_reaction(&id, "👍").await.unwrap(), "added");
    let reacted = |evs: &[Value]| {
        evs.iter().any(|e| {
            e["type"] == "m.reaction"
                && e["sender"] == alice.user_id.as_str()
                && e["content"]["m.relates_to"]["key"] == "👍"
        })
    };
    let start = std::time::Instant::now();
    while !reacted(&events(&server, &bob, &room_id).await) {
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "the reaction never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let shown = until(
        &mut items,
        &mut stream,
        "the reaction under the message",
        |i| {
            i.iter().find_map(|v| match v {
                TimelineItemView::Message {
                    id: mid, reactions, ..
                } if *mid == id && !reactions.is_empty() => Some(reactions.clone()),
                _ => None,
            })
        },
    )
    .await;
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (shown[0].key.as_str(), shown[0].count, shown[0].mine),
        ("👍", 1, true)
    );
    assert_eq!(shown[0].senders, vec![alice.user_id.clone()]);
    assert!(
        !timeline.toggle_reaction(&id, "👍").await.unwrap(),
        "removed"
    );
    let start = std::time::Instant::now();
    while reacted(&events(&server, &bob, &room_id).await) {
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "the reaction was never removed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_shows_who_read_it() {
    let (server, _alice, bob, room_id, mut session, _dir, timeline) = setup().await;
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    timeline.send_text("Lu ?").await.unwrap();
    let start = std::time::Instant::now();
    let event_id = loop {
        let evs = events(&server, &bob, &room_id).await;
        if let Some(e) = evs.iter().find(|e| e["content"]["body"] == "Lu ?") {
            break e["event_id"].as_str().unwrap().to_owned();
        }
        assert!(start.elapsed() < SYNC_TIMEOUT, "never sent");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let path = format!(
        "/rooms/{}/receipt/m.read/{}",
        url::form_urlencoded::byte_serialize(room_id.as_bytes()).collect::<String>(),
        url::form_urlencoded::byte_serialize(event_id.as_bytes()).collect::<String>()
    );
    server
        .post(&bob, &path, serde_json::json!({}))
        .await
        .unwrap();
    let readers = until(&mut items, &mut stream, "bob's read receipt", |i| {
        i.iter().find_map(|v| match v {
            TimelineItemView::Message { body, read_by, .. }
                if body == "Lu ?" && !read_by.is_empty() =>
            {
                Some(read_by.clone())
            }
            _ => None,
        })
    })
    .await;
    assert_eq!(readers, vec![bob.user_id.clone()]);
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_notices_go_both_ways() {
    let (server, alice, bob, room_id, mut session, _dir, timeline) = setup().await;
    let typing = timeline.typing_users();
    futures_util::pin_mut!(typing);
    let enc: String = url::form_urlencoded::byte_serialize(room_id.as_bytes()).collect();
    let bob_enc: String = url::form_urlencoded::byte_serialize(bob.user_id.as_bytes()).collect();
    let path = format!("/rooms/{enc}/typing/{bob_enc}");
    let res = reqwest::Client::new()
        .put(format!("{}/_matrix/client/v3{path}", server.url))
        .bearer_auth(&bob.token)
        .json(&serde_json::json!({"typing": true, "timeout": 30000}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let seen = tokio::time::timeout(SYNC_TIMEOUT, async {
        while let Some(users) = typing.next().await {
            if users.contains(&bob.user_id) {
                return users;
            }
        }
        Vec::new()
    })
    .await
    .expect("bob's typing notice never arrived");
    assert_eq!(seen, vec![bob.user_id.clone()]);

    timeline.set_typing(true).await.unwrap();
    let start = std::time::Instant::now();
    loop {
        let sync = server.get(&bob, "/sync?timeout=0").await.unwrap();
        let typing_now = sync["rooms"]["join"][&room_id]["ephemeral"]["events"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .any(|e| {
                e["type"] == "m.typing"
                    && e["content"]["user_ids"]
                        .as_array()
                        .is_some_and(|u| u.iter().any(|u| u == alice.user_id.as_str()))
            });
        if typing_now {
            break;
        }
        assert!(start.elapsed() < SYNC_TIMEOUT, "bob never saw alice typing");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    session.stop().await;
}

/// The waiting shape of the tests above, for a message by `body` once it is sent.
fn sent_message(items: &[TimelineItemView], text: &str) -> Option<String> {
    items.iter().find_map(|v| match v {
        TimelineItemView::Message {
            id,
            body,
            send_state: chappe_core::timeline::SendState::Sent,
            ..
        } if body == text => Some(id.clone()),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_history_of_an_edit_lists_every_version_in_order() {
    let (server, _alice, bob, room_id, mut session, _dir, timeline) = setup().await;
    // Bob, in his own Chappe session, writes then corrects himself twice.
    let bob_dir = tempfile::tempdir().unwrap();
    let mut bob_session = server.login(&bob, bob_dir.path()).await.unwrap();
    common::wait_joined(&bob_session, &room_id).await;
    let bob_timeline = bob_session.open_room(&room_id).await.unwrap();
    let (mut bob_items, bob_stream) = bob_timeline.subscribe().await;
    futures_util::pin_mut!(bob_stream);
    bob_timeline.send_text("Réunion à 10 h").await.unwrap();
    let bob_id = until(&mut bob_items, &mut bob_stream, "bob's sent message", |i| {
        sent_message(i, "Réunion à 10 h")
    })
    .await;
    bob_timeline.edit(&bob_id, "Réunion à 11 h").await.unwrap();
    until(&mut bob_items, &mut bob_stream, "the first edit", |i| {
        sent_message(i, "Réunion à 11 h")
    })
    .await;
    // Edits are sent one after the other, as a person would.
    tokio::time::sleep(Duration::from_millis(300)).await;
    bob_timeline
        .edit(&bob_id, "Réunion à 11 h, **salle 4**")
        .await
        .unwrap();

    // Alice sees the latest text, marked edited, and asks for its history.
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    let id = until(&mut items, &mut stream, "the twice edited message", |i| {
        i.iter().find_map(|v| match v {
            TimelineItemView::Message {
                id,
                body,
                edited: true,
                ..
            } if body == "Réunion à 11 h, **salle 4**" => Some(id.clone()),
            _ => None,
        })
    })
    .await;
    let history = common::wait_for("the second edit in /relations", SYNC_TIMEOUT, || {
        let timeline = timeline.clone();
        let id = id.clone();
        async move {
            let h = timeline.edit_history(&id).await.ok()?;
            (h.len() == 3).then_some(h)
        }
    })
    .await;
    let bodies: Vec<&str> = history.iter().map(|v| v.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Réunion à 10 h",
            "Réunion à 11 h",
            "Réunion à 11 h, **salle 4**"
        ]
    );
    assert!(history.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    assert_eq!(
        history[2].html.as_deref(),
        Some("Réunion à 11 h, <strong>salle 4</strong>")
    );
    bob_session.stop().await;
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn markdown_is_sent_with_its_html() {
    let (server, _alice, bob, room_id, mut session, _dir, timeline) = setup().await;
    timeline
        .send_text("**Important** : voir [le site](https://example.org)")
        .await
        .unwrap();
    let event = common::wait_for("the message on the server", SYNC_TIMEOUT, || {
        let server = &server;
        let bob = &bob;
        let room_id = &room_id;
        async move {
            events(server, bob, room_id).await.into_iter().find(|e| {
                e["content"]["body"]
                    .as_str()
                    .is_some_and(|b| b.starts_with("**Important**"))
            })
        }
    })
    .await;
    assert_eq!(event["content"]["format"], "org.matrix.custom.html");
    let html = event["content"]["formatted_body"]
        .as_str()
        .unwrap_or_default();
    assert!(html.contains("<strong>Important</strong>"), "{html}");
    assert!(
        html.contains(r#"<a href="https://example.org">le site</a>"#),
        "{html}"
    );
    // A plain sentence is sent as plain text, without a formatted body.
    timeline.send_text("Bonjour à tous").await.unwrap();
    let plain = common::wait_for("the plain message", SYNC_TIMEOUT, || {
        let server = &server;
        let bob = &bob;
        let room_id = &room_id;
        async move {
            events(server, bob, room_id)
                .await
                .into_iter()
                .find(|e| e["content"]["body"] == "Bonjour à tous")
        }
    })
    .await;
    assert!(plain["content"].get("formatted_body").is_none(), "{plain}");
    session.stop().await;
}

/// An open room is subscribed (all its new events each sync, not the room list's one),
/// for as long as one of its timelines is open; a burst of messages and reactions
/// then shows in full without scrolling back.
#[tokio::test(flavor = "multi_thread")]
async fn an_open_room_gets_every_event_of_a_burst() {
    let (server, _alice, bob, room_id, session, _dir, timeline) = setup().await;
    assert_eq!(session.subscribed_rooms(), vec![room_id.clone()]);
    let second = session.open_room(&room_id).await.unwrap();
    drop(timeline);
    assert_eq!(
        session.subscribed_rooms(),
        vec![room_id.clone()],
        "still open once"
    );

    let (mut items, stream) = second.subscribe().await;
    let mut stream = Box::pin(stream);
    // Ten messages, each with a reaction, sent as fast as the server takes them: many
    // arrive in the same sync.
    for i in 0..10 {
        let event_id = server
            .send_text(&bob, &room_id, &format!("rafale {i}"))
            .await
            .unwrap();
        server
            .put(
                &bob,
                &format!("/rooms/{}/send/m.reaction/r{i}", common::enc(&room_id)),
                serde_json::json!({"m.relates_to": {
                    "rel_type": "m.annotation", "event_id": event_id, "key": "👍"}}),
            )
            .await
            .unwrap();
    }
    until(
        &mut items,
        &mut stream,
        "the whole burst with its reactions",
        |items| {
            let all = (0..10).all(|i| {
                items.iter().any(|it| {
                    matches!(it,
                TimelineItemView::Message { body, reactions, .. }
                    if *body == format!("rafale {i}") && reactions.iter().any(|r| r.key == "👍"))
                })
            });
            all.then_some(())
        },
    )
    .await;

    drop(second);
    let start = std::time::Instant::now();
    while !session.subscribed_rooms().is_empty() {
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "closed room still subscribed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
