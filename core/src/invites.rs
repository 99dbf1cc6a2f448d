//! Answering invitations (accept = join, decline = leave), and the invitations a room
//! has pending: list them, withdraw one. Sending them is `bulk_invite`'s job.

use matrix_sdk::{
    ruma::{api::client::state::get_state_events, OwnedRoomId, RoomId, UserId},
    Client, RoomState,
};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InviteError {
    #[error("no invitation to room {0}")]
    NoInvite(String),
    #[error("not a room we are in: {0}")]
    NoRoom(String),
    #[error(transparent)]
    Http(#[from] matrix_sdk::HttpError),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
}

fn invited_room(client: &Client, room_id: &str) -> Result<matrix_sdk::Room, InviteError> {
    let id = <&RoomId>::try_from(room_id).map_err(|_| InviteError::NoInvite(room_id.to_owned()))?;
    client
        .get_room(id)
        .filter(|r| r.state() == RoomState::Invited)
        .ok_or_else(|| InviteError::NoInvite(room_id.to_owned()))
}

/// Joins the room we were invited to; returns its ID.
pub async fn accept(client: &Client, room_id: &str) -> Result<OwnedRoomId, InviteError> {
    let room = invited_room(client, room_id)?;
    room.join().await?;
    Ok(room.room_id().to_owned())
}

/// Declines the invitation; the room leaves the list.
pub async fn decline(client: &Client, room_id: &str) -> Result<(), InviteError> {
    let room = invited_room(client, room_id)?;
    room.leave().await?;
    Ok(())
}

/// An invitation sent in a room and not yet answered.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PendingInvite {
    /// An account was invited.
    #[serde(rename_all = "camelCase")]
    Account {
        user_id: String,
        display_name: Option<String>,
        invited_by: String,
    },
    /// An email was invited through the identity server; the server shows it masked
    /// (`jea…@x.gouv.fr`). `token` names it for revocation.
    #[serde(rename_all = "camelCase")]
    Email {
        display_name: String,
        token: String,
        invited_by: String,
    },
}

fn joined_room(client: &Client, room_id: &str) -> Result<matrix_sdk::Room, InviteError> {
    crate::room_state::joined(client, room_id)
        .ok_or_else(|| InviteError::NoRoom(room_id.to_owned()))
}

/// The invitations of a room still waiting for an answer, read from the server's
/// current state (email invitations are not in the synced state).
pub async fn pending(client: &Client, room_id: &str) -> Result<Vec<PendingInvite>, InviteError> {
    let room = joined_room(client, room_id)?;
    let req = get_state_events::v3::Request::new(room.room_id().to_owned());
    let state = client.send(req).await?.room_state;
    let events: Vec<serde_json::Value> = state
        .iter()
        .filter_map(|raw| serde_json::from_str(raw.json().get()).ok())
        .collect();
    let field = |e: &serde_json::Value, path: &[&str]| -> Option<String> {
        let mut v = e;
        for p in path {
            v = v.get(p)?;
        }
        v.as_str().map(str::to_owned)
    };
    // Email invitations already used by someone who joined (their member event
    // carries the signed token), or revoked (emptied), are not pending.
    let used: std::collections::HashSet<String> = events
        .iter()
        .filter(|e| field(e, &["type"]).as_deref() == Some("m.room.member"))
        .filter_map(|e| field(e, &["content", "third_party_invite", "signed", "token"]))
        .collect();
    let mut out = Vec::new();
    for e in &events {
        let sender = field(e, &["sender"]).unwrap_or_default();
        match field(e, &["type"]).as_deref() {
            Some("m.room.member")
                if field(e, &["content", "membership"]).as_deref() == Some("invite") =>
            {
                out.push(PendingInvite::Account {
                    user_id: field(e, &["state_key"]).unwrap_or_default(),
                    display_name: field(e, &["content", "displayname"]),
                    invited_by: sender,
                });
            }
            Some("m.room.third_party_invite") => {
                let token = field(e, &["state_key"]).unwrap_or_default();
                if let Some(display_name) = field(e, &["content", "display_name"]) {
                    if !used.contains(&token) {
                        out.push(PendingInvite::Email {
                            display_name,
                            token,
                            invited_by: sender,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Withdraws an invitation: an account's by kicking the invitee (what Element does),
/// an email's by emptying its `m.room.third_party_invite` event.
pub async fn revoke(
    client: &Client,
    room_id: &str,
    invite: &RevokeTarget,
) -> Result<(), InviteError> {
    let room = joined_room(client, room_id)?;
    match invite {
        RevokeTarget::Account(user_id) => {
            let id = <&UserId>::try_from(user_id.as_str())
                .map_err(|_| InviteError::NoInvite(user_id.clone()))?;
            room.kick_user(id, Some("invitation withdrawn")).await?;
        }
        RevokeTarget::Email(token) => {
            room.send_state_event_raw("m.room.third_party_invite", token, serde_json::json!({}))
                .await?;
        }
    }
    Ok(())
}

/// Which invitation to withdraw.
#[derive(Clone, Debug, serde::Deserialize, specta::Type)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum RevokeTarget {
    Account(String),
    /// The token of the email invitation.
    Email(String),
}
