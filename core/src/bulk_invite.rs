//! Inviting a list of people to a room: first a preview that says, for every line,
//! what will happen (invite, already a member, already invited, unknown account, not
//! allowed, invalid…), then the invitations one by one with progress, waiting when
//! the server says "too many requests", and a final report with one row per line.
//! A failing line never stops the others.

use std::collections::{HashMap, HashSet};

use futures_util::{stream, StreamExt};
use matrix_sdk::{
    config::RequestConfig,
    ruma::{
        api::{
            client::membership::invite_user::{
                self,
                v3::{InvitationRecipient, InviteUserId},
            },
            error::{ErrorKind, RetryAfter},
        },
        events::room::member::MembershipState,
        OwnedUserId, RoomId, UserId,
    },
    Client, Room,
};
use serde::{Deserialize, Serialize};

use crate::{
    discovery,
    failure::{self, Failure},
    identity::{IdentityError, IdentityServer},
    invite_list::{Entry, Invitee, Problem, Verdict},
    room_state,
};

/// Why a line cannot be invited in this room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum NotAllowed {
    /// Our power level is below the room's invite level.
    NoPower,
    /// The room is closed to external users (Tchap access rule `restricted`) and this
    /// account is on the external users' server.
    ExternalInRestrictedRoom,
    /// Banned from the room: unban first.
    Banned,
}

/// What happens, or happened, to one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum RowStatus {
    /// Preview: will be invited (an email may have been matched to an account).
    Ready,
    Invalid {
        problem: Problem,
    },
    Duplicate {
        first_line: u32,
    },
    AlreadyMember,
    AlreadyInvited,
    /// No account with this Matrix ID.
    UnknownUser,
    NotAllowed {
        reason: NotAllowed,
    },
    /// An email, but no identity server is configured to invite by email.
    NeedsIdentityServer,
    /// Done: the account is invited.
    Invited,
    /// Done: the identity server will mail an invitation.
    InvitedByEmail,
    /// The server refused or could not be reached; `reason` is for people.
    Failed {
        reason: String,
    },
}

/// One line of the preview or of the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub line: u32,
    /// The item as written in the list.
    pub text: String,
    /// The email or Matrix ID understood, when the item is valid.
    pub address: Option<String>,
    /// The account invited: the Matrix ID, or the account an email belongs to.
    pub user_id: Option<String>,
    pub status: RowStatus,
}

/// Sent after each invitation, and while waiting on a rate limit.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    /// The server asked us to slow down, or does not answer: waiting this long before
    /// the next try.
    pub waiting_ms: Option<u32>,
    /// The row just finished, if any.
    pub row: Option<Row>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BulkInviteError {
    #[error("not a room we are in: {0}")]
    NoRoom(String),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
}

/// How many times one invitation is retried after "too many requests".
const RATE_LIMIT_RETRIES: u32 = 8;
/// When the server cannot be reached, one invitation is tried again after these waits
/// (about a minute in all, shown as waiting in the progress): a server restarting or a
/// network blip must not fail every remaining line of a long list. After that, the line
/// fails with "server unreachable" and the next one is tried.
const UNREACHABLE_WAITS_MS: &[u64] = &[1_000, 2_000, 4_000, 8_000, 15_000, 30_000];
/// Never wait longer than this for one retry, whatever the server says.
const MAX_WAIT_MS: u64 = 60_000;
/// Profile lookups run this many at a time in the preview.
const LOOKUPS_IN_FLIGHT: usize = 8;

/// A state event (whole, with its sender) from the server; `None` when missing or
/// unreadable: the server then decides on each invite.
async fn state_event(client: &Client, room: &Room, event_type: &str) -> Option<serde_json::Value> {
    room_state::event(client, room.room_id(), event_type)
        .await
        .ok()
        .flatten()
}

async fn state_content(
    client: &Client,
    room: &Room,
    event_type: &str,
) -> Option<serde_json::Value> {
    room_state::content(client, room.room_id(), event_type)
        .await
        .ok()
        .flatten()
}

/// Tchap's access rule of the room (`restricted`, `unrestricted`, `direct`).
async fn access_rule(client: &Client, room: &Room) -> Option<String> {
    let content = state_content(client, room, "im.vector.room.access_rules").await?;
    content
        .get("rule")
        .and_then(|r| r.as_str())
        .map(str::to_owned)
}

/// Whether `me` may invite, from the room's current power levels. `None` when they
/// cannot be read: the server will decide on each invite.
async fn may_invite(client: &Client, room: &Room, me: &UserId) -> Option<bool> {
    let levels = state_content(client, room, "m.room.power_levels").await?;
    let level_of = |v: &serde_json::Value| v.as_i64();
    if let Some(mine) = levels
        .get("users")
        .and_then(|u| u.get(me.as_str()))
        .and_then(level_of)
    {
        let needed = levels.get("invite").and_then(level_of).unwrap_or(0);
        return Some(mine >= needed);
    }
    // From room version 12 the creators are above every level and not listed; in
    // older versions the creator is listed like anyone else.
    let create = state_event(client, room, "m.room.create").await?;
    let creator = create.get("sender").and_then(|s| s.as_str()) == Some(me.as_str())
        || create
            .pointer("/content/additional_creators")
            .and_then(|a| a.as_array())
            .is_some_and(|a| a.iter().any(|c| c.as_str() == Some(me.as_str())));
    if creator {
        return Some(true);
    }
    let mine = levels.get("users_default").and_then(level_of).unwrap_or(0);
    let needed = levels.get("invite").and_then(level_of).unwrap_or(0);
    Some(mine >= needed)
}

fn on_external_server(user_id: &UserId) -> bool {
    discovery::is_external(user_id.server_name().as_str())
}

/// The joined room `room_id`, for callers that only have its ID.
pub fn joined_room(client: &Client, room_id: &str) -> Result<Room, BulkInviteError> {
    room_state::joined(client, room_id).ok_or_else(|| BulkInviteError::NoRoom(room_id.to_owned()))
}

/// The preview: one row per entry, in order, saying what would happen.
pub async fn preview(
    client: &Client,
    room: &Room,
    entries: &[Entry],
    identity: Option<&IdentityServer>,
) -> Result<Vec<Row>, BulkInviteError> {
    let can_invite = match client.user_id() {
        Some(me) => may_invite(client, room, me).await.unwrap_or(true),
        None => true,
    };
    let restricted = access_rule(client, room).await.as_deref() == Some("restricted");
    // Emails that already belong to an account are invited as that account.
    let emails: Vec<String> = entries
        .iter()
        .filter_map(|e| match &e.verdict {
            Verdict::Valid {
                invitee: Invitee::Email(a),
            } => Some(a.clone()),
            _ => None,
        })
        .collect();
    let (bound, lookup_failure) = match identity {
        Some(is) if !emails.is_empty() => match is.lookup(client, &emails).await {
            Ok(map) => (map, None),
            Err(e) => (HashMap::new(), Some(identity_reason(&e))),
        },
        _ => (HashMap::new(), None),
    };

    // Only the listed accounts are looked up, one by one: loading every member of a room
    // of 10,000 (events and profiles) to check a list of ten took seconds (issue #11).
    room.sync_members().await?;
    let listed: HashSet<OwnedUserId> = entries
        .iter()
        .filter_map(|e| match &e.verdict {
            Verdict::Valid { invitee } => invitee.user_id(),
            _ => None,
        })
        .chain(bound.values().cloned())
        .collect();
    let mut memberships: HashMap<OwnedUserId, &'static str> = HashMap::new();
    for id in listed {
        let Some(member) = room.get_member_no_sync(&id).await? else {
            continue;
        };
        let kind = match member.membership() {
            MembershipState::Join => "join",
            MembershipState::Invite => "invite",
            MembershipState::Ban => "ban",
            // Left, knocking: may be invited like anyone else.
            _ => continue,
        };
        memberships.insert(id, kind);
    }

    // Accounts to check for existence: Matrix IDs not already in the room.
    let to_check: Vec<OwnedUserId> = entries
        .iter()
        .filter_map(|e| match &e.verdict {
            Verdict::Valid { invitee } => invitee.user_id(),
            _ => None,
        })
        .filter(|id| !memberships.contains_key(id))
        .collect();
    let unknown: HashSet<OwnedUserId> = stream::iter(to_check)
        .map(|id| async move {
            match client.account().fetch_user_profile_of(&id).await {
                // Synapse answers 404 with M_UNKNOWN ("No row found") for a local
                // account that does not exist, so the status is what counts.
                Err(e)
                    if e.as_client_api_error()
                        .is_some_and(|e| e.status_code.as_u16() == 404) =>
                {
                    Some(id)
                }
                _ => None,
            }
        })
        .buffer_unordered(LOOKUPS_IN_FLIGHT)
        .filter_map(|x| async move { x })
        .collect()
        .await;

    let rows = entries
        .iter()
        .map(|e| {
            let mut row = Row {
                line: e.line,
                text: e.text.clone(),
                address: None,
                user_id: None,
                status: RowStatus::Ready,
            };
            let invitee = match &e.verdict {
                Verdict::Invalid { problem } => {
                    row.status = RowStatus::Invalid { problem: *problem };
                    return row;
                }
                Verdict::Duplicate { first_line } => {
                    row.status = RowStatus::Duplicate {
                        first_line: *first_line,
                    };
                    return row;
                }
                Verdict::Valid { invitee } => invitee,
            };
            row.address = Some(invitee.address().to_owned());
            let account = match invitee {
                Invitee::UserId(_) => invitee.user_id(),
                Invitee::Email(email) => bound.get(email).cloned(),
            };
            row.user_id = account.as_ref().map(|id| id.to_string());
            row.status = match (invitee, &account) {
                _ if !can_invite => RowStatus::NotAllowed {
                    reason: NotAllowed::NoPower,
                },
                (_, Some(id)) => match memberships.get(id).copied() {
                    Some("join") => RowStatus::AlreadyMember,
                    Some("invite") => RowStatus::AlreadyInvited,
                    Some(_) => RowStatus::NotAllowed {
                        reason: NotAllowed::Banned,
                    },
                    None if unknown.contains(id) => RowStatus::UnknownUser,
                    None if restricted && on_external_server(id) => RowStatus::NotAllowed {
                        reason: NotAllowed::ExternalInRestrictedRoom,
                    },
                    None => RowStatus::Ready,
                },
                (Invitee::Email(_), None) if identity.is_none() => RowStatus::NeedsIdentityServer,
                (Invitee::Email(_), None) => match &lookup_failure {
                    Some(reason) => RowStatus::Failed {
                        reason: reason.clone(),
                    },
                    None => RowStatus::Ready,
                },
                // A Matrix ID always has an account part; kept for exhaustiveness.
                (Invitee::UserId(_), None) => RowStatus::Invalid {
                    problem: Problem::InvalidUserId,
                },
            };
            row
        })
        .collect();
    Ok(rows)
}

fn identity_reason(e: &IdentityError) -> String {
    match e {
        IdentityError::Unreachable(_) => "identity server unreachable".into(),
        IdentityError::TermsNotSigned => "identity server terms not accepted".into(),
        other => other.to_string(),
    }
}

fn failure_reason(f: &Failure) -> String {
    match f {
        Failure::Forbidden => "not allowed by the server".into(),
        Failure::NotFound => "not found".into(),
        Failure::RateLimited => "too many requests".into(),
        Failure::Unreachable(_) => "server unreachable".into(),
        Failure::Other(m) => m.clone(),
    }
}

/// How long the server asks us to wait, if the error is "too many requests".
fn retry_after(err: &matrix_sdk::HttpError) -> Option<u64> {
    match err.client_api_error_kind() {
        Some(ErrorKind::LimitExceeded(data)) => Some(match &data.retry_after {
            Some(RetryAfter::Delay(d)) => u64::try_from(d.as_millis()).unwrap_or(MAX_WAIT_MS),
            // No delay given (or a date): a prudent second.
            _ => 1_000,
        }),
        _ => None,
    }
}

/// Sends the invitations of the `Ready` rows, one at a time, and returns every row
/// with its final status. `on_progress` hears about each row and each wait.
pub async fn send(
    client: &Client,
    room_id: &str,
    rows: Vec<Row>,
    identity: Option<&IdentityServer>,
    mut on_progress: impl FnMut(Progress),
) -> Vec<Row> {
    let Ok(room_id) = <&RoomId>::try_from(room_id) else {
        return rows
            .into_iter()
            .map(|mut r| {
                if r.status == RowStatus::Ready {
                    r.status = RowStatus::Failed {
                        reason: "not a room ID".into(),
                    };
                }
                r
            })
            .collect();
    };
    let total = u32::try_from(rows.iter().filter(|r| r.status == RowStatus::Ready).count())
        .unwrap_or(u32::MAX);
    let mut done = 0;
    // Set once the server stayed unreachable through all the waits of one line.
    let mut server_gone = false;
    let mut out = Vec::with_capacity(rows.len());
    for mut row in rows {
        if row.status != RowStatus::Ready {
            out.push(row);
            continue;
        }
        row.status = invite_one(
            client,
            room_id,
            &row,
            identity,
            &mut server_gone,
            &mut |waiting_ms| {
                on_progress(Progress {
                    done,
                    total,
                    waiting_ms: Some(waiting_ms),
                    row: None,
                });
            },
        )
        .await;
        done += 1;
        on_progress(Progress {
            done,
            total,
            waiting_ms: None,
            row: Some(row.clone()),
        });
        out.push(row);
    }
    // Members changed: the SDK must reload them before encrypting the next message,
    // or the new members could not read it.
    if let Some(room) = client.get_room(room_id) {
        room.mark_members_missing();
    }
    out
}

async fn invite_one(
    client: &Client,
    room_id: &RoomId,
    row: &Row,
    identity: Option<&IdentityServer>,
    server_gone: &mut bool,
    on_wait: &mut impl FnMut(u32),
) -> RowStatus {
    let recipient = match (&row.user_id, &row.address, identity) {
        (Some(id), _, _) => match UserId::parse(id.as_str()) {
            Ok(id) => InvitationRecipient::UserId(InviteUserId::new(id)),
            Err(_) => {
                return RowStatus::Invalid {
                    problem: Problem::InvalidUserId,
                }
            }
        },
        (None, Some(email), Some(is)) => match is.invite_for(client, email).await {
            Ok(invite) => InvitationRecipient::ThirdPartyId(invite),
            Err(e) => {
                return RowStatus::Failed {
                    reason: identity_reason(&e),
                }
            }
        },
        (None, Some(_), None) => return RowStatus::NeedsIdentityServer,
        (None, None, _) => {
            return RowStatus::Invalid {
                problem: Problem::NotAnAddress,
            }
        }
    };
    let by_email = matches!(recipient, InvitationRecipient::ThirdPartyId(_));
    let mut tries = 0;
    let mut outages = 0;
    loop {
        let req = invite_user::v3::Request::new(room_id.to_owned(), recipient.clone());
        // Our own retry loop, so the user sees the wait and one bad line cannot stall
        // the SDK's backoff for minutes.
        match client
            .send(req)
            .with_request_config(RequestConfig::new().disable_retry())
            .await
        {
            Ok(_) => {
                *server_gone = false;
                return if by_email {
                    RowStatus::InvitedByEmail
                } else {
                    RowStatus::Invited
                };
            }
            Err(e) => {
                if let Some(ms) = retry_after(&e) {
                    if tries < RATE_LIMIT_RETRIES {
                        tries += 1;
                        let ms = ms.min(MAX_WAIT_MS);
                        on_wait(u32::try_from(ms).unwrap_or(u32::MAX));
                        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                        continue;
                    }
                }
                let failure = failure::of_http(&e);
                if matches!(failure, Failure::Unreachable(_))
                    && safe_to_repeat(&e, by_email)
                    && !*server_gone
                {
                    if let Some(&ms) = UNREACHABLE_WAITS_MS.get(outages) {
                        outages += 1;
                        on_wait(u32::try_from(ms).unwrap_or(u32::MAX));
                        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                        continue;
                    }
                    // Waited long enough: the lines after this one are tried once each
                    // (not a minute each) until the server answers again.
                    *server_gone = true;
                }
                return match failure {
                    Failure::Forbidden => RowStatus::NotAllowed {
                        reason: NotAllowed::NoPower,
                    },
                    f => RowStatus::Failed {
                        reason: failure_reason(&f),
                    },
                };
            }
        }
    }
}

/// Whether an invitation that got no answer may be sent again. Inviting an account a
/// second time changes nothing (it stays invited), so it always may; an invitation by
/// email would mail twice, so only when the first never left (connection refused).
fn safe_to_repeat(err: &matrix_sdk::HttpError, by_email: bool) -> bool {
    !by_email || matches!(err, matrix_sdk::HttpError::Reqwest(e) if e.is_connect())
}

/// The report as CSV (line, item, address, account, result), for saving, in English.
/// The app words it in the user's language with [`report_csv_worded`].
pub fn report_csv(rows: &[Row]) -> String {
    report_csv_worded(rows, "line,item,address,account,result", english_result)
}

/// [`report_csv`] with the header line and each row's result worded by the caller.
pub fn report_csv_worded(
    rows: &[Row],
    header: &str,
    result: impl Fn(&RowStatus) -> String,
) -> String {
    fn cell(s: &str) -> String {
        if s.contains([',', '"', '\n', ';']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = format!("{header}\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            r.line,
            cell(&r.text),
            cell(r.address.as_deref().unwrap_or("")),
            cell(r.user_id.as_deref().unwrap_or("")),
            cell(&result(&r.status))
        ));
    }
    out
}

fn english_result(status: &RowStatus) -> String {
    match status {
        RowStatus::Ready => "not sent".to_owned(),
        RowStatus::Invalid { problem } => format!("invalid ({problem:?})"),
        RowStatus::Duplicate { first_line } => format!("duplicate of line {first_line}"),
        RowStatus::AlreadyMember => "already a member".into(),
        RowStatus::AlreadyInvited => "already invited".into(),
        RowStatus::UnknownUser => "no such account".into(),
        RowStatus::NotAllowed { reason } => format!("not allowed ({reason:?})"),
        RowStatus::NeedsIdentityServer => "no identity server for email invites".into(),
        RowStatus::Invited => "invited".into(),
        RowStatus::InvitedByEmail => "invited by email".into(),
        RowStatus::Failed { reason } => format!("failed: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_quotes_cells_that_need_it() {
        let rows = vec![
            Row {
                line: 3,
                text: "\"Dupont, Jean\" <j@x.fr>".into(),
                address: Some("j@x.fr".into()),
                user_id: None,
                status: RowStatus::InvitedByEmail,
            },
            Row {
                line: 4,
                text: "Jean".into(),
                address: None,
                user_id: None,
                status: RowStatus::Invalid {
                    problem: Problem::NotAnAddress,
                },
            },
        ];
        assert_eq!(
            report_csv(&rows),
            "line,item,address,account,result\n\
             3,\"\"\"Dupont, Jean\"\" <j@x.fr>\",j@x.fr,,invited by email\n\
             4,Jean,,,invalid (NotAnAddress)\n"
        );
    }
}
