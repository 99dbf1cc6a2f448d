//! Images and files in the timeline, checked on the real Synapse: a colleague sends a
//! picture or a document, Chappe's timeline describes it, and the bytes fetched through
//! `chappe_core::media` (what the shell's `media:` scheme serves) are the sender's, also
//! when the room is encrypted.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    media::{self, MediaKey, MediaKind},
    Session, TimelineItemView,
};
use common::{
    attachments::{media_message, send_text_file, two_sessions},
    server,
};
use matrix_sdk::{
    attachment::{AttachmentConfig, AttachmentInfo, BaseImageInfo},
    ruma::{OwnedRoomId, UInt},
};

const PHOTO: &[u8] = include_bytes!("data/photo.png");

async fn send_photo(bob: &Session, room_id: &str) {
    let room = bob
        .client()
        .get_room(&OwnedRoomId::try_from(room_id).unwrap())
        .expect("bob is in the room");
    let info = AttachmentInfo::Image(BaseImageInfo {
        width: Some(UInt::from(160u32)),
        height: Some(UInt::from(100u32)),
        size: Some(UInt::from(u32::try_from(PHOTO.len()).unwrap())),
        ..Default::default()
    });
    room.send_attachment(
        "photo.png",
        &mime::IMAGE_PNG,
        PHOTO.to_vec(),
        AttachmentConfig::new().info(info),
    )
    .await
    .expect("bob sends the photo");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_from_a_colleague_is_shown_from_a_server_thumbnail_and_saved_whole() {
    let (alice, bob, room_id, _a, _b) = two_sessions("Pièces jointes", false).await;
    let timeline = alice.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);

    send_photo(&bob, &room_id).await;
    let photo = media_message(&mut items, &mut stream, "photo.png").await;

    assert_eq!(photo.kind, MediaKind::Image);
    assert_eq!(photo.mimetype.as_deref(), Some("image/png"));
    assert_eq!((photo.width, photo.height), (Some(160), Some(100)));
    assert!(photo.key.starts_with("p/"), "unencrypted: {}", photo.key);
    let preview = photo.preview_key.clone().expect("an image has a preview");
    assert!(preview.starts_with("t/"), "a server thumbnail: {preview}");

    let whole = media::fetch(
        alice.client(),
        alice.media(),
        &MediaKey::parse(&photo.key).unwrap(),
    )
    .await
    .expect("the file downloads");
    assert_eq!(whole, PHOTO, "the bytes Bob sent");
    let thumb = media::fetch(
        alice.client(),
        alice.media(),
        &MediaKey::parse(&preview).unwrap(),
    )
    .await
    .expect("the thumbnail downloads");
    assert!(
        media::sniff_image(&thumb).is_some(),
        "Synapse's thumbnail is an image the webview may show"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn in_an_encrypted_room_attachments_are_decrypted_and_their_keys_never_leave_rust() {
    let (alice, bob, room_id, _a, _b) = two_sessions("Pièces jointes", true).await;
    let timeline = alice.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);

    send_photo(&bob, &room_id).await;
    let photo = media_message(&mut items, &mut stream, "photo.png").await;
    assert!(photo.key.starts_with("e/"), "encrypted: {}", photo.key);
    // The key the webview gets is only a name: no key material in it.
    assert!(!photo.key.contains("key") && photo.key.split('/').count() == 3);
    let whole = media::fetch(
        alice.client(),
        alice.media(),
        &MediaKey::parse(&photo.key).unwrap(),
    )
    .await
    .expect("the encrypted photo downloads and decrypts");
    assert_eq!(whole, PHOTO, "decrypted to the bytes Bob sent");
    let preview = photo.preview_key.expect("a small encrypted image is shown");
    let shown = media::fetch(
        alice.client(),
        alice.media(),
        &MediaKey::parse(&preview).unwrap(),
    )
    .await
    .unwrap();
    assert!(media::sniff_image(&shown).is_some());

    let text = "Ordre du jour : budget 2027\n".repeat(50);
    send_text_file(&bob, &room_id, "compte-rendu.txt", text.as_bytes()).await;
    let doc = media_message(&mut items, &mut stream, "compte-rendu.txt").await;
    assert_eq!(doc.kind, MediaKind::File);
    assert_eq!(
        doc.preview_key, None,
        "a document is offered to save, not drawn"
    );
    let saved = media::fetch(
        alice.client(),
        alice.media(),
        &MediaKey::parse(&doc.key).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(saved, text.as_bytes());
    assert_eq!(
        media::sniff_image(&saved),
        None,
        "served as a download, never as a page"
    );

    // A key the timeline never showed cannot be fetched, even for a real file.
    let other = chappe_core::media::MediaSources::default();
    let err = media::fetch(alice.client(), &other, &MediaKey::parse(&doc.key).unwrap()).await;
    assert!(matches!(err, Err(media::MediaError::Unknown)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_picture_sent_from_chappe_reaches_a_colleague_encrypted_with_size_and_thumbnail() {
    let (alice, bob, room_id, _a, _b) = two_sessions("Pièces jointes", true).await;
    let alice_timeline = alice.open_room(&room_id).await.unwrap();
    let bob_timeline = bob.open_room(&room_id).await.unwrap();
    let (mut items, stream) = bob_timeline.subscribe().await;
    let mut stream = Box::pin(stream);

    let big = image::RgbImage::from_fn(1600, 1200, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    });
    let mut png = Vec::new();
    big.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    alice_timeline
        .send_file("plan du site.png", png.clone())
        .await
        .expect("queued");

    let seen = media_message(&mut items, &mut stream, "plan du site.png").await;
    assert_eq!(seen.kind, MediaKind::Image);
    assert_eq!((seen.width, seen.height), (Some(1600), Some(1200)));
    assert_eq!(seen.mimetype.as_deref(), Some("image/png"));
    assert!(
        seen.key.starts_with("e/"),
        "encrypted in an encrypted room: {}",
        seen.key
    );
    let preview = seen.preview_key.expect("a thumbnail");
    assert_ne!(
        preview, seen.key,
        "the thumbnail, not the 1600×1200 original"
    );
    let thumb = media::fetch(
        bob.client(),
        bob.media(),
        &MediaKey::parse(&preview).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(media::sniff_image(&thumb), Some("image/jpeg"));
    let whole = media::fetch(
        bob.client(),
        bob.media(),
        &MediaKey::parse(&seen.key).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        whole, png,
        "identical bytes after encryption and decryption"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_above_the_servers_upload_limit_is_refused_before_anything_is_sent() {
    let (alice, _bob, room_id, _a, _b) = two_sessions("Pièces jointes", false).await;
    // What the server itself announces.
    let max = chappe_core::files::upload_limit(alice.client())
        .await
        .expect("the server says its limit");
    let config: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/_matrix/client/v1/media/config",
            alice.client().homeserver().as_str().trim_end_matches('/')
        ))
        .bearer_auth(alice.client().access_token().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["m.upload.size"].as_u64(), Some(max));

    // A sparse file: as large as wanted without writing it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archives.zip");
    std::fs::File::create(&path)
        .unwrap()
        .set_len(max + 1)
        .unwrap();
    let timeline = alice.open_room(&room_id).await.unwrap();
    match timeline.send_path(&path).await {
        Err(chappe_core::files::FileError::TooLarge { name, size, max: m }) => {
            assert_eq!((name.as_str(), size, m), ("archives.zip", max + 1, max));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let (items, _) = timeline.subscribe().await;
    assert!(
        !items
            .iter()
            .any(|i| matches!(i, TimelineItemView::Message { body, .. } if body == "archives.zip")),
        "nothing queued"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_media_cache_is_capped_and_lives_in_the_store_logout_removes() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let policy = session
        .client()
        .media()
        .media_retention_policy()
        .await
        .unwrap();
    assert_eq!(
        policy.max_cache_size,
        Some(chappe_core::session::MEDIA_CACHE_BYTES)
    );
    assert_eq!(
        policy.max_file_size,
        Some(chappe_core::session::MEDIA_CACHE_FILE_BYTES)
    );
    let store = session.stored().unwrap().store_dir;
    assert!(store.starts_with(dir.path()) && store.exists());
    session.logout().await.unwrap();
    assert!(
        !store.exists(),
        "logging out deletes the stores, media cache included"
    );
}

/// A one-second 320×240 test video made with the system's ffmpeg (the `ffmpeg` package
/// that tests/setup.sh installs).
fn test_clip(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("réunion.mp4");
    let status = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc=size=320x240:rate=10")
        .args(["-t", "1", "-pix_fmt", "yuv420p"])
        .arg(&path)
        .status()
        .expect("ffmpeg is installed (tests/setup.sh installs the ffmpeg package)");
    assert!(status.success(), "ffmpeg made the clip");
    path
}

/// Alice sends a video from Chappe; Bob sees it as a video with its size, duration and
/// a thumbnail that downloads and decodes as a picture of that size, and the video he
/// downloads is byte for byte the one sent.
async fn video_round_trip(encrypted: bool) {
    let (alice, bob, room_id, _a, _b) = two_sessions("Vidéos", encrypted).await;
    let alice_timeline = alice.open_room(&room_id).await.unwrap();
    let bob_timeline = bob.open_room(&room_id).await.unwrap();
    let (mut items, stream) = bob_timeline.subscribe().await;
    let mut stream = Box::pin(stream);
    let dir = tempfile::tempdir().unwrap();
    let clip = test_clip(dir.path());
    let sent = std::fs::read(&clip).unwrap();

    alice_timeline.send_path(&clip).await.expect("queued");
    let video = media_message(&mut items, &mut stream, "réunion.mp4").await;

    assert_eq!(video.kind, MediaKind::Video);
    assert_eq!(video.mimetype.as_deref(), Some("video/mp4"));
    assert_eq!((video.width, video.height), (Some(320), Some(240)));
    let duration = video.duration_secs.expect("a duration");
    assert!(
        (0.9..=1.2).contains(&duration),
        "about one second: {duration}"
    );
    let prefix = if encrypted { "e/" } else { "p/" };
    assert!(video.key.starts_with(prefix), "{}", video.key);
    let preview = video.preview_key.clone().expect("a thumbnail");
    assert!(
        preview.starts_with(prefix),
        "the sender's own thumbnail: {preview}"
    );
    assert_ne!(preview, video.key);

    let thumb = media::fetch(
        bob.client(),
        bob.media(),
        &MediaKey::parse(&preview).unwrap(),
    )
    .await
    .expect("the thumbnail downloads");
    assert_eq!(media::sniff_image(&thumb), Some("image/jpeg"));
    let picture = image::load_from_memory(&thumb).expect("the thumbnail decodes");
    assert_eq!(
        (picture.width(), picture.height()),
        (320, 240),
        "not enlarged"
    );

    let whole = media::fetch(
        bob.client(),
        bob.media(),
        &MediaKey::parse(&video.key).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(whole, sent, "identical bytes");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_video_sent_from_chappe_has_its_size_duration_and_thumbnail() {
    video_round_trip(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn in_an_encrypted_room_a_video_and_its_thumbnail_are_encrypted_and_complete() {
    video_round_trip(true).await;
}

/// Bob sends a few MB; Alice saves it: progress events arrive in order, never past the
/// total, and the last one is the file's size; the bytes are Bob's. Saved again, it
/// comes from the media cache: one event, at the size.
async fn download_progress(encrypted: bool) {
    let (alice, bob, room_id, _a, _b) = two_sessions("Téléchargements", encrypted).await;
    let timeline = alice.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);
    // Not compressible, so that the whole size crosses the network.
    let body: Vec<u8> = (0..6_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    send_text_file(&bob, &room_id, "archives.bin", &body).await;
    let file = media_message(&mut items, &mut stream, "archives.bin").await;
    let key = MediaKey::parse(&file.key).unwrap();

    let mut events = Vec::new();
    let bytes = chappe_core::download::download(alice.client(), alice.media(), &key, |p| {
        events.push(p);
    })
    .await
    .expect("downloads");
    assert_eq!(bytes, body, "the bytes Bob sent");
    let size = body.len() as f64;
    assert!(events.len() >= 2, "a start and an end at least: {events:?}");
    assert_eq!(events.first().unwrap().received, 0.0, "starts at zero");
    let last = events.last().unwrap();
    assert_eq!(
        (last.received, last.total),
        (size, Some(size)),
        "ends at the size"
    );
    for pair in events.windows(2) {
        assert!(
            pair[0].received <= pair[1].received,
            "never goes back: {events:?}"
        );
    }
    for e in &events {
        assert_eq!(e.total, Some(size), "the server announced the size");
        assert!(e.received <= size);
    }

    let mut again = Vec::new();
    let cached = chappe_core::download::download(alice.client(), alice.media(), &key, |p| {
        again.push(p);
    })
    .await
    .unwrap();
    assert_eq!(cached, body);
    assert_eq!(
        again,
        vec![chappe_core::download::DownloadProgress {
            received: size,
            total: Some(size)
        }],
        "from the cache: straight to the end"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_a_file_reports_progress_up_to_its_size() {
    download_progress(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_an_encrypted_file_reports_progress_and_decrypts_it_whole() {
    download_progress(true).await;
}
