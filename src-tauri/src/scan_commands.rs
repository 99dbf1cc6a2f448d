//! The antivirus status of an attachment, from the server's content scanner
//! (`chappe_core::scan`). The UI asks once per file card it shows and never offers to
//! save or open a file whose status is blocked.

use std::sync::Arc;

use chappe_core::{
    media::MediaKey,
    scan::{ContentScanner, ScanStatus},
};
use tauri::State;

use crate::{error::UiError, state::SharedState};

/// This session's scanner: the admin's `content_scanner.url`, else the homeserver.
/// Made once per session: it keeps the scanner's public key.
pub(crate) async fn scanner(state: &SharedState) -> Result<Arc<ContentScanner>, UiError> {
    let mut slot = state.scanner.lock().await;
    if let Some(s) = slot.as_ref() {
        return Ok(s.clone());
    }
    let client = state.client().await?;
    let scanner = ContentScanner::new(
        state.config.content_scanner_url.as_deref(),
        &client.homeserver(),
    )
    .map_err(|e| UiError::Other(e.to_string()))?;
    let scanner = Arc::new(scanner);
    *slot = Some(scanner.clone());
    Ok(scanner)
}

/// Asks the content scanner about the attachment behind `key` (a `media:` key).
/// Errors only for a key that is not one; a scanner that cannot answer is a status.
#[tauri::command]
#[specta::specta]
pub async fn scan_media(state: State<'_, SharedState>, key: String) -> Result<ScanStatus, UiError> {
    let key = MediaKey::parse(&key).map_err(UiError::from)?;
    let scanner = scanner(&state).await?;
    // The scan can take a while: the session lock is not held (logout waits on it).
    let (client, sources) = state.client_and_media().await?;
    let status = scanner.scan(&client, &sources, &key).await;
    if let ScanStatus::Unavailable { reason } = &status {
        tracing::info!(%reason, "no antivirus verdict");
    }
    Ok(status)
}
