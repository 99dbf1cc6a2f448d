//! Keeps the sliding sync running for the lifetime of a session.
//!
//! States (`SyncStatus`): `Starting` → `Running` ⇄ `Offline` (the SDK's offline mode
//! polls `/versions` and resumes by itself), `Error` (we restart after a back-off),
//! `SessionExpired` (the server rejected our token: we stop; only a new login helps),
//! `Stopped` (the user logged out or the app is quitting).
//! The shell observes `SyncStatus` to show a banner; tests observe it to wait for sync.

use std::{sync::Arc, time::Duration};

use eyeball::SharedObservable;
use matrix_sdk::{Client, SessionChange};
use matrix_sdk_ui::sync_service::{State, SyncService};
use serde::Serialize;
use tokio::task::JoinHandle;
use tracing::{info, warn};

/// What the user should know about the connection to their homeserver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SyncStatus {
    Starting,
    Running,
    /// The server cannot be reached; messages wait in the send queue.
    Offline,
    /// A sync error other than connectivity; a restart is scheduled.
    Error {
        message: String,
    },
    /// The access token was rejected (logged out elsewhere, or deactivated).
    SessionExpired,
    Stopped,
}

// Restarting immediately after an error would hammer a struggling server.
const RESTART_BACKOFF: Duration = Duration::from_secs(2);

/// Spawns the one task that watches the SDK's sync state and restarts it on error.
/// Returns the task handle; the owner aborts it on drop.
pub(crate) fn supervise(
    client: Client,
    sync_service: Arc<SyncService>,
    status: SharedObservable<SyncStatus>,
) -> JoinHandle<()> {
    // Subscribe before spawning: `start()` may reach `Running` before the task first
    // runs, and a subscriber only sees changes made after it was created.
    let mut states = sync_service.state();
    let mut session_changes = client.subscribe_to_session_changes();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                change = session_changes.recv() => {
                    if let Ok(SessionChange::UnknownToken(_)) = change {
                        warn!("the homeserver rejected our access token");
                        status.set(SyncStatus::SessionExpired);
                        sync_service.stop().await;
                        return;
                    }
                }
                state = states.next() => {
                    let Some(state) = state else { return };
                    if status.get() == SyncStatus::SessionExpired {
                        continue;
                    }
                    match state {
                        State::Idle => {}
                        State::Running => {
                            status.set(SyncStatus::Running);
                        }
                        State::Offline => {
                            status.set(SyncStatus::Offline);
                        }
                        State::Terminated => {
                            if status.get() != SyncStatus::Stopped {
                                status.set(SyncStatus::Stopped);
                            }
                        }
                        State::Error(err) => {
                            info!(%err, "sync failed, restarting");
                            status.set(SyncStatus::Error { message: err.to_string() });
                            tokio::time::sleep(RESTART_BACKOFF).await;
                            if status.get() != SyncStatus::SessionExpired {
                                sync_service.start().await;
                            }
                        }
                    }
                }
            }
        }
    })
}
