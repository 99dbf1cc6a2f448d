//! Finding colleagues and rooms, against the real Synapse.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::directory;
use common::{server, wait_for, SYNC_TIMEOUT};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_directory_finds_a_colleague_who_shares_no_room() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let tag = common::random_name("Zoé");
    let zoe = server.register("zoe", &tag).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();

    let found = directory::search_users(session.client(), &tag, 10)
        .await
        .unwrap();
    let hit = found
        .iter()
        .find(|u| u.user_id == zoe.user_id)
        .expect("Zoé is found by name");
    assert_eq!(hit.display_name.as_deref(), Some(tag.as_str()));
    assert_eq!(hit.domain, "localhost");
    assert_eq!(hit.avatar_initial, "Z");
    assert!(directory::search_users(session.client(), "   ", 10)
        .await
        .unwrap()
        .is_empty());
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hiding_my_profile_is_saved_where_tchap_looks_for_it() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();

    assert!(
        !directory::profile_hidden(&client).await.unwrap(),
        "visible by default"
    );
    directory::set_profile_hidden(&client, true).await.unwrap();
    assert!(directory::profile_hidden(&client).await.unwrap());
    // What Tchap's server module reads: the raw account data.
    let raw = server
        .get(
            &alice,
            &format!(
                "/user/{}/account_data/im.vector.hide_profile",
                alice.user_id
            ),
        )
        .await
        .unwrap();
    assert_eq!(raw, json!({"hide_profile": true}));
    directory::set_profile_hidden(&client, false).await.unwrap();
    assert!(!directory::profile_hidden(&client).await.unwrap());
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_room_can_be_found_and_joined() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let name = common::random_name("Forum");
    let alias_local = name.to_lowercase();
    let room_id = server
        .post(
            &bob,
            "/createRoom",
            json!({"name": name, "topic": "Le forum des agents", "preset": "public_chat",
                   "visibility": "public", "room_alias_name": alias_local}),
        )
        .await
        .unwrap()["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();

    let page = directory::public_rooms(&client, Some(&name), None, None, 20)
        .await
        .unwrap();
    let room = page
        .rooms
        .iter()
        .find(|r| r.room_id == room_id)
        .expect("listed");
    assert_eq!(room.name.as_deref(), Some(name.as_str()));
    assert_eq!(room.topic.as_deref(), Some("Le forum des agents"));
    assert_eq!(
        room.alias.as_deref(),
        Some(format!("#{alias_local}:localhost").as_str())
    );
    assert_eq!(room.members, 1);
    // The same list, asked of our own server by name.
    let page = directory::public_rooms(&client, Some(&name), Some("localhost"), None, 20).await;
    assert!(page.unwrap().rooms.iter().any(|r| r.room_id == room_id));
    assert!(matches!(
        directory::public_rooms(&client, None, Some("not a server!"), None, 20).await,
        Err(directory::DirectoryError::InvalidServer(_))
    ));

    let joined = directory::join(&client, &format!("#{alias_local}:localhost"))
        .await
        .unwrap();
    assert_eq!(joined, room_id);
    common::wait_joined(&session, &room_id).await;
    assert!(matches!(
        directory::join(&client, "pas une adresse").await,
        Err(directory::DirectoryError::InvalidRoom(_))
    ));
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_chat_is_created_once_then_reused() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();

    let first = directory::direct_chat(&client, &bob.user_id).await.unwrap();
    let rooms = session.rooms().clone();
    let dm = wait_for("the direct chat in the list", SYNC_TIMEOUT, || {
        let r = rooms.snapshot().into_iter().find(|r| r.room_id == first);
        async move { r.filter(|r| r.is_direct) }
    })
    .await;
    assert!(dm.is_encrypted, "direct chats are encrypted");
    let again = directory::direct_chat(&client, &bob.user_id).await.unwrap();
    assert_eq!(again, first, "the existing direct chat is reused");
    // Bob sees an invitation to a direct chat.
    let invite = server.get(&bob, "/sync?timeout=0").await.unwrap();
    assert!(invite["rooms"]["invite"].get(&first).is_some(), "{invite}");
    assert!(matches!(
        directory::direct_chat(&client, "bob").await,
        Err(directory::DirectoryError::InvalidUserId(_))
    ));
    session.stop().await;
}
