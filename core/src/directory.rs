//! Finding people and rooms: the user directory, the public room directory, direct
//! chats, and the "liste rouge" (hiding one's profile from the directory, which
//! Tchap's server module enforces from the `im.vector.hide_profile` account data).
//! Stateless request/response calls: nothing here runs in the background.

use matrix_sdk::{
    ruma::{
        api::client::directory::get_public_rooms_filtered,
        directory::Filter,
        events::{AnyGlobalAccountDataEventContent, GlobalAccountDataEventType},
        serde::Raw,
        OwnedRoomOrAliasId, OwnedServerName, OwnedUserId, UInt,
    },
    Client,
};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    #[error("not a valid Matrix ID: {0}")]
    InvalidUserId(String),
    #[error("not a valid room ID or address: {0}")]
    InvalidRoom(String),
    #[error("not a valid server name: {0}")]
    InvalidServer(String),
    #[error(transparent)]
    Http(#[from] matrix_sdk::HttpError),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
}

/// One person found in the user directory.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UserResult {
    pub user_id: String,
    pub display_name: Option<String>,
    pub avatar_initial: String,
    /// The server part of the Matrix ID: in Tchap it tells the agent's ministry.
    pub domain: String,
}

fn initial(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".to_owned())
}

/// Searches the user directory. `limit` bounds what the server returns.
pub async fn search_users(
    client: &Client,
    term: &str,
    limit: u32,
) -> Result<Vec<UserResult>, DirectoryError> {
    let term = term.trim();
    if term.is_empty() {
        return Ok(Vec::new());
    }
    let response = client.search_users(term, u64::from(limit)).await?;
    Ok(response
        .results
        .into_iter()
        .map(|u| {
            let shown = u
                .display_name
                .clone()
                .unwrap_or_else(|| u.user_id.localpart().to_owned());
            UserResult {
                domain: u.user_id.server_name().to_string(),
                avatar_initial: initial(&shown),
                user_id: u.user_id.to_string(),
                display_name: u.display_name,
            }
        })
        .collect())
}

const HIDE_PROFILE: &str = "im.vector.hide_profile";

/// Whether the user asked to be hidden from the directory.
pub async fn profile_hidden(client: &Client) -> Result<bool, DirectoryError> {
    let raw = client
        .account()
        .fetch_account_data(HIDE_PROFILE.into())
        .await?;
    Ok(raw
        .and_then(|r| r.get_field::<bool>("hide_profile").ok().flatten())
        .unwrap_or(false))
}

pub async fn set_profile_hidden(client: &Client, hidden: bool) -> Result<(), DirectoryError> {
    let content = serde_json::json!({ "hide_profile": hidden });
    let raw = Raw::<AnyGlobalAccountDataEventContent>::from_json(
        serde_json::value::to_raw_value(&content)
            .map_err(|e| DirectoryError::Sdk(matrix_sdk::Error::SerdeJson(e)))?,
    );
    client
        .account()
        .set_account_data_raw(GlobalAccountDataEventType::from(HIDE_PROFILE), raw)
        .await?;
    Ok(())
}

/// One room of the public directory.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PublicRoom {
    pub room_id: String,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub alias: Option<String>,
    pub members: u32,
    pub avatar_initial: String,
    /// Anyone can read it without joining: a preview is possible.
    pub world_readable: bool,
}

/// One page of the public directory; `next` fetches the following one.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PublicRoomsPage {
    pub rooms: Vec<PublicRoom>,
    pub next: Option<String>,
    pub total_estimate: Option<u32>,
}

fn small(n: UInt) -> u32 {
    u32::try_from(u64::from(n)).unwrap_or(u32::MAX)
}

/// Lists (and searches) public rooms, on the user's server or on `server`.
pub async fn public_rooms(
    client: &Client,
    search: Option<&str>,
    server: Option<&str>,
    since: Option<&str>,
    limit: u32,
) -> Result<PublicRoomsPage, DirectoryError> {
    let mut request = get_public_rooms_filtered::v3::Request::new();
    let mut filter = Filter::new();
    filter.generic_search_term = search
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(Into::into);
    request.filter = filter;
    request.limit = Some(UInt::from(limit));
    request.since = since.map(Into::into);
    request.server = match server.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            OwnedServerName::try_from(s)
                .map_err(|_| DirectoryError::InvalidServer(s.to_owned()))?,
        ),
        None => None,
    };
    let response = client.public_rooms_filtered(request).await?;
    Ok(PublicRoomsPage {
        rooms: response
            .chunk
            .into_iter()
            .map(|r| {
                let shown = r
                    .name
                    .clone()
                    .or_else(|| r.canonical_alias.as_ref().map(|a| a.alias().to_owned()))
                    .unwrap_or_else(|| r.room_id.to_string());
                PublicRoom {
                    room_id: r.room_id.to_string(),
                    avatar_initial: initial(&shown),
                    name: r.name,
                    topic: r.topic,
                    alias: r.canonical_alias.map(|a| a.to_string()),
                    members: small(r.num_joined_members),
                    world_readable: r.world_readable,
                }
            })
            .collect(),
        next: response.next_batch,
        total_estimate: response.total_room_count_estimate.map(small),
    })
}

/// Joins a room by ID, address (`#name:server`) or link (matrix.to, `matrix:`, a
/// Tchap/Element web link); returns its ID.
pub async fn join(client: &Client, id_or_alias: &str) -> Result<String, DirectoryError> {
    let (room, via) = match crate::room_links::parse(id_or_alias) {
        Some(t) => (t.room, t.via),
        None => (id_or_alias.trim().to_owned(), Vec::new()),
    };
    let target = OwnedRoomOrAliasId::try_from(room.as_str())
        .map_err(|_| DirectoryError::InvalidRoom(id_or_alias.to_owned()))?;
    let via: Vec<OwnedServerName> = via
        .iter()
        .filter_map(|v| OwnedServerName::try_from(v.as_str()).ok())
        .collect();
    let room = client.join_room_by_id_or_alias(&target, &via).await?;
    Ok(room.room_id().to_string())
}

/// The direct chat with `user_id`: the existing one if there is one (as Element does),
/// else a new encrypted one, marked as direct for both sides (`m.direct`).
pub async fn direct_chat(client: &Client, user_id: &str) -> Result<String, DirectoryError> {
    let user = OwnedUserId::try_from(user_id.trim())
        .map_err(|_| DirectoryError::InvalidUserId(user_id.to_owned()))?;
    if let Some(room) = client.get_dm_room(&user) {
        return Ok(room.room_id().to_string());
    }
    let room = client.create_dm(&user).await?;
    Ok(room.room_id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_skip_punctuation_and_uppercase() {
        assert_eq!(initial("élise"), "É");
        assert_eq!(initial("#annonces"), "A");
        assert_eq!(initial("!!"), "?");
    }
}
