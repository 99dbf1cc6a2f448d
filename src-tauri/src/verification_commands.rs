//! Verifying sessions by emoji comparison, and the warning about members' unverified
//! sessions in the open room.
//!
//! Each verification flow the UI shows gets one task (`Flow::run` in `chappe_core`)
//! that streams its states over the flow's `Channel` until it is done or cancelled, or
//! the webview stops listening; the tasks are aborted on logout with the session's
//! other forwarders. Incoming requests reach the UI over the channel given to
//! `subscribe_verifications`, once per session.

use chappe_core::{
    unverified_devices::{self, UnverifiedDevice},
    verification::{Flow, FlowState, VerificationInfo, Verifications},
};
use tauri::{ipc::Channel, State};
use tokio::sync::broadcast::error::RecvError;

use crate::{error::UiError, state::SharedState};

async fn verifications(state: &SharedState) -> Result<Verifications, UiError> {
    let guard = state.session.read().await;
    Ok(guard
        .as_ref()
        .ok_or(UiError::NotLoggedIn)?
        .verifications()
        .clone())
}

/// Streams `flow` to `channel` from a task stopped on logout.
async fn follow(state: &SharedState, flow: Flow, channel: Channel<FlowState>) {
    let task = tokio::spawn(flow.run(move |s| channel.send(s).is_ok()));
    state.forwarders.lock().await.push(task.abort_handle());
}

/// Verifications other sessions (the user's, or other people's) ask for, from now on.
#[tauri::command]
#[specta::specta]
pub async fn subscribe_verifications(
    state: State<'_, SharedState>,
    channel: Channel<VerificationInfo>,
) -> Result<(), UiError> {
    let mut incoming = verifications(&state).await?.subscribe();
    let task = tokio::spawn(async move {
        loop {
            match incoming.recv().await {
                Ok(info) => {
                    if channel.send(info).is_err() {
                        return;
                    }
                }
                // Missed some (the UI was busy): the next ones still come.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            }
        }
    });
    state.forwarders.lock().await.push(task.abort_handle());
    Ok(())
}

/// Asks one session to verify by emoji: one of the user's own (`user_id` null), or
/// another person's.
#[tauri::command]
#[specta::specta]
pub async fn verify_device(
    state: State<'_, SharedState>,
    user_id: Option<String>,
    device_id: String,
    channel: Channel<FlowState>,
) -> Result<VerificationInfo, UiError> {
    let user_id = match user_id {
        Some(user) => user,
        None => state
            .client()
            .await?
            .user_id()
            .ok_or(UiError::NotLoggedIn)?
            .to_string(),
    };
    let flow = verifications(&state)
        .await?
        .request_device(&user_id, &device_id)
        .await?;
    let mut info = flow.info();
    // The request does not know the device until it answers; the UI asked for it.
    info.other_device_id.get_or_insert(device_id);
    follow(&state, flow, channel).await;
    Ok(info)
}

/// Asks another person to verify each other (in the direct chat with them).
#[tauri::command]
#[specta::specta]
pub async fn verify_user(
    state: State<'_, SharedState>,
    user_id: String,
    channel: Channel<FlowState>,
) -> Result<VerificationInfo, UiError> {
    let flow = verifications(&state).await?.request_user(&user_id).await?;
    let info = flow.info();
    follow(&state, flow, channel).await;
    Ok(info)
}

/// Streams the states of a verification another session asked for (from
/// `subscribe_verifications`).
#[tauri::command]
#[specta::specta]
pub async fn watch_verification(
    state: State<'_, SharedState>,
    other_user_id: String,
    flow_id: String,
    channel: Channel<FlowState>,
) -> Result<(), UiError> {
    let flow = verifications(&state)
        .await?
        .flow(&other_user_id, &flow_id)
        .await?;
    follow(&state, flow, channel).await;
    Ok(())
}

async fn flow(state: &SharedState, other_user_id: &str, flow_id: &str) -> Result<Flow, UiError> {
    Ok(verifications(state)
        .await?
        .flow(other_user_id, flow_id)
        .await?)
}

#[tauri::command]
#[specta::specta]
pub async fn accept_verification(
    state: State<'_, SharedState>,
    other_user_id: String,
    flow_id: String,
) -> Result<(), UiError> {
    Ok(flow(&state, &other_user_id, &flow_id)
        .await?
        .accept()
        .await?)
}

/// The emojis match.
#[tauri::command]
#[specta::specta]
pub async fn confirm_verification(
    state: State<'_, SharedState>,
    other_user_id: String,
    flow_id: String,
) -> Result<(), UiError> {
    Ok(flow(&state, &other_user_id, &flow_id)
        .await?
        .confirm()
        .await?)
}

/// "They don't match": cancels with `m.mismatched_sas`.
#[tauri::command]
#[specta::specta]
pub async fn mismatch_verification(
    state: State<'_, SharedState>,
    other_user_id: String,
    flow_id: String,
) -> Result<(), UiError> {
    Ok(flow(&state, &other_user_id, &flow_id)
        .await?
        .mismatch()
        .await?)
}

/// Cancel, or decline an incoming request.
#[tauri::command]
#[specta::specta]
pub async fn cancel_verification(
    state: State<'_, SharedState>,
    other_user_id: String,
    flow_id: String,
) -> Result<(), UiError> {
    Ok(flow(&state, &other_user_id, &flow_id)
        .await?
        .cancel()
        .await?)
}

/// Members' unverified sessions to warn about in the open room `room_id`, until it is
/// closed (see `chappe_core::unverified_devices` for which ones).
#[tauri::command]
#[specta::specta]
pub async fn subscribe_unverified_devices(
    state: State<'_, SharedState>,
    room_id: String,
    channel: Channel<Vec<UnverifiedDevice>>,
) -> Result<(), UiError> {
    let client = state.client().await?;
    let mut open = state.open_room.lock().await;
    let room = match open.as_mut() {
        Some(room) if room.timeline.room_id() == room_id => room,
        _ => return Err(UiError::UnknownRoom),
    };
    let task = tokio::spawn(async move {
        let result =
            unverified_devices::watch(&client, &room_id, move |list| channel.send(list).is_ok())
                .await;
        if let Err(err) = result {
            tracing::warn!(%err, "no unverified-session warning for this room");
        }
    });
    room.add_forwarder(task.abort_handle());
    Ok(())
}
