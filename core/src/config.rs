//! Admin policy: Element-style JSON config files. A machine-wide file (set by the
//! admin's installer) overrides the user's own; keys an admin knows from Element:
//! `default_server_config`, `identity_servers`, `disable_custom_urls`,
//! `room_directory.servers`, `permalink_prefix`, `brand`; and Tchap's
//! `content_scanner.url`. Unknown keys are ignored
//! (Element configs carry many). A malformed file never stops the app: it is skipped
//! and reported with its path, line and column.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// `default_server_config`, as in Element's config.json.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ServerConfig {
    #[serde(rename = "m.homeserver")]
    pub homeserver: Option<BaseUrl>,
    #[serde(rename = "m.identity_server")]
    pub identity_server: Option<BaseUrl>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct BaseUrl {
    pub base_url: Option<String>,
    pub server_name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct RoomDirectory {
    pub servers: Option<Vec<String>>,
}

/// `content_scanner`, as in Tchap's config.json.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ContentScannerConfig {
    pub url: Option<String>,
}

/// One file's content. Every key is optional, so a file sets only what it needs.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ConfigFile {
    pub default_server_config: Option<ServerConfig>,
    pub identity_servers: Option<Vec<String>>,
    pub disable_custom_urls: Option<bool>,
    pub room_directory: Option<RoomDirectory>,
    pub permalink_prefix: Option<String>,
    pub brand: Option<String>,
    pub content_scanner: Option<ContentScannerConfig>,
}

/// The settings in force after merging the files.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// The homeserver the login form starts with (a URL or a server name).
    pub homeserver: Option<String>,
    pub identity_server: Option<String>,
    /// Identity servers asked to find the homeserver of a work email.
    pub identity_servers: Vec<String>,
    /// The user may not type another server than the admin's.
    pub disable_custom_urls: bool,
    /// Servers offered in the public room directory, besides the user's own.
    pub room_directory_servers: Vec<String>,
    pub permalink_prefix: String,
    pub brand: String,
    /// The antivirus scanner of attachments (matrix-content-scanner); `None`: the
    /// homeserver's address, where Tchap serves it.
    pub content_scanner_url: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            homeserver: None,
            identity_server: None,
            identity_servers: Vec::new(),
            disable_custom_urls: false,
            room_directory_servers: Vec::new(),
            permalink_prefix: "https://matrix.to".to_owned(),
            brand: "Chappe".to_owned(),
            content_scanner_url: None,
        }
    }
}

/// A file that could not be used, and why, in words an admin can act on.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConfigProblem {
    pub path: String,
    /// 1-based; 0 when the problem is not at a place in the file (unreadable file).
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path, self.line, self.column, self.message
            )
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Parses one file's text; errors carry the line and column serde_json reports.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigProblem> {
    serde_json::from_str(text).map_err(|e| ConfigProblem {
        path: path.display().to_string(),
        line: u32::try_from(e.line()).unwrap_or(u32::MAX),
        column: u32::try_from(e.column()).unwrap_or(u32::MAX),
        message: e.to_string(),
    })
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Config {
    /// Applies one file on top: whatever the file sets wins.
    pub fn apply(&mut self, file: ConfigFile) {
        if let Some(sc) = file.default_server_config {
            if let Some(hs) = sc.homeserver {
                if let Some(v) = non_empty(hs.base_url).or_else(|| non_empty(hs.server_name)) {
                    self.homeserver = Some(v);
                }
            }
            if let Some(is) = sc.identity_server {
                if let Some(v) = non_empty(is.base_url) {
                    self.identity_server = Some(v);
                }
            }
        }
        if let Some(list) = file.identity_servers {
            self.identity_servers = list
                .into_iter()
                .filter_map(|s| non_empty(Some(s)))
                .collect();
        }
        if let Some(b) = file.disable_custom_urls {
            self.disable_custom_urls = b;
        }
        if let Some(servers) = file.room_directory.and_then(|r| r.servers) {
            self.room_directory_servers = servers
                .into_iter()
                .filter_map(|s| non_empty(Some(s)))
                .collect();
        }
        if let Some(p) = non_empty(file.permalink_prefix) {
            self.permalink_prefix = p;
        }
        if let Some(b) = non_empty(file.brand) {
            self.brand = b;
        }
        if let Some(u) = non_empty(file.content_scanner.and_then(|c| c.url)) {
            self.content_scanner_url = Some(u);
        }
    }

    /// The identity servers to ask for an email's homeserver: the listed ones, else
    /// the default server's.
    pub fn discovery_servers(&self) -> Vec<String> {
        if !self.identity_servers.is_empty() {
            return self.identity_servers.clone();
        }
        self.identity_server.iter().cloned().collect()
    }
}

/// Reads `files` in order of increasing priority (the user's, then the machine's):
/// later files override earlier ones. Missing files are normal and skipped silently.
pub fn load(files: &[PathBuf]) -> (Config, Vec<ConfigProblem>) {
    let mut config = Config::default();
    let mut problems = Vec::new();
    for path in files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                problems.push(ConfigProblem {
                    path: path.display().to_string(),
                    line: 0,
                    column: 0,
                    message: e.to_string(),
                });
                continue;
            }
        };
        match parse(path, &text) {
            Ok(file) => config.apply(file),
            Err(p) => problems.push(p),
        }
    }
    (config, problems)
}

/// Where the admin's machine-wide file lives on this OS.
pub fn machine_config_path() -> PathBuf {
    if cfg!(target_os = "windows") {
        let base = std::env::var_os("ProgramData").unwrap_or_else(|| "C:\\ProgramData".into());
        PathBuf::from(base).join("Chappe").join("config.json")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/Chappe/config.json")
    } else {
        PathBuf::from("/etc/chappe/config.json")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn the_machine_file_overrides_the_users_key_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let user = write(
            dir.path(),
            "user.json",
            r#"{
            "default_server_config": {"m.homeserver": {"base_url": "https://matrix.perso.fr"}},
            "brand": "Mon Chappe",
            "room_directory": {"servers": ["matrix.org"]}
        }"#,
        );
        let machine = write(
            dir.path(),
            "machine.json",
            r#"{
            "default_server_config": {
                "m.homeserver": {"base_url": "https://matrix.agent.tchap.gouv.fr", "server_name": "agent.tchap.gouv.fr"},
                "m.identity_server": {"base_url": "https://matrix.agent.tchap.gouv.fr"}
            },
            "disable_custom_urls": true,
            "content_scanner": {"url": "https://scan.agent.tchap.gouv.fr"},
            "unknown_element_key": {"anything": 1}
        }"#,
        );
        let (config, problems) = load(&[user, machine, dir.path().join("absent.json")]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            config.homeserver.as_deref(),
            Some("https://matrix.agent.tchap.gouv.fr")
        );
        assert!(config.disable_custom_urls);
        assert_eq!(
            config.brand, "Mon Chappe",
            "the machine file does not set it"
        );
        assert_eq!(config.room_directory_servers, vec!["matrix.org"]);
        assert_eq!(
            config.discovery_servers(),
            vec!["https://matrix.agent.tchap.gouv.fr"]
        );
        assert_eq!(config.permalink_prefix, "https://matrix.to");
        assert_eq!(
            config.content_scanner_url.as_deref(),
            Some("https://scan.agent.tchap.gouv.fr")
        );
    }

    #[test]
    fn a_malformed_file_is_skipped_and_reported_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = write(dir.path(), "good.json", r#"{"brand": "Chappe Intérieur"}"#);
        let bad = write(
            dir.path(),
            "bad.json",
            "{\n  \"brand\": \"x\",\n  \"identity_servers\": [\"a\" \"b\"]\n}",
        );
        let (config, problems) = load(&[good, bad.clone()]);
        assert_eq!(
            config.brand, "Chappe Intérieur",
            "the good file still applies"
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, bad.display().to_string());
        assert_eq!(problems[0].line, 3);
        assert!(
            problems[0].to_string().contains("bad.json:3:"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn wrong_types_are_problems_too_and_blank_values_do_not_override() {
        let dir = tempfile::tempdir().unwrap();
        let wrong = write(
            dir.path(),
            "wrong.json",
            r#"{"disable_custom_urls": "yes"}"#,
        );
        let (config, problems) = load(&[wrong]);
        assert_eq!(config, Config::default());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 1);

        let mut config = Config::default();
        config.apply(ConfigFile {
            brand: Some("  ".into()),
            identity_servers: Some(vec![" ".into(), "https://id.example".into()]),
            ..Default::default()
        });
        assert_eq!(config.brand, "Chappe");
        assert_eq!(config.identity_servers, vec!["https://id.example"]);
    }

    /// A config file nested 100,000 levels deep neither crashes nor hangs: under an
    /// unknown key it is skipped like any unknown key; under a known one it is a
    /// problem with its place.
    #[test]
    fn a_deeply_nested_file_is_read_without_crash() {
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let unknown = format!("{{\"unknown_element_key\": {deep}, \"brand\": \"B\"}}");
        let file = parse(Path::new("deep.json"), &unknown).unwrap();
        assert_eq!(file.brand.as_deref(), Some("B"));
        let known = format!("{{\"identity_servers\": {deep}}}");
        let problem = parse(Path::new("deep.json"), &known).unwrap_err();
        assert_eq!(problem.line, 1);
    }

    mod properties {
        use proptest::prelude::*;
        use serde_json::{json, Value};

        use super::super::*;

        const KEYS: &[&str] = &[
            "default_server_config",
            "identity_servers",
            "disable_custom_urls",
            "room_directory",
            "permalink_prefix",
            "brand",
            "content_scanner",
            "m.homeserver",
            "m.identity_server",
            "base_url",
            "server_name",
            "servers",
            "url",
        ];

        /// Any JSON value, its object keys mostly the config's own.
        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(|f| json!(f)),
                "\\PC{0,20}".prop_map(Value::from),
                Just(Value::from("  ")),
                Just(Value::from("https://matrix.example.gouv.fr")),
            ];
            leaf.prop_recursive(4, 40, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    proptest::collection::vec(
                        (
                            prop_oneof![
                                proptest::sample::select(KEYS).prop_map(str::to_owned),
                                "\\PC{0,8}"
                            ],
                            inner
                        ),
                        0..6
                    )
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        proptest! {
            /// Any text is either a config or a problem with a place inside the text.
            #[test]
            fn any_text_is_a_config_or_a_located_problem(text in "([{}\\[\\]\":,\\n ]|\\PC){0,200}") {
                if let Err(p) = parse(Path::new("c.json"), &text) {
                    prop_assert!(p.line >= 1, "{:?}", p);
                    prop_assert!(p.line as usize <= text.lines().count().max(1) + 1, "{:?}", p);
                }
            }

            /// Any JSON document, with the config's keys holding anything, is either
            /// refused with a problem or applied without panic; what is applied is
            /// never blank.
            #[test]
            fn any_json_is_applied_or_refused(fields in proptest::collection::vec((proptest::sample::select(KEYS), value()), 0..8)) {
                let doc = Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
                let text = doc.to_string();
                let mut config = Config::default();
                if let Ok(file) = parse(Path::new("c.json"), &text) {
                    config.apply(file);
                }
                let texts = [Some(&config.brand), Some(&config.permalink_prefix), config.homeserver.as_ref(),
                    config.identity_server.as_ref(), config.content_scanner_url.as_ref()];
                for t in texts.into_iter().flatten().chain(&config.identity_servers).chain(&config.room_directory_servers) {
                    prop_assert!(!t.is_empty() && t.trim() == t, "{:?}", t);
                }
            }
        }
    }
}
