//! Signing in and syncing through the proxy the user sets in Settings, against the real
//! Synapse: an HTTP proxy and a SOCKS5 proxy run in the test (small, but speaking the
//! real protocols reqwest speaks), and count what goes through them. A proxy that is
//! down is reported as "server unreachable", never as a wrong password.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex,
};

use chappe_core::{proxy::ProxyUrl, LoginError, LoginRequest, SyncStatus};
use common::{server, wait_for, SYNC_TIMEOUT};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// An HTTP forward proxy for `http://` URLs: reads the request head, rewrites the
/// absolute URL to a path, asks the server to close after answering (so each request
/// arrives here on its own connection), then relays bytes both ways.
async fn http_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let mut lines = head.split("\r\n");
                let first = lines.next().unwrap_or_default().to_owned();
                let mut parts = first.split(' ');
                let (method, target, version) = (
                    parts.next().unwrap_or_default(),
                    parts.next().unwrap_or_default(),
                    parts.next().unwrap_or_default(),
                );
                let Ok(url) = url::Url::parse(target) else {
                    return;
                };
                let path = match url.query() {
                    Some(q) => format!("{}?{q}", url.path()),
                    None => url.path().to_owned(),
                };
                log.lock().unwrap().push(format!("{method} {}", url.path()));
                let upstream_addr = format!(
                    "{}:{}",
                    url.host_str().unwrap_or_default(),
                    url.port_or_known_default().unwrap_or(80)
                );
                let Ok(mut upstream) = TcpStream::connect(upstream_addr).await else {
                    return;
                };
                let mut out = format!("{method} {path} {version}\r\n");
                for line in lines.filter(|l| !l.is_empty()) {
                    let name = line
                        .split(':')
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if name != "connection" && name != "proxy-connection" {
                        out.push_str(line);
                        out.push_str("\r\n");
                    }
                }
                out.push_str("Connection: close\r\n\r\n");
                if upstream.write_all(out.as_bytes()).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (url, seen)
}

/// A SOCKS5 proxy (no authentication, CONNECT only), counting connections.
async fn socks5_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("socks5://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut hello = [0u8; 2];
                client.read_exact(&mut hello).await.ok()?;
                let mut methods = vec![0u8; usize::from(hello[1])];
                client.read_exact(&mut methods).await.ok()?;
                client.write_all(&[5, 0]).await.ok()?;
                let mut req = [0u8; 4];
                client.read_exact(&mut req).await.ok()?;
                let host = match req[3] {
                    1 => {
                        let mut a = [0u8; 4];
                        client.read_exact(&mut a).await.ok()?;
                        std::net::Ipv4Addr::from(a).to_string()
                    }
                    3 => {
                        let mut len = [0u8; 1];
                        client.read_exact(&mut len).await.ok()?;
                        let mut name = vec![0u8; usize::from(len[0])];
                        client.read_exact(&mut name).await.ok()?;
                        String::from_utf8(name).ok()?
                    }
                    _ => return None,
                };
                let mut port = [0u8; 2];
                client.read_exact(&mut port).await.ok()?;
                let mut upstream = TcpStream::connect((host.as_str(), u16::from_be_bytes(port)))
                    .await
                    .ok()?;
                client
                    .write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
                    .await
                    .ok()?;
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                Some(())
            });
        }
    });
    (url, count)
}

fn form(server: &common::Server, user: &common::User) -> LoginRequest {
    LoginRequest {
        homeserver: server.url.clone(),
        user: user.localpart.clone(),
        password: user.password.clone(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_and_sync_go_through_an_http_proxy() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let (url, seen) = http_proxy().await;
    let proxy = ProxyUrl::parse(&url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = chappe_core::login_via(dir.path(), form(&server, &alice), &[], Some(&proxy))
        .await
        .unwrap();
    let mut status = session.sync_status();
    wait_for("sync running", SYNC_TIMEOUT, || {
        let s = status.get();
        async move { (s == SyncStatus::Running).then_some(()) }
    })
    .await;
    let _ = status.next_now();
    let requests = seen.lock().unwrap().clone();
    assert!(
        requests
            .iter()
            .any(|r| r == "POST /_matrix/client/v3/login"),
        "the login did not go through the proxy: {requests:?}"
    );
    assert!(
        requests.iter().any(|r| r.contains("/sync")),
        "the sync did not go through the proxy: {requests:?}"
    );
    // A restart through the same proxy: the restore's requests go through it too.
    let stored = session.stored().unwrap();
    session.stop().await;
    drop(session);
    let before = seen.lock().unwrap().len();
    let mut restored = chappe_core::Session::restore_via(stored, Some(&proxy))
        .await
        .unwrap();
    wait_for("requests after the restore", SYNC_TIMEOUT, || {
        let n = seen.lock().unwrap().len();
        async move { (n > before).then_some(()) }
    })
    .await;
    restored.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_goes_through_a_socks5_proxy() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let (url, count) = socks5_proxy().await;
    let proxy = ProxyUrl::parse(&url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = chappe_core::login_via(dir.path(), form(&server, &alice), &[], Some(&proxy))
        .await
        .unwrap();
    assert_eq!(session.user_id(), alice.user_id);
    assert!(
        count.load(Ordering::SeqCst) > 0,
        "nothing went through the SOCKS proxy"
    );
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_that_is_down_says_unreachable() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let proxy = ProxyUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = chappe_core::login_via(dir.path(), form(&server, &alice), &[], Some(&proxy))
        .await
        .unwrap_err();
    assert!(matches!(err, LoginError::Unreachable(_)), "got {err:?}");
}
