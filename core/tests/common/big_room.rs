//! Seeds a public room with many members on a private Synapse, through the admin API:
//! accounts are created without a password (`PUT /_synapse/admin/v2/users`, no bcrypt,
//! no device) and joined by the admin (`POST /_synapse/admin/v1/join`), a bounded
//! number of requests at a time. Synapse writes one state event per join into SQLite,
//! so the joins are what takes time (~30 ms each here), and more parallelism does not
//! help beyond keeping Synapse busy.
//!
//! Idempotent and cached: a marker file in the Synapse data folder names the room once
//! every member joined; a rerun finds it and seeds nothing. An interrupted seed is
//! resumed (accounts are PUT again, members already joined are skipped).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    time::Instant,
};

use anyhow::{Context, Result};
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::{json, Value};

use super::{enc, Server, User};

/// Requests in flight while seeding: enough to keep Synapse's one process busy.
const PARALLEL: usize = 8;
pub const OWNER: &str = "bigroom_owner";
pub const OWNER_PASSWORD: &str = "bigroom-password";

pub struct BigRoom {
    pub room_id: String,
    /// The room's creator, who logs in with Chappe.
    pub owner: User,
    /// A server administrator, to act as any member.
    pub admin: User,
    /// Seconds the seed took, `None` when the cached seed was used.
    pub seeded_in: Option<f64>,
}

pub fn member_id(i: usize) -> String {
    format!("@bigroom_m{i:05}:localhost")
}

fn marker(data_dir: &Path, members: usize) -> PathBuf {
    data_dir.join(format!("bigroom-{members}.seeded"))
}

/// Raw admin call on `server` with `admin`'s token.
pub async fn admin(
    server: &Server,
    admin: &User,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value> {
    server.request(method, admin, path, body).await
}

/// An access token for `user_id`, made by the admin (no password needed).
pub async fn token_of(server: &Server, adm: &User, user_id: &str) -> Result<User> {
    let res = admin(
        server,
        adm,
        reqwest::Method::POST,
        &format!("/_synapse/admin/v1/users/{}/login", enc(user_id)),
        Some(json!({})),
    )
    .await?;
    let localpart = user_id
        .trim_start_matches('@')
        .split(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(User {
        user_id: user_id.to_owned(),
        localpart,
        password: String::new(),
        token: res["access_token"]
            .as_str()
            .context("admin login: no token")?
            .to_owned(),
    })
}

/// The room with `members` members (the owner included), seeded or found in the cache.
pub async fn seed(server: &Server, data_dir: PathBuf, members: usize) -> Result<BigRoom> {
    let adm = server.register_admin("bigroom_admin").await?;
    let owner_id = format!("@{OWNER}:localhost");
    // Setting the password each run is cheap (4 bcrypt rounds) and keeps it known.
    admin(
        server,
        &adm,
        reqwest::Method::PUT,
        &format!("/_synapse/admin/v2/users/{}", enc(&owner_id)),
        Some(json!({"password": OWNER_PASSWORD, "displayname": "Alice"})),
    )
    .await?;
    let mut owner = token_of(server, &adm, &owner_id).await?;
    owner.password = OWNER_PASSWORD.to_owned();

    let marker = marker(&data_dir, members);
    if let Ok(room_id) = std::fs::read_to_string(&marker) {
        return Ok(BigRoom {
            room_id: room_id.trim().to_owned(),
            owner,
            admin: adm,
            seeded_in: None,
        });
    }
    let start = Instant::now();
    let alias = format!("bigroom-{members}");
    let room_id = match server
        .get(
            &owner,
            &format!("/directory/room/{}", enc(&format!("#{alias}:localhost"))),
        )
        .await
    {
        Ok(v) => v["room_id"].as_str().context("alias room_id")?.to_owned(),
        Err(_) => {
            let res = server
                .post(
                    &owner,
                    "/createRoom",
                    json!({"preset": "public_chat", "room_alias_name": alias,
                        "name": format!("Grande salle ({members})")}),
                )
                .await?;
            res["room_id"].as_str().context("room_id")?.to_owned()
        }
    };
    let joined: HashSet<String> = server
        .get(&owner, &format!("/rooms/{}/joined_members", enc(&room_id)))
        .await?["joined"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let missing: Vec<String> = (1..members)
        .map(member_id)
        .filter(|id| !joined.contains(id))
        .collect();
    stream::iter(missing.clone())
        .map(|id| {
            let adm = &adm;
            async move {
                let n = id
                    .trim_start_matches("@bigroom_m")
                    .trim_end_matches(":localhost");
                admin(
                    server,
                    adm,
                    reqwest::Method::PUT,
                    &format!("/_synapse/admin/v2/users/{}", enc(&id)),
                    Some(json!({"displayname": format!("Membre {n}")})),
                )
                .await
            }
        })
        .buffer_unordered(PARALLEL)
        .try_collect::<Vec<_>>()
        .await?;
    let accounts = start.elapsed().as_secs_f64();
    stream::iter(missing.clone())
        .map(|id| {
            let adm = &adm;
            let room_id = &room_id;
            async move {
                admin(
                    server,
                    adm,
                    reqwest::Method::POST,
                    &format!("/_synapse/admin/v1/join/{}", enc(room_id)),
                    Some(json!({"user_id": id})),
                )
                .await
            }
        })
        .buffer_unordered(PARALLEL)
        .try_collect::<Vec<_>>()
        .await?;
    let seeded_in = start.elapsed().as_secs_f64();
    println!(
        "big room: seeded {} accounts in {accounts:.1} s, joined them in {:.1} s",
        missing.len(),
        seeded_in - accounts
    );
    // Written last: a seed cut short is resumed, never taken for done.
    std::fs::write(&marker, &room_id)?;
    Ok(BigRoom {
        room_id,
        owner,
        admin: adm,
        seeded_in: Some(seeded_in),
    })
}
