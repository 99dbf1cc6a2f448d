//! The account's sessions (devices): list them with their names and when they were last
//! seen, and sign out the others — a lost laptop, an old browser tab of Tchap web. The
//! server asks for the password again before removing sessions (user-interactive auth).

use matrix_sdk::{
    ruma::{
        api::client::uiaa::{self, MatrixUserIdentifier, UserIdentifier},
        OwnedDeviceId,
    },
    Client,
};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DevicesError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("wrong password")]
    WrongPassword,
    /// Signing out this session is logout's job (it also clears the local data).
    #[error("this is the current session")]
    CurrentDevice,
    #[error(transparent)]
    Http(#[from] matrix_sdk::HttpError),
}

#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DeviceView {
    pub device_id: String,
    pub display_name: Option<String>,
    pub last_seen_ip: Option<String>,
    /// Milliseconds since the epoch.
    pub last_seen: Option<f64>,
    pub is_current: bool,
    /// Whether this session was verified (by emoji comparison, or signed by the
    /// account's verified cross-signing identity). `None`: it published no encryption
    /// keys (a script, a client without encryption), so it cannot be verified.
    pub is_verified: Option<bool>,
}

/// Every session of the account, this one first, then the most recently seen.
pub async fn list(client: &Client) -> Result<Vec<DeviceView>, DevicesError> {
    let current = client
        .device_id()
        .ok_or(DevicesError::NotLoggedIn)?
        .to_owned();
    let user = client
        .user_id()
        .ok_or(DevicesError::NotLoggedIn)?
        .to_owned();
    // The server's list says which sessions exist; the crypto store which are verified.
    // Our own devices are always tracked, so the store knows every session with keys.
    let keys = client.encryption().get_user_devices(&user).await.ok();
    let mut out: Vec<DeviceView> = client
        .devices()
        .await?
        .devices
        .into_iter()
        .map(|d| DeviceView {
            is_current: d.device_id == current,
            is_verified: keys
                .as_ref()
                .and_then(|k| k.get(&d.device_id))
                .map(|k| k.is_verified()),
            device_id: d.device_id.to_string(),
            display_name: d.display_name,
            last_seen_ip: d.last_seen_ip,
            last_seen: d.last_seen_ts.map(|ts| u64::from(ts.0) as f64),
        })
        .collect();
    out.sort_by(|a, b| {
        b.is_current.cmp(&a.is_current).then(
            b.last_seen
                .unwrap_or(0.0)
                .total_cmp(&a.last_seen.unwrap_or(0.0)),
        )
    });
    Ok(out)
}

/// Removes `devices` from the account, answering the server's password challenge.
async fn delete(
    client: &Client,
    devices: &[OwnedDeviceId],
    password: &str,
) -> Result<(), DevicesError> {
    let user = client.user_id().ok_or(DevicesError::NotLoggedIn)?;
    let Err(first) = client.delete_devices(devices, None).await else {
        return Ok(());
    };
    let Some(info) = first.as_uiaa_response() else {
        return Err(first.into());
    };
    let mut auth = uiaa::Password::new(
        UserIdentifier::Matrix(MatrixUserIdentifier::new(user.to_string())),
        password.to_owned(),
    );
    auth.session = info.session.clone();
    match client
        .delete_devices(devices, Some(uiaa::AuthData::Password(auth)))
        .await
    {
        Ok(_) => Ok(()),
        // A second challenge means the password was refused.
        Err(e) if e.as_uiaa_response().is_some() => Err(DevicesError::WrongPassword),
        Err(e)
            if e.client_api_error_kind()
                == Some(&matrix_sdk::ruma::api::error::ErrorKind::Forbidden) =>
        {
            Err(DevicesError::WrongPassword)
        }
        Err(e) => Err(e.into()),
    }
}

/// Signs out one other session.
pub async fn sign_out(
    client: &Client,
    device_id: &str,
    password: &str,
) -> Result<(), DevicesError> {
    if client.device_id().map(|d| d.as_str()) == Some(device_id) {
        return Err(DevicesError::CurrentDevice);
    }
    delete(client, &[device_id.into()], password).await
}

/// Signs out every session but this one; returns how many were signed out.
pub async fn sign_out_others(client: &Client, password: &str) -> Result<u32, DevicesError> {
    let current = client
        .device_id()
        .ok_or(DevicesError::NotLoggedIn)?
        .to_owned();
    let others: Vec<OwnedDeviceId> = client
        .devices()
        .await?
        .devices
        .into_iter()
        .map(|d| d.device_id)
        .filter(|d| *d != current)
        .collect();
    if others.is_empty() {
        return Ok(0);
    }
    delete(client, &others, password).await?;
    Ok(u32::try_from(others.len()).unwrap_or(u32::MAX))
}
