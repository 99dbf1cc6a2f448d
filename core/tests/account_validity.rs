//! An expired account, against the real Synapse (account validity on, as Tchap runs
//! it) and the SMTP sink: the session says "account expired" instead of retrying
//! forever, the renewal mail is sent on request, and once its link is followed the
//! session syncs again.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{account_validity, SyncStatus};
use common::{
    identity::{identity_server, random_email},
    server, wait_for, SYNC_TIMEOUT,
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_account_is_said_and_renewed_through_the_mailed_link() {
    // Account validity and its mails come with the identity environment.
    let Some(is) = identity_server() else { return };
    let server = server();
    let admin = server.register_admin("admin").await.unwrap();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let email = random_email("alice");
    server.bind_email(&admin, &alice, &email).await.unwrap();
    let room_id = server.create_room(&bob, "Équipe", &[&alice]).await.unwrap();
    server.join(&alice, &room_id).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let status = session.sync_status();
    wait_for("sync running", SYNC_TIMEOUT, || {
        let s = status.get();
        async move { (s == SyncStatus::Running).then_some(()) }
    })
    .await;

    // The administrator's tool says the account expired a second ago.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    reqwest::Client::new()
        .post(format!("{}/_synapse/admin/v1/account_validity/validity", server.url))
        .bearer_auth(&admin.token)
        .json(&json!({"user_id": alice.user_id, "expiration_ts": now_ms - 1000, "enable_renewal_emails": true}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    // A message ends the current long poll; the next request meets the expiry.
    server
        .send_text(&bob, &room_id, "tu es là ?")
        .await
        .unwrap();
    wait_for("the account expired state", SYNC_TIMEOUT, || {
        let s = status.get();
        async move { (s == SyncStatus::AccountExpired).then_some(()) }
    })
    .await;
    // It stays there: no restart loop hammering the server.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(status.get(), SyncStatus::AccountExpired);

    account_validity::send_renewal_mail(session.client())
        .await
        .unwrap();
    let mail = is
        .mailbox
        .wait_for(&email, |m| m.text.contains("account_validity"))
        .await;
    is.follow(&mail, "account_validity").await.unwrap();

    session.resume_sync().await;
    wait_for("sync running again", SYNC_TIMEOUT, || {
        let s = status.get();
        async move { (s == SyncStatus::Running).then_some(()) }
    })
    .await;
}
