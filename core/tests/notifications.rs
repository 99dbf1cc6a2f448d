//! New-message notifications and per-room notification modes, against the real
//! Synapse: a second account sends, Chappe's session says what the desktop would show.
//! Each check reads the *next* notification: one that must not exist (own message,
//! muted room, old message) would come first and fail the assertion.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chappe_core::{
    notifications::{Notification, NotificationMode, RoomNotifications},
    Session,
};
use common::{server, wait_for, wait_joined, Server, User, SYNC_TIMEOUT};
use futures_util::{Stream, StreamExt};
use serde_json::json;

async fn next(stream: &mut (impl Stream<Item = Notification> + Unpin), what: &str) -> Notification {
    match tokio::time::timeout(SYNC_TIMEOUT, stream.next()).await {
        Ok(Some(n)) => n,
        Ok(None) => panic!("the notification stream ended while waiting for {what}"),
        Err(_) => panic!("no notification for {what}"),
    }
}

/// Nothing more arrives for a while (used once, at the end, where no later message
/// can prove it).
async fn nothing_more(stream: &mut (impl Stream<Item = Notification> + Unpin)) {
    if let Ok(Some(n)) = tokio::time::timeout(Duration::from_secs(3), stream.next()).await {
        panic!("unexpected notification: {n:?}");
    }
}

async fn shared_room(server: &Server, owner: &User, name: &str, member: &User) -> String {
    let room = server.create_room(owner, name, &[member]).await.unwrap();
    server.join(member, &room).await.unwrap();
    room
}

/// Waits until the room's preview shows `text`: the sync delivered it.
async fn synced(session: &Session, room_id: &str, text: &str) {
    let rooms = session.rooms().clone();
    wait_for(&format!("'{text}' in the room list"), SYNC_TIMEOUT, || {
        let ok = rooms.snapshot().iter().any(|r| {
            r.room_id == room_id && r.last_message.as_ref().is_some_and(|m| m.text == text)
        });
        async move { ok.then_some(()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_message_notifies_with_room_sender_and_text_but_not_own_or_old_ones() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room = shared_room(&server, &bob, "Équipe", &alice).await;
    server
        .send_text(&bob, &room, "avant la connexion")
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    // Subscribed before the first sync is processed: the old message must still not come.
    let mut stream = Box::pin(session.notifications().subscribe());
    wait_joined(&session, &room).await;

    server
        .send_text(&alice, &room, "mon propre message")
        .await
        .unwrap();
    let event_id = server
        .send_text(&bob, &room, "bonjour\nà tous")
        .await
        .unwrap();
    let n = next(&mut stream, "Bob's message").await;
    assert_eq!(
        n,
        Notification {
            room_id: room.clone(),
            room_name: "Équipe".into(),
            sender_name: "Bob".into(),
            body: "bonjour à tous".into(),
            is_mention: false,
            is_encrypted: false,
            event_id,
        }
    );

    let mention = json!({
        "msgtype": "m.text",
        "body": "Alice, tu peux relire ?",
        "m.mentions": {"user_ids": [alice.user_id]},
    });
    server.send_message(&bob, &room, mention).await.unwrap();
    let n = next(&mut stream, "the mention").await;
    assert_eq!(n.body, "Alice, tu peux relire ?");
    assert!(n.is_mention, "a mention must be highlighted: {n:?}");

    // Opening the room fetches its recent events again: they were already notified.
    let _timeline = session.open_room(&room).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    server
        .send_text(&bob, &room, "après ouverture")
        .await
        .unwrap();
    assert_eq!(
        next(&mut stream, "the next message").await.body,
        "après ouverture"
    );
    nothing_more(&mut stream).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn room_modes_are_read_back_and_muted_rooms_stay_silent() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let quiet = shared_room(&server, &bob, "Calme", &alice).await;
    let loud = shared_room(&server, &bob, "Bruyant", &alice).await;
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let mut stream = Box::pin(session.notifications().subscribe());
    wait_joined(&session, &quiet).await;
    wait_joined(&session, &loud).await;
    let notifier = session.notifications().clone();

    // A group room without encryption notifies for every message by default.
    assert_eq!(
        notifier.room_mode(&quiet).await.unwrap(),
        RoomNotifications {
            mode: NotificationMode::AllMessages,
            is_default: true
        }
    );

    notifier
        .set_room_mode(&quiet, NotificationMode::Mute)
        .await
        .unwrap();
    assert_eq!(
        notifier.room_mode(&quiet).await.unwrap(),
        RoomNotifications {
            mode: NotificationMode::Mute,
            is_default: false
        }
    );
    // Stored on the server as a push rule of the room, as every client reads it.
    let rules = server.get(&alice, "/pushrules/").await.unwrap();
    let overrides = rules["global"]["override"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        overrides.iter().any(|r| r["rule_id"] == quiet.as_str()
            && !r["actions"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("notify")))),
        "no mute rule for the room: {overrides:?}"
    );

    server.send_text(&bob, &quiet, "chut").await.unwrap();
    server.send_text(&bob, &loud, "ici").await.unwrap();
    assert_eq!(next(&mut stream, "the unmuted room").await.room_id, loud);

    notifier
        .set_room_mode(&quiet, NotificationMode::MentionsAndKeywords)
        .await
        .unwrap();
    assert_eq!(
        notifier.room_mode(&quiet).await.unwrap().mode,
        NotificationMode::MentionsAndKeywords
    );
    server
        .send_text(&bob, &quiet, "rien d'important")
        .await
        .unwrap();
    let mention = json!({
        "msgtype": "m.text",
        "body": "Alice : urgent",
        "m.mentions": {"user_ids": [alice.user_id]},
    });
    server.send_message(&bob, &quiet, mention).await.unwrap();
    let n = next(&mut stream, "the mention in a mentions-only room").await;
    assert_eq!((n.body.as_str(), n.is_mention), ("Alice : urgent", true));

    notifier.reset_room_mode(&quiet).await.unwrap();
    assert!(notifier.room_mode(&quiet).await.unwrap().is_default);

    // The global switch: off, nothing; kept across a restart; on again, notified.
    notifier.set_enabled(false).await.unwrap();
    server
        .send_text(&bob, &loud, "pendant la pause")
        .await
        .unwrap();
    synced(&session, &loud, "pendant la pause").await;
    let stored = session.stored().unwrap();
    drop(stream);
    let mut session = session;
    session.stop().await;
    drop(session);
    let session = Session::restore(stored).await.unwrap();
    assert!(
        !session.notifications().enabled(),
        "the switch must survive a restart"
    );
    let mut stream = Box::pin(session.notifications().subscribe());
    session.notifications().set_enabled(true).await.unwrap();
    wait_joined(&session, &loud).await;
    server.send_text(&bob, &loud, "de retour").await.unwrap();
    assert_eq!(
        next(&mut stream, "a message once on again").await.body,
        "de retour"
    );
}
