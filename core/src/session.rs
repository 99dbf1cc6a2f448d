//! A logged-in account and everything that runs for it.
//!
//! `Session` owns the matrix-sdk `Client`, the `SyncService` and the long-lived tasks
//! (room list mirror, sync supervisor). Those tasks are aborted when the session is
//! stopped or dropped. `StoredSession` is what must survive a restart; the shell keeps
//! it in the OS keychain, because it holds the access token and the store passphrase.

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use eyeball::{SharedObservable, Subscriber};
use matrix_sdk::{
    authentication::matrix::MatrixSession,
    media::MediaRetentionPolicy,
    ruma::{OwnedDeviceId, OwnedUserId},
    store::RoomLoadSettings,
    Client, SessionMeta, SessionTokens,
};
use matrix_sdk_ui::sync_service::SyncService;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tracing::{info, warn};
use zeroize::Zeroizing;

use crate::{
    media::MediaSources,
    notifications::{self, Notifier},
    proxy::ProxyUrl,
    room_list::{self, RoomListModel},
    room_subscriptions::RoomSubscriptions,
    send_queue,
    sync::{self, SyncStatus},
    timeline::{RoomTimeline, TimelineError},
    verification::Verifications,
};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error("the saved session is unreadable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Build(#[from] matrix_sdk::ClientBuildError),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
    #[error(transparent)]
    Sync(#[from] matrix_sdk_ui::sync_service::Error),
    #[error(transparent)]
    RoomList(#[from] matrix_sdk_ui::room_list_service::Error),
    #[error(transparent)]
    EventCache(#[from] matrix_sdk::event_cache::EventCacheError),
}

/// What is needed to resume a session after a restart. Secret: never logged, never
/// sent to the webview.
#[derive(Clone, Serialize, Deserialize)]
pub struct StoredSession {
    pub homeserver: String,
    pub user_id: String,
    pub device_id: String,
    pub access_token: Zeroizing<String>,
    /// Encrypts the local sqlite stores (state, crypto, event cache).
    pub store_passphrase: Zeroizing<String>,
    pub store_dir: PathBuf,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("homeserver", &self.homeserver)
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .field("store_dir", &self.store_dir)
            .finish_non_exhaustive()
    }
}

/// A running, logged-in account.
pub struct Session {
    client: Client,
    sync_service: Arc<SyncService>,
    rooms: RoomListModel,
    notifier: Notifier,
    status: SharedObservable<SyncStatus>,
    store_passphrase: Zeroizing<String>,
    store_dir: PathBuf,
    tasks: Vec<JoinHandle<()>>,
    media: MediaSources,
    verifications: Verifications,
    subscriptions: Arc<RoomSubscriptions>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user_id", &self.client.user_id())
            .finish_non_exhaustive()
    }
}

/// How many recent events each room in the list receives per sync. Unread counts are
/// computed client-side from the events received (Synapse's sliding sync sends no
/// counts), so a burst of messages arriving within one sync is under-counted. A larger
/// limit was tried (20): matrix-sdk-ui 0.18 then duplicated events in open timelines
/// (measured in `tests/messaging.rs`), which is worse. Keep the SDK's default.
const ROOM_LIST_TIMELINE_LIMIT: u32 = 1;

// Stopping the sync may wait on an in-flight long poll; never let quitting hang on it.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
// Signing out waits this long, at most, for the last room keys to reach the backup.
const LOGOUT_BACKUP_WAIT: Duration = Duration::from_secs(10);

pub(crate) fn new_store_passphrase() -> Zeroizing<String> {
    use rand::RngCore;
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::thread_rng().fill_bytes(bytes.as_mut());
    Zeroizing::new(hex::encode(bytes.as_ref()))
}

/// The 32-byte store key encoded in `secret`, if it is one (every secret Chappe makes
/// is). Anything else is treated as a passphrase.
fn store_key(secret: &str) -> Option<Zeroizing<[u8; 32]>> {
    let mut key = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(secret, key.as_mut()).ok()?;
    Some(key)
}

/// Where the client finds its homeserver.
pub(crate) enum Homeserver<'a> {
    /// What the user typed: a server name or URL, resolved through `.well-known`.
    Discover(&'a str),
    /// The exact URL found at login. A restored session uses it as is, so the app
    /// opens (offline, from its cache) even when the server cannot be reached.
    Known(&'a str),
}

pub(crate) async fn build_client(
    server: Homeserver<'_>,
    store_dir: &Path,
    passphrase: &str,
    proxy: Option<&ProxyUrl>,
) -> Result<Client, matrix_sdk::ClientBuildError> {
    let mut builder = match server {
        Homeserver::Discover(s) => Client::builder().server_name_or_homeserver_url(s),
        Homeserver::Known(url) => Client::builder().homeserver_url(url),
    };
    // Every request of this client, `.well-known` discovery included, goes through it.
    if let Some(proxy) = proxy {
        info!(%proxy, "connecting through a proxy");
        builder = builder.proxy(proxy.as_str());
    }
    // The SDK's default store profile. Its low-memory profile (fewer connections,
    // smaller page caches, a 2 MB journal limit) was measured with 1,000 rooms and did
    // not lower the process's memory (docs/BENCHMARKS.md, 2026-12-03).
    let config = matrix_sdk::SqliteStoreConfig::new(store_dir);
    // The secret is 32 random bytes (hex), so it is used as the store key directly:
    // a passphrase would go through PBKDF2 (200,000 rounds per store, three stores),
    // which adds seconds to every start for no gain over a random key.
    let config = match store_key(passphrase) {
        Some(key) => config.key(Some(&key)),
        None => config.passphrase(Some(passphrase)),
    };
    let client = builder
        .sqlite_store_with_config_and_cache_path(config, None::<&Path>)
        .user_agent(concat!("Chappe/", env!("CARGO_PKG_VERSION")))
        // Keys missing for old messages come from the backup (see `encryption`).
        .with_encryption_settings(crate::encryption::settings())
        .build()
        .await?;
    // Downloaded media live in the encrypted store, in `store_dir` (removed at logout),
    // capped so that a busy account does not fill the disk: the oldest go first.
    let policy = MediaRetentionPolicy::new()
        .with_max_cache_size(Some(MEDIA_CACHE_BYTES))
        .with_max_file_size(Some(MEDIA_CACHE_FILE_BYTES));
    if let Err(err) = client.media().set_media_retention_policy(policy).await {
        warn!(%err, "media cache limit not set; the SDK's default applies");
    }
    Ok(client)
}

/// The media cache's size on disk, at most.
pub const MEDIA_CACHE_BYTES: u64 = 500 * 1024 * 1024;
/// Larger files are not cached (downloaded again when needed).
pub const MEDIA_CACHE_FILE_BYTES: u64 = 50 * 1024 * 1024;

impl Session {
    /// Resumes a saved session without contacting the server first (the room list
    /// shows from the local cache at once, as offline mode allows).
    pub async fn restore(stored: StoredSession) -> Result<Self, SessionError> {
        Self::restore_via(stored, None).await
    }

    /// [`Session::restore`] through the proxy the user set (`None`: direct).
    pub async fn restore_via(
        stored: StoredSession,
        proxy: Option<&ProxyUrl>,
    ) -> Result<Self, SessionError> {
        let user_id = OwnedUserId::try_from(stored.user_id.as_str())
            .map_err(|e| SessionError::Corrupt(e.to_string()))?;
        let client = build_client(
            Homeserver::Known(&stored.homeserver),
            &stored.store_dir,
            &stored.store_passphrase,
            proxy,
        )
        .await?;
        let session = MatrixSession {
            meta: SessionMeta {
                user_id,
                device_id: OwnedDeviceId::from(stored.device_id.as_str()),
            },
            tokens: SessionTokens {
                access_token: stored.access_token.to_string(),
                refresh_token: None,
            },
        };
        client
            .matrix_auth()
            .restore_session(session, RoomLoadSettings::default())
            .await?;
        Self::start(client, stored.store_passphrase, stored.store_dir).await
    }

    /// Starts syncing for a client that is logged in.
    pub(crate) async fn start(
        client: Client,
        store_passphrase: Zeroizing<String>,
        store_dir: PathBuf,
    ) -> Result<Self, SessionError> {
        // The event cache feeds the timelines and the room previews (latest events).
        client.event_cache().subscribe()?;
        let sync_service = Arc::new(
            SyncService::builder(client.clone())
                .with_offline_mode()
                .with_room_list_timeline_limit(ROOM_LIST_TIMELINE_LIMIT)
                .build()
                .await?,
        );
        let status = SharedObservable::new(SyncStatus::Starting);
        let (rooms, list_task) =
            room_list::start(client.clone(), sync_service.room_list_service()).await?;
        let supervisor = sync::supervise(client.clone(), sync_service.clone(), status.clone());
        // Uploads report their progress to the local echo (a bar on the file being sent).
        client.send_queue().enable_upload_progress(true);
        let sender = send_queue::keep_sending(client.clone(), status.subscribe());
        // Messages and files queued by a previous run (quit, crash, killed while
        // sending) leave now, not only once their room is opened again.
        client
            .send_queue()
            .respawn_tasks_for_rooms_with_unsent_requests()
            .await;
        // Before the sync starts: its first events must go through the notifier's filter.
        let (notifier, notify_task) = notifications::start(client.clone()).await;
        // Before the sync too: a verification request may be among its first events.
        // Open rooms and verification rooms get all their events each sync.
        let subscriptions = RoomSubscriptions::new(sync_service.room_list_service());
        let verifications = Verifications::start(&client, Some(subscriptions.clone()));
        sync_service.start().await;
        Ok(Self {
            client,
            sync_service,
            rooms,
            notifier,
            status,
            store_passphrase,
            store_dir,
            tasks: vec![list_task, supervisor, sender, notify_task],
            media: MediaSources::default(),
            verifications,
            subscriptions,
        })
    }

    /// What to save to resume this session later.
    pub fn stored(&self) -> Option<StoredSession> {
        let session = self.client.matrix_auth().session()?;
        Some(StoredSession {
            homeserver: self.client.homeserver().to_string(),
            user_id: session.meta.user_id.to_string(),
            device_id: session.meta.device_id.to_string(),
            access_token: Zeroizing::new(session.tokens.access_token),
            store_passphrase: self.store_passphrase.clone(),
            store_dir: self.store_dir.clone(),
        })
    }

    pub fn user_id(&self) -> String {
        self.client
            .user_id()
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// The user's display name; `None` when unknown (no name set, or the server is
    /// unreachable: a restored session must open offline, so this never waits long).
    pub async fn display_name(&self) -> Option<String> {
        let account = self.client.account();
        tokio::time::timeout(Duration::from_secs(3), account.get_display_name())
            .await
            .ok()?
            .ok()?
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The attachments the open timelines have shown, for the `media:` scheme.
    pub fn media(&self) -> &MediaSources {
        &self.media
    }

    pub fn rooms(&self) -> &RoomListModel {
        &self.rooms
    }

    /// New messages to tell the user about, and the notification settings.
    pub fn notifications(&self) -> &Notifier {
        &self.notifier
    }

    /// Verifications of sessions (emoji comparison), and those other sessions ask for.
    pub fn verifications(&self) -> &Verifications {
        &self.verifications
    }

    pub fn sync_status(&self) -> Subscriber<SyncStatus> {
        self.status.subscribe()
    }

    /// Starts syncing again after the account was renewed (or any stop other than
    /// logout); the status says whether it worked.
    pub async fn resume_sync(&self) {
        self.status.set(SyncStatus::Starting);
        self.sync_service.start().await;
    }

    /// Opens a room's timeline.
    pub async fn open_room(&self, room_id: &str) -> Result<RoomTimeline, TimelineError> {
        RoomTimeline::open(
            &self.client,
            room_id,
            self.media.clone(),
            Some(&self.subscriptions),
        )
        .await
    }

    /// The rooms that get all their new events in each sync now: the open ones and
    /// those of running verifications (see room_subscriptions).
    pub fn subscribed_rooms(&self) -> Vec<String> {
        self.subscriptions
            .rooms()
            .into_iter()
            .map(|r| r.to_string())
            .collect()
    }

    /// Stops syncing and the session's tasks. The local store stays, so the session can
    /// be restored.
    pub async fn stop(&mut self) {
        self.status.set(SyncStatus::Stopped);
        if tokio::time::timeout(STOP_TIMEOUT, self.sync_service.stop())
            .await
            .is_err()
        {
            warn!("sync did not stop in time; abandoning it");
        }
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }

    /// Logs out on the server (best effort), stops, and deletes the local store.
    pub async fn logout(mut self) -> Result<(), SessionError> {
        // Room keys not yet in the backup would be lost with this device: the next
        // device could not read the messages they open.
        crate::encryption::flush_backup(&self.client, LOGOUT_BACKUP_WAIT).await;
        // Server first: once the token is revoked, in-flight sync requests end at once,
        // whereas stopping first can wait on a long poll (5 s measured right after login).
        let result = self.client.logout().await;
        self.stop().await;
        let dir = self.store_dir.clone();
        drop(self);
        if let Err(err) = tokio::fs::remove_dir_all(&dir).await {
            warn!(%err, "could not delete the local store");
        }
        result.map_err(SessionError::Sdk)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_new_store_secret_is_a_32_byte_key() {
        let secret = new_store_passphrase();
        assert!(store_key(&secret).is_some());
        assert_ne!(*new_store_passphrase(), *secret, "secrets must be random");
        assert!(store_key("a user-chosen passphrase").is_none());
    }
}
