//! Who may come into a room, with Tchap's rules enforced here (the server module that
//! enforces them on Tchap is not on every server, so the client keeps them too):
//!
//! - a private room never becomes a public forum (published in the directory);
//! - a public forum may become private only once it is encrypted;
//! - opening a room to external users (`im.vector.room.access_rules` → `unrestricted`)
//!   cannot be undone, and a published forum cannot be opened to them.
//!
//! "Anyone with the link" is Tchap's link access: join rule public, guests forbidden,
//! not published in the directory.

use matrix_sdk::{
    ruma::{
        api::client::{
            directory::{get_room_visibility, set_room_visibility},
            room::Visibility,
        },
        OwnedRoomId, RoomId,
    },
    Client,
};
use serde::{Deserialize, Serialize};

use crate::{
    room_links::{self, RoomLinks},
    room_state,
};

/// Who may join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum Access {
    InviteOnly,
    /// Anyone may ask; members with the right accept.
    Knock,
    /// Anyone who has the link (public join rule, not in the directory, no guests).
    AnyoneWithLink,
    /// Public forum: in the directory, anyone may join.
    PublicForum,
}

/// A Tchap rule the change would break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum TchapRule {
    PrivateNeverPublic,
    ForumPrivateOnlyIfEncrypted,
    ForumNeverOpenToExternals,
    ExternalsAlreadyAllowed,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoomSettingsError {
    #[error("not a room we are in: {0}")]
    NoRoom(String),
    #[error("Tchap's rules forbid it: {0:?}")]
    Rule(TchapRule),
    #[error("not a valid room address: {0}")]
    InvalidAlias(String),
    #[error("the address {0} is already taken")]
    AliasTaken(String),
    #[error("not a room version: {0}")]
    InvalidVersion(String),
    /// Not a PNG, JPEG, GIF or WebP image.
    #[error("not an image Chappe accepts")]
    NotAnImage,
    #[error("the image is too large")]
    ImageTooLarge,
    #[error(transparent)]
    Http(#[from] matrix_sdk::HttpError),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoomSettingsView {
    pub room_id: String,
    pub name: Option<String>,
    pub topic: Option<String>,
    pub alias: Option<String>,
    pub access: Access,
    /// The raw join rule, for the rules Chappe does not offer yet (restricted…).
    pub join_rule: String,
    pub published: bool,
    pub encrypted: bool,
    /// Users of the external server may be invited (irreversible).
    pub open_to_externals: bool,
    pub links: Option<RoomLinks>,
    /// `invited`, `joined`, `shared` or `world_readable`.
    pub history: String,
    /// The room's other addresses.
    pub alt_aliases: Vec<String>,
}

fn room_id(client: &Client, id: &str) -> Result<OwnedRoomId, RoomSettingsError> {
    room_state::known_room(client, id).ok_or_else(|| RoomSettingsError::NoRoom(id.to_owned()))
}

async fn content(
    client: &Client,
    room: &RoomId,
    kind: &str,
) -> Result<Option<serde_json::Value>, RoomSettingsError> {
    Ok(room_state::content(client, room, kind).await?)
}

async fn put(
    client: &Client,
    room: &RoomId,
    kind: &str,
    body: serde_json::Value,
) -> Result<(), RoomSettingsError> {
    Ok(room_state::put(client, room, kind, &body).await?)
}

fn str_field(v: &Option<serde_json::Value>, key: &str) -> Option<String> {
    v.as_ref()?.get(key)?.as_str().map(str::to_owned)
}

/// The room's current access settings, read from the server.
pub async fn get(
    client: &Client,
    id: &str,
    permalink_prefix: Option<&str>,
) -> Result<RoomSettingsView, RoomSettingsError> {
    let room = room_id(client, id)?;
    let join_rule = str_field(
        &content(client, &room, "m.room.join_rules").await?,
        "join_rule",
    )
    .unwrap_or_else(|| "invite".into());
    let published = client
        .send(get_room_visibility::v3::Request::new(room.clone()))
        .await?
        .visibility
        == Visibility::Public;
    let encrypted = content(client, &room, "m.room.encryption").await?.is_some();
    let open_to_externals = str_field(
        &content(client, &room, "im.vector.room.access_rules").await?,
        "rule",
    )
    .as_deref()
        == Some("unrestricted");
    let canonical = content(client, &room, "m.room.canonical_alias").await?;
    let alias = str_field(&canonical, "alias");
    let alt_aliases: Vec<String> = canonical
        .as_ref()
        .and_then(|c| c.get("alt_aliases"))
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default();
    let history = str_field(
        &content(client, &room, "m.room.history_visibility").await?,
        "history_visibility",
    )
    .unwrap_or_else(|| "shared".into());
    let name = str_field(&content(client, &room, "m.room.name").await?, "name");
    let topic = str_field(&content(client, &room, "m.room.topic").await?, "topic");
    let access = match (join_rule.as_str(), published) {
        ("public", true) => Access::PublicForum,
        ("public", false) => Access::AnyoneWithLink,
        ("knock", _) => Access::Knock,
        _ => Access::InviteOnly,
    };
    let links = room_links::links(alias.as_deref().unwrap_or(room.as_str()), permalink_prefix);
    Ok(RoomSettingsView {
        room_id: room.to_string(),
        name,
        topic,
        alias,
        access,
        join_rule,
        published,
        encrypted,
        open_to_externals,
        links,
        history,
        alt_aliases,
    })
}

/// Whether Tchap's rules allow going from `now` to `to` (pure, unit-tested).
pub fn check(now: &RoomSettingsView, to: Access) -> Result<(), TchapRule> {
    let forum = now.access == Access::PublicForum;
    match to {
        Access::PublicForum if !forum => Err(TchapRule::PrivateNeverPublic),
        Access::PublicForum if now.open_to_externals => Err(TchapRule::ForumNeverOpenToExternals),
        _ if forum && to != Access::PublicForum && !now.encrypted => {
            Err(TchapRule::ForumPrivateOnlyIfEncrypted)
        }
        _ => Ok(()),
    }
}

/// Changes who may join, after checking Tchap's rules.
pub async fn set_access(client: &Client, id: &str, to: Access) -> Result<(), RoomSettingsError> {
    let now = get(client, id, None).await?;
    check(&now, to).map_err(RoomSettingsError::Rule)?;
    if now.access == to {
        return Ok(());
    }
    let room = room_id(client, id)?;
    let rule = match to {
        Access::InviteOnly => "invite",
        Access::Knock => "knock",
        Access::AnyoneWithLink | Access::PublicForum => "public",
    };
    if to == Access::AnyoneWithLink {
        // A link gives access to people, never to guest accounts.
        put(
            client,
            &room,
            "m.room.guest_access",
            serde_json::json!({"guest_access": "forbidden"}),
        )
        .await?;
    }
    put(
        client,
        &room,
        "m.room.join_rules",
        serde_json::json!({"join_rule": rule}),
    )
    .await?;
    let publish = to == Access::PublicForum;
    if publish != now.published {
        let visibility = if publish {
            Visibility::Public
        } else {
            Visibility::Private
        };
        client
            .send(set_room_visibility::v3::Request::new(room, visibility))
            .await?;
    }
    Ok(())
}

/// Lets users of the external server be invited. Cannot be undone (Tchap's rule): the
/// UI asks for confirmation first.
pub async fn open_to_externals(client: &Client, id: &str) -> Result<(), RoomSettingsError> {
    let now = get(client, id, None).await?;
    if now.open_to_externals {
        return Err(RoomSettingsError::Rule(TchapRule::ExternalsAlreadyAllowed));
    }
    if now.published {
        return Err(RoomSettingsError::Rule(
            TchapRule::ForumNeverOpenToExternals,
        ));
    }
    let room = room_id(client, id)?;
    put(
        client,
        &room,
        "im.vector.room.access_rules",
        serde_json::json!({"rule": "unrestricted"}),
    )
    .await
}

/// Who can read the history (`m.room.history_visibility`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum History {
    /// Members, from when they were invited.
    Invited,
    /// Members, from when they joined.
    Joined,
    /// Members, all of it.
    Shared,
    /// Anyone, without joining.
    WorldReadable,
}

/// Renames the room (an empty name removes it).
pub async fn set_name(client: &Client, id: &str, name: &str) -> Result<(), RoomSettingsError> {
    let room = room_id(client, id)?;
    put(
        client,
        &room,
        "m.room.name",
        serde_json::json!({"name": name.trim()}),
    )
    .await
}

pub async fn set_topic(client: &Client, id: &str, topic: &str) -> Result<(), RoomSettingsError> {
    let room = room_id(client, id)?;
    put(
        client,
        &room,
        "m.room.topic",
        serde_json::json!({"topic": topic.trim()}),
    )
    .await
}

pub async fn set_history(
    client: &Client,
    id: &str,
    history: History,
) -> Result<(), RoomSettingsError> {
    let room = room_id(client, id)?;
    let value = serde_json::to_value(history).unwrap_or_default();
    put(
        client,
        &room,
        "m.room.history_visibility",
        serde_json::json!({"history_visibility": value}),
    )
    .await
}

/// Turns encryption on. There is no way back (Matrix has none either); a public forum
/// stays unencrypted, as Tchap wants, until it is made private.
pub async fn enable_encryption(client: &Client, id: &str) -> Result<(), RoomSettingsError> {
    let room = room_id(client, id)?;
    if content(client, &room, "m.room.encryption").await?.is_some() {
        return Ok(());
    }
    put(
        client,
        &room,
        "m.room.encryption",
        serde_json::json!({"algorithm": "m.megolm.v1.aes-sha2"}),
    )
    .await
}

/// Adds a local address `#local:our-server` to the room, and makes it the main one if
/// the room has none (else it joins the alternatives).
pub async fn add_alias(
    client: &Client,
    id: &str,
    local: &str,
) -> Result<String, RoomSettingsError> {
    let room = room_id(client, id)?;
    let server = client
        .user_id()
        .map(|u| u.server_name().to_string())
        .unwrap_or_default();
    let alias = format!("#{}:{server}", local.trim().trim_start_matches('#'));
    let alias_id = matrix_sdk::ruma::OwnedRoomAliasId::try_from(alias.as_str())
        .map_err(|_| RoomSettingsError::InvalidAlias(alias.clone()))?;
    match client.create_room_alias(&alias_id, &room).await {
        Ok(()) => {}
        // Synapse: 409 M_UNKNOWN "Room alias … already exists".
        Err(e)
            if e.as_client_api_error()
                .is_some_and(|e| e.status_code.as_u16() == 409) =>
        {
            return Err(RoomSettingsError::AliasTaken(alias));
        }
        Err(e) => return Err(e.into()),
    }
    let mut canonical = content(client, &room, "m.room.canonical_alias")
        .await?
        .unwrap_or_else(|| serde_json::json!({}));
    if canonical.get("alias").and_then(|a| a.as_str()).is_none() {
        canonical["alias"] = serde_json::json!(alias);
    } else {
        let mut alts: Vec<String> = canonical
            .get("alt_aliases")
            .and_then(|a| serde_json::from_value(a.clone()).ok())
            .unwrap_or_default();
        alts.push(alias.clone());
        canonical["alt_aliases"] = serde_json::json!(alts);
    }
    put(client, &room, "m.room.canonical_alias", canonical).await?;
    Ok(alias)
}

/// Makes `alias`, one of the room's alternative addresses, its main one (the alias of
/// `m.room.canonical_alias`, shown and used in links); the former main address becomes
/// an alternative, so no address is lost. The server checks that the alias leads to
/// this room.
pub async fn set_main_alias(
    client: &Client,
    id: &str,
    alias: &str,
) -> Result<(), RoomSettingsError> {
    let room = room_id(client, id)?;
    let alias = alias.trim();
    let mut canonical = content(client, &room, "m.room.canonical_alias")
        .await?
        .unwrap_or_else(|| serde_json::json!({}));
    let main = canonical
        .get("alias")
        .and_then(|a| a.as_str())
        .map(str::to_owned);
    if main.as_deref() == Some(alias) {
        return Ok(());
    }
    let mut alts: Vec<String> = canonical
        .get("alt_aliases")
        .and_then(|a| serde_json::from_value(a.clone()).ok())
        .unwrap_or_default();
    if !alts.iter().any(|a| a == alias) {
        return Err(RoomSettingsError::InvalidAlias(alias.to_owned()));
    }
    alts.retain(|a| a != alias);
    alts.extend(main);
    canonical["alias"] = serde_json::json!(alias);
    canonical["alt_aliases"] = serde_json::json!(alts);
    put(client, &room, "m.room.canonical_alias", canonical).await
}

/// Removes an address: from the server's directory and from the room's list.
pub async fn remove_alias(client: &Client, id: &str, alias: &str) -> Result<(), RoomSettingsError> {
    let room = room_id(client, id)?;
    let alias_id = matrix_sdk::ruma::OwnedRoomAliasId::try_from(alias.trim())
        .map_err(|_| RoomSettingsError::InvalidAlias(alias.to_owned()))?;
    client
        .send(
            matrix_sdk::ruma::api::client::alias::delete_alias::v3::Request::new(alias_id.clone()),
        )
        .await?;
    if let Some(mut canonical) = content(client, &room, "m.room.canonical_alias").await? {
        if canonical.get("alias").and_then(|a| a.as_str()) == Some(alias_id.as_str()) {
            canonical.as_object_mut().map(|o| o.remove("alias"));
        }
        if let Some(alts) = canonical
            .get_mut("alt_aliases")
            .and_then(|a| a.as_array_mut())
        {
            alts.retain(|a| a.as_str() != Some(alias_id.as_str()));
        }
        put(client, &room, "m.room.canonical_alias", canonical).await?;
    }
    Ok(())
}

/// Restricts joining to members of `spaces` (join rule `restricted`), or lets anyone
/// ask and members of the spaces join directly (`knock_restricted`). A forum becomes
/// private this way, so Tchap's rule applies: only once encrypted.
pub async fn set_restricted(
    client: &Client,
    id: &str,
    spaces: &[String],
    knock: bool,
) -> Result<(), RoomSettingsError> {
    let now = get(client, id, None).await?;
    check(&now, Access::InviteOnly).map_err(RoomSettingsError::Rule)?;
    let room = room_id(client, id)?;
    let mut allow = Vec::new();
    for space in spaces {
        let space = <&RoomId>::try_from(space.trim())
            .map_err(|_| RoomSettingsError::NoRoom(space.clone()))?;
        allow.push(serde_json::json!({"type": "m.room_membership", "room_id": space}));
    }
    if allow.is_empty() {
        return Err(RoomSettingsError::NoRoom("no space given".into()));
    }
    let rule = if knock {
        "knock_restricted"
    } else {
        "restricted"
    };
    put(
        client,
        &room,
        "m.room.join_rules",
        serde_json::json!({"join_rule": rule, "allow": allow}),
    )
    .await?;
    if now.published {
        client
            .send(set_room_visibility::v3::Request::new(
                room,
                Visibility::Private,
            ))
            .await?;
    }
    Ok(())
}

/// Largest room picture accepted (the server may have a lower limit of its own).
pub const MAX_AVATAR_BYTES: usize = 5 * 1024 * 1024;

/// The image type of `bytes`, from their first bytes (never from a file name): PNG,
/// JPEG, GIF or WebP. Anything else, SVG included (scripts), is refused.
pub fn image_type(bytes: &[u8]) -> Option<mime::Mime> {
    let t = match bytes {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        _ => return None,
    };
    t.parse().ok()
}

/// Uploads `bytes` and makes them the room's picture; returns the `mxc://` address.
pub async fn set_avatar(
    client: &Client,
    id: &str,
    bytes: Vec<u8>,
) -> Result<String, RoomSettingsError> {
    if bytes.len() > MAX_AVATAR_BYTES {
        return Err(RoomSettingsError::ImageTooLarge);
    }
    let mime = image_type(&bytes).ok_or(RoomSettingsError::NotAnImage)?;
    let room_id = room_id(client, id)?;
    let room = client
        .get_room(&room_id)
        .ok_or_else(|| RoomSettingsError::NoRoom(id.to_owned()))?;
    room.upload_avatar(&mime, bytes, None)
        .await
        .map_err(|e| match e {
            matrix_sdk::Error::Http(h) => RoomSettingsError::Http(*h),
            other => RoomSettingsError::NoRoom(other.to_string()),
        })?;
    let avatar = content(client, &room_id, "m.room.avatar").await?;
    Ok(str_field(&avatar, "url").unwrap_or_default())
}

/// Replaces the room by a new one of `version` (the server copies its name, rules and
/// members' rights and leaves a tombstone in the old one pointing at the new). Returns
/// the new room's ID.
pub async fn upgrade(
    client: &Client,
    id: &str,
    version: &str,
) -> Result<String, RoomSettingsError> {
    let room = room_id(client, id)?;
    let version = matrix_sdk::ruma::RoomVersionId::try_from(version.trim())
        .map_err(|_| RoomSettingsError::InvalidVersion(version.to_owned()))?;
    let req = matrix_sdk::ruma::api::client::room::upgrade_room::v3::Request::new(room, version);
    Ok(client.send(req).await?.replacement_room.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(access: Access, encrypted: bool, open: bool) -> RoomSettingsView {
        RoomSettingsView {
            room_id: "!r:x".into(),
            name: None,
            topic: None,
            alias: None,
            access,
            join_rule: String::new(),
            published: access == Access::PublicForum,
            encrypted,
            open_to_externals: open,
            links: None,
            history: "shared".into(),
            alt_aliases: Vec::new(),
        }
    }

    #[test]
    fn pictures_are_recognised_by_their_bytes_and_svg_is_refused() {
        assert_eq!(
            image_type(b"\x89PNG\r\n\x1a\n...").map(|m| m.to_string()),
            Some("image/png".into())
        );
        assert_eq!(
            image_type(b"\xff\xd8\xff\xe0").map(|m| m.to_string()),
            Some("image/jpeg".into())
        );
        assert_eq!(
            image_type(b"RIFF\0\0\0\0WEBPVP8 ").map(|m| m.to_string()),
            Some("image/webp".into())
        );
        assert_eq!(
            image_type(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>"),
            None
        );
        assert_eq!(image_type(b""), None);
    }

    #[test]
    fn tchaps_rules() {
        // A private room never becomes a forum, whatever its settings.
        for from in [Access::InviteOnly, Access::Knock, Access::AnyoneWithLink] {
            assert_eq!(
                check(&view(from, true, false), Access::PublicForum),
                Err(TchapRule::PrivateNeverPublic)
            );
        }
        // Private rooms move freely between their own kinds.
        assert_eq!(
            check(
                &view(Access::InviteOnly, true, false),
                Access::AnyoneWithLink
            ),
            Ok(())
        );
        assert_eq!(
            check(&view(Access::AnyoneWithLink, true, true), Access::Knock),
            Ok(())
        );
        // A forum becomes private only once encrypted.
        assert_eq!(
            check(&view(Access::PublicForum, false, false), Access::InviteOnly),
            Err(TchapRule::ForumPrivateOnlyIfEncrypted)
        );
        assert_eq!(
            check(&view(Access::PublicForum, true, false), Access::InviteOnly),
            Ok(())
        );
        assert_eq!(
            check(
                &view(Access::PublicForum, false, false),
                Access::PublicForum
            ),
            Ok(())
        );
    }
}
