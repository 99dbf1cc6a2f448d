//! The list of rooms the user sees in the sidebar.
//!
//! One long-lived task owns the SDK's `RoomList` stream (sorted by the SDK: unsent
//! local messages first, then recent activity, then name) and mirrors it into an
//! `ObservableVector<RoomSummary>`. Subscribers (the shell, tests) get the current
//! rooms plus a stream of `ListDiff`s; nobody polls.

use std::{collections::HashSet, sync::Arc};

use eyeball_im::{ObservableVector, VectorDiff};
use futures_util::{Stream, StreamExt};
use matrix_sdk::{Client, Room, RoomDisplayName, RoomState};
use matrix_sdk_ui::{
    room_list_service::{filters::new_filter_non_left, RoomListItem, RoomListService},
    timeline::{LatestEventValue, MsgLikeKind, RoomExt, TimelineDetails, TimelineItemContent},
};
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;
use tracing::warn;

use crate::diff::ListDiff;

/// What the sidebar shows for one room.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoomSummary {
    pub room_id: String,
    pub name: String,
    /// First letter of the name, upper-cased, for the avatar placeholder.
    pub avatar_initial: String,
    pub last_message: Option<MessagePreview>,
    /// Milliseconds since the epoch of the latest event, for "12:04" / "yesterday".
    pub last_activity: Option<f64>,
    pub unread_messages: u32,
    pub unread_notifications: u32,
    pub unread_mentions: u32,
    pub is_direct: bool,
    pub is_encrypted: bool,
    pub is_invite: bool,
    /// The room was upgraded (`m.room.tombstone`): the ID of the room that replaces it.
    /// Its timeline ends there; the UI offers the new room instead of a composer.
    pub replaced_by: Option<String>,
    /// Tagged `m.favourite` by the user (on any of their devices).
    pub is_favourite: bool,
    /// Tagged `m.lowpriority`; never both with `is_favourite` (setting one clears the other).
    pub is_low_priority: bool,
}

/// The one-line preview under a room's name.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessagePreview {
    pub sender_name: String,
    pub is_own: bool,
    /// Plain text only: previews never carry HTML.
    pub text: String,
    pub kind: PreviewKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PreviewKind {
    Text,
    Deleted,
    Encrypted,
    Other,
}

fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn initial_of(name: &str) -> String {
    name.chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "#".to_owned())
}

fn preview_of(content: &TimelineItemContent) -> Option<(String, PreviewKind)> {
    let TimelineItemContent::MsgLike(msg) = content else {
        return None;
    };
    Some(match &msg.kind {
        MsgLikeKind::Message(m) => (m.body().to_owned(), PreviewKind::Text),
        MsgLikeKind::Redacted => (String::new(), PreviewKind::Deleted),
        MsgLikeKind::UnableToDecrypt(_) => (String::new(), PreviewKind::Encrypted),
        _ => (String::new(), PreviewKind::Other),
    })
}

fn profile_name(
    profile: &TimelineDetails<matrix_sdk_ui::timeline::Profile>,
    fallback: &str,
) -> String {
    match profile {
        TimelineDetails::Ready(p) => p
            .display_name
            .clone()
            .unwrap_or_else(|| fallback.to_owned()),
        _ => fallback.to_owned(),
    }
}

/// Builds the summary of one room from what the SDK has cached.
pub async fn summarize(room: &Room) -> RoomSummary {
    let name = match room.cached_display_name() {
        Some(
            RoomDisplayName::Named(n)
            | RoomDisplayName::Calculated(n)
            | RoomDisplayName::Aliased(n),
        ) => n,
        // Computing the name may hit the store; only done when nothing is cached yet.
        _ => match room.display_name().await {
            Ok(n) => n.to_string(),
            Err(_) => room.room_id().to_string(),
        },
    };
    let last_message = match room.latest_event().await {
        LatestEventValue::Remote {
            sender,
            is_own,
            profile,
            content,
            ..
        } => preview_of(&content).map(|(text, kind)| MessagePreview {
            sender_name: profile_name(&profile, sender.localpart()),
            is_own,
            text,
            kind,
        }),
        LatestEventValue::Local {
            sender,
            profile,
            content,
            ..
        } => preview_of(&content).map(|(text, kind)| MessagePreview {
            sender_name: profile_name(&profile, sender.localpart()),
            is_own: true,
            text,
            kind,
        }),
        LatestEventValue::RemoteInvite { .. } | LatestEventValue::None => None,
    };
    RoomSummary {
        room_id: room.room_id().to_string(),
        avatar_initial: initial_of(&name),
        name,
        last_message,
        last_activity: room.latest_event_timestamp().map(|ts| f64::from(ts.0)),
        // Counted client-side by the SDK from the events it received: Synapse's sliding
        // sync sends notification_count/highlight_count as 0 (measured here), so the
        // server's counts cannot be used. See ROOM_LIST_TIMELINE_LIMIT for accuracy.
        unread_messages: count(room.num_unread_messages()),
        unread_notifications: count(room.num_unread_notifications()),
        unread_mentions: count(room.num_unread_mentions()),
        is_direct: room.is_direct().await.unwrap_or(false),
        is_encrypted: room.encryption_state().is_encrypted(),
        is_invite: room.state() == RoomState::Invited,
        replaced_by: room.successor_room().map(|s| s.room_id.to_string()),
        is_favourite: room.is_favourite(),
        is_low_priority: room.is_low_priority(),
    }
}

/// A tag the user puts on a room to sort the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum RoomTag {
    Favourite,
    LowPriority,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RoomTagError {
    #[error("not a joined room: {0}")]
    NoRoom(String),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
}

/// Puts `tag` on the room or takes it off (room account data, so every device of the
/// user sorts alike). Favourite and low priority exclude each other, as in Element.
/// The room list shows the change when the sync brings it back.
pub async fn set_tag(
    client: &Client,
    room_id: &str,
    tag: RoomTag,
    on: bool,
) -> Result<(), RoomTagError> {
    let room = crate::room_state::joined(client, room_id)
        .ok_or_else(|| RoomTagError::NoRoom(room_id.to_owned()))?;
    match tag {
        RoomTag::Favourite => room.set_is_favourite(on, None).await?,
        RoomTag::LowPriority => room.set_is_low_priority(on, None).await?,
    }
    Ok(())
}

/// The observable list of rooms, shared by everyone who shows or tests it.
#[derive(Clone)]
pub struct RoomListModel {
    rooms: Arc<std::sync::Mutex<ObservableVector<RoomSummary>>>,
}

impl RoomListModel {
    fn new() -> Self {
        Self {
            rooms: Arc::new(std::sync::Mutex::new(ObservableVector::new())),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ObservableVector<RoomSummary>> {
        // A poisoned lock only means a panic elsewhere mid-update; the vector is still
        // a valid list, so keep serving it rather than propagate the panic.
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The rooms as they are now.
    pub fn snapshot(&self) -> Vec<RoomSummary> {
        self.lock().iter().cloned().collect()
    }

    /// The rooms as they are now, and every change from then on.
    pub fn subscribe(
        &self,
    ) -> (
        Vec<RoomSummary>,
        impl Stream<Item = Vec<ListDiff<RoomSummary>>> + Send + 'static,
    ) {
        let (values, stream) = self.lock().subscribe().into_values_and_batched_stream();
        let stream = stream.map(|diffs| {
            diffs
                .into_iter()
                .map(|d| ListDiff::from_vector_diff(d, |r| r))
                .collect()
        });
        (values.into_iter().collect(), stream)
    }

    fn apply(&self, diff: VectorDiff<RoomSummary>) {
        let mut rooms = self.lock();
        match diff {
            VectorDiff::Append { values } => rooms.append(values),
            VectorDiff::Clear => rooms.clear(),
            VectorDiff::PushFront { value } => rooms.push_front(value),
            VectorDiff::PushBack { value } => rooms.push_back(value),
            VectorDiff::PopFront => {
                rooms.pop_front();
            }
            VectorDiff::PopBack => {
                rooms.pop_back();
            }
            VectorDiff::Insert { index, value } if index <= rooms.len() => {
                rooms.insert(index, value)
            }
            VectorDiff::Set { index, value } if index < rooms.len() => {
                rooms.set(index, value);
            }
            VectorDiff::Remove { index } if index < rooms.len() => {
                rooms.remove(index);
            }
            VectorDiff::Truncate { length } => rooms.truncate(length),
            VectorDiff::Reset { values } => {
                let mut txn = rooms.transaction();
                txn.clear();
                txn.append(values);
                txn.commit();
            }
            other => warn!(?other, "room list diff out of range, ignored"),
        }
    }
}

// The sidebar shows every room; the SDK's dynamic head only limits what is mirrored,
// so one large page keeps it simple. Rooms still arrive progressively from the
// server (the sliding-sync list grows in batches).
const PAGE_SIZE: usize = 100_000;

/// Starts the task that mirrors the SDK room list into a `RoomListModel`.
pub(crate) async fn start(
    client: Client,
    service: Arc<RoomListService>,
) -> Result<(RoomListModel, JoinHandle<()>), matrix_sdk_ui::room_list_service::Error> {
    let model = RoomListModel::new();
    let all_rooms = service.all_rooms().await?;
    let task_model = model.clone();
    let task = tokio::spawn(async move {
        let (stream, controller) = all_rooms.entries_with_dynamic_adapters(PAGE_SIZE);
        controller.set_filter(Box::new(new_filter_non_left()));
        futures_util::pin_mut!(stream);
        let latest_events = client.latest_events().await;
        let mut listened = HashSet::new();
        while let Some(diffs) = stream.next().await {
            for diff in diffs {
                let diff = map_diff(diff, latest_events, &mut listened).await;
                task_model.apply(diff);
            }
        }
    });
    Ok((model, task))
}

async fn map_diff(
    diff: VectorDiff<RoomListItem>,
    latest_events: &matrix_sdk::latest_events::LatestEvents,
    listened: &mut HashSet<matrix_sdk::ruma::OwnedRoomId>,
) -> VectorDiff<RoomSummary> {
    // Latest events are computed lazily by the SDK: ask for each room once, the first
    // time we see it, so its preview stays current from then on.
    async fn one(
        item: RoomListItem,
        latest_events: &matrix_sdk::latest_events::LatestEvents,
        listened: &mut HashSet<matrix_sdk::ruma::OwnedRoomId>,
    ) -> RoomSummary {
        let room = item.into_inner();
        if listened.insert(room.room_id().to_owned()) {
            if let Err(err) = latest_events.listen_to_room(room.room_id()).await {
                warn!(%err, "cannot compute the latest event of a room");
            }
        }
        summarize(&room).await
    }
    match diff {
        VectorDiff::Append { values } => {
            let mut out = eyeball_im::Vector::new();
            for v in values {
                out.push_back(one(v, latest_events, listened).await);
            }
            VectorDiff::Append { values: out }
        }
        VectorDiff::Reset { values } => {
            let mut out = eyeball_im::Vector::new();
            for v in values {
                out.push_back(one(v, latest_events, listened).await);
            }
            VectorDiff::Reset { values: out }
        }
        VectorDiff::Clear => VectorDiff::Clear,
        VectorDiff::PushFront { value } => VectorDiff::PushFront {
            value: one(value, latest_events, listened).await,
        },
        VectorDiff::PushBack { value } => VectorDiff::PushBack {
            value: one(value, latest_events, listened).await,
        },
        VectorDiff::PopFront => VectorDiff::PopFront,
        VectorDiff::PopBack => VectorDiff::PopBack,
        VectorDiff::Insert { index, value } => VectorDiff::Insert {
            index,
            value: one(value, latest_events, listened).await,
        },
        VectorDiff::Set { index, value } => VectorDiff::Set {
            index,
            value: one(value, latest_events, listened).await,
        },
        VectorDiff::Remove { index } => VectorDiff::Remove { index },
        VectorDiff::Truncate { length } => VectorDiff::Truncate { length },
    }
}
