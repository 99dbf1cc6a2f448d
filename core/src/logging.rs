//! Where Chappe's logs go: the console (stderr, as verbose as `RUST_LOG` asks, for
//! developers) and a file in the OS log folder that support can ask a user for.
//!
//! The file rotates daily and keeps [`KEEP_FILES`] days. What lands in it is
//! shielded twice, because it stays on disk and is sent around:
//! - its filter is fixed ([`FILE_FILTER`]), never taken from `RUST_LOG`: the SDK's
//!   debug and trace output (request bodies, event contents, so message text) never
//!   reaches it, whatever the console shows;
//! - every line is scrubbed before it is written ([`scrub`]): access and refresh
//!   tokens (`access_token=…`, `"password": "…"`, `Bearer …`, Synapse's `syt_…`),
//!   passwords, passphrases and recovery keys become `***`, should a library put one
//!   in an error message.

use std::{
    io::{self, Write},
    path::{Path, PathBuf},
    sync::LazyLock,
};

use regex::Regex;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::{
    fmt::{self, MakeWriter},
    layer::SubscriberExt,
    util::SubscriberInitExt,
    EnvFilter, Layer, Registry,
};

/// Log files are `chappe.YYYY-MM-DD.log`.
pub const FILE_PREFIX: &str = "chappe";
pub const FILE_SUFFIX: &str = "log";
/// Days of logs kept; older files are deleted as new days start.
pub const KEEP_FILES: usize = 7;
/// What the file records: warnings from every library, Chappe's own information.
pub const FILE_FILTER: &str = "warn,chappe=info,chappe_app=info,chappe_core=info";
/// The console's filter when `RUST_LOG` is not set.
pub const CONSOLE_DEFAULT: &str = "warn,chappe=info,chappe_app=info,chappe_core=info";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoggingError {
    #[error("the log folder cannot be used: {0}")]
    Folder(#[from] tracing_appender::rolling::InitError),
    #[error("logging was already set up")]
    AlreadySet(#[from] tracing_subscriber::util::TryInitError),
}

/// Sets up the console and, when `dir` is given, the daily file in `dir`. The
/// console follows `RUST_LOG`. Call once, at start.
pub fn init(dir: Option<&Path>) -> Result<(), LoggingError> {
    init_with(dir, None)
}

/// Another layer the shell adds under the console and the file (in debug builds, the
/// IPC recorder of the secrets test). Boxed: its type is the shell's business.
pub type ExtraLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// [`init`], with the shell's `extra` layer.
pub fn init_with(dir: Option<&Path>, extra: Option<ExtraLayer>) -> Result<(), LoggingError> {
    let console = EnvFilter::try_from_default_env().unwrap_or_else(|_| CONSOLE_DEFAULT.into());
    install_with(dir, console, io::stderr, extra)
}

/// [`init`] with the console's filter and writer given (tests send the console,
/// at full verbosity, nowhere, and check the file).
pub fn install<W>(
    dir: Option<&Path>,
    console: EnvFilter,
    console_writer: W,
) -> Result<(), LoggingError>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    install_with(dir, console, console_writer, None)
}

fn install_with<W>(
    dir: Option<&Path>,
    console: EnvFilter,
    console_writer: W,
    extra: Option<ExtraLayer>,
) -> Result<(), LoggingError>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let console_layer = fmt::layer()
        .with_writer(console_writer)
        .with_filter(console);
    let file_layer = match dir {
        Some(dir) => Some(
            fmt::layer()
                .with_ansi(false)
                .with_writer(Scrubbed(appender(dir)?))
                .with_filter(EnvFilter::new(FILE_FILTER)),
        ),
        None => None,
    };
    tracing_subscriber::registry()
        .with(extra)
        .with(console_layer)
        .with(file_layer)
        .try_init()?;
    Ok(())
}

fn appender(dir: &Path) -> Result<RollingFileAppender, tracing_appender::rolling::InitError> {
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix(FILE_SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(dir)
}

/// The log files in `dir`, oldest first (for the test, and for support tools).
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(FILE_PREFIX) && n.ends_with(FILE_SUFFIX))
        })
        .collect();
    files.sort();
    files
}

// Key names whose values are secrets, however they are written: `key=value` (URL
// query), `"key": "value"` (JSON), `key: "value"` (Debug output).
static SECRET_FIELDS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)("?\b(?:access_token|refresh_token|id_access_token|password|new_password|passphrase|store_passphrase|recovery_key|secret|token)\b"?\s*[:=]\s*"?)([^"&\s,;}\)]+)"#,
    )
    .ok()
});
static BEARER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+").ok());
// Synapse's and MAS's token shapes, wherever they appear.
static TOKEN_SHAPES: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(syt|syr|mat|mct|mcr)_[A-Za-z0-9_-]{8,}").ok());
// A recovery key: 12 groups of 4 base58 characters, the first starting with "Es".
static RECOVERY_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"\bEs[1-9A-HJ-NP-Za-km-z]{2}(?:\s?[1-9A-HJ-NP-Za-km-z]{4}){11}\b").ok()
});

/// A log line with its secrets replaced by `***`.
pub fn scrub(line: &str) -> String {
    let mut out = line.to_owned();
    if let Some(re) = SECRET_FIELDS.as_ref() {
        out = re.replace_all(&out, "${1}***").into_owned();
    }
    if let Some(re) = BEARER.as_ref() {
        out = re.replace_all(&out, "${1}***").into_owned();
    }
    if let Some(re) = TOKEN_SHAPES.as_ref() {
        out = re.replace_all(&out, "${1}_***").into_owned();
    }
    if let Some(re) = RECOVERY_KEY.as_ref() {
        out = re.replace_all(&out, "***").into_owned();
    }
    out
}

/// A writer factory that scrubs what it writes. The fmt layer formats a whole event,
/// then writes it in one call, so each write is scrubbed as a whole line.
struct Scrubbed<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Scrubbed<M> {
    type Writer = ScrubWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubWriter(self.0.make_writer())
    }
}

struct ScrubWriter<W>(W);

impl<W: Write> Write for ScrubWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let clean = scrub(&String::from_utf8_lossy(buf));
        self.0.write_all(clean.as_bytes())?;
        // All of `buf` was handled (written scrubbed), whatever its new length.
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_passwords_are_scrubbed_in_every_spelling() {
        let cases = [
            "GET https://m.org/_matrix/media/v3/download/x?access_token=syt_YWxpY2U_abcdefghij_0a1b2c&allow_redirect=true",
            r#"body: {"type":"m.login.password","password":"hunter2-secret","user":"alice"}"#,
            r#"StoredSession { access_token: "opaque-token-9999", store_passphrase: "deadbeefcafe" }"#,
            "Authorization: Bearer opaque-token-9999",
            "refresh_token=rrr-secret-123 next",
            "token syt_YWxpY2U_abcdefghij_0a1b2c leaked",
        ];
        for case in cases {
            let clean = scrub(case);
            for secret in [
                "syt_YWxpY2U_abcdefghij_0a1b2c",
                "hunter2-secret",
                "opaque-token-9999",
                "deadbeefcafe",
                "rrr-secret-123",
            ] {
                assert!(!clean.contains(secret), "{secret} left in {clean}");
            }
            assert!(clean.contains("***"), "{clean}");
        }
        // What is not secret stays readable.
        assert_eq!(
            scrub("sync failed: connection refused (room !abc:x)"),
            "sync failed: connection refused (room !abc:x)"
        );
        assert!(scrub("...&allow_redirect=true").contains("allow_redirect=true"));
    }

    #[test]
    fn recovery_keys_are_scrubbed() {
        let key = "EsTc LW2K PGiF wKEA 3As5 g5c4 BXwk qeeJ ZJV8 Q9fu gUMN UE4d";
        let clean = scrub(&format!("key backup: {key} restored"));
        assert!(!clean.contains("LW2K PGiF"), "{clean}");
        assert!(clean.contains("key backup"));
    }
}
