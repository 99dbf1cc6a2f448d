//! IPC commands: thin wrappers that parse, call `chappe_core`, and map errors.
//! Streams (room list, timeline, sync status) go over `Channel`s: each subscription
//! first sends the current state (`Reset`), then every change, in order.

use chappe_core::{
    room_links::{self, LinkAction},
    ListDiff, LoginRequest, RoomSummary, SyncStatus, TimelineItemView,
};
use futures_util::StreamExt;
use serde::Serialize;
use tauri::{ipc::Channel, State};
use tracing::{debug, warn};

use crate::{
    error::UiError,
    keychain,
    settings_commands::Prefs,
    state::{OpenRoom, SharedState},
};

/// Static facts the login screen needs.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// Pre-set by the admin (config file) or the demo (`CHAPPE_HOMESERVER`, which wins);
    /// the form starts with it.
    pub default_homeserver: Option<String>,
    /// The admin forbids other servers: the form hides the server field.
    pub disable_custom_urls: bool,
    pub brand: String,
    /// Servers the public room directory offers besides the user's own.
    pub room_directory_servers: Vec<String>,
    /// Config files that were ignored, with file, line and reason.
    pub config_problems: Vec<String>,
    /// A secret store answers: sessions can be remembered. `false`: the login form asks
    /// the user to accept signing in again at each start.
    pub keychain_available: bool,
    /// A room link the app was started with (`chappe matrix:r/forum:server`, or a
    /// matrix.to link): the main screen previews that room.
    pub start_link: Option<String>,
}

/// Who is logged in.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Me {
    pub user_id: String,
    pub display_name: Option<String>,
    pub homeserver: String,
    /// The session is saved in the OS keychain. `false` when no keychain could be used:
    /// the user stays signed in for this run only, and the UI says so.
    pub remembered: bool,
}

async fn me_of(session: &chappe_core::Session, remembered: bool) -> Me {
    Me {
        user_id: session.user_id(),
        display_name: session.display_name().await,
        homeserver: session.client().homeserver().to_string(),
        remembered,
    }
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, SharedState>) -> Result<AppInfo, UiError> {
    let config = &state.config;
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        default_homeserver: env_homeserver().or_else(|| config.homeserver.clone()),
        disable_custom_urls: config.disable_custom_urls,
        brand: config.brand.clone(),
        room_directory_servers: config.room_directory_servers.clone(),
        config_problems: state
            .config_problems
            .iter()
            .map(|p| p.to_string())
            .collect(),
        keychain_available: keychain::available(&state.data_dir).await,
        start_link: crate::links::link_in(&std::env::args().collect::<Vec<_>>()),
    })
}

pub(crate) fn env_homeserver() -> Option<String> {
    std::env::var("CHAPPE_HOMESERVER")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The login form, with the admin's policy applied: a locked server replaces what
/// was typed, and email discovery asks the admin's identity servers.
async fn sign_in(
    state: &SharedState,
    mut form: LoginRequest,
    proxy: Option<&chappe_core::proxy::ProxyUrl>,
) -> Result<chappe_core::Session, UiError> {
    let config = &state.config;
    if config.disable_custom_urls {
        if let Some(hs) = env_homeserver().or_else(|| config.homeserver.clone()) {
            form.homeserver = hs;
        }
    }
    let servers = config.discovery_servers();
    Ok(chappe_core::login_via(&state.data_dir, form, &servers, proxy).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn login(
    state: State<'_, SharedState>,
    prefs: State<'_, Prefs>,
    form: LoginRequest,
) -> Result<Me, UiError> {
    let session = sign_in(&state, form, prefs.proxy().as_ref()).await?;
    install(&state, session).await
}

/// Saves the session in the keychain and makes it current. A keychain failure is not
/// fatal: the user stays logged in for this run, and will have to log in next time.
pub(crate) async fn install(
    state: &SharedState,
    session: chappe_core::Session,
) -> Result<Me, UiError> {
    // Never a plaintext fallback: without a keychain the session lives for this run only.
    let remembered = match session.stored() {
        Some(stored) => match keychain::save(&state.data_dir, &stored).await {
            Ok(()) => true,
            Err(err) => {
                warn!(%err, "could not save the session in the keychain");
                false
            }
        },
        None => false,
    };
    let me = me_of(&session, remembered).await;
    if let Some(mut old) = state.session.write().await.replace(session) {
        old.stop().await;
    }
    Ok(me)
}

/// Resumes the session saved in the keychain, if any. For the demo (and only when
/// both are set), `CHAPPE_DEMO_USER`/`CHAPPE_DEMO_PASSWORD` log in when nothing is saved.
#[tauri::command]
#[specta::specta]
pub async fn restore_session(
    state: State<'_, SharedState>,
    prefs: State<'_, Prefs>,
) -> Result<Option<Me>, UiError> {
    // The proxy set in Settings, from this start on.
    let proxy = prefs.proxy();
    if let Some(session) = state.session.read().await.as_ref() {
        let remembered = matches!(
            keychain::load(&state.data_dir).await,
            keychain::Loaded::Session(_)
        );
        return Ok(Some(me_of(session, remembered).await));
    }
    match keychain::load(&state.data_dir).await {
        keychain::Loaded::Session(stored) => {
            match chappe_core::Session::restore_via(*stored, proxy.as_ref()).await {
                Ok(session) => return install(&state, session).await.map(Some),
                // Unusable for good: forget it and ask to log in.
                Err(err @ chappe_core::SessionError::Corrupt(_)) => {
                    warn!(%err, "the saved session cannot be resumed; asking to log in");
                    keychain::forget(&state.data_dir).await;
                }
                // The store could not be opened (a full disk…): kept, with the messages it
                // still has to send; the login form says why, and the next start retries.
                Err(err) => {
                    warn!(%err, "the saved session cannot be opened now; keeping it");
                    return Err(err.into());
                }
            }
        }
        // Kept where it is: it resumes once the user has unlocked the keychain.
        keychain::Loaded::Locked => return Err(UiError::KeychainLocked),
        keychain::Loaded::Nothing | keychain::Loaded::Unavailable => {}
    }
    if let (Ok(user), Ok(password)) = (
        std::env::var("CHAPPE_DEMO_USER"),
        std::env::var("CHAPPE_DEMO_PASSWORD"),
    ) {
        let homeserver = std::env::var("CHAPPE_HOMESERVER").unwrap_or_default();
        let form = LoginRequest {
            homeserver,
            user,
            password,
        };
        let session = sign_in(&state, form, proxy.as_ref()).await?;
        return install(&state, session).await.map(Some);
    }
    Ok(None)
}

#[tauri::command]
#[specta::specta]
pub async fn logout(state: State<'_, SharedState>) -> Result<(), UiError> {
    keychain::forget(&state.data_dir).await;
    if let Some(session) = state.shut_down().await {
        // The server may be down; the local session is gone either way.
        if let Err(err) = session.logout().await {
            warn!(%err, "server-side logout failed");
        }
    }
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn subscribe_rooms(
    app: tauri::AppHandle,
    state: State<'_, SharedState>,
    channel: Channel<ListDiff<RoomSummary>>,
) -> Result<(), UiError> {
    let guard = state.session.read().await;
    let session = guard.as_ref().ok_or(UiError::NotLoggedIn)?;
    // The unread count in the tray and the window title, kept while the window is hidden.
    let (values, stream) = session.rooms().subscribe();
    let unread = crate::desktop::follow_unread(app, values, stream);
    state.forwarders.lock().await.push(unread);
    let (values, stream) = session.rooms().subscribe();
    let task = tokio::spawn(async move {
        if channel.send(ListDiff::Reset { values }).is_err() {
            return;
        }
        futures_util::pin_mut!(stream);
        while let Some(diffs) = stream.next().await {
            for diff in diffs {
                // The webview went away (reload, window closed): stop forwarding.
                if channel.send(diff).is_err() {
                    return;
                }
            }
        }
    });
    state.forwarders.lock().await.push(task.abort_handle());
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn subscribe_sync_status(
    state: State<'_, SharedState>,
    channel: Channel<SyncStatus>,
) -> Result<(), UiError> {
    let guard = state.session.read().await;
    let session = guard.as_ref().ok_or(UiError::NotLoggedIn)?;
    let mut status = session.sync_status();
    let task = tokio::spawn(async move {
        if channel.send(status.get()).is_err() {
            return;
        }
        while let Some(s) = status.next().await {
            if channel.send(s).is_err() {
                return;
            }
        }
    });
    state.forwarders.lock().await.push(task.abort_handle());
    Ok(())
}

/// Opens a room's timeline and streams it; replaces the room opened before.
#[tauri::command]
#[specta::specta]
pub async fn open_room(
    state: State<'_, SharedState>,
    room_id: String,
    channel: Channel<ListDiff<TimelineItemView>>,
) -> Result<(), UiError> {
    // Timings for the bench's room switch (RUST_LOG=warn,chappe_app=debug): where the
    // time between the click and the first messages on screen goes on the Rust side.
    let started = std::time::Instant::now();
    let timeline = {
        let guard = state.session.read().await;
        let session = guard.as_ref().ok_or(UiError::NotLoggedIn)?;
        session.open_room(&room_id).await?
    };
    let opened = started.elapsed();
    let (values, stream) = timeline.subscribe().await;
    let task = tokio::spawn(async move {
        let items = values.len();
        let sent = channel.send(ListDiff::Reset { values });
        debug!(
            %room_id, items,
            open_ms = opened.as_secs_f64() * 1e3,
            sent_ms = started.elapsed().as_secs_f64() * 1e3,
            "room opened"
        );
        if sent.is_err() {
            return;
        }
        futures_util::pin_mut!(stream);
        while let Some(diffs) = stream.next().await {
            for diff in diffs {
                if channel.send(diff).is_err() {
                    return;
                }
            }
        }
    });
    *state.open_room.lock().await = Some(OpenRoom::new(timeline, task.abort_handle()));
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn close_room(state: State<'_, SharedState>) -> Result<(), UiError> {
    state.open_room.lock().await.take();
    Ok(())
}

/// The open room's timeline, if it is `room_id`.
pub(crate) async fn timeline_of(
    state: &SharedState,
    room_id: &str,
) -> Result<chappe_core::RoomTimeline, UiError> {
    match state.open_room.lock().await.as_ref() {
        Some(open) if open.timeline.room_id() == room_id => Ok(open.timeline.clone()),
        _ => Err(UiError::UnknownRoom),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn send_message(
    state: State<'_, SharedState>,
    room_id: String,
    body: String,
) -> Result<(), UiError> {
    timeline_of(&state, &room_id)
        .await?
        .send_text(&body)
        .await?;
    Ok(())
}

/// Loads older messages; `true` once the start of the room is reached.
#[tauri::command]
#[specta::specta]
pub async fn paginate_back(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<bool, UiError> {
    Ok(timeline_of(&state, &room_id)
        .await?
        .paginate_backwards(30)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn mark_read(state: State<'_, SharedState>, room_id: String) -> Result<(), UiError> {
    timeline_of(&state, &room_id).await?.mark_as_read().await?;
    Ok(())
}

/// Replies to the message `item_id` (a timeline item's `id`) in the open room.
#[tauri::command]
#[specta::specta]
pub async fn reply_to(
    state: State<'_, SharedState>,
    room_id: String,
    item_id: String,
    body: String,
) -> Result<(), UiError> {
    timeline_of(&state, &room_id)
        .await?
        .reply(&item_id, &body)
        .await?;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn edit_message(
    state: State<'_, SharedState>,
    room_id: String,
    item_id: String,
    body: String,
) -> Result<(), UiError> {
    timeline_of(&state, &room_id)
        .await?
        .edit(&item_id, &body)
        .await?;
    Ok(())
}

/// Every version of an edited message, oldest first (the "(edited)" history).
#[tauri::command]
#[specta::specta]
pub async fn edit_history(
    state: State<'_, SharedState>,
    room_id: String,
    item_id: String,
) -> Result<Vec<chappe_core::timeline::MessageVersion>, UiError> {
    Ok(timeline_of(&state, &room_id)
        .await?
        .edit_history(&item_id)
        .await?)
}

/// A link clicked in a message. The decision is core's, from the link's text: room
/// links come back for the app to preview; http/https/mailto go to the system's own
/// browser or mail client, from here (the webview itself never navigates); anything
/// else is refused.
#[tauri::command]
#[specta::specta]
pub async fn open_link(state: State<'_, SharedState>, url: String) -> Result<LinkAction, UiError> {
    let action = room_links::link_action(&url, Some(&state.config.permalink_prefix));
    if let LinkAction::Browser { url } = &action {
        let url = url.clone();
        // xdg-open and friends may block for a moment: not on the async runtime.
        tokio::task::spawn_blocking(move || open::that_detached(url))
            .await
            .map_err(|e| UiError::Other(e.to_string()))?
            .map_err(|e| UiError::Other(e.to_string()))?;
    }
    Ok(action)
}

/// Deletes a message for everyone.
#[tauri::command]
#[specta::specta]
pub async fn delete_message(
    state: State<'_, SharedState>,
    room_id: String,
    item_id: String,
) -> Result<(), UiError> {
    timeline_of(&state, &room_id)
        .await?
        .redact(&item_id)
        .await?;
    Ok(())
}

/// Adds or removes the user's reaction; `true` when added.
#[tauri::command]
#[specta::specta]
pub async fn toggle_reaction(
    state: State<'_, SharedState>,
    room_id: String,
    item_id: String,
    key: String,
) -> Result<bool, UiError> {
    Ok(timeline_of(&state, &room_id)
        .await?
        .toggle_reaction(&item_id, &key)
        .await?)
}

/// Sends again a message that failed for good.
#[tauri::command]
#[specta::specta]
pub async fn retry_send(
    state: State<'_, SharedState>,
    room_id: String,
    item_id: String,
) -> Result<(), UiError> {
    timeline_of(&state, &room_id).await?.retry(&item_id).await?;
    Ok(())
}

/// Drops a message that was not sent.
#[tauri::command]
#[specta::specta]
pub async fn discard_send(
    state: State<'_, SharedState>,
    room_id: String,
    item_id: String,
) -> Result<(), UiError> {
    timeline_of(&state, &room_id)
        .await?
        .discard(&item_id)
        .await?;
    Ok(())
}

/// Streams who else is typing in the open room `room_id` (Matrix IDs), until another
/// room is opened.
#[tauri::command]
#[specta::specta]
pub async fn subscribe_typing(
    state: State<'_, SharedState>,
    room_id: String,
    channel: Channel<Vec<String>>,
) -> Result<(), UiError> {
    let mut open = state.open_room.lock().await;
    let room = match open.as_mut() {
        Some(room) if room.timeline.room_id() == room_id => room,
        _ => return Err(UiError::UnknownRoom),
    };
    let typing = room.timeline.typing_users();
    let task = tokio::spawn(async move {
        futures_util::pin_mut!(typing);
        while let Some(users) = typing.next().await {
            if channel.send(users).is_err() {
                return;
            }
        }
    });
    room.add_forwarder(task.abort_handle());
    Ok(())
}

/// The user is typing in `room_id` (or stopped).
#[tauri::command]
#[specta::specta]
pub async fn set_typing(
    state: State<'_, SharedState>,
    room_id: String,
    typing: bool,
) -> Result<(), UiError> {
    timeline_of(&state, &room_id)
        .await?
        .set_typing(typing)
        .await?;
    Ok(())
}
