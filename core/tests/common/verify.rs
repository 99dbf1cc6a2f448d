//! Verification helpers: a flow's states gathered from its running task, and waiting
//! until a session knows another's keys.

use std::time::Duration;

use chappe_core::{
    verification::{Flow, FlowState, VerificationInfo},
    Session,
};
use matrix_sdk::ruma::UserId;
use tokio::sync::{broadcast, mpsc};

use super::{wait_for, SYNC_TIMEOUT};

/// The states one flow reported, in order.
pub struct Watched {
    rx: mpsc::UnboundedReceiver<FlowState>,
    pub seen: Vec<FlowState>,
}

/// Runs `flow` (the long-lived task the shell runs too) and gathers its states.
pub fn watch(flow: Flow) -> Watched {
    // Unbounded: a test reads every state, and a flow has a handful.
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(flow.run(move |s| tx.send(s).is_ok()));
    Watched {
        rx,
        seen: Vec::new(),
    }
}

impl Watched {
    /// Waits for the first state (from now on or already seen) that `pick` accepts.
    pub async fn until<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&FlowState) -> Option<T>,
    ) -> T {
        if let Some(v) = self.seen.iter().find_map(&mut pick) {
            return v;
        }
        let deadline = tokio::time::Instant::now() + SYNC_TIMEOUT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.rx.recv()).await;
            match next {
                Ok(Some(state)) => {
                    let v = pick(&state);
                    self.seen.push(state);
                    if let Some(v) = v {
                        return v;
                    }
                }
                Ok(None) => panic!("the flow ended without {what}; states: {:?}", self.seen),
                Err(_) => panic!("timed out waiting for {what}; states: {:?}", self.seen),
            }
        }
    }

    /// The emojis shown to compare, as (index, symbol).
    pub async fn emojis(&mut self) -> Vec<(u8, String)> {
        self.until("the emojis", |s| match s {
            FlowState::Compare { emojis, .. } => {
                Some(emojis.iter().map(|e| (e.index, e.symbol.clone())).collect())
            }
            _ => None,
        })
        .await
    }

    /// The final state.
    pub async fn end(&mut self) -> FlowState {
        self.until("the end", |s| s.is_final().then(|| s.clone()))
            .await
    }
}

/// The next verification another session asks `session` for.
pub async fn incoming(rx: &mut broadcast::Receiver<VerificationInfo>) -> VerificationInfo {
    match tokio::time::timeout(SYNC_TIMEOUT, rx.recv()).await {
        Ok(Ok(info)) => info,
        other => panic!("no incoming verification: {other:?}"),
    }
}

/// Waits until `session` has the keys of `device_id` of `user_id`.
pub async fn knows_device(session: &Session, user_id: &str, device_id: &str) {
    let client = session.client().clone();
    let user = UserId::parse(user_id).unwrap();
    wait_for("the other session's keys", SYNC_TIMEOUT, || {
        let (client, user) = (client.clone(), user.clone());
        async move {
            let enc = client.encryption();
            if let Ok(Some(d)) = enc.get_device(&user, device_id.into()).await {
                return Some(d);
            }
            // A person we share no room with is not tracked: ask.
            let _ = enc.request_user_identity(&user).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
            None
        }
    })
    .await;
}

/// Whether `session` holds `device_id` of `user_id` for verified.
pub async fn is_verified(session: &Session, user_id: &str, device_id: &str) -> bool {
    let user = UserId::parse(user_id).unwrap();
    session
        .client()
        .encryption()
        .get_device(&user, device_id.into())
        .await
        .unwrap()
        .is_some_and(|d| d.is_verified())
}

pub fn device_id(session: &Session) -> String {
    session.client().device_id().unwrap().to_string()
}
