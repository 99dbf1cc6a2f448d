//! IPC commands for inviting people to a room (one, or a whole list from a pasted
//! text or a .txt/.csv file), following the invitations a room has pending, and
//! withdrawing them. The file dialogs are native (rfd) and belong to the shell; the
//! list itself is read and judged in `chappe_core`.

use std::sync::Arc;

use chappe_core::{
    bulk_invite::{self, Progress, Row},
    identity::{self, IdentityServer},
    invite_list,
    invites::{self, PendingInvite, RevokeTarget},
};
use tauri::{ipc::Channel, AppHandle, Runtime, State};

use crate::{error::UiError, shell_texts::Texts, state::SharedState};

/// Above this, a "list" is not an address book: refuse it before reading it all.
const MAX_LIST_BYTES: u32 = 2 * 1024 * 1024;

/// The identity server for email invitations: `CHAPPE_IDENTITY_SERVER`, else the
/// admin's `m.identity_server`, else the first of `identity_servers`. Registered with
/// once per session (the token is kept in it). `CHAPPE_EXTRA_CA` names a PEM file of
/// a certificate authority to trust for it.
pub async fn identity_server(state: &SharedState) -> Result<Option<Arc<IdentityServer>>, UiError> {
    let mut slot = state.identity.lock().await;
    if let Some(is) = slot.as_ref() {
        return Ok(Some(is.clone()));
    }
    let base = std::env::var("CHAPPE_IDENTITY_SERVER")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| state.config.identity_server.clone())
        .or_else(|| state.config.identity_servers.first().cloned());
    let Some(base) = base else { return Ok(None) };
    let pem = match std::env::var_os("CHAPPE_EXTRA_CA").filter(|p| !p.is_empty()) {
        Some(path) => {
            Some(std::fs::read(path).map_err(|e| UiError::Other(format!("CHAPPE_EXTRA_CA: {e}")))?)
        }
        None => None,
    };
    let http = identity::http_client(pem.as_deref()).map_err(|e| UiError::Other(e.to_string()))?;
    let is = Arc::new(IdentityServer::new(&base, http).map_err(|e| UiError::Other(e.to_string()))?);
    *slot = Some(is.clone());
    Ok(Some(is))
}

/// Reads `list` (pasted or loaded) and says, line by line, what inviting it would do.
#[tauri::command]
#[specta::specta]
pub async fn invite_preview(
    state: State<'_, SharedState>,
    room_id: String,
    list: String,
) -> Result<Vec<Row>, UiError> {
    let client = state.client().await?;
    let room = bulk_invite::joined_room(&client, &room_id)?;
    let identity = identity_server(&state).await?;
    let entries = invite_list::parse(&list);
    Ok(bulk_invite::preview(&client, &room, &entries, identity.as_deref()).await?)
}

/// Sends the invitations of the rows the preview marked ready; progress goes to
/// `channel`; returns the report, one row per line.
#[tauri::command]
#[specta::specta]
pub async fn invite_send(
    state: State<'_, SharedState>,
    room_id: String,
    rows: Vec<Row>,
    channel: Channel<Progress>,
) -> Result<Vec<Row>, UiError> {
    let client = state.client().await?;
    bulk_invite::joined_room(&client, &room_id)?;
    let identity = identity_server(&state).await?;
    Ok(
        bulk_invite::send(&client, &room_id, rows, identity.as_deref(), |p| {
            // The window may have been closed meanwhile: the invitations go on.
            let _ = channel.send(p);
        })
        .await,
    )
}

/// Text of a file whatever its encoding: UTF-8 (with or without BOM), else the
/// Windows-1252 that Excel's plain "CSV" export uses on French Windows.
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| cp1252(b)).collect(),
    }
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Runs a blocking native dialog on the main thread (GTK wants it there) and waits
/// for the answer without blocking the async runtime.
pub(crate) async fn on_main<R: Runtime, T: Send + 'static>(
    app: &AppHandle<R>,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, UiError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.run_on_main_thread(move || {
        let _ = tx.send(f());
    })
    .map_err(|e| UiError::Other(e.to_string()))?;
    rx.await.map_err(|e| UiError::Other(e.to_string()))
}

/// Lets the user pick a .txt or .csv list; returns its text, or `None` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn open_invite_list(
    app: AppHandle,
    texts: State<'_, Texts>,
) -> Result<Option<String>, UiError> {
    let filter = texts.list_filter();
    let path = on_main(&app, move || {
        rfd::FileDialog::new()
            .add_filter(filter, &["txt", "csv"])
            .pick_file()
    })
    .await?;
    let Some(path) = path else { return Ok(None) };
    let size = std::fs::metadata(&path)
        .map_err(|e| UiError::Other(e.to_string()))?
        .len();
    if size > u64::from(MAX_LIST_BYTES) {
        return Err(UiError::FileTooLarge {
            max_bytes: MAX_LIST_BYTES,
        });
    }
    let bytes = std::fs::read(&path).map_err(|e| UiError::Other(e.to_string()))?;
    Ok(Some(decode(&bytes)))
}

/// Asks where to save the report and writes it as CSV; `false` if cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_invite_report(
    app: AppHandle,
    texts: State<'_, Texts>,
    rows: Vec<Row>,
) -> Result<bool, UiError> {
    let name = texts.report_file_name();
    let path = on_main(&app, move || {
        rfd::FileDialog::new()
            .add_filter("CSV", &["csv"])
            .set_file_name(name)
            .save_file()
    })
    .await?;
    let Some(path) = path else { return Ok(false) };
    std::fs::write(&path, texts.report_csv(&rows)).map_err(|e| UiError::Other(e.to_string()))?;
    Ok(true)
}

/// The report as CSV text (the UI offers it to copy when saving is not possible).
#[tauri::command]
#[specta::specta]
pub fn invite_report_csv(texts: State<'_, Texts>, rows: Vec<Row>) -> String {
    texts.report_csv(&rows)
}

#[tauri::command]
#[specta::specta]
pub async fn pending_invites(
    state: State<'_, SharedState>,
    room_id: String,
) -> Result<Vec<PendingInvite>, UiError> {
    let client = state.client().await?;
    Ok(invites::pending(&client, &room_id).await?)
}

#[tauri::command]
#[specta::specta]
pub async fn revoke_invite(
    state: State<'_, SharedState>,
    room_id: String,
    target: RevokeTarget,
) -> Result<(), UiError> {
    let client = state.client().await?;
    Ok(invites::revoke(&client, &room_id, &target).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_french_excel_csv_in_windows_1252_is_read() {
        // "Prénom;Courriel\nLéa;lea@x.fr" as Excel writes it on French Windows.
        let bytes = b"Pr\xe9nom;Courriel\nL\xe9a;lea@x.fr\n\x80";
        assert_eq!(decode(bytes), "Prénom;Courriel\nLéa;lea@x.fr\n€");
        assert_eq!(decode("déjà UTF-8".as_bytes()), "déjà UTF-8");
    }
}
