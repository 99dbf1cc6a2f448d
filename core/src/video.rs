//! Videos sent: their dimensions, duration and a thumbnail (a still frame), as Element
//! sends them, so that the receiver sees a picture and the length before downloading.
//!
//! Reading a video needs a demuxer and decoders for every codec people send (H.264,
//! HEVC, VP9, AV1 in MP4, WebM, MOV…): far too much to link into Chappe. We use the
//! system's `ffprobe` and `ffmpeg` (the `ffmpeg` package on Linux; on Windows and macOS
//! when the user or admin installed it), found on `PATH` when a video is sent. Without
//! them, or when they fail or take too long, the video is still sent, as a video, only
//! without dimensions, duration nor thumbnail (the receiver then gets a file card
//! naming it): sending never depends on an optional tool.
//!
//! The bytes are written to a private temporary folder (ffprobe needs a seekable file;
//! an MP4 may carry its index at the end), removed when done.

use std::{
    io::Cursor,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use image::{ImageFormat, ImageReader};
use matrix_sdk::{
    attachment::{AttachmentInfo, BaseVideoInfo, Thumbnail},
    ruma::UInt,
};
use matrix_sdk_ui::timeline::AttachmentConfig;
use serde::Deserialize;
use tracing::{debug, warn};

/// A tool that has not answered by then is stuck (a damaged file): the video leaves
/// without details rather than waiting.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);
/// Thumbnails fit in this box, never enlarged (the size pictures get, files.rs).
const THUMB_WIDTH: u32 = 800;
const THUMB_HEIGHT: u32 = 600;

/// What ffprobe says about a video.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Probed {
    /// As displayed (a phone video recorded upright has its rotation applied).
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub duration: Option<Duration>,
}

#[derive(Deserialize)]
struct ProbeOutput {
    #[serde(default)]
    streams: Vec<ProbeStream>,
    #[serde(default)]
    format: Option<ProbeFormat>,
}

#[derive(Deserialize)]
struct ProbeStream {
    width: Option<u32>,
    height: Option<u32>,
    duration: Option<String>,
    #[serde(default)]
    side_data_list: Vec<SideData>,
}

#[derive(Deserialize)]
struct SideData {
    rotation: Option<f64>,
}

#[derive(Deserialize)]
struct ProbeFormat {
    duration: Option<String>,
}

/// Reads ffprobe's JSON. Anything missing or odd is simply unknown.
pub fn parse_probe(json: &[u8]) -> Probed {
    let Ok(out) = serde_json::from_slice::<ProbeOutput>(json) else {
        return Probed::default();
    };
    let stream = out.streams.into_iter().next();
    let seconds = |s: Option<&String>| {
        s.and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|d| d.is_finite() && *d > 0.0 && *d < 1e7)
            .map(Duration::from_secs_f64)
    };
    let duration = seconds(out.format.as_ref().and_then(|f| f.duration.as_ref()))
        .or_else(|| seconds(stream.as_ref().and_then(|s| s.duration.as_ref())));
    let Some(stream) = stream else {
        return Probed {
            duration,
            ..Probed::default()
        };
    };
    let valid = |v: Option<u32>| v.filter(|v| (1..=16384).contains(v));
    let (mut width, mut height) = (valid(stream.width), valid(stream.height));
    // ffmpeg turns the frames upright when it decodes them: say the size as shown.
    let quarter_turn = stream
        .side_data_list
        .iter()
        .filter_map(|s| s.rotation)
        .any(|r| (r.abs() - 90.0).abs() < 1.0 || (r.abs() - 270.0).abs() < 1.0);
    if quarter_turn {
        std::mem::swap(&mut width, &mut height);
    }
    Probed {
        width,
        height,
        duration,
    }
}

/// Runs `command`, killing it after [`TOOL_TIMEOUT`]; its standard output if it
/// succeeded. `None` when the tool is absent, failed or hung.
fn run(mut command: Command) -> Option<Vec<u8>> {
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = match command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(err) => {
            debug!(%program, %err, "not available: video sent without details");
            return None;
        }
    };
    // The output is read on a thread while we watch the clock: a child that fills the
    // pipe would otherwise never exit.
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut out).map(|_| out)
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < TOOL_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) | Err(_) => {
                warn!(%program, "did not finish in time: video sent without details");
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let out = reader.join().ok()?.ok()?;
    if status.success() {
        Some(out)
    } else {
        debug!(%program, ?status, "failed: video sent without details");
        None
    }
}

fn probe(path: &Path) -> Probed {
    let mut cmd = Command::new("ffprobe");
    cmd.args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .arg("stream=width,height,duration:stream_side_data=rotation:format=duration")
        .args(["-of", "json"])
        .arg(path);
    run(cmd).map(|out| parse_probe(&out)).unwrap_or_default()
}

/// A JPEG still of the video at `at`, fitting the thumbnail box (never enlarged).
fn still(path: &Path, at: Duration) -> Option<Thumbnail> {
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-nostdin", "-ss"])
        .arg(format!("{:.3}", at.as_secs_f64()))
        .arg("-i")
        .arg(path)
        .args(["-frames:v", "1", "-an", "-vf"])
        .arg(format!(
            "scale='min({THUMB_WIDTH},iw)':'min({THUMB_HEIGHT},ih)':force_original_aspect_ratio=decrease"
        ))
        .args(["-pix_fmt", "yuvj420p", "-c:v", "mjpeg", "-f", "image2", "pipe:1"]);
    let data = run(cmd)?;
    // Only what really is a JPEG leaves as the thumbnail, with its real size.
    if crate::media::sniff_image(&data) != Some("image/jpeg") {
        return None;
    }
    let (w, h) = ImageReader::with_format(Cursor::new(&data), ImageFormat::Jpeg)
        .into_dimensions()
        .ok()?;
    Some(Thumbnail {
        size: UInt::try_from(data.len() as u64).ok()?,
        data,
        content_type: mime::IMAGE_JPEG,
        width: UInt::from(w),
        height: UInt::from(h),
    })
}

/// Where the still is taken: a little into the video (its first frame is often black),
/// never past its end.
fn still_time(duration: Option<Duration>) -> Duration {
    match duration {
        Some(d) => (d / 2).min(Duration::from_secs(1)),
        None => Duration::ZERO,
    }
}

/// Dimensions, duration and thumbnail of a video, as far as the system's ffmpeg can
/// tell; an empty config (the video is sent as is) when it is absent or fails.
/// Blocking (runs two processes): call it off the async threads.
pub fn video_config(bytes: &[u8], name: &str) -> AttachmentConfig {
    let mut config = AttachmentConfig::default();
    let Ok(dir) = tempfile::tempdir() else {
        return config;
    };
    // The extension helps ffprobe pick the container; the name itself stays ours.
    let ext = Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .filter(|e| e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "bin".to_owned());
    let path = dir.path().join(format!("video.{ext}"));
    if let Err(err) = std::fs::write(&path, bytes) {
        warn!(%err, "video not written for ffprobe: sent without details");
        return config;
    }
    let probed = probe(&path);
    let thumbnail = if probed.width.is_some() {
        still(&path, still_time(probed.duration))
    } else {
        // No video stream ffprobe can read: no frame either.
        None
    };
    config.info = Some(AttachmentInfo::Video(BaseVideoInfo {
        duration: probed.duration,
        width: probed.width.map(UInt::from),
        height: probed.height.map(UInt::from),
        size: UInt::try_from(bytes.len() as u64).ok(),
        blurhash: None,
    }));
    config.thumbnail = thumbnail;
    config
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn ffprobe_output_gives_size_as_shown_and_duration() {
        let plain = br#"{"streams":[{"width":320,"height":240,"duration":"1.000000"}],
                         "format":{"duration":"1.040000"}}"#;
        assert_eq!(
            parse_probe(plain),
            Probed {
                width: Some(320),
                height: Some(240),
                duration: Some(Duration::from_millis(1040)),
            }
        );
        // A phone video held upright: stored 1920×1080, rotated a quarter turn.
        let upright = br#"{"streams":[{"width":1920,"height":1080,
            "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]}],
            "format":{"duration":"12.5"}}"#;
        let p = parse_probe(upright);
        assert_eq!((p.width, p.height), (Some(1080), Some(1920)));
        assert_eq!(p.duration, Some(Duration::from_millis(12_500)));
    }

    #[test]
    fn odd_ffprobe_output_is_unknown_not_invented() {
        assert_eq!(parse_probe(b"not json"), Probed::default());
        assert_eq!(parse_probe(b"{}"), Probed::default());
        let odd = br#"{"streams":[{"width":0,"height":99999,"duration":"N/A"}],
                       "format":{"duration":"-3"}}"#;
        assert_eq!(parse_probe(odd), Probed::default());
    }

    #[test]
    fn the_still_is_taken_inside_the_video() {
        assert_eq!(
            still_time(Some(Duration::from_millis(400))),
            Duration::from_millis(200)
        );
        assert_eq!(
            still_time(Some(Duration::from_secs(60))),
            Duration::from_secs(1)
        );
        assert_eq!(still_time(None), Duration::ZERO);
    }

    #[test]
    fn what_is_not_a_video_is_sent_without_details() {
        // Whether or not ffmpeg is installed: no invented size, no thumbnail.
        let config = video_config(b"definitely not a video", "clip.mp4");
        assert!(config.thumbnail.is_none());
        match config.info {
            Some(AttachmentInfo::Video(v)) => {
                assert_eq!((v.width, v.height, v.duration), (None, None, None));
            }
            other => panic!("{other:?}"),
        }
    }
}
