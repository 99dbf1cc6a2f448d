//! Reading and writing one state event of a room on the server, as JSON. The synced
//! state may lack events Chappe needs (Tchap's access rules, power levels, ACLs: the
//! sliding sync only carries the `required_state` of the room list), so settings and
//! invitations ask the server directly.

use matrix_sdk::{
    ruma::{
        api::{
            client::state::{get_state_event_for_key, send_state_event},
            error::IntoHttpError,
        },
        events::StateEventType,
        serde::Raw,
        OwnedRoomId, RoomId,
    },
    Client, HttpError,
};
use serde_json::Value;

/// The room `id` if it parses and the client knows it.
pub(crate) fn known_room(client: &Client, id: &str) -> Option<OwnedRoomId> {
    let rid = <&RoomId>::try_from(id).ok()?;
    client.get_room(rid)?;
    Some(rid.to_owned())
}

/// The room `id` if the user has joined it.
pub(crate) fn joined(client: &Client, id: &str) -> Option<matrix_sdk::Room> {
    client
        .get_room(<&RoomId>::try_from(id).ok()?)
        .filter(|r| r.state() == matrix_sdk::RoomState::Joined)
}

/// The whole event (with `sender` and `content`) of type `kind`, empty state key;
/// `None` when the room has none.
pub(crate) async fn event(
    client: &Client,
    room: &RoomId,
    kind: &str,
) -> Result<Option<Value>, HttpError> {
    let mut req = get_state_event_for_key::v3::Request::new(
        room.to_owned(),
        StateEventType::from(kind),
        String::new(),
    );
    req.format = get_state_event_for_key::v3::StateEventFormat::Event;
    match client.send(req).await {
        Ok(res) => Ok(serde_json::from_str(res.event_or_content.get()).ok()),
        Err(e)
            if e.as_client_api_error()
                .is_some_and(|e| e.status_code.as_u16() == 404) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The content of that event; `None` when the room has none.
pub(crate) async fn content(
    client: &Client,
    room: &RoomId,
    kind: &str,
) -> Result<Option<Value>, HttpError> {
    Ok(event(client, room, kind)
        .await?
        .and_then(|mut e| e.get_mut("content").map(Value::take)))
}

/// Sends a new event of type `kind` (empty state key) with `content`.
pub(crate) async fn put(
    client: &Client,
    room: &RoomId,
    kind: &str,
    content: &Value,
) -> Result<(), HttpError> {
    let raw = serde_json::value::to_raw_value(content)
        .map_err(|e| HttpError::IntoHttp(IntoHttpError::Json(e)))?;
    let req = send_state_event::v3::Request::new_raw(
        room.to_owned(),
        StateEventType::from(kind),
        String::new(),
        Raw::from_json(raw),
    );
    client.send(req).await?;
    Ok(())
}
