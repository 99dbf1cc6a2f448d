//! Nothing typed is lost: sending while the server is unreachable, and starting the
//! app while it is. The server is the real Synapse, reached through a relay the test
//! cuts (see `common/relay.rs`).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chappe_core::{timeline::SendState, Session, SyncStatus, TimelineItemView};
use common::{
    delivery::{assert_delivered_once_in_order, bodies_from, saved_session, wait_status},
    relay::Relay,
    server, wait_for, Server, User,
};
use futures_util::StreamExt;

#[tokio::test(flavor = "multi_thread")]
async fn a_message_sent_while_the_server_is_down_is_delivered_when_it_returns() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = server.create_room(&bob, "Panne", &[&alice]).await.unwrap();
    server.join(&alice, &room_id).await.unwrap();
    let relay = Relay::to(&server.url).await;
    let dir = tempfile::tempdir().unwrap();
    let stored = saved_session(&server, &alice, &room_id, dir.path(), &relay).await;

    let mut session = Session::restore(stored).await.unwrap();
    wait_status(&session, SyncStatus::Running).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);

    relay.cut();
    let body = "écrit pendant la panne";
    timeline.send_text(body).await.unwrap();
    // The local echo is there at once and not marked sent.
    let own = |items: &[TimelineItemView]| {
        items.iter().find_map(|i| match i {
            TimelineItemView::Message {
                body: b,
                is_own: true,
                send_state,
                ..
            } if b == body => Some(send_state.clone()),
            _ => None,
        })
    };
    let start = std::time::Instant::now();
    while own(&items).is_none() {
        assert!(start.elapsed() < Duration::from_secs(5), "no local echo");
        if let Ok(Some(d)) = tokio::time::timeout(Duration::from_millis(200), stream.next()).await {
            d.into_iter().for_each(|d| d.apply(&mut items));
        }
    }
    assert_ne!(own(&items), Some(SendState::Sent));
    wait_status(&session, SyncStatus::Offline).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let on_server = server.messages(&bob, &room_id).await.unwrap();
    assert!(
        !on_server.iter().any(|(_, b)| b == body),
        "sent through a cut connection?"
    );

    relay.restore();
    let start = std::time::Instant::now();
    loop {
        if let Some(SendState::Sent) = own(&items) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "never sent after the server returned: {:?}",
            own(&items)
        );
        if let Ok(Some(d)) = tokio::time::timeout(Duration::from_millis(500), stream.next()).await {
            d.into_iter().for_each(|d| d.apply(&mut items));
        }
    }
    let on_server = server.messages(&bob, &room_id).await.unwrap();
    assert!(
        on_server.contains(&(alice.user_id.clone(), body.to_owned())),
        "{on_server:?}"
    );
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_session_opens_offline_with_its_rooms_from_the_local_cache() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = server
        .create_room(&bob, "Hors ligne", &[&alice])
        .await
        .unwrap();
    server.join(&alice, &room_id).await.unwrap();
    let relay = Relay::to(&server.url).await;
    let dir = tempfile::tempdir().unwrap();
    let stored = saved_session(&server, &alice, &room_id, dir.path(), &relay).await;

    relay.cut();
    let mut session = tokio::time::timeout(Duration::from_secs(10), Session::restore(stored))
        .await
        .expect("restoring must not wait for the network")
        .unwrap();
    let rooms = session.rooms().clone();
    wait_for("the cached room", Duration::from_secs(10), || {
        let r = rooms.snapshot().into_iter().find(|r| r.room_id == room_id);
        async move { r }
    })
    .await;
    wait_status(&session, SyncStatus::Offline).await;
    relay.restore();
    wait_status(&session, SyncStatus::Running).await;
    session.stop().await;
}

/// Alice's messages in the room as Bob's client reads them, oldest first.
async fn alice_bodies(server: &Server, bob: &User, alice: &User, room_id: &str) -> Vec<String> {
    bodies_from(server, bob, alice, room_id).await
}

/// Sends `bodies` one after the other into the open room, while the server is away.
async fn type_during_outage(timeline: &chappe_core::RoomTimeline, bodies: &[String]) {
    for body in bodies {
        timeline.send_text(body).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_messages_typed_during_an_outage_arrive_once_each_in_order() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = server.create_room(&bob, "Vingt", &[&alice]).await.unwrap();
    server.join(&alice, &room_id).await.unwrap();
    let relay = Relay::to(&server.url).await;
    let dir = tempfile::tempdir().unwrap();
    let stored = saved_session(&server, &alice, &room_id, dir.path(), &relay).await;
    let mut session = Session::restore(stored).await.unwrap();
    wait_status(&session, SyncStatus::Running).await;
    let timeline = session.open_room(&room_id).await.unwrap();

    relay.cut();
    let bodies: Vec<String> = (1..=20)
        .map(|n| format!("message {n:02} pendant la panne"))
        .collect();
    type_during_outage(&timeline, &bodies).await;
    wait_status(&session, SyncStatus::Offline).await;
    assert!(
        alice_bodies(&server, &bob, &alice, &room_id)
            .await
            .is_empty(),
        "nothing can pass a cut connection"
    );

    relay.restore();
    assert_delivered_once_in_order(&server, &bob, &alice, &room_id, &bodies).await;
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_typed_during_an_outage_survive_quitting_the_app_and_leave_once_in_order() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = server
        .create_room(&bob, "Redémarrage", &[&alice])
        .await
        .unwrap();
    server.join(&alice, &room_id).await.unwrap();
    let relay = Relay::to(&server.url).await;
    let dir = tempfile::tempdir().unwrap();
    let stored = saved_session(&server, &alice, &room_id, dir.path(), &relay).await;

    let bodies: Vec<String> = (1..=20)
        .map(|n| format!("avant et après redémarrage {n:02}"))
        .collect();
    // First run: online, then the server goes away and ten messages are typed; the
    // user quits while they are still waiting.
    let mut first = Session::restore(stored.clone()).await.unwrap();
    wait_status(&first, SyncStatus::Running).await;
    let timeline = first.open_room(&room_id).await.unwrap();
    relay.cut();
    type_during_outage(&timeline, &bodies[..10]).await;
    wait_status(&first, SyncStatus::Offline).await;
    drop(timeline);
    first.stop().await;
    drop(first);
    assert!(alice_bodies(&server, &bob, &alice, &room_id)
        .await
        .is_empty());

    // Second run, still offline: ten more are typed after the first ten.
    let mut second = Session::restore(stored).await.unwrap();
    let timeline = second.open_room(&room_id).await.unwrap();
    type_during_outage(&timeline, &bodies[10..]).await;

    relay.restore();
    assert_delivered_once_in_order(&server, &bob, &alice, &room_id, &bodies).await;
    second.stop().await;
}
