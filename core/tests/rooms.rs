//! Creating rooms with Tchap's kinds and changing who may join, against the real
//! Synapse: every setting is read back from the server and its effect checked with a
//! second account (joins or is refused, through a link).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    directory,
    room_create::{self, NewRoom, RoomCreateError, RoomKind},
    room_settings::{self, Access, RoomSettingsError, TchapRule},
};
use common::enc;
use common::{random_name, server, wait_for, wait_joined, Server, User, SYNC_TIMEOUT};
use serde_json::Value;

async fn state(server: &Server, user: &User, room: &str, kind: &str) -> Value {
    server
        .get(user, &format!("/rooms/{}/state/{kind}/", enc(room)))
        .await
        .unwrap_or(Value::Null)
}

async fn try_join(server: &Server, user: &User, target: &str) -> bool {
    server
        .post(
            user,
            &format!("/join/{}", enc(target)),
            serde_json::json!({}),
        )
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_three_kinds_are_created_as_tchap_does_and_refuse_bad_forms() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();

    let private = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "Privé".into(),
            topic: Some("Entre nous".into()),
            alias: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        state(&server, &alice, &private, "m.room.join_rules").await["join_rule"],
        "invite"
    );
    assert_eq!(
        state(&server, &alice, &private, "m.room.encryption").await["algorithm"],
        "m.megolm.v1.aes-sha2"
    );
    assert_eq!(
        state(&server, &alice, &private, "m.room.history_visibility").await["history_visibility"],
        "invited"
    );
    assert_eq!(
        state(&server, &alice, &private, "im.vector.room.access_rules").await["rule"],
        "restricted"
    );
    assert_eq!(
        state(&server, &alice, &private, "m.room.topic").await["topic"],
        "Entre nous"
    );
    assert!(
        !try_join(&server, &bob, &private).await,
        "an uninvited user joined a private room"
    );

    let open = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::PrivateOpenToExternals,
            name: "Avec externes".into(),
            topic: None,
            alias: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        state(&server, &alice, &open, "im.vector.room.access_rules").await["rule"],
        "unrestricted"
    );

    let alias_local = random_name("forum");
    let forum = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Forum,
            name: "Forum".into(),
            topic: None,
            alias: Some(alias_local.clone()),
        },
    )
    .await
    .unwrap();
    let alias = format!("#{alias_local}:localhost");
    assert_eq!(
        state(&server, &alice, &forum, "m.room.join_rules").await["join_rule"],
        "public"
    );
    assert_eq!(
        state(&server, &alice, &forum, "m.room.encryption").await,
        Value::Null
    );
    assert_eq!(
        state(&server, &alice, &forum, "m.room.history_visibility").await["history_visibility"],
        "shared"
    );
    let resolved = server
        .get(&bob, &format!("/directory/room/{}", enc(&alias)))
        .await
        .unwrap();
    assert_eq!(resolved["room_id"], forum.as_str());
    let visibility = server
        .get(&bob, &format!("/directory/list/room/{}", enc(&forum)))
        .await
        .unwrap();
    assert_eq!(visibility["visibility"], "public");
    assert!(try_join(&server, &bob, &alias).await);

    // The same address again: said plainly.
    let again = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Forum,
            name: "Doublon".into(),
            topic: None,
            alias: Some(alias_local.clone()),
        },
    )
    .await;
    assert!(matches!(again, Err(RoomCreateError::AliasTaken(a)) if a == alias_local));
}

#[tokio::test(flavor = "multi_thread")]
async fn access_changes_follow_tchaps_rules_and_take_effect() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let carol = server.register("carol", "Carol").await.unwrap();
    let dave = server.register("dave", "Dave").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let alias_local = random_name("lien");
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "Par lien".into(),
            topic: None,
            alias: Some(alias_local.clone()),
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;

    // "Anyone with the link": Bob joins through the matrix.to link Chappe gives.
    room_settings::set_access(&client, &room, Access::AnyoneWithLink)
        .await
        .unwrap();
    let view = room_settings::get(&client, &room, Some("https://tchap.gouv.fr"))
        .await
        .unwrap();
    assert_eq!(view.access, Access::AnyoneWithLink);
    assert!(!view.published);
    assert_eq!(
        state(&server, &alice, &room, "m.room.guest_access").await["guest_access"],
        "forbidden"
    );
    let links = view.links.unwrap();
    assert_eq!(
        links.matrix_to,
        format!("https://matrix.to/#/%23{alias_local}:localhost")
    );
    let dir_b = tempfile::tempdir().unwrap();
    let bob_session = server.login(&bob, dir_b.path()).await.unwrap();
    let joined = directory::join(bob_session.client(), links.permalink.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(joined, room);

    // Back to invite only: Carol is refused.
    room_settings::set_access(&client, &room, Access::InviteOnly)
        .await
        .unwrap();
    assert_eq!(
        state(&server, &alice, &room, "m.room.join_rules").await["join_rule"],
        "invite"
    );
    assert!(!try_join(&server, &carol, &room).await);

    // Knock: Dave asks, the room sees it.
    room_settings::set_access(&client, &room, Access::Knock)
        .await
        .unwrap();
    server
        .post(
            &dave,
            &format!("/knock/{}", enc(&room)),
            serde_json::json!({}),
        )
        .await
        .unwrap();
    let member = server
        .get(
            &alice,
            &format!(
                "/rooms/{}/state/m.room.member/{}",
                enc(&room),
                enc(&dave.user_id)
            ),
        )
        .await
        .unwrap();
    assert_eq!(member["membership"], "knock");

    // A private room never becomes a forum.
    assert!(matches!(
        room_settings::set_access(&client, &room, Access::PublicForum).await,
        Err(RoomSettingsError::Rule(TchapRule::PrivateNeverPublic))
    ));
    let visibility = server
        .get(&alice, &format!("/directory/list/room/{}", enc(&room)))
        .await
        .unwrap();
    assert_eq!(visibility["visibility"], "private");

    // Opening to externals: once, for good.
    room_settings::open_to_externals(&client, &room)
        .await
        .unwrap();
    assert_eq!(
        state(&server, &alice, &room, "im.vector.room.access_rules").await["rule"],
        "unrestricted"
    );
    assert!(matches!(
        room_settings::open_to_externals(&client, &room).await,
        Err(RoomSettingsError::Rule(TchapRule::ExternalsAlreadyAllowed))
    ));

    // A forum (not encrypted) cannot become private, nor open to externals.
    let forum_local = random_name("forum");
    let forum = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Forum,
            name: "Forum".into(),
            topic: None,
            alias: Some(forum_local),
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &forum).await;
    assert!(matches!(
        room_settings::set_access(&client, &forum, Access::InviteOnly).await,
        Err(RoomSettingsError::Rule(
            TchapRule::ForumPrivateOnlyIfEncrypted
        ))
    ));
    assert!(matches!(
        room_settings::open_to_externals(&client, &forum).await,
        Err(RoomSettingsError::Rule(
            TchapRule::ForumNeverOpenToExternals
        ))
    ));
    assert_eq!(
        state(&server, &alice, &forum, "m.room.join_rules").await["join_rule"],
        "public"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn name_topic_history_encryption_and_addresses_are_set_and_read_back() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let forum_local = random_name("forum");
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Forum,
            name: "Avant".into(),
            topic: None,
            alias: Some(forum_local.clone()),
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;

    room_settings::set_name(&client, &room, " Après ")
        .await
        .unwrap();
    room_settings::set_topic(&client, &room, "Le sujet")
        .await
        .unwrap();
    room_settings::set_history(&client, &room, room_settings::History::Joined)
        .await
        .unwrap();
    assert_eq!(
        state(&server, &alice, &room, "m.room.name").await["name"],
        "Après"
    );
    assert_eq!(
        state(&server, &alice, &room, "m.room.topic").await["topic"],
        "Le sujet"
    );
    assert_eq!(
        state(&server, &alice, &room, "m.room.history_visibility").await["history_visibility"],
        "joined"
    );

    // A second address joins the alternatives; both resolve; removing one frees it.
    let second = random_name("autre");
    let alias2 = room_settings::add_alias(&client, &room, &second)
        .await
        .unwrap();
    assert_eq!(alias2, format!("#{second}:localhost"));
    let canonical = state(&server, &alice, &room, "m.room.canonical_alias").await;
    assert_eq!(canonical["alias"], format!("#{forum_local}:localhost"));
    assert_eq!(canonical["alt_aliases"], serde_json::json!([alias2]));
    assert_eq!(
        server
            .get(&bob, &format!("/directory/room/{}", enc(&alias2)))
            .await
            .unwrap()["room_id"],
        room.as_str()
    );
    assert!(matches!(
        room_settings::add_alias(&client, &room, &second).await,
        Err(RoomSettingsError::AliasTaken(_))
    ));
    room_settings::remove_alias(&client, &room, &alias2)
        .await
        .unwrap();
    assert!(server
        .get(&bob, &format!("/directory/room/{}", enc(&alias2)))
        .await
        .is_err());
    let canonical = state(&server, &alice, &room, "m.room.canonical_alias").await;
    assert!(!canonical.to_string().contains(&alias2), "{canonical}");
    assert_eq!(canonical["alias"], format!("#{forum_local}:localhost"));

    // Encryption on (the forum can then become private), never off.
    room_settings::enable_encryption(&client, &room)
        .await
        .unwrap();
    assert_eq!(
        state(&server, &alice, &room, "m.room.encryption").await["algorithm"],
        "m.megolm.v1.aes-sha2"
    );
    room_settings::set_access(&client, &room, Access::InviteOnly)
        .await
        .unwrap();
    let view = room_settings::get(&client, &room, None).await.unwrap();
    assert_eq!(view.access, Access::InviteOnly);
    assert!(!view.published);
    assert!(view.encrypted);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_main_address_is_chosen_among_the_rooms_addresses() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let first = random_name("premiere");
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "Adresses".into(),
            topic: None,
            alias: Some(first.clone()),
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;
    let first = format!("#{first}:localhost");
    let second = room_settings::add_alias(&client, &room, &random_name("seconde"))
        .await
        .unwrap();
    let third = room_settings::add_alias(&client, &room, &random_name("troisieme"))
        .await
        .unwrap();

    // The second becomes the main address; the first stays, as an alternative.
    room_settings::set_main_alias(&client, &room, &second)
        .await
        .unwrap();
    let canonical = state(&server, &alice, &room, "m.room.canonical_alias").await;
    assert_eq!(canonical["alias"], second.as_str());
    assert_eq!(canonical["alt_aliases"], serde_json::json!([third, first]));
    let view = room_settings::get(&client, &room, None).await.unwrap();
    assert_eq!(view.alias.as_deref(), Some(second.as_str()));
    assert_eq!(
        view.links.unwrap().matrix_uri,
        format!("matrix:r/{}", second.trim_start_matches('#'))
    );
    // Every address still leads to the room.
    for alias in [&first, &second, &third] {
        let resolved = server
            .get(&bob, &format!("/directory/room/{}", enc(alias)))
            .await
            .unwrap();
        assert_eq!(resolved["room_id"], room.as_str(), "{alias}");
    }

    // Choosing the main one again changes nothing; an address the room lacks is refused.
    room_settings::set_main_alias(&client, &room, &second)
        .await
        .unwrap();
    assert_eq!(
        state(&server, &alice, &room, "m.room.canonical_alias").await,
        canonical
    );
    assert!(matches!(
        room_settings::set_main_alias(&client, &room, "#ailleurs:localhost").await,
        Err(RoomSettingsError::InvalidAlias(_))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upgraded_room_points_to_its_replacement() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "Ancienne version".into(),
            topic: None,
            alias: None,
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;
    assert!(matches!(
        room_settings::upgrade(&client, &room, "pas une version!").await,
        Err(RoomSettingsError::InvalidVersion(_))
    ));
    let new_room = room_settings::upgrade(&client, &room, "12").await.unwrap();
    assert_ne!(new_room, room);
    assert_eq!(
        state(&server, &alice, &room, "m.room.tombstone").await["replacement_room"],
        new_room.as_str()
    );
    assert_eq!(
        state(&server, &alice, &new_room, "m.room.name").await["name"],
        "Ancienne version"
    );
    assert_eq!(
        state(&server, &alice, &new_room, "m.room.encryption").await["algorithm"],
        "m.megolm.v1.aes-sha2"
    );
    // The old room, as the room list shows it, says which room replaces it.
    let rooms = session.rooms().clone();
    let old = room.clone();
    let replaced_by = wait_for(
        "the old room's summary to name its successor",
        SYNC_TIMEOUT,
        || {
            let summary = rooms.snapshot().into_iter().find(|r| r.room_id == old);
            async move { summary.and_then(|r| r.replaced_by) }
        },
    )
    .await;
    assert_eq!(replaced_by, new_room);
    // A member who was not there for the upgrade follows it by joining the new room.
    let bob = server.register("bob", "Bob").await.unwrap();
    server
        .post(
            &alice,
            &format!("/rooms/{}/invite", enc(&new_room)),
            serde_json::json!({"user_id": bob.user_id}),
        )
        .await
        .unwrap();
    let dir_b = tempfile::tempdir().unwrap();
    let bob_session = server.login(&bob, dir_b.path()).await.unwrap();
    assert_eq!(
        directory::join(bob_session.client(), &replaced_by)
            .await
            .unwrap(),
        new_room
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_restricted_to_a_space_lets_its_members_in_and_no_one_else() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let carol = server.register("carol", "Carol").await.unwrap();
    let dave = server.register("dave", "Dave").await.unwrap();
    // A space (a room of type m.space) with Carol in it.
    let space = server
        .post(
            &alice,
            "/createRoom",
            serde_json::json!({"name": "Ministère", "preset": "public_chat",
            "creation_content": {"type": "m.space"}}),
        )
        .await
        .unwrap()["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.join(&carol, &space).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "Espace".into(),
            topic: None,
            alias: None,
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;

    room_settings::set_restricted(&client, &room, std::slice::from_ref(&space), false)
        .await
        .unwrap();
    let rules = state(&server, &alice, &room, "m.room.join_rules").await;
    assert_eq!(rules["join_rule"], "restricted");
    assert_eq!(rules["allow"][0]["room_id"], space.as_str());
    assert!(
        try_join(&server, &carol, &room).await,
        "a member of the space was refused"
    );
    assert!(
        !try_join(&server, &dave, &room).await,
        "someone outside the space joined"
    );

    room_settings::set_restricted(&client, &room, std::slice::from_ref(&space), true)
        .await
        .unwrap();
    assert_eq!(
        state(&server, &alice, &room, "m.room.join_rules").await["join_rule"],
        "knock_restricted"
    );
    server
        .post(
            &dave,
            &format!("/knock/{}", enc(&room)),
            serde_json::json!({}),
        )
        .await
        .unwrap();
}

/// A 1x1 transparent PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

#[tokio::test(flavor = "multi_thread")]
async fn a_room_picture_is_uploaded_and_an_svg_refused() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "Image".into(),
            topic: None,
            alias: None,
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    assert!(matches!(
        room_settings::set_avatar(&client, &room, svg).await,
        Err(RoomSettingsError::NotAnImage)
    ));
    assert_eq!(
        state(&server, &alice, &room, "m.room.avatar").await,
        Value::Null
    );
    let mxc = room_settings::set_avatar(&client, &room, PNG.to_vec())
        .await
        .unwrap();
    assert!(mxc.starts_with("mxc://localhost/"), "{mxc}");
    let avatar = state(&server, &alice, &room, "m.room.avatar").await;
    assert_eq!(avatar["url"], mxc.as_str());
    assert_eq!(avatar["info"]["mimetype"], "image/png");
}
