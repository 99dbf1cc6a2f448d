//! Interactive verification of sessions (devices) by comparing emojis (SAS, `m.sas.v1`),
//! with another session of the same account or with another person.
//!
//! A flow is identified by the other user and the flow ID the SDK gives it (the
//! transaction ID of a to-device flow, the event ID of a request sent in a room). The
//! SDK keeps the flow's state machine; [`Flow::run`] is the one long-lived task per flow
//! that follows it, takes the steps nobody has to decide (start the emoji exchange once
//! both sides agreed, accept the emoji exchange the other side started after the user
//! accepted the request) and reports each [`FlowState`] to its observer (the shell
//! forwards them to the UI over a channel; tests read them):
//!
//! ```text
//! Waiting (we asked) ─┐
//! Incoming (they asked; the user accepts or declines) ─┴→ Starting → Compare (emojis)
//!   → Confirmed (we said they match, the other side has not yet) → Done
//! any state → Cancelled (Cancel, "They don't match" = m.mismatched_sas, timeout,
//!   the other side cancelled, or answered on another of our sessions)
//! ```
//!
//! User actions ([`Flow::accept`], [`Flow::confirm`], [`Flow::mismatch`],
//! [`Flow::cancel`]) find the flow again from its identifiers
//! ([`Verifications::flow`]).
//!
//! Incoming flows are announced by [`Verifications`], started with the session: event
//! handlers for to-device requests, requests sent in a room (verifying another person),
//! and bare `m.key.verification.start` messages (clients that skip the request, such
//! as matrix-nio).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use futures_util::StreamExt;
use matrix_sdk::{
    encryption::{
        identities::RequestVerificationError,
        verification::{
            CancelInfo, SasState, SasVerification, Verification, VerificationRequest,
            VerificationRequestState,
        },
    },
    event_handler::EventHandlerHandle,
    ruma::{
        events::{
            key::verification::{
                request::ToDeviceKeyVerificationRequestEvent,
                start::ToDeviceKeyVerificationStartEvent, VerificationMethod,
            },
            room::message::{MessageType, OriginalSyncRoomMessageEvent},
        },
        OwnedUserId, UserId,
    },
    Client,
};
use serde::Serialize;
use tokio::sync::broadcast;
use tracing::{info, warn};

use crate::room_subscriptions::RoomSubscriptions;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerificationError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("invalid user ID: {0}")]
    InvalidUserId(String),
    /// The session is not one the account's keys are known for (signed out, or a
    /// session without encryption keys).
    #[error("unknown session {0}")]
    UnknownDevice(String),
    /// The person never set up cross-signing: only their sessions, one by one, can be
    /// verified.
    #[error("{0} has no cross-signing identity")]
    NoIdentity(String),
    /// The flow ended (done, cancelled, timed out) or never existed.
    #[error("no such verification")]
    UnknownFlow,
    /// The action does not fit the flow's state (confirming before the emojis showed).
    #[error("the verification is not at this step")]
    WrongStep,
    /// Verifying this very session with itself.
    #[error("this is the current session")]
    CurrentDevice,
    #[error(transparent)]
    Sdk(#[from] matrix_sdk::Error),
    #[error(transparent)]
    Request(#[from] RequestVerificationError),
    #[error(transparent)]
    Store(#[from] matrix_sdk::encryption::CryptoStoreError),
}

/// Who and what a flow verifies, for the dialog's title.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VerificationInfo {
    pub flow_id: String,
    pub other_user_id: String,
    /// Known once the other session is known (always for an incoming flow).
    pub other_device_id: Option<String>,
    pub other_device_name: Option<String>,
    /// One of the user's own sessions (as opposed to another person).
    pub is_self_verification: bool,
    pub we_started: bool,
    /// The room of a request sent in a room (verifying another person).
    pub room_id: Option<String>,
}

/// One emoji of the short authentication string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SasEmoji {
    /// Its number in the spec's table (0-63), for translated names.
    pub index: u8,
    pub symbol: String,
    /// The spec's English name (the UI translates by `index`).
    pub description: String,
}

/// Why a flow was cancelled, as the user is told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum CancelReason {
    /// Someone pressed Cancel (or declined the request).
    User,
    /// Someone said the emojis do not match (`m.mismatched_sas`).
    Mismatch,
    /// Nobody answered in time (`m.timeout`; the SDK waits 10 minutes).
    Timeout,
    /// Another of our sessions answered the request (`m.accepted`).
    AnsweredElsewhere,
    /// The keys did not match what the server published (`m.key_mismatch`,
    /// `m.mismatched_commitment`): possibly an attack, or a faulty client.
    KeyMismatch,
    /// Anything else (unknown method, unexpected message…).
    Other,
}

#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum FlowState {
    /// We asked; the other side has not answered yet.
    Waiting,
    /// The other side asked; the user accepts or declines.
    Incoming,
    /// Both agreed; keys are being exchanged.
    Starting,
    /// The user compares these with the other screen.
    #[serde(rename_all = "camelCase")]
    Compare {
        emojis: Vec<SasEmoji>,
        decimals: Vec<u16>,
    },
    /// The user said they match; waiting for the other side to say so.
    Confirmed,
    /// The other session is verified.
    Done,
    #[serde(rename_all = "camelCase")]
    Cancelled {
        reason: CancelReason,
        /// The protocol's code (`m.user`, `m.mismatched_sas`…), for support.
        code: String,
        by_us: bool,
    },
}

impl FlowState {
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Done | Self::Cancelled { .. })
    }
}

fn cancelled(info: &CancelInfo) -> FlowState {
    let code = info.cancel_code().as_str().to_owned();
    let reason = match code.as_str() {
        "m.user" => CancelReason::User,
        "m.mismatched_sas" => CancelReason::Mismatch,
        "m.timeout" => CancelReason::Timeout,
        "m.accepted" => CancelReason::AnsweredElsewhere,
        "m.key_mismatch" | "m.mismatched_commitment" => CancelReason::KeyMismatch,
        _ => CancelReason::Other,
    };
    FlowState::Cancelled {
        reason,
        code,
        by_us: info.cancelled_by_us(),
    }
}

fn compare(sas: &SasVerification) -> Option<FlowState> {
    let emojis = sas.emoji()?;
    let indices = match sas.state() {
        SasState::KeysExchanged {
            emojis: Some(short),
            ..
        } => short.indices,
        _ => return None,
    };
    let decimals = sas
        .decimals()
        .map(|(a, b, c)| vec![a, b, c])
        .unwrap_or_default();
    Some(FlowState::Compare {
        emojis: emojis
            .iter()
            .zip(indices)
            .map(|(e, index)| SasEmoji {
                index,
                symbol: e.symbol.to_owned(),
                description: e.description.to_owned(),
            })
            .collect(),
        decimals,
    })
}

/// A verification in progress.
#[derive(Clone, Debug)]
pub struct Flow {
    client: Client,
    kind: FlowKind,
    /// To follow a flow in a room closely (see [`Flow::run`]).
    subscriptions: Option<Arc<RoomSubscriptions>>,
}

#[derive(Clone, Debug)]
enum FlowKind {
    /// Started with a request (the spec's way): the request, then an emoji exchange.
    Request(VerificationRequest),
    /// An emoji exchange started without a request (older clients, matrix-nio). The
    /// SDK does not tell the ID of one we started, so ours gets a local one.
    Sas {
        sas: SasVerification,
        flow_id: String,
    },
}

fn user_id(user: &str) -> Result<OwnedUserId, VerificationError> {
    UserId::parse(user).map_err(|_| VerificationError::InvalidUserId(user.to_owned()))
}

/// Only emoji comparison is offered: QR codes need a camera, which a desktop rarely has.
fn methods() -> Vec<VerificationMethod> {
    vec![VerificationMethod::SasV1]
}

/// The session `device_id` of `user`, asking the server for the keys of a person we
/// share no encrypted room with.
async fn device(
    client: &Client,
    user: &UserId,
    device_id: &str,
) -> Result<matrix_sdk::encryption::identities::Device, VerificationError> {
    if client.user_id() == Some(user) && client.device_id().map(|d| d.as_str()) == Some(device_id) {
        return Err(VerificationError::CurrentDevice);
    }
    let encryption = client.encryption();
    if let Some(device) = encryption.get_device(user, device_id.into()).await? {
        return Ok(device);
    }
    encryption.request_user_identity(user).await?;
    encryption
        .get_device(user, device_id.into())
        .await?
        .ok_or_else(|| VerificationError::UnknownDevice(device_id.to_owned()))
}

impl Flow {
    fn new(client: &Client, kind: FlowKind, subscriptions: Option<Arc<RoomSubscriptions>>) -> Self {
        Self {
            client: client.clone(),
            kind,
            subscriptions,
        }
    }

    pub fn flow_id(&self) -> String {
        match &self.kind {
            FlowKind::Request(r) => r.flow_id().to_owned(),
            FlowKind::Sas { flow_id, .. } => flow_id.clone(),
        }
    }

    pub fn other_user_id(&self) -> String {
        match &self.kind {
            FlowKind::Request(r) => r.other_user_id().to_string(),
            FlowKind::Sas { sas, .. } => sas.other_user_id().to_string(),
        }
    }

    pub fn info(&self) -> VerificationInfo {
        let (device_id, device_name) = match &self.kind {
            FlowKind::Request(r) => match r.state() {
                VerificationRequestState::Requested {
                    other_device_data, ..
                }
                | VerificationRequestState::Ready {
                    other_device_data, ..
                } => (
                    Some(other_device_data.device_id().to_string()),
                    other_device_data.display_name().map(str::to_owned),
                ),
                VerificationRequestState::Transitioned {
                    verification: Verification::SasV1(sas),
                } => (
                    Some(sas.other_device().device_id().to_string()),
                    sas.other_device().display_name().map(str::to_owned),
                ),
                _ => (None, None),
            },
            FlowKind::Sas { sas, .. } => (
                Some(sas.other_device().device_id().to_string()),
                sas.other_device().display_name().map(str::to_owned),
            ),
        };
        let (is_self, we_started, room) = match &self.kind {
            FlowKind::Request(r) => (r.is_self_verification(), r.we_started(), r.room_id()),
            FlowKind::Sas { sas, .. } => {
                (sas.is_self_verification(), sas.we_started(), sas.room_id())
            }
        };
        VerificationInfo {
            flow_id: self.flow_id(),
            other_user_id: self.other_user_id(),
            other_device_id: device_id,
            other_device_name: device_name,
            is_self_verification: is_self,
            we_started,
            room_id: room.map(|r| r.to_string()),
        }
    }

    /// The emoji exchange, once there is one.
    fn sas(&self) -> Option<SasVerification> {
        match &self.kind {
            FlowKind::Request(request) => match request.state() {
                VerificationRequestState::Transitioned {
                    verification: Verification::SasV1(sas),
                } => Some(sas),
                _ => None,
            },
            FlowKind::Sas { sas, .. } => Some(sas.clone()),
        }
    }

    /// The user accepts a verification the other side asked for.
    pub async fn accept(&self) -> Result<(), VerificationError> {
        if let FlowKind::Request(request) = &self.kind {
            if let VerificationRequestState::Requested { .. } = request.state() {
                request.accept_with_methods(methods()).await?;
                return Ok(());
            }
        }
        // The other side already started the emoji exchange: accept that.
        let sas = self.sas().ok_or(VerificationError::WrongStep)?;
        sas.accept().await?;
        Ok(())
    }

    /// The user says the emojis match.
    pub async fn confirm(&self) -> Result<(), VerificationError> {
        let sas = self.sas().ok_or(VerificationError::WrongStep)?;
        if !sas.can_be_presented() {
            return Err(VerificationError::WrongStep);
        }
        sas.confirm().await?;
        Ok(())
    }

    /// The user says the emojis do not match: cancels with `m.mismatched_sas`, so the
    /// other side knows it was not a mere Cancel.
    pub async fn mismatch(&self) -> Result<(), VerificationError> {
        let sas = self.sas().ok_or(VerificationError::WrongStep)?;
        sas.mismatch().await?;
        Ok(())
    }

    /// Cancel (or decline) at any step.
    pub async fn cancel(&self) -> Result<(), VerificationError> {
        match (&self.kind, self.sas()) {
            (_, Some(sas)) => sas.cancel().await?,
            (FlowKind::Request(request), None) => request.cancel().await?,
            (FlowKind::Sas { .. }, None) => {}
        }
        Ok(())
    }

    /// Follows the flow until it is done or cancelled, reporting each state to `emit`
    /// (which returns `false` once nobody listens: the flow then goes on without an
    /// observer, as the SDK keeps it, and can be watched again).
    pub async fn run(self, mut emit: impl FnMut(FlowState) -> bool + Send) {
        // Rooms outside the screen get one event per sync (`ROOM_LIST_TIMELINE_LIMIT`):
        // the other side's MAC and "done" often arrive together, and the MAC would be
        // lost. A room subscription gets the SDK's default of 20 events per sync.
        let room = match &self.kind {
            FlowKind::Request(r) => r.room_id().map(ToOwned::to_owned),
            FlowKind::Sas { sas, .. } => sas.room_id().map(ToOwned::to_owned),
        };
        // Held for as long as the flow runs.
        let _subscription = match (room, &self.subscriptions) {
            (Some(room), Some(subs)) => Some(subs.hold(&room)),
            _ => None,
        };
        match self.kind {
            FlowKind::Request(request) => run_request(&self.client, request, &mut emit).await,
            FlowKind::Sas { sas, .. } => run_sas(&self.client, sas, false, &mut emit).await,
        }
    }
}

async fn run_request(
    client: &Client,
    request: VerificationRequest,
    emit: &mut (impl FnMut(FlowState) -> bool + Send),
) {
    // Subscribe before reading the state: a change in between is then not lost.
    let mut changes = request.changes();
    let mut state = request.state();
    let mut sas_asked = false;
    loop {
        let shown = match state {
            VerificationRequestState::Created { .. } => FlowState::Waiting,
            VerificationRequestState::Requested { .. } => FlowState::Incoming,
            VerificationRequestState::Ready { .. } => {
                // The side that asked starts the emoji exchange: both starting at once
                // is resolved by the SDK, but there is no reason to race.
                if request.we_started() && !sas_asked {
                    sas_asked = true;
                    match request.start_sas().await {
                        Ok(Some(sas)) => return run_sas(client, sas, true, emit).await,
                        Ok(None) => warn!("the other side does not offer emoji verification"),
                        Err(err) => warn!(%err, "could not start the emoji verification"),
                    }
                }
                FlowState::Starting
            }
            VerificationRequestState::Transitioned { verification } => match verification {
                Verification::SasV1(sas) => return run_sas(client, sas, true, emit).await,
                // Only SAS was offered, so the other side cannot pick anything else.
                _ => {
                    let _ = request.cancel().await;
                    FlowState::Starting
                }
            },
            VerificationRequestState::Done => {
                emit(FlowState::Done);
                return;
            }
            VerificationRequestState::Cancelled(info) => {
                emit(cancelled(&info));
                return;
            }
        };
        if !emit(shown) {
            return;
        }
        let in_room = request.room_id().is_some();
        let Some(next) = next_change(client, in_room, &mut changes).await else {
            return;
        };
        state = next;
    }
}

/// `from_request`: the user already accepted (the request), so an exchange the other
/// side starts is accepted without asking again.
async fn run_sas(
    client: &Client,
    sas: SasVerification,
    from_request: bool,
    emit: &mut (impl FnMut(FlowState) -> bool + Send),
) {
    let mut changes = sas.changes();
    let mut state = sas.state();
    let mut last: Option<FlowState> = None;
    loop {
        let shown = match state {
            SasState::Created { .. } | SasState::Accepted { .. } => FlowState::Starting,
            SasState::Started { .. } => {
                if from_request || sas.started_from_request() {
                    if let Err(err) = sas.accept().await {
                        warn!(%err, "could not accept the emoji verification");
                    }
                    FlowState::Starting
                } else {
                    FlowState::Incoming
                }
            }
            SasState::KeysExchanged { .. } => compare(&sas).unwrap_or(FlowState::Starting),
            SasState::Confirmed => FlowState::Confirmed,
            SasState::Done { .. } => {
                saved_as_verified(client, &sas).await;
                info!(device = %sas.other_device().device_id(), "session verified");
                emit(FlowState::Done);
                return;
            }
            SasState::Cancelled(info) => {
                emit(cancelled(&info));
                return;
            }
        };
        // The SDK may repeat a state; the UI needs each one once.
        if last.as_ref() != Some(&shown) {
            if !emit(shown.clone()) {
                return;
            }
            last = Some(shown);
        }
        let in_room = sas.room_id().is_some();
        let Some(next) = next_change(client, in_room, &mut changes).await else {
            return;
        };
        state = next;
    }
}

/// How long a step of a flow in a room may wait before the encryption sync is nudged.
const NUDGE_AFTER: std::time::Duration = std::time::Duration::from_secs(3);

/// The flow's next state. In a room, the SDK answers some of the other side's events
/// (our key after their accept, our key after theirs, "done" after the MACs) by queueing
/// a message that only the encryption sync sends, at its next round, which may be its
/// whole long poll later (30 s per step measured with Synapse). A to-device message to
/// this very session ends that long poll: sent once right after each change and again
/// whenever a step waits.
async fn next_change<T>(
    client: &Client,
    in_room: bool,
    changes: &mut (impl futures_util::Stream<Item = T> + Unpin),
) -> Option<T> {
    if !in_room {
        return changes.next().await;
    }
    nudge_encryption_sync(client).await;
    loop {
        match tokio::time::timeout(NUDGE_AFTER, changes.next()).await {
            Ok(next) => return next,
            Err(_) => nudge_encryption_sync(client).await,
        }
    }
}

/// Sends an empty to-device message of Chappe's own type to this session.
async fn nudge_encryption_sync(client: &Client) {
    use matrix_sdk::ruma::{
        api::client::to_device::send_event_to_device::v3::Request, events::ToDeviceEventType,
        serde::Raw, to_device::DeviceIdOrAllDevices, TransactionId,
    };
    let (Some(user), Some(device)) = (client.user_id(), client.device_id()) else {
        return;
    };
    let Ok(empty) = Raw::from_json_string("{}".to_owned()) else {
        return;
    };
    let mut messages = std::collections::BTreeMap::new();
    messages.insert(
        user.to_owned(),
        std::collections::BTreeMap::from([(
            DeviceIdOrAllDevices::DeviceId(device.to_owned()),
            empty,
        )]),
    );
    let request = Request::new_raw(
        ToDeviceEventType::from("fr.chappe.verification.nudge"),
        TransactionId::new(),
        messages,
    );
    if let Err(err) = client.send(request).await {
        warn!(%err, "could not nudge the encryption sync");
    }
}

/// The SDK reports an exchange done just before it saves the other session as
/// verified: wait for the save (briefly), so that "done" means the sessions list and
/// the room warnings already say verified.
async fn saved_as_verified(client: &Client, sas: &SasVerification) {
    let other = sas.other_device();
    let (user, device) = (other.user_id().to_owned(), other.device_id().to_owned());
    for _ in 0..50 {
        if let Ok(Some(d)) = client.encryption().get_device(&user, &device).await {
            if d.is_verified() {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    warn!(%device, "verification done but the session is not saved as verified");
}

/// The verifications of a session: those it starts, and those other sessions start
/// with it, which are announced to subscribers. Created with the session, before its
/// first sync; the event handlers are removed when it is dropped.
///
/// Cheap to clone (the shell uses it without holding the session's lock); the handlers
/// go when the last clone does.
#[derive(Clone)]
pub struct Verifications {
    client: Client,
    subscriptions: Option<Arc<RoomSubscriptions>>,
    incoming: broadcast::Sender<VerificationInfo>,
    /// Flows by (other user, flow ID): the SDK finds request flows again by themselves,
    /// but not an emoji exchange we started without a request (its ID is not exposed).
    flows: Flows,
    _handlers: Arc<Handlers>,
}

struct Handlers {
    client: Client,
    handles: Vec<EventHandlerHandle>,
}

impl Drop for Handlers {
    fn drop(&mut self) {
        for handle in self.handles.drain(..) {
            self.client.remove_event_handler(handle);
        }
    }
}

/// Incoming requests are rare and small; a subscriber that falls this far behind
/// skips the oldest (they stay pending: see [`Verifications::flow`]).
const INCOMING_CAPACITY: usize = 32;

type Flows = Arc<Mutex<HashMap<(String, String), Flow>>>;

fn remember(flows: &Flows, flow: &Flow) {
    if let Ok(mut map) = flows.lock() {
        // Finished flows are of no more use: forget them as new ones come.
        map.retain(|_, f| match &f.kind {
            FlowKind::Request(r) => !r.is_done() && !r.is_cancelled(),
            FlowKind::Sas { sas, .. } => !sas.is_done() && !sas.is_cancelled(),
        });
        map.insert((flow.other_user_id(), flow.flow_id()), flow.clone());
    }
}

fn announce(flows: &Flows, tx: &broadcast::Sender<VerificationInfo>, flow: Flow) {
    remember(flows, &flow);
    // Nobody listening: the UI does not show it, as if unseen; the other side times out.
    let _ = tx.send(flow.info());
}

fn announce_request(flow: Flow, flows: &Flows, tx: &broadcast::Sender<VerificationInfo>) {
    let FlowKind::Request(request) = &flow.kind else {
        return;
    };
    // Our own request (echoed in a room), or one already answered or cancelled.
    if request.we_started()
        || !matches!(request.state(), VerificationRequestState::Requested { .. })
    {
        return;
    }
    announce(flows, tx, flow);
}

impl Verifications {
    /// `subscriptions`: the session's room subscriptions, to follow flows in rooms
    /// closely (see [`Flow::run`]).
    pub fn start(client: &Client, subscriptions: Option<Arc<RoomSubscriptions>>) -> Self {
        let (incoming, _) = broadcast::channel(INCOMING_CAPACITY);
        let flows: Flows = Arc::default();
        let mut handlers = Vec::new();

        let (tx, map, list) = (incoming.clone(), flows.clone(), subscriptions.clone());
        handlers.push(client.add_event_handler(
            move |ev: ToDeviceKeyVerificationRequestEvent, client: Client| {
                let (tx, map, list) = (tx.clone(), map.clone(), list.clone());
                async move {
                    let request = client
                        .encryption()
                        .get_verification_request(&ev.sender, &ev.content.transaction_id)
                        .await;
                    if let Some(r) = request {
                        announce_request(Flow::new(&client, FlowKind::Request(r), list), &map, &tx);
                    }
                }
            },
        ));

        let (tx, map, list) = (incoming.clone(), flows.clone(), subscriptions.clone());
        handlers.push(client.add_event_handler(
            move |ev: OriginalSyncRoomMessageEvent, client: Client| {
                let (tx, map, list) = (tx.clone(), map.clone(), list.clone());
                async move {
                    let MessageType::VerificationRequest(_) = ev.content.msgtype else {
                        return;
                    };
                    let request = client
                        .encryption()
                        .get_verification_request(&ev.sender, &ev.event_id)
                        .await;
                    if let Some(r) = request {
                        announce_request(Flow::new(&client, FlowKind::Request(r), list), &map, &tx);
                    }
                }
            },
        ));

        let (tx, map, list) = (incoming.clone(), flows.clone(), subscriptions.clone());
        handlers.push(client.add_event_handler(
            move |ev: ToDeviceKeyVerificationStartEvent, client: Client| {
                let (tx, map, list) = (tx.clone(), map.clone(), list.clone());
                async move {
                    let flow_id = ev.content.transaction_id.to_string();
                    let encryption = client.encryption();
                    // A start that follows a request belongs to that request's flow.
                    if encryption
                        .get_verification_request(&ev.sender, &flow_id)
                        .await
                        .is_some()
                    {
                        return;
                    }
                    if let Some(Verification::SasV1(sas)) =
                        encryption.get_verification(&ev.sender, &flow_id).await
                    {
                        if !sas.we_started() && !sas.is_cancelled() && !sas.is_done() {
                            announce(
                                &map,
                                &tx,
                                Flow::new(&client, FlowKind::Sas { sas, flow_id }, list),
                            );
                        }
                    }
                }
            },
        ));

        Self {
            client: client.clone(),
            subscriptions,
            incoming,
            flows,
            _handlers: Arc::new(Handlers {
                client: client.clone(),
                handles: handlers,
            }),
        }
    }

    /// Each verification another session asks for from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<VerificationInfo> {
        self.incoming.subscribe()
    }

    /// The flow `flow_id` with `other_user`, if it is still known.
    pub async fn flow(&self, other_user: &str, flow_id: &str) -> Result<Flow, VerificationError> {
        let known = self.flows.lock().ok().and_then(|map| {
            map.get(&(other_user.to_owned(), flow_id.to_owned()))
                .cloned()
        });
        if let Some(flow) = known {
            return Ok(flow);
        }
        let user = user_id(other_user)?;
        let encryption = self.client.encryption();
        if let Some(request) = encryption.get_verification_request(&user, flow_id).await {
            return Ok(Flow::new(
                &self.client,
                FlowKind::Request(request),
                self.subscriptions.clone(),
            ));
        }
        match encryption.get_verification(&user, flow_id).await {
            Some(Verification::SasV1(sas)) => Ok(Flow::new(
                &self.client,
                FlowKind::Sas {
                    sas,
                    flow_id: flow_id.to_owned(),
                },
                self.subscriptions.clone(),
            )),
            _ => Err(VerificationError::UnknownFlow),
        }
    }

    /// Asks one session to verify: one of the user's own, or one of another person's.
    pub async fn request_device(
        &self,
        user: &str,
        device_id: &str,
    ) -> Result<Flow, VerificationError> {
        let user = user_id(user)?;
        let device = device(&self.client, &user, device_id).await?;
        let request = device.request_verification_with_methods(methods()).await?;
        let flow = Flow::new(
            &self.client,
            FlowKind::Request(request),
            self.subscriptions.clone(),
        );
        remember(&self.flows, &flow);
        Ok(flow)
    }

    /// Asks another person to verify each other, in the direct chat with them (created
    /// if there is none), as the spec does for people. Needs their cross-signing
    /// identity; without one, verify their sessions one by one.
    pub async fn request_user(&self, user: &str) -> Result<Flow, VerificationError> {
        let user = user_id(user)?;
        let encryption = self.client.encryption();
        let identity = match encryption.get_user_identity(&user).await? {
            Some(identity) => Some(identity),
            None => encryption.request_user_identity(&user).await?,
        };
        let identity = identity.ok_or_else(|| VerificationError::NoIdentity(user.to_string()))?;
        let request = identity
            .request_verification_with_methods(methods())
            .await?;
        let flow = Flow::new(
            &self.client,
            FlowKind::Request(request),
            self.subscriptions.clone(),
        );
        remember(&self.flows, &flow);
        Ok(flow)
    }

    /// Starts the emoji exchange with one session directly, without a request: the old
    /// way, deprecated by the spec, that clients such as matrix-nio still need (they do
    /// not understand `m.key.verification.request`).
    pub async fn start_sas_with_device(
        &self,
        user: &str,
        device_id: &str,
    ) -> Result<Flow, VerificationError> {
        let user = user_id(user)?;
        let device = device(&self.client, &user, device_id).await?;
        #[allow(deprecated)]
        let sas = device.start_verification().await?;
        let flow = Flow::new(
            &self.client,
            FlowKind::Sas {
                sas,
                flow_id: local_flow_id(),
            },
            self.subscriptions.clone(),
        );
        remember(&self.flows, &flow);
        Ok(flow)
    }
}

fn local_flow_id() -> String {
    use rand::RngCore;
    let mut id = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut id);
    format!("chappe-{}", hex::encode(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_serialise_for_the_ui() {
        let json = serde_json::to_value(FlowState::Cancelled {
            reason: CancelReason::Mismatch,
            code: "m.mismatched_sas".into(),
            by_us: true,
        })
        .ok();
        assert_eq!(
            json,
            Some(
                serde_json::json!({"state": "cancelled", "reason": "mismatch",
                "code": "m.mismatched_sas", "byUs": true})
            )
        );
        assert!(FlowState::Done.is_final());
        assert!(!FlowState::Confirmed.is_final());
    }
}
