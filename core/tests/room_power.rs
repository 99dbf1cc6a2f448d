//! Rights and server ACLs, against the real Synapse: a right raised is enforced by the
//! server, a member's level given works, nobody goes above themselves, and an ACL that
//! would lock one's own server out is refused before it is sent.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    room_create::{self, NewRoom, RoomKind},
    room_power::{self, PowerError, Right, ServerAcl},
};
use common::enc;
use common::{server, wait_joined};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn rights_are_enforced_by_the_server_and_guarded_in_the_client() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let carol = server.register("carol", "Carol").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "Droits".into(),
            topic: None,
            alias: None,
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;
    server
        .post(
            &alice,
            &format!("/rooms/{}/invite", enc(&room)),
            json!({"user_id": bob.user_id}),
        )
        .await
        .unwrap();
    server.join(&bob, &room).await.unwrap();

    // Alice created the room: in version 12 she is above every level; in earlier
    // versions (what a server with Tchap's access rules module creates) she has 100.
    let view = room_power::get(&client, &room).await.unwrap();
    let create = server
        .get(
            &alice,
            &format!("/rooms/{}/state/m.room.create/", enc(&room)),
        )
        .await
        .unwrap();
    let version: u32 = create["room_version"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    assert_eq!(
        view.my_level,
        if version >= 12 { None } else { Some(100.0) }
    );

    // Invitations now need 50: Bob (0) is refused by the server.
    room_power::set_right(&client, &room, Right::Invite, 50)
        .await
        .unwrap();
    let levels = server
        .get(
            &alice,
            &format!("/rooms/{}/state/m.room.power_levels/", enc(&room)),
        )
        .await
        .unwrap();
    assert_eq!(levels["invite"], 50);
    assert_eq!(
        room_power::rights_map(&room_power::get(&client, &room).await.unwrap())[&Right::Invite],
        50.0
    );
    let refused = server
        .post(
            &bob,
            &format!("/rooms/{}/invite", enc(&room)),
            json!({"user_id": carol.user_id}),
        )
        .await;
    assert!(refused.is_err(), "bob invited with level 0");

    // Bob made moderator: now he can.
    room_power::set_member_level(&client, &room, &bob.user_id, 50)
        .await
        .unwrap();
    server
        .post(
            &bob,
            &format!("/rooms/{}/invite", enc(&room)),
            json!({"user_id": carol.user_id}),
        )
        .await
        .unwrap();
    let view = room_power::get(&client, &room).await.unwrap();
    assert!(view
        .members
        .iter()
        .any(|m| m.user_id == bob.user_id && m.level == 50.0));

    // Bob, a moderator, may not change rights (power levels need 100 here).
    let dir_b = tempfile::tempdir().unwrap();
    let bob_session = server.login(&bob, dir_b.path()).await.unwrap();
    wait_joined(&bob_session, &room).await;
    assert!(matches!(
        room_power::set_member_level(bob_session.client(), &room, &carol.user_id, 100).await,
        Err(PowerError::NotAllowed)
    ));

    // Give Bob the right to edit rights: he still cannot raise anyone above 50.
    room_power::set_right(&client, &room, Right::ChangePowerLevels, 50)
        .await
        .unwrap();
    assert!(matches!(
        room_power::set_member_level(bob_session.client(), &room, &carol.user_id, 100).await,
        Err(PowerError::AboveOwnLevel)
    ));
    assert!(matches!(
        room_power::set_right(bob_session.client(), &room, Right::Kick, 75).await,
        Err(PowerError::AboveOwnLevel)
    ));
    room_power::set_member_level(bob_session.client(), &room, &carol.user_id, 25)
        .await
        .unwrap();
    let levels = server
        .get(
            &alice,
            &format!("/rooms/{}/state/m.room.power_levels/", enc(&room)),
        )
        .await
        .unwrap();
    assert_eq!(levels["users"][&carol.user_id], 25);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_acl_is_set_and_never_locks_our_own_server_out() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let room = room_create::create(
        &client,
        &NewRoom {
            kind: RoomKind::Private,
            name: "ACL".into(),
            topic: None,
            alias: None,
        },
    )
    .await
    .unwrap();
    wait_joined(&session, &room).await;
    assert_eq!(room_power::get_acl(&client, &room).await.unwrap(), None);

    let acl = ServerAcl {
        allow: vec!["*".into()],
        deny: vec![" Evil.Example ".into(), "*.spam.test".into()],
        allow_ip_literals: false,
    };
    room_power::set_acl(&client, &room, &acl).await.unwrap();
    let state = server
        .get(
            &alice,
            &format!("/rooms/{}/state/m.room.server_acl/", enc(&room)),
        )
        .await
        .unwrap();
    assert_eq!(
        state,
        json!({"allow": ["*"], "deny": ["evil.example", "*.spam.test"], "allow_ip_literals": false})
    );
    let read = room_power::get_acl(&client, &room).await.unwrap().unwrap();
    assert_eq!(read.deny, vec!["evil.example", "*.spam.test"]);

    for lockout in [
        ServerAcl {
            allow: vec!["*.gouv.fr".into()],
            deny: vec![],
            allow_ip_literals: true,
        },
        ServerAcl {
            allow: vec!["*".into()],
            deny: vec!["local*".into()],
            allow_ip_literals: true,
        },
    ] {
        assert!(matches!(
            room_power::set_acl(&client, &room, &lockout).await,
            Err(PowerError::LocksOwnServerOut)
        ));
    }
    // Nothing was sent: the first ACL stands.
    let state = server
        .get(
            &alice,
            &format!("/rooms/{}/state/m.room.server_acl/", enc(&room)),
        )
        .await
        .unwrap();
    assert_eq!(state["deny"], json!(["evil.example", "*.spam.test"]));
}
