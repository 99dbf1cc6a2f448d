//! Test harness against a real Synapse started by `tests/server/synapse.sh`.
//! `CHAPPE_TEST_HOMESERVER` is its URL and `CHAPPE_TEST_SECRET` its registration
//! shared secret (`make test` sets both). Each test registers its own users with
//! random names, so tests run in parallel and can be re-run on the same server.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod attachments;
pub mod big_room;
pub mod delivery;
pub mod identity;
pub mod mail;
pub mod private_server;
pub mod relay;
pub mod verify;

use std::{future::Future, path::Path, time::Duration};

use anyhow::{bail, Context, Result};
use chappe_core::{LoginRequest, Session};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::{json, Value};
use sha1::Sha1;

pub struct Server {
    pub url: String,
    secret: String,
    http: reqwest::Client,
}

pub fn server() -> Server {
    let url = std::env::var("CHAPPE_TEST_HOMESERVER").unwrap_or_else(|_| {
        panic!("CHAPPE_TEST_HOMESERVER is not set: run `make test`, or start Synapse with tests/server/synapse.sh")
    });
    let secret = match std::env::var("CHAPPE_TEST_SECRET") {
        Ok(s) => s,
        Err(_) => panic!("CHAPPE_TEST_SECRET is not set (see tests/server/synapse.sh secret test)"),
    };
    Server {
        url: url.trim_end_matches('/').to_owned(),
        secret,
        http: reqwest::Client::new(),
    }
}

/// An account created for one test, with an access token for raw API calls: the
/// "other client" that acts while Chappe observes.
pub struct User {
    pub user_id: String,
    pub localpart: String,
    pub password: String,
    pub token: String,
}

/// A file of this repository, e.g. `repo_file("tests/server/synapse.sh")`. Found from
/// the `CARGO_MANIFEST_DIR` that cargo sets when it runs the test, not the one baked in
/// at build time: the target dir is a cache shared between clones (CI's and ours), and a
/// test binary built in another clone must not run that clone's scripts.
pub fn repo_file(rel: &str) -> std::path::PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || env!("CARGO_MANIFEST_DIR").into(),
        std::path::PathBuf::from,
    );
    manifest.join("..").join(rel)
}

pub fn random_name(prefix: &str) -> String {
    let n: u64 = rand::thread_rng().gen();
    format!("{prefix}_{n:016x}")
}

impl Server {
    pub async fn register(&self, prefix: &str, display_name: &str) -> Result<User> {
        let localpart = random_name(prefix);
        let password = random_name("pw");
        let nonce_url = format!("{}/_synapse/admin/v1/register", self.url);
        let nonce: Value = self.http.get(&nonce_url).send().await?.json().await?;
        let nonce = nonce["nonce"].as_str().context("no nonce")?.to_owned();
        let mut mac = Hmac::<Sha1>::new_from_slice(self.secret.as_bytes())?;
        mac.update(format!("{nonce}\0{localpart}\0{password}\0notadmin").as_bytes());
        let mac = hex::encode(mac.finalize().into_bytes());
        let body = json!({"nonce": nonce, "username": localpart, "password": password,
            "displayname": display_name, "admin": false, "mac": mac});
        let res: Value = self
            .http
            .post(&nonce_url)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        let token = res["access_token"]
            .as_str()
            .with_context(|| format!("register: {res}"))?;
        Ok(User {
            user_id: res["user_id"].as_str().context("user_id")?.to_owned(),
            localpart,
            password,
            token: token.to_owned(),
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        user: &User,
        path: &str,
        body: Value,
    ) -> Result<Value> {
        self.request(
            method,
            user,
            &format!("/_matrix/client/v3{path}"),
            Some(body),
        )
        .await
    }

    /// `method` on `path` (from the server's root, e.g. an admin API) with `user`'s
    /// token; the JSON answer, or an error naming the path, status and answer.
    pub async fn request(
        &self,
        method: reqwest::Method,
        user: &User,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(&user.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await?;
        let status = res.status();
        let value: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: {status} {value}");
        }
        Ok(value)
    }

    pub async fn get(&self, user: &User, path: &str) -> Result<Value> {
        let res = self
            .http
            .get(format!("{}/_matrix/client/v3{path}", self.url))
            .bearer_auth(&user.token)
            .send()
            .await?;
        let status = res.status();
        let value: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("GET {path}: {status} {value}");
        }
        Ok(value)
    }

    pub async fn post(&self, user: &User, path: &str, body: Value) -> Result<Value> {
        self.call(reqwest::Method::POST, user, path, body).await
    }

    pub async fn put(&self, user: &User, path: &str, body: Value) -> Result<Value> {
        self.call(reqwest::Method::PUT, user, path, body).await
    }

    pub async fn create_room(&self, user: &User, name: &str, invite: &[&User]) -> Result<String> {
        let invite: Vec<&str> = invite.iter().map(|u| u.user_id.as_str()).collect();
        let res = self
            .call(
                reqwest::Method::POST,
                user,
                "/createRoom",
                json!({"name": name, "preset": "private_chat", "invite": invite}),
            )
            .await?;
        Ok(res["room_id"].as_str().context("room_id")?.to_owned())
    }

    pub async fn join(&self, user: &User, room_id: &str) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            user,
            &format!("/join/{}", enc(room_id)),
            json!({}),
        )
        .await?;
        Ok(())
    }

    pub async fn send_text(&self, user: &User, room_id: &str, body: &str) -> Result<String> {
        let txn = random_name("txn");
        let path = format!("/rooms/{}/send/m.room.message/{txn}", enc(room_id));
        let res = self
            .call(
                reqwest::Method::PUT,
                user,
                &path,
                json!({"msgtype": "m.text", "body": body}),
            )
            .await?;
        Ok(res["event_id"].as_str().context("event_id")?.to_owned())
    }

    /// Sends an `m.room.message` with any content (mentions, formatted bodies…).
    pub async fn send_message(&self, user: &User, room_id: &str, content: Value) -> Result<String> {
        let txn = random_name("txn");
        let path = format!("/rooms/{}/send/m.room.message/{txn}", enc(room_id));
        let res = self
            .call(reqwest::Method::PUT, user, &path, content)
            .await?;
        Ok(res["event_id"].as_str().context("event_id")?.to_owned())
    }

    /// The latest text messages of a room, as the other client sees them.
    pub async fn messages(&self, user: &User, room_id: &str) -> Result<Vec<(String, String)>> {
        let path = format!("/rooms/{}/messages?dir=b&limit=50", enc(room_id));
        let res = self
            .call(reqwest::Method::GET, user, &path, Value::Null)
            .await;
        let res = match res {
            Ok(v) => v,
            // GET with a JSON body is refused by some proxies; retry without.
            Err(_) => {
                self.http
                    .get(format!("{}/_matrix/client/v3{path}", self.url))
                    .bearer_auth(&user.token)
                    .send()
                    .await?
                    .json()
                    .await?
            }
        };
        let mut out = Vec::new();
        for ev in res["chunk"].as_array().cloned().unwrap_or_default() {
            if ev["type"] == "m.room.message" {
                out.push((
                    ev["sender"].as_str().unwrap_or_default().to_owned(),
                    ev["content"]["body"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ));
            }
        }
        Ok(out)
    }

    /// Logs `user` in with Chappe's core, with a fresh data folder.
    pub async fn login(&self, user: &User, data_dir: &Path) -> Result<Session> {
        let req = LoginRequest {
            homeserver: self.url.clone(),
            user: user.localpart.clone(),
            password: user.password.clone(),
        };
        Ok(chappe_core::login(data_dir, req).await?)
    }
}

/// Percent-encodes a path segment (room IDs, aliases, user IDs).
pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Polls `check` until it returns `Some`, failing after `timeout`. Sync is pushed, but
/// the test has to wait for the push to arrive; each check reads current state.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = std::time::Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub const SYNC_TIMEOUT: Duration = Duration::from_secs(30);

impl Server {
    /// Registers a server administrator (for the `/_synapse/admin` API).
    pub async fn register_admin(&self, prefix: &str) -> Result<User> {
        let localpart = random_name(prefix);
        let password = random_name("pw");
        let nonce_url = format!("{}/_synapse/admin/v1/register", self.url);
        let nonce: Value = self.http.get(&nonce_url).send().await?.json().await?;
        let nonce = nonce["nonce"].as_str().context("no nonce")?.to_owned();
        let mut mac = Hmac::<Sha1>::new_from_slice(self.secret.as_bytes())?;
        mac.update(format!("{nonce}\0{localpart}\0{password}\0admin").as_bytes());
        let mac = hex::encode(mac.finalize().into_bytes());
        let body = json!({"nonce": nonce, "username": localpart, "password": password,
            "admin": true, "mac": mac});
        let res: Value = self
            .http
            .post(&nonce_url)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        let token = res["access_token"]
            .as_str()
            .with_context(|| format!("register admin: {res}"))?;
        Ok(User {
            user_id: res["user_id"].as_str().context("user_id")?.to_owned(),
            localpart,
            password,
            token: token.to_owned(),
        })
    }

    /// Gives `user` the (already validated) email address `email`, as an administrator
    /// does: the user can then log in with it.
    pub async fn bind_email(&self, admin: &User, user: &User, email: &str) -> Result<()> {
        let res = self
            .http
            .put(format!(
                "{}/_synapse/admin/v2/users/{}",
                self.url,
                enc(&user.user_id)
            ))
            .bearer_auth(&admin.token)
            .json(&json!({"threepids": [{"medium": "email", "address": email}]}))
            .send()
            .await?;
        let status = res.status();
        if !status.is_success() {
            bail!(
                "bind email: {status} {}",
                res.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }
}

/// A tiny HTTP server on 127.0.0.1 standing for a third-party service (an identity
/// server, a `.well-known`): it answers each request with `respond(request line)`,
/// a status and a JSON body, and records the request lines. Stops when dropped.
pub struct HttpStub {
    pub url: String,
    hits: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl HttpStub {
    pub async fn start<F>(respond: F) -> Self
    where
        F: Fn(&str) -> (u16, String) + Send + Sync + 'static,
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let hits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = hits.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let first = req.lines().next().unwrap_or_default().to_owned();
                let (status, payload) = respond(&first);
                seen.lock().unwrap().push(first);
                let resp = format!(
                    "HTTP/1.1 {status} Stub\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
                    payload.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            }
        });
        Self { url, hits, task }
    }

    /// The request lines received so far (`GET /path?query HTTP/1.1`).
    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }
}

impl Drop for HttpStub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Waits until `room_id` is in the session's room list as a joined room.
pub async fn wait_joined(session: &Session, room_id: &str) {
    let rooms = session.rooms().clone();
    wait_for("the joined room in the list", SYNC_TIMEOUT, || {
        let ok = rooms
            .snapshot()
            .iter()
            .any(|r| r.room_id == room_id && !r.is_invite);
        async move { ok.then_some(()) }
    })
    .await;
}
