//! Looking at a room before joining it: what it is (name, topic, address, members, who
//! may join) and, when its history is readable by anyone, its latest messages. This is
//! what the public directory and room links show before "Join".

use matrix_sdk::{
    ruma::{
        api::client::{membership::joined_members, message::get_message_events},
        events::{AnyMessageLikeEvent, AnyTimelineEvent, MessageLikeEvent},
        room::JoinRuleSummary,
        OwnedRoomOrAliasId, OwnedServerName, UInt,
    },
    Client, RoomState,
};
use serde::Serialize;

use crate::directory::DirectoryError;

/// Latest messages shown in a preview.
const PREVIEW_MESSAGES: u32 = 20;

/// One message of a readable room, as plain text (never HTML: the preview is a
/// glance, and nothing unsanitised reaches the webview).
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PreviewMessage {
    pub sender: String,
    pub body: String,
    /// Milliseconds since the epoch (fits an f64 exactly for millions of years).
    pub timestamp: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoomPreviewView {
    pub room_id: String,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub alias: Option<String>,
    pub members: u32,
    /// `public`, `knock`, `invite`, `restricted`, `knock_restricted`, `private`, or
    /// `unknown` when the server does not say.
    pub join_rule: String,
    pub world_readable: bool,
    /// Already joined (open it rather than join it).
    pub joined: bool,
    /// Oldest first; empty when the history is not readable without joining.
    pub messages: Vec<PreviewMessage>,
}

fn join_rule_name(rule: Option<&JoinRuleSummary>) -> String {
    match rule {
        None => "unknown",
        Some(JoinRuleSummary::Public) => "public",
        Some(JoinRuleSummary::Knock) => "knock",
        Some(JoinRuleSummary::Invite) => "invite",
        Some(JoinRuleSummary::Private) => "private",
        Some(JoinRuleSummary::Restricted(_)) => "restricted",
        Some(JoinRuleSummary::KnockRestricted(_)) => "knock_restricted",
        Some(_) => "unknown",
    }
    .to_owned()
}

/// The preview of a room given by ID or address. `via`: a server that knows the room
/// (the directory's server, for a room of another server).
pub async fn preview(
    client: &Client,
    id_or_alias: &str,
    via: Option<&str>,
) -> Result<RoomPreviewView, DirectoryError> {
    // A pasted link names the room (and maybe servers that know it).
    let link = crate::room_links::parse(id_or_alias);
    let room = link
        .as_ref()
        .map_or_else(|| id_or_alias.trim().to_owned(), |t| t.room.clone());
    let target = OwnedRoomOrAliasId::try_from(room.as_str())
        .map_err(|_| DirectoryError::InvalidRoom(id_or_alias.to_owned()))?;
    let mut via: Vec<OwnedServerName> = match via.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => vec![OwnedServerName::try_from(s)
            .map_err(|_| DirectoryError::InvalidServer(s.to_owned()))?],
        None => Vec::new(),
    };
    via.extend(
        link.iter()
            .flat_map(|t| t.via.iter())
            .filter_map(|v| OwnedServerName::try_from(v.as_str()).ok()),
    );
    let p = client.get_room_preview(&target, via).await?;
    let world_readable = p.is_world_readable.unwrap_or(false);
    let joined = p.state == Some(RoomState::Joined);
    let messages = if world_readable || joined {
        // A room that says it is readable may still refuse (server policy): the
        // preview then simply has no messages.
        latest_messages(client, &p.room_id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    // For a joined room the SDK answers from the synced summary, whose count may lag
    // just after joining: ask the server.
    let mut members = u32::try_from(p.num_joined_members).unwrap_or(u32::MAX);
    if joined {
        let req = joined_members::v3::Request::new(p.room_id.clone());
        if let Ok(res) = client.send(req).await {
            members = u32::try_from(res.joined.len()).unwrap_or(u32::MAX);
        }
    }
    Ok(RoomPreviewView {
        room_id: p.room_id.to_string(),
        name: p.name,
        topic: p.topic,
        alias: p.canonical_alias.map(|a| a.to_string()),
        members,
        join_rule: join_rule_name(p.join_rule.as_ref()),
        world_readable,
        joined,
        messages,
    })
}

/// Asks to join a room whose join rule is `knock`; its moderators see the request.
/// Returns the room ID (the room shows up as "knocked" until they answer).
pub async fn knock(
    client: &Client,
    id_or_alias: &str,
    via: Option<&str>,
) -> Result<String, DirectoryError> {
    let target = OwnedRoomOrAliasId::try_from(id_or_alias.trim())
        .map_err(|_| DirectoryError::InvalidRoom(id_or_alias.to_owned()))?;
    let via: Vec<OwnedServerName> = via
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(OwnedServerName::try_from)
        .transpose()
        .map_err(|_| DirectoryError::InvalidServer(via.unwrap_or_default().to_owned()))?
        .into_iter()
        .collect();
    let room = client.knock(target, None, via).await?;
    Ok(room.room_id().to_string())
}

async fn latest_messages(
    client: &Client,
    room_id: &matrix_sdk::ruma::RoomId,
) -> Result<Vec<PreviewMessage>, matrix_sdk::HttpError> {
    let mut req = get_message_events::v3::Request::backward(room_id.to_owned());
    req.limit = UInt::from(PREVIEW_MESSAGES);
    let res = client.send(req).await?;
    let mut out: Vec<PreviewMessage> = res
        .chunk
        .iter()
        .filter_map(|raw| match raw.deserialize().ok()? {
            AnyTimelineEvent::MessageLike(AnyMessageLikeEvent::RoomMessage(
                MessageLikeEvent::Original(ev),
            )) => {
                Some(PreviewMessage {
                    sender: ev.sender.to_string(),
                    body: ev.content.body().to_owned(),
                    // Exact in an f64 for the next 285,000 years.
                    timestamp: u64::from(ev.origin_server_ts.0) as f64,
                })
            }
            _ => None,
        })
        .collect();
    out.reverse();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_rules_are_named_as_the_spec_spells_them() {
        assert_eq!(join_rule_name(Some(&JoinRuleSummary::Public)), "public");
        assert_eq!(join_rule_name(Some(&JoinRuleSummary::Knock)), "knock");
        assert_eq!(join_rule_name(None), "unknown");
    }
}
