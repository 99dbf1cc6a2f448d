//! Signing in with a Matrix ID, a user name or a work email address, and a password.
//!
//! The homeserver may be given as a URL or as a server name, in which case its
//! `.well-known` is used, as every Matrix client does. With an email address and no
//! homeserver, the homeserver is found from the email (see [`crate::discovery`]),
//! asking the identity servers listed in `CHAPPE_IDENTITY_SERVERS` (comma separated).
//! Each failure becomes one `LoginError` variant the shell can word for the user.

use std::path::{Path, PathBuf};

use matrix_sdk::{
    ruma::api::{
        client::uiaa::{EmailUserIdentifier, UserIdentifier},
        error::ErrorKind,
    },
    ClientBuildError, HttpError,
};
use serde::Deserialize;

use tracing::info;

use crate::discovery::{self, DiscoveryError};
use crate::proxy::ProxyUrl;
use crate::session::{build_client, new_store_passphrase, Homeserver, Session, SessionError};

/// What the login form submits.
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    /// `https://matrix.example.org`, `example.org`, or empty when `user` is a full
    /// Matrix ID (`@agent:example.org`) or an email address.
    pub homeserver: String,
    /// A Matrix ID, a user name, or an email address (`agent@example.org`).
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("homeserver", &self.homeserver)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    #[error("the user name and password are required")]
    MissingFields,
    #[error("the homeserver address is not valid")]
    InvalidHomeserver,
    #[error("no Matrix server was found at this address")]
    ServerNotFound,
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    #[error("wrong user name or password")]
    WrongCredentials,
    #[error("this account has been deactivated")]
    Deactivated,
    #[error("too many attempts; try again later")]
    RateLimited,
    #[error("the server refused the login: {0}")]
    Refused(String),
    #[error("this email address is not allowed on this service")]
    EmailNotAllowed,
    #[error("no Matrix server was found for this email address")]
    NoServerForEmail,
    #[error("the local store could not be opened: {0}")]
    Store(String),
    // Boxed: a session error is large and rare; it should not bloat every Result.
    #[error(transparent)]
    Session(Box<SessionError>),
}

impl From<SessionError> for LoginError {
    fn from(err: SessionError) -> Self {
        Self::Session(Box::new(err))
    }
}

fn is_connect_error(err: &HttpError) -> bool {
    matches!(err, HttpError::Reqwest(_))
}

pub(crate) fn build_error(err: ClientBuildError) -> LoginError {
    match err {
        ClientBuildError::InvalidServerName
        | ClientBuildError::Url(_)
        | ClientBuildError::MissingHomeserver => LoginError::InvalidHomeserver,
        ClientBuildError::AutoDiscovery(_) => LoginError::ServerNotFound,
        ClientBuildError::Http(e) if is_connect_error(&e) => LoginError::Unreachable(e.to_string()),
        ClientBuildError::Http(_) => LoginError::ServerNotFound,
        ClientBuildError::SqliteStore(e) => LoginError::Store(e.to_string()),
        other => LoginError::Refused(other.to_string()),
    }
}

fn login_error(err: matrix_sdk::Error) -> LoginError {
    match err.client_api_error_kind() {
        Some(ErrorKind::Forbidden) => LoginError::WrongCredentials,
        Some(ErrorKind::UserDeactivated) => LoginError::Deactivated,
        Some(ErrorKind::LimitExceeded { .. }) => LoginError::RateLimited,
        Some(ErrorKind::InvalidUsername) => LoginError::WrongCredentials,
        Some(_) => LoginError::Refused(err.to_string()),
        None => match &err {
            matrix_sdk::Error::Http(http) if is_connect_error(http) => {
                LoginError::Unreachable(http.to_string())
            }
            _ => LoginError::Refused(err.to_string()),
        },
    }
}

pub(crate) fn discovery_error(err: DiscoveryError) -> LoginError {
    match err {
        DiscoveryError::EmailNotAllowed => LoginError::EmailNotAllowed,
        DiscoveryError::Unreachable(d) => LoginError::Unreachable(d),
        DiscoveryError::InvalidEmail | DiscoveryError::NoServerFound => {
            LoginError::NoServerForEmail
        }
    }
}

/// The identity servers the administrators configured for email discovery.
fn identity_servers_from_env() -> Vec<String> {
    std::env::var("CHAPPE_IDENTITY_SERVERS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Where the homeserver is, from the form: the given address, else the server name
/// of a full Matrix ID.
fn server_of(req: &LoginRequest) -> Result<String, LoginError> {
    let hs = req.homeserver.trim();
    if !hs.is_empty() {
        return Ok(hs.trim_end_matches('/').to_owned());
    }
    let user = req.user.trim();
    match user.strip_prefix('@').and_then(|u| u.split_once(':')) {
        Some((_, server)) if !server.is_empty() => Ok(server.to_owned()),
        _ => Err(LoginError::InvalidHomeserver),
    }
}

pub(crate) fn new_store_dir(data_dir: &Path) -> PathBuf {
    use rand::RngCore;
    let mut id = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut id);
    data_dir.join("sessions").join(hex::encode(id))
}

/// Logs in and starts syncing. `data_dir` is where this account's encrypted store is
/// created (a fresh sub-folder per login, so two accounts never share one). An email
/// address without a homeserver is looked up with the identity servers of
/// `CHAPPE_IDENTITY_SERVERS`.
pub async fn login(data_dir: &Path, req: LoginRequest) -> Result<Session, LoginError> {
    login_with(data_dir, req, &identity_servers_from_env()).await
}

/// [`login`], with the identity servers that find the homeserver of an email address
/// given by the caller (base URLs such as `https://matrix.agent.tchap.gouv.fr`).
pub async fn login_with(
    data_dir: &Path,
    req: LoginRequest,
    identity_servers: &[String],
) -> Result<Session, LoginError> {
    login_via(data_dir, req, identity_servers, None).await
}

/// [`login_with`], every request to the homeserver going through `proxy` (the one the
/// user set in Settings; `None`: direct).
pub async fn login_via(
    data_dir: &Path,
    req: LoginRequest,
    identity_servers: &[String],
    proxy: Option<&ProxyUrl>,
) -> Result<Session, LoginError> {
    let user = req.user.trim();
    if user.is_empty() || req.password.is_empty() {
        return Err(LoginError::MissingFields);
    }
    let email = discovery::email_domain(user).is_some().then_some(user);
    let server = match email {
        Some(email) if req.homeserver.trim().is_empty() => {
            discovery::discover(email, identity_servers)
                .await
                .map_err(discovery_error)?
                .homeserver
        }
        _ => server_of(&req)?,
    };
    let store_dir = new_store_dir(data_dir);
    let passphrase = new_store_passphrase();
    let result = async {
        let client = build_client(
            Homeserver::Discover(&server),
            &store_dir,
            &passphrase,
            proxy,
        )
        .await
        .map_err(build_error)?;
        let auth = client.matrix_auth();
        let login = match email {
            // Sent as `m.id.thirdparty` with medium `email`.
            Some(address) => auth.login_identifier(
                UserIdentifier::Email(EmailUserIdentifier::new(address.to_owned())),
                &req.password,
            ),
            None => auth.login_username(user, &req.password),
        };
        login
            .initial_device_display_name("Chappe")
            .send()
            .await
            .map_err(login_error)?;
        Ok::<_, LoginError>(client)
    }
    .await;
    match result {
        Ok(client) => {
            info!(user_id = ?client.user_id(), "signed in");
            Ok(Session::start(client, passphrase, store_dir).await?)
        }
        Err(err) => {
            // A failed login must not leave an orphan store behind.
            let _ = tokio::fs::remove_dir_all(&store_dir).await;
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(hs: &str, user: &str) -> LoginRequest {
        LoginRequest {
            homeserver: hs.into(),
            user: user.into(),
            password: "x".into(),
        }
    }

    #[test]
    fn server_comes_from_the_form_or_the_matrix_id() {
        assert_eq!(
            server_of(&req("https://m.org/", "a")).ok(),
            Some("https://m.org".into())
        );
        assert_eq!(
            server_of(&req("", "@a:example.org")).ok(),
            Some("example.org".into())
        );
        assert!(matches!(
            server_of(&req("", "alice")),
            Err(LoginError::InvalidHomeserver)
        ));
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let shown = format!(
            "{:?}",
            LoginRequest {
                homeserver: "h".into(),
                user: "u".into(),
                password: "hunter2".into()
            }
        );
        assert!(!shown.contains("hunter2"));
    }
}
