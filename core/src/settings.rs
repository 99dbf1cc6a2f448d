//! The user's preferences kept on this computer (`settings.json` in the app's config
//! folder, next to the admin-style `config.json` but written by Chappe itself):
//! language, theme and network proxy.
//!
//! Reading never fails: a missing file gives the defaults; a file that is not JSON
//! (a crash mid-write on an old version, a hand edit) is moved aside to
//! `settings.json.corrupt` so nothing is lost, and the defaults apply; a value of the
//! wrong kind falls back to its default alone, keeping the others. Writing goes through
//! a temporary file renamed over the old one, so a crash never leaves half a file.

use std::{
    io,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::warn;

use crate::proxy::{ProxyError, ProxyUrl};

/// The file's name in the app's config folder.
pub const FILE_NAME: &str = "settings.json";

/// The language of the interface. `System` follows the OS (the webview's language).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    System,
    Fr,
    En,
}

/// Light or dark colours. `System` follows the OS (`prefers-color-scheme`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// What the settings screen shows and saves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub language: Language,
    pub theme: Theme,
    /// `http://host:port`, `socks5://host:port`…; `None`: direct connection. Used from
    /// the next sign-in or start.
    pub proxy: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    #[error("the settings could not be written: {0}")]
    Write(#[from] io::Error),
}

impl Settings {
    /// The proxy to use, checked. A saved value that no longer parses (hand-edited
    /// file) is ignored rather than blocking the sign-in.
    pub fn proxy_url(&self) -> Option<ProxyUrl> {
        match ProxyUrl::parse_optional(self.proxy.as_deref()) {
            Ok(p) => p,
            Err(err) => {
                warn!(%err, "the saved proxy is not valid; connecting directly");
                None
            }
        }
    }

    /// Checks what the settings screen sent and tidies it (spaces, empty proxy).
    pub fn validated(mut self) -> Result<Self, SettingsError> {
        let trimmed = self
            .proxy
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        ProxyUrl::parse_optional(trimmed.as_deref())?;
        self.proxy = trimmed;
        Ok(self)
    }
}

/// Where the settings live in `config_dir`.
pub fn path_in(config_dir: &Path) -> PathBuf {
    config_dir.join(FILE_NAME)
}

/// Reads the settings; never fails (see the module doc).
pub fn load(path: &Path) -> Settings {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Settings::default(),
        Err(err) => {
            warn!(%err, path = %path.display(), "settings unreadable; using the defaults");
            return Settings::default();
        }
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => {
            // Field by field: one bad value must not cost the others.
            fn field<T: serde::de::DeserializeOwned + Default>(
                map: &serde_json::Map<String, Value>,
                key: &str,
            ) -> T {
                map.get(key)
                    .and_then(|v| serde_json::from_value(v.clone()).ok())
                    .unwrap_or_default()
            }
            Settings {
                language: field(&map, "language"),
                theme: field(&map, "theme"),
                proxy: field(&map, "proxy"),
            }
        }
        _ => {
            let aside = path.with_extension("json.corrupt");
            warn!(path = %path.display(), aside = %aside.display(),
                "settings file is not valid JSON; kept aside, using the defaults");
            if let Err(err) = std::fs::rename(path, &aside) {
                warn!(%err, "could not move the corrupt settings file aside");
            }
            Settings::default()
        }
    }
}

/// Validates and writes the settings; returns what was saved.
pub fn save(path: &Path, settings: Settings) -> Result<Settings, SettingsError> {
    let settings = settings.validated()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_string_pretty(&settings).map_err(io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn saved_settings_come_back() {
        let d = dir();
        let path = path_in(&d.path().join("nested"));
        assert_eq!(load(&path), Settings::default(), "no file: the defaults");
        let wanted = Settings {
            language: Language::En,
            theme: Theme::Dark,
            proxy: Some("  socks5://127.0.0.1:1080 ".into()),
        };
        let saved = save(&path, wanted).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(saved.proxy.as_deref(), Some("socks5://127.0.0.1:1080"));
        assert_eq!(load(&path), saved);
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn an_invalid_proxy_is_refused_and_the_file_untouched() {
        let d = dir();
        let path = path_in(d.path());
        let first = Settings {
            theme: Theme::Light,
            ..Settings::default()
        };
        save(&path, first.clone()).unwrap_or_else(|e| panic!("{e}"));
        let bad = Settings {
            proxy: Some("proxy:3128".into()),
            ..first.clone()
        };
        assert!(matches!(
            save(&path, bad),
            Err(SettingsError::Proxy(ProxyError::Invalid))
        ));
        assert_eq!(load(&path), first);
        let empty = save(
            &path,
            Settings {
                proxy: Some("   ".into()),
                ..first.clone()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(empty.proxy, None, "spaces mean no proxy");
    }

    #[test]
    fn a_corrupt_file_gives_the_defaults_and_is_kept_aside() {
        let d = dir();
        let path = path_in(d.path());
        std::fs::write(&path, "{\"language\": \"en\", \"the").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(&path), Settings::default());
        let aside = d.path().join("settings.json.corrupt");
        assert!(std::fs::read_to_string(aside).is_ok_and(|t| t.contains("\"en\"")));
        // And saving works again afterwards.
        assert!(save(&path, Settings::default()).is_ok());
    }

    #[test]
    fn one_bad_value_keeps_the_others() {
        let d = dir();
        let path = path_in(d.path());
        std::fs::write(
            &path,
            r#"{"language": "en", "theme": "purple", "proxy": 42, "future": true}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let s = load(&path);
        assert_eq!(s.language, Language::En);
        assert_eq!(s.theme, Theme::System);
        assert_eq!(s.proxy, None);
    }

    #[test]
    fn a_hand_edited_bad_proxy_is_ignored_at_sign_in() {
        let s = Settings {
            proxy: Some("nonsense".into()),
            ..Settings::default()
        };
        assert!(s.proxy_url().is_none());
        let s = Settings {
            proxy: Some("http://p:3128".into()),
            ..Settings::default()
        };
        assert_eq!(
            s.proxy_url().map(|p| p.to_string()),
            Some("http://p:3128/".into())
        );
    }
}
