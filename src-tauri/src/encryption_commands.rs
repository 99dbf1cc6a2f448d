//! Encryption keys across devices (see `chappe_core::encryption`): the recovery key
//! made on the first device, recovering on another, and room-key files in Element's
//! format through native dialogs. Paths never come from the webview: the dialogs hand
//! them to Rust.
//!
//! The recovery key crosses the IPC exactly once, in `set_up_recovery`'s answer, to be
//! shown to the user. It is never logged. Until the user closes that screen, Rust
//! keeps it (zeroed on drop) so that "Save to file…" writes it without the webview
//! sending it back; `forget_recovery_key` drops it.

use std::path::PathBuf;

use chappe_core::encryption::{self, EncryptionError, ImportReport, KeysState, RecoveryKey};
use tauri::{AppHandle, State};
use tokio::sync::Mutex;

use crate::{error::UiError, invite_commands::on_main, state::SharedState};

/// The recovery key just made, until the user has saved it (or closed the screen).
#[derive(Default)]
pub struct PendingRecoveryKey(Mutex<Option<RecoveryKey>>);

impl From<EncryptionError> for UiError {
    fn from(err: EncryptionError) -> Self {
        match err {
            EncryptionError::NotLoggedIn => Self::NotLoggedIn,
            EncryptionError::PasswordNeeded => Self::PasswordNeeded,
            EncryptionError::WrongPassword => Self::WrongPassword,
            EncryptionError::AlreadySetUp => Self::RecoveryAlreadySetUp,
            EncryptionError::VerifyFirst => Self::VerifyFirst,
            EncryptionError::EmptyRecoveryKey => Self::EmptyRecoveryKey,
            EncryptionError::WrongRecoveryKey => Self::WrongRecoveryKey,
            EncryptionError::NoRecovery => Self::NoRecovery,
            EncryptionError::EmptyPassphrase => Self::EmptyPassphrase,
            EncryptionError::WrongPassphrase => Self::WrongPassphrase,
            EncryptionError::NotAKeyFile(_) => Self::NotAKeyFile,
            EncryptionError::Sdk(e) => chappe_core::failure::of_sdk(&e).into(),
            other => Self::Other(other.to_string()),
        }
    }
}

/// The file the e2e test uses instead of a native dialog, which a WebDriver cannot
/// drive (`CHAPPE_TEST_KEY_FILE`). Unset in normal use.
fn test_key_file() -> Option<PathBuf> {
    std::env::var_os("CHAPPE_TEST_KEY_FILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

async fn save_dialog(app: &AppHandle, suggested: &'static str) -> Result<Option<PathBuf>, UiError> {
    if let Some(p) = test_key_file() {
        return Ok(Some(p));
    }
    on_main(app, move || {
        rfd::FileDialog::new()
            .set_file_name(suggested)
            .add_filter("Texte (.txt)", &["txt"])
            .save_file()
    })
    .await
}

/// Where this device stands with the account's keys: set up recovery, verify this
/// device, or nothing to do.
#[tauri::command]
#[specta::specta]
pub async fn keys_state(state: State<'_, SharedState>) -> Result<KeysState, UiError> {
    let client = state.client().await?;
    Ok(encryption::state(&client).await?)
}

/// First device: sets up cross-signing, the key backup and the recovery key, and
/// returns the key, to be shown once. `password`: only when the server asked for it
/// (`passwordNeeded`).
#[tauri::command]
#[specta::specta]
pub async fn set_up_recovery(
    state: State<'_, SharedState>,
    pending: State<'_, PendingRecoveryKey>,
    password: Option<String>,
) -> Result<String, UiError> {
    let client = state.client().await?;
    let password = password.map(zeroize::Zeroizing::new);
    let key = encryption::set_up(&client, password.as_deref().map(String::as_str)).await?;
    // The one time the key leaves Rust: the screen that shows it.
    let shown = key.expose().to_owned();
    *pending.0.lock().await = Some(key);
    Ok(shown)
}

/// Writes the recovery key just shown to a file the user picks. `false`: cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_recovery_key(
    app: AppHandle,
    pending: State<'_, PendingRecoveryKey>,
) -> Result<bool, UiError> {
    let Some(path) = save_dialog(&app, "chappe-recovery-key.txt").await? else {
        return Ok(false);
    };
    let guard = pending.0.lock().await;
    // Closed meanwhile (or never made): nothing to write, and the screen is gone.
    let key = guard.as_ref().ok_or(UiError::NoRecovery)?;
    let text = zeroize::Zeroizing::new(format!("{}\n", key.expose()));
    write_private(path, text)
        .await
        .map_err(|e| UiError::Other(e.to_string()))?;
    Ok(true)
}

/// Writes `text` readable by its owner only (the key opens all encrypted history).
async fn write_private(path: PathBuf, text: zeroize::Zeroizing<String>) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&path)?.write_all(text.as_bytes())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// The user closed the screen that showed the recovery key: Rust forgets it too.
#[tauri::command]
#[specta::specta]
pub async fn forget_recovery_key(pending: State<'_, PendingRecoveryKey>) -> Result<(), UiError> {
    pending.0.lock().await.take();
    Ok(())
}

/// Another device: verifies this one with the recovery key typed (or pasted); old
/// messages are then decrypted with keys from the backup.
#[tauri::command]
#[specta::specta]
pub async fn recover_with_key(state: State<'_, SharedState>, key: String) -> Result<(), UiError> {
    let key = zeroize::Zeroizing::new(key);
    let client = state.client().await?;
    encryption::recover(&client, &key).await?;
    Ok(())
}

/// Saves every room key of this device to a file the user picks, protected by
/// `passphrase` (Element's format). `false`: cancelled.
#[tauri::command]
#[specta::specta]
pub async fn export_room_keys(
    app: AppHandle,
    state: State<'_, SharedState>,
    passphrase: String,
) -> Result<bool, UiError> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    if passphrase.is_empty() {
        return Err(UiError::EmptyPassphrase);
    }
    let client = state.client().await?;
    let Some(path) = save_dialog(&app, "chappe-keys.txt").await? else {
        return Ok(false);
    };
    encryption::export_keys(&client, path, &passphrase).await?;
    Ok(true)
}

/// Reads room keys from a file the user picks (from Chappe, Element or Tchap).
/// `None`: cancelled.
#[tauri::command]
#[specta::specta]
pub async fn import_room_keys(
    app: AppHandle,
    state: State<'_, SharedState>,
    passphrase: String,
) -> Result<Option<ImportReport>, UiError> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    if passphrase.is_empty() {
        return Err(UiError::EmptyPassphrase);
    }
    let client = state.client().await?;
    let path = match test_key_file() {
        Some(p) => Some(p),
        None => {
            on_main(&app, || {
                rfd::FileDialog::new()
                    .add_filter("Clés (.txt)", &["txt"])
                    .pick_file()
            })
            .await?
        }
    };
    let Some(path) = path else { return Ok(None) };
    Ok(Some(
        encryption::import_keys(&client, path, &passphrase).await?,
    ))
}
