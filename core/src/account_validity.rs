//! Expired accounts (Synapse's account validity, which Tchap uses to close the
//! accounts of agents who left): the server refuses everything with
//! `ORG_MATRIX_EXPIRED_ACCOUNT` until the account is renewed through the link of a
//! renewal mail, which the app can ask the server to send.

use matrix_sdk::{reqwest::StatusCode, Client};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AccountValidityError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    /// The server has no account validity, or no email for this account.
    #[error("the server refused to send a renewal mail ({status}): {body}")]
    Refused { status: u16, body: String },
}

/// Asks the homeserver to mail the account's owner a renewal link. Works with the
/// expired account's own token (Synapse lets this one request through).
pub async fn send_renewal_mail(client: &Client) -> Result<(), AccountValidityError> {
    let token = client
        .access_token()
        .ok_or(AccountValidityError::NotLoggedIn)?;
    let url = format!(
        "{}/_matrix/client/unstable/account_validity/send_mail",
        client.homeserver().as_str().trim_end_matches('/')
    );
    let res = client
        .http_client()
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .map_err(|e| AccountValidityError::Unreachable(e.to_string()))?;
    let status = res.status();
    if status == StatusCode::OK {
        return Ok(());
    }
    let body = res.text().await.unwrap_or_default();
    Err(AccountValidityError::Refused {
        status: status.as_u16(),
        body,
    })
}
