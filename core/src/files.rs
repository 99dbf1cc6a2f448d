//! Sending files into a room: one picked in the file dialog, dropped on the window or
//! pasted.
//!
//! A file goes through matrix-sdk's persisted send queue, like a text message: it shows
//! at once as a local echo with its upload progress, waits while the server is away,
//! survives a restart, is encrypted in encrypted rooms, and can be cancelled (discarded)
//! until it is sent. Before that, it is checked against the server's upload limit
//! (`m.upload.size`), so a file that the server would refuse is refused here, with its
//! size and the limit, before a byte leaves. Pictures get their dimensions and, when
//! large, a thumbnail, as Element sends them; videos their dimensions, duration and a
//! thumbnail when the system has ffmpeg (see [`crate::video`]).

use std::{io::Cursor, path::Path};

use image::{GenericImageView, ImageFormat, ImageReader};
use matrix_sdk::{
    attachment::{AttachmentInfo, BaseImageInfo, Thumbnail},
    ruma::UInt,
    Client,
};
use matrix_sdk_ui::timeline::{AttachmentConfig, AttachmentSource};
use tracing::{debug, warn};

use crate::timeline::{RoomTimeline, TimelineError};

/// Thumbnails fit in this box (Element's size for timeline previews).
const THUMB_WIDTH: u32 = 800;
const THUMB_HEIGHT: u32 = 600;
/// Pictures above this many pixels are not decoded for a thumbnail (a 100-megapixel
/// scan would take seconds and hundreds of MB); they are sent without one.
const MAX_DECODE_PIXELS: u64 = 50_000_000;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Larger than the server accepts; nothing was sent.
    #[error("{name} is {size} bytes; the server accepts at most {max}")]
    TooLarge { name: String, size: u64, max: u64 },
    #[error("{name} is empty")]
    Empty { name: String },
    #[error("{name} cannot be read: {reason}")]
    Unreadable { name: String, reason: String },
    #[error(transparent)]
    Timeline(#[from] TimelineError),
}

/// The server's upload limit in bytes, if it says one and can be asked now. Offline,
/// there is no answer: the file is queued, and the server's own refusal (if it is too
/// large after all) shows on the message with Retry / Delete.
pub async fn upload_limit(client: &Client) -> Option<u64> {
    match client.load_or_fetch_max_upload_size().await {
        Ok(max) => Some(u64::from(max)),
        Err(err) => {
            debug!(%err, "upload limit unknown");
            None
        }
    }
}

/// Refuses a file above the limit (inclusive limit, as Synapse applies it).
pub fn check_size(name: &str, size: u64, limit: Option<u64>) -> Result<(), FileError> {
    if size == 0 {
        return Err(FileError::Empty {
            name: name.to_owned(),
        });
    }
    match limit {
        Some(max) if size > max => Err(FileError::TooLarge {
            name: name.to_owned(),
            size,
            max,
        }),
        _ => Ok(()),
    }
}

/// The name to send a file under: the last component of the path only, never a
/// folder of the sender's disk.
pub fn send_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "fichier".to_owned())
}

/// The type announced for a file: from its extension, else from its first bytes for
/// the picture formats the timeline draws, else generic binary.
pub fn mime_of(name: &str, bytes: &[u8]) -> mime::Mime {
    if let Some(m) = mime_guess::from_path(name).first() {
        return m;
    }
    crate::media::sniff_image(bytes)
        .and_then(|t| t.parse().ok())
        .unwrap_or(mime::APPLICATION_OCTET_STREAM)
}

/// Dimensions and, for a picture larger than the preview box, a JPEG/PNG thumbnail.
/// Anything that does not decode is sent as is, without them.
fn picture_config(bytes: &[u8], mime: &mime::Mime) -> AttachmentConfig {
    let mut config = AttachmentConfig::default();
    let format = match mime.essence_str() {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::WebP,
        _ => return config,
    };
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let Ok((w, h)) = reader.into_dimensions() else {
        return config;
    };
    let size = UInt::try_from(bytes.len() as u64).ok();
    let info = AttachmentInfo::Image(BaseImageInfo {
        width: Some(UInt::from(w)),
        height: Some(UInt::from(h)),
        size,
        ..Default::default()
    });
    config.info = Some(info);
    let small = w <= THUMB_WIDTH && h <= THUMB_HEIGHT;
    // An animated GIF's thumbnail would be a still frame: leave GIFs to the server.
    if small || format == ImageFormat::Gif || u64::from(w) * u64::from(h) > MAX_DECODE_PIXELS {
        return config;
    }
    config.thumbnail = thumbnail(bytes, format);
    config
}

fn thumbnail(bytes: &[u8], format: ImageFormat) -> Option<Thumbnail> {
    let picture = image::load_from_memory_with_format(bytes, format)
        .map_err(|e| warn!(%e, "picture did not decode; sent without thumbnail"))
        .ok()?;
    let small = picture.thumbnail(THUMB_WIDTH, THUMB_HEIGHT);
    let (w, h) = small.dimensions();
    // Keep transparency (PNG), else JPEG, much smaller for photos.
    let (out_format, content_type) = if small.color().has_alpha() {
        (ImageFormat::Png, mime::IMAGE_PNG)
    } else {
        (ImageFormat::Jpeg, mime::IMAGE_JPEG)
    };
    let mut data = Vec::new();
    let encoded = if out_format == ImageFormat::Jpeg {
        small
            .to_rgb8()
            .write_to(&mut Cursor::new(&mut data), out_format)
    } else {
        small.write_to(&mut Cursor::new(&mut data), out_format)
    };
    encoded.ok()?;
    Some(Thumbnail {
        size: UInt::try_from(data.len() as u64).ok()?,
        data,
        content_type,
        width: UInt::from(w),
        height: UInt::from(h),
    })
}

impl RoomTimeline {
    /// Queues `bytes` as the file `name`. Returns once it is in the send queue (the
    /// local echo shows); the upload itself runs in the background.
    pub async fn send_file(&self, name: &str, bytes: Vec<u8>) -> Result<(), FileError> {
        let limit = upload_limit(&self.client()).await;
        check_size(name, bytes.len() as u64, limit)?;
        self.queue_checked_file(name, bytes).await
    }

    /// Queues a file whose size was already checked against the server's limit.
    async fn queue_checked_file(&self, name: &str, bytes: Vec<u8>) -> Result<(), FileError> {
        let mime = mime_of(name, &bytes);
        // Decoding a picture is CPU work: keep it off the async threads.
        // So is reading a video (ffprobe and ffmpeg run as processes).
        let (bytes, config) = {
            let mime = mime.clone();
            let owned_name = name.to_owned();
            tokio::task::spawn_blocking(move || {
                let config = if mime.type_() == mime::VIDEO {
                    crate::video::video_config(&bytes, &owned_name)
                } else {
                    picture_config(&bytes, &mime)
                };
                (bytes, config)
            })
            .await
            .map_err(|e| FileError::Unreadable {
                name: name.to_owned(),
                reason: e.to_string(),
            })?
        };
        self.timeline_ref()
            .send_attachment(
                AttachmentSource::Data {
                    bytes,
                    filename: name.to_owned(),
                },
                mime,
                config,
            )
            .use_send_queue()
            .await
            .map_err(TimelineError::from_send)?;
        Ok(())
    }

    /// Queues the file at `path`, checking its size before reading it.
    pub async fn send_path(&self, path: &Path) -> Result<(), FileError> {
        let name = send_name(path);
        let unreadable = |e: std::io::Error| FileError::Unreadable {
            name: name.clone(),
            reason: e.to_string(),
        };
        let size = tokio::fs::metadata(path).await.map_err(unreadable)?.len();
        let limit = upload_limit(&self.client()).await;
        check_size(&name, size, limit)?;
        let bytes = tokio::fs::read(path).await.map_err(unreadable)?;
        // The file may have changed since its size was read: check what was read, against
        // the limit already known (no second request to the server).
        check_size(&name, bytes.len() as u64, limit)?;
        self.queue_checked_file(&name, bytes).await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_file_above_the_limit_or_empty_is_refused_before_upload() {
        assert!(check_size("a.pdf", 10, Some(10)).is_ok());
        assert!(check_size("a.pdf", 10, None).is_ok());
        match check_size("a.pdf", 11, Some(10)) {
            Err(FileError::TooLarge { size, max, .. }) => assert_eq!((size, max), (11, 10)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check_size("a.pdf", 0, Some(10)),
            Err(FileError::Empty { .. })
        ));
    }

    #[test]
    fn only_the_file_name_is_sent_never_its_folder() {
        assert_eq!(
            send_name(Path::new("/home/agent/Documents/note.pdf")),
            "note.pdf"
        );
        assert_eq!(
            send_name(Path::new("rapport final.odt")),
            "rapport final.odt"
        );
        assert_eq!(send_name(Path::new("/")), "fichier");
    }

    #[test]
    fn the_type_comes_from_the_extension_then_the_bytes() {
        assert_eq!(mime_of("note.pdf", b"%PDF"), "application/pdf");
        assert_eq!(mime_of("photo.JPG", b""), "image/jpeg");
        assert_eq!(
            mime_of("sans-extension", b"\x89PNG\r\n\x1a\n...."),
            "image/png"
        );
        assert_eq!(
            mime_of("sans-extension", b"hello"),
            mime::APPLICATION_OCTET_STREAM
        );
    }

    #[test]
    fn a_large_picture_gets_its_size_and_a_thumbnail_that_fits_the_box() {
        let big = image::RgbImage::from_fn(1600, 1200, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut png = Vec::new();
        big.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let thumb = thumbnail(&png, ImageFormat::Png).expect("a thumbnail");
        assert_eq!(
            (u64::from(thumb.width), u64::from(thumb.height)),
            (800, 600)
        );
        assert_eq!(thumb.content_type, mime::IMAGE_JPEG, "no alpha: JPEG");
        assert_eq!(crate::media::sniff_image(&thumb.data), Some("image/jpeg"));
    }

    #[test]
    fn what_does_not_decode_is_sent_without_picture_details() {
        // Must not panic nor invent dimensions.
        let _config = picture_config(b"\x89PNG\r\n\x1a\nnot really", &mime::IMAGE_PNG);
        let _config = picture_config(b"<svg/>", &"image/svg+xml".parse().unwrap());
    }
}

/// Extensions that run code when "opened": such files are only offered to save, never
/// opened from Chappe with one click.
const RUNS_CODE: &[&str] = &[
    "exe", "com", "bat", "cmd", "msi", "msp", "scr", "pif", "cpl", "lnk", "vbs", "vbe", "js",
    "jse", "wsf", "wsh", "ps1", "psm1", "hta", "jar", "sh", "bash", "zsh", "command", "desktop",
    "appimage", "run", "deb", "rpm", "app", "pkg", "dmg", "py", "pl", "rb", "reg", "url",
];

/// Windows refuses these as file names, whatever the extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A name from the network made safe to create on any of our three systems: no folder
/// (`/`, `\`), no control or reserved characters, not hidden (leading dot), not a
/// device name, not too long; "fichier" when nothing is left.
pub fn safe_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| match c {
            c if c.is_control() => '_',
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            // Bidirectional overrides make "gpj.exe" display as "exe.jpg".
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => '_',
            c => c,
        })
        .collect();
    let trimmed = cleaned
        .trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
        .to_owned();
    let stem = trimmed
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut out = if RESERVED.contains(&stem.as_str()) {
        format!("_{trimmed}")
    } else {
        trimmed
    };
    // 200 bytes leaves room for " (2)" and any folder on every file system.
    while out.len() > 200 {
        out.pop();
    }
    if out.is_empty() {
        "fichier".to_owned()
    } else {
        out
    }
}

/// Whether opening the file would run it (its extension, case-insensitive).
pub fn runs_code(name: &str) -> bool {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| RUNS_CODE.contains(&e.as_str()))
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_from_the_network_cannot_leave_the_folder_hide_or_disguise() {
        for (given, safe) in [
            ("../../.bashrc", "bashrc"),
            ("..\\..\\Windows\\System32\\evil.dll", "evil.dll"),
            ("/etc/passwd", "passwd"),
            (".hidden", "hidden"),
            ("rapport: final?.pdf", "rapport_ final_.pdf"),
            ("CON.txt", "_CON.txt"),
            ("nul", "_nul"),
            ("facture\u{202E}fdp.exe", "facture_fdp.exe"),
            ("ligne\nnouvelle.txt", "ligne_nouvelle.txt"),
            ("trailing. . ", "trailing"),
            ("..", "fichier"),
            ("", "fichier"),
            ("compte-rendu.odt", "compte-rendu.odt"),
        ] {
            assert_eq!(safe_file_name(given), safe, "{given:?}");
        }
        assert!(safe_file_name(&"é".repeat(300)).len() <= 200);
    }

    #[test]
    fn programs_and_scripts_are_recognised_whatever_their_case() {
        for name in [
            "setup.EXE",
            "a.sh",
            "x.desktop",
            "lien.lnk",
            "macro.vbs",
            "b.AppImage",
        ] {
            assert!(runs_code(name), "{name}");
        }
        for name in [
            "note.pdf",
            "photo.jpg",
            "tableau.xlsx",
            "exe",
            "archive.tar.gz",
        ] {
            assert!(!runs_code(name), "{name}");
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            /// Whatever name a sender gives, the name written to disk stays in its
            /// folder, is not hidden, holds no control, reserved or bidi character, is
            /// not a device name, fits in 200 bytes, and is never empty; and making it
            /// safe again changes nothing.
            #[test]
            fn any_name_from_the_network_is_made_safe(name in "([./\\\\:<>|?*\"\\u{202E}\\u{2066} ]|\\PC|\\p{Cc}|(?i:con|nul|com1|lpt9)){0,60}") {
                let safe = safe_file_name(&name);
                prop_assert!(!safe.is_empty() && safe.len() <= 200, "{:?}", safe);
                prop_assert!(!safe.contains(['/', '\\']), "{:?}", safe);
                prop_assert!(!safe.starts_with('.') && !safe.ends_with(['.', ' ']), "{:?}", safe);
                prop_assert!(!safe.chars().any(|c| c.is_control() || "<>:\"|?*".contains(c)
                    || ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c)), "{:?}", safe);
                let stem = safe.split('.').next().unwrap_or_default().to_ascii_lowercase();
                prop_assert!(!RESERVED.contains(&stem.as_str()), "{:?}", safe);
                prop_assert_eq!(safe_file_name(&safe), safe.clone());
            }
        }
    }
}
