//! What the shell keeps between commands: the session (if logged in) and the one
//! open room. Both own long-lived forwarding tasks, aborted when they are replaced.

use std::{path::PathBuf, sync::Arc};

use chappe_core::{
    config::{Config, ConfigProblem},
    RoomTimeline, Session,
};
use tokio::{
    sync::{Mutex, RwLock},
    task::AbortHandle,
};

/// The room shown on screen: its timeline and the task forwarding its diffs.
pub struct OpenRoom {
    pub timeline: RoomTimeline,
    forwarders: Vec<AbortHandle>,
}

impl OpenRoom {
    pub fn new(timeline: RoomTimeline, forwarder: AbortHandle) -> Self {
        Self {
            timeline,
            forwarders: vec![forwarder],
        }
    }

    /// Another stream of this room (typing notices…), stopped with the room.
    pub fn add_forwarder(&mut self, forwarder: AbortHandle) {
        self.forwarders.push(forwarder);
    }
}

impl Drop for OpenRoom {
    fn drop(&mut self) {
        for f in &self.forwarders {
            f.abort();
        }
    }
}

/// Tasks that push a session's state to the webview; dropped with the session.
#[derive(Default)]
pub struct Forwarders(Vec<AbortHandle>);

impl Forwarders {
    pub fn push(&mut self, handle: AbortHandle) {
        self.0.push(handle);
    }

    pub fn abort_all(&mut self) {
        for h in self.0.drain(..) {
            h.abort();
        }
    }
}

pub struct AppState {
    /// Where account stores live (`CHAPPE_DATA_DIR`, else the OS app-data folder).
    pub data_dir: PathBuf,
    /// The admin's and the user's settings, merged once at start.
    pub config: Config,
    /// Config files that could not be used; shown on the login screen.
    pub config_problems: Vec<ConfigProblem>,
    pub session: RwLock<Option<Session>>,
    pub open_room: Mutex<Option<OpenRoom>>,
    pub forwarders: Mutex<Forwarders>,
    /// The identity server for email invitations, with this session's token.
    pub identity: Mutex<Option<Arc<chappe_core::identity::IdentityServer>>>,
    /// The content scanner of attachments, made on first use for this session.
    pub scanner: Mutex<Option<Arc<chappe_core::scan::ContentScanner>>>,
    /// The task showing this session's desktop notifications (one at most: a webview
    /// that subscribes again replaces it).
    pub notifications: Mutex<Option<AbortHandle>>,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// The logged-in client, or `NotLoggedIn`. Cloning a `Client` is cheap (an `Arc`).
    pub async fn client(&self) -> Result<chappe_core::Client, crate::error::UiError> {
        let guard = self.session.read().await;
        Ok(guard
            .as_ref()
            .ok_or(crate::error::UiError::NotLoggedIn)?
            .client()
            .clone())
    }

    /// The logged-in client and the attachments its timelines showed, for downloads and
    /// scans. The session lock is released on return: a long download must not hold it
    /// (logout waits on it).
    pub async fn client_and_media(
        &self,
    ) -> Result<(chappe_core::Client, chappe_core::media::MediaSources), crate::error::UiError>
    {
        let guard = self.session.read().await;
        let session = guard.as_ref().ok_or(crate::error::UiError::NotLoggedIn)?;
        Ok((session.client().clone(), session.media().clone()))
    }

    pub fn new(
        data_dir: PathBuf,
        config: Config,
        config_problems: Vec<ConfigProblem>,
    ) -> SharedState {
        Arc::new(Self {
            data_dir,
            config,
            config_problems,
            session: RwLock::new(None),
            open_room: Mutex::new(None),
            forwarders: Mutex::new(Forwarders::default()),
            identity: Mutex::new(None),
            scanner: Mutex::new(None),
            notifications: Mutex::new(None),
        })
    }

    /// Stops everything that runs for the current session. Used on logout and quit.
    pub async fn shut_down(&self) -> Option<Session> {
        self.open_room.lock().await.take();
        self.forwarders.lock().await.abort_all();
        if let Some(task) = self.notifications.lock().await.take() {
            task.abort();
        }
        // Its token belongs to this account.
        self.identity.lock().await.take();
        // Its address may be the homeserver's, which the next account may not share.
        self.scanner.lock().await.take();
        let mut session = self.session.write().await.take()?;
        session.stop().await;
        Some(session)
    }
}
