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

use std::collections::{BTreeMap, HashSet};

use futures_util::StreamExt;
use matrix_sdk::{
    ruma::{events::room::member::MembershipState, OwnedDeviceId, OwnedUserId, RoomId, UserId},
    Client,
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
///
/// Every member is looked at once, when the room opens; afterwards only the users an
/// update names (their sessions or identity changed) are looked at again. Re-reading
/// every member's sessions on each key download cost 10,000 store reads per update in
/// a room of 10,000 (issue #11). A member who left stays listed until an update names
/// them; one who joined is picked up with the download of their sessions.
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
    let mut devices = Box::pin(client.encryption().devices_stream().await?);
    // Verifying someone (or losing one's own cross-signing) changes whether their
    // sessions are listed, without any of their sessions changing.
    let mut identities = Box::pin(client.encryption().user_identities_stream().await?);
    // Sliding sync loads members lazily; the warning needs all of them.
    if let Err(err) = room.sync_members().await {
        warn!(%err, "members not loaded; warning about the known ones");
    }
    // IDs only: loading 10,000 member events and profiles is not needed here.
    let members = room.joined_user_ids().await.unwrap_or_else(|err| {
        warn!(%err, "room members unreadable");
        Vec::new()
    });
    let mut appeared: HashSet<(OwnedUserId, OwnedDeviceId)> = HashSet::new();
    // Whose sessions were already known: the first download of someone's sessions
    // (a fresh login knows nobody's) lists them all as new, and none of them appeared.
    let mut known: HashSet<OwnedUserId> = HashSet::new();
    let mut listed: BTreeMap<OwnedUserId, Vec<UnverifiedDevice>> = BTreeMap::new();
    // Sessions are known only for users whose keys the SDK tracks (members of encrypted
    // rooms): the others have nothing to list, and asking the store about each member
    // of a public room of 10,000 took seconds. When one becomes tracked, the download
    // of their sessions comes as an update.
    let tracked = client.encryption().tracked_users().await.ok();
    let members = members
        .into_iter()
        .filter(|u| tracked.as_ref().is_none_or(|t| t.contains(u)));
    for user in members {
        let user = &user;
        let (has_devices, found) = unverified_of(client, user, &appeared).await;
        if has_devices {
            known.insert(user.clone());
        }
        if !found.is_empty() {
            listed.insert(user.clone(), found);
        }
    }
    let mut last = flatten(&listed);
    if !emit(last.clone()) {
        return Ok(());
    }
    let me = client.user_id().map(ToOwned::to_owned);
    loop {
        let touched: Vec<OwnedUserId> = tokio::select! {
            Some(update) = devices.next() => {
                for (user, devices) in &update.new {
                    if known.contains(user) {
                        for device in devices.keys() {
                            appeared.insert((user.clone(), device.clone()));
                        }
                    } else {
                        known.insert(user.clone());
                    }
                }
                update.new.keys().chain(update.changed.keys()).cloned().collect()
            }
            Some(update) = identities.next() => {
                update.new.keys().chain(update.changed.keys()).cloned().collect()
            }
            else => break,
        };
        // The user's own identity vouches for everyone else's: when it changes, every
        // member is looked at again (rare: a new cross-signing setup or verification).
        let touched = if me.as_ref().is_some_and(|me| touched.contains(me)) {
            room.joined_user_ids().await.unwrap_or(touched)
        } else {
            touched
        };
        for user in touched {
            let found = if is_joined(&room, &user).await {
                unverified_of(client, &user, &appeared).await.1
            } else {
                Vec::new()
            };
            if found.is_empty() {
                listed.remove(&user);
            } else {
                listed.insert(user, found);
            }
        }
        let now = flatten(&listed);
        if now != last {
            if !emit(now.clone()) {
                return Ok(());
            }
            last = now;
        }
    }
    Ok(())
}

async fn is_joined(room: &matrix_sdk::Room, user: &UserId) -> bool {
    matches!(
        room.get_member_no_sync(user).await,
        Ok(Some(m)) if *m.membership() == MembershipState::Join
    )
}

/// Whether `user` has any session known here, and which of them to warn about.
async fn unverified_of(
    client: &Client,
    user: &UserId,
    appeared: &HashSet<(OwnedUserId, OwnedDeviceId)>,
) -> (bool, Vec<UnverifiedDevice>) {
    let encryption = client.encryption();
    let Ok(devices) = encryption.get_user_devices(user).await else {
        return (false, Vec::new());
    };
    let has_devices = devices.devices().next().is_some();
    let candidates: Vec<_> = devices
        .devices()
        .filter(|d| client.device_id() != Some(d.device_id()) && !d.is_verified())
        .collect();
    if candidates.is_empty() {
        return (has_devices, Vec::new());
    }
    // Asked only for users with an unverified session: most members have none known.
    let identity_verified = matches!(
        encryption.get_user_identity(user).await,
        Ok(Some(identity)) if identity.is_verified()
    );
    let mut out: Vec<UnverifiedDevice> = candidates
        .into_iter()
        .filter(|d| {
            identity_verified || appeared.contains(&(user.to_owned(), d.device_id().to_owned()))
        })
        .map(|d| UnverifiedDevice {
            user_id: user.to_string(),
            device_id: d.device_id().to_string(),
            display_name: d.display_name().map(str::to_owned),
        })
        .collect();
    out.sort_by(|a, b| a.device_id.cmp(&b.device_id));
    (has_devices, out)
}

/// The list as reported: by user, then session (the map is ordered by user).
fn flatten(listed: &BTreeMap<OwnedUserId, Vec<UnverifiedDevice>>) -> Vec<UnverifiedDevice> {
    listed.values().flatten().cloned().collect()
}
