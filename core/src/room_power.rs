//! Room rights (power levels) and server ACLs, edited with the guards the server would
//! apply anyway, said before the request: nobody is raised above oneself, no right is
//! set above one's own level, and an ACL never locks one's own server out.
//!
//! From room version 12 the room's creators are above every level and not listed in
//! the power levels; they are shown as such (`Level::MAX`).

use std::collections::BTreeMap;

use matrix_sdk::{
    ruma::{OwnedRoomId, RoomId, UserId},
    Client,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::room_state;

/// A creator's level in room version 12 and later: above everyone.
pub const CREATOR_LEVEL: i64 = i64::MAX;

/// Every right the editor shows, each one key of `m.room.power_levels`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "camelCase")]
pub enum Right {
    SendMessages,
    Invite,
    Kick,
    Ban,
    RedactOthers,
    ChangeName,
    ChangeTopic,
    ChangeAvatar,
    ChangeAliases,
    ChangeJoinRules,
    ChangeHistory,
    ChangeEncryption,
    ChangePowerLevels,
    ChangeServerAcl,
    NotifyRoom,
}

pub const ALL_RIGHTS: [Right; 15] = [
    Right::SendMessages,
    Right::Invite,
    Right::Kick,
    Right::Ban,
    Right::RedactOthers,
    Right::ChangeName,
    Right::ChangeTopic,
    Right::ChangeAvatar,
    Right::ChangeAliases,
    Right::ChangeJoinRules,
    Right::ChangeHistory,
    Right::ChangeEncryption,
    Right::ChangePowerLevels,
    Right::ChangeServerAcl,
    Right::NotifyRoom,
];

/// Where a right lives in the power levels content, and its default per the spec.
fn place(right: Right) -> (&'static [&'static str], i64) {
    match right {
        Right::SendMessages => (&["events_default"], 0),
        Right::Invite => (&["invite"], 0),
        Right::Kick => (&["kick"], 50),
        Right::Ban => (&["ban"], 50),
        Right::RedactOthers => (&["redact"], 50),
        Right::ChangeName => (&["events", "m.room.name"], 50),
        Right::ChangeTopic => (&["events", "m.room.topic"], 50),
        Right::ChangeAvatar => (&["events", "m.room.avatar"], 50),
        Right::ChangeAliases => (&["events", "m.room.canonical_alias"], 50),
        Right::ChangeJoinRules => (&["events", "m.room.join_rules"], 50),
        Right::ChangeHistory => (&["events", "m.room.history_visibility"], 50),
        Right::ChangeEncryption => (&["events", "m.room.encryption"], 50),
        Right::ChangePowerLevels => (&["events", "m.room.power_levels"], 50),
        Right::ChangeServerAcl => (&["events", "m.room.server_acl"], 50),
        Right::NotifyRoom => (&["notifications", "room"], 50),
    }
}

fn level_at(content: &Value, right: Right) -> i64 {
    let (path, default) = place(right);
    let mut v = content;
    for p in path {
        match v.get(*p) {
            Some(next) => v = next,
            // State events not listed fall back to state_default (spec), messages to 0.
            None if path.len() == 2 && path[0] == "events" => {
                return content
                    .get("state_default")
                    .and_then(Value::as_i64)
                    .unwrap_or(default)
            }
            None => return default,
        }
    }
    v.as_i64().unwrap_or(default)
}

fn set_level_at(content: &mut Value, right: Right, level: i64) {
    let (path, _) = place(right);
    let mut v = content;
    for p in &path[..path.len() - 1] {
        if !v.get(*p).is_some_and(Value::is_object) {
            v[*p] = json!({});
        }
        v = &mut v[*p];
    }
    v[path[path.len() - 1]] = json!(level);
}

#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RightLevel {
    pub right: Right,
    /// Safe in an f64: levels are integers far below 2^53 (the creator's is shown apart).
    pub level: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MemberLevel {
    pub user_id: String,
    pub level: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PowerView {
    /// `None` for a creator (above every level).
    pub my_level: Option<f64>,
    pub users_default: f64,
    pub rights: Vec<RightLevel>,
    /// Members with a level of their own.
    pub members: Vec<MemberLevel>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PowerError {
    #[error("not a room we are in: {0}")]
    NoRoom(String),
    #[error("not a valid Matrix ID: {0}")]
    InvalidUser(String),
    /// Nobody can give a level above their own.
    #[error("above your own level")]
    AboveOwnLevel,
    /// Changing the power levels needs a level the user does not have.
    #[error("not allowed to change the rights")]
    NotAllowed,
    /// The ACL would forbid the user's own server.
    #[error("this ACL would lock your own server out")]
    LocksOwnServerOut,
    #[error("not a valid server pattern: {0}")]
    InvalidPattern(String),
    #[error(transparent)]
    Http(#[from] matrix_sdk::HttpError),
}

fn room_id(client: &Client, id: &str) -> Result<OwnedRoomId, PowerError> {
    room_state::known_room(client, id).ok_or_else(|| PowerError::NoRoom(id.to_owned()))
}

async fn event(client: &Client, room: &RoomId, kind: &str) -> Result<Option<Value>, PowerError> {
    Ok(room_state::event(client, room, kind).await?)
}

async fn put(
    client: &Client,
    room: &RoomId,
    kind: &str,
    content: &Value,
) -> Result<(), PowerError> {
    Ok(room_state::put(client, room, kind, content).await?)
}

/// The user's level: listed, creator (v12+), or the default.
fn level_of(levels: &Value, create: Option<&Value>, user: &UserId) -> i64 {
    if let Some(l) = levels
        .get("users")
        .and_then(|u| u.get(user.as_str()))
        .and_then(Value::as_i64)
    {
        return l;
    }
    let creator = create.is_some_and(|c| {
        let v12 = c
            .pointer("/content/room_version")
            .and_then(Value::as_str)
            .and_then(|v| v.parse::<u32>().ok())
            .is_some_and(|v| v >= 12);
        v12 && (c.get("sender").and_then(Value::as_str) == Some(user.as_str())
            || c.pointer("/content/additional_creators")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(user.as_str()))))
    });
    if creator {
        CREATOR_LEVEL
    } else {
        levels
            .get("users_default")
            .and_then(Value::as_i64)
            .unwrap_or(0)
    }
}

struct Current {
    room: OwnedRoomId,
    content: Value,
    mine: i64,
}

async fn current(client: &Client, id: &str) -> Result<Current, PowerError> {
    let room = room_id(client, id)?;
    let me = client
        .user_id()
        .ok_or_else(|| PowerError::NoRoom(id.to_owned()))?
        .to_owned();
    let content = event(client, &room, "m.room.power_levels")
        .await?
        .and_then(|e| e.get("content").cloned())
        .unwrap_or_else(|| json!({}));
    let create = event(client, &room, "m.room.create").await?;
    let mine = level_of(&content, create.as_ref(), &me);
    Ok(Current {
        room,
        content,
        mine,
    })
}

fn shown(level: i64) -> f64 {
    level as f64
}

/// The rights of the room and who has which level.
pub async fn get(client: &Client, id: &str) -> Result<PowerView, PowerError> {
    let c = current(client, id).await?;
    let members = c
        .content
        .get("users")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(u, l)| {
                    Some(MemberLevel {
                        user_id: u.clone(),
                        level: shown(l.as_i64()?),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(PowerView {
        my_level: (c.mine != CREATOR_LEVEL).then(|| shown(c.mine)),
        users_default: shown(
            c.content
                .get("users_default")
                .and_then(Value::as_i64)
                .unwrap_or(0),
        ),
        rights: ALL_RIGHTS
            .iter()
            .map(|r| RightLevel {
                right: *r,
                level: shown(level_at(&c.content, *r)),
            })
            .collect(),
        members,
    })
}

fn may_edit(c: &Current) -> Result<(), PowerError> {
    if c.mine < level_at(&c.content, Right::ChangePowerLevels) {
        return Err(PowerError::NotAllowed);
    }
    Ok(())
}

/// Sets the level a right needs.
pub async fn set_right(
    client: &Client,
    id: &str,
    right: Right,
    level: i64,
) -> Result<(), PowerError> {
    let mut c = current(client, id).await?;
    may_edit(&c)?;
    // Neither set above oneself nor take away a right one could not give.
    if level > c.mine || level_at(&c.content, right) > c.mine {
        return Err(PowerError::AboveOwnLevel);
    }
    set_level_at(&mut c.content, right, level);
    put(client, &c.room, "m.room.power_levels", &c.content).await
}

/// Gives `user` a level (0 removes their own entry: back to the default).
pub async fn set_member_level(
    client: &Client,
    id: &str,
    user: &str,
    level: i64,
) -> Result<(), PowerError> {
    let user = <&UserId>::try_from(user).map_err(|_| PowerError::InvalidUser(user.to_owned()))?;
    let mut c = current(client, id).await?;
    may_edit(&c)?;
    let theirs = c
        .content
        .get("users")
        .and_then(|u| u.get(user.as_str()))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let me = client.user_id().map(|u| u.as_str()) == Some(user.as_str());
    // Raising anyone above oneself is impossible; lowering someone at one's own level
    // or above too (except oneself).
    if level > c.mine || (!me && theirs >= c.mine) {
        return Err(PowerError::AboveOwnLevel);
    }
    if !c.content.get("users").is_some_and(Value::is_object) {
        c.content["users"] = json!({});
    }
    let default = c
        .content
        .get("users_default")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if let Some(users) = c.content["users"].as_object_mut() {
        if level == default {
            users.remove(user.as_str());
        } else {
            users.insert(user.to_string(), json!(level));
        }
    }
    put(client, &c.room, "m.room.power_levels", &c.content).await
}

/// A room's server ACL (`m.room.server_acl`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerAcl {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    pub allow_ip_literals: bool,
}

/// The spec's glob: `*` any run of characters, `?` one character; case-insensitive.
///
/// Greedy matching that only ever goes back to the last `*`: at worst
/// O(pattern × server). (The recursive form it replaces was exponential in the number
/// of stars: a room admin could put `*a*a*a…*b` in the room's ACL and hang the client
/// that reads it.)
pub fn glob_matches(pattern: &str, server: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = server.chars().collect();
    let (mut pi, mut si) = (0, 0);
    // Where the last `*` is, and where in `server` its run currently ends.
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(c) if *c == '?' || c.eq_ignore_ascii_case(&s[si]) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                // The last `*` takes one more character and matching resumes after it.
                Some((sp, end)) => {
                    star = Some((sp, end + 1));
                    pi = sp + 1;
                    si = end + 1;
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn is_ip_literal(server: &str) -> bool {
    let host = server.rsplit_once(':').map_or(server, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            server
        }
    });
    host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Whether `server` may take part under `acl` (the spec's order: IP literals, deny,
/// allow).
pub fn acl_allows(acl: &ServerAcl, server: &str) -> bool {
    let host = server.split(':').next().unwrap_or(server);
    if !acl.allow_ip_literals && is_ip_literal(server) {
        return false;
    }
    if acl.deny.iter().any(|p| glob_matches(p, host)) {
        return false;
    }
    acl.allow.iter().any(|p| glob_matches(p, host))
}

pub async fn get_acl(client: &Client, id: &str) -> Result<Option<ServerAcl>, PowerError> {
    let room = room_id(client, id)?;
    Ok(event(client, &room, "m.room.server_acl")
        .await?
        .and_then(|e| serde_json::from_value::<RawAcl>(e.get("content")?.clone()).ok())
        .map(|r| ServerAcl {
            allow: r.allow,
            deny: r.deny,
            allow_ip_literals: r.allow_ip_literals,
        }))
}

#[derive(Deserialize)]
struct RawAcl {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
    #[serde(default = "yes")]
    allow_ip_literals: bool,
}

fn yes() -> bool {
    true
}

/// Sets the ACL, refusing one that would shut out the user's own server.
pub async fn set_acl(client: &Client, id: &str, acl: &ServerAcl) -> Result<(), PowerError> {
    let clean = |v: &[String]| -> Result<Vec<String>, PowerError> {
        v.iter()
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
            .map(|p| {
                if p.contains([' ', '/', '@', '#']) {
                    Err(PowerError::InvalidPattern(p))
                } else {
                    Ok(p)
                }
            })
            .collect()
    };
    let acl = ServerAcl {
        allow: clean(&acl.allow)?,
        deny: clean(&acl.deny)?,
        allow_ip_literals: acl.allow_ip_literals,
    };
    let own = client
        .user_id()
        .map(|u| u.server_name().to_string())
        .unwrap_or_default();
    if !acl_allows(&acl, &own) {
        return Err(PowerError::LocksOwnServerOut);
    }
    let room = room_id(client, id)?;
    let content =
        json!({"allow": acl.allow, "deny": acl.deny, "allow_ip_literals": acl.allow_ip_literals});
    put(client, &room, "m.room.server_acl", &content).await
}

/// Levels by right, for tests and the UI's summaries.
pub fn rights_map(view: &PowerView) -> BTreeMap<Right, f64> {
    view.rights.iter().map(|r| (r.right, r.level)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rights_are_read_and_written_where_the_spec_puts_them() {
        let mut c = json!({"state_default": 60, "events": {"m.room.name": 10}});
        assert_eq!(level_at(&c, Right::ChangeName), 10);
        assert_eq!(
            level_at(&c, Right::ChangeTopic),
            60,
            "unlisted state events use state_default"
        );
        assert_eq!(level_at(&c, Right::Kick), 50);
        assert_eq!(level_at(&c, Right::SendMessages), 0);
        set_level_at(&mut c, Right::NotifyRoom, 100);
        set_level_at(&mut c, Right::ChangeServerAcl, 75);
        assert_eq!(c["notifications"]["room"], 100);
        assert_eq!(c["events"]["m.room.server_acl"], 75);
        assert_eq!(c["events"]["m.room.name"], 10);
    }

    #[test]
    fn acl_globs_and_order_follow_the_spec() {
        assert!(glob_matches("*.gouv.fr", "agent.tchap.gouv.fr"));
        assert!(glob_matches("matrix.?rg", "matrix.org"));
        assert!(!glob_matches("*.gouv.fr", "gouv.fr.evil.com"));
        let acl = ServerAcl {
            allow: vec!["*".into()],
            deny: vec!["evil.example".into()],
            allow_ip_literals: false,
        };
        assert!(acl_allows(&acl, "agent.tchap.gouv.fr"));
        assert!(!acl_allows(&acl, "evil.example"));
        assert!(!acl_allows(&acl, "1.2.3.4"));
        assert!(!acl_allows(&acl, "1.2.3.4:8448"));
        let only = ServerAcl {
            allow: vec!["*.gouv.fr".into()],
            deny: vec![],
            allow_ip_literals: true,
        };
        assert!(!acl_allows(&only, "localhost"));
        assert!(acl_allows(&only, "x.gouv.fr:8448"));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// The spec's definition, written the obvious (exponential) way: the oracle
        /// for small inputs.
        fn reference(p: &[char], s: &[char]) -> bool {
            match (p.first(), s.first()) {
                (None, None) => true,
                (Some('*'), _) => reference(&p[1..], s) || (!s.is_empty() && reference(p, &s[1..])),
                (Some('?'), Some(_)) => reference(&p[1..], &s[1..]),
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b) && reference(&p[1..], &s[1..]),
                _ => false,
            }
        }

        /// A room admin's worst pattern is answered at once (it took exponential time).
        #[test]
        fn hostile_acl_patterns_do_not_hang() {
            let start = std::time::Instant::now();
            let pattern = format!("{}b", "*a".repeat(100));
            let server = "a".repeat(250);
            assert!(!glob_matches(&pattern, &server));
            assert!(glob_matches(
                &format!("{}*", "*a".repeat(100)),
                &"a".repeat(250)
            ));
            assert!(
                start.elapsed() < std::time::Duration::from_secs(1),
                "{:?}",
                start.elapsed()
            );
        }

        proptest! {
            /// The fast matcher agrees with the spec's definition on every small input
            /// (a small alphabet, so that wildcards and letters meet often).
            #[test]
            fn glob_matches_agrees_with_the_definition(p in "[ab?*.A]{0,8}", s in "[abAB.]{0,10}") {
                let (pc, sc): (Vec<char>, Vec<char>) = (p.chars().collect(), s.chars().collect());
                prop_assert_eq!(glob_matches(&p, &s), reference(&pc, &sc), "{:?} {:?}", p, s);
            }

            /// Any pattern and server from a room's state, however long or strange, is
            /// judged without panic.
            #[test]
            fn any_acl_is_judged(allow in proptest::collection::vec("\\PC{0,40}", 0..5), deny in proptest::collection::vec("\\PC{0,40}", 0..5), server in "\\PC{0,60}", ip in any::<bool>()) {
                let acl = ServerAcl { allow, deny, allow_ip_literals: ip };
                let _ = acl_allows(&acl, &server);
            }

            /// A pattern without wildcards matches exactly itself (any case); `*`
            /// matches everything.
            #[test]
            fn literal_patterns_match_only_themselves(a in "[a-z0-9.-]{1,20}", b in "[a-z0-9.-]{1,20}") {
                prop_assert!(glob_matches(&a, &a.to_uppercase()));
                prop_assert_eq!(glob_matches(&a, &b), a == b);
                prop_assert!(glob_matches("*", &b));
            }
        }
    }
}
