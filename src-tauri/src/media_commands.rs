//! The `media:` URI scheme that serves images to the webview, and saving an attachment
//! to a file the user picks.
//!
//! The webview asks for `media://localhost/<key>` (`http://media.localhost/<key>` on
//! Windows), where the key was made by `chappe_core::media`; the download goes through
//! matrix-sdk here, so the access token and the keys of encrypted attachments stay in
//! Rust. Only bytes that really are PNG, JPEG, GIF or WebP are served as images; anything
//! else is served as an opaque download the webview will not render or run.

use std::path::PathBuf;

use chappe_core::{
    download::{self, DownloadProgress},
    files,
    media::{MediaError, MediaKey},
    scan::{ScanError, ScanStatus},
};
use tauri::{
    http::{header, Request, Response, StatusCode},
    ipc::Channel,
    AppHandle, Manager, Runtime, State, UriSchemeContext, UriSchemeResponder,
};
use tracing::debug;

use crate::{
    error::UiError,
    invite_commands::on_main,
    state::{AppState, SharedState},
};

pub const SCHEME: &str = "media";

/// Downloads the whole file behind a key for the logged-in session, telling `progress`
/// how far it got.
async fn download_reporting(
    state: &AppState,
    key: &MediaKey,
    progress: &Channel<DownloadProgress>,
) -> Result<Vec<u8>, UiError> {
    let (client, sources) = state.client_and_media().await?;
    download::download(&client, &sources, key, |p| {
        // The card may be gone (room closed): the download goes on regardless.
        let _ = progress.send(p);
    })
    .await
    .map_err(UiError::from)
}

/// What the webview may decode: the picture or thumbnail behind `key`, once the
/// antivirus said it (and the file it previews) clean, or when there is no scanner.
async fn preview(state: &SharedState, key: &MediaKey) -> Result<Vec<u8>, StatusCode> {
    let scanner = crate::scan_commands::scanner(state)
        .await
        .map_err(|e| status_of(&e))?;
    let (client, sources) = state.client_and_media().await.map_err(|e| status_of(&e))?;
    scanner
        .fetch_preview(&client, &sources, key)
        .await
        .map_err(|err| {
            debug!(%err, "preview not served");
            match err {
                // Blocked: never served, whoever asks.
                ScanError::Infected(_) | ScanError::Forbidden(_) => StatusCode::FORBIDDEN,
                // Not scanned (yet): the UI asks again once the scanner answers.
                ScanError::NoVerdict(_) => StatusCode::SERVICE_UNAVAILABLE,
                ScanError::Media(m) => status_of(&UiError::from(m)),
                _ => StatusCode::BAD_GATEWAY,
            }
        })
}

fn status_of(err: &UiError) -> StatusCode {
    match err {
        UiError::NotLoggedIn => StatusCode::UNAUTHORIZED,
        UiError::NotFound | UiError::MessageNotFound => StatusCode::NOT_FOUND,
        UiError::Forbidden => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_GATEWAY,
    }
}

fn response(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        // The type is ours, not a guess: the webview must not sniff a "better" one.
        .header("X-Content-Type-Options", "nosniff")
        // Should anything ever open this as a document, it runs nothing.
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        )
        .header(header::CACHE_CONTROL, "private, max-age=86400")
        .body(body)
        .unwrap_or_else(|_| Response::new(Vec::new()))
}

async fn serve(state: SharedState, path: String) -> Response<Vec<u8>> {
    // The UI percent-encodes each segment (a server name may hold ':' or '[').
    let path = percent_encoding::percent_decode_str(&path).decode_utf8_lossy();
    let key = match MediaKey::parse(&path) {
        Ok(k) => k,
        Err(_) => return response(StatusCode::BAD_REQUEST, "text/plain", Vec::new()),
    };
    match preview(&state, &key).await {
        Ok(bytes) => match chappe_core::media::sniff_image(&bytes) {
            Some(image_type) => response(StatusCode::OK, image_type, bytes),
            None => response(StatusCode::OK, "application/octet-stream", bytes),
        },
        Err(status) => response(status, "text/plain", Vec::new()),
    }
}

/// The scheme's handler; each request is answered from a task so that slow downloads
/// never block the webview's thread.
pub fn handle<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let state = ctx.app_handle().state::<SharedState>().inner().clone();
    let path = request.uri().path().to_owned();
    tauri::async_runtime::spawn(async move {
        responder.respond(serve(state, path).await);
    });
}

/// Where the e2e test saves instead of the native dialog, which a WebDriver cannot
/// drive (`CHAPPE_TEST_SAVE_DIR`: the file goes there under its safe name). Unset in
/// normal use.
fn test_save_dir() -> Option<PathBuf> {
    std::env::var_os("CHAPPE_TEST_SAVE_DIR").map(PathBuf::from)
}

/// Asks where to save an attachment, then downloads (and decrypts) it there, telling
/// `progress` how far the download got. `false` if the user cancelled.
#[tauri::command]
#[specta::specta]
pub async fn save_media(
    app: AppHandle,
    state: State<'_, SharedState>,
    key: String,
    filename: String,
    progress: Channel<DownloadProgress>,
) -> Result<bool, UiError> {
    let key = MediaKey::parse(&key).map_err(UiError::from)?;
    // The name comes from the sender: no folder, not hidden, no device name.
    let suggested = files::safe_file_name(&filename);
    let path = match test_save_dir() {
        Some(dir) => Some(dir.join(&suggested)),
        None => {
            on_main(&app, move || {
                rfd::FileDialog::new().set_file_name(suggested).save_file()
            })
            .await?
        }
    };
    let Some(path) = path else { return Ok(false) };
    refuse_blocked(&state, &key).await?;
    let bytes = download_reporting(&state, &key, &progress).await?;
    tokio::fs::write(&path, bytes)
        .await
        .map_err(|e| UiError::Other(e.to_string()))?;
    Ok(true)
}

/// A file the antivirus blocked is never written to disk, whatever the UI shows.
async fn refuse_blocked(state: &SharedState, key: &MediaKey) -> Result<(), UiError> {
    let scanner = crate::scan_commands::scanner(state).await?;
    let (client, sources) = state.client_and_media().await?;
    match scanner.scan(&client, &sources, key).await {
        ScanStatus::Infected { .. } | ScanStatus::Forbidden { .. } => Err(UiError::FileBlocked),
        _ => Ok(()),
    }
}

/// Opens an attachment with the system's application for its type: downloaded (and
/// decrypted) into Chappe's own cache folder under a safe name, then handed to the OS.
/// Programs and scripts are never opened this way (they would run): save them instead.
/// `progress` says how far the download got.
#[tauri::command]
#[specta::specta]
pub async fn open_media(
    app: AppHandle,
    state: State<'_, SharedState>,
    key: String,
    filename: String,
    progress: Channel<DownloadProgress>,
) -> Result<(), UiError> {
    let key = MediaKey::parse(&key).map_err(UiError::from)?;
    let name = files::safe_file_name(&filename);
    if files::runs_code(&name) {
        return Err(UiError::WouldRunCode);
    }
    refuse_blocked(&state, &key).await?;
    let bytes = download_reporting(&state, &key, &progress).await?;
    // One folder per attachment: two files with the same name never overwrite each other.
    let folder = app
        .path()
        .app_cache_dir()
        .map_err(|e| UiError::Other(e.to_string()))?
        .join("opened")
        .join(key.to_path().unwrap_or_default().replace('/', "_"));
    tokio::fs::create_dir_all(&folder)
        .await
        .map_err(|e| UiError::Other(e.to_string()))?;
    let path = folder.join(name);
    tokio::fs::write(&path, bytes)
        .await
        .map_err(|e| UiError::Other(e.to_string()))?;
    tokio::task::spawn_blocking(move || open::that_detached(path))
        .await
        .map_err(|e| UiError::Other(e.to_string()))?
        .map_err(|e| UiError::Other(e.to_string()))
}

impl From<MediaError> for UiError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::BadKey(_) | MediaError::Unknown => Self::MessageNotFound,
            MediaError::Sdk(sdk) => chappe_core::failure::of_sdk(&sdk).into(),
            MediaError::Status(404) => Self::NotFound,
            MediaError::Status(403) => Self::Forbidden,
            MediaError::Network(reason) => Self::Unreachable(reason),
            other => Self::Other(other.to_string()),
        }
    }
}
