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

/// What the keychain holds for this data folder.
pub enum Loaded {
    Session(Box<StoredSession>),
    /// Nothing saved (or something unreadable, which is ignored).
    Nothing,
    /// The keychain is there but locked, and was not unlocked when asked (prompt
    /// dismissed, or no way to prompt): the saved session is still in it.
    Locked,
    /// No keychain answers (no Secret Service running, no D-Bus session).
    Unavailable,
}

pub async fn load(data_dir: &Path) -> Loaded {
    let dir = data_dir.to_owned();
    let Ok(secret) = tokio::task::spawn_blocking(move || {
        entry(&dir)?.get_password().map(zeroize::Zeroizing::new)
    })
    .await
    else {
        return Loaded::Unavailable;
    };
    match secret {
        Ok(json) => match serde_json::from_str(&json) {
            Ok(s) => Loaded::Session(Box::new(s)),
            Err(err) => {
                warn!(%err, "the saved session is unreadable; ignoring it");
                Loaded::Nothing
            }
        },
        Err(keyring::Error::NoEntry) => Loaded::Nothing,
        // keyring's Secret Service backend says "no storage access" for a locked
        // collection it could not unlock; anything else means no usable keychain.
        Err(keyring::Error::NoStorageAccess(err)) => {
            warn!(%err, "the secret store is locked");
            Loaded::Locked
        }
        Err(err) => {
            warn!(%err, "the secret store is unavailable");
            Loaded::Unavailable
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
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::{process::Command, time::Duration};

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
        assert!(matches!(load(&dir).await, Loaded::Unavailable));
    }

    /// The real Secret Service (gnome-keyring) in a D-Bus session of its own, so that
    /// locking it disturbs nothing else: the test runs `locked_keychain_child` there.
    #[test]
    fn a_locked_keychain_is_said_locked_and_keeps_the_session_until_unlocked() {
        let home = std::env::temp_dir().join(format!("chappe-keyring-{}", std::process::id()));
        std::fs::create_dir_all(&home).unwrap();
        // gnome-keyring creates and unlocks the "login" keyring (the default collection)
        // with the password given on stdin.
        let script = r#"set -e
export XDG_DATA_HOME="$KEYRING_HOME"
eval "$(printf 'chappe-test' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
exec "$TEST_EXE" keychain::tests::locked_keychain_child --exact --ignored --nocapture --test-threads=1
"#;
        let out = Command::new("timeout")
            .args(["120", "dbus-run-session", "--", "bash", "-c", script])
            .env("KEYRING_HOME", &home)
            .env("TEST_EXE", std::env::current_exe().unwrap())
            .env("CHAPPE_KEYCHAIN_CHILD", "1")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .output()
            .expect("dbus-run-session runs (make setup installs it)");
        let _ = std::fs::remove_dir_all(&home);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("locked keychain: all checks passed"),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "run inside its own D-Bus session by a_locked_keychain_is_said_locked_…"]
    async fn locked_keychain_child() {
        assert!(
            std::env::var_os("CHAPPE_KEYCHAIN_CHILD").is_some(),
            "run by a_locked_keychain_is_said_locked_and_keeps_the_session_until_unlocked"
        );
        let dir = std::env::temp_dir().join(format!("chappe-locked-{}", std::process::id()));
        let stored = StoredSession {
            homeserver: "http://127.0.0.1:18008".into(),
            user_id: "@agent:localhost".into(),
            device_id: "LOCKEDTEST".into(),
            access_token: zeroize::Zeroizing::new("syt_secret".into()),
            store_passphrase: zeroize::Zeroizing::new("00".repeat(32)),
            store_dir: dir.join("store"),
        };
        save(&dir, &stored).await.unwrap();
        assert!(available(&dir).await);
        assert!(matches!(load(&dir).await, Loaded::Session(s) if s.device_id == "LOCKEDTEST"));

        // The user's keychain gets locked (screen lock, timeout): Secret Service's Lock.
        let lock = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.Lock",
                "array:objpath:/org/freedesktop/secrets/collection/login",
            ])
            .status()
            .unwrap();
        assert!(lock.success(), "locking the keychain failed");
        // Reading asks the keychain to unlock, which prompts; no prompt can show here
        // (no display), as when the user dismisses it. Chappe must be told "locked",
        // quickly, not "nothing saved" (which would lead to a new login).
        let loaded = tokio::time::timeout(Duration::from_secs(30), load(&dir))
            .await
            .expect("a locked keychain must not hang the start");
        assert!(matches!(loaded, Loaded::Locked), "locked is said as such");
        assert!(!available(&dir).await, "the login form is told");

        // The user unlocks it (here: the daemon restarted with the password, as at login).
        let unlock = Command::new("bash")
            .args([
                "-c",
                "printf chappe-test | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null",
            ])
            .status()
            .unwrap();
        assert!(unlock.success());
        let start = std::time::Instant::now();
        let back = loop {
            match load(&dir).await {
                Loaded::Session(s) => break s,
                _ if start.elapsed() < Duration::from_secs(10) => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                _ => panic!("the session did not come back after unlocking"),
            }
        };
        assert_eq!(back.device_id, "LOCKEDTEST");
        assert_eq!(*back.access_token, "syt_secret", "nothing lost");
        forget(&dir).await;
        println!("locked keychain: all checks passed");
    }
}
