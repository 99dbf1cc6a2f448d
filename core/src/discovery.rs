//! Finding the homeserver of a work email address, as Tchap does.
//!
//! Agents sign in with their work email and never type a server. The homeserver comes
//! from, in this order:
//! 1. the identity servers configured by the administrators, asked in random order
//!    (`GET {is}/_matrix/identity/api/v1/info?medium=email&address=…`); the first one
//!    that answers decides. An answer naming a server gives `https://matrix.<hs>`, used
//!    as homeserver and as identity server (see [`homeserver_for`]). An answer that
//!    names the "externe" server (Tchap's answer for domains that are not allowed), a
//!    4xx, or a JSON object without `hs` means [`DiscoveryError::EmailNotAllowed`].
//! 2. the `.well-known/matrix/client` of the email's domain, when no identity server is
//!    configured or none gave a usable answer (5xx, 429, garbage).
//!
//! When identity servers are configured and *every one* fails at the network level,
//! discovery stops with [`DiscoveryError::Unreachable`] and does not fall back: the
//! administrators chose those servers, and the likely cause is the network, which the
//! user should be told about rather than sent elsewhere.

use std::time::Duration;

use matrix_sdk::{reqwest, ruma::ServerName};
use rand::seq::SliceRandom;
use serde_json::Value;
use url::Url;

/// The label that marks Tchap's server for external (non-agent) users, as in
/// `agent.externe.tchap.gouv.fr`: identity servers answer with it for email domains
/// that are not allowed.
pub const EXTERNAL_SERVER_LABEL: &str = "externe";

/// Each identity server (and the `.well-known` fallback) gets this long to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// An answer is a few hundred bytes; anything much larger is not an answer.
const MAX_BODY: usize = 64 * 1024;

/// Where an email address's account lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// The homeserver URL, or a server name to resolve through its `.well-known`.
    pub homeserver: String,
    /// The identity server to use for email invites and lookups, if one is known.
    pub identity_server: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    #[error("this is not an email address")]
    InvalidEmail,
    #[error("this email address is not allowed on this service")]
    EmailNotAllowed,
    #[error("no identity server could be reached: {0}")]
    Unreachable(String),
    #[error("no Matrix server was found for this email address")]
    NoServerFound,
}

/// The domain of `email` if it looks like an email address (`local@domain`, neither
/// part empty, no spaces). A Matrix ID (`@user:server`) is not one.
pub fn email_domain(email: &str) -> Option<&str> {
    if email.starts_with('@') || email.chars().any(char::is_whitespace) {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    (!local.is_empty() && !domain.is_empty()).then_some(domain)
}

/// The homeserver URL for a server name given by an identity server: Tchap's
/// `https://matrix.<hs>`. A value that already is a URL (`http://…` or `https://…`,
/// as a test or a private deployment may answer) is used as is.
pub fn homeserver_for(hs: &str) -> String {
    let hs = hs.trim();
    if hs.starts_with("http://") || hs.starts_with("https://") {
        hs.trim_end_matches('/').to_owned()
    } else {
        format!("https://matrix.{hs}")
    }
}

/// Whether `hs` names Tchap's server for external users.
pub(crate) fn is_external(hs: &str) -> bool {
    let rest = hs.split_once("://").map_or(hs, |(_, rest)| rest);
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    host.split('.')
        .any(|label| label.eq_ignore_ascii_case(EXTERNAL_SERVER_LABEL))
}

/// A server name or an http(s) URL: anything else in `hs` would be turned into a
/// surprising URL by [`homeserver_for`].
fn is_valid_hs(hs: &str) -> bool {
    if hs.starts_with("http://") || hs.starts_with("https://") {
        Url::parse(hs).is_ok_and(|u| u.host().is_some())
    } else {
        ServerName::parse(hs).is_ok()
    }
}

/// What one identity server said.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// The server name (or URL) the email's account lives on.
    Server(String),
    /// The email may not be used here.
    NotAllowed,
    /// The server answered, but with nothing usable (5xx, 429, not JSON).
    Unusable(String),
    /// The server could not be reached at all.
    Unreachable(String),
}

/// Reads an identity server's answer to `/info`.
fn read_answer(status: u16, body: &[u8]) -> Answer {
    match status {
        200..=299 => {}
        // "Try again later" says nothing about the email.
        408 | 429 => return Answer::Unusable(format!("HTTP {status}")),
        400..=499 => return Answer::NotAllowed,
        _ => return Answer::Unusable(format!("HTTP {status}")),
    }
    let Ok(Value::Object(info)) = serde_json::from_slice::<Value>(body) else {
        return Answer::Unusable("the answer is not a JSON object".to_owned());
    };
    // `shadow_hs`, `requires_invite` and `invited` are not needed to sign in: `hs` is
    // the server this client should talk to, already chosen for our network.
    match info.get("hs").and_then(Value::as_str).map(str::trim) {
        None | Some("") => Answer::NotAllowed,
        Some(hs) if is_external(hs) => Answer::NotAllowed,
        Some(hs) if is_valid_hs(hs) => Answer::Server(hs.to_owned()),
        Some(_) => Answer::Unusable("`hs` is not a server name".to_owned()),
    }
}

fn base_url(server: &str) -> String {
    let server = server.trim().trim_end_matches('/');
    if server.starts_with("http://") || server.starts_with("https://") {
        server.to_owned()
    } else {
        format!("https://{server}")
    }
}

/// GETs `url` and returns the status and the body (empty if over [`MAX_BODY`] bytes).
pub(crate) async fn get(
    http: &reqwest::Client,
    url: Url,
) -> Result<(u16, Vec<u8>), reqwest::Error> {
    let mut res = http.get(url).send().await?;
    let status = res.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            body.clear();
            break;
        }
    }
    Ok((status, body))
}

async fn ask(http: &reqwest::Client, identity_server: &str, email: &str) -> Answer {
    let url = format!("{}/_matrix/identity/api/v1/info", base_url(identity_server));
    let Ok(mut url) = Url::parse(&url) else {
        return Answer::Unusable("not a valid URL".to_owned());
    };
    url.query_pairs_mut()
        .append_pair("medium", "email")
        .append_pair("address", email);
    match get(http, url).await {
        Ok((status, body)) => read_answer(status, &body),
        Err(e) if e.is_status() || e.is_decode() || e.is_redirect() => {
            Answer::Unusable(e.to_string())
        }
        Err(e) => Answer::Unreachable(e.to_string()),
    }
}

/// Reads a `.well-known/matrix/client` document.
fn read_well_known(body: &[u8]) -> Option<Discovered> {
    let doc: Value = serde_json::from_slice(body).ok()?;
    let url_at = |key: &str| {
        let url = doc.get(key)?.get("base_url")?.as_str()?.trim();
        let parsed = Url::parse(url).ok()?;
        matches!(parsed.scheme(), "http" | "https").then(|| url.trim_end_matches('/').to_owned())
    };
    Some(Discovered {
        homeserver: url_at("m.homeserver")?,
        identity_server: url_at("m.identity_server"),
    })
}

async fn well_known(http: &reqwest::Client, domain: &str) -> Option<Discovered> {
    ServerName::parse(domain).ok()?;
    let url = Url::parse(&format!("https://{domain}/.well-known/matrix/client")).ok()?;
    match get(http, url).await {
        Ok((200, body)) => read_well_known(&body),
        Ok((status, _)) => {
            tracing::debug!(domain, status, "no .well-known for the email's domain");
            None
        }
        Err(e) => {
            tracing::debug!(domain, error = %e, "the email's domain did not answer");
            None
        }
    }
}

/// An HTTP client for the few requests made outside a Matrix session.
pub(crate) fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("Chappe/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .build()
}

/// Finds the homeserver for `email`, asking `identity_servers` (base URLs such as
/// `https://matrix.agent.tchap.gouv.fr`, or host names) in random order, then the
/// email domain's `.well-known`. See the module documentation for the rules.
pub async fn discover(
    email: &str,
    identity_servers: &[String],
) -> Result<Discovered, DiscoveryError> {
    let email = email.trim();
    let domain = email_domain(email).ok_or(DiscoveryError::InvalidEmail)?;
    let http = http_client().map_err(|e| DiscoveryError::Unreachable(e.to_string()))?;

    let mut servers: Vec<&str> = identity_servers
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    // Spreads the load, as Tchap's clients do; any of them knows every address.
    servers.shuffle(&mut rand::thread_rng());

    let mut unreachable = Vec::new();
    for server in &servers {
        match ask(&http, server, email).await {
            Answer::Server(hs) => {
                let url = homeserver_for(&hs);
                return Ok(Discovered {
                    identity_server: Some(url.clone()),
                    homeserver: url,
                });
            }
            Answer::NotAllowed => return Err(DiscoveryError::EmailNotAllowed),
            Answer::Unusable(why) => {
                tracing::warn!(identity_server = server, why, "unusable answer");
            }
            Answer::Unreachable(why) => {
                tracing::warn!(identity_server = server, why, "identity server unreachable");
                unreachable.push(format!("{server}: {why}"));
            }
        }
    }
    if !servers.is_empty() && unreachable.len() == servers.len() {
        return Err(DiscoveryError::Unreachable(unreachable.join("; ")));
    }
    well_known(&http, domain)
        .await
        .ok_or(DiscoveryError::NoServerFound)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_not_a_matrix_id() {
        assert_eq!(
            email_domain("jean.dupont@finances.gouv.fr"),
            Some("finances.gouv.fr")
        );
        assert_eq!(email_domain("@jean:finances.gouv.fr"), None);
        assert_eq!(email_domain("jean"), None);
        assert_eq!(email_domain("jean@"), None);
        assert_eq!(email_domain("@finances.gouv.fr"), None);
        assert_eq!(email_domain("jean dupont@finances.gouv.fr"), None);
    }

    #[test]
    fn a_server_name_becomes_tchaps_matrix_url_and_a_url_stays() {
        assert_eq!(
            homeserver_for("agent.dinum.tchap.gouv.fr"),
            "https://matrix.agent.dinum.tchap.gouv.fr"
        );
        assert_eq!(
            homeserver_for("http://127.0.0.1:18008/"),
            "http://127.0.0.1:18008"
        );
        assert_eq!(
            homeserver_for("https://hs.example.org"),
            "https://hs.example.org"
        );
    }

    #[test]
    fn identity_server_answers_are_read_like_tchap() {
        let ok =
            br#"{"hs": "agent.dinum.tchap.gouv.fr", "shadow_hs": "", "requires_invite": false}"#;
        assert_eq!(
            read_answer(200, ok),
            Answer::Server("agent.dinum.tchap.gouv.fr".into())
        );
        let external = br#"{"hs": "agent.externe.tchap.gouv.fr"}"#;
        assert_eq!(read_answer(200, external), Answer::NotAllowed);
        assert_eq!(read_answer(200, b"{}"), Answer::NotAllowed);
        assert_eq!(read_answer(200, br#"{"hs": ""}"#), Answer::NotAllowed);
        assert_eq!(read_answer(403, b"{}"), Answer::NotAllowed);
        assert_eq!(read_answer(404, b""), Answer::NotAllowed);
        assert!(matches!(read_answer(429, b"{}"), Answer::Unusable(_)));
        assert!(matches!(read_answer(502, b"<html>"), Answer::Unusable(_)));
        assert!(matches!(read_answer(200, b"<html>"), Answer::Unusable(_)));
        assert!(matches!(read_answer(200, b"[1]"), Answer::Unusable(_)));
        assert!(matches!(
            read_answer(200, br#"{"hs": 5}"#),
            Answer::NotAllowed
        ));
        assert!(matches!(
            read_answer(200, br#"{"hs": "evil.org/x?y"}"#),
            Answer::Unusable(_)
        ));
        assert_eq!(
            read_answer(200, br#"{"hs": "http://127.0.0.1:18008"}"#),
            Answer::Server("http://127.0.0.1:18008".into())
        );
    }

    #[test]
    fn the_external_server_is_recognised_by_its_label() {
        assert!(is_external("agent.externe.tchap.gouv.fr"));
        assert!(is_external("https://matrix.agent.externe.tchap.gouv.fr/"));
        assert!(is_external("agent.EXTERNE.preprod.tchap.gouv.fr"));
        assert!(!is_external("agent.externes-sante.tchap.gouv.fr"));
        assert!(!is_external("agent.dinum.tchap.gouv.fr"));
        assert!(!is_external("http://127.0.0.1:18008"));
    }

    #[test]
    fn well_known_gives_the_homeserver_and_the_identity_server() {
        let doc = br#"{"m.homeserver": {"base_url": "https://matrix.example.org/"},
                       "m.identity_server": {"base_url": "https://id.example.org"}}"#;
        assert_eq!(
            read_well_known(doc),
            Some(Discovered {
                homeserver: "https://matrix.example.org".into(),
                identity_server: Some("https://id.example.org".into()),
            })
        );
        let only_hs = br#"{"m.homeserver": {"base_url": "https://matrix.example.org"}}"#;
        assert_eq!(
            read_well_known(only_hs).and_then(|d| d.identity_server),
            None
        );
        assert_eq!(read_well_known(br#"{"m.homeserver": {}}"#), None);
        assert_eq!(
            read_well_known(br#"{"m.homeserver": {"base_url": "ftp://x"}}"#),
            None
        );
        assert_eq!(read_well_known(b"not json"), None);
    }

    #[tokio::test]
    async fn without_identity_servers_a_domain_without_matrix_finds_nothing() {
        // `.invalid` never resolves (RFC 2606), so the `.well-known` fallback fails.
        let err = discover("agent@nowhere.invalid", &[]).await.unwrap_err();
        assert!(matches!(err, DiscoveryError::NoServerFound), "got {err:?}");
        let err = discover("not an email", &[]).await.unwrap_err();
        assert!(matches!(err, DiscoveryError::InvalidEmail), "got {err:?}");
    }
}
