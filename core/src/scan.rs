//! Antivirus status of attachments, from the server's content scanner.
//!
//! Tchap-like deployments put Element's matrix-content-scanner in front of the media
//! repository: it downloads a file from the homeserver (with the user's token), decrypts
//! it when it is an attachment of an encrypted room, runs an antivirus on it, and says
//! whether it is clean. [`ContentScanner::scan`] asks it about one attachment and
//! [`ContentScanner::download`] gets the bytes through it, so that a file handed to the
//! user has always been scanned.
//!
//! States of one attachment, as the UI shows them: "scanning" while
//! [`ContentScanner::scan`] runs, then one [`ScanStatus`]: clean, infected or forbidden
//! (both blocked: never offered to save or open), or unavailable (the scanner could not
//! answer; the caller may ask again later), or not uploaded (one's own attachment still
//! in the send queue: nothing to scan). The scanner caches its verdicts, so asking
//! again is cheap.
//!
//! Previews: [`ContentScanner::fetch_preview`] hands a picture or thumbnail to the
//! webview only once the scanner said it clean (and, for a thumbnail the sender made,
//! the file it previews too); the verdicts it got are kept for the session
//! ([`ContentScanner::verdict`]), so drawing a picture again asks nothing.
//!
//! Encrypted attachments: the scanner needs the file's key to decrypt it. The key is
//! sent encrypted to the scanner's public key (libolm's PkEncryption, as the scanner
//! expects), so that only the scanner, not a proxy on the way, can read it. The public
//! key is fetched once, and again when the scanner says it could not decrypt a request
//! (it was restarted with another key).
//!
//! The scanner's address is the admin's `content_scanner.url`, else the homeserver's
//! (where Tchap serves it). A homeserver that does not know the scanner's API has no
//! scanner: its files are [`ScanStatus::NoScanner`], shown as before this feature. An
//! admin's scanner that does not know it is misconfigured: no verdict. The user's access token is sent to it: the scanner needs it
//! to download authenticated media, and it is the admin's own service.

use std::{
    collections::HashMap,
    io::Read,
    sync::{
        atomic::{AtomicBool, Ordering},
        Mutex,
    },
    time::Duration,
};

use matrix_sdk::{
    encryption::MediaEncryptionInfo,
    reqwest::{self, Method, StatusCode},
    ruma::{events::room::MediaSource, OwnedMxcUri},
    Client,
};
use serde::Serialize;
use serde_json::{json, Value};
use url::Url;
use vodozemac::{base64_encode, pk_encryption::PkEncryption, Curve25519PublicKey};

use crate::media::{MediaError, MediaKey, MediaSources};

const PREFIX: &str = "_matrix/media_proxy/unstable";
/// Small requests (the public key): a scanner that does not answer this fast is down.
const KEY_TIMEOUT: Duration = Duration::from_secs(10);
/// A scan downloads the whole file on the server side and runs the antivirus on it.
const SCAN_TIMEOUT: Duration = Duration::from_secs(120);
/// A download through the scanner also carries the bytes to us.
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Verdicts kept for the preview gate; past this the memory is simply cleared (each
/// entry is small; reopening a room asks again, and the scanner has its own cache).
const REMEMBERED_VERDICTS: usize = 5_000;
/// Where matrix-sdk's send queue keeps attachments not uploaded yet (`mxc://` URIs
/// valid only locally).
const SEND_QUEUE_SERVER: &str = "send-queue.localhost";

/// The verdict on one attachment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ScanStatus {
    Clean,
    /// The antivirus flagged it. `info` is the scanner's own words, for logs.
    Infected {
        info: String,
    },
    /// The scanner refuses this type of file (its `allowed_mimetypes` policy).
    Forbidden {
        info: String,
    },
    /// No verdict: the scanner is down, slow or answered an error. Not a verdict of
    /// clean.
    Unavailable {
        reason: String,
    },
    /// The homeserver has no content scanner (and the admin configured none).
    NoScanner,
    /// One's own attachment still in the send queue: not on the server yet, nothing to
    /// scan (its bytes are the user's own, read from the local cache).
    NotUploaded,
}

impl ScanStatus {
    /// A file that must never be offered to save or open.
    pub fn is_blocked(&self) -> bool {
        matches!(self, Self::Infected { .. } | Self::Forbidden { .. })
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    #[error("not a content scanner URL: {0}")]
    BadUrl(String),
    #[error(transparent)]
    Media(#[from] MediaError),
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the file is infected: {0}")]
    Infected(String),
    #[error("the content scanner refuses this type of file: {0}")]
    Forbidden(String),
    #[error("the file is not on the server")]
    NotFound,
    #[error("no content scanner at this address")]
    NoScanner,
    #[error("the content scanner cannot be reached: {0}")]
    Unreachable(#[source] reqwest::Error),
    #[error("the content scanner answered {status}: {reason}")]
    Status { status: u16, reason: String },
    #[error("unexpected answer from the content scanner: {0}")]
    BadAnswer(String),
    #[error("encryption: {0}")]
    Crypto(String),
    /// The scanner gave no verdict (yet): a preview is not shown without one.
    #[error("no antivirus verdict: {0}")]
    NoVerdict(String),
}

/// The content scanner of one account's server.
#[derive(Debug)]
pub struct ContentScanner {
    base: Url,
    /// Set by the admin (else the homeserver's address, which may have none).
    configured: bool,
    public_key: Mutex<Option<Curve25519PublicKey>>,
    /// Verdicts given, by scanned key (`MediaKey::to_path`), for the preview gate: a
    /// picture drawn again is not scanned again. "No verdict" is not kept.
    verdicts: Mutex<HashMap<String, ScanStatus>>,
    /// The homeserver said it has no scanner: not asked again for every picture.
    absent: AtomicBool,
}

/// What is asked of the scanner about a file.
#[derive(Clone, Copy, PartialEq)]
enum Ask {
    Scan,
    Download,
}

impl ContentScanner {
    /// The scanner at `configured` (the admin's `content_scanner.url`), else at the
    /// homeserver.
    pub fn new(configured: Option<&str>, homeserver: &Url) -> Result<Self, ScanError> {
        let (base, configured) = match configured.map(str::trim).filter(|s| !s.is_empty()) {
            Some(url) => {
                let parsed = Url::parse(url).map_err(|_| ScanError::BadUrl(url.to_owned()))?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(ScanError::BadUrl(url.to_owned()));
                }
                (parsed, true)
            }
            None => (homeserver.clone(), false),
        };
        Ok(Self {
            base,
            configured,
            public_key: Mutex::new(None),
            verdicts: Mutex::new(HashMap::new()),
            absent: AtomicBool::new(false),
        })
    }

    pub fn url(&self) -> &Url {
        &self.base
    }

    /// Asks the scanner whether the file behind `key` is clean. Never fails: whatever
    /// goes wrong is [`ScanStatus::Unavailable`], with the reason. A thumbnail's verdict
    /// is its file's (the scanner scans whole files).
    pub async fn scan(
        &self,
        client: &Client,
        sources: &MediaSources,
        key: &MediaKey,
    ) -> ScanStatus {
        let key = &scanned(key);
        if is_local(key) {
            return ScanStatus::NotUploaded;
        }
        let answer = match self.ask(client, sources, key, Ask::Scan).await {
            Ok(bytes) => bytes,
            Err(ScanError::NoScanner) if !self.configured => return ScanStatus::NoScanner,
            Err(e) => return status_of_error(e),
        };
        #[derive(serde::Deserialize)]
        struct Verdict {
            clean: bool,
            #[serde(default)]
            info: Option<String>,
        }
        match serde_json::from_slice::<Verdict>(&answer) {
            Ok(Verdict { clean: true, .. }) => ScanStatus::Clean,
            Ok(Verdict { clean: false, info }) => ScanStatus::Infected {
                info: info.unwrap_or_default(),
            },
            Err(e) => ScanStatus::Unavailable {
                reason: ScanError::BadAnswer(e.to_string()).to_string(),
            },
        }
    }

    /// [`ContentScanner::scan`], answered from memory when this session already has a
    /// verdict on the file.
    pub async fn verdict(
        &self,
        client: &Client,
        sources: &MediaSources,
        key: &MediaKey,
    ) -> ScanStatus {
        let key = scanned(key);
        if is_local(&key) {
            return ScanStatus::NotUploaded;
        }
        if self.absent.load(Ordering::Relaxed) {
            return ScanStatus::NoScanner;
        }
        let path = key.to_path().unwrap_or_default();
        let known = {
            let verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
            verdicts.get(&path).cloned()
        };
        if let Some(status) = known {
            return status;
        }
        let status = self.scan(client, sources, &key).await;
        match &status {
            ScanStatus::Unavailable { .. } => {}
            ScanStatus::NoScanner => self.absent.store(true, Ordering::Relaxed),
            _ => {
                let mut verdicts = self.verdicts.lock().unwrap_or_else(|e| e.into_inner());
                if verdicts.len() >= REMEMBERED_VERDICTS {
                    verdicts.clear();
                }
                verdicts.insert(path, status.clone());
            }
        }
        status
    }

    /// The bytes of a picture or thumbnail the webview is about to decode, only once
    /// the scanner said it clean, and the file it previews too (a thumbnail the sender
    /// made is another upload, scanned on its own). Without a scanner, as before. A
    /// blocked file's preview is never fetched, nor one without a verdict yet.
    pub async fn fetch_preview(
        &self,
        client: &Client,
        sources: &MediaSources,
        key: &MediaKey,
    ) -> Result<Vec<u8>, ScanError> {
        let mut checked = vec![key.clone()];
        checked.extend(sources.file_of_preview(key));
        for k in &checked {
            match self.verdict(client, sources, k).await {
                ScanStatus::Clean | ScanStatus::NoScanner | ScanStatus::NotUploaded => {}
                ScanStatus::Infected { info } => return Err(ScanError::Infected(info)),
                ScanStatus::Forbidden { info } => return Err(ScanError::Forbidden(info)),
                ScanStatus::Unavailable { reason } => return Err(ScanError::NoVerdict(reason)),
            }
        }
        Ok(crate::media::fetch(client, sources, key).await?)
    }

    /// The file behind `key`, downloaded through the scanner (which refuses infected
    /// files) and decrypted here when it is an encrypted attachment.
    pub async fn download(
        &self,
        client: &Client,
        sources: &MediaSources,
        key: &MediaKey,
    ) -> Result<Vec<u8>, ScanError> {
        let bytes = self.ask(client, sources, key, Ask::Download).await?;
        let MediaKey::Encrypted(uri) = key else {
            return Ok(bytes);
        };
        let MediaSource::Encrypted(file) = encrypted_source(sources, uri)? else {
            return Err(MediaError::Unknown.into());
        };
        let info = MediaEncryptionInfo::from(*file);
        let mut reader = std::io::Cursor::new(bytes);
        let mut decryptor = matrix_sdk_crypto::AttachmentDecryptor::new(&mut reader, info)
            .map_err(|e| ScanError::Crypto(e.to_string()))?;
        let mut plain = Vec::new();
        // The decryptor checks the file's SHA-256 at the end: a file the server or the
        // scanner altered is an error, not wrong bytes.
        decryptor
            .read_to_end(&mut plain)
            .map_err(|e| ScanError::Crypto(e.to_string()))?;
        Ok(plain)
    }

    /// Sends the request for `key` and returns the body of a 200 answer.
    async fn ask(
        &self,
        client: &Client,
        sources: &MediaSources,
        key: &MediaKey,
        ask: Ask,
    ) -> Result<Vec<u8>, ScanError> {
        let token = client.access_token().ok_or(ScanError::NotLoggedIn)?;
        let timeout = if ask == Ask::Scan {
            SCAN_TIMEOUT
        } else {
            DOWNLOAD_TIMEOUT
        };
        let verb = if ask == Ask::Scan { "scan" } else { "download" };
        let http = client.http_client();
        match key {
            MediaKey::Plain(uri) => {
                let (server, id) = parts(uri)?;
                let url = self.endpoint(&format!("{verb}/{server}/{id}"))?;
                let req = http.request(Method::GET, url).bearer_auth(&token);
                answer(req.timeout(timeout).send().await).await
            }
            MediaKey::Thumbnail(uri, w, h) => {
                let (server, id) = parts(uri)?;
                let path = match ask {
                    Ask::Scan => format!("scan/{server}/{id}"),
                    Ask::Download => format!("thumbnail/{server}/{id}"),
                };
                let mut url = self.endpoint(&path)?;
                if ask == Ask::Download {
                    url.query_pairs_mut()
                        .append_pair("width", &w.to_string())
                        .append_pair("height", &h.to_string())
                        .append_pair("method", "scale");
                }
                let req = http.request(Method::GET, url).bearer_auth(&token);
                answer(req.timeout(timeout).send().await).await
            }
            MediaKey::Encrypted(uri) => {
                let MediaSource::Encrypted(file) = encrypted_source(sources, uri)? else {
                    return Err(MediaError::Unknown.into());
                };
                let url = self.endpoint(&format!("{verb}_encrypted"))?;
                let metadata = json!({ "file": file });
                // A key fetched earlier may be stale (the scanner was restarted with
                // another one): on "failed to decrypt", fetch it again and retry once.
                for attempt in 0..2 {
                    let body = self.encrypted_body(client, &metadata, attempt > 0).await?;
                    let req = http
                        .request(Method::POST, url.clone())
                        .bearer_auth(&token)
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(body.to_string());
                    match answer(req.timeout(timeout).send().await).await {
                        Err(ScanError::Status {
                            status: 400,
                            reason,
                        }) if reason == "MCS_MEDIA_FAILED_TO_DECRYPT" && attempt == 0 => continue,
                        other => return other,
                    }
                }
                Err(ScanError::BadAnswer(
                    "the scanner could not decrypt the request".to_owned(),
                ))
            }
        }
    }

    fn endpoint(&self, path: &str) -> Result<Url, ScanError> {
        let base = self.base.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}/{PREFIX}/{path}"))
            .map_err(|_| ScanError::BadUrl(self.base.to_string()))
    }

    /// `{"encrypted_body": …}`: `metadata` encrypted to the scanner's public key.
    async fn encrypted_body(
        &self,
        client: &Client,
        metadata: &Value,
        refresh: bool,
    ) -> Result<Value, ScanError> {
        let key = self.public_key(client, refresh).await?;
        let plain = serde_json::to_vec(metadata).map_err(|e| ScanError::Crypto(e.to_string()))?;
        let message = PkEncryption::from_key(key)
            .encrypt(&plain)
            .map_err(|e| ScanError::Crypto(e.to_string()))?;
        Ok(json!({
            "encrypted_body": {
                "ciphertext": base64_encode(&message.ciphertext),
                "mac": base64_encode(&message.mac),
                "ephemeral": message.ephemeral_key.to_base64(),
            }
        }))
    }

    async fn public_key(
        &self,
        client: &Client,
        refresh: bool,
    ) -> Result<Curve25519PublicKey, ScanError> {
        if !refresh {
            // A poisoned lock only means a panic elsewhere; the cached key is still fine.
            if let Some(key) = *self.public_key.lock().unwrap_or_else(|e| e.into_inner()) {
                return Ok(key);
            }
        }
        let url = self.endpoint("public_key")?;
        let req = client.http_client().request(Method::GET, url);
        let body = answer(req.timeout(KEY_TIMEOUT).send().await).await?;
        #[derive(serde::Deserialize)]
        struct PublicKey {
            public_key: String,
        }
        let parsed: PublicKey =
            serde_json::from_slice(&body).map_err(|e| ScanError::BadAnswer(e.to_string()))?;
        let key = Curve25519PublicKey::from_base64(&parsed.public_key)
            .map_err(|e| ScanError::BadAnswer(format!("public key: {e}")))?;
        *self.public_key.lock().unwrap_or_else(|e| e.into_inner()) = Some(key);
        Ok(key)
    }
}

/// What the scanner is asked about: a server-made thumbnail's verdict is its file's
/// (the scanner scans whole files).
fn scanned(key: &MediaKey) -> MediaKey {
    match key {
        MediaKey::Thumbnail(uri, _, _) => MediaKey::Plain(uri.clone()),
        other => other.clone(),
    }
}

/// An attachment of one's own still in the send queue.
fn is_local(key: &MediaKey) -> bool {
    let (MediaKey::Plain(uri) | MediaKey::Thumbnail(uri, _, _) | MediaKey::Encrypted(uri)) = key;
    uri.server_name()
        .is_ok_and(|s| s.as_str() == SEND_QUEUE_SERVER)
}

fn parts(uri: &OwnedMxcUri) -> Result<(String, String), ScanError> {
    // MediaKey::parse validated the URI; a key built in code may not have been.
    let (server, id) = uri
        .parts()
        .map_err(|_| MediaError::BadKey(uri.to_string()))?;
    Ok((server.to_string(), id.to_owned()))
}

fn encrypted_source(sources: &MediaSources, uri: &OwnedMxcUri) -> Result<MediaSource, ScanError> {
    Ok(sources.source_of(uri).ok_or(MediaError::Unknown)?)
}

/// The body of a 200 answer, or the scanner's error (`{"reason": …, "info": …}`).
async fn answer(sent: Result<reqwest::Response, reqwest::Error>) -> Result<Vec<u8>, ScanError> {
    let response = sent.map_err(ScanError::Unreachable)?;
    let status = response.status();
    let body = response.bytes().await.map_err(ScanError::Unreachable)?;
    if status == StatusCode::OK {
        return Ok(body.to_vec());
    }
    #[derive(serde::Deserialize, Default)]
    struct Problem {
        /// A Matrix error: the request reached the homeserver, not a scanner.
        #[serde(default)]
        errcode: Option<String>,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        info: Option<String>,
    }
    let problem: Problem = serde_json::from_slice(&body).unwrap_or_default();
    let info = problem.info.unwrap_or_default();
    if problem.errcode.as_deref() == Some("M_UNRECOGNIZED") {
        return Err(ScanError::NoScanner);
    }
    Err(match problem.reason.as_deref() {
        Some("MCS_MEDIA_NOT_CLEAN") => ScanError::Infected(info),
        Some("MCS_MIME_TYPE_FORBIDDEN") => ScanError::Forbidden(info),
        Some("M_NOT_FOUND") if status == StatusCode::NOT_FOUND => ScanError::NotFound,
        reason => ScanError::Status {
            status: status.as_u16(),
            reason: reason.map_or_else(|| status.to_string(), str::to_owned),
        },
    })
}

fn status_of_error(e: ScanError) -> ScanStatus {
    match e {
        ScanError::Infected(info) => ScanStatus::Infected { info },
        ScanError::Forbidden(info) => ScanStatus::Forbidden { info },
        other => ScanStatus::Unavailable {
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use vodozemac::pk_encryption::{Message, PkDecryption};

    use super::*;

    #[test]
    fn the_scanner_is_the_configured_one_else_the_homeserver() {
        let hs = Url::parse("https://matrix.agent.tchap.gouv.fr").unwrap();
        let own = ContentScanner::new(None, &hs).unwrap();
        assert_eq!(own.url(), &hs);
        assert_eq!(
            own.endpoint("scan/a.fr/xyz").unwrap().as_str(),
            "https://matrix.agent.tchap.gouv.fr/_matrix/media_proxy/unstable/scan/a.fr/xyz"
        );
        let blank = ContentScanner::new(Some("  "), &hs).unwrap();
        assert_eq!(blank.url(), &hs);
        let admin = ContentScanner::new(Some("https://scan.example.fr/mcs/"), &hs).unwrap();
        assert_eq!(
            admin.endpoint("public_key").unwrap().as_str(),
            "https://scan.example.fr/mcs/_matrix/media_proxy/unstable/public_key"
        );
        assert!(ContentScanner::new(Some("ftp://scan.example.fr"), &hs).is_err());
        assert!(ContentScanner::new(Some("not a url"), &hs).is_err());
    }

    #[test]
    fn the_file_key_is_readable_only_with_the_scanners_private_key() {
        let scanner = PkDecryption::new();
        let message = PkEncryption::from_key(scanner.public_key())
            .encrypt(br#"{"file":{"url":"mxc://a.fr/b"}}"#)
            .unwrap();
        // What the scanner does with the body we send (its Rust half uses vodozemac too).
        let received = Message::from_base64(
            &base64_encode(&message.ciphertext),
            &base64_encode(&message.mac),
            &message.ephemeral_key.to_base64(),
        )
        .unwrap();
        assert_eq!(
            scanner.decrypt(&received).unwrap(),
            br#"{"file":{"url":"mxc://a.fr/b"}}"#
        );
        assert!(PkDecryption::new().decrypt(&received).is_err());
    }

    #[test]
    fn only_infected_and_forbidden_files_are_blocked() {
        assert!(!ScanStatus::Clean.is_blocked());
        assert!(ScanStatus::Infected {
            info: String::new()
        }
        .is_blocked());
        assert!(ScanStatus::Forbidden {
            info: String::new()
        }
        .is_blocked());
        assert!(!ScanStatus::Unavailable {
            reason: String::new()
        }
        .is_blocked());
        assert_eq!(
            serde_json::to_value(ScanStatus::Unavailable { reason: "x".into() }).unwrap(),
            json!({"kind": "unavailable", "reason": "x"})
        );
    }
}
