//! Encryption keys that follow the user from device to device: cross-signing, the
//! server-side key backup and its recovery key, and room-key files (Element's format).
//!
//! What the account is in, for this device ([`KeysState`]), as matrix-sdk's recovery
//! module sees it once its start-up check ran (at login and at restore):
//! - `NotSetUp`: no recovery on the account. The first device sets it up
//!   ([`set_up`]): cross-signing identity, key backup, and a recovery key shown once.
//! - `NeedsVerification`: the account is set up elsewhere but this device has not got
//!   its secrets. It gets them from the recovery key ([`recover`]) or from another
//!   device (interactive verification: the `verify` feature's flow; once that flow
//!   ends, the state is read again).
//! - `Ready`: this device holds the secrets; its room keys go to the backup, and keys
//!   it lacks are fetched from the backup when a message cannot be decrypted.
//!
//! The shell asks [`state`] when the main screen opens and after each action.
//!
//! Old messages that could not be decrypted are decrypted again by the SDK's event
//! cache when keys arrive (its "redecryptor"): from the backup (downloaded for each
//! undecryptable message, [`BackupDownloadStrategy::AfterDecryptionFailure`]), from
//! an imported file, or from another device. The open timelines are updated by it.
//!
//! The recovery key is a secret: it is never logged, and [`RecoveryKey`]'s `Debug`
//! prints nothing of it.

use std::{fmt, future::IntoFuture, path::PathBuf, time::Duration};

use matrix_sdk::{
    encryption::{
        recovery::{RecoveryError, RecoveryState},
        secret_storage::SecretStorageError,
        BackupDownloadStrategy, EncryptionSettings, KeyExportError, RoomKeyImportError,
    },
    ruma::api::client::uiaa::{self, MatrixUserIdentifier, UserIdentifier},
    Client,
};
use serde::Serialize;
use tracing::warn;
use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptionError {
    #[error("not logged in")]
    NotLoggedIn,
    /// The server wants the account's password to publish the cross-signing keys.
    #[error("the password is needed to set up encryption")]
    PasswordNeeded,
    #[error("wrong password")]
    WrongPassword,
    /// Recovery is already set up for this account (here or on another device): this
    /// device is verified instead.
    #[error("recovery is already set up for this account")]
    AlreadySetUp,
    /// Another device owns the account's identity: this device must be verified
    /// before it can set anything up.
    #[error("this device must be verified first")]
    VerifyFirst,
    #[error("the recovery key is empty")]
    EmptyRecoveryKey,
    /// The recovery key (or passphrase) does not open the account's secret storage.
    #[error("wrong recovery key")]
    WrongRecoveryKey,
    /// The account has no recovery set up: nothing to recover from.
    #[error("no recovery is set up for this account")]
    NoRecovery,
    /// Key files are always protected by a passphrase.
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    /// The key file's passphrase is not this one (its MAC does not match).
    #[error("wrong passphrase for this key file")]
    WrongPassphrase,
    /// Not a room-key file (Element's `MEGOLM SESSION DATA` format).
    #[error("not a key file: {0}")]
    NotAKeyFile(String),
    #[error("the file cannot be read or written: {0}")]
    File(String),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
    #[error(transparent)]
    Recovery(RecoveryError),
}

/// Where this device stands with the account's keys (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum KeysState {
    /// Not known yet (the start-up check has not answered: offline, or still running).
    Unknown,
    NotSetUp,
    #[serde(rename_all = "camelCase")]
    NeedsVerification {
        /// The account has a recovery key (secret storage) this device can use; if
        /// not, only another device can verify it.
        recovery_key: bool,
    },
    Ready,
}

/// The recovery key made by [`set_up`]: shown to the user once, then forgotten.
pub struct RecoveryKey(Zeroizing<String>);

impl RecoveryKey {
    /// The key as the user writes it down (groups of four characters).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(…)")
    }
}

/// How many room keys an import brought.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// Keys this device did not have (or had in a worse version).
    pub imported: u32,
    /// Keys found in the file.
    pub total: u32,
}

/// The settings every Chappe client is built with: keys missing for a message are
/// fetched from the backup then (one request per key, so a large backup is never
/// downloaded at once). Cross-signing is not bootstrapped behind the user's back: the
/// first device sets it up with [`set_up`], which also makes the recovery key.
pub fn settings() -> EncryptionSettings {
    EncryptionSettings {
        auto_enable_cross_signing: false,
        backup_download_strategy: BackupDownloadStrategy::AfterDecryptionFailure,
        auto_enable_backups: false,
    }
}

// The SDK's start-up check (keys query, backup and secret storage lookups) is quick
// online; offline it may retry for long, and the state then stays `Unknown`.
const INIT_WAIT: Duration = Duration::from_secs(15);
// Uploading the room keys to a new backup before the key is shown.
const BACKUP_WAIT: Duration = Duration::from_secs(30);

async fn initialised(client: &Client) {
    let encryption = client.encryption();
    let init = encryption.wait_for_e2ee_initialization_tasks();
    if tokio::time::timeout(INIT_WAIT, init).await.is_err() {
        warn!("the encryption start-up check is still running");
    }
}

async fn cross_signing_complete(client: &Client) -> bool {
    client
        .encryption()
        .cross_signing_status()
        .await
        .is_some_and(|s| s.is_complete())
}

/// Where this device stands: see [`KeysState`].
pub async fn state(client: &Client) -> Result<KeysState, EncryptionError> {
    let own = client
        .user_id()
        .ok_or(EncryptionError::NotLoggedIn)?
        .to_owned();
    initialised(client).await;
    let encryption = client.encryption();
    Ok(match encryption.recovery().state() {
        RecoveryState::Enabled => KeysState::Ready,
        RecoveryState::Incomplete => KeysState::NeedsVerification { recovery_key: true },
        RecoveryState::Unknown => KeysState::Unknown,
        RecoveryState::Disabled => {
            if cross_signing_complete(client).await {
                // This device made (or was given) the identity; only the backup and its
                // recovery key are missing.
                KeysState::NotSetUp
            } else {
                // Someone else's identity (another client set up cross-signing without
                // recovery): only another device can vouch for this one.
                let identity = encryption.request_user_identity(&own).await;
                match identity {
                    Ok(Some(_)) => KeysState::NeedsVerification {
                        recovery_key: false,
                    },
                    Ok(None) => KeysState::NotSetUp,
                    Err(err) => {
                        warn!(%err, "the account's identity cannot be fetched");
                        KeysState::Unknown
                    }
                }
            }
        }
    })
}

/// Publishes the account's cross-signing identity if it has none, answering the
/// server's password challenge when it asks for one.
async fn bootstrap_cross_signing(
    client: &Client,
    password: Option<&str>,
) -> Result<(), EncryptionError> {
    let user = client
        .user_id()
        .ok_or(EncryptionError::NotLoggedIn)?
        .to_owned();
    let encryption = client.encryption();
    let Err(first) = encryption.bootstrap_cross_signing_if_needed(None).await else {
        return Ok(());
    };
    let Some(challenge) = first.as_uiaa_response() else {
        return Err(first.into());
    };
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return Err(EncryptionError::PasswordNeeded);
    };
    let mut auth = uiaa::Password::new(
        UserIdentifier::Matrix(MatrixUserIdentifier::new(user.to_string())),
        password.to_owned(),
    );
    auth.session = challenge.session.clone();
    match encryption
        .bootstrap_cross_signing(Some(uiaa::AuthData::Password(auth)))
        .await
    {
        Ok(()) => Ok(()),
        // A second challenge, or a refusal, means the password was wrong.
        Err(e) if e.as_uiaa_response().is_some() => Err(EncryptionError::WrongPassword),
        Err(e)
            if e.client_api_error_kind()
                == Some(&matrix_sdk::ruma::api::error::ErrorKind::Forbidden) =>
        {
            Err(EncryptionError::WrongPassword)
        }
        Err(e) => Err(e.into()),
    }
}

/// First device of the account: sets up cross-signing (with `password` if the server
/// asks for it), a server-side key backup holding the room keys this device has, and
/// secret storage; returns the recovery key that opens them from another device. The
/// key exists nowhere else on this device afterwards: the caller shows it once.
pub async fn set_up(
    client: &Client,
    password: Option<&str>,
) -> Result<RecoveryKey, EncryptionError> {
    initialised(client).await;
    let recovery = client.encryption().recovery();
    if recovery.state() == RecoveryState::Enabled {
        return Err(EncryptionError::AlreadySetUp);
    }
    bootstrap_cross_signing(client, password).await?;
    if !cross_signing_complete(client).await {
        return Err(EncryptionError::VerifyFirst);
    }
    let key = match recovery.enable().await {
        Ok(key) => RecoveryKey(Zeroizing::new(key)),
        // Made by another client, which did not share its key with this device.
        Err(RecoveryError::BackupExistsOnServer) => return Err(EncryptionError::AlreadySetUp),
        Err(err) => return Err(EncryptionError::Recovery(err)),
    };
    // The keys this device already has go to the new backup now; the next ones follow
    // as they are made. Not waiting for long: the key must be shown in any case.
    flush_backup(client, BACKUP_WAIT).await;
    Ok(key)
}

/// Another device of the account: opens secret storage with the recovery key (or its
/// passphrase), takes the cross-signing keys (this device becomes verified) and the
/// backup key. Messages this device could not decrypt are then decrypted again as
/// their keys come from the backup.
pub async fn recover(client: &Client, key: &str) -> Result<(), EncryptionError> {
    // Copied from a file or a PDF, a key often carries a line break or spaces around.
    let key = Zeroizing::new(key.trim().to_owned());
    if key.is_empty() {
        return Err(EncryptionError::EmptyRecoveryKey);
    }
    initialised(client).await;
    match client.encryption().recovery().recover(&key).await {
        Ok(()) => Ok(()),
        Err(RecoveryError::SecretStorage(SecretStorageError::SecretStorageKey(_))) => {
            Err(EncryptionError::WrongRecoveryKey)
        }
        Err(RecoveryError::SecretStorage(SecretStorageError::MissingKeyInfo { .. })) => {
            Err(EncryptionError::NoRecovery)
        }
        Err(err) => Err(EncryptionError::Recovery(err)),
    }
}

/// Waits (at most `timeout`) until the room keys this device has are in the backup:
/// before signing out, so that the next device finds them there. `false` if they are
/// not all uploaded (no backup, server unreachable, too slow).
pub async fn flush_backup(client: &Client, timeout: Duration) -> bool {
    let backups = client.encryption().backups();
    if !backups.are_enabled().await {
        return false;
    }
    match tokio::time::timeout(timeout, backups.wait_for_steady_state().into_future()).await {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            warn!(?err, "room keys not all backed up");
            false
        }
        Err(_) => {
            warn!("room keys still uploading to the backup");
            false
        }
    }
}

/// Writes every room key of this device to `path`, encrypted with `passphrase`, in
/// the format Element and Tchap read (`-----BEGIN MEGOLM SESSION DATA-----`).
pub async fn export_keys(
    client: &Client,
    path: PathBuf,
    passphrase: &str,
) -> Result<(), EncryptionError> {
    if passphrase.is_empty() {
        return Err(EncryptionError::EmptyPassphrase);
    }
    client
        .encryption()
        .export_room_keys(path, passphrase, |_| true)
        .await
        .map_err(|err| match err {
            matrix_sdk::Error::Io(e) => EncryptionError::File(e.to_string()),
            other => EncryptionError::Sdk(other),
        })
}

/// Reads room keys from a file exported by Chappe, Element or Tchap; the messages
/// they open are decrypted again (open timelines update) and the keys go to the
/// backup.
pub async fn import_keys(
    client: &Client,
    path: PathBuf,
    passphrase: &str,
) -> Result<ImportReport, EncryptionError> {
    if passphrase.is_empty() {
        return Err(EncryptionError::EmptyPassphrase);
    }
    let result = client
        .encryption()
        .import_room_keys(path, passphrase)
        .await
        .map_err(|err| match err {
            RoomKeyImportError::Export(KeyExportError::InvalidMac) => {
                EncryptionError::WrongPassphrase
            }
            RoomKeyImportError::Export(KeyExportError::Io(e)) | RoomKeyImportError::Io(e) => {
                EncryptionError::File(e.to_string())
            }
            RoomKeyImportError::Export(other) => EncryptionError::NotAKeyFile(other.to_string()),
            RoomKeyImportError::SerdeJson(e) => EncryptionError::NotAKeyFile(e.to_string()),
            RoomKeyImportError::StoreClosed => EncryptionError::NotLoggedIn,
            RoomKeyImportError::CryptoStore(e) => EncryptionError::Sdk(e.into()),
        })?;
    Ok(ImportReport {
        imported: u32::try_from(result.imported_count).unwrap_or(u32::MAX),
        total: u32::try_from(result.total_count).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovery_key_never_shows_in_logs() {
        let key = RecoveryKey(Zeroizing::new("EsTj 3yST y93F SLpB".into()));
        assert!(!format!("{key:?}").contains("EsTj"));
        assert_eq!(key.expose(), "EsTj 3yST y93F SLpB");
    }

    #[test]
    fn the_state_crosses_ipc_tagged() {
        let json = serde_json::to_value(KeysState::NeedsVerification { recovery_key: true })
            .unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"state": "needsVerification", "recoveryKey": true})
        );
    }
}
