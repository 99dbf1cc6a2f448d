//! Checks shared by the fault tests: waiting for a sync state, and "each message
//! delivered exactly once, in the order typed", as another client reads the room.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chappe_core::{Session, StoredSession, SyncStatus};

use super::{relay::Relay, Server, User};

/// Logs `user` in directly, waits for `room_id` to be listed (so it is in the local
/// cache), stops, and returns what the keychain would hold, pointed at `relay`.
pub async fn saved_session(
    server: &Server,
    user: &User,
    room_id: &str,
    dir: &std::path::Path,
    relay: &Relay,
) -> StoredSession {
    let mut session = server.login(user, dir).await.unwrap();
    super::wait_joined(&session, room_id).await;
    let mut stored = session.stored().unwrap();
    session.stop().await;
    drop(session);
    stored.homeserver = relay.url.clone();
    stored
}

pub async fn wait_status(session: &Session, want: SyncStatus) {
    let mut status = session.sync_status();
    let start = std::time::Instant::now();
    loop {
        if status.get() == want {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "sync never became {want:?}: {:?}",
            status.get()
        );
        let _ = tokio::time::timeout(Duration::from_millis(500), status.next()).await;
    }
}

/// `sender`'s messages in the room as `reader`'s client reads them (the latest 50),
/// oldest first.
pub async fn bodies_from(
    server: &Server,
    reader: &User,
    sender: &User,
    room_id: &str,
) -> Vec<String> {
    let mut all = server.messages(reader, room_id).await.unwrap();
    all.reverse(); // the server answers newest first
    all.into_iter()
        .filter(|(s, _)| s == &sender.user_id)
        .map(|(_, body)| body)
        .collect()
}

/// Waits until `reader` has all of `want` from `sender`, then checks nothing more
/// came: each message once, in the order typed.
pub async fn assert_delivered_once_in_order(
    server: &Server,
    reader: &User,
    sender: &User,
    room_id: &str,
    want: &[String],
) {
    let start = std::time::Instant::now();
    loop {
        let got = bodies_from(server, reader, sender, room_id).await;
        if got.len() >= want.len() {
            // Give a duplicate a moment to show up, then compare exactly.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let got = bodies_from(server, reader, sender, room_id).await;
            assert_eq!(got, want, "each message once, in the order typed");
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "only {} of {} delivered: {got:?}",
            got.len(),
            want.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
