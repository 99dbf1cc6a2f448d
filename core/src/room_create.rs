//! Creating a room as Tchap does, with its three kinds, each one `createRoom` request:
//!
//! | kind | preset | join rule | encrypted | history | access rule | directory |
//! |---|---|---|---|---|---|---|
//! | private | private_chat | invite | yes | invited | restricted | no |
//! | private, open to external users | private_chat | invite | yes | invited | unrestricted | no |
//! | public forum | public_chat | public | no | shared | restricted | yes, with an address |
//!
//! The access rule is Tchap's `im.vector.room.access_rules` state event: "restricted"
//! keeps users of the external server out. Direct chats are created elsewhere
//! (`directory::direct_chat`).

use matrix_sdk::{
    ruma::{
        api::{
            client::room::{create_room, Visibility},
            error::ErrorKind,
        },
        events::{
            room::{
                encryption::RoomEncryptionEventContent,
                history_visibility::{HistoryVisibility, RoomHistoryVisibilityEventContent},
            },
            AnyInitialStateEvent, InitialStateEvent,
        },
        serde::Raw,
        RoomAliasId,
    },
    Client,
};
use serde::Deserialize;

/// Tchap's room kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum RoomKind {
    Private,
    /// Private, and users of the external server may be invited. Cannot be undone.
    PrivateOpenToExternals,
    /// Listed in the room directory, anyone of the administration may join; never
    /// encrypted, never open to externals.
    Forum,
}

#[derive(Clone, Debug, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewRoom {
    pub kind: RoomKind,
    pub name: String,
    pub topic: Option<String>,
    /// The local part of the room's address (`#part:server`); required for a forum.
    pub alias: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoomCreateError {
    #[error("a room needs a name")]
    MissingName,
    #[error("a forum needs an address")]
    MissingAlias,
    /// Not a valid address local part (spaces, `:`, `#`…).
    #[error("not a valid room address: {0}")]
    InvalidAlias(String),
    #[error("the address {0} is already taken")]
    AliasTaken(String),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
}

/// Tchap's access rule event (a custom state event, so raw JSON).
fn access_rule(rule: &str) -> Raw<AnyInitialStateEvent> {
    let json = serde_json::json!({
        "type": "im.vector.room.access_rules",
        "state_key": "",
        "content": {"rule": rule},
    });
    // A fixed, valid JSON object: serialising it cannot fail.
    Raw::from_json(serde_json::value::to_raw_value(&json).unwrap_or_else(|_| {
        serde_json::value::RawValue::from_string("{}".to_owned()).unwrap_or_default()
    }))
}

/// The createRoom request for a kind (pure, so the mapping is unit-tested).
pub fn request_for(form: &NewRoom) -> Result<create_room::v3::Request, RoomCreateError> {
    let name = form.name.trim();
    if name.is_empty() {
        return Err(RoomCreateError::MissingName);
    }
    let alias = form
        .alias
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    if let Some(a) = alias {
        // Checked against a placeholder server: only the local part is ours.
        let full = format!("#{a}:example.org");
        if a.contains([':', '#', ' ']) || <&RoomAliasId>::try_from(full.as_str()).is_err() {
            return Err(RoomCreateError::InvalidAlias(a.to_owned()));
        }
    }
    let mut req = create_room::v3::Request::new();
    req.name = Some(name.to_owned());
    req.topic = form
        .topic
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    req.room_alias_name = alias.map(str::to_owned);
    let history = |v: HistoryVisibility| {
        InitialStateEvent::with_empty_state_key(RoomHistoryVisibilityEventContent::new(v))
            .to_raw_any()
    };
    match form.kind {
        RoomKind::Private | RoomKind::PrivateOpenToExternals => {
            req.preset = Some(create_room::v3::RoomPreset::PrivateChat);
            req.visibility = Visibility::Private;
            req.initial_state = vec![
                InitialStateEvent::with_empty_state_key(
                    RoomEncryptionEventContent::with_recommended_defaults(),
                )
                .to_raw_any(),
                history(HistoryVisibility::Invited),
                access_rule(if form.kind == RoomKind::Private {
                    "restricted"
                } else {
                    "unrestricted"
                }),
            ];
        }
        RoomKind::Forum => {
            if alias.is_none() {
                return Err(RoomCreateError::MissingAlias);
            }
            req.preset = Some(create_room::v3::RoomPreset::PublicChat);
            req.visibility = Visibility::Public;
            req.initial_state = vec![
                history(HistoryVisibility::Shared),
                access_rule("restricted"),
            ];
        }
    }
    Ok(req)
}

/// Creates the room; returns its ID.
pub async fn create(client: &Client, form: &NewRoom) -> Result<String, RoomCreateError> {
    let req = request_for(form)?;
    let alias = req.room_alias_name.clone();
    match client.create_room(req).await {
        Ok(room) => Ok(room.room_id().to_string()),
        Err(e) if e.client_api_error_kind() == Some(&ErrorKind::RoomInUse) => {
            Err(RoomCreateError::AliasTaken(alias.unwrap_or_default()))
        }
        Err(e)
            if e.client_api_error_kind() == Some(&ErrorKind::InvalidParam) && alias.is_some() =>
        {
            Err(RoomCreateError::InvalidAlias(alias.unwrap_or_default()))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn form(kind: RoomKind, alias: Option<&str>) -> NewRoom {
        NewRoom {
            kind,
            name: " Équipe ".into(),
            topic: Some("  ".into()),
            alias: alias.map(Into::into),
        }
    }

    fn state_types(req: &create_room::v3::Request) -> Vec<String> {
        req.initial_state
            .iter()
            .map(|e| {
                let v: serde_json::Value = serde_json::from_str(e.json().get()).unwrap();
                format!("{}={}", v["type"].as_str().unwrap(), v["content"])
            })
            .collect()
    }

    #[test]
    fn each_kind_is_one_request_with_tchaps_settings() {
        let private = request_for(&form(RoomKind::Private, None)).unwrap();
        assert_eq!(private.name.as_deref(), Some("Équipe"));
        assert_eq!(private.topic, None);
        assert_eq!(private.visibility, Visibility::Private);
        let s = state_types(&private).join(" ");
        assert!(s.contains("m.room.encryption"), "{s}");
        assert!(
            s.contains(r#"m.room.history_visibility={"history_visibility":"invited"}"#),
            "{s}"
        );
        assert!(
            s.contains(r#"im.vector.room.access_rules={"rule":"restricted"}"#),
            "{s}"
        );

        let open = request_for(&form(RoomKind::PrivateOpenToExternals, None)).unwrap();
        assert!(state_types(&open)
            .join(" ")
            .contains(r#"{"rule":"unrestricted"}"#));

        let forum = request_for(&form(RoomKind::Forum, Some("forum-dnum"))).unwrap();
        assert_eq!(forum.visibility, Visibility::Public);
        assert_eq!(forum.room_alias_name.as_deref(), Some("forum-dnum"));
        let s = state_types(&forum).join(" ");
        assert!(!s.contains("m.room.encryption"), "{s}");
        assert!(s.contains(r#""history_visibility":"shared""#), "{s}");
    }

    #[test]
    fn bad_forms_are_refused_before_any_request() {
        assert!(matches!(
            request_for(&NewRoom {
                name: " ".into(),
                ..form(RoomKind::Private, None)
            }),
            Err(RoomCreateError::MissingName)
        ));
        assert!(matches!(
            request_for(&form(RoomKind::Forum, None)),
            Err(RoomCreateError::MissingAlias)
        ));
        assert!(matches!(
            request_for(&form(RoomKind::Forum, Some("a b"))),
            Err(RoomCreateError::InvalidAlias(_))
        ));
        assert!(matches!(
            request_for(&form(RoomKind::Forum, Some("x:y"))),
            Err(RoomCreateError::InvalidAlias(_))
        ));
    }
}
