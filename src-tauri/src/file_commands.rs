//! Sending files: picked in the native dialog (several at once), dropped on the
//! window, or pasted. Paths never come from the webview: the dialog and the drop
//! event hand them to Rust directly, so a compromised page cannot name a file to send.

use std::path::PathBuf;

use chappe_core::files::FileError;
use serde::Serialize;
use tauri::{AppHandle, DragDropEvent, Emitter, Manager, Runtime, State, Window};
use tracing::warn;

use crate::{commands::timeline_of, error::UiError, invite_commands::on_main, state::SharedState};

/// What happened to one file; `error` is `None` when it is queued (its local echo shows).
#[derive(Clone, Debug, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FileOutcome {
    pub name: String,
    pub error: Option<UiError>,
}

/// Pasted files above this are refused before crossing IPC as JSON (a screenshot is a
/// few MB; anything bigger belongs in the file dialog).
const MAX_PASTE_BYTES: u32 = 25 * 1024 * 1024;

/// The event the window gets after files were dropped on it (outcomes, as for the dialog).
pub const FILES_DROPPED: &str = "files-dropped";

impl From<FileError> for UiError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::TooLarge { max, .. } => Self::FileTooLarge {
                max_bytes: u32::try_from(max).unwrap_or(u32::MAX),
            },
            FileError::Empty { .. } => Self::EmptyFile,
            FileError::Timeline(t) => t.into(),
            other => Self::Other(other.to_string()),
        }
    }
}

async fn send_paths(state: &SharedState, room_id: &str, paths: Vec<PathBuf>) -> Vec<FileOutcome> {
    let timeline = match timeline_of(state, room_id).await {
        Ok(t) => t,
        Err(e) => {
            return paths
                .iter()
                .map(|p| FileOutcome {
                    name: chappe_core::files::send_name(p),
                    error: Some(e.clone()),
                })
                .collect()
        }
    };
    let mut out = Vec::with_capacity(paths.len());
    // One after the other: the send queue keeps them in this order.
    for path in paths {
        let name = chappe_core::files::send_name(&path);
        let error = timeline.send_path(&path).await.err().map(UiError::from);
        out.push(FileOutcome { name, error });
    }
    out
}

/// Files chosen for the e2e test instead of the native dialog, which a WebDriver cannot
/// drive (`CHAPPE_TEST_PICK_FILES`, one path per line). Unset in normal use.
fn test_pick() -> Option<Vec<PathBuf>> {
    let list = std::env::var("CHAPPE_TEST_PICK_FILES").ok()?;
    Some(
        list.lines()
            .filter(|l| !l.trim().is_empty())
            .map(PathBuf::from)
            .collect(),
    )
}

/// Opens the native dialog (several files allowed) and queues what was picked into the
/// open room. An empty list: cancelled.
#[tauri::command]
#[specta::specta]
pub async fn send_files(
    app: AppHandle,
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<Vec<FileOutcome>, UiError> {
    let paths = match test_pick() {
        Some(p) => p,
        None => on_main(&app, || rfd::FileDialog::new().pick_files())
            .await?
            .unwrap_or_default(),
    };
    Ok(send_paths(&state, &room_id, paths).await)
}

/// Queues a pasted file (an image copied from a screenshot tool, usually).
#[tauri::command]
#[specta::specta]
pub async fn send_pasted_file(
    state: State<'_, SharedState>,
    room_id: String,
    name: String,
    bytes: Vec<u8>,
) -> Result<(), UiError> {
    if bytes.len() > MAX_PASTE_BYTES as usize {
        return Err(UiError::FileTooLarge {
            max_bytes: MAX_PASTE_BYTES,
        });
    }
    let name = chappe_core::files::send_name(std::path::Path::new(&name));
    timeline_of(&state, &room_id)
        .await?
        .send_file(&name, bytes)
        .await?;
    Ok(())
}

/// Files dropped on the window go to the open room; the UI is told how it went.
pub fn on_drag_drop<R: Runtime>(window: &Window<R>, event: &DragDropEvent) {
    let DragDropEvent::Drop { paths, .. } = event else {
        return;
    };
    let paths: Vec<PathBuf> = paths.iter().filter(|p| p.is_file()).cloned().collect();
    if paths.is_empty() {
        return;
    }
    let app = window.app_handle().clone();
    let state = app.state::<SharedState>().inner().clone();
    tauri::async_runtime::spawn(async move {
        let room = state
            .open_room
            .lock()
            .await
            .as_ref()
            .map(|o| o.timeline.room_id().to_owned());
        let Some(room_id) = room else { return };
        let outcomes = send_paths(&state, &room_id, paths).await;
        if let Err(err) = app.emit(FILES_DROPPED, outcomes) {
            warn!(%err, "drop outcome not delivered to the window");
        }
    });
}
