//! The saved session lives in the OS secret store (Secret Service, macOS Keychain,
//! Windows Credential Manager): it holds the access token and the store passphrase.
//! keyring calls block for tens of milliseconds, so they run on the blocking pool.

use std::path::Path;

use chappe_core::StoredSession;
use tracing::warn;

const SERVICE: &str = "fr.chappe.app";
/// One saved session per data folder: two installs (or the demo and the tests) on one
/// machine never read each other's session.
fn entry(data_dir: &Path) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, &format!("session:{}", data_dir.display()))
}

pub async fn save(data_dir: &Path, session: &StoredSession) -> Result<(), String> {
    let json = zeroize::Zeroizing::new(serde_json::to_string(session).map_err(|e| e.to_string())?);
    let dir = data_dir.to_owned();
    tokio::task::spawn_blocking(move || entry(&dir)?.set_password(&json))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

pub async fn load(data_dir: &Path) -> Option<StoredSession> {
    let dir = data_dir.to_owned();
    let secret = tokio::task::spawn_blocking(move || {
        entry(&dir)?.get_password().map(zeroize::Zeroizing::new)
    })
    .await
    .ok()?;
    match secret {
        Ok(json) => match serde_json::from_str(&json) {
            Ok(s) => Some(s),
            Err(err) => {
                warn!(%err, "the saved session is unreadable; ignoring it");
                None
            }
        },
        Err(keyring::Error::NoEntry) => None,
        Err(err) => {
            warn!(%err, "the secret store is unavailable");
            None
        }
    }
}

/// Whether a secret store answers at all (a missing entry still counts as available).
/// Asked at start, so the login form can make the user choose knowingly before
/// signing in without one.
pub async fn available(data_dir: &Path) -> bool {
    let dir = data_dir.to_owned();
    let result = tokio::task::spawn_blocking(move || {
        entry(&dir)?.get_password().map(zeroize::Zeroizing::new)
    })
    .await;
    match result {
        Ok(Ok(_)) | Ok(Err(keyring::Error::NoEntry)) => true,
        Ok(Err(err)) => {
            warn!(%err, "no usable secret store");
            false
        }
        Err(_) => false,
    }
}

pub async fn forget(data_dir: &Path) {
    let dir = data_dir.to_owned();
    let result = tokio::task::spawn_blocking(move || entry(&dir)?.delete_credential()).await;
    if let Ok(Err(err)) = result {
        if !matches!(err, keyring::Error::NoEntry) {
            warn!(%err, "could not remove the saved session");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn without_a_secret_service_the_keychain_is_said_unavailable() {
        // No D-Bus session bus at this address: the Secret Service cannot answer.
        std::env::set_var(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/chappe-test-bus",
        );
        let dir = std::env::temp_dir().join("chappe-keychain-probe");
        assert!(!available(&dir).await);
        assert!(load(&dir).await.is_none());
    }
}
