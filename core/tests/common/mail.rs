//! The mails Synapse and sydent sent during the tests, as delivered by
//! `tests/server/smtp_sink.py`: one JSON file per mail in `CHAPPE_TEST_MAILDIR/new`,
//! named so that names sort by arrival. Tests use random addresses, so "the mail to
//! this address" is unambiguous even when tests run in parallel.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, Result};
use serde_json::Value;

use super::wait_for;

/// Mails take well under a second to arrive; leave room for a loaded machine.
pub const MAIL_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Mail {
    pub file: PathBuf,
    /// Envelope recipients, as the SMTP client gave them.
    pub rcpt_tos: Vec<String>,
    pub subject: String,
    /// The decoded text/plain parts.
    pub text: String,
    /// The decoded text/html parts.
    pub html: String,
}

impl Mail {
    fn read(file: &Path) -> Result<Self> {
        let json: Value = serde_json::from_slice(&std::fs::read(file)?)
            .with_context(|| format!("mail {}", file.display()))?;
        let text = |key: &str| json[key].as_str().unwrap_or_default().to_owned();
        Ok(Self {
            file: file.to_owned(),
            rcpt_tos: json["rcpt_tos"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
            subject: text("subject"),
            text: text("text"),
            html: text("html"),
        })
    }

    pub fn is_to(&self, address: &str) -> bool {
        self.rcpt_tos
            .iter()
            .any(|r| r.eq_ignore_ascii_case(address))
    }

    /// The http(s) links of the text part, in order.
    pub fn links(&self) -> Vec<String> {
        self.text
            .split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(str::to_owned)
            .collect()
    }

    /// The first link whose text contains `part` (e.g. `submit_token`).
    pub fn link_containing(&self, part: &str) -> Result<String> {
        self.links()
            .into_iter()
            .find(|l| l.contains(part))
            .with_context(|| format!("no link with {part:?} in the mail:\n{}", self.text))
    }
}

pub struct Mailbox {
    pub dir: PathBuf,
}

impl Mailbox {
    /// The sink's folder, from `CHAPPE_TEST_MAILDIR`.
    pub fn from_env() -> Self {
        let dir = std::env::var("CHAPPE_TEST_MAILDIR").unwrap_or_else(|_| {
            panic!("CHAPPE_TEST_MAILDIR is not set (see tests/server/identity.sh maildir NAME)")
        });
        Self { dir: dir.into() }
    }

    /// Every mail delivered so far, oldest first.
    pub fn all(&self) -> Result<Vec<Mail>> {
        let new = self.dir.join("new");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&new)
            .with_context(|| format!("mail folder {}", new.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files.iter().map(|f| Mail::read(f)).collect()
    }

    pub fn to(&self, address: &str) -> Result<Vec<Mail>> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|m| m.is_to(address))
            .collect())
    }

    /// Waits for the first mail to `address` that satisfies `wanted`.
    pub async fn wait_for(&self, address: &str, wanted: impl Fn(&Mail) -> bool) -> Mail {
        wait_for(&format!("a mail to {address}"), MAIL_TIMEOUT, || {
            let found = self
                .to(address)
                .ok()
                .and_then(|mails| mails.into_iter().find(|m| wanted(m)));
            async move { found }
        })
        .await
    }
}
