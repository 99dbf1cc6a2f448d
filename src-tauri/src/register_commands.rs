//! IPC commands for creating an account with a verified work email: ask for the mail,
//! send it again, create the account once the link was followed. The pending state
//! travels through the UI between the calls (it holds no password).

use chappe_core::register::{self, PendingRegistration, RegisterRequest};
use tauri::State;
use zeroize::Zeroizing;

use crate::{
    commands::{install, Me},
    error::UiError,
    state::SharedState,
};

/// Checks the password against the server's rules and mails the validation link.
#[tauri::command]
#[specta::specta]
pub async fn register_request(
    state: State<'_, SharedState>,
    mut form: RegisterRequest,
) -> Result<PendingRegistration, UiError> {
    let config = &state.config;
    // The admin's locked server wins over what was typed, as at login.
    if config.disable_custom_urls {
        if let Some(hs) = crate::commands::env_homeserver().or_else(|| config.homeserver.clone()) {
            form.homeserver = hs;
        }
    }
    let servers = config.discovery_servers();
    let result = register::request(&form, &servers).await;
    // The UI sends it again with `register_finish`; this copy is no longer needed.
    zeroize::Zeroize::zeroize(&mut form.password);
    Ok(result?)
}

#[tauri::command]
#[specta::specta]
pub async fn register_resend(pending: PendingRegistration) -> Result<PendingRegistration, UiError> {
    Ok(register::resend(pending).await?)
}

/// Creates the account (the link must have been followed), logs in, keeps the session.
#[tauri::command]
#[specta::specta]
pub async fn register_finish(
    state: State<'_, SharedState>,
    pending: PendingRegistration,
    password: String,
) -> Result<Me, UiError> {
    let password = Zeroizing::new(password);
    let session = register::finish(&state.data_dir, &pending, &password).await?;
    install(&state, session).await
}
