//! Chappe core against the raw homeserver and against peer clients, on a seeded real
//! Synapse. Prints a table (median, min, max over runs) with ratios to the raw
//! sliding-sync response, which is the floor no client can beat, and peer / Chappe.
//! Before the table, one traced cold login shows where its time goes (every HTTP
//! request on a time line). Run with `make bench` (it starts a dedicated Synapse and
//! installs the peers); env: CHAPPE_TEST_HOMESERVER, CHAPPE_TEST_SECRET,
//! BENCH_ROOMS (100), BENCH_MESSAGES (20), BENCH_RUNS (5), BENCH_PEER_RUNS (3),
//! CHAPPE_CACHE (where the peers' Python venv is).
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{
    future::Future,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};
use chappe_core::{timeline::SendState, LoginRequest, Session, TimelineItemView};
use futures_util::{stream, StreamExt};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha1::Sha1;
use tracing_subscriber::{filter::filter_fn, layer::SubscriberExt, Layer};

#[path = "support/http_trace.rs"]
mod http_trace;

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

    /// Registers `user` (ignoring "already exists") and logs in on the fixed device
    /// `BENCHSEED`, so reruns reuse one device (no pile of devices on the account) and
    /// Synapse deduplicates re-sent transaction ids: the seed is idempotent.
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
            "password": password, "device_id": "BENCHSEED"});
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
const PEERS: [&str; 3] = ["bench_peer_a", "bench_peer_b", "bench_peer_c"];

/// The seeded account: its own owner per seed size, so seeds of different sizes live
/// side by side on the bench server and each owner is in exactly `rooms` rooms.
struct Seeded {
    user: String,
    token: String,
}

/// One owner in `rooms` rooms with `messages` messages each, written by the owner and
/// two of three other users; every fourth room is encrypted (`m.room.encryption` in
/// its initial state: the seeded messages themselves are plain, the server cannot
/// encrypt), every third ends with two messages mentioning the owner (unread
/// mentions). Idempotent and cached: rooms have aliases (an existing room is reused),
/// messages have fixed transaction ids on a fixed device (a re-sent one is not
/// duplicated), and a marker in the owner's account data says the seed is complete.
async fn seed(hs: &Hs, rooms: usize, messages: usize) -> Result<Seeded> {
    let user = format!("bench_{rooms}x{messages}");
    let owner = hs.account(&user, PASSWORD).await?;
    let mut peers = Vec::new();
    for p in PEERS {
        peers.push(hs.account(p, PASSWORD).await?);
    }
    let mxid = format!("@{user}:localhost");
    let marker = format!("/_matrix/client/v3/user/{mxid}/account_data/fr.chappe.bench_seed");
    let seeded = || Seeded {
        user: user.clone(),
        token: owner.clone(),
    };
    if hs
        .call(reqwest::Method::GET, Some(&owner), &marker, None)
        .await
        .is_ok()
    {
        return Ok(seeded());
    }
    let start = Instant::now();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Result<()>> = stream::iter(0..rooms)
        .map(|i| {
            let (owner, peers, mxid, done) = (&owner, &peers, &mxid, &done);
            async move {
                let alias = format!("b{rooms}x{messages}-{i}");
                let mut initial_state = Vec::new();
                if i % 4 == 1 {
                    initial_state.push(json!({"type": "m.room.encryption", "state_key": "",
                        "content": {"algorithm": "m.megolm.v1.aes-sha2"}}));
                }
                // Public join rule: the peers join without an invite (one request
                // fewer per peer and room); the room is not in the directory.
                let created = hs
                    .call(
                        reqwest::Method::POST,
                        Some(owner),
                        "/_matrix/client/v3/createRoom",
                        Some(
                            json!({"name": format!("Salon {i:04}"), "preset": "public_chat",
                            "room_alias_name": alias, "initial_state": initial_state}),
                        ),
                    )
                    .await;
                let room = match created {
                    Ok(v) => v["room_id"].as_str().context("room_id")?.to_owned(),
                    Err(e) if e.to_string().contains("M_ROOM_IN_USE") => {
                        let a: String = url::form_urlencoded::byte_serialize(
                            format!("#{alias}:localhost").as_bytes(),
                        )
                        .collect();
                        hs.call(
                            reqwest::Method::GET,
                            None,
                            &format!("/_matrix/client/v3/directory/room/{a}"),
                            None,
                        )
                        .await?["room_id"]
                            .as_str()
                            .context("room_id")?
                            .to_owned()
                    }
                    Err(e) => return Err(e),
                };
                let enc: String = url::form_urlencoded::byte_serialize(room.as_bytes()).collect();
                let writers = [&peers[i % 3], &peers[(i + 1) % 3]];
                for w in writers {
                    hs.call(
                        reqwest::Method::POST,
                        Some(w),
                        &format!("/_matrix/client/v3/join/{enc}"),
                        Some(json!({})),
                    )
                    .await?;
                }
                for m in 0..messages {
                    let mention = i % 3 == 0 && m + 2 >= messages;
                    let (who, content) = if mention {
                        (
                            writers[m % 2],
                            json!({"msgtype": "m.text",
                            "body": format!("{mxid}: regarde le message {m}"),
                            "m.mentions": {"user_ids": [mxid]}}),
                        )
                    } else if m % 3 == 0 {
                        (
                            owner,
                            json!({"msgtype": "m.text", "body": format!("réponse {m}")}),
                        )
                    } else {
                        (
                            writers[m % 2],
                            json!({"msgtype": "m.text",
                            "body": format!("message {m} du salon {i}")}),
                        )
                    };
                    let path =
                        format!("/_matrix/client/v3/rooms/{enc}/send/m.room.message/s{i}m{m}");
                    hs.call(reqwest::Method::PUT, Some(who), &path, Some(content))
                        .await?;
                }
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n % 100 == 0 {
                    eprintln!("seeded {n}/{rooms} rooms ({:.0?})", start.elapsed());
                }
                Ok(())
            }
        })
        // Synapse (one Python process, sqlite) is the limit; more in flight than this
        // only queues.
        .buffer_unordered(16)
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
    Ok(seeded())
}

/// What a room list needs at least: name, avatar, encryption, members (lazy).
const LEAN_STATE: &[(&str, &str)] = &[
    ("m.room.name", ""),
    ("m.room.avatar", ""),
    ("m.room.encryption", ""),
    ("m.room.member", "$LAZY"),
    ("m.room.member", "$ME"),
    ("m.room.canonical_alias", ""),
];

/// What matrix-sdk-ui 0.18's room list asks for (`DEFAULT_REQUIRED_STATE`).
const SDK_STATE: &[(&str, &str)] = &[
    ("m.room.name", ""),
    ("m.room.encryption", ""),
    ("m.room.member", "$LAZY"),
    ("m.room.member", "$ME"),
    ("m.room.topic", ""),
    ("m.room.avatar", ""),
    ("m.room.canonical_alias", ""),
    ("m.room.power_levels", ""),
    ("org.matrix.msc3401.call.member", "*"),
    ("m.room.join_rules", ""),
    ("m.room.tombstone", ""),
    ("m.room.create", ""),
    ("m.room.history_visibility", ""),
    ("io.element.functional_members", ""),
    ("m.space.parent", "*"),
    ("m.space.child", "*"),
    ("org.matrix.msc3672.beacon_info", "*"),
];

/// The homeserver's own sliding-sync answer for rooms 0..n, from a fresh connection,
/// asking for `state` in each room.
async fn raw_sliding_sync(
    hs: &Hs,
    token: &str,
    n: usize,
    state: &[(&str, &str)],
) -> Result<Duration> {
    let state: Vec<Value> = state.iter().map(|(t, k)| json!([t, k])).collect();
    let body = json!({"conn_id": format!("bench-{}", rand_id()), "lists": {"all": {
        "ranges": [[0, n.saturating_sub(1)]], "timeline_limit": 1,
        "required_state": state}}});
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A peer's runs: to its first `first` rooms (a first screen of the list) and to all.
struct PeerSamples {
    first: Vec<Duration>,
    all: Vec<Duration>,
}

/// Runs a peer client's script `runs` times; each run prints a line
/// `first=<float> ms=<float>` (milliseconds to the first screen of rooms and to all of
/// them). `None` (with the reason on stderr) when the peer is not installed or fails.
fn peer(
    cmd: &Path,
    script: &Path,
    hs: &Hs,
    user: &str,
    rooms: usize,
    runs: usize,
    first: usize,
) -> Option<PeerSamples> {
    if !cmd.exists() && cmd.components().count() > 1 || !script.exists() {
        eprintln!(
            "peer {} not installed (run tests/bench/peers/setup.sh)",
            script.display()
        );
        return None;
    }
    let out = std::process::Command::new(cmd)
        .arg(script)
        .env("BENCH_HS", &hs.url)
        .env("BENCH_USER", user)
        .env("BENCH_PASSWORD", PASSWORD)
        .env("BENCH_ROOMS", rooms.to_string())
        .env("BENCH_RUNS", runs.to_string())
        .env("BENCH_FIRST", first.to_string())
        .stderr(std::process::Stdio::inherit())
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            eprintln!("peer {} failed: {}", script.display(), o.status);
            return None;
        }
        Err(e) => {
            eprintln!("peer {} did not start: {e}", script.display());
            return None;
        }
    };
    let field = |line: &str, key: &str| {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(key))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| Duration::from_secs_f64(v / 1e3))
    };
    let (mut first, mut all) = (Vec::new(), Vec::new());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let (Some(f), Some(a)) = (field(line, "first="), field(line, "ms=")) {
            first.push(f);
            all.push(a);
        }
    }
    (!all.is_empty()).then_some(PeerSamples { first, all })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    // Only matrix-sdk's HTTP request spans are enabled; everything else stays off.
    let recorder = http_trace::Recorder::default();
    let subscriber = tracing_subscriber::registry().with(
        recorder
            .clone()
            .with_filter(filter_fn(http_trace::is_request)),
    );
    tracing::subscriber::set_global_default(subscriber)?;

    // `cargo bench` passes `--bench`; there is nothing to filter.
    let hs = Hs {
        url: std::env::var("CHAPPE_TEST_HOMESERVER")
            .context("CHAPPE_TEST_HOMESERVER (run `make bench`)")?,
        secret: std::env::var("CHAPPE_TEST_SECRET").context("CHAPPE_TEST_SECRET")?,
        http: reqwest::Client::new(),
    };
    let (n_rooms, n_msgs, n_runs, n_peer_runs) = (
        env_num("BENCH_ROOMS", 100),
        env_num("BENCH_MESSAGES", 20),
        env_num("BENCH_RUNS", 5).max(1),
        env_num("BENCH_PEER_RUNS", 3).max(1),
    );
    let seeded = seed(&hs, n_rooms, n_msgs).await?;
    // Seeding 1,000 rooms takes minutes: `BENCH_SEED_ONLY=1` seeds (or checks the
    // seed) and stops, so the seed can run while the release app is being built.
    if std::env::var_os("BENCH_SEED_ONLY").is_some() {
        eprintln!("seed ready: {} in {n_rooms} rooms", seeded.user);
        return Ok(());
    }
    let owner = seeded.token.clone();
    let first = 20.min(n_rooms);
    let mut rows = Vec::new();

    rows.push(Row {
        name: format!("raw sliding sync, first {first} rooms"),
        samples: runs(n_runs, || raw_sliding_sync(&hs, &owner, first, LEAN_STATE)).await?,
    });
    rows.push(Row {
        name: format!("raw sliding sync, first {first} rooms, SDK's required_state"),
        samples: runs(n_runs, || raw_sliding_sync(&hs, &owner, first, SDK_STATE)).await?,
    });
    rows.push(Row {
        name: format!("raw sliding sync, all {n_rooms} rooms"),
        samples: runs(n_runs, || {
            raw_sliding_sync(&hs, &owner, n_rooms, LEAN_STATE)
        })
        .await?,
    });

    let base = tempfile::tempdir()?;
    let login = |dir: PathBuf| {
        let (url, user) = (hs.url.clone(), seeded.user.clone());
        async move {
            chappe_core::login(
                &dir,
                LoginRequest {
                    homeserver: url,
                    user,
                    password: PASSWORD.into(),
                },
            )
            .await
            .context("login")
        }
    };

    // One traced cold login first: where does the time go?
    {
        let t0 = recorder.start();
        let s = login(base.path().join("traced")).await?;
        let returned = t0.elapsed();
        wait_rooms(&s, first).await?;
        let first_rooms = t0.elapsed();
        let requests = recorder.stop();
        eprintln!("\nOne cold login, traced (ms from the call to chappe_core::login):");
        for r in &requests {
            if r.start_ms <= ms(first_rooms) {
                eprintln!("  {:7.1} -> {:7.1}  {}", r.start_ms, r.end_ms, r.what);
            }
        }
        eprintln!(
            "  login() returned (client built, logged in, sync started) at {:.1}",
            ms(returned)
        );
        eprintln!(
            "  first {first} rooms in the room list at {:.1}\n",
            ms(first_rooms)
        );
        s.logout().await?;
    }

    // The part of a cold login spent creating the encrypted sqlite stores (state,
    // crypto, event cache), with the same settings as chappe_core (random 32-byte key).
    let build = runs(n_runs, || {
        let dir = base.path().join(format!("build{}", rand_id()));
        let url = hs.url.clone();
        async move {
            let key = [7u8; 32];
            let start = Instant::now();
            let client = matrix_sdk::Client::builder()
                .homeserver_url(url)
                .sqlite_store_with_config_and_cache_path(
                    matrix_sdk::SqliteStoreConfig::new(&dir).key(Some(&key)),
                    None::<&Path>,
                )
                .build()
                .await?;
            let took = start.elapsed();
            drop(client);
            Ok(took)
        }
    })
    .await?;

    let mut cold = Vec::new();
    let mut cold_all = Vec::new();
    let mut stored = None;
    for i in 0..n_runs {
        let dir = base.path().join(format!("cold{i}"));
        let start = Instant::now();
        let mut s = login(dir).await?;
        wait_rooms(&s, first).await?;
        cold.push(start.elapsed());
        wait_rooms(&s, n_rooms).await?;
        cold_all.push(start.elapsed());
        if i + 1 == n_runs {
            s.stop().await;
            stored = s.stored();
        } else {
            // Each cold login is a new device: log it out, or the account piles them up.
            s.logout().await?;
        }
    }
    rows.push(Row {
        name: format!("Chappe cold login -> first {first} rooms"),
        samples: cold,
    });
    rows.push(Row {
        name: "  of which: client build, fresh encrypted stores".into(),
        samples: build,
    });
    rows.push(Row {
        name: format!("Chappe cold login -> all {n_rooms} rooms"),
        samples: cold_all,
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
        if i + 1 == n_runs {
            s.logout().await?;
        } else {
            s.stop().await;
        }
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

    // Peers, on the same account, cold: to their first screen of rooms and to all.
    // The checkout cargo runs the bench in (the target dir is shared between clones).
    let peers_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from)
        .join("../tests/bench/peers");
    let cache = std::env::var("CHAPPE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/chappe")
        });
    let js = peer(
        Path::new("node"),
        &peers_dir.join("js/first_room_list.mjs"),
        &hs,
        &seeded.user,
        n_rooms,
        n_peer_runs,
        first,
    );
    let nio = peer(
        &cache.join("nio-venv/bin/python"),
        &peers_dir.join("nio_first_room_list.py"),
        &hs,
        &seeded.user,
        n_rooms,
        n_peer_runs,
        first,
    );
    for (name, samples) in [("matrix-js-sdk 37.5", js), ("matrix-nio 0.26", nio)] {
        let Some(PeerSamples { first: f, all }) = samples else {
            continue;
        };
        rows.push(Row {
            name: format!("{name} cold login -> first {first} rooms"),
            samples: f,
        });
        rows.push(Row {
            name: format!("{name} cold login -> all {n_rooms} rooms"),
            samples: all,
        });
    }

    let median_of = |prefix: &str| {
        rows.iter()
            .find(|r| r.name.starts_with(prefix))
            .map(Row::median)
            .unwrap_or_default()
    };
    let raw20 = median_of(&format!("raw sliding sync, first {first} rooms"));
    let raw_all = median_of("raw sliding sync, all");
    let cold_all = median_of("Chappe cold login -> all");
    let cold20 = median_of(&format!("Chappe cold login -> first {first} rooms"));
    println!("\nChappe core benchmark: {n_rooms} rooms x {n_msgs} messages, {n_runs} runs ({n_peer_runs} for peers), Synapse on loopback\n");
    println!("| measure | median | min | max | ratio |");
    println!("|---|---:|---:|---:|---|");
    for r in &rows {
        let m = r.median().as_secs_f64();
        let ratio = if r.name.starts_with("Chappe cold login -> first") {
            format!("{:.2}x raw first {first}", m / raw20.as_secs_f64())
        } else if r.name.starts_with("Chappe cold login -> all")
            || r.name.starts_with("Chappe warm")
        {
            format!("{:.2}x raw all", m / raw_all.as_secs_f64())
        } else if r.name.starts_with("matrix-") && r.name.contains(" -> first ") {
            format!("peer / Chappe = {:.2}x", m / cold20.as_secs_f64())
        } else if r.name.starts_with("matrix-") {
            format!("peer / Chappe = {:.2}x", m / cold_all.as_secs_f64())
        } else {
            String::new()
        };
        let min = r.samples.iter().min().copied().unwrap_or_default();
        let max = r.samples.iter().max().copied().unwrap_or_default();
        println!(
            "| {} | {:.1} ms | {:.1} ms | {:.1} ms | {ratio} |",
            r.name,
            ms(r.median()),
            ms(min),
            ms(max)
        );
    }
    Ok(())
}
