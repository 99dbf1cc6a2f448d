//! A TCP relay between Chappe and the real Synapse that a test can cut and restore:
//! the one fault a shared test server cannot produce on demand (a server that goes
//! away and comes back) without disturbing the tests running beside it. It can also
//! swallow the server's answers (the request is done, the reply is lost: the case that
//! makes a naive client send twice) and slow the upload direction down (so a test can
//! act while a file is on its way).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};

/// What the relay does to the bytes it carries; shared by all its connections.
#[derive(Default)]
struct Faults {
    /// Answers from the server are read and thrown away.
    hold_responses: AtomicBool,
    /// Bytes per second towards the server; 0: as fast as possible.
    upload_rate: AtomicU64,
}

pub struct Relay {
    pub url: String,
    down: Arc<AtomicBool>,
    faults: Arc<Faults>,
    conns: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Relay {
    pub async fn to(upstream_url: &str) -> Relay {
        let upstream = upstream_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let down = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(Faults::default());
        let (d, c, f) = (down.clone(), conns.clone(), faults.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    drop(client); // the "server" is down: connection closed at once
                    continue;
                }
                let upstream = upstream.clone();
                let f = f.clone();
                let task = tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        pump(client, server, f).await;
                    }
                });
                c.lock().unwrap().push(task.abort_handle());
            }
        })
        .abort_handle();
        Relay {
            url,
            down,
            faults,
            conns,
            accept,
        }
    }

    /// The server becomes unreachable: open connections drop, new ones are refused.
    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }

    /// `true`: requests still reach the server, but its answers are lost on the way
    /// back (the client waits, then gives up when the connection is cut).
    pub fn hold_responses(&self, hold: bool) {
        self.faults.hold_responses.store(hold, Ordering::SeqCst);
    }

    /// Limits what goes to the server to `bytes_per_second` (0: no limit).
    pub fn limit_upload(&self, bytes_per_second: u64) {
        self.faults
            .upload_rate
            .store(bytes_per_second, Ordering::SeqCst);
    }
}

/// Carries one connection both ways, applying the relay's faults, until either side
/// closes it.
async fn pump(client: TcpStream, server: TcpStream, faults: Arc<Faults>) {
    let (mut client_in, mut client_out) = client.into_split();
    let (mut server_in, mut server_out) = server.into_split();
    let f = faults.clone();
    let up = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_in.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if server_out.write_all(&buf[..n]).await.is_err() {
                break;
            }
            let rate = f.upload_rate.load(Ordering::SeqCst);
            // No limit when the rate is 0 (then there is no quotient).
            if let Some(micros) = (n as u64 * 1_000_000).checked_div(rate) {
                tokio::time::sleep(Duration::from_micros(micros)).await;
            }
        }
        let _ = server_out.shutdown().await;
    };
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_in.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if faults.hold_responses.load(Ordering::SeqCst) {
                continue;
            }
            if client_out.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = client_out.shutdown().await;
    };
    // The connection is over when the server's side is: a half-closed client socket
    // (request sent, waiting for the answer) must not end it.
    tokio::join!(up, down);
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}
