//! Images, files and avatars, fetched through matrix-sdk for the webview.
//!
//! The webview never gets an `mxc://` address nor the access token: it asks the shell's
//! `media:` URI scheme for a *key* that this module made (see [`MediaKey`]), and the
//! shell calls [`fetch`], which downloads through the SDK (authenticated media when the
//! server has it) and decrypts attachments of encrypted rooms.
//!
//! Keys of unencrypted media carry everything needed to fetch them. An encrypted
//! attachment also needs its key material, which must not travel through the webview:
//! [`MediaSources`] keeps those sources in memory, filled by the timelines that show
//! them, and a key the registry does not know is simply not found.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use matrix_sdk::{
    media::{MediaFormat, MediaRequestParameters, MediaThumbnailSettings},
    ruma::{
        events::room::{message::MessageType, MediaSource},
        OwnedMxcUri, UInt,
    },
    Client,
};
use serde::Serialize;

/// How many encrypted sources are remembered. Each is a few hundred bytes; past this,
/// the oldest are forgotten (their images were already shown and cached by the webview,
/// and reopening the room registers them again).
const REMEMBERED_SOURCES: usize = 5_000;

/// Thumbnail size asked of the server for timeline previews (it scales, keeping ratio).
pub const PREVIEW_WIDTH: u32 = 800;
pub const PREVIEW_HEIGHT: u32 = 600;
/// Avatars are drawn at most 48 px wide; 96 keeps them sharp on HiDPI screens.
pub const AVATAR_SIZE: u32 = 96;

/// Encrypted attachments above this size are offered for download, not decrypted in
/// memory to be shown inline.
const INLINE_ENCRYPTED_MAX: u64 = 20 * 1024 * 1024;

/// Image types the webview may decode. SVG (scriptable) and everything else are only
/// ever offered as a file to save.
const INLINE_IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    #[error("not a media key: {0}")]
    BadKey(String),
    #[error("this attachment is no longer known; reopen the room")]
    Unknown,
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
    /// A download read chunk by chunk (download.rs) was cut.
    #[error("the download failed: {0}")]
    Network(String),
    /// The server answered a download with this HTTP status.
    #[error("the server answered {0}")]
    Status(u16),
    /// An encrypted attachment that does not decrypt or whose hash is wrong.
    #[error("the file is damaged: {0}")]
    Corrupt(String),
}

/// Where one piece of media comes from, as the `media:` scheme's path.
///
/// - `p/<server>/<id>`: the file, unencrypted;
/// - `t/<server>/<id>/<w>/<h>`: a server-made thumbnail of an unencrypted file;
/// - `e/<server>/<id>`: an encrypted file whose source [`MediaSources`] remembers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MediaKey {
    Plain(OwnedMxcUri),
    Thumbnail(OwnedMxcUri, u32, u32),
    Encrypted(OwnedMxcUri),
}

fn server_and_id(uri: &OwnedMxcUri) -> Option<(&str, &str)> {
    uri.parts().ok().map(|(s, id)| (s.as_str(), id))
}

impl MediaKey {
    /// The key as a path, or `None` for an `mxc://` address that is malformed (it came
    /// from another user's event: nothing is shown for it).
    pub fn to_path(&self) -> Option<String> {
        Some(match self {
            Self::Plain(u) => {
                let (s, id) = server_and_id(u)?;
                format!("p/{s}/{id}")
            }
            Self::Thumbnail(u, w, h) => {
                let (s, id) = server_and_id(u)?;
                format!("t/{s}/{id}/{w}/{h}")
            }
            Self::Encrypted(u) => {
                let (s, id) = server_and_id(u)?;
                format!("e/{s}/{id}")
            }
        })
    }

    /// Reads a path made by [`MediaKey::to_path`] (leading `/` allowed).
    pub fn parse(path: &str) -> Result<Self, MediaError> {
        let bad = || MediaError::BadKey(path.chars().take(200).collect());
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let mxc = |server: &str, id: &str| -> Result<OwnedMxcUri, MediaError> {
            let uri = OwnedMxcUri::from(format!("mxc://{server}/{id}"));
            // `validate` checks the server name and the media ID's characters, so a key
            // cannot smuggle a path or query into the download request.
            uri.validate().map_err(|_| bad())?;
            Ok(uri)
        };
        match parts.as_slice() {
            ["p", s, id] => Ok(Self::Plain(mxc(s, id)?)),
            ["e", s, id] => Ok(Self::Encrypted(mxc(s, id)?)),
            ["t", s, id, w, h] => {
                let size = |v: &str| v.parse::<u32>().ok().filter(|n| (1..=4096).contains(n));
                Ok(Self::Thumbnail(
                    mxc(s, id)?,
                    size(w).ok_or_else(bad)?,
                    size(h).ok_or_else(bad)?,
                ))
            }
            _ => Err(bad()),
        }
    }
}

/// The encrypted sources the open timelines have shown, by `mxc://` URI.
#[derive(Clone, Default)]
pub struct MediaSources {
    inner: Arc<Mutex<Remembered>>,
}

#[derive(Default)]
struct Remembered {
    by_uri: HashMap<OwnedMxcUri, MediaSource>,
    order: VecDeque<OwnedMxcUri>,
    /// The file each sender-made thumbnail previews (both as keys), so that the
    /// antivirus gate of previews checks the file too, not only its thumbnail.
    file_of_preview: HashMap<String, String>,
    preview_order: VecDeque<String>,
}

impl MediaSources {
    /// Returns the key to show `source` with, remembering it if it is encrypted.
    pub fn remember(&self, source: &MediaSource) -> Option<String> {
        match source {
            MediaSource::Plain(uri) => MediaKey::Plain(uri.clone()).to_path(),
            MediaSource::Encrypted(file) => {
                let path = MediaKey::Encrypted(file.url.clone()).to_path()?;
                // A poisoned lock only means another thread panicked mid-insert; the
                // map itself is still usable.
                let mut r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
                if r.by_uri.insert(file.url.clone(), source.clone()).is_none() {
                    r.order.push_back(file.url.clone());
                    while r.order.len() > REMEMBERED_SOURCES {
                        if let Some(old) = r.order.pop_front() {
                            r.by_uri.remove(&old);
                        }
                    }
                }
                Some(path)
            }
        }
    }

    /// The remembered source of an encrypted attachment (with its key material): for
    /// the content scanner, which needs the key to scan the file.
    pub fn source_of(&self, uri: &OwnedMxcUri) -> Option<MediaSource> {
        let r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        r.by_uri.get(uri).cloned()
    }

    /// Remembers that the picture `preview` (a key) stands for the file `file`.
    fn pair_preview(&self, preview: &str, file: &str) {
        if preview == file {
            return;
        }
        let mut r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if r.file_of_preview
            .insert(preview.to_owned(), file.to_owned())
            .is_none()
        {
            r.preview_order.push_back(preview.to_owned());
            while r.preview_order.len() > REMEMBERED_SOURCES {
                if let Some(old) = r.preview_order.pop_front() {
                    r.file_of_preview.remove(&old);
                }
            }
        }
    }

    /// The file a preview stands for, when the preview is another piece of media (a
    /// thumbnail the sender made). `None` for a file shown as itself, a server-made
    /// thumbnail (its key names its file) or a preview no timeline showed.
    pub fn file_of_preview(&self, preview: &MediaKey) -> Option<MediaKey> {
        let path = preview.to_path()?;
        let r = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        MediaKey::parse(r.file_of_preview.get(&path)?).ok()
    }
}

/// Downloads (and decrypts) the media behind `key`. The SDK's media cache answers
/// repeated requests without the network.
pub async fn fetch(
    client: &Client,
    sources: &MediaSources,
    key: &MediaKey,
) -> Result<Vec<u8>, MediaError> {
    let request = match key {
        MediaKey::Plain(uri) => MediaRequestParameters {
            source: MediaSource::Plain(uri.clone()),
            format: MediaFormat::File,
        },
        MediaKey::Thumbnail(uri, w, h) => MediaRequestParameters {
            source: MediaSource::Plain(uri.clone()),
            format: MediaFormat::Thumbnail(MediaThumbnailSettings::new(
                UInt::from(*w),
                UInt::from(*h),
            )),
        },
        MediaKey::Encrypted(uri) => MediaRequestParameters {
            source: sources.source_of(uri).ok_or(MediaError::Unknown)?,
            format: MediaFormat::File,
        },
    };
    Ok(client.media().get_media_content(&request, true).await?)
}

/// The image type the bytes really are, if the webview may show it: decided from the
/// bytes, never from what the sender claimed, so a "PNG" that is really SVG or HTML is
/// served as an opaque download.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    File,
}

/// An attachment as the timeline shows it.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MediaView {
    pub kind: MediaKind,
    /// The whole file (`media:` path).
    pub key: String,
    /// What to draw in the timeline, when it may be drawn: a thumbnail, or the image
    /// itself. `None`: show a file card with a download button.
    pub preview_key: Option<String>,
    pub filename: String,
    /// Text the sender wrote with the file, when it is not just its name.
    pub caption: Option<String>,
    pub mimetype: Option<String>,
    /// Bytes (f64: the IPC carries no 64-bit integers).
    pub size: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Length of a video or a sound, in seconds, when the sender said it.
    pub duration_secs: Option<f64>,
}

fn dim(v: Option<UInt>) -> Option<u32> {
    v.and_then(|v| u32::try_from(u64::from(v)).ok())
}

/// The attachment of a message, if it has one; encrypted sources are remembered in
/// `sources` so that their keys can be fetched.
pub fn view_of_message(msgtype: &MessageType, sources: &MediaSources) -> Option<MediaView> {
    struct Parts<'a> {
        kind: MediaKind,
        source: &'a MediaSource,
        filename: &'a str,
        caption: Option<&'a str>,
        mimetype: Option<&'a String>,
        size: Option<UInt>,
        width: Option<UInt>,
        height: Option<UInt>,
        thumbnail: Option<&'a MediaSource>,
        duration: Option<std::time::Duration>,
    }
    let p = match msgtype {
        MessageType::Image(c) => {
            let info = c.info.as_deref();
            Parts {
                kind: MediaKind::Image,
                source: &c.source,
                filename: c.filename(),
                caption: c.caption(),
                mimetype: info.and_then(|i| i.mimetype.as_ref()),
                size: info.and_then(|i| i.size),
                width: info.and_then(|i| i.width),
                height: info.and_then(|i| i.height),
                thumbnail: info.and_then(|i| i.thumbnail_source.as_ref()),
                duration: None,
            }
        }
        MessageType::Video(c) => {
            let info = c.info.as_deref();
            Parts {
                kind: MediaKind::Video,
                source: &c.source,
                filename: c.filename(),
                caption: c.caption(),
                mimetype: info.and_then(|i| i.mimetype.as_ref()),
                size: info.and_then(|i| i.size),
                width: info.and_then(|i| i.width),
                height: info.and_then(|i| i.height),
                thumbnail: info.and_then(|i| i.thumbnail_source.as_ref()),
                duration: info.and_then(|i| i.duration),
            }
        }
        MessageType::Audio(c) => {
            let info = c.info.as_deref();
            Parts {
                kind: MediaKind::Audio,
                source: &c.source,
                filename: c.filename(),
                caption: c.caption(),
                mimetype: info.and_then(|i| i.mimetype.as_ref()),
                size: info.and_then(|i| i.size),
                width: None,
                height: None,
                thumbnail: None,
                duration: info.and_then(|i| i.duration),
            }
        }
        MessageType::File(c) => {
            let info = c.info.as_deref();
            Parts {
                kind: MediaKind::File,
                source: &c.source,
                filename: c.filename(),
                caption: c.caption(),
                mimetype: info.and_then(|i| i.mimetype.as_ref()),
                size: info.and_then(|i| i.size),
                width: None,
                height: None,
                thumbnail: info.and_then(|i| i.thumbnail_source.as_ref()),
                duration: None,
            }
        }
        _ => return None,
    };
    let key = sources.remember(p.source)?;
    let size = p.size.map(u64::from);
    let inline_type = p
        .mimetype
        .is_some_and(|m| INLINE_IMAGE_TYPES.contains(&m.to_ascii_lowercase().as_str()));
    let preview_key = match (p.thumbnail, p.source) {
        // A thumbnail the sender made (always the case for encrypted images and videos
        // from Element): it is an image whatever the file is; the shell still checks
        // its bytes before the webview decodes it.
        (Some(thumb), _) => sources.remember(thumb),
        // Synapse thumbnails unencrypted images itself.
        (None, MediaSource::Plain(uri)) if p.kind == MediaKind::Image && inline_type => {
            MediaKey::Thumbnail(uri.clone(), PREVIEW_WIDTH, PREVIEW_HEIGHT).to_path()
        }
        // An encrypted image without thumbnail: the image itself, if not too big.
        (None, MediaSource::Encrypted(_))
            if p.kind == MediaKind::Image
                && inline_type
                && size.is_some_and(|s| s <= INLINE_ENCRYPTED_MAX) =>
        {
            Some(key.clone())
        }
        _ => None,
    };
    if let Some(preview) = &preview_key {
        sources.pair_preview(preview, &key);
    }
    Some(MediaView {
        kind: p.kind,
        key,
        preview_key,
        filename: p.filename.to_owned(),
        caption: p.caption.map(str::to_owned),
        mimetype: p.mimetype.cloned(),
        #[allow(clippy::cast_precision_loss)] // exact below 2^53 bytes (8 PiB)
        size: size.map(|s| s as f64),
        width: dim(p.width),
        height: dim(p.height),
        duration_secs: p.duration.map(|d| d.as_secs_f64()),
    })
}

/// The key of an avatar's thumbnail (avatars are never encrypted).
pub fn avatar_key(uri: Option<&matrix_sdk::ruma::MxcUri>) -> Option<String> {
    MediaKey::Thumbnail(uri?.to_owned(), AVATAR_SIZE, AVATAR_SIZE).to_path()
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_refuse_smuggled_paths() {
        let uri = OwnedMxcUri::from("mxc://example.org/AbC123");
        for key in [
            MediaKey::Plain(uri.clone()),
            MediaKey::Thumbnail(uri.clone(), 96, 96),
            MediaKey::Encrypted(uri.clone()),
        ] {
            let path = key.to_path().expect("valid mxc");
            assert_eq!(MediaKey::parse(&format!("/{path}")).expect("parses"), key);
        }
        for bad in [
            "p/example.org/../../_matrix/client/v3/account",
            "p/example.org/a?access_token=x",
            "p/example.org",
            "t/example.org/a/0/10",
            "t/example.org/a/99999/10",
            "x/example.org/a",
            "p/exa mple.org/a",
        ] {
            assert!(MediaKey::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn only_real_image_bytes_are_served_as_images() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_image(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff_image(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff_image(b"<svg xmlns='http://www.w3.org/2000/svg'>"),
            None
        );
        assert_eq!(sniff_image(b"<html><script>"), None);
        assert_eq!(sniff_image(b""), None);
    }

    #[test]
    fn encrypted_sources_are_remembered_and_bounded() {
        let sources = MediaSources::default();
        let file = |n: usize| {
            let json = serde_json::json!({
                "url": format!("mxc://example.org/f{n}"),
                "key": {"kty": "oct", "key_ops": ["encrypt", "decrypt"], "alg": "A256CTR",
                        "k": "qcHVMSgYg-71CauWBezXI5qkaRb0LuIy-Wx5kIaHMIA", "ext": true},
                "iv": "X85+XgHN+HEAAAAAAAAAAA",
                "hashes": {"sha256": "5qG4fFnbbVdlAB1Q72JDKwCagV6Dbkx9uds4rSak37c"},
                "v": "v2"
            });
            MediaSource::Encrypted(Box::new(serde_json::from_value(json).expect("valid file")))
        };
        let key = sources.remember(&file(0)).expect("key");
        assert_eq!(key, "e/example.org/f0");
        let uri = OwnedMxcUri::from("mxc://example.org/f0");
        assert!(sources.source_of(&uri).is_some());
        for n in 1..=REMEMBERED_SOURCES {
            sources.remember(&file(n));
        }
        assert!(sources.source_of(&uri).is_none(), "the oldest is forgotten");
        // A thumbnail the sender made is paired with its file, for the antivirus gate.
        let thumb = MediaKey::Encrypted(OwnedMxcUri::from("mxc://example.org/thumb"));
        let file_key = MediaKey::Encrypted(OwnedMxcUri::from("mxc://example.org/file"));
        sources.pair_preview(
            &thumb.to_path().expect("valid"),
            &file_key.to_path().expect("valid"),
        );
        assert_eq!(sources.file_of_preview(&thumb), Some(file_key.clone()));
        assert_eq!(
            sources.file_of_preview(&file_key),
            None,
            "a file previews nothing"
        );
        let newest = OwnedMxcUri::from(format!("mxc://example.org/f{REMEMBERED_SOURCES}"));
        assert!(sources.source_of(&newest).is_some());
    }
}
