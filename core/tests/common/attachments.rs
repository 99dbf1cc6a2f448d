//! Two Chappe sessions in one room, and waiting for an attachment in a timeline: what
//! the media and antivirus tests share.

use std::time::Duration;

use chappe_core::{media::MediaView, ListDiff, Session, TimelineItemView};
use futures_util::{Stream, StreamExt};
use matrix_sdk::{attachment::AttachmentConfig, ruma::OwnedRoomId};
use serde_json::json;

use super::{server, SYNC_TIMEOUT};

/// Alice and Bob, both with Chappe sessions (and their data folders, kept alive), in a
/// room named `name` that Bob created, encrypted or not. Returns `(alice, bob, room_id,
/// alice_dir, bob_dir)`.
pub async fn two_sessions(
    name: &str,
    encrypted: bool,
) -> (
    Session,
    Session,
    String,
    tempfile::TempDir,
    tempfile::TempDir,
) {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let mut body = json!({
        "name": name,
        "preset": "private_chat",
        "invite": [alice.user_id],
    });
    if encrypted {
        body["initial_state"] = json!([{
            "type": "m.room.encryption", "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"}
        }]);
    }
    let room_id = server.post(&bob, "/createRoom", body).await.unwrap()["room_id"]
        .as_str()
        .unwrap()
        .to_owned();
    server.join(&alice, &room_id).await.unwrap();
    let (alice_dir, bob_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice_session = server.login(&alice, alice_dir.path()).await.unwrap();
    let bob_session = server.login(&bob, bob_dir.path()).await.unwrap();
    super::wait_joined(&alice_session, &room_id).await;
    super::wait_joined(&bob_session, &room_id).await;
    (alice_session, bob_session, room_id, alice_dir, bob_dir)
}

/// `sender` sends `body` as the text file `filename` (the SDK encrypts it in an
/// encrypted room).
pub async fn send_text_file(sender: &Session, room_id: &str, filename: &str, body: &[u8]) {
    let room = sender
        .client()
        .get_room(&OwnedRoomId::try_from(room_id).unwrap())
        .expect("the sender is in the room");
    room.send_attachment(
        filename,
        &mime::TEXT_PLAIN_UTF_8,
        body.to_vec(),
        AttachmentConfig::new(),
    )
    .await
    .expect("the file is sent");
}

/// Applies diffs until a sent message carrying the file `filename` appears, and returns
/// its attachment.
pub async fn media_message(
    items: &mut Vec<TimelineItemView>,
    stream: &mut (impl Stream<Item = Vec<ListDiff<TimelineItemView>>> + Unpin),
    filename: &str,
) -> MediaView {
    let start = std::time::Instant::now();
    loop {
        let found = items.iter().find_map(|i| match i {
            TimelineItemView::Message {
                media: Some(m),
                send_state: chappe_core::timeline::SendState::Sent,
                ..
            } if m.filename == filename => Some(m.clone()),
            _ => None,
        });
        if let Some(m) = found {
            return m;
        }
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "timed out waiting for {filename}: {items:#?}"
        );
        if let Ok(Some(diffs)) =
            tokio::time::timeout(Duration::from_millis(500), stream.next()).await
        {
            diffs.into_iter().for_each(|d| d.apply(items));
        }
    }
}
