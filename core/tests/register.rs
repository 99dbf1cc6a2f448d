//! Creating an account with a verified work email, against the real Synapse and the
//! local SMTP sink: the mail arrives, the account cannot be created before its link is
//! clicked, resending sends a new mail, and once the link is followed the account
//! exists, is logged in, and logs in again with its email.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    register::{self, RegisterError, RegisterRequest},
    LoginRequest,
};
use common::{
    identity::{identity_server, random_email},
    server,
};

#[tokio::test(flavor = "multi_thread")]
async fn an_account_is_created_once_the_mailed_link_is_followed() {
    // The same environment gives the mail sink.
    let Some(is) = identity_server() else { return };
    let server = server();
    let email = random_email("Agent.Nouveau");
    let password = "Un mot de passe 2 fois plus long!".to_owned();
    let req = RegisterRequest {
        homeserver: server.url.clone(),
        email: email.clone(),
        password: password.clone(),
    };

    let pending = register::request(&req, &[]).await.unwrap();
    assert_eq!(pending.email, email.to_lowercase());
    assert_eq!(pending.send_attempt, 1);
    assert!(!pending.sid.is_empty());
    let first = is
        .mailbox
        .wait_for(&email.to_lowercase(), |m| m.text.contains(&pending.sid))
        .await;

    // Not clicked yet: no account, and a clear error.
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        register::finish(dir.path(), &pending, &password).await,
        Err(RegisterError::NotValidated)
    ));
    assert_eq!(
        std::fs::read_dir(dir.path().join("sessions"))
            .map(|d| d.count())
            .unwrap_or(0),
        0
    );

    // "Resend": a new mail; its link is the one followed.
    let pending = register::resend(pending).await.unwrap();
    assert_eq!(pending.send_attempt, 2);
    let second = is
        .mailbox
        .wait_for(&email.to_lowercase(), |m| {
            m.text.contains(&pending.sid) && m.file != first.file
        })
        .await;
    is.follow(&second, "submit_token").await.unwrap();

    let mut session = register::finish(dir.path(), &pending, &password)
        .await
        .unwrap();
    let expected = format!("@{}:localhost", register::localpart_for(&email));
    assert_eq!(session.user_id(), expected);
    session.stop().await;

    // The new account signs in with its email, like any Tchap account.
    let dir2 = tempfile::tempdir().unwrap();
    let again = chappe_core::login(
        dir2.path(),
        LoginRequest {
            homeserver: server.url.clone(),
            user: email.clone(),
            password: password.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(again.user_id(), expected);

    // The address now has an account: registering it again is refused in plain words.
    assert!(matches!(
        register::request(&req, &[]).await,
        Err(RegisterError::EmailInUse)
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_before_any_mail() {
    let server = server();
    let req = |email: &str, password: &str| RegisterRequest {
        homeserver: server.url.clone(),
        email: email.into(),
        password: password.into(),
    };
    assert!(matches!(
        register::request(&req("", "x"), &[]).await,
        Err(RegisterError::MissingFields)
    ));
    assert!(matches!(
        register::request(&req("a@b.fr", ""), &[]).await,
        Err(RegisterError::MissingFields)
    ));
    assert!(matches!(
        register::request(&req("pas-un-email", "x"), &[]).await,
        Err(RegisterError::InvalidEmail)
    ));
}
