//! The warning shown in a room when one of its members has a session nobody verified:
//! a new laptop, or someone who got hold of the account.
//!
//! Every member's sessions are unverified in an account that never verified anyone, so
//! warning about all of them would only teach users to ignore the warning. A session is
//! listed when it is not verified and either
//! - it appeared while the room was watched (the SDK saw it for the first time: a
//!   member just signed in somewhere), or
//! - its owner is a person the user verified (their identity), who should have
//!   verified it too.
//!
//! It leaves the list once verified (here, or by its owner's cross-signing). [`watch`]
//! is one long-lived task per open room; it reports the whole list each time it
//! changes, the empty list included.

use std::collections::HashSet;

use futures_util::StreamExt;
use matrix_sdk::{
    ruma::{OwnedDeviceId, OwnedUserId, RoomId},
    Client, RoomMemberships,
};
use serde::Serialize;
use tracing::warn;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnverifiedDevicesError {
    #[error("unknown room {0}")]
    NoRoom(String),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UnverifiedDevice {
    pub user_id: String,
    pub device_id: String,
    pub display_name: Option<String>,
}

/// Watches `room_id` until `emit` returns `false` (nobody listens any more).
pub async fn watch(
    client: &Client,
    room_id: &str,
    mut emit: impl FnMut(Vec<UnverifiedDevice>) -> bool + Send,
) -> Result<(), UnverifiedDevicesError> {
    let room_id =
        RoomId::parse(room_id).map_err(|_| UnverifiedDevicesError::NoRoom(room_id.to_owned()))?;
    let room = client
        .get_room(&room_id)
        .ok_or_else(|| UnverifiedDevicesError::NoRoom(room_id.to_string()))?;
    // Subscribe first: a session that appears while the members load is not missed.
    let mut updates = Box::pin(client.encryption().devices_stream().await?);
    // Sliding sync loads members lazily; the warning needs all of them.
    if let Err(err) = room.sync_members().await {
        warn!(%err, "members not loaded; warning about the known ones");
    }
    let mut appeared: HashSet<(OwnedUserId, OwnedDeviceId)> = HashSet::new();
    // Whose sessions were already known: the first download of someone's sessions
    // (a fresh login knows nobody's) lists them all as new, and none of them appeared.
    let mut known: HashSet<OwnedUserId> = HashSet::new();
    if let Ok(members) = room.members(RoomMemberships::JOIN).await {
        for member in members {
            let has_devices = matches!(
                client.encryption().get_user_devices(member.user_id()).await,
                Ok(devices) if devices.devices().next().is_some()
            );
            if has_devices {
                known.insert(member.user_id().to_owned());
            }
        }
    }
    let mut last = unverified(client, &room, &appeared).await;
    if !emit(last.clone()) {
        return Ok(());
    }
    while let Some(update) = updates.next().await {
        for (user, devices) in &update.new {
            if known.contains(user) {
                for device in devices.keys() {
                    appeared.insert((user.clone(), device.clone()));
                }
            } else {
                known.insert(user.clone());
            }
        }
        let now = unverified(client, &room, &appeared).await;
        if now != last {
            if !emit(now.clone()) {
                return Ok(());
            }
            last = now;
        }
    }
    Ok(())
}

async fn unverified(
    client: &Client,
    room: &matrix_sdk::Room,
    appeared: &HashSet<(OwnedUserId, OwnedDeviceId)>,
) -> Vec<UnverifiedDevice> {
    let encryption = client.encryption();
    let members = match room.members(RoomMemberships::JOIN).await {
        Ok(m) => m,
        Err(err) => {
            warn!(%err, "room members unreadable");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for member in members {
        let user = member.user_id();
        let identity_verified = matches!(
            encryption.get_user_identity(user).await,
            Ok(Some(identity)) if identity.is_verified()
        );
        let Ok(devices) = encryption.get_user_devices(user).await else {
            continue;
        };
        for device in devices.devices() {
            if client.device_id() == Some(device.device_id()) || device.is_verified() {
                continue;
            }
            let new = appeared.contains(&(user.to_owned(), device.device_id().to_owned()));
            if identity_verified || new {
                out.push(UnverifiedDevice {
                    user_id: user.to_string(),
                    device_id: device.device_id().to_string(),
                    display_name: device.display_name().map(str::to_owned),
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.user_id, &a.device_id).cmp(&(&b.user_id, &b.device_id)));
    out
}
