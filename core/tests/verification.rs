//! Emoji (SAS) verification between Chappe sessions, against the real Synapse: two
//! sessions of one account (asked from either side), two people (in their direct chat
//! with cross-signing, and session to session), Cancel, decline, "They don't match";
//! each side ends with the other session verified, or with neither verified.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use chappe_core::{
    devices,
    verification::{CancelReason, FlowState},
    Session,
};
use common::{
    server,
    verify::{device_id, incoming, is_verified, knows_device, watch},
    Server, User,
};
use matrix_sdk::ruma::api::client::uiaa;

async fn two_sessions(server: &Server, user: &User, dir: &Path) -> (Session, Session) {
    let first = server.login(user, &dir.join("first")).await.unwrap();
    let second = server.login(user, &dir.join("second")).await.unwrap();
    knows_device(&first, &user.user_id, &device_id(&second)).await;
    knows_device(&second, &user.user_id, &device_id(&first)).await;
    (first, second)
}

/// `asker` asks `answerer` (another session of the same account, or someone else's)
/// and both confirm matching emojis: each ends with the other verified.
async fn verify_by_emoji(asker: &Session, answerer: &Session) {
    let mut calls = answerer.verifications().subscribe();
    let flow = asker
        .verifications()
        .request_device(&answerer.user_id(), &device_id(answerer))
        .await
        .unwrap();
    let mut a = watch(flow);
    a.until("waiting", |s| (*s == FlowState::Waiting).then_some(()))
        .await;

    let info = incoming(&mut calls).await;
    assert_eq!(info.other_user_id, asker.user_id());
    assert_eq!(
        info.other_device_id.as_deref(),
        Some(device_id(asker).as_str())
    );
    assert_eq!(
        info.is_self_verification,
        asker.user_id() == answerer.user_id()
    );
    assert!(!info.we_started);
    let flow = answerer
        .verifications()
        .flow(&info.other_user_id, &info.flow_id)
        .await
        .unwrap();
    let mut b = watch(flow.clone());
    b.until("incoming", |s| (*s == FlowState::Incoming).then_some(()))
        .await;
    flow.accept().await.unwrap();

    let (ea, eb) = (a.emojis().await, b.emojis().await);
    assert_eq!(ea.len(), 7);
    assert_eq!(ea, eb, "both screens show the same emojis");

    let (fa, fb) = (
        asker
            .verifications()
            .flow(&answerer.user_id(), &info.flow_id)
            .await
            .unwrap(),
        flow,
    );
    fa.confirm().await.unwrap();
    a.until("confirmed", |s| (*s == FlowState::Confirmed).then_some(()))
        .await;
    fb.confirm().await.unwrap();
    assert_eq!(a.end().await, FlowState::Done);
    assert_eq!(b.end().await, FlowState::Done);

    assert!(is_verified(asker, &answerer.user_id(), &device_id(answerer)).await);
    assert!(is_verified(answerer, &asker.user_id(), &device_id(asker)).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_older_session_verifies_a_new_one_by_emoji() {
    let server = server();
    let user = server.register("verif", "Agent").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = two_sessions(&server, &user, dir.path()).await;
    let listed = devices::list(old.client()).await.unwrap();
    let other = listed
        .iter()
        .find(|d| d.device_id == device_id(&new))
        .unwrap();
    assert_eq!(other.is_verified, Some(false), "not verified before");

    verify_by_emoji(&old, &new).await;

    // The sessions list says so, on both sides.
    let listed = devices::list(old.client()).await.unwrap();
    let other = listed
        .iter()
        .find(|d| d.device_id == device_id(&new))
        .unwrap();
    assert_eq!(other.is_verified, Some(true));
    let listed = devices::list(new.client()).await.unwrap();
    let other = listed
        .iter()
        .find(|d| d.device_id == device_id(&old))
        .unwrap();
    assert_eq!(other.is_verified, Some(true));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_session_asks_an_older_one_to_verify_it() {
    let server = server();
    let user = server.register("verif", "Agent").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = two_sessions(&server, &user, dir.path()).await;
    verify_by_emoji(&new, &old).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn declining_or_cancelling_leaves_both_sessions_unverified() {
    let server = server();
    let user = server.register("verif", "Agent").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_sessions(&server, &user, dir.path()).await;
    let mut calls = b.verifications().subscribe();

    // Declined before anything is compared.
    let flow = a
        .verifications()
        .request_device(&user.user_id, &device_id(&b))
        .await
        .unwrap();
    let mut wa = watch(flow);
    let info = incoming(&mut calls).await;
    let fb = b
        .verifications()
        .flow(&info.other_user_id, &info.flow_id)
        .await
        .unwrap();
    let mut wb = watch(fb.clone());
    fb.cancel().await.unwrap();
    let cancelled = |by_us: bool| FlowState::Cancelled {
        reason: CancelReason::User,
        code: "m.user".into(),
        by_us,
    };
    assert_eq!(wb.end().await, cancelled(true));
    assert_eq!(wa.end().await, cancelled(false));

    // Cancelled by the asker while the emojis are shown.
    let flow = a
        .verifications()
        .request_device(&user.user_id, &device_id(&b))
        .await
        .unwrap();
    let fa = flow.clone();
    let mut wa = watch(flow);
    let info = incoming(&mut calls).await;
    let fb = b
        .verifications()
        .flow(&info.other_user_id, &info.flow_id)
        .await
        .unwrap();
    let mut wb = watch(fb.clone());
    fb.accept().await.unwrap();
    wa.emojis().await;
    wb.emojis().await;
    fa.cancel().await.unwrap();
    assert_eq!(wa.end().await, cancelled(true));
    assert_eq!(wb.end().await, cancelled(false));
    // Confirming a cancelled flow does nothing good.
    assert!(fb.confirm().await.is_err() || !is_verified(&b, &user.user_id, &device_id(&a)).await);

    assert!(!is_verified(&a, &user.user_id, &device_id(&b)).await);
    assert!(!is_verified(&b, &user.user_id, &device_id(&a)).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn emojis_that_do_not_match_cancel_with_mismatched_sas() {
    let server = server();
    let user = server.register("verif", "Agent").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_sessions(&server, &user, dir.path()).await;
    let mut calls = b.verifications().subscribe();
    let flow = a
        .verifications()
        .request_device(&user.user_id, &device_id(&b))
        .await
        .unwrap();
    let fa = flow.clone();
    let mut wa = watch(flow);
    let info = incoming(&mut calls).await;
    let fb = b
        .verifications()
        .flow(&info.other_user_id, &info.flow_id)
        .await
        .unwrap();
    let mut wb = watch(fb.clone());
    fb.accept().await.unwrap();
    wa.emojis().await;
    wb.emojis().await;
    // A confirms, B says they do not match.
    fa.confirm().await.unwrap();
    fb.mismatch().await.unwrap();
    let mismatch = |by_us: bool| FlowState::Cancelled {
        reason: CancelReason::Mismatch,
        code: "m.mismatched_sas".into(),
        by_us,
    };
    assert_eq!(wb.end().await, mismatch(true));
    assert_eq!(wa.end().await, mismatch(false));
    assert!(!is_verified(&a, &user.user_id, &device_id(&b)).await);
    assert!(!is_verified(&b, &user.user_id, &device_id(&a)).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_people_verify_each_others_sessions() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = server.login(&alice, &dir.path().join("a")).await.unwrap();
    let b = server.login(&bob, &dir.path().join("b")).await.unwrap();
    knows_device(&a, &bob.user_id, &device_id(&b)).await;
    knows_device(&b, &alice.user_id, &device_id(&a)).await;
    // Bob asks, to show the answering side works for another person too.
    verify_by_emoji(&b, &a).await;
}

/// Sets up cross-signing as the keys module will (the password answers the server).
async fn cross_sign(session: &Session, user: &User) {
    let enc = session.client().encryption();
    if let Err(e) = enc.bootstrap_cross_signing(None).await {
        let info = e.as_uiaa_response().expect("a password challenge");
        let mut pw = uiaa::Password::new(
            uiaa::UserIdentifier::Matrix(uiaa::MatrixUserIdentifier::new(user.user_id.clone())),
            user.password.clone(),
        );
        pw.session = info.session.clone();
        enc.bootstrap_cross_signing(Some(uiaa::AuthData::Password(pw)))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_people_verify_each_other_in_their_direct_chat() {
    if let Ok(filter) = std::env::var("CHAPPE_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    }
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = server.login(&alice, &dir.path().join("a")).await.unwrap();
    let b = server.login(&bob, &dir.path().join("b")).await.unwrap();
    cross_sign(&a, &alice).await;
    cross_sign(&b, &bob).await;
    // Their direct chat, joined by both (the request is a message in it).
    let room_id = chappe_core::directory::direct_chat(a.client(), &bob.user_id)
        .await
        .unwrap();
    common::wait_for("bob's invitation", common::SYNC_TIMEOUT, || {
        let ok = b
            .client()
            .get_room(&matrix_sdk::ruma::RoomId::parse(&room_id).unwrap())
            .is_some();
        async move { ok.then_some(()) }
    })
    .await;
    b.client()
        .join_room_by_id(&matrix_sdk::ruma::RoomId::parse(&room_id).unwrap())
        .await
        .unwrap();
    common::wait_joined(&a, &room_id).await;
    knows_device(&a, &bob.user_id, &device_id(&b)).await;
    knows_device(&b, &alice.user_id, &device_id(&a)).await;

    let mut calls = b.verifications().subscribe();
    let flow = a.verifications().request_user(&bob.user_id).await.unwrap();
    assert_eq!(flow.info().room_id.as_deref(), Some(room_id.as_str()));
    let fa = flow.clone();
    let mut wa = watch(flow);
    let info = incoming(&mut calls).await;
    assert_eq!(info.other_user_id, alice.user_id);
    assert_eq!(info.room_id.as_deref(), Some(room_id.as_str()));
    let fb = b
        .verifications()
        .flow(&info.other_user_id, &info.flow_id)
        .await
        .unwrap();
    let mut wb = watch(fb.clone());
    fb.accept().await.unwrap();
    let eb = wb.emojis().await;
    assert_eq!(wa.emojis().await, eb);
    fa.confirm().await.unwrap();
    fb.confirm().await.unwrap();
    assert_eq!(wa.end().await, FlowState::Done);
    assert_eq!(wb.end().await, FlowState::Done);

    // Each signed the other's identity (uploaded, then read back from the server).
    for (session, other) in [(&a, &bob.user_id), (&b, &alice.user_id)] {
        let other = matrix_sdk::ruma::UserId::parse(other).unwrap();
        let client = session.client().clone();
        common::wait_for(
            "the other person's identity verified",
            common::SYNC_TIMEOUT,
            || {
                let (client, other) = (client.clone(), other.clone());
                async move {
                    let identity = client.encryption().get_user_identity(&other).await.ok()??;
                    identity.is_verified().then_some(())
                }
            },
        )
        .await;
    }
    assert!(is_verified(&a, &bob.user_id, &device_id(&b)).await);
    assert!(is_verified(&b, &alice.user_id, &device_id(&a)).await);
}

/// The room warning: a member's new session shows up unverified, and goes once verified.
#[tokio::test(flavor = "multi_thread")]
async fn a_members_new_session_is_flagged_in_the_room_until_verified() {
    use chappe_core::unverified_devices::{self, UnverifiedDevice};

    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = server.login(&alice, &dir.path().join("a")).await.unwrap();
    let b = server.login(&bob, &dir.path().join("b")).await.unwrap();
    // An encrypted room: the SDK tracks the sessions of members of encrypted rooms.
    let room = server
        .post(
            &alice,
            "/createRoom",
            serde_json::json!({"preset": "private_chat",
            "invite": [bob.user_id],
            "initial_state": [{"type": "m.room.encryption", "state_key": "",
                "content": {"algorithm": "m.megolm.v1.aes-sha2"}}]}),
        )
        .await
        .unwrap()["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.join(&bob, &room).await.unwrap();
    common::wait_joined(&a, &room).await;
    knows_device(&a, &bob.user_id, &device_id(&b)).await;

    let (tx, mut lists) = tokio::sync::mpsc::unbounded_channel::<Vec<UnverifiedDevice>>();
    let client = a.client().clone();
    let watched = room.clone();
    tokio::spawn(async move {
        unverified_devices::watch(&client, &watched, move |l| tx.send(l).is_ok())
            .await
            .unwrap();
    });
    let mut next = async || {
        tokio::time::timeout(common::SYNC_TIMEOUT, lists.recv())
            .await
            .expect("a new list in time")
            .expect("the watch goes on")
    };
    // Bob's first session was known before: no warning for it.
    assert_eq!(next().await, vec![]);

    // Bob signs in on a new laptop.
    let b2 = server.login(&bob, &dir.path().join("b2")).await.unwrap();
    let flagged = next().await;
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(flagged[0].user_id, bob.user_id);
    assert_eq!(flagged[0].device_id, device_id(&b2));

    // Alice verifies it: the warning goes.
    knows_device(&b2, &alice.user_id, &device_id(&a)).await;
    verify_by_emoji(&a, &b2).await;
    assert_eq!(next().await, vec![]);
}
