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
    room::edit::EditedContent,
    ruma::{
        events::room::message::{
            MessageFormat, MessageType, RoomMessageEventContent,
            RoomMessageEventContentWithoutRelation,
        },
        OwnedRoomId,
    },
    Client,
};
use matrix_sdk_ui::timeline::{
    EventSendState, EventTimelineItem, MembershipChange, MsgLikeKind, RoomExt, Timeline,
    TimelineDetails, TimelineEventItemId, TimelineItem, TimelineItemContent, TimelineItemKind,
    VirtualTimelineItem,
};
use serde::Serialize;

use crate::{
    diff::ListDiff,
    html,
    media::{self, MediaSources, MediaView},
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
    #[error(transparent)]
    Timeline(#[from] matrix_sdk_ui::timeline::Error),
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
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

/// Where an own message is on its way to the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum SendState {
    Sending,
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
                let (msgtype, formatted) = match m.msgtype() {
                    MessageType::Text(t) => ("text", t.formatted.as_ref()),
                    MessageType::Notice(n) => ("notice", n.formatted.as_ref()),
                    MessageType::Emote(e) => ("emote", e.formatted.as_ref()),
                    _ => ("other", None),
                };
                let html = formatted
                    .filter(|f| f.format == MessageFormat::Html)
                    .map(|f| html::sanitize(&f.body));
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
                        Some(EventSendState::NotSentYet { .. }) => SendState::Sending,
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
            MsgLikeKind::UnableToDecrypt(_) => TimelineItemView::UnableToDecrypt {
                id,
                sender_name,
                timestamp,
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

/// An open room: its timeline, ready to observe, paginate and send into.
#[derive(Clone)]
pub struct RoomTimeline {
    room_id: OwnedRoomId,
    timeline: Arc<Timeline>,
    /// The user's own ID: marks their reactions and hides their own receipts.
    me: Arc<str>,
    /// Where the attachments shown are remembered for the `media:` scheme.
    media: MediaSources,
}

impl RoomTimeline {
    pub(crate) async fn open(
        client: &Client,
        room_id: &str,
        media: MediaSources,
    ) -> Result<Self, TimelineError> {
        let room_id = OwnedRoomId::try_from(room_id)
            .map_err(|_| TimelineError::UnknownRoom(room_id.to_owned()))?;
        let room = client
            .get_room(&room_id)
            .ok_or_else(|| TimelineError::UnknownRoom(room_id.to_string()))?;
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
        })
    }

    pub fn room_id(&self) -> &str {
        self.room_id.as_str()
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
        self.timeline.send(content.into()).await?;
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

    /// Marks everything up to the latest event as read (public receipt, as Element).
    pub async fn mark_as_read(&self) -> Result<(), TimelineError> {
        use matrix_sdk::ruma::api::client::receipt::create_receipt::v3::ReceiptType;
        self.timeline.mark_as_read(ReceiptType::Read).await?;
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
