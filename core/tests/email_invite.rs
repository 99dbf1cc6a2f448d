//! Inviting by email through Chappe's core, against the real Synapse and the real
//! identity server (sydent): an email bound to an account is found by lookup and that
//! account invited; an unknown email becomes a third-party invite and a mail; the email
//! invite is listed as pending and can be withdrawn.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    bulk_invite::{self, RowStatus},
    identity::{self, IdentityServer},
    invite_list::{self, Problem},
    invites::{self, PendingInvite, RevokeTarget},
};
use common::enc;
use common::{
    identity::{identity_server, random_email},
    server, wait_joined,
};
use matrix_sdk::ruma::RoomId;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn emails_are_looked_up_invited_by_mail_listed_and_withdrawn() {
    let Some(is) = identity_server() else { return };
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let carol = server.register("carol", "Carol").await.unwrap();

    // Bob's work address is bound to his account on the identity server.
    let bob_email = random_email("bob");
    let bob_token = is.register(&server, &bob).await.unwrap();
    let (sid, client_secret) = is.validate_email(&bob_token, &bob_email).await.unwrap();
    server
        .post(
            &bob,
            "/account/3pid/bind",
            json!({"client_secret": client_secret, "sid": sid,
            "id_server": is.host, "id_access_token": bob_token}),
        )
        .await
        .unwrap();
    let newcomer = random_email("newcomer");
    let room_id = server.create_room(&alice, "Par e-mail", &[]).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    wait_joined(&session, &room_id).await;
    let client = session.client().clone();
    let room = client
        .get_room(<&RoomId>::try_from(room_id.as_str()).unwrap())
        .unwrap();
    let ca = std::fs::read(std::env::var("CHAPPE_TEST_IDENTITY_CA").unwrap()).unwrap();
    let chappe_is =
        IdentityServer::new(&is.url, identity::http_client(Some(&ca)).unwrap()).unwrap();

    // Bob's address written in capitals, Outlook style: still found.
    let text = format!(
        "\"Bob\" <{}>\n{newcomer}\n{}\nnot-an-address@",
        bob_email.to_uppercase(),
        carol.user_id
    );
    let rows = bulk_invite::preview(&client, &room, &invite_list::parse(&text), Some(&chappe_is))
        .await
        .unwrap();
    let got: Vec<(Option<&str>, &RowStatus)> = rows
        .iter()
        .map(|r| (r.user_id.as_deref(), &r.status))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(bob.user_id.as_str()), &RowStatus::Ready),
            (None, &RowStatus::Ready),
            (Some(carol.user_id.as_str()), &RowStatus::Ready),
            (
                None,
                &RowStatus::Invalid {
                    problem: Problem::InvalidEmail
                }
            ),
        ]
    );

    let report = bulk_invite::send(&client, &room_id, rows, Some(&chappe_is), |_| {}).await;
    let statuses: Vec<&RowStatus> = report.iter().map(|r| &r.status).collect();
    assert_eq!(
        statuses,
        vec![
            &RowStatus::Invited,
            &RowStatus::InvitedByEmail,
            &RowStatus::Invited,
            &RowStatus::Invalid {
                problem: Problem::InvalidEmail
            },
        ]
    );

    // The server: Bob and Carol invited as accounts, the newcomer by a third-party
    // invite, and the identity server mailed the newcomer.
    let state: Vec<Value> = server
        .get(&alice, &format!("/rooms/{}/state", enc(&room_id)))
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    for who in [&bob.user_id, &carol.user_id] {
        assert!(state.iter().any(|e| e["type"] == "m.room.member"
            && e["state_key"] == who.as_str()
            && e["content"]["membership"] == "invite"));
    }
    assert_eq!(
        state
            .iter()
            .filter(|e| e["type"] == "m.room.third_party_invite")
            .count(),
        1
    );
    let mail = is
        .mailbox
        .wait_for(&newcomer, |m| {
            m.text.contains("Alice") || m.subject.contains("invit")
        })
        .await;
    assert!(mail.is_to(&newcomer));

    // Pending: two accounts and one email; the email one is withdrawn.
    let pending = invites::pending(&client, &room_id).await.unwrap();
    assert_eq!(pending.len(), 3, "{pending:?}");
    let token = pending
        .iter()
        .find_map(|p| match p {
            PendingInvite::Email {
                token, invited_by, ..
            } if *invited_by == alice.user_id => Some(token.clone()),
            _ => None,
        })
        .expect("the email invite");
    invites::revoke(&client, &room_id, &RevokeTarget::Email(token.clone()))
        .await
        .unwrap();
    let pending = invites::pending(&client, &room_id).await.unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending
        .iter()
        .all(|p| matches!(p, PendingInvite::Account { .. })));
    let emptied = server
        .get(
            &alice,
            &format!(
                "/rooms/{}/state/m.room.third_party_invite/{}",
                enc(&room_id),
                enc(&token)
            ),
        )
        .await
        .unwrap();
    assert_eq!(emptied, json!({}));

    // The same list again: everyone is now reported as already invited or withdrawn.
    let again = bulk_invite::preview(&client, &room, &invite_list::parse(&text), Some(&chappe_is))
        .await
        .unwrap();
    assert_eq!(again[0].status, RowStatus::AlreadyInvited);
    assert_eq!(again[2].status, RowStatus::AlreadyInvited);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_identity_server_is_said_on_the_email_lines_only() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let carol = server.register("carol", "Carol").await.unwrap();
    let room_id = server.create_room(&alice, "Sans IS", &[]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    wait_joined(&session, &room_id).await;
    let client = session.client().clone();
    let room = client
        .get_room(<&RoomId>::try_from(room_id.as_str()).unwrap())
        .unwrap();
    // Nothing listens on this port.
    let dead =
        IdentityServer::new("https://127.0.0.1:9", identity::http_client(None).unwrap()).unwrap();
    let text = format!("x@chappe.test\n{}", carol.user_id);
    let rows = bulk_invite::preview(&client, &room, &invite_list::parse(&text), Some(&dead))
        .await
        .unwrap();
    assert!(
        matches!(&rows[0].status, RowStatus::Failed { reason } if reason.contains("unreachable")),
        "{rows:?}"
    );
    assert_eq!(rows[1].status, RowStatus::Ready);
    let report = bulk_invite::send(&client, &room_id, rows, Some(&dead), |_| {}).await;
    assert_eq!(report[1].status, RowStatus::Invited);
}
