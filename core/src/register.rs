//! Creating an account the way Tchap does: the work email first. The server mails a
//! link; once the user has clicked it, the account is created (its Matrix ID derived
//! from the email, as Tchap derives `jean.dupont-interieur.gouv.fr`), logged in and
//! kept like any session. The password is checked against the server's policy before
//! anything is sent, so the form can say which rule failed.
//!
//! Two calls, with the state in between held by the caller (the UI shows "check your
//! mail" meanwhile): [`request`] (and [`resend`]) then [`finish`].

use std::path::Path;

use matrix_sdk::{
    ruma::{
        api::{
            client::{
                account::{
                    get_username_availability, register, request_registration_token_via_email,
                },
                uiaa::{self, ThirdpartyIdCredentials},
            },
            error::ErrorKind,
        },
        ClientSecret, OwnedClientSecret, OwnedSessionId, UInt,
    },
    Client,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{
    discovery,
    login::{new_store_dir, LoginError},
    password_policy::{self, PolicyRule},
    session::{build_client, new_store_passphrase, Homeserver},
    Session,
};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    #[error("the email address and password are required")]
    MissingFields,
    #[error("not a valid email address")]
    InvalidEmail,
    #[error("the password does not follow the server's rules: {0:?}")]
    WeakPassword(Vec<PolicyRule>),
    #[error("this email address already has an account")]
    EmailInUse,
    #[error("this email address is not allowed on this server")]
    EmailNotAllowed,
    #[error("this server does not let new accounts be created")]
    RegistrationClosed,
    /// The link in the mail was not clicked yet, or it expired or was already used.
    #[error("the email address is not validated yet")]
    NotValidated,
    #[error(transparent)]
    Login(#[from] LoginError),
}

/// A registration waiting for the user to click the link in the mail. The client
/// secret only ties the two calls together; it grants nothing by itself.
#[derive(Clone, Debug, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PendingRegistration {
    /// The homeserver's URL, resolved once.
    pub homeserver: String,
    pub email: String,
    pub client_secret: String,
    pub sid: String,
    /// How many mails were asked for (the server sends again only for a higher one).
    pub send_attempt: u32,
}

/// What the form sends.
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    /// Empty: found from the email, as at login.
    pub homeserver: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for RegisterRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterRequest")
            .field("homeserver", &self.homeserver)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

fn api_error(err: &matrix_sdk::HttpError) -> Option<RegisterError> {
    Some(match err.client_api_error_kind()? {
        ErrorKind::ThreepidInUse => RegisterError::EmailInUse,
        ErrorKind::ThreepidDenied => RegisterError::EmailNotAllowed,
        ErrorKind::Forbidden => RegisterError::RegistrationClosed,
        ErrorKind::LimitExceeded(_) => RegisterError::Login(LoginError::RateLimited),
        _ => return None,
    })
}

fn http_error(err: matrix_sdk::HttpError) -> RegisterError {
    if let Some(e) = api_error(&err) {
        return e;
    }
    match err {
        matrix_sdk::HttpError::Reqwest(e) => {
            RegisterError::Login(LoginError::Unreachable(e.to_string()))
        }
        other => RegisterError::Login(LoginError::Refused(other.to_string())),
    }
}

/// A Matrix localpart from an email, as Tchap makes them: `Jean.Dupont@x.gouv.fr` →
/// `jean.dupont-x.gouv.fr`; characters a Matrix ID cannot hold become `_`.
pub fn localpart_for(email: &str) -> String {
    email
        .trim()
        .to_lowercase()
        .replace('@', "-")
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || "._=-/".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Asks for the validation mail, after checking the password against the server's
/// policy. Returns what [`finish`] needs.
pub async fn request(
    req: &RegisterRequest,
    identity_servers: &[String],
) -> Result<PendingRegistration, RegisterError> {
    let email = req.email.trim().to_lowercase();
    if email.is_empty() || req.password.is_empty() {
        return Err(RegisterError::MissingFields);
    }
    if discovery::email_domain(&email).is_none() {
        return Err(RegisterError::InvalidEmail);
    }
    let server = match req.homeserver.trim() {
        "" => {
            discovery::discover(&email, identity_servers)
                .await
                .map_err(|e| RegisterError::Login(crate::login::discovery_error(e)))?
                .homeserver
        }
        hs => hs.trim_end_matches('/').to_owned(),
    };
    let client = Client::builder()
        .server_name_or_homeserver_url(&server)
        .build()
        .await
        .map_err(|e| RegisterError::Login(crate::login::build_error(e)))?;
    let homeserver = client
        .homeserver()
        .to_string()
        .trim_end_matches('/')
        .to_owned();
    let policy = password_policy::fetch(&homeserver)
        .await
        .map_err(|e| RegisterError::Login(LoginError::Unreachable(e.to_string())))?;
    let failed = password_policy::check(&policy, &req.password);
    if !failed.is_empty() {
        return Err(RegisterError::WeakPassword(failed));
    }
    let pending = PendingRegistration {
        homeserver,
        email,
        client_secret: ClientSecret::new().to_string(),
        sid: String::new(),
        send_attempt: 0,
    };
    send_mail(&client, pending).await
}

/// Sends the validation mail again (the first may be lost, or the link expired).
pub async fn resend(pending: PendingRegistration) -> Result<PendingRegistration, RegisterError> {
    let client = Client::builder()
        .homeserver_url(&pending.homeserver)
        .build()
        .await
        .map_err(|e| RegisterError::Login(crate::login::build_error(e)))?;
    send_mail(&client, pending).await
}

async fn send_mail(
    client: &Client,
    mut pending: PendingRegistration,
) -> Result<PendingRegistration, RegisterError> {
    let secret = OwnedClientSecret::try_from(pending.client_secret.as_str())
        .map_err(|_| RegisterError::NotValidated)?;
    pending.send_attempt += 1;
    let req = request_registration_token_via_email::v3::Request::new(
        secret,
        pending.email.clone(),
        UInt::from(pending.send_attempt),
    );
    let res = client.send(req).await.map_err(http_error)?;
    pending.sid = res.sid.to_string();
    Ok(pending)
}

/// A free localpart for `email`: Tchap's form, with `-2`, `-3`… if it is taken.
async fn free_localpart(client: &Client, email: &str) -> Result<String, RegisterError> {
    let base = localpart_for(email);
    for n in 1..=20u32 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let req = get_username_availability::v3::Request::new(candidate.clone());
        match client.send(req).await {
            Ok(res) if res.available => return Ok(candidate),
            Ok(_) => continue,
            Err(e) if e.client_api_error_kind() == Some(&ErrorKind::UserInUse) => continue,
            Err(e) => return Err(http_error(e)),
        }
    }
    Err(RegisterError::Login(LoginError::Refused(
        "no free user name".into(),
    )))
}

/// Creates the account once the link was clicked, logs in and starts the session.
pub async fn finish(
    data_dir: &Path,
    pending: &PendingRegistration,
    password: &str,
) -> Result<Session, RegisterError> {
    let sid =
        OwnedSessionId::try_from(pending.sid.as_str()).map_err(|_| RegisterError::NotValidated)?;
    let secret = OwnedClientSecret::try_from(pending.client_secret.as_str())
        .map_err(|_| RegisterError::NotValidated)?;
    let store_dir = new_store_dir(data_dir);
    let passphrase: Zeroizing<String> = new_store_passphrase();
    let result = async {
        let client = build_client(
            Homeserver::Known(&pending.homeserver),
            &store_dir,
            &passphrase,
            // Registration goes direct for now (the proxy applies to sign-in and start).
            None,
        )
        .await
        .map_err(|e| RegisterError::Login(crate::login::build_error(e)))?;
        let localpart = free_localpart(&client, &pending.email).await?;
        let mut req = register::v3::Request::new();
        req.username = Some(localpart);
        req.password = Some(password.to_owned());
        req.initial_device_display_name = Some("Chappe".to_owned());
        // The first request only learns the session of the interactive auth.
        let session = match client.matrix_auth().register(req.clone()).await {
            Ok(_) => return Ok(client),
            Err(e) => match e.as_uiaa_response() {
                Some(info) => info.session.clone(),
                None => return Err(sdk_error(e)),
            },
        };
        // ruma's `EmailIdentity` has no constructor (non-exhaustive): build it from the
        // spec's JSON.
        let auth: uiaa::AuthData = serde_json::from_value(serde_json::json!({
            "type": "m.login.email.identity",
            "session": session,
            "threepid_creds": ThirdpartyIdCredentials::new(sid, secret),
        }))
        .map_err(|e| RegisterError::Login(LoginError::Refused(e.to_string())))?;
        req.auth = Some(auth);
        match client.matrix_auth().register(req).await {
            Ok(_) => Ok(client),
            // Asked again: the email is not validated (link not clicked, expired, used).
            Err(e) if e.as_uiaa_response().is_some() => Err(RegisterError::NotValidated),
            Err(e) => Err(sdk_error(e)),
        }
    }
    .await;
    match result {
        Ok(client) => Ok(Session::start(client, passphrase, store_dir)
            .await
            .map_err(LoginError::from)?),
        Err(err) => {
            // No account, no store left behind.
            let _ = tokio::fs::remove_dir_all(&store_dir).await;
            Err(err)
        }
    }
}

fn sdk_error(err: matrix_sdk::Error) -> RegisterError {
    match err {
        matrix_sdk::Error::Http(http) => http_error(*http),
        other => RegisterError::Login(LoginError::Refused(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_name_comes_from_the_email_as_in_tchap() {
        assert_eq!(
            localpart_for(" Jean.Dupont@Interieur.Gouv.fr "),
            "jean.dupont-interieur.gouv.fr"
        );
        assert_eq!(localpart_for("o'neil+x@a.fr"), "o_neil_x-a.fr");
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let shown = format!(
            "{:?}",
            RegisterRequest {
                homeserver: "h".into(),
                email: "e@x.fr".into(),
                password: "hunter2".into()
            }
        );
        assert!(!shown.contains("hunter2"));
    }
}
