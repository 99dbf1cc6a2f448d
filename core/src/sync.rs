//! Keeps the sliding sync running for the lifetime of a session.
//!
//! States (`SyncStatus`): `Starting` → `Running` ⇄ `Offline` (the SDK's offline mode
//! polls `/versions` and resumes by itself), `Error` (we restart after a back-off),
//! `SessionExpired` (the server rejected our token: we stop; only a new login helps),
//! `AccountExpired` (the account must be renewed by mail; we wait to be resumed),
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
    /// The account's validity period is over (Synapse's account validity, which Tchap
    /// uses): nothing works until it is renewed through the link of a renewal mail.
    AccountExpired,
    Stopped,
}

/// Synapse's error code for an expired account (`ORG_MATRIX_EXPIRED_ACCOUNT`, 403). ruma
/// has no variant for it, so it is recognised in the error's text, which carries the code.
pub(crate) const EXPIRED_ACCOUNT: &str = "ORG_MATRIX_EXPIRED_ACCOUNT";

pub(crate) fn is_account_expired(error_text: &str) -> bool {
    error_text.contains(EXPIRED_ACCOUNT)
}

/// Whether the server refuses this account as expired (a cheap authenticated request).
async fn account_expired(client: &Client) -> bool {
    let req = matrix_sdk::ruma::api::client::account::whoami::v3::Request::new();
    let config = matrix_sdk::config::RequestConfig::new()
        .disable_retry()
        .timeout(Duration::from_secs(5));
    match client.send(req).with_request_config(config).await {
        Err(err) => is_account_expired(&err.to_string()),
        Ok(_) => false,
    }
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
                            // The SDK's offline mode takes any failed sync for a network
                            // problem and retries forever; an expired account fails the
                            // same way. Ask the server once which it is.
                            if account_expired(&client).await {
                                warn!("the account has expired");
                                status.set(SyncStatus::AccountExpired);
                                sync_service.stop().await;
                            } else {
                                status.set(SyncStatus::Offline);
                            }
                        }
                        State::Terminated => {
                            if status.get() != SyncStatus::Stopped {
                                status.set(SyncStatus::Stopped);
                            }
                        }
                        State::Error(err) if is_account_expired(&err.to_string()) => {
                            // Restarting would fail the same way: wait for a renewal
                            // (`Session::resume_sync`).
                            warn!("the account has expired");
                            status.set(SyncStatus::AccountExpired);
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
