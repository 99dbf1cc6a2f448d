//! Keeps the SDK's send queue going through outages, so nothing typed is lost.
//!
//! matrix-sdk persists every outgoing message and sends it in order. When a send fails
//! with a network or server error (recoverable), the SDK parks the message and
//! disables that room's queue; someone must enable it again. This task does: as soon
//! as the sync reports the server reachable again (`Running`), and otherwise after a
//! back-off that doubles up to `MAX_BACKOFF`. Unrecoverable failures stay parked for
//! the user to retry or delete (the timeline shows them as failed).

use std::{collections::HashSet, time::Duration};

use eyeball::Subscriber;
use matrix_sdk::{ruma::OwnedRoomId, Client};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle, time::Instant};
use tracing::{info, warn};

use crate::sync::SyncStatus;

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub(crate) fn keep_sending(client: Client, mut status: Subscriber<SyncStatus>) -> JoinHandle<()> {
    // Subscribe now, not in the task: an error raised before the task first runs
    // would otherwise be missed and its room left disabled.
    let mut errors = client.send_queue().subscribe_errors();
    tokio::spawn(async move {
        let mut paused: HashSet<OwnedRoomId> = HashSet::new();
        let mut backoff = FIRST_BACKOFF;
        let mut retry_at: Option<Instant> = None;
        loop {
            tokio::select! {
                err = errors.recv() => match err {
                    Ok(err) if err.is_recoverable => {
                        info!(room = %err.room_id, error = %err.error, "send failed; will retry");
                        paused.insert(err.room_id);
                        retry_at = Some(Instant::now() + backoff);
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                    Ok(_) => {}
                    // Missed errors: retry every room's queue rather than risk one stuck.
                    Err(RecvError::Lagged(_)) => {
                        client.send_queue().set_enabled(true).await;
                    }
                    Err(RecvError::Closed) => return,
                },
                s = status.next() => match s {
                    Some(SyncStatus::Running) if !paused.is_empty() => {
                        resume(&client, &mut paused);
                        backoff = FIRST_BACKOFF;
                        retry_at = None;
                    }
                    Some(SyncStatus::Stopped | SyncStatus::SessionExpired) | None => return,
                    Some(_) => {}
                },
                _ = sleep_until(retry_at), if retry_at.is_some() => {
                    retry_at = None;
                    resume(&client, &mut paused);
                }
            }
        }
    })
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn resume(client: &Client, paused: &mut HashSet<OwnedRoomId>) {
    for room_id in paused.drain() {
        match client.get_room(&room_id) {
            Some(room) => room.send_queue().set_enabled(true),
            None => warn!(%room_id, "a room with unsent messages is gone"),
        }
    }
}
