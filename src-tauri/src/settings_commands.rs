//! The settings screen's own commands: the preferences kept on this computer
//! (language, theme, proxy; `chappe_core::settings`), and the "About" facts (version,
//! logs folder, with a button that opens it).

use std::path::PathBuf;

use chappe_core::{
    proxy::{ProxyError, ProxyUrl},
    settings::{self, Settings, SettingsError},
};
use serde::Serialize;
use tauri::State;

use crate::error::UiError;

/// The preferences file and the logs folder, managed next to `AppState`.
pub struct Prefs {
    path: PathBuf,
    current: std::sync::Mutex<Settings>,
    /// Where the daily log files go; `None` when the OS gave no folder.
    pub log_dir: Option<PathBuf>,
}

impl Prefs {
    /// Reads the file once (a missing or corrupt file gives the defaults).
    pub fn load(config_dir: Option<PathBuf>, log_dir: Option<PathBuf>) -> Self {
        let path =
            settings::path_in(&config_dir.unwrap_or_else(|| std::env::temp_dir().join("chappe")));
        let current = settings::load(&path);
        Self {
            path,
            current: std::sync::Mutex::new(current),
            log_dir,
        }
    }

    pub fn get(&self) -> Settings {
        // A poisoned lock only means a panic elsewhere mid-copy; the value is still whole.
        self.current
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The proxy the next sign-in or start goes through.
    pub fn proxy(&self) -> Option<ProxyUrl> {
        self.get().proxy_url()
    }

    fn save(&self, wanted: Settings) -> Result<Settings, SettingsError> {
        let saved = settings::save(&self.path, wanted)?;
        match self.current.lock() {
            Ok(mut cur) => *cur = saved.clone(),
            Err(p) => *p.into_inner() = saved.clone(),
        }
        Ok(saved)
    }
}

/// What the settings screen shows.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub settings: Settings,
    pub version: String,
    /// The folder of the log files, to show and open; `None` if logs go nowhere.
    pub log_dir: Option<String>,
}

fn view(prefs: &Prefs, settings: Settings) -> SettingsView {
    SettingsView {
        settings,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        log_dir: prefs.log_dir.as_ref().map(|d| d.display().to_string()),
    }
}

impl From<SettingsError> for UiError {
    fn from(err: SettingsError) -> Self {
        match err {
            SettingsError::Proxy(ProxyError::UnsupportedScheme(_)) => Self::UnsupportedProxyScheme,
            SettingsError::Proxy(_) => Self::InvalidProxy,
            SettingsError::Write(e) => Self::SettingsNotSaved(e.to_string()),
            other => Self::SettingsNotSaved(other.to_string()),
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn settings(prefs: State<'_, Prefs>) -> Result<SettingsView, UiError> {
    Ok(view(&prefs, prefs.get()))
}

/// Checks and saves the preferences; an invalid proxy is refused (nothing saved) with
/// the reason. The proxy is used from the next sign-in or start.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(
    prefs: State<'_, Prefs>,
    settings: Settings,
) -> Result<SettingsView, UiError> {
    let saved = prefs.save(settings)?;
    Ok(view(&prefs, saved))
}

/// Opens the logs folder in the system's file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_logs_folder(prefs: State<'_, Prefs>) -> Result<(), UiError> {
    let dir = prefs.log_dir.clone().ok_or(UiError::NotFound)?;
    std::fs::create_dir_all(&dir).map_err(|e| UiError::Other(e.to_string()))?;
    tokio::task::spawn_blocking(move || open::that_detached(&dir))
        .await
        .map_err(|e| UiError::Other(e.to_string()))?
        .map_err(|e| UiError::Other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use chappe_core::settings::{Language, Theme};

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("chappe-prefs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn preferences_survive_a_restart_and_a_bad_proxy_is_refused_in_words() {
        let dir = scratch("restart");
        let prefs = Prefs::load(Some(dir.clone()), None);
        assert_eq!(prefs.get(), Settings::default());
        let wanted = Settings {
            language: Language::En,
            theme: Theme::Dark,
            proxy: Some("http://proxy.interieur.gouv.fr:3128".into()),
        };
        assert!(prefs.save(wanted.clone()).is_ok());
        // What the next start reads.
        let again = Prefs::load(Some(dir.clone()), None);
        assert_eq!(again.get(), wanted);
        assert_eq!(
            again.proxy().map(|p| p.to_string()),
            Some("http://proxy.interieur.gouv.fr:3128/".into())
        );
        let bad = Settings {
            proxy: Some("proxy:3128".into()),
            ..wanted.clone()
        };
        assert!(matches!(
            again.save(bad).map_err(UiError::from),
            Err(UiError::InvalidProxy)
        ));
        let ftp = Settings {
            proxy: Some("ftp://proxy:21".into()),
            ..wanted.clone()
        };
        assert!(matches!(
            again.save(ftp).map_err(UiError::from),
            Err(UiError::UnsupportedProxyScheme)
        ));
        assert_eq!(
            Prefs::load(Some(dir.clone()), None).get(),
            wanted,
            "nothing saved"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_settings_file_starts_with_the_defaults() {
        let dir = scratch("corrupt");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join("settings.json"), "{ not json");
        let prefs = Prefs::load(Some(dir.clone()), None);
        assert_eq!(prefs.get(), Settings::default());
        assert!(
            dir.join("settings.json.corrupt").exists(),
            "kept aside, not lost"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
