//! New-message notifications, and how much each room may notify.
//!
//! The SDK evaluates the user's push rules on every event a sync brings (sliding sync
//! included) and calls the client's notification handlers for those whose actions say
//! "notify". One handler, registered when the session starts, hands them to one
//! long-lived task (`Notifier`'s, aborted with the session), which drops what must
//! never notify and broadcasts the rest as `Notification`s to whoever subscribed (the
//! shell shows them on the desktop; tests read them).
//!
//! Never notified: the user's own messages (ruma's rule evaluation skips them), muted
//! rooms (the push rules say so; a mode just set here is honoured before the sync
//! brings the new rules back), events older than the session's start (the first sync
//! and each room's first page bring old messages), the same event twice (a room's
//! timeline may be sent again when it is opened), edits, and everything while the
//! user's global switch is off. That switch is a local setting, kept in the session's
//! encrypted store.

use std::{
    collections::{HashSet, VecDeque},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use futures_util::Stream;
use matrix_sdk::{
    deserialized_responses::RawAnySyncOrStrippedTimelineEvent,
    notification_settings::{IsEncrypted, IsOneToOne, NotificationSettings, RoomNotificationMode},
    ruma::{
        events::{
            room::message::Relation, AnySyncMessageLikeEvent, AnySyncTimelineEvent,
            SyncMessageLikeEvent,
        },
        MilliSecondsSinceUnixEpoch, OwnedEventId,
    },
    Client, NotificationSettingsError, Room, RoomDisplayName,
};
use serde::{Deserialize, Serialize};
use tokio::{
    sync::{broadcast, mpsc},
    task::JoinHandle,
};
use tracing::warn;

/// One message the user should be told about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub room_id: String,
    pub room_name: String,
    pub sender_name: String,
    /// Plain text, cut to `BODY_MAX_CHARS`; empty for an encrypted message that could
    /// not be read (`is_encrypted`) or a message without text.
    pub body: String,
    /// The push rules asked for a highlight: the user was mentioned (or a keyword).
    pub is_mention: bool,
    pub is_encrypted: bool,
    pub event_id: String,
}

/// How much a room may notify, as the user chooses it per room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum NotificationMode {
    AllMessages,
    MentionsAndKeywords,
    Mute,
}

impl From<RoomNotificationMode> for NotificationMode {
    fn from(mode: RoomNotificationMode) -> Self {
        match mode {
            RoomNotificationMode::AllMessages => Self::AllMessages,
            RoomNotificationMode::MentionsAndKeywordsOnly => Self::MentionsAndKeywords,
            RoomNotificationMode::Mute => Self::Mute,
        }
    }
}

impl From<NotificationMode> for RoomNotificationMode {
    fn from(mode: NotificationMode) -> Self {
        match mode {
            NotificationMode::AllMessages => Self::AllMessages,
            NotificationMode::MentionsAndKeywords => Self::MentionsAndKeywordsOnly,
            NotificationMode::Mute => Self::Mute,
        }
    }
}

/// A room's mode, and whether the user chose it (else it is the account's default for
/// this kind of room).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoomNotifications {
    pub mode: NotificationMode,
    pub is_default: bool,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    #[error("not a joined room: {0}")]
    NoRoom(String),
    #[error(transparent)]
    Settings(#[from] NotificationSettingsError),
    #[error(transparent)]
    Store(#[from] matrix_sdk::StoreError),
}

/// Longer texts are cut: a desktop notification shows a few lines at most.
pub const BODY_MAX_CHARS: usize = 200;

// How many event IDs are remembered to notify each event once. A room's timeline is
// sent again (up to the SDK's room subscription limit, 20) when it is opened.
const SEEN_CAPACITY: usize = 1024;

// Like multiverse's channels. A burst larger than this between two runs of the task
// is better dropped than queued without bound.
const QUEUE: usize = 1024;

const ENABLED_KEY: &[u8] = b"chappe.notifications.enabled";

/// The session's notification source and settings. Cloning shares them.
#[derive(Clone)]
pub struct Notifier {
    client: Client,
    settings: NotificationSettings,
    enabled: Arc<AtomicBool>,
    sender: broadcast::Sender<Notification>,
}

impl Notifier {
    /// Every notification from now on (none of the past). A subscriber that falls
    /// behind by more than the channel holds skips the oldest.
    pub fn subscribe(&self) -> impl Stream<Item = Notification> + Send + 'static {
        let receiver = self.sender.subscribe();
        futures_util::stream::unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(n) => return Some((n, receiver)),
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        warn!(skipped, "notifications skipped: the subscriber is too slow");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }

    /// The user's global switch (on unless turned off on this device).
    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Turns every notification on or off, on this device, for this account.
    pub async fn set_enabled(&self, enabled: bool) -> Result<(), NotificationError> {
        self.client
            .state_store()
            .set_custom_value(ENABLED_KEY, vec![u8::from(enabled)])
            .await?;
        self.enabled.store(enabled, Ordering::Relaxed);
        Ok(())
    }

    /// The room's mode: the user's choice, else the account's default for its kind.
    pub async fn room_mode(&self, room_id: &str) -> Result<RoomNotifications, NotificationError> {
        let room = joined(&self.client, room_id)?;
        if let Some(mode) = self
            .settings
            .get_user_defined_room_notification_mode(room.room_id())
            .await
        {
            return Ok(RoomNotifications {
                mode: mode.into(),
                is_default: false,
            });
        }
        let encrypted = room.encryption_state().is_encrypted();
        let one_to_one = room.active_members_count() == 2;
        let mode = self
            .settings
            .get_default_room_notification_mode(
                IsEncrypted::from(encrypted),
                IsOneToOne::from(one_to_one),
            )
            .await;
        Ok(RoomNotifications {
            mode: mode.into(),
            is_default: true,
        })
    }

    /// Sets the room's mode on the server (as push rules, so every device of the user
    /// and the server's push follow it).
    pub async fn set_room_mode(
        &self,
        room_id: &str,
        mode: NotificationMode,
    ) -> Result<(), NotificationError> {
        let room = joined(&self.client, room_id)?;
        self.settings
            .set_room_notification_mode(room.room_id(), mode.into())
            .await?;
        Ok(())
    }

    /// Back to the account's default for this room.
    pub async fn reset_room_mode(&self, room_id: &str) -> Result<(), NotificationError> {
        let room = joined(&self.client, room_id)?;
        self.settings
            .delete_user_defined_room_rules(room.room_id())
            .await?;
        Ok(())
    }
}

fn joined(client: &Client, room_id: &str) -> Result<Room, NotificationError> {
    crate::room_state::joined(client, room_id)
        .ok_or_else(|| NotificationError::NoRoom(room_id.to_owned()))
}

/// Registers the notification handler and starts the task that filters and
/// broadcasts. Must run before the sync starts, or its first events are missed.
pub(crate) async fn start(client: Client) -> (Notifier, JoinHandle<()>) {
    let enabled = match client.state_store().get_custom_value(ENABLED_KEY).await {
        Ok(Some(v)) => v.first() != Some(&0),
        Ok(None) => true,
        Err(err) => {
            warn!(%err, "cannot read the notification switch; notifications stay on");
            true
        }
    };
    let notifier = Notifier {
        settings: client.notification_settings().await,
        client: client.clone(),
        enabled: Arc::new(AtomicBool::new(enabled)),
        sender: broadcast::channel(64).0,
    };
    let (queue, mut incoming) = mpsc::channel(QUEUE);
    // The handler runs inside the sync loop: it only queues, the task does the rest.
    client
        .register_notification_handler(move |n: matrix_sdk::sync::Notification, room, _| {
            let queue = queue.clone();
            async move {
                if queue.try_send((n, room)).is_err() {
                    warn!("notification queue full or closed; one notification dropped");
                }
            }
        })
        .await;
    let started = MilliSecondsSinceUnixEpoch::now();
    let task_notifier = notifier.clone();
    let task = tokio::spawn(async move {
        let mut seen = Seen::default();
        while let Some((n, room)) = incoming.recv().await {
            if !task_notifier.enabled() || task_notifier.sender.receiver_count() == 0 {
                continue;
            }
            if let Some(out) = task_notifier.filter(&n, &room, started, &mut seen).await {
                // No receiver is not an error: nobody shows notifications right now.
                let _ = task_notifier.sender.send(out);
            }
        }
    });
    (notifier, task)
}

impl Notifier {
    async fn filter(
        &self,
        n: &matrix_sdk::sync::Notification,
        room: &Room,
        started: MilliSecondsSinceUnixEpoch,
        seen: &mut Seen,
    ) -> Option<Notification> {
        let RawAnySyncOrStrippedTimelineEvent::Sync(raw) = &n.event else {
            // Invitations notify through the room list's invite section.
            return None;
        };
        let event = raw.deserialize().ok()?;
        if event.origin_server_ts() < started || !seen.insert(event.event_id().to_owned()) {
            return None;
        }
        let is_mention = n.actions.iter().any(|a| a.is_highlight());
        // The rules the SDK evaluated come from the last sync; a mode just set through
        // `settings` is already there.
        match self
            .settings
            .get_user_defined_room_notification_mode(room.room_id())
            .await
        {
            Some(RoomNotificationMode::Mute) => return None,
            Some(RoomNotificationMode::MentionsAndKeywordsOnly) if !is_mention => return None,
            _ => {}
        }
        let (body, is_encrypted) = body_of(&event)?;
        let sender = event.sender();
        let sender_name = match room.get_member_no_sync(sender).await {
            Ok(Some(m)) => m.display_name().map(str::to_owned),
            _ => None,
        }
        .unwrap_or_else(|| sender.localpart().to_owned());
        Some(Notification {
            room_id: room.room_id().to_string(),
            room_name: room_name(room).await,
            sender_name,
            body: shorten(&body),
            is_mention,
            is_encrypted,
            event_id: event.event_id().to_string(),
        })
    }
}

/// The text to show, and whether the message could not be decrypted; `None` for what
/// never notifies here (edits, state events).
fn body_of(event: &AnySyncTimelineEvent) -> Option<(String, bool)> {
    let AnySyncTimelineEvent::MessageLike(event) = event else {
        return None;
    };
    match event {
        AnySyncMessageLikeEvent::RoomMessage(SyncMessageLikeEvent::Original(m)) => {
            if matches!(m.content.relates_to, Some(Relation::Replacement(_))) {
                return None;
            }
            Some((m.content.msgtype.body().to_owned(), false))
        }
        AnySyncMessageLikeEvent::RoomEncrypted(SyncMessageLikeEvent::Original(_)) => {
            Some((String::new(), true))
        }
        AnySyncMessageLikeEvent::RoomMessage(SyncMessageLikeEvent::Redacted(_)) => None,
        // Stickers, polls, calls…: notified, the shell words it.
        _ => Some((String::new(), false)),
    }
}

async fn room_name(room: &Room) -> String {
    match room.cached_display_name() {
        Some(
            RoomDisplayName::Named(n)
            | RoomDisplayName::Calculated(n)
            | RoomDisplayName::Aliased(n),
        ) => n,
        _ => match room.display_name().await {
            Ok(n) => n.to_string(),
            Err(_) => room.room_id().to_string(),
        },
    }
}

/// The first `BODY_MAX_CHARS` characters, on one line, with an ellipsis when cut.
fn shorten(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= BODY_MAX_CHARS {
        return flat;
    }
    let mut out: String = flat.chars().take(BODY_MAX_CHARS - 1).collect();
    out.push('…');
    out
}

/// The last `SEEN_CAPACITY` event IDs notified.
#[derive(Default)]
struct Seen {
    set: HashSet<OwnedEventId>,
    order: VecDeque<OwnedEventId>,
}

impl Seen {
    /// `false` when already there.
    fn insert(&mut self, id: OwnedEventId) -> bool {
        if !self.set.insert(id.clone()) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > SEEN_CAPACITY {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use matrix_sdk::ruma::owned_event_id;

    use super::*;

    #[test]
    fn long_bodies_are_cut_on_one_line() {
        assert_eq!(shorten("  bonjour\n\nà  tous "), "bonjour à tous");
        let long = "é".repeat(BODY_MAX_CHARS + 10);
        let cut = shorten(&long);
        assert_eq!(cut.chars().count(), BODY_MAX_CHARS);
        assert!(cut.ends_with('…'));
        assert_eq!(
            shorten(&"a".repeat(BODY_MAX_CHARS)),
            "a".repeat(BODY_MAX_CHARS)
        );
    }

    #[test]
    fn each_event_is_notified_once_and_memory_stays_bounded() {
        let mut seen = Seen::default();
        assert!(seen.insert(owned_event_id!("$a")));
        assert!(!seen.insert(owned_event_id!("$a")));
        for i in 0..SEEN_CAPACITY {
            let id = OwnedEventId::try_from(format!("$n{i}")).unwrap_or_else(|_| unreachable!());
            seen.insert(id);
        }
        assert_eq!(seen.order.len(), SEEN_CAPACITY);
        assert_eq!(seen.set.len(), SEEN_CAPACITY);
        // The oldest was forgotten.
        assert!(seen.insert(owned_event_id!("$a")));
    }

    #[test]
    fn modes_map_both_ways() {
        for mode in [
            NotificationMode::AllMessages,
            NotificationMode::MentionsAndKeywords,
            NotificationMode::Mute,
        ] {
            assert_eq!(
                NotificationMode::from(RoomNotificationMode::from(mode)),
                mode
            );
        }
    }
}
