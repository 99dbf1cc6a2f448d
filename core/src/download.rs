//! Downloading an attachment the user saves or opens, with its progress.
//!
//! matrix-sdk downloads media in one request and hands back the whole body, with no
//! progress. A document of tens of MB takes a while, and the user must see it move:
//! here the same request (the authenticated media endpoint when the server has it, as
//! the SDK does) is read chunk by chunk, and every chunk received is reported, with
//! the total the server announced. An encrypted attachment is decrypted (and its hash
//! checked) once complete, then the result goes to the SDK's media cache like any
//! download. What the cache already holds is not downloaded again: its progress jumps
//! straight to the end.
//!
//! Progress events: zero or more `received < total`, then exactly one final event with
//! `received == total` (the file's size) when the download succeeded.

use std::{
    io::Read,
    time::{Duration, Instant},
};

use matrix_sdk::{
    encryption::MediaEncryptionInfo,
    media::{store::IgnoreMediaRetentionPolicy, MediaFormat, MediaRequestParameters},
    reqwest::{Method, StatusCode},
    ruma::{
        api::{client::authenticated_media::get_content, Metadata},
        events::room::MediaSource,
        OwnedMxcUri,
    },
    Client,
};
use serde::Serialize;
use tracing::debug;

use crate::media::{self, MediaError, MediaKey, MediaSources};

/// Between two progress events, at least this long (a fast local download would
/// otherwise send thousands of them), except the last one.
const REPORT_EVERY: Duration = Duration::from_millis(50);

/// How far a download got, in bytes (f64: the IPC carries no 64-bit integers).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DownloadProgress {
    pub received: f64,
    /// What the server announced; `None` when it did not say.
    pub total: Option<f64>,
}

impl DownloadProgress {
    #[allow(clippy::cast_precision_loss)] // exact below 2^53 bytes (8 PiB)
    fn new(received: u64, total: Option<u64>) -> Self {
        Self {
            received: received as f64,
            total: total.map(|t| t as f64),
        }
    }
}

/// Downloads (and decrypts) the whole file behind `key`, telling `progress` how far it
/// got. A thumbnail key is fetched in one go (it is small).
pub async fn download(
    client: &Client,
    sources: &MediaSources,
    key: &MediaKey,
    mut progress: impl FnMut(DownloadProgress) + Send,
) -> Result<Vec<u8>, MediaError> {
    let source = match key {
        MediaKey::Plain(uri) => MediaSource::Plain(uri.clone()),
        MediaKey::Encrypted(uri) => sources.source_of(uri).ok_or(MediaError::Unknown)?,
        MediaKey::Thumbnail(..) => {
            let bytes = media::fetch(client, sources, key).await?;
            let len = bytes.len() as u64;
            progress(DownloadProgress::new(len, Some(len)));
            return Ok(bytes);
        }
    };
    let request = MediaRequestParameters {
        source: source.clone(),
        format: MediaFormat::File,
    };
    if let Some(bytes) = cached(client, &request).await {
        let len = bytes.len() as u64;
        progress(DownloadProgress::new(len, Some(len)));
        return Ok(bytes);
    }
    let uri = match &source {
        MediaSource::Plain(uri) => uri.clone(),
        MediaSource::Encrypted(file) => file.url.clone(),
    };
    let (body, total) = stream(client, &uri, &mut progress).await?;
    let bytes = match &source {
        MediaSource::Plain(_) => body,
        MediaSource::Encrypted(file) => decrypt(body, MediaEncryptionInfo::from((**file).clone()))?,
    };
    // AES-CTR keeps the length: the final event is the file's size either way.
    let len = bytes.len() as u64;
    if total != Some(len) {
        debug!(?total, len, "server announced another size than it sent");
    }
    progress(DownloadProgress::new(len, Some(len)));
    store(client, &request, bytes.clone()).await;
    Ok(bytes)
}

/// The file from the SDK's media cache, if there. A cache that cannot be read is a
/// miss, not an error: the file is downloaded.
async fn cached(client: &Client, request: &MediaRequestParameters) -> Option<Vec<u8>> {
    let store = client
        .media_store()
        .lock()
        .await
        .map_err(|e| debug!(%e, "media cache locked"))
        .ok()?;
    store
        .get_media_content(request)
        .await
        .map_err(|e| debug!(%e, "media cache unreadable"))
        .ok()
        .flatten()
}

/// Keeps the download in the SDK's media cache (its size limits apply).
async fn store(client: &Client, request: &MediaRequestParameters, bytes: Vec<u8>) {
    let Ok(store) = client.media_store().lock().await else {
        return;
    };
    if let Err(e) = store
        .add_media_content(request, bytes, IgnoreMediaRetentionPolicy::No)
        .await
    {
        debug!(%e, "download not cached");
    }
}

/// GETs the content of `uri`, chunk by chunk, reporting each; returns the body and the
/// size the server announced.
async fn stream(
    client: &Client,
    uri: &OwnedMxcUri,
    progress: &mut (impl FnMut(DownloadProgress) + Send),
) -> Result<(Vec<u8>, Option<u64>), MediaError> {
    let (server, id) = uri
        .parts()
        .map_err(|_| MediaError::BadKey(uri.to_string()))?;
    let versions = client
        .supported_versions()
        .await
        .map_err(|e| MediaError::Sdk(e.into()))?;
    let path = if get_content::v1::Request::PATH_BUILDER.is_supported(&versions) {
        "_matrix/client/v1/media/download"
    } else {
        "_matrix/media/v3/download"
    };
    let base = client.homeserver();
    let url = format!(
        "{}/{path}/{server}/{id}",
        base.as_str().trim_end_matches('/')
    );
    let mut req = client.http_client().request(Method::GET, url);
    if let Some(token) = client.access_token() {
        req = req.bearer_auth(token);
    }
    let mut response = req
        .send()
        .await
        .map_err(|e| MediaError::Network(e.to_string()))?;
    let status = response.status();
    if status != StatusCode::OK {
        return Err(MediaError::Status(status.as_u16()));
    }
    let total = response.content_length();
    // The announced size is a hint for the buffer, not trusted beyond 64 MiB.
    let mut body = Vec::with_capacity(total.unwrap_or(0).min(64 << 20) as usize);
    let mut last = Instant::now();
    progress(DownloadProgress::new(0, total));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| MediaError::Network(e.to_string()))?
    {
        body.extend_from_slice(&chunk);
        if last.elapsed() >= REPORT_EVERY {
            last = Instant::now();
            progress(DownloadProgress::new(body.len() as u64, total));
        }
    }
    Ok((body, total))
}

/// Decrypts an attachment; the decryptor checks the SHA-256 the sender gave, so a file
/// altered on the server is an error, never wrong bytes.
fn decrypt(body: Vec<u8>, info: MediaEncryptionInfo) -> Result<Vec<u8>, MediaError> {
    let len = body.len();
    let mut reader = std::io::Cursor::new(body);
    let mut decryptor = matrix_sdk_crypto::AttachmentDecryptor::new(&mut reader, info)
        .map_err(|e| MediaError::Corrupt(e.to_string()))?;
    let mut plain = Vec::with_capacity(len);
    decryptor
        .read_to_end(&mut plain)
        .map_err(|e| MediaError::Corrupt(e.to_string()))?;
    Ok(plain)
}
