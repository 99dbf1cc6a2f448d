//! Tchap's rules enforced by the server itself: the test Synapse loads Tchap's module
//! (synapse-room-access-rules, see tests/server/write_config.py). Each change the client
//! refuses with a Tchap rule is sent again as a raw request, past the client's check,
//! and the server refuses it too; the client's own rooms match what the module expects.
//! On a server without the module the tests say so and stop (the client-side rules are
//! proven in rooms.rs either way).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    directory,
    room_create::{self, NewRoom, RoomKind},
    room_settings::{self, Access, RoomSettingsError, TchapRule},
};
use common::{enc, random_name, server, wait_joined, Server, User};
use serde_json::{json, Value};

async fn rule(server: &Server, user: &User, room: &str) -> Value {
    let path = format!("/rooms/{}/state/im.vector.room.access_rules/", enc(room));
    server
        .get(user, &path)
        .await
        .map(|c| c["rule"].clone())
        .unwrap_or(Value::Null)
}

/// Whether the server runs Tchap's module: it gives a rule to a room created without one.
async fn module_loaded(server: &Server, user: &User) -> bool {
    let room = server.create_room(user, "sonde", &[]).await.unwrap();
    let loaded = rule(server, user, &room).await == "restricted";
    if !loaded {
        eprintln!("skipped: this Synapse does not load synapse-room-access-rules");
    }
    loaded
}

async fn publish(server: &Server, user: &User, room: &str) -> anyhow::Result<Value> {
    let path = format!("/directory/list/room/{}", enc(room));
    server
        .put(user, &path, json!({"visibility": "public"}))
        .await
}

async fn set_rule(server: &Server, user: &User, room: &str, rule: &str) -> anyhow::Result<Value> {
    let path = format!("/rooms/{}/state/im.vector.room.access_rules/", enc(room));
    server.put(user, &path, json!({"rule": rule})).await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_open_to_externals_is_never_published_by_client_or_server() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    if !module_loaded(&server, &alice).await {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::PrivateOpenToExternals,
            name: "Externes".into(),
            topic: None,
            alias: Some(random_name("ext")),
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;
    assert_eq!(rule(&server, &alice, &room).await, "unrestricted");

    // The client says no before asking…
    let view = room_settings::get(&client, &room, None).await.unwrap();
    assert_eq!(
        room_settings::check(&view, Access::PublicForum),
        Err(TchapRule::PrivateNeverPublic)
    );
    // …and the server, asked directly, says no as well.
    let refused = publish(&server, &alice, &room)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("403") && refused.contains("Not allowed to publish room"),
        "{refused}"
    );
    let visibility = server
        .get(&alice, &format!("/directory/list/room/{}", enc(&room)))
        .await
        .unwrap();
    assert_eq!(visibility["visibility"], "private");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_forum_is_never_opened_to_externals_by_client_or_server() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    if !module_loaded(&server, &alice).await {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let forum = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Forum,
            name: "Forum".into(),
            topic: None,
            alias: Some(random_name("forum")),
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &forum).await;
    // The module accepts the forum exactly as Chappe creates it (published, restricted).
    assert_eq!(rule(&server, &alice, &forum).await, "restricted");

    assert!(matches!(
        room_settings::open_to_externals(&client, &forum).await,
        Err(RoomSettingsError::Rule(
            TchapRule::ForumNeverOpenToExternals
        ))
    ));
    let refused = set_rule(&server, &alice, &forum, "unrestricted")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("403") && refused.contains("M_FORBIDDEN"),
        "{refused}"
    );
    assert_eq!(rule(&server, &alice, &forum).await, "restricted");
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_to_externals_is_undone_neither_by_client_nor_by_server() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    if !module_loaded(&server, &alice).await {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "Privé".into(),
            topic: None,
            alias: None,
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;
    assert_eq!(rule(&server, &alice, &room).await, "restricted");

    // The one allowed step, accepted by both.
    room_settings::open_to_externals(&client, &room)
        .await
        .unwrap();
    assert_eq!(rule(&server, &alice, &room).await, "unrestricted");

    // Back to restricted: refused by the client and by the server.
    assert!(matches!(
        room_settings::open_to_externals(&client, &room).await,
        Err(RoomSettingsError::Rule(TchapRule::ExternalsAlreadyAllowed))
    ));
    let refused = set_rule(&server, &alice, &room, "restricted")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("403") && refused.contains("M_FORBIDDEN"),
        "{refused}"
    );
    assert_eq!(rule(&server, &alice, &room).await, "unrestricted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_chat_gets_the_direct_rule_and_is_never_made_public() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    if !module_loaded(&server, &alice).await {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let dm = directory::direct_chat(session.client(), &bob.user_id)
        .await
        .unwrap();
    assert_eq!(rule(&server, &alice, &dm).await, "direct");
    let path = format!("/rooms/{}/state/m.room.join_rules/", enc(&dm));
    let refused = server
        .put(&alice, &path, json!({"join_rule": "public"}))
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("403"), "{refused}");
    // Bob still joins the chat he was invited to.
    server.join(&bob, &dm).await.unwrap();
}
