//! Antivirus status of attachments, checked on the real Synapse with the real content
//! scanner in front of it (Element's matrix-content-scanner, tests/server/scanner.sh,
//! whose scan script flags the EICAR test string): a colleague sends a document and a
//! "virus", Chappe's timeline shows both, the scanner says which is which, and the
//! bytes downloaded through it are the sender's; in plain and encrypted rooms.
//! Needs `CHAPPE_TEST_SCANNER` (else skipped) on top of `CHAPPE_TEST_HOMESERVER`.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    media::MediaKey,
    scan::{ContentScanner, ScanError, ScanStatus},
};
use common::{
    attachments::{media_message, send_text_file, two_sessions},
    server,
};
use matrix_sdk::{
    attachment::{AttachmentConfig, AttachmentInfo, BaseImageInfo, Thumbnail},
    ruma::{OwnedRoomId, UInt},
};

const PHOTO: &[u8] = include_bytes!("data/photo.png");

/// The antivirus test file, split so that this source file is not flagged itself.
const EICAR: &str = concat!(
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR",
    "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
);

/// The scanner of the environment, or `None` (saying why the test is skipped).
fn scanner_url() -> Option<String> {
    match std::env::var("CHAPPE_TEST_SCANNER") {
        Ok(url) => Some(url),
        Err(_) => {
            eprintln!(
                "SKIPPED: CHAPPE_TEST_SCANNER is not set; `make test-rust` sets it \
                 (or start one: bash tests/server/scanner.sh start test 18095 $CHAPPE_TEST_HOMESERVER)"
            );
            None
        }
    }
}

/// Bob sends a report and the EICAR file; Alice's scanner says the first is clean and
/// the second infected, downloads the first through the scanner with Bob's exact bytes,
/// and is refused the second.
async fn clean_and_infected(encrypted: bool, url: &str) {
    let (alice, bob, room_id, _a, _b) = two_sessions("Antivirus", encrypted).await;
    let timeline = alice.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);
    let scanner = ContentScanner::new(Some(url), &alice.client().homeserver()).unwrap();

    let report = "Compte rendu de la réunion du 3 mars\n".repeat(200);
    send_text_file(&bob, &room_id, "compte-rendu.txt", report.as_bytes()).await;
    send_text_file(&bob, &room_id, "facture.txt", EICAR.as_bytes()).await;
    let clean = media_message(&mut items, &mut stream, "compte-rendu.txt").await;
    let virus = media_message(&mut items, &mut stream, "facture.txt").await;
    let prefix = if encrypted { "e/" } else { "p/" };
    assert!(clean.key.starts_with(prefix), "{}", clean.key);
    assert!(virus.key.starts_with(prefix), "{}", virus.key);
    let (clean_key, virus_key) = (
        MediaKey::parse(&clean.key).unwrap(),
        MediaKey::parse(&virus.key).unwrap(),
    );

    let status = scanner
        .scan(alice.client(), alice.media(), &clean_key)
        .await;
    assert_eq!(status, ScanStatus::Clean);
    let status = scanner
        .scan(alice.client(), alice.media(), &virus_key)
        .await;
    assert!(
        matches!(status, ScanStatus::Infected { .. }),
        "EICAR must be reported infected: {status:?}"
    );
    assert!(status.is_blocked());

    let bytes = scanner
        .download(alice.client(), alice.media(), &clean_key)
        .await
        .expect("a clean file downloads through the scanner");
    assert_eq!(bytes, report.as_bytes(), "the bytes Bob sent");
    let refused = scanner
        .download(alice.client(), alice.media(), &virus_key)
        .await;
    assert!(
        matches!(refused, Err(ScanError::Infected(_))),
        "the scanner never hands over an infected file: {refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn in_a_plain_room_a_document_is_clean_and_the_eicar_file_is_blocked() {
    let Some(url) = scanner_url() else { return };
    clean_and_infected(false, &url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn in_an_encrypted_room_the_scanner_gets_the_file_key_and_blocks_the_eicar_file() {
    let Some(url) = scanner_url() else { return };
    clean_and_infected(true, &url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_reachable_scanner_the_status_is_unavailable_not_clean() {
    // Needs no scanner: a port nobody listens on (taken, then released).
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (alice, bob, room_id, _a, _b) = two_sessions("Antivirus", true).await;
    let timeline = alice.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);
    send_text_file(&bob, &room_id, "note.txt", b"Note de service").await;
    let note = media_message(&mut items, &mut stream, "note.txt").await;
    let key = MediaKey::parse(&note.key).unwrap();

    let down = ContentScanner::new(
        Some(&format!("http://127.0.0.1:{closed}")),
        &alice.client().homeserver(),
    )
    .unwrap();
    let status = down.scan(alice.client(), alice.media(), &key).await;
    assert!(
        matches!(status, ScanStatus::Unavailable { .. }),
        "no verdict without a scanner: {status:?}"
    );
    assert!(!status.is_blocked());
    let refused = down.download(alice.client(), alice.media(), &key).await;
    assert!(
        matches!(refused, Err(ScanError::Unreachable(_))),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_homeserver_without_a_scanner_says_so_and_an_admins_wrong_address_is_no_verdict() {
    let (alice, bob, room_id, _a, _b) = two_sessions("Antivirus", false).await;
    let timeline = alice.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);
    send_text_file(&bob, &room_id, "note.txt", b"Note de service").await;
    let note = media_message(&mut items, &mut stream, "note.txt").await;
    let key = MediaKey::parse(&note.key).unwrap();
    let homeserver = alice.client().homeserver();

    // No scanner configured: the homeserver is asked, and Synapse alone does not know
    // the scanner's API (Tchap's homeservers do).
    let default = ContentScanner::new(None, &homeserver).unwrap();
    let status = default.scan(alice.client(), alice.media(), &key).await;
    assert_eq!(status, ScanStatus::NoScanner);
    // The admin named a scanner, and that address is not one: no verdict.
    let wrong = ContentScanner::new(Some(homeserver.as_str()), &homeserver).unwrap();
    let status = wrong.scan(alice.client(), alice.media(), &key).await;
    assert!(
        matches!(status, ScanStatus::Unavailable { .. }),
        "{status:?}"
    );
}

/// A scanner of this test's own (tests/server/scanner.sh), stopped when dropped.
struct OwnScanner {
    name: &'static str,
    port: u16,
}

impl OwnScanner {
    /// Starts it; `FRESH=1` wipes its data first, so it comes back with a new key.
    fn start(name: &'static str, port: u16) -> Self {
        let status = std::process::Command::new("bash")
            .arg(common::repo_file("tests/server/scanner.sh"))
            .args(["start", name, &port.to_string()])
            .arg(&server().url)
            .env("FRESH", "1")
            .status()
            .expect("running scanner.sh");
        assert!(status.success(), "scanner.sh start {name} failed");
        Self { name, port }
    }

    fn log(&self) -> String {
        let cache = std::env::var("CHAPPE_CACHE").unwrap_or_else(|_| {
            format!(
                "{}/.cache/chappe",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        std::fs::read_to_string(format!("{cache}/scanner-{}/scanner.log", self.name))
            .unwrap_or_default()
    }
}

impl Drop for OwnScanner {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(common::repo_file("tests/server/scanner.sh"))
            .args(["stop", self.name])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scanner_restarted_with_a_new_key_still_gets_the_file_key() {
    // Needs the scanner installed, which CHAPPE_TEST_SCANNER implies.
    if scanner_url().is_none() {
        return;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let own = OwnScanner::start("keytest", port);
    let (alice, bob, room_id, _a, _b) = two_sessions("Antivirus", true).await;
    let timeline = alice.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);
    send_text_file(&bob, &room_id, "budget.txt", b"Budget 2027 : 12 postes").await;
    let doc = media_message(&mut items, &mut stream, "budget.txt").await;
    let key = MediaKey::parse(&doc.key).unwrap();
    let scanner = ContentScanner::new(
        Some(&format!("http://127.0.0.1:{}", own.port)),
        &alice.client().homeserver(),
    )
    .unwrap();
    assert_eq!(
        scanner.scan(alice.client(), alice.media(), &key).await,
        ScanStatus::Clean
    );

    // The admin reinstalls the scanner: new private key, and Chappe still holds the
    // old public key. The scanner cannot read the request; Chappe fetches the new key
    // and asks again, without the user seeing anything.
    let own = OwnScanner::start("keytest", port);
    assert_eq!(
        scanner.scan(alice.client(), alice.media(), &key).await,
        ScanStatus::Clean
    );
    assert!(
        own.log().contains("Failed to decrypt encrypted body"),
        "the first request used the stale key"
    );
}

/// `sender` sends `bytes` as the picture `filename` (saying its size, as clients do),
/// with `thumbnail` (PNG bytes) as its own thumbnail if given.
async fn send_picture(
    sender: &chappe_core::Session,
    room_id: &str,
    filename: &str,
    bytes: &[u8],
    thumbnail: Option<&[u8]>,
) {
    let room = sender
        .client()
        .get_room(&OwnedRoomId::try_from(room_id).unwrap())
        .expect("the sender is in the room");
    let thumbnail = thumbnail.map(|t| Thumbnail {
        data: t.to_vec(),
        content_type: mime::IMAGE_PNG,
        width: UInt::from(160u32),
        height: UInt::from(100u32),
        size: UInt::from(u32::try_from(t.len()).unwrap()),
    });
    let info = AttachmentInfo::Image(BaseImageInfo {
        width: Some(UInt::from(160u32)),
        height: Some(UInt::from(100u32)),
        size: Some(UInt::from(u32::try_from(bytes.len()).unwrap())),
        ..Default::default()
    });
    room.send_attachment(
        filename,
        &mime::IMAGE_PNG,
        bytes.to_vec(),
        AttachmentConfig::new().info(info).thumbnail(thumbnail),
    )
    .await
    .expect("the picture is sent");
}

/// The preview gate: the bytes of a picture reach the webview only once the scanner
/// said clean; an infected "picture" is never fetched, and neither is the innocent
/// thumbnail of an infected file (checked with its file); no verdict, no preview.
async fn previews_wait_for_the_verdict(encrypted: bool, url: &str) {
    let (alice, bob, room_id, _a, _b) = two_sessions("Aperçus", encrypted).await;
    let timeline = alice.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    let mut stream = Box::pin(stream);
    let scanner = ContentScanner::new(Some(url), &alice.client().homeserver()).unwrap();

    send_picture(&bob, &room_id, "photo.png", PHOTO, None).await;
    send_picture(&bob, &room_id, "virus.png", EICAR.as_bytes(), None).await;
    send_picture(&bob, &room_id, "deguise.png", EICAR.as_bytes(), Some(PHOTO)).await;
    let photo = media_message(&mut items, &mut stream, "photo.png").await;
    let virus = media_message(&mut items, &mut stream, "virus.png").await;
    let disguised = media_message(&mut items, &mut stream, "deguise.png").await;
    let preview = |m: &chappe_core::media::MediaView| {
        MediaKey::parse(m.preview_key.as_deref().expect("a picture has a preview")).unwrap()
    };

    let shown = scanner
        .fetch_preview(alice.client(), alice.media(), &preview(&photo))
        .await
        .expect("a clean picture is shown");
    assert!(chappe_core::media::sniff_image(&shown).is_some());

    let refused = scanner
        .fetch_preview(alice.client(), alice.media(), &preview(&virus))
        .await;
    assert!(
        matches!(refused, Err(ScanError::Infected(_))),
        "an infected picture is never handed to the webview: {refused:?}"
    );

    let thumb = preview(&disguised);
    assert_ne!(thumb.to_path().unwrap(), disguised.key, "its own thumbnail");
    // The thumbnail alone is clean…
    assert_eq!(
        scanner.scan(alice.client(), alice.media(), &thumb).await,
        ScanStatus::Clean
    );
    // …but it previews an infected file: not shown either.
    let refused = scanner
        .fetch_preview(alice.client(), alice.media(), &thumb)
        .await;
    assert!(
        matches!(refused, Err(ScanError::Infected(_))),
        "the thumbnail of an infected file is not shown: {refused:?}"
    );

    // A scanner that cannot answer: no verdict, no preview, even for the clean photo.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down = ContentScanner::new(
        Some(&format!("http://127.0.0.1:{closed}")),
        &alice.client().homeserver(),
    )
    .unwrap();
    let refused = down
        .fetch_preview(alice.client(), alice.media(), &preview(&photo))
        .await;
    assert!(
        matches!(refused, Err(ScanError::NoVerdict(_))),
        "{refused:?}"
    );

    // A homeserver without any scanner (none configured): pictures show as before.
    let none = ContentScanner::new(None, &alice.client().homeserver()).unwrap();
    let shown = none
        .fetch_preview(alice.client(), alice.media(), &preview(&photo))
        .await
        .expect("no scanner: shown");
    assert!(chappe_core::media::sniff_image(&shown).is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn in_a_plain_room_a_picture_is_shown_only_once_clean_and_never_when_infected() {
    let Some(url) = scanner_url() else { return };
    previews_wait_for_the_verdict(false, &url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn in_an_encrypted_room_a_thumbnail_is_shown_only_if_it_and_its_file_are_clean() {
    let Some(url) = scanner_url() else { return };
    previews_wait_for_the_verdict(true, &url).await;
}
