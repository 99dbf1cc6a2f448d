//! Looking at a room before joining, and knocking, against the real Synapse.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{directory, room_preview};
use common::enc;
use common::{random_name, server};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_readable_public_room_is_previewed_with_its_latest_messages_before_joining() {
    let server = server();
    let bob = server.register("bob", "Bob").await.unwrap();
    let alice = server.register("alice", "Alice").await.unwrap();
    let alias_name = random_name("forum");
    let created = server
        .post(
            &bob,
            "/createRoom",
            json!({
                "name": "Forum lisible", "topic": "Ouvert à la lecture", "preset": "public_chat",
                "visibility": "public", "room_alias_name": alias_name,
                "initial_state": [{"type": "m.room.history_visibility", "state_key": "",
                    "content": {"history_visibility": "world_readable"}}],
            }),
        )
        .await
        .unwrap();
    let room_id = created["room_id"].as_str().unwrap().to_owned();
    for body in ["premier", "deuxième", "troisième"] {
        server.send_text(&bob, &room_id, body).await.unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let alias = format!("#{alias_name}:localhost");
    let p = room_preview::preview(&client, &alias, None).await.unwrap();
    assert_eq!(p.room_id, room_id);
    assert_eq!(p.name.as_deref(), Some("Forum lisible"));
    assert_eq!(p.topic.as_deref(), Some("Ouvert à la lecture"));
    assert_eq!(p.alias.as_deref(), Some(alias.as_str()));
    assert_eq!(p.members, 1);
    assert_eq!(p.join_rule, "public");
    assert!(p.world_readable);
    assert!(!p.joined);
    let bodies: Vec<&str> = p.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["premier", "deuxième", "troisième"]);
    assert!(p
        .messages
        .iter()
        .all(|m| m.sender == bob.user_id && m.timestamp > 1.6e12));

    // Joining from the preview, then the preview says so.
    directory::join(&client, &alias).await.unwrap();
    common::wait_joined(&session, &room_id).await;
    let p = room_preview::preview(&client, &room_id, None)
        .await
        .unwrap();
    assert!(p.joined);
    assert_eq!(p.members, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_room_shows_no_messages_and_a_knock_reaches_its_moderators() {
    let server = server();
    let bob = server.register("bob", "Bob").await.unwrap();
    let alice = server.register("alice", "Alice").await.unwrap();
    let alias_name = random_name("porte");
    let created = server
        .post(
            &bob,
            "/createRoom",
            json!({
                "name": "Sur demande", "preset": "private_chat", "visibility": "public",
                "room_alias_name": alias_name,
                "initial_state": [{"type": "m.room.join_rules", "state_key": "",
                    "content": {"join_rule": "knock"}}],
            }),
        )
        .await
        .unwrap();
    let room_id = created["room_id"].as_str().unwrap().to_owned();
    server.send_text(&bob, &room_id, "secret").await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let alias = format!("#{alias_name}:localhost");
    let p = room_preview::preview(&client, &alias, None).await.unwrap();
    assert_eq!(p.room_id, room_id);
    assert_eq!(p.join_rule, "knock");
    assert!(!p.world_readable);
    assert!(p.messages.is_empty());

    let knocked = room_preview::knock(&client, &alias, None).await.unwrap();
    assert_eq!(knocked, room_id);
    let member = server
        .get(
            &bob,
            &format!(
                "/rooms/{}/state/m.room.member/{}",
                enc(&room_id),
                enc(&alice.user_id)
            ),
        )
        .await
        .unwrap();
    assert_eq!(member["membership"], "knock");

    // A malformed address is refused before any request.
    assert!(matches!(
        room_preview::preview(&client, "pas une adresse", None).await,
        Err(directory::DirectoryError::InvalidRoom(_))
    ));
}
