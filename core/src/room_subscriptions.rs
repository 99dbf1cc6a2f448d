//! The rooms that get every new event in each sync (sliding-sync room subscriptions):
//! the rooms open on screen and the rooms where a verification runs.
//!
//! Why: the room list gives each room one event per sync (`ROOM_LIST_TIMELINE_LIMIT`).
//! An open timeline fed that way gets a gap each time two events of the room (a
//! message and a reaction) come in the same sync; the SDK then restarts the timeline
//! from the latest event and the earlier messages leave the screen until the user
//! scrolls back (measured by the soak test: messages "lost" from view after minutes of
//! steady traffic). A subscription gets the SDK's default of 20 events per sync. For
//! a verification in a room, the other side's MAC and "done" often arrive together, and
//! the MAC would be lost the same way.
//!
//! The SDK's `subscribe_to_rooms` replaces the whole set each time, so every user goes
//! through this one registry, which keeps the union: a [`Held`] room stays subscribed
//! until its last holder is dropped.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, Weak},
};

use matrix_sdk::ruma::{OwnedRoomId, RoomId};
use matrix_sdk_ui::room_list_service::RoomListService;

/// The session's room subscriptions (one per session).
pub struct RoomSubscriptions {
    list: Arc<RoomListService>,
    /// Room → how many holders want it.
    wanted: Mutex<HashMap<OwnedRoomId, usize>>,
    /// Serializes the calls to the SDK, so the last set sent is the last one computed.
    sending: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for RoomSubscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomSubscriptions")
            .field("rooms", &self.rooms())
            .finish_non_exhaustive()
    }
}

impl RoomSubscriptions {
    pub fn new(list: Arc<RoomListService>) -> Arc<Self> {
        Arc::new(Self {
            list,
            wanted: Mutex::new(HashMap::new()),
            sending: tokio::sync::Mutex::new(()),
        })
    }

    /// Subscribes to `room` (with the rooms already held) until the returned [`Held`]
    /// is dropped. The SDK is told in the background: opening a room does not wait for
    /// it (it may wait on the sync loop), and the events it brings reach the timeline
    /// through the event cache anyway.
    pub fn hold(self: &Arc<Self>, room: &RoomId) -> Held {
        let added = {
            let mut wanted = self.wanted.lock().unwrap_or_else(|e| e.into_inner());
            let count = wanted.entry(room.to_owned()).or_insert(0);
            *count += 1;
            *count == 1
        };
        if added {
            self.send_later();
        }
        Held {
            subs: Arc::downgrade(self),
            room: room.to_owned(),
        }
    }

    /// The rooms subscribed now (tests).
    pub fn rooms(&self) -> Vec<OwnedRoomId> {
        let wanted = self.wanted.lock().unwrap_or_else(|e| e.into_inner());
        let mut rooms: Vec<OwnedRoomId> = wanted.keys().cloned().collect();
        rooms.sort();
        rooms
    }

    fn release(&self, room: &RoomId) -> bool {
        let mut wanted = self.wanted.lock().unwrap_or_else(|e| e.into_inner());
        match wanted.get_mut(room) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                wanted.remove(room);
                true
            }
            None => false,
        }
    }

    /// Sends the current set to the SDK, in the background. Without a runtime (the app
    /// is quitting) there is no sync left to tell.
    fn send_later(self: &Arc<Self>) {
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let subs = self.clone();
            rt.spawn(async move { subs.send().await });
        }
    }

    /// Sends the current set to the SDK (which replaces its previous one).
    async fn send(&self) {
        let _one_at_a_time = self.sending.lock().await;
        let rooms = self.rooms();
        let ids: Vec<&RoomId> = rooms.iter().map(|r| r.as_ref()).collect();
        self.list.subscribe_to_rooms(&ids).await;
    }
}

/// A room kept subscribed; dropping it lets the subscription go (once nobody else
/// holds the room).
pub struct Held {
    subs: Weak<RoomSubscriptions>,
    room: OwnedRoomId,
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(subs) = self.subs.upgrade() else {
            return;
        };
        if !subs.release(&self.room) {
            return;
        }
        // Dropped from sync code (a closed room): the SDK call is async.
        subs.send_later();
    }
}
