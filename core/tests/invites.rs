//! Answering invitations, against the real Synapse.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::invites;
use common::{enc, server, wait_for, SYNC_TIMEOUT};

#[tokio::test(flavor = "multi_thread")]
async fn an_accepted_invitation_becomes_a_joined_room_and_a_declined_one_goes_away() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let keep = server
        .create_room(&bob, "À accepter", &[&alice])
        .await
        .unwrap();
    let drop = server
        .create_room(&bob, "À refuser", &[&alice])
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();
    let rooms = session.rooms().clone();
    wait_for("both invitations", SYNC_TIMEOUT, || {
        let snap = rooms.snapshot();
        let ok = [&keep, &drop]
            .iter()
            .all(|id| snap.iter().any(|r| &&r.room_id == id && r.is_invite));
        async move { ok.then_some(()) }
    })
    .await;

    let client = session.client().clone();
    assert_eq!(
        invites::accept(&client, &keep).await.unwrap().as_str(),
        keep
    );
    invites::decline(&client, &drop).await.unwrap();
    wait_for("one joined room, the other gone", SYNC_TIMEOUT, || {
        let snap = rooms.snapshot();
        let joined = snap.iter().any(|r| r.room_id == keep && !r.is_invite);
        let gone = !snap.iter().any(|r| r.room_id == drop);
        async move { (joined && gone).then_some(()) }
    })
    .await;
    // Bob sees Alice joined one room and not the other.
    server.send_text(&bob, &keep, "bienvenue").await.unwrap();
    let members = server
        .get(&bob, &format!("/rooms/{}/joined_members", enc(&keep)))
        .await
        .unwrap();
    assert!(members["joined"].get(&alice.user_id).is_some());
    let members = server
        .get(&bob, &format!("/rooms/{}/joined_members", enc(&drop)))
        .await
        .unwrap();
    assert!(members["joined"].get(&alice.user_id).is_none());
    // No invitation any more: a clear error, not a panic.
    assert!(matches!(
        invites::accept(&client, &drop).await,
        Err(invites::InviteError::NoInvite(_))
    ));
    assert!(matches!(
        invites::decline(&client, "n'importe quoi").await,
        Err(invites::InviteError::NoInvite(_))
    ));
    session.stop().await;
}
