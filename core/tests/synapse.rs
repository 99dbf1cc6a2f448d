//! `core` against a real Synapse: login, sync, room list, timeline, sending.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use chappe_core::{
    room_list::PreviewKind, timeline::SendState, ListDiff, LoginError, LoginRequest, RoomSummary,
    SyncStatus, TimelineItemView,
};
use common::{server, wait_for, SYNC_TIMEOUT};
use futures_util::StreamExt;

fn room<'a>(rooms: &'a [RoomSummary], room_id: &str) -> Option<&'a RoomSummary> {
    rooms.iter().find(|r| r.room_id == room_id)
}

fn texts(items: &[TimelineItemView]) -> Vec<(String, String)> {
    items
        .iter()
        .filter_map(|i| match i {
            TimelineItemView::Message {
                sender_name, body, ..
            } => Some((sender_name.clone(), body.clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_the_right_password_starts_syncing() {
    let server = server();
    let alice = server.register("alice", "Alice Martin").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();
    assert_eq!(session.user_id(), alice.user_id);
    let mut status = session.sync_status();
    wait_for("sync running", SYNC_TIMEOUT, || {
        let s = status.get();
        async move { (s == SyncStatus::Running).then_some(()) }
    })
    .await;
    let _ = status.next_now();
    assert_eq!(
        session.display_name().await.as_deref(),
        Some("Alice Martin")
    );
    let stored = session.stored().expect("a logged-in session can be saved");
    assert_eq!(stored.user_id, alice.user_id);
    assert!(
        !format!("{stored:?}").contains(stored.access_token.as_str()),
        "token leaked in Debug"
    );
    session.stop().await;
    assert_eq!(session.sync_status().get(), SyncStatus::Stopped);
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_a_wrong_password_says_so_and_leaves_no_store() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let req = LoginRequest {
        homeserver: server.url.clone(),
        user: alice.localpart.clone(),
        password: "not-the-password".into(),
    };
    let err = chappe_core::login(dir.path(), req).await.unwrap_err();
    assert!(matches!(err, LoginError::WrongCredentials), "got {err:?}");
    let sessions = dir.path().join("sessions");
    let left = std::fs::read_dir(&sessions).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "a failed login left a store behind");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_to_a_server_that_is_down_says_it_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 9 (discard) of the loopback here.
    let req = LoginRequest {
        homeserver: "http://127.0.0.1:9".into(),
        user: "alice".into(),
        password: "x".into(),
    };
    let err = chappe_core::login(dir.path(), req).await.unwrap_err();
    assert!(
        matches!(err, LoginError::Unreachable(_) | LoginError::ServerNotFound),
        "got {err:?}"
    );
}

/// A server name whose `.well-known/matrix/client` points at the real homeserver:
/// the login form accepts the name, as Element does.
#[tokio::test(flavor = "multi_thread")]
async fn login_finds_the_homeserver_through_well_known() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = format!(r#"{{"m.homeserver":{{"base_url":"{}"}}}}"#, server.url);
    let served = tokio::spawn(async move {
        let mut hits = Vec::new();
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 4096];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let first = req.lines().next().unwrap_or_default().to_owned();
            let (status, payload) = if first.contains("/.well-known/matrix/client") {
                ("200 OK", body.clone())
            } else {
                ("404 Not Found", "{}".to_owned())
            };
            hits.push(first);
            let resp = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
                payload.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            if hits.iter().any(|h| h.contains("well-known")) {
                return hits;
            }
        }
        hits
    });
    let dir = tempfile::tempdir().unwrap();
    let req = LoginRequest {
        homeserver: format!("http://{addr}"),
        user: alice.localpart.clone(),
        password: alice.password.clone(),
    };
    let mut session = chappe_core::login(dir.path(), req).await.unwrap();
    assert_eq!(session.user_id(), alice.user_id);
    assert_eq!(
        session.client().homeserver().as_str().trim_end_matches('/'),
        server.url
    );
    let hits = tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .unwrap()
        .unwrap();
    assert!(
        hits.iter()
            .any(|h| h.contains("/.well-known/matrix/client")),
        "{hits:?}"
    );
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_room_we_are_invited_to_appears_and_its_messages_show_once_joined() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob Durand").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();

    let room_id = server
        .create_room(&bob, "Équipe Projet", &[&alice])
        .await
        .unwrap();
    let rooms = session.rooms().clone();
    // The summary may first appear before its name is known; the update is pushed.
    let invited = wait_for("the named invite in the room list", SYNC_TIMEOUT, || {
        let r = room(&rooms.snapshot(), &room_id).cloned();
        async move { r.filter(|r| r.name == "Équipe Projet") }
    })
    .await;
    assert!(invited.is_invite);
    assert_eq!(invited.name, "Équipe Projet");
    assert_eq!(invited.avatar_initial, "É");

    server.join(&alice, &room_id).await.unwrap();
    server
        .send_text(&bob, &room_id, "Bonjour à tous")
        .await
        .unwrap();
    let joined = wait_for("the joined room with Bob's message", SYNC_TIMEOUT, || {
        let r = room(&rooms.snapshot(), &room_id).cloned();
        async move {
            r.filter(|r| {
                !r.is_invite
                    && r.last_message
                        .as_ref()
                        .is_some_and(|m| m.text == "Bonjour à tous")
            })
        }
    })
    .await;
    let preview = joined.last_message.unwrap();
    assert_eq!(preview.sender_name, "Bob Durand");
    assert_eq!(preview.kind, PreviewKind::Text);
    assert!(!preview.is_own);

    let timeline = session.open_room(&room_id).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    let start = std::time::Instant::now();
    while !texts(&items).contains(&("Bob Durand".into(), "Bonjour à tous".into())) {
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "Bob's message never reached the timeline"
        );
        if let Ok(Some(diffs)) = tokio::time::timeout(Duration::from_secs(1), stream.next()).await {
            for d in diffs {
                d.apply(&mut items);
            }
        } else {
            let _ = timeline.paginate_backwards(20).await;
        }
    }
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_sessions_exchange_messages_with_local_echo() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let room_id = server.create_room(&alice, "Duo", &[&bob]).await.unwrap();
    server.join(&bob, &room_id).await.unwrap();

    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = server.login(&alice, da.path()).await.unwrap();
    let mut b = server.login(&bob, db.path()).await.unwrap();
    for s in [&a, &b] {
        let rooms = s.rooms().clone();
        let id = room_id.clone();
        wait_for("the room in the list", SYNC_TIMEOUT, || {
            let found = room(&rooms.snapshot(), &id).is_some_and(|r| !r.is_invite);
            async move { found.then_some(()) }
        })
        .await;
    }

    let ta = a.open_room(&room_id).await.unwrap();
    let tb = b.open_room(&room_id).await.unwrap();
    let (mut items_a, stream_a) = ta.subscribe().await;
    let (mut items_b, stream_b) = tb.subscribe().await;
    futures_util::pin_mut!(stream_a, stream_b);

    ta.send_text("Salut **Bob**").await.unwrap();
    // The local echo appears first, as "sending" or already "sent", never missing.
    let start = std::time::Instant::now();
    loop {
        let own = items_a.iter().find_map(|i| match i {
            TimelineItemView::Message {
                body,
                is_own: true,
                send_state,
                html,
                ..
            } if body == "Salut **Bob**" => Some((send_state.clone(), html.clone())),
            _ => None,
        });
        if let Some((state, html)) = own {
            assert_eq!(html.as_deref(), Some("Salut <strong>Bob</strong>"));
            if state == SendState::Sent {
                break;
            }
            assert!(
                !matches!(state, SendState::Failed { .. }),
                "send failed: {state:?}"
            );
        }
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "own message never confirmed"
        );
        if let Ok(Some(diffs)) = tokio::time::timeout(Duration::from_secs(1), stream_a.next()).await
        {
            for d in diffs {
                d.apply(&mut items_a);
            }
        }
    }

    let start = std::time::Instant::now();
    while !texts(&items_b).contains(&("Alice".into(), "Salut **Bob**".into())) {
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "Bob never received Alice's message"
        );
        if let Ok(Some(diffs)) = tokio::time::timeout(Duration::from_secs(1), stream_b.next()).await
        {
            for d in diffs {
                d.apply(&mut items_b);
            }
        }
    }
    // The server holds exactly what was sent.
    let on_server = server.messages(&bob, &room_id).await.unwrap();
    assert!(on_server.contains(&(alice.user_id.clone(), "Salut **Bob**".into())));

    let err = ta.send_text("   ").await.unwrap_err();
    assert!(matches!(err, chappe_core::TimelineError::EmptyMessage));
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rooms_are_sorted_by_activity_and_count_unread_messages() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let quiet = server.create_room(&bob, "Calme", &[&alice]).await.unwrap();
    server.join(&alice, &quiet).await.unwrap();
    let busy = server.create_room(&bob, "Animé", &[&alice]).await.unwrap();
    server.join(&alice, &busy).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&alice, dir.path()).await.unwrap();
    let rooms = session.rooms().clone();
    // Mirror the pushed diffs, as the UI does, to check the stream as well as the model.
    let (initial, diffs) = rooms.subscribe();
    let mirror = std::sync::Arc::new(std::sync::Mutex::new(initial));
    let m = mirror.clone();
    let mirror_task = tokio::spawn(async move {
        futures_util::pin_mut!(diffs);
        while let Some(batch) = diffs.next().await {
            let mut list = m.lock().unwrap();
            for d in batch {
                ListDiff::apply(d, &mut list);
            }
        }
    });
    wait_for("both rooms", SYNC_TIMEOUT, || {
        let snap = rooms.snapshot();
        let ok = room(&snap, &quiet).is_some() && room(&snap, &busy).is_some();
        async move { ok.then_some(()) }
    })
    .await;

    // Activity in "Calme" brings it to the top, with its unread count.
    // One at a time, as people type: counts are computed from the events sync
    // delivers, and a burst within one sync is under-counted (see session.rs).
    for text in [
        "premier".to_owned(),
        "second".to_owned(),
        format!("{} tu as vu ?", alice.user_id),
    ] {
        server.send_text(&bob, &quiet, &text).await.unwrap();
        wait_for("the message in the preview", SYNC_TIMEOUT, || {
            let seen = room(&rooms.snapshot(), &quiet)
                .and_then(|r| r.last_message.clone())
                .is_some_and(|m| m.text == text);
            async move { seen.then_some(()) }
        })
        .await;
    }
    let start = std::time::Instant::now();
    let top = loop {
        let snap = rooms.snapshot();
        let first = snap.first().filter(|r| r.room_id == quiet).cloned();
        if let Some(r) = first.filter(|r| {
            r.unread_notifications >= 3
                && r.last_message
                    .as_ref()
                    .is_some_and(|m| m.text.ends_with("tu as vu ?"))
        }) {
            break r;
        }
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "Calme never came on top with 3 unread: {snap:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(top.unread_notifications, 3);
    assert!(
        top.unread_mentions >= 1,
        "a mention by Matrix ID counts as a highlight: {top:?}"
    );
    assert!(top.last_activity.is_some());

    // Then activity in "Animé" overtakes it.
    server.send_text(&bob, &busy, "du nouveau").await.unwrap();
    wait_for("Animé on top", SYNC_TIMEOUT, || {
        let first = rooms.snapshot().first().map(|r| r.room_id.clone());
        let busy = busy.clone();
        async move { (first.as_deref() == Some(busy.as_str())).then_some(()) }
    })
    .await;
    // The mirror fed only by pushed diffs agrees with the model.
    wait_for("the diff mirror to agree", Duration::from_secs(5), || {
        let same = *mirror.lock().unwrap() == rooms.snapshot();
        async move { same.then_some(()) }
    })
    .await;

    // Reading the room clears its count. The receipt goes on the latest event the
    // timeline holds, so wait until it holds Bob's last message.
    let timeline = session.open_room(&quiet).await.unwrap();
    let (mut items, stream) = timeline.subscribe().await;
    futures_util::pin_mut!(stream);
    let start = std::time::Instant::now();
    while !texts(&items)
        .iter()
        .any(|(_, body)| body.ends_with("tu as vu ?"))
    {
        assert!(
            start.elapsed() < SYNC_TIMEOUT,
            "the last message never reached the timeline"
        );
        if let Ok(Some(diffs)) = tokio::time::timeout(Duration::from_secs(1), stream.next()).await {
            for d in diffs {
                d.apply(&mut items);
            }
        }
    }
    timeline.mark_as_read().await.unwrap();
    wait_for("the unread count to clear", SYNC_TIMEOUT, || {
        let r = room(&rooms.snapshot(), &quiet)
            .filter(|r| r.unread_notifications == 0)
            .map(|_| ());
        async move { r }
    })
    .await;
    mirror_task.abort();
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logging_out_ends_the_session_on_the_server_and_deletes_the_local_store() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let stored = session.stored().unwrap();
    assert!(stored.store_dir.exists());
    let token = stored.access_token.to_string();
    session.logout().await.unwrap();
    assert!(!stored.store_dir.exists(), "the encrypted store is deleted");
    let res = reqwest::Client::new()
        .get(format!("{}/_matrix/client/v3/account/whoami", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "the old token no longer works");
}
