//! Talking to the identity server for email invitations (Identity Service API v2).
//!
//! The homeserver does the invite itself (it stores the invitation with the identity
//! server, which mails the invitee); the client must first register with the identity
//! server, proving who it is with an OpenID token from the homeserver, and pass the
//! access token it gets on each invite. Looking an email up (hashed, with the server's
//! pepper) tells whether it already belongs to an account, so the preview can say
//! "already a member" and the invite goes to that account directly.

use std::collections::HashMap;

use base64::Engine as _;
use matrix_sdk::{
    reqwest,
    ruma::{api::client::account::request_openid_token, thirdparty::Medium, OwnedUserId},
    Client,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use url::Url;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    #[error("not a valid identity server address: {0}")]
    InvalidUrl(String),
    #[error("identity server unreachable: {0}")]
    Unreachable(String),
    /// The identity server wants its terms of service accepted first.
    #[error("the identity server's terms have not been accepted")]
    TermsNotSigned,
    #[error("identity server refused ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error(transparent)]
    Http(#[from] matrix_sdk::HttpError),
}

/// One identity server, with the access token obtained from it (kept for the session).
pub struct IdentityServer {
    base: Url,
    http: reqwest::Client,
    token: Mutex<Option<String>>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errcode: String,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct RegisterAnswer {
    token: String,
}

#[derive(Deserialize)]
struct HashDetails {
    lookup_pepper: String,
    algorithms: Vec<String>,
}

#[derive(Deserialize)]
struct LookupAnswer {
    #[serde(default)]
    mappings: HashMap<String, OwnedUserId>,
}

/// A POST with a JSON body (matrix-sdk's reqwest is built without its `json` helper).
fn json_post(
    http: &reqwest::Client,
    url: String,
    body: &serde_json::Value,
) -> reqwest::RequestBuilder {
    http.post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
}

/// The lookup hash of the spec: sha256 of "address medium pepper", unpadded URL-safe
/// base64.
fn lookup_hash(address: &str, pepper: &str) -> String {
    let digest = Sha256::digest(format!("{address} email {pepper}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// The HTTP client for identity servers. `extra_ca_pem`: a certificate authority to
/// trust besides the system's (an administration's own CA; the tests' local one).
pub fn http_client(extra_ca_pem: Option<&[u8]>) -> Result<reqwest::Client, IdentityError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("Chappe/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30));
    if let Some(pem) = extra_ca_pem {
        let cert = reqwest::Certificate::from_pem(pem)
            .map_err(|e| IdentityError::InvalidUrl(format!("certificate: {e}")))?;
        builder = builder.add_root_certificate(cert);
    }
    builder
        .build()
        .map_err(|e| IdentityError::Unreachable(e.to_string()))
}

impl IdentityServer {
    /// `base_url`: `https://host[:port]`; a bare host name means https. `http` is the
    /// client that reaches it (the shell's, which may trust an extra CA).
    pub fn new(base_url: &str, http: reqwest::Client) -> Result<Self, IdentityError> {
        let with_scheme = if base_url.contains("://") {
            base_url.to_owned()
        } else {
            format!("https://{base_url}")
        };
        let base = Url::parse(&with_scheme)
            .ok()
            .filter(|u| u.host().is_some() && matches!(u.scheme(), "https" | "http"))
            .ok_or_else(|| IdentityError::InvalidUrl(base_url.to_owned()))?;
        Ok(Self {
            base,
            http,
            token: Mutex::new(None),
        })
    }

    /// What the homeserver is told to use (`id_server`): host and port, no scheme. The
    /// homeserver always calls it over https.
    pub fn id_server(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        match self.base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<Vec<u8>, IdentityError> {
        let res = req
            .send()
            .await
            .map_err(|e| IdentityError::Unreachable(e.to_string()))?;
        let status = res.status().as_u16();
        let body = res
            .bytes()
            .await
            .map_err(|e| IdentityError::Unreachable(e.to_string()))?;
        if (200..300).contains(&status) {
            return Ok(body.to_vec());
        }
        let err: ErrorBody = serde_json::from_slice(&body).unwrap_or(ErrorBody {
            errcode: String::new(),
            error: String::from_utf8_lossy(&body).into(),
        });
        if err.errcode == "M_TERMS_NOT_SIGNED" {
            return Err(IdentityError::TermsNotSigned);
        }
        Err(IdentityError::Refused {
            status,
            message: format!("{} {}", err.errcode, err.error),
        })
    }

    fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, IdentityError> {
        serde_json::from_slice(body).map_err(|e| IdentityError::Refused {
            status: 200,
            message: format!("unexpected answer: {e}"),
        })
    }

    /// The access token, registering with an OpenID token from the homeserver the
    /// first time.
    pub async fn access_token(&self, client: &Client) -> Result<String, IdentityError> {
        let mut token = self.token.lock().await;
        if let Some(t) = token.as_ref() {
            return Ok(t.clone());
        }
        let user_id = client.user_id().ok_or_else(|| IdentityError::Refused {
            status: 401,
            message: "not logged in".into(),
        })?;
        let openid = client
            .send(request_openid_token::v3::Request::new(user_id.to_owned()))
            .await?;
        let body = serde_json::json!({
            "access_token": openid.access_token,
            "token_type": openid.token_type.as_str(),
            "matrix_server_name": openid.matrix_server_name,
            "expires_in": openid.expires_in.as_secs(),
        });
        let answer: RegisterAnswer = Self::parse(
            &self
                .call(json_post(
                    &self.http,
                    self.url("/_matrix/identity/v2/account/register"),
                    &body,
                ))
                .await?,
        )?;
        *token = Some(answer.token.clone());
        Ok(answer.token)
    }

    /// Forgets the token (after the server said it is no longer valid).
    pub async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    /// Which of `emails` (lowercase) belong to an account, and which.
    pub async fn lookup(
        &self,
        client: &Client,
        emails: &[String],
    ) -> Result<HashMap<String, OwnedUserId>, IdentityError> {
        if emails.is_empty() {
            return Ok(HashMap::new());
        }
        let token = self.access_token(client).await?;
        let details: HashDetails = Self::parse(
            &self
                .call(
                    self.http
                        .get(self.url("/_matrix/identity/v2/hash_details"))
                        .bearer_auth(&token),
                )
                .await?,
        )?;
        if !details.algorithms.iter().any(|a| a == "sha256") {
            return Err(IdentityError::Refused {
                status: 200,
                message: "the identity server offers no sha256 lookup".into(),
            });
        }
        let by_hash: HashMap<String, &String> = emails
            .iter()
            .map(|e| (lookup_hash(e, &details.lookup_pepper), e))
            .collect();
        let body = serde_json::json!({
            "addresses": by_hash.keys().collect::<Vec<_>>(),
            "algorithm": "sha256",
            "pepper": details.lookup_pepper,
        });
        let answer: LookupAnswer = Self::parse(
            &self
                .call(
                    json_post(&self.http, self.url("/_matrix/identity/v2/lookup"), &body)
                        .bearer_auth(&token),
                )
                .await?,
        )?;
        Ok(answer
            .mappings
            .into_iter()
            .filter_map(|(hash, user)| by_hash.get(&hash).map(|email| ((*email).clone(), user)))
            .collect())
    }

    /// The invite body for an email, for the homeserver to pass to this server.
    pub async fn invite_for(
        &self,
        client: &Client,
        email: &str,
    ) -> Result<matrix_sdk::ruma::api::client::membership::Invite3pid, IdentityError> {
        let token = self.access_token(client).await?;
        Ok(matrix_sdk::ruma::api::client::membership::Invite3pidInit {
            id_server: self.id_server(),
            id_access_token: token,
            medium: Medium::Email,
            address: email.to_owned(),
        }
        .into())
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_lookup_hash_is_the_specs() {
        // The example of the Identity Service API spec (v1.x, "Client behaviour").
        assert_eq!(
            lookup_hash("alice@example.com", "matrixrocks"),
            "4kenr7N9drpCJ4AfalmlGQVsOn3o2RHjkADUpXJWZUc"
        );
    }

    #[test]
    fn id_server_is_host_and_port_and_bare_hosts_mean_https() {
        let http = reqwest::Client::new();
        let is = IdentityServer::new("https://127.0.0.1:18091/", http.clone()).expect("valid");
        assert_eq!(is.id_server(), "127.0.0.1:18091");
        let is = IdentityServer::new("matrix.agent.tchap.gouv.fr", http.clone()).expect("valid");
        assert_eq!(is.id_server(), "matrix.agent.tchap.gouv.fr");
        assert_eq!(is.url("/x"), "https://matrix.agent.tchap.gouv.fr/x");
        assert!(IdentityServer::new("ftp://x", http.clone()).is_err());
        assert!(IdentityServer::new("https://", http).is_err());
    }
}
