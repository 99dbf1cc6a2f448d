//! IPC commands for creating rooms and changing who may join them (Tchap's rules are
//! checked in `chappe_core::room_settings`; the UI only shows them).

use chappe_core::{
    room_create::{self, NewRoom},
    room_power::{self, PowerView, Right, ServerAcl},
    room_settings::{self, Access, History, RoomSettingsView},
};
use tauri::State;

use crate::{error::UiError, state::SharedState};

/// Creates a room of one of Tchap's kinds; returns its ID.
#[tauri::command]
#[specta::specta]
pub async fn create_room(state: State<'_, SharedState>, form: NewRoom) -> Result<String, UiError> {
    let client = state.client().await?;
    Ok(room_create::create(&client, &form).await?)
}

/// Who may join, the room's links (with the admin's permalink prefix) and flags.
#[tauri::command]
#[specta::specta]
pub async fn room_settings(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<RoomSettingsView, UiError> {
    let client = state.client().await?;
    let prefix = state.config.permalink_prefix.clone();
    Ok(room_settings::get(&client, &room_id, Some(&prefix)).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_room_access(
    state: State<'_, SharedState>,
    room_id: String,
    access: Access,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::set_access(&client, &room_id, access).await?)
}

/// Irreversible: the UI has asked for confirmation.
#[tauri::command]
#[specta::specta]
pub async fn open_room_to_externals(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::open_to_externals(&client, &room_id).await?)
}

/// The room's rights and who has which level.
#[tauri::command]
#[specta::specta]
pub async fn room_power(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<PowerView, UiError> {
    let client = state.client().await?;
    Ok(room_power::get(&client, &room_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_room_right(
    state: State<'_, SharedState>,
    room_id: String,
    right: Right,
    level: i32,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_power::set_right(&client, &room_id, right, i64::from(level)).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_member_level(
    state: State<'_, SharedState>,
    room_id: String,
    user_id: String,
    level: i32,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_power::set_member_level(&client, &room_id, &user_id, i64::from(level)).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn room_acl(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<Option<ServerAcl>, UiError> {
    let client = state.client().await?;
    Ok(room_power::get_acl(&client, &room_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_room_acl(
    state: State<'_, SharedState>,
    room_id: String,
    acl: ServerAcl,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_power::set_acl(&client, &room_id, &acl).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_room_name(
    state: State<'_, SharedState>,
    room_id: String,
    name: String,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::set_name(&client, &room_id, &name).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_room_topic(
    state: State<'_, SharedState>,
    room_id: String,
    topic: String,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::set_topic(&client, &room_id, &topic).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn set_room_history(
    state: State<'_, SharedState>,
    room_id: String,
    history: History,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::set_history(&client, &room_id, history).await?)
}

/// Irreversible: the UI has asked for confirmation.
#[tauri::command]
#[specta::specta]
pub async fn enable_room_encryption(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::enable_encryption(&client, &room_id).await?)
}

/// Adds `#local:our-server`; returns the full address.
#[tauri::command]
#[specta::specta]
pub async fn add_room_alias(
    state: State<'_, SharedState>,
    room_id: String,
    local: String,
) -> Result<String, UiError> {
    let client = state.client().await?;
    Ok(room_settings::add_alias(&client, &room_id, &local).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn remove_room_alias(
    state: State<'_, SharedState>,
    room_id: String,
    alias: String,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::remove_alias(&client, &room_id, &alias).await?)
}

/// Makes one of the room's alternative addresses its main one.
#[tauri::command]
#[specta::specta]
pub async fn set_room_main_alias(
    state: State<'_, SharedState>,
    room_id: String,
    alias: String,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::set_main_alias(&client, &room_id, &alias).await?)
}

/// Replaces the room by a new one of `version`; returns the new room's ID.
#[tauri::command]
#[specta::specta]
pub async fn upgrade_room(
    state: State<'_, SharedState>,
    room_id: String,
    version: String,
) -> Result<String, UiError> {
    let client = state.client().await?;
    Ok(room_settings::upgrade(&client, &room_id, &version).await?)
}

/// Joining reserved to members of `spaces` (or, with `knock`, on request for others).
#[tauri::command]
#[specta::specta]
pub async fn set_room_restricted(
    state: State<'_, SharedState>,
    room_id: String,
    spaces: Vec<String>,
    knock: bool,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(room_settings::set_restricted(&client, &room_id, &spaces, knock).await?)
}

/// Lets the user pick a picture (PNG, JPEG, GIF, WebP) and makes it the room's;
/// `false` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn choose_room_avatar(
    app: tauri::AppHandle,
    state: State<'_, SharedState>,
    room_id: String,
    texts: State<'_, crate::shell_texts::Texts>,
) -> Result<bool, UiError> {
    let filter = texts.image_filter();
    let path = crate::invite_commands::on_main(&app, move || {
        rfd::FileDialog::new()
            .add_filter(filter, &["png", "jpg", "jpeg", "gif", "webp"])
            .pick_file()
    })
    .await?;
    let Some(path) = path else { return Ok(false) };
    let max = room_settings::MAX_AVATAR_BYTES;
    let size = std::fs::metadata(&path)
        .map_err(|e| UiError::Other(e.to_string()))?
        .len();
    if size > max as u64 {
        return Err(UiError::FileTooLarge {
            max_bytes: u32::try_from(max).unwrap_or(u32::MAX),
        });
    }
    let bytes = std::fs::read(&path).map_err(|e| UiError::Other(e.to_string()))?;
    let client = state.client().await?;
    room_settings::set_avatar(&client, &room_id, bytes).await?;
    Ok(true)
}
