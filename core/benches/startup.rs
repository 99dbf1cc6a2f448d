//! Chappe core against the raw homeserver, on a seeded real Synapse. Prints a table
//! (median, min, max over runs) and ratios to the raw sliding-sync response, which
//! is the floor no client can beat. Run with `make bench` (it starts and seeds a
//! dedicated Synapse); env: CHAPPE_TEST_HOMESERVER, CHAPPE_TEST_SECRET,
//! BENCH_ROOMS (100), BENCH_MESSAGES (20), BENCH_RUNS (5).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    future::Future,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use chappe_core::{timeline::SendState, LoginRequest, Session, TimelineItemView};
use futures_util::{stream, StreamExt};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha1::Sha1;

struct Hs {
    url: String,
    secret: String,
    http: reqwest::Client,
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

impl Hs {
    async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: {status} {v}");
        }
        Ok(v)
    }

    /// Registers `user` (ignoring "already exists") and logs in; returns the token.
    async fn account(&self, user: &str, password: &str) -> Result<String> {
        let reg = "/_synapse/admin/v1/register";
        let nonce = self.call(reqwest::Method::GET, None, reg, None).await?["nonce"]
            .as_str()
            .context("nonce")?
            .to_owned();
        let mut mac = Hmac::<Sha1>::new_from_slice(self.secret.as_bytes())?;
        mac.update(format!("{nonce}\0{user}\0{password}\0notadmin").as_bytes());
        let body = json!({"nonce": nonce, "username": user, "password": password, "admin": false,
            "mac": hex::encode(mac.finalize().into_bytes())});
        if let Err(e) = self
            .call(reqwest::Method::POST, None, reg, Some(body))
            .await
        {
            if !e.to_string().contains("M_USER_IN_USE") {
                return Err(e);
            }
        }
        let login = json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
            "password": password});
        let v = self
            .call(
                reqwest::Method::POST,
                None,
                "/_matrix/client/v3/login",
                Some(login),
            )
            .await?;
        Ok(v["access_token"].as_str().context("token")?.to_owned())
    }
}

const PASSWORD: &str = "bench-password";

/// One owner in `rooms` rooms with `messages` messages each, from the owner and a
/// peer, every fifth one mentioning the owner. Cached: a marker in the owner's
/// account data says which seed is done.
async fn seed(hs: &Hs, rooms: usize, messages: usize) -> Result<String> {
    let owner = hs.account("bench_owner", PASSWORD).await?;
    let peer = hs.account("bench_peer", PASSWORD).await?;
    let marker = format!("/_matrix/client/v3/user/@bench_owner:localhost/account_data/fr.chappe.bench_{rooms}_{messages}");
    if hs
        .call(reqwest::Method::GET, Some(&owner), &marker, None)
        .await
        .is_ok()
    {
        return Ok(owner);
    }
    let start = Instant::now();
    let results: Vec<Result<()>> = stream::iter(0..rooms)
        .map(|i| {
            let (owner, peer) = (owner.clone(), peer.clone());
            async move {
                let room = hs
                    .call(
                        reqwest::Method::POST,
                        Some(&owner),
                        "/_matrix/client/v3/createRoom",
                        Some(
                            json!({"name": format!("Salon {i:04}"), "preset": "private_chat",
                            "invite": ["@bench_peer:localhost"]}),
                        ),
                    )
                    .await?["room_id"]
                    .as_str()
                    .context("room_id")?
                    .to_owned();
                let enc: String = url::form_urlencoded::byte_serialize(room.as_bytes()).collect();
                hs.call(
                    reqwest::Method::POST,
                    Some(&peer),
                    &format!("/_matrix/client/v3/join/{enc}"),
                    Some(json!({})),
                )
                .await?;
                for m in 0..messages {
                    let (who, body) = if m % 5 == 4 {
                        (&peer, format!("@bench_owner:localhost message {m}"))
                    } else if m % 2 == 0 {
                        (&peer, format!("message {m} du salon {i}"))
                    } else {
                        (&owner, format!("réponse {m}"))
                    };
                    let path =
                        format!("/_matrix/client/v3/rooms/{enc}/send/m.room.message/s{i}m{m}");
                    hs.call(
                        reqwest::Method::PUT,
                        Some(who),
                        &path,
                        Some(json!({"msgtype": "m.text", "body": body})),
                    )
                    .await?;
                }
                Ok(())
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    for r in results {
        r?;
    }
    hs.call(
        reqwest::Method::PUT,
        Some(&owner),
        &marker,
        Some(json!({"done": true})),
    )
    .await?;
    eprintln!(
        "seeded {rooms} rooms x {messages} messages in {:.1?}",
        start.elapsed()
    );
    Ok(owner)
}

/// The homeserver's own sliding-sync answer for rooms 0..n, from a fresh connection.
async fn raw_sliding_sync(hs: &Hs, token: &str, n: usize) -> Result<Duration> {
    let body = json!({"conn_id": format!("bench-{}", rand_id()), "lists": {"all": {
        "ranges": [[0, n.saturating_sub(1)]], "timeline_limit": 1,
        "required_state": [["m.room.name", ""], ["m.room.avatar", ""], ["m.room.encryption", ""],
            ["m.room.member", "$LAZY"], ["m.room.member", "$ME"], ["m.room.canonical_alias", ""]]}}});
    let start = Instant::now();
    let v = hs
        .call(
            reqwest::Method::POST,
            Some(token),
            "/_matrix/client/unstable/org.matrix.simplified_msc3575/sync?timeout=0",
            Some(body),
        )
        .await?;
    let got = v["rooms"].as_object().map(|r| r.len()).unwrap_or(0);
    if got < n.min(1) {
        bail!("raw sliding sync returned {got} rooms");
    }
    Ok(start.elapsed())
}

fn rand_id() -> u64 {
    use rand::Rng;
    rand::thread_rng().gen()
}

async fn wait_rooms(session: &Session, n: usize) -> Result<()> {
    let rooms = session.rooms().clone();
    let start = Instant::now();
    while rooms.snapshot().iter().filter(|r| !r.is_invite).count() < n {
        if start.elapsed() > Duration::from_secs(120) {
            bail!("room list stuck at {}", rooms.snapshot().len());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}

struct Row {
    name: String,
    samples: Vec<Duration>,
}

impl Row {
    fn median(&self) -> Duration {
        let mut s = self.samples.clone();
        s.sort();
        s[s.len() / 2]
    }
}

async fn runs<F, Fut>(n: usize, mut f: F) -> Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Duration>>,
{
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(f().await?);
    }
    Ok(out)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let hs = Hs {
        url: std::env::var("CHAPPE_TEST_HOMESERVER")
            .context("CHAPPE_TEST_HOMESERVER (run `make bench`)")?,
        secret: std::env::var("CHAPPE_TEST_SECRET").context("CHAPPE_TEST_SECRET")?,
        http: reqwest::Client::new(),
    };
    let (n_rooms, n_msgs, n_runs) = (
        env_num("BENCH_ROOMS", 100),
        env_num("BENCH_MESSAGES", 20),
        env_num("BENCH_RUNS", 5).max(1),
    );
    let owner = seed(&hs, n_rooms, n_msgs).await?;
    let first = 20.min(n_rooms);
    let mut rows = Vec::new();

    rows.push(Row {
        name: format!("raw sliding sync, first {first} rooms"),
        samples: runs(n_runs, || raw_sliding_sync(&hs, &owner, first)).await?,
    });
    rows.push(Row {
        name: format!("raw sliding sync, all {n_rooms} rooms"),
        samples: runs(n_runs, || raw_sliding_sync(&hs, &owner, n_rooms)).await?,
    });

    let base = tempfile::tempdir()?;
    let login = |dir: std::path::PathBuf| {
        let url = hs.url.clone();
        async move {
            chappe_core::login(
                &dir,
                LoginRequest {
                    homeserver: url,
                    user: "bench_owner".into(),
                    password: PASSWORD.into(),
                },
            )
            .await
            .context("login")
        }
    };
    let mut cold = Vec::new();
    let mut stored = None;
    for i in 0..n_runs {
        let dir = base.path().join(format!("cold{i}"));
        let start = Instant::now();
        let mut s = login(dir).await?;
        wait_rooms(&s, first).await?;
        cold.push(start.elapsed());
        wait_rooms(&s, n_rooms).await?;
        s.stop().await;
        stored = s.stored();
    }
    rows.push(Row {
        name: format!("Chappe cold login -> first {first} rooms"),
        samples: cold,
    });

    let stored = stored.context("no session")?;
    let mut warm = Vec::new();
    let mut open = Vec::new();
    let mut send = Vec::new();
    for i in 0..n_runs {
        let start = Instant::now();
        let mut s = Session::restore(stored.clone()).await?;
        wait_rooms(&s, n_rooms).await?;
        warm.push(start.elapsed());

        let room_id = s
            .rooms()
            .snapshot()
            .first()
            .context("a room")?
            .room_id
            .clone();
        let start = Instant::now();
        let timeline = s.open_room(&room_id).await?;
        let (mut items, diffs) = timeline.subscribe().await;
        futures_util::pin_mut!(diffs);
        while !items
            .iter()
            .any(|i| matches!(i, TimelineItemView::Message { .. }))
        {
            match tokio::time::timeout(Duration::from_secs(30), diffs.next()).await {
                Ok(Some(d)) => d.into_iter().for_each(|d| d.apply(&mut items)),
                _ => bail!("no message in the timeline"),
            }
        }
        open.push(start.elapsed());

        let body = format!("mesure {i} {}", rand_id());
        let start = Instant::now();
        timeline.send_text(&body).await?;
        loop {
            let sent = items.iter().any(|it| {
                matches!(it, TimelineItemView::Message { body: b,
                send_state: SendState::Sent, .. } if *b == body)
            });
            if sent {
                break;
            }
            match tokio::time::timeout(Duration::from_secs(30), diffs.next()).await {
                Ok(Some(d)) => d.into_iter().for_each(|d| d.apply(&mut items)),
                _ => bail!("the message was never confirmed"),
            }
        }
        send.push(start.elapsed());
        s.stop().await;
    }
    rows.push(Row {
        name: format!("Chappe warm start -> all {n_rooms} rooms"),
        samples: warm,
    });
    rows.push(Row {
        name: "Chappe open room -> first messages".into(),
        samples: open,
    });
    rows.push(Row {
        name: "Chappe send -> remote echo".into(),
        samples: send,
    });

    let raw20 = rows[0].median();
    let raw_all = rows[1].median();
    println!("\nChappe core benchmark: {n_rooms} rooms x {n_msgs} messages, {n_runs} runs, Synapse on loopback\n");
    println!("| measure | median | min | max | ratio |");
    println!("|---|---:|---:|---:|---|");
    for r in &rows {
        let ratio = if r.name.starts_with("Chappe cold") {
            format!(
                "{:.2}x raw first {first}",
                r.median().as_secs_f64() / raw20.as_secs_f64()
            )
        } else if r.name.starts_with("Chappe warm") {
            format!(
                "{:.2}x raw all",
                r.median().as_secs_f64() / raw_all.as_secs_f64()
            )
        } else {
            String::new()
        };
        let min = r.samples.iter().min().copied().unwrap_or_default();
        let max = r.samples.iter().max().copied().unwrap_or_default();
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {ratio} |",
            r.name,
            r.median().as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
