//! Answering invitations: accept (join) or decline (leave). Sending invitations (by
//! Matrix ID, email or a list) will live here too.

use matrix_sdk::{
    ruma::{OwnedRoomId, RoomId},
    Client, RoomState,
};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InviteError {
    #[error("no invitation to room {0}")]
    NoInvite(String),
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
