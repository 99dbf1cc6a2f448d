//! The log file never holds an access token, a password, a store key or message text:
//! a real sign-in and a real message sent to Synapse go through the app's own logging
//! setup (`chappe_core::logging::install`, as `init` does at start), then every log
//! file is read back. One test in this file: logging is set up once per process.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chappe_core::logging;
use common::{server, wait_for, SYNC_TIMEOUT};
use tracing_subscriber::EnvFilter;

#[tokio::test(flavor = "multi_thread")]
async fn the_log_file_holds_no_token_password_or_message_text() {
    let logs = tempfile::tempdir().unwrap();
    // The console as verbose as a developer may ask (and sent nowhere): the SDK then
    // logs requests and event contents, which must still never reach the file.
    logging::install(Some(logs.path()), EnvFilter::new("debug"), std::io::sink).unwrap();

    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let room_id = server.create_room(&alice, "Journal", &[]).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, data.path()).await.unwrap();
    let stored = session.stored().unwrap();
    let token = stored.access_token.to_string();
    let store_key = stored.store_passphrase.to_string();
    common::wait_joined(&session, &room_id).await;
    let timeline = session.open_room(&room_id).await.unwrap();
    let body = format!("Compte rendu confidentiel {}", common::random_name("texte"));
    timeline.send_text(&body).await.unwrap();
    wait_for("the message on the server", SYNC_TIMEOUT, || {
        let (server, alice, room_id, body) = (&server, &alice, &room_id, &body);
        async move {
            let msgs = server.messages(alice, room_id).await.ok()?;
            msgs.iter().any(|(_, b)| b == body).then_some(())
        }
    })
    .await;
    // What a library error can look like: a URL with the token, a Debug dump with the
    // password. Logged where the file listens (warnings of every crate).
    tracing::warn!(
        target: "matrix_sdk::http_client",
        "request failed: {}/_matrix/media/v3/download/x?access_token={token}&allow_redirect=true",
        server.url
    );
    tracing::warn!(
        target: "matrix_sdk::http_client",
        "login body: {{\"type\":\"m.login.password\",\"password\":\"{}\"}}, Authorization: Bearer {token}",
        alice.password
    );
    drop(timeline);
    session.stop().await;
    // The appender writes synchronously; give the last lines a moment all the same.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let files = logging::files_in(logs.path());
    assert_eq!(files.len(), 1, "one file per day: {files:?}");
    let text: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    // The file is really written to: the sign-in and the two warnings are in it.
    assert!(text.contains("signed in"), "no sign-in line in:\n{text}");
    assert!(
        text.contains("request failed"),
        "the warning is missing:\n{text}"
    );
    assert!(text.contains("access_token=***"), "not scrubbed:\n{text}");
    for (what, secret) in [
        ("the access token", token.as_str()),
        ("the registration token", alice.token.as_str()),
        ("the password", alice.password.as_str()),
        ("the store key", store_key.as_str()),
        ("the message text", body.as_str()),
        ("the message text (start)", "Compte rendu confidentiel"),
    ] {
        assert!(!text.contains(secret), "{what} is in the log file:\n{text}");
    }
}
