//! One room's conversation, as the user reads it.
//!
//! `RoomTimeline` wraps matrix-sdk-ui's `Timeline` (which owns the event cache,
//! local echoes and the persisted send queue) and turns its items into plain
//! `TimelineItemView`s: text already sanitised, names resolved, timestamps in ms.
//! Subscribers get the current items plus `ListDiff`s; the timeline itself is the
//! observable, so no task of ours sits in between.

use std::sync::Arc;

use futures_util::{Stream, StreamExt};
use matrix_sdk::{
    room::{edit::EditedContent, IncludeRelations, RelationsOptions},
    ruma::{
        api::Direction,
        events::{
            relation::RelationType,
            room::message::{
                MessageFormat, MessageType, Relation, RoomMessageEventContent,
                RoomMessageEventContentWithoutRelation,
            },
            AnySyncMessageLikeEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
        },
        EventId, OwnedRoomId, OwnedUserId, UInt,
    },
    Client,
};
use matrix_sdk_crypto::types::events::UtdCause;
use matrix_sdk_ui::timeline::{
    EncryptedMessage, EventSendState, EventTimelineItem, MembershipChange, MsgLikeKind, RoomExt,
    Timeline, TimelineDetails, TimelineEventItemId, TimelineItem, TimelineItemContent,
    TimelineItemKind, VirtualTimelineItem,
};
use serde::Serialize;

use crate::{
    diff::ListDiff,
    html,
    media::{self, MediaSources, MediaView},
    room_subscriptions::{Held, RoomSubscriptions},
};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimelineError {
    #[error("unknown room {0}")]
    UnknownRoom(String),
    #[error("the message is empty")]
    EmptyMessage,
    /// The item is not (or no longer) in the loaded timeline.
    #[error("no such item in the timeline: {0}")]
    UnknownItem(String),
    /// Replying needs the server's ID of the message, which an unsent one lacks.
    #[error("the message is not sent yet")]
    NotSentYet,
    #[error("the message cannot be retried or discarded: {0}")]
    SendQueue(String),
    /// The server refused or could not be reached (loading older messages…).
    #[error("server failure: {0:?}")]
    Failure(crate::failure::Failure),
    /// The disk holding the local stores is full: the message could not be queued (it
    /// was not sent, and the text stays in the composer).
    #[error("the disk holding Chappe's data is full")]
    DiskFull,
    #[error(transparent)]
    Timeline(#[from] matrix_sdk_ui::timeline::Error),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
}

impl TimelineError {
    /// A failure to queue a message: a full disk is said as such (the user can act on
    /// it), anything else as it is.
    pub(crate) fn from_send(err: matrix_sdk_ui::timeline::Error) -> Self {
        if crate::failure::is_disk_full(&format!("{err} {err:?}")) {
            Self::DiskFull
        } else {
            Self::Timeline(err)
        }
    }
}

/// What the timeline shows for one item.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
// Messages are most items, so boxing the big variant would only add an allocation
// per message; the size difference is accepted.
#[allow(clippy::large_enum_variant)]
pub enum TimelineItemView {
    #[serde(rename_all = "camelCase")]
    Message {
        id: String,
        sender: String,
        sender_name: String,
        is_own: bool,
        timestamp: f64,
        body: String,
        /// Sanitised HTML when the sender formatted the message; `None` otherwise.
        html: Option<String>,
        /// `notice` and `emote` messages are shown differently.
        msgtype: String,
        edited: bool,
        send_state: SendState,
        in_reply_to: Option<ReplyView>,
        reactions: Vec<ReactionView>,
        /// Users (Matrix IDs) whose read receipt is on this message: they read up to here.
        read_by: Vec<String>,
        /// The image, video, sound or file the message carries, if any.
        media: Option<MediaView>,
    },
    #[serde(rename_all = "camelCase")]
    Deleted {
        id: String,
        sender_name: String,
        timestamp: f64,
    },
    #[serde(rename_all = "camelCase")]
    UnableToDecrypt {
        id: String,
        sender_name: String,
        timestamp: f64,
        /// Why, as far as the SDK can tell: the UI says it in words.
        reason: UtdReason,
    },
    /// A membership change (joined, left, invited…); the UI words it.
    #[serde(rename_all = "camelCase")]
    Membership {
        id: String,
        user_name: String,
        change: String,
        timestamp: f64,
    },
    #[serde(rename_all = "camelCase")]
    ProfileChange {
        id: String,
        user_name: String,
        new_name: Option<String>,
        timestamp: f64,
    },
    /// Any other state change (name, topic, …): the event type, for a short notice.
    #[serde(rename_all = "camelCase")]
    StateChange {
        id: String,
        sender_name: String,
        event_type: String,
        timestamp: f64,
    },
    #[serde(rename_all = "camelCase")]
    Unsupported {
        id: String,
        sender_name: String,
        timestamp: f64,
    },
    #[serde(rename_all = "camelCase")]
    DayDivider {
        id: String,
        timestamp: f64,
    },
    ReadMarker {
        id: String,
    },
    TimelineStart {
        id: String,
    },
}

/// One reaction key under a message, with who used it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReactionView {
    pub key: String,
    pub count: u32,
    /// The user reacted with this key (clicking it again removes the reaction).
    pub mine: bool,
    pub senders: Vec<String>,
}

/// The message a reply answers, quoted above it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReplyView {
    pub sender_name: String,
    /// Plain text; empty while the quoted message is being fetched.
    pub body: String,
}

/// Why a message cannot be read, from matrix-sdk's `UtdCause`. The user is told the
/// honest reason ("sent before you joined"), not a generic error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum UtdReason {
    /// No explanation: keys may still arrive (the SDK retries when they do).
    Unknown,
    /// Sent while the user was not in the room: they were never meant to have the keys.
    SentBeforeYouJoined,
    /// The sender was verified before and their identity changed since.
    VerificationViolation,
    /// Sent from a device its owner did not verify (sign).
    UnverifiedDevice,
    /// Sent from a device that could not be found or trusted.
    UnknownDevice,
    /// Sent before this device existed, and there is no key backup to restore from.
    HistoricalNoBackup,
    /// Sent before this device existed; the backup needs this device verified.
    HistoricalUnverifiedDevice,
    /// The sender withheld the keys because this device is not verified.
    WithheldForUnverifiedDevice,
    /// The sender did not (or could not) share the keys with this device.
    WithheldBySender,
}

/// The reason shown for an unreadable message.
pub fn utd_reason(cause: UtdCause) -> UtdReason {
    match cause {
        UtdCause::Unknown => UtdReason::Unknown,
        UtdCause::SentBeforeWeJoined => UtdReason::SentBeforeYouJoined,
        UtdCause::VerificationViolation => UtdReason::VerificationViolation,
        UtdCause::UnsignedDevice => UtdReason::UnverifiedDevice,
        UtdCause::UnknownDevice => UtdReason::UnknownDevice,
        UtdCause::HistoricalMessageAndBackupIsDisabled => UtdReason::HistoricalNoBackup,
        UtdCause::HistoricalMessageAndDeviceIsUnverified => UtdReason::HistoricalUnverifiedDevice,
        UtdCause::WithheldForUnverifiedOrInsecureDevice => UtdReason::WithheldForUnverifiedDevice,
        UtdCause::WithheldBySender => UtdReason::WithheldBySender,
    }
}

/// One version of an edited message: the original first, then each edit.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MessageVersion {
    pub body: String,
    /// Sanitised HTML when that version was formatted.
    pub html: Option<String>,
    pub timestamp: f64,
}

/// Where an own message is on its way to the server.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SendState {
    /// `progress`: the share of an attachment uploaded so far (0 to 1), when one is.
    Sending {
        progress: Option<f64>,
    },
    Sent,
    /// `recoverable`: the send queue will retry by itself when the server returns.
    Failed {
        recoverable: bool,
        reason: String,
    },
}

fn name_of(item: &EventTimelineItem) -> String {
    match item.sender_profile() {
        TimelineDetails::Ready(p) => p
            .display_name
            .clone()
            .unwrap_or_else(|| item.sender().to_string()),
        _ => item.sender().to_string(),
    }
}

fn membership_word(change: Option<MembershipChange>) -> &'static str {
    match change {
        Some(MembershipChange::Joined | MembershipChange::InvitationAccepted) => "joined",
        Some(MembershipChange::Left) => "left",
        Some(MembershipChange::Banned | MembershipChange::KickedAndBanned) => "banned",
        Some(MembershipChange::Unbanned) => "unbanned",
        Some(MembershipChange::Kicked) => "kicked",
        Some(MembershipChange::Invited) => "invited",
        Some(MembershipChange::InvitationRejected) => "rejected",
        Some(MembershipChange::InvitationRevoked) => "revoked",
        Some(MembershipChange::Knocked) => "knocked",
        _ => "changed",
    }
}

/// The kind of a message (`text`, `notice`, `emote`, `other`) and its HTML, sanitised.
fn kind_and_html(msgtype: &MessageType) -> (&'static str, Option<String>) {
    let (kind, formatted) = match msgtype {
        MessageType::Text(t) => ("text", t.formatted.as_ref()),
        MessageType::Notice(n) => ("notice", n.formatted.as_ref()),
        MessageType::Emote(e) => ("emote", e.formatted.as_ref()),
        _ => ("other", None),
    };
    // HTML too large or too deep to render is left out: the plain body shows instead.
    let html = formatted
        .filter(|f| f.format == MessageFormat::Html && html::renderable(&f.body))
        .map(|f| html::sanitize(&f.body));
    (kind, html)
}

/// Converts one SDK timeline item into what the UI shows.
pub fn view_of(item: &TimelineItem, me: &str, media: &MediaSources) -> TimelineItemView {
    let id = item.unique_id().0.clone();
    match item.kind() {
        TimelineItemKind::Virtual(VirtualTimelineItem::DateDivider(ts)) => {
            TimelineItemView::DayDivider {
                id,
                timestamp: f64::from(ts.0),
            }
        }
        TimelineItemKind::Virtual(VirtualTimelineItem::ReadMarker) => {
            TimelineItemView::ReadMarker { id }
        }
        TimelineItemKind::Virtual(VirtualTimelineItem::TimelineStart) => {
            TimelineItemView::TimelineStart { id }
        }
        TimelineItemKind::Event(ev) => event_view(id, ev, me, media),
    }
}

fn reactions_of(msg: &matrix_sdk_ui::timeline::MsgLikeContent, me: &str) -> Vec<ReactionView> {
    msg.reactions
        .iter()
        .map(|(key, by)| ReactionView {
            key: key.clone(),
            count: u32::try_from(by.len()).unwrap_or(u32::MAX),
            mine: by.keys().any(|u| u.as_str() == me),
            senders: by.keys().map(|u| u.to_string()).collect(),
        })
        .collect()
}

fn reply_of(msg: &matrix_sdk_ui::timeline::MsgLikeContent) -> Option<ReplyView> {
    let details = msg.in_reply_to.as_ref()?;
    Some(match &details.event {
        TimelineDetails::Ready(embedded) => ReplyView {
            sender_name: match &embedded.sender_profile {
                TimelineDetails::Ready(p) => p
                    .display_name
                    .clone()
                    .unwrap_or_else(|| embedded.sender.to_string()),
                _ => embedded.sender.to_string(),
            },
            body: match &embedded.content {
                TimelineItemContent::MsgLike(m) => match &m.kind {
                    MsgLikeKind::Message(m) => m.body().to_owned(),
                    _ => String::new(),
                },
                _ => String::new(),
            },
        },
        _ => ReplyView {
            sender_name: String::new(),
            body: String::new(),
        },
    })
}

fn event_view(
    id: String,
    ev: &EventTimelineItem,
    me: &str,
    media: &MediaSources,
) -> TimelineItemView {
    let sender_name = name_of(ev);
    let timestamp = f64::from(ev.timestamp().0);
    match ev.content() {
        TimelineItemContent::MsgLike(msg) => match &msg.kind {
            MsgLikeKind::Message(m) => {
                let (msgtype, html) = kind_and_html(m.msgtype());
                TimelineItemView::Message {
                    id,
                    sender: ev.sender().to_string(),
                    sender_name,
                    is_own: ev.is_own(),
                    timestamp,
                    body: m.body().to_owned(),
                    html,
                    msgtype: msgtype.to_owned(),
                    media: media::view_of_message(m.msgtype(), media),
                    edited: m.is_edited(),
                    in_reply_to: reply_of(msg),
                    reactions: reactions_of(msg, me),
                    read_by: ev
                        .read_receipts()
                        .keys()
                        .filter(|u| u.as_str() != me)
                        .map(|u| u.to_string())
                        .collect(),
                    send_state: match ev.send_state() {
                        None | Some(EventSendState::Sent { .. }) => SendState::Sent,
                        Some(EventSendState::NotSentYet { progress }) => SendState::Sending {
                            progress: progress.as_ref().map(|p| {
                                let total = p.progress.total.max(1);
                                #[allow(clippy::cast_precision_loss)] // a share, not a count
                                let share = p.progress.current as f64 / total as f64;
                                share.clamp(0.0, 1.0)
                            }),
                        },
                        Some(EventSendState::SendingFailed {
                            error,
                            is_recoverable,
                        }) => SendState::Failed {
                            recoverable: *is_recoverable,
                            reason: error.to_string(),
                        },
                    },
                }
            }
            MsgLikeKind::Redacted => TimelineItemView::Deleted {
                id,
                sender_name,
                timestamp,
            },
            MsgLikeKind::UnableToDecrypt(encrypted) => TimelineItemView::UnableToDecrypt {
                id,
                sender_name,
                timestamp,
                reason: match encrypted {
                    EncryptedMessage::MegolmV1AesSha2 { cause, .. } => utd_reason(*cause),
                    _ => UtdReason::Unknown,
                },
            },
            _ => TimelineItemView::Unsupported {
                id,
                sender_name,
                timestamp,
            },
        },
        TimelineItemContent::MembershipChange(change) => TimelineItemView::Membership {
            id,
            user_name: change
                .display_name()
                .unwrap_or_else(|| change.user_id().to_string()),
            change: membership_word(change.change()).to_owned(),
            timestamp,
        },
        TimelineItemContent::ProfileChange(change) => TimelineItemView::ProfileChange {
            id,
            user_name: change.user_id().to_string(),
            new_name: change.displayname_change().and_then(|c| c.new.clone()),
            timestamp,
        },
        TimelineItemContent::OtherState(state) => TimelineItemView::StateChange {
            id,
            sender_name,
            event_type: state.content().event_type().to_string(),
            timestamp,
        },
        _ => TimelineItemView::Unsupported {
            id,
            sender_name,
            timestamp,
        },
    }
}

/// The network or server error behind a failed back-pagination, if that is what it
/// was: the user then reads "server unreachable", not an SDK error chain.
fn pagination_failure(e: &matrix_sdk_ui::timeline::Error) -> Option<crate::failure::Failure> {
    use matrix_sdk::event_cache::EventCacheError;
    use matrix_sdk_ui::timeline::{Error, PaginationError};
    let cache = match e {
        Error::EventCacheError(c) | Error::PaginationError(PaginationError::EventCache(c)) => c,
        _ => return None,
    };
    match cache {
        EventCacheError::PaginationError(sdk) => Some(crate::failure::of_sdk(sdk)),
        _ => None,
    }
}

type Content = (MessageType, f64);

/// The sender and message of an original `m.room.message` event.
fn message_of(event: Option<AnySyncTimelineEvent>) -> Option<(OwnedUserId, Content)> {
    let AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
        SyncMessageLikeEvent::Original(m),
    )) = event?
    else {
        return None;
    };
    let ts = f64::from(m.origin_server_ts.0);
    Some((m.sender, (m.content.msgtype, ts)))
}

/// The sender, new content and time of an edit of `original`.
fn replacement_of(
    event: Option<AnySyncTimelineEvent>,
    original: &EventId,
) -> Option<(OwnedUserId, MessageType, f64)> {
    let AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
        SyncMessageLikeEvent::Original(m),
    )) = event?
    else {
        return None;
    };
    match m.content.relates_to {
        Some(Relation::Replacement(r)) if r.event_id == original => Some((
            m.sender,
            r.new_content.msgtype,
            f64::from(m.origin_server_ts.0),
        )),
        _ => None,
    }
}

fn version_of(msgtype: &MessageType, timestamp: f64) -> MessageVersion {
    MessageVersion {
        body: msgtype.body().to_owned(),
        html: kind_and_html(msgtype).1,
        timestamp,
    }
}

/// An open room: its timeline, ready to observe, paginate and send into.
#[derive(Clone)]
pub struct RoomTimeline {
    room_id: OwnedRoomId,
    timeline: Arc<Timeline>,
    /// The user's own ID: marks their reactions and hides their own receipts.
    me: Arc<str>,
    /// Where the attachments shown are remembered for the `media:` scheme.
    media: MediaSources,
    /// All the room's new events in each sync while it is open (see room_subscriptions).
    _subscription: Option<Arc<Held>>,
}

impl RoomTimeline {
    pub(crate) async fn open(
        client: &Client,
        room_id: &str,
        media: MediaSources,
        subscriptions: Option<&Arc<RoomSubscriptions>>,
    ) -> Result<Self, TimelineError> {
        let room_id = OwnedRoomId::try_from(room_id)
            .map_err(|_| TimelineError::UnknownRoom(room_id.to_owned()))?;
        let room = client
            .get_room(&room_id)
            .ok_or_else(|| TimelineError::UnknownRoom(room_id.to_string()))?;
        let subscription = subscriptions.map(|subs| Arc::new(subs.hold(&room_id)));
        let timeline = room.timeline().await?;
        let me: Arc<str> = client
            .user_id()
            .map(|u| u.as_str())
            .unwrap_or_default()
            .into();
        Ok(Self {
            room_id,
            timeline: Arc::new(timeline),
            me,
            media,
            _subscription: subscription,
        })
    }

    pub fn room_id(&self) -> &str {
        self.room_id.as_str()
    }

    pub(crate) fn timeline_ref(&self) -> &Timeline {
        &self.timeline
    }

    pub(crate) fn client(&self) -> Client {
        self.timeline.room().client()
    }

    /// The items as they are now, and every change from then on.
    pub async fn subscribe(
        &self,
    ) -> (
        Vec<TimelineItemView>,
        impl Stream<Item = Vec<ListDiff<TimelineItemView>>> + Send + 'static,
    ) {
        let (items, stream) = self.timeline.subscribe().await;
        let me = self.me.clone();
        let media = self.media.clone();
        let items = items.iter().map(|i| view_of(i, &me, &media)).collect();
        let stream = stream.map(move |diffs| {
            diffs
                .into_iter()
                .map(|d| ListDiff::from_vector_diff(d, |i| view_of(&i, &me, &media)))
                .collect()
        });
        (items, stream)
    }

    /// Sends a message typed by the user. Markdown is rendered to HTML, as in Element.
    /// The message is queued (persisted) and shown at once as a local echo; the SDK's
    /// send queue delivers it, retrying while the server is unreachable.
    pub async fn send_text(&self, body: &str) -> Result<(), TimelineError> {
        if body.trim().is_empty() {
            return Err(TimelineError::EmptyMessage);
        }
        let content = RoomMessageEventContent::text_markdown(body);
        self.timeline
            .send(content.into())
            .await
            .map_err(TimelineError::from_send)?;
        Ok(())
    }

    /// Loads older messages. Returns `true` when the start of the room is reached.
    pub async fn paginate_backwards(&self, events: u16) -> Result<bool, TimelineError> {
        self.timeline
            .paginate_backwards(events)
            .await
            .map_err(|e| match pagination_failure(&e) {
                Some(f) => TimelineError::Failure(f),
                None => e.into(),
            })
    }

    /// Marks everything up to the latest event as read (public receipt, as Element),
    /// and moves the fully-read marker there too: that marker is where the timeline
    /// puts "new messages" (the `ReadMarker` item) and where "jump to first unread"
    /// goes, so it must follow what the user has seen.
    pub async fn mark_as_read(&self) -> Result<(), TimelineError> {
        use matrix_sdk::ruma::api::client::receipt::create_receipt::v3::ReceiptType;
        self.timeline.mark_as_read(ReceiptType::Read).await?;
        self.timeline.mark_as_read(ReceiptType::FullyRead).await?;
        Ok(())
    }

    /// The event behind a view item (`TimelineItemView`'s `id`).
    async fn event(&self, id: &str) -> Result<EventTimelineItem, TimelineError> {
        self.timeline
            .items()
            .await
            .iter()
            .find(|i| i.unique_id().0 == id)
            .and_then(|i| i.as_event().cloned())
            .ok_or_else(|| TimelineError::UnknownItem(id.to_owned()))
    }

    fn markdown(body: &str) -> Result<RoomMessageEventContentWithoutRelation, TimelineError> {
        if body.trim().is_empty() {
            return Err(TimelineError::EmptyMessage);
        }
        Ok(RoomMessageEventContentWithoutRelation::text_markdown(body))
    }

    /// Replies to the item `id`, quoting it, as Element does.
    pub async fn reply(&self, id: &str, body: &str) -> Result<(), TimelineError> {
        let content = Self::markdown(body)?;
        let TimelineEventItemId::EventId(event_id) = self.event(id).await?.identifier() else {
            return Err(TimelineError::NotSentYet);
        };
        self.timeline.send_reply(content, event_id).await?;
        Ok(())
    }

    /// Replaces the text of one of the user's messages; the timeline shows it edited.
    pub async fn edit(&self, id: &str, body: &str) -> Result<(), TimelineError> {
        let content = Self::markdown(body)?;
        let item = self.event(id).await?;
        self.timeline
            .edit(&item.identifier(), EditedContent::RoomMessage(content))
            .await?;
        Ok(())
    }

    /// Deletes a message for everyone (a redaction); it shows as "message deleted".
    pub async fn redact(&self, id: &str) -> Result<(), TimelineError> {
        let item = self.event(id).await?;
        self.timeline.redact(&item.identifier(), None).await?;
        Ok(())
    }

    /// Adds the user's `key` reaction, or removes it if present. `true` when added.
    pub async fn toggle_reaction(&self, id: &str, key: &str) -> Result<bool, TimelineError> {
        let item = self.event(id).await?;
        Ok(self
            .timeline
            .toggle_reaction(&item.identifier(), key)
            .await?)
    }

    /// Sends again a message that failed for good (Retry).
    pub async fn retry(&self, id: &str) -> Result<(), TimelineError> {
        let handle = self
            .event(id)
            .await?
            .local_echo_send_handle()
            .ok_or_else(|| TimelineError::SendQueue("not an unsent message".into()))?;
        handle
            .unwedge()
            .await
            .map_err(|e| TimelineError::SendQueue(e.to_string()))
    }

    /// Drops a message that was not sent (Delete on a failed message).
    pub async fn discard(&self, id: &str) -> Result<(), TimelineError> {
        let handle = self
            .event(id)
            .await?
            .local_echo_send_handle()
            .ok_or_else(|| TimelineError::SendQueue("not an unsent message".into()))?;
        let removed = handle
            .abort()
            .await
            .map_err(|e| TimelineError::SendQueue(e.to_string()))?;
        if removed {
            Ok(())
        } else {
            Err(TimelineError::SendQueue("already sent".into()))
        }
    }

    /// Every version of an edited message, oldest first: the original, then each edit
    /// the server relates to it (`/relations/{id}/m.replace`). Edits by anyone but the
    /// original sender are ignored, as the spec requires.
    pub async fn edit_history(&self, id: &str) -> Result<Vec<MessageVersion>, TimelineError> {
        let item = self.event(id).await?;
        let event_id = item.event_id().ok_or(TimelineError::NotSentYet)?.to_owned();
        let room = self.timeline.room();
        let original = room.load_or_fetch_event(&event_id, None).await?;
        let Some((sender, first)) = message_of(original.raw().deserialize().ok()) else {
            return Err(TimelineError::UnknownItem(id.to_owned()));
        };
        let mut versions = vec![version_of(&first.0, first.1)];
        let mut edits = Vec::new();
        let mut from = None;
        // Pages of edits until the server has no more (bounded: a message edited more
        // than 20 × 50 times is cut short rather than looping forever).
        for _ in 0..20 {
            let page = room
                .relations(
                    event_id.clone(),
                    RelationsOptions {
                        from: from.take(),
                        dir: Direction::Forward,
                        limit: Some(UInt::from(50u32)),
                        include_relations: IncludeRelations::RelationsOfType(
                            RelationType::Replacement,
                        ),
                        ..Default::default()
                    },
                )
                .await?;
            edits.extend(
                page.chunk
                    .iter()
                    .filter_map(|e| replacement_of(e.raw().deserialize().ok(), &event_id))
                    .filter(|(edit_sender, _, _)| *edit_sender == sender)
                    .map(|(_, content, ts)| version_of(&content, ts)),
            );
            match page.next_batch_token {
                Some(token) => from = Some(token),
                None => break,
            }
        }
        // The server answers in topological order; the send time breaks no ties the
        // user could see, but keeps the list stable if two pages overlap in time.
        edits.sort_by(|a, b| a.timestamp.total_cmp(&b.timestamp));
        versions.extend(edits);
        Ok(versions)
    }

    /// Tells the others the user is typing (or stopped). The SDK rate-limits repeats.
    pub async fn set_typing(&self, typing: bool) -> Result<(), TimelineError> {
        self.timeline.room().typing_notice(typing).await?;
        Ok(())
    }

    /// Who else is typing in this room, as it changes (Matrix IDs). The stream holds
    /// the SDK's event handler: dropping it unregisters the handler.
    pub fn typing_users(&self) -> impl Stream<Item = Vec<String>> + Send + 'static {
        let (guard, receiver) = self.timeline.room().subscribe_to_typing_notifications();
        futures_util::stream::unfold((guard, receiver), |(guard, mut receiver)| async move {
            loop {
                match receiver.recv().await {
                    Ok(users) => {
                        let users = users.into_iter().map(|u| u.to_string()).collect();
                        return Some((users, (guard, receiver)));
                    }
                    // Missed updates: the next one carries the whole current list.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cause the SDK gives has its own honest reason (none falls back to
    /// "unknown" except the unknown one).
    #[test]
    fn each_utd_cause_has_its_reason() {
        let all = [
            (UtdCause::Unknown, UtdReason::Unknown),
            (UtdCause::SentBeforeWeJoined, UtdReason::SentBeforeYouJoined),
            (
                UtdCause::VerificationViolation,
                UtdReason::VerificationViolation,
            ),
            (UtdCause::UnsignedDevice, UtdReason::UnverifiedDevice),
            (UtdCause::UnknownDevice, UtdReason::UnknownDevice),
            (
                UtdCause::HistoricalMessageAndBackupIsDisabled,
                UtdReason::HistoricalNoBackup,
            ),
            (
                UtdCause::HistoricalMessageAndDeviceIsUnverified,
                UtdReason::HistoricalUnverifiedDevice,
            ),
            (
                UtdCause::WithheldForUnverifiedOrInsecureDevice,
                UtdReason::WithheldForUnverifiedDevice,
            ),
            (UtdCause::WithheldBySender, UtdReason::WithheldBySender),
        ];
        for (cause, reason) in all {
            assert_eq!(utd_reason(cause), reason, "{cause:?}");
        }
        let json = serde_json::to_value(utd_reason(UtdCause::SentBeforeWeJoined)).ok();
        assert_eq!(json, Some(serde_json::json!("sentBeforeYouJoined")));
    }

    /// Message contents as any client (or a hostile one) may send them: the known
    /// message types and unknown ones, bodies that are not strings, HTML that is not
    /// HTML, media addresses that are not `mxc://`, sizes out of range.
    mod properties {
        use proptest::prelude::*;
        use serde_json::{json, Map, Value};

        use super::super::*;
        use crate::media::MediaKey;

        fn anything() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                (0u64..9_007_199_254_740_991).prop_map(Value::from),
                any::<f64>().prop_map(|f| json!(f)),
                "\\PC{0,30}".prop_map(Value::from),
                Just(json!({})),
                Just(json!([])),
            ]
        }

        fn text() -> impl Strategy<Value = Value> {
            prop_oneof![
                4 => "\\PC{0,40}".prop_map(Value::from),
                2 => prop_oneof![
                    Just("<script>alert(1)</script>x"),
                    Just("<img src=x onerror=alert(1)>"),
                    Just("<iframe src=\"javascript:alert(1)\"></iframe>"),
                    Just("<a href=\"javascript:alert(1)\">a</a>"),
                    Just("<svg onload=alert(1)>"),
                    Just("<mx-reply><blockquote>q</blockquote></mx-reply>r"),
                    Just("<b><i><u>unclosed"),
                ].prop_map(Value::from),
                1 => anything(),
            ]
        }

        fn mxc() -> impl Strategy<Value = Value> {
            prop_oneof![
                "mxc://[a-z.]{1,12}/[A-Za-z0-9_-]{1,16}".prop_map(Value::from),
                Just(Value::from("mxc://")),
                Just(Value::from(
                    "mxc://example.org/../../_matrix/client/v3/account"
                )),
                Just(Value::from("mxc://example.org/a?access_token=x")),
                Just(Value::from("https://evil.example/a.png")),
                Just(Value::from("mxc://exa mple.org/a")),
                anything(),
            ]
        }

        fn file() -> impl Strategy<Value = Value> {
            (mxc(), any::<bool>()).prop_map(|(url, good)| {
                if good {
                    json!({"url": url, "v": "v2", "iv": "X85+XgHN+HEAAAAAAAAAAA",
                        "hashes": {"sha256": "5qG4fFnbbVdlAB1Q72JDKwCagV6Dbkx9uds4rSak37c"},
                        "key": {"kty": "oct", "key_ops": ["encrypt", "decrypt"], "alg": "A256CTR",
                                "k": "qcHVMSgYg-71CauWBezXI5qkaRb0LuIy-Wx5kIaHMIA", "ext": true}})
                } else {
                    json!({"url": url, "key": "not a key"})
                }
            })
        }

        fn info() -> impl Strategy<Value = Value> {
            proptest::collection::vec(
                (
                    proptest::sample::select(
                        &[
                            "w",
                            "h",
                            "size",
                            "mimetype",
                            "thumbnail_url",
                            "thumbnail_file",
                            "thumbnail_info",
                            "duration",
                        ][..],
                    ),
                    prop_oneof![
                        anything(),
                        mxc(),
                        file(),
                        Just(Value::from("image/png")),
                        Just(Value::from("image/svg+xml")),
                        Just(Value::from("IMAGE/PNG")),
                    ],
                ),
                0..6,
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
        }

        fn content() -> impl Strategy<Value = Value> {
            (
                prop_oneof![
                    proptest::sample::select(
                        &[
                            "m.text",
                            "m.notice",
                            "m.emote",
                            "m.image",
                            "m.file",
                            "m.video",
                            "m.audio",
                            "m.location",
                            "m.server_notice",
                            "m.key.verification.request",
                        ][..]
                    )
                    .prop_map(Value::from),
                    "[a-z.]{0,12}".prop_map(Value::from),
                    anything(),
                ],
                proptest::collection::vec(
                    (
                        proptest::sample::select(
                            &[
                                "body",
                                "format",
                                "formatted_body",
                                "url",
                                "file",
                                "info",
                                "filename",
                                "m.relates_to",
                                "m.new_content",
                            ][..],
                        ),
                        prop_oneof![
                            text(),
                            mxc(),
                            file(),
                            info(),
                            Just(Value::from("org.matrix.custom.html")),
                        ],
                    ),
                    0..8,
                ),
            )
                .prop_map(|(msgtype, fields)| {
                    let mut map: Map<String, Value> =
                        fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                    map.insert("msgtype".into(), msgtype);
                    Value::Object(map)
                })
        }

        proptest! {
            /// Every content that deserialises becomes a view without panic: its HTML
            /// is sanitised (sanitising it again changes nothing), its media keys are
            /// keys the `media:` scheme reads back, its size a finite count.
            #[test]
            fn any_message_content_becomes_a_safe_view(content in content()) {
                let Ok(parsed) = serde_json::from_value::<RoomMessageEventContent>(content) else {
                    return Ok(());
                };
                let (kind, html) = kind_and_html(&parsed.msgtype);
                prop_assert!(["text", "notice", "emote", "other"].contains(&kind));
                if let Some(h) = &html {
                    prop_assert_eq!(html::sanitize(h), h.clone());
                    let lower = h.to_lowercase();
                    prop_assert!(!lower.contains("<script") && !lower.contains("onerror")
                        && !lower.contains("javascript:") && !lower.contains("<iframe"), "{}", h);
                }
                let sources = MediaSources::default();
                if let Some(view) = media::view_of_message(&parsed.msgtype, &sources) {
                    prop_assert!(MediaKey::parse(&view.key).is_ok(), "{}", view.key);
                    if let Some(p) = &view.preview_key {
                        prop_assert!(MediaKey::parse(p).is_ok(), "{}", p);
                    }
                    if let Some(size) = view.size {
                        prop_assert!(size.is_finite() && size >= 0.0);
                    }
                }
            }

            /// Whatever a media key the webview asks for, it is read or refused
            /// without panic, and a key that reads is one the shell can build again.
            #[test]
            fn any_media_key_is_read_or_refused(path in "(/?[pte]/)?\\PC{0,60}") {
                if let Ok(key) = MediaKey::parse(&path) {
                    let again = key.to_path();
                    prop_assert!(again.is_some());
                    prop_assert_eq!(MediaKey::parse(&again.unwrap_or_default()).ok(), Some(key));
                }
            }

            /// The bytes a server returns are only ever called an image when they start
            /// like one.
            #[test]
            fn sniffing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
                if let Some(t) = media::sniff_image(&bytes) {
                    prop_assert!(t.starts_with("image/") && t != "image/svg+xml");
                }
            }
        }
    }
}
