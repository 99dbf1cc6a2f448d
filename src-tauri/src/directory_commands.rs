//! IPC commands for finding people and rooms, answering invitations, previewing
//! rooms, and the account's sessions: thin wrappers over `chappe_core`.

use chappe_core::{
    devices::{self, DeviceView},
    directory::{self, PublicRoomsPage, UserResult},
    room_preview::{self, RoomPreviewView},
};
use tauri::State;

use crate::{error::UiError, state::SharedState};

// At most this many people per search, as Element asks.
const USER_SEARCH_LIMIT: u32 = 20;
const PUBLIC_ROOMS_PAGE: u32 = 30;

#[tauri::command]
#[specta::specta]
pub async fn search_users(
    state: State<'_, SharedState>,
    term: String,
) -> Result<Vec<UserResult>, UiError> {
    let client = state.client().await?;
    Ok(directory::search_users(&client, &term, USER_SEARCH_LIMIT).await?)
}

/// Opens (or creates) the direct chat with `user_id`; returns the room ID.
#[tauri::command]
#[specta::specta]
pub async fn direct_chat(
    state: State<'_, SharedState>,
    user_id: String,
) -> Result<String, UiError> {
    let client = state.client().await?;
    Ok(directory::direct_chat(&client, &user_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn public_rooms(
    state: State<'_, SharedState>,
    search: Option<String>,
    server: Option<String>,
    since: Option<String>,
) -> Result<PublicRoomsPage, UiError> {
    let client = state.client().await?;
    Ok(directory::public_rooms(
        &client,
        search.as_deref(),
        server.as_deref(),
        since.as_deref(),
        PUBLIC_ROOMS_PAGE,
    )
    .await?)
}

/// Joins a room by ID or address (`#name:server`); returns its ID.
#[tauri::command]
#[specta::specta]
pub async fn join_room(state: State<'_, SharedState>, room: String) -> Result<String, UiError> {
    let client = state.client().await?;
    Ok(directory::join(&client, &room).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn profile_hidden(state: State<'_, SharedState>) -> Result<bool, UiError> {
    let client = state.client().await?;
    Ok(directory::profile_hidden(&client).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_profile_hidden(
    state: State<'_, SharedState>,
    hidden: bool,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(directory::set_profile_hidden(&client, hidden).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn accept_invite(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<String, UiError> {
    let client = state.client().await?;
    Ok(chappe_core::invites::accept(&client, &room_id)
        .await?
        .to_string())
}

#[tauri::command]
#[specta::specta]
pub async fn decline_invite(state: State<'_, SharedState>, room_id: String) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(chappe_core::invites::decline(&client, &room_id).await?)
}

/// What a room is, and its latest messages when anyone may read them, before joining.
#[tauri::command]
#[specta::specta]
pub async fn room_preview(
    state: State<'_, SharedState>,
    room: String,
    via: Option<String>,
) -> Result<RoomPreviewView, UiError> {
    let client = state.client().await?;
    Ok(room_preview::preview(&client, &room, via.as_deref()).await?)
}

/// Asks to join a room whose join rule is "knock"; returns its ID.
#[tauri::command]
#[specta::specta]
pub async fn knock_room(
    state: State<'_, SharedState>,
    room: String,
    via: Option<String>,
) -> Result<String, UiError> {
    let client = state.client().await?;
    Ok(room_preview::knock(&client, &room, via.as_deref()).await?)
}

/// The account's sessions, this one first.
#[tauri::command]
#[specta::specta]
pub async fn list_devices(state: State<'_, SharedState>) -> Result<Vec<DeviceView>, UiError> {
    let client = state.client().await?;
    Ok(devices::list(&client).await?)
}

/// Signs out another session; the server wants the password.
#[tauri::command]
#[specta::specta]
pub async fn sign_out_device(
    state: State<'_, SharedState>,
    device_id: String,
    password: String,
) -> Result<(), UiError> {
    let client = state.client().await?;
    let password = zeroize::Zeroizing::new(password);
    Ok(devices::sign_out(&client, &device_id, &password).await?)
}

/// Signs out every other session; returns how many.
#[tauri::command]
#[specta::specta]
pub async fn sign_out_other_devices(
    state: State<'_, SharedState>,
    password: String,
) -> Result<u32, UiError> {
    let client = state.client().await?;
    let password = zeroize::Zeroizing::new(password);
    Ok(devices::sign_out_others(&client, &password).await?)
}

/// The account expired: asks the server to mail the renewal link.
#[tauri::command]
#[specta::specta]
pub async fn send_renewal_mail(state: State<'_, SharedState>) -> Result<(), UiError> {
    let client = state.client().await?;
    chappe_core::account_validity::send_renewal_mail(&client)
        .await
        .map_err(|e| match e {
            chappe_core::account_validity::AccountValidityError::NotLoggedIn => {
                UiError::NotLoggedIn
            }
            chappe_core::account_validity::AccountValidityError::Unreachable(d) => {
                UiError::Unreachable(d)
            }
            other => UiError::Other(other.to_string()),
        })
}

/// Syncs again (after the account was renewed); the sync status says if it worked.
#[tauri::command]
#[specta::specta]
pub async fn resume_sync(state: State<'_, SharedState>) -> Result<(), UiError> {
    let guard = state.session.read().await;
    guard
        .as_ref()
        .ok_or(UiError::NotLoggedIn)?
        .resume_sync()
        .await;
    Ok(())
}
