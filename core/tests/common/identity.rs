//! A real identity server (sydent, started by `tests/server/identity.sh`) for email
//! invites and email binding. `CHAPPE_TEST_IDENTITY_SERVER` is its https URL (a TLS
//! proxy in front of sydent, with a self-signed certificate), `CHAPPE_TEST_IDENTITY_CA`
//! that certificate (PEM), `CHAPPE_TEST_MAILDIR` the folder where the mails sydent and
//! Synapse send arrive. `make test` sets all three; without the first, tests that need
//! an identity server say so and skip.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use super::{
    enc,
    mail::{Mail, Mailbox},
    random_name, Server, User,
};

pub struct IdentityServer {
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// `127.0.0.1:PORT`: what a client passes as `id_server` to the homeserver.
    pub host: String,
    pub mailbox: Mailbox,
    /// Trusts the identity server's self-signed certificate (and nothing else).
    pub http: reqwest::Client,
}

/// The identity server of the environment, or `None` (with a message saying why the
/// test is skipped) when `CHAPPE_TEST_IDENTITY_SERVER` is not set.
pub fn identity_server() -> Option<IdentityServer> {
    let Ok(url) = std::env::var("CHAPPE_TEST_IDENTITY_SERVER") else {
        eprintln!(
            "SKIPPED: CHAPPE_TEST_IDENTITY_SERVER is not set; `make test-rust` sets it \
             (or start one with tests/server/identity.sh and Synapse with IDENTITY_SMTP_PORT)"
        );
        return None;
    };
    let url = url.trim_end_matches('/').to_owned();
    let host = url
        .strip_prefix("https://")
        .unwrap_or_else(|| panic!("CHAPPE_TEST_IDENTITY_SERVER must be an https URL: {url}"))
        .to_owned();
    let ca = std::env::var("CHAPPE_TEST_IDENTITY_CA").unwrap_or_else(|_| {
        panic!("CHAPPE_TEST_IDENTITY_CA is not set (see tests/server/identity.sh ca)")
    });
    let pem = std::fs::read(&ca).unwrap_or_else(|e| panic!("reading {ca}: {e}"));
    let cert = reqwest::Certificate::from_pem(&pem).expect("CHAPPE_TEST_IDENTITY_CA: bad PEM");
    let http = reqwest::Client::builder()
        .tls_certs_only([cert])
        .build()
        .expect("reqwest client");
    Some(IdentityServer {
        url,
        host,
        mailbox: Mailbox::from_env(),
        http,
    })
}

/// A fresh address nobody uses, at a domain that is never delivered for real.
pub fn random_email(prefix: &str) -> String {
    format!("{}@chappe.test", random_name(prefix))
}

/// The JSON body of a successful response, or an error with status and body.
pub async fn json_ok(res: reqwest::Response, what: &str) -> Result<Value> {
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{what}: {status} {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{what}: not JSON: {text}"))
}

impl IdentityServer {
    /// Registers `user` with the identity server, as a client does before it asks the
    /// homeserver to invite or bind through it: an OpenID token from the homeserver,
    /// which sydent checks over federation, is exchanged for an access token.
    pub async fn register(&self, server: &Server, user: &User) -> Result<String> {
        let openid = server
            .post(
                user,
                &format!("/user/{}/openid/request_token", enc(&user.user_id)),
                json!({}),
            )
            .await?;
        let res = self
            .http
            .post(format!("{}/_matrix/identity/v2/account/register", self.url))
            .json(&openid)
            .send()
            .await?;
        let res = json_ok(res, "identity server register").await?;
        Ok(res["token"]
            .as_str()
            .context("no token from the identity server")?
            .to_owned())
    }

    /// Proves to the identity server that the holder of `token` owns `email`: asks for
    /// a validation mail and follows its link. Returns the validation session
    /// `(sid, client_secret)`, ready for `/account/3pid/bind`.
    pub async fn validate_email(&self, token: &str, email: &str) -> Result<(String, String)> {
        let client_secret = random_name("secret");
        let res = self
            .http
            .post(format!(
                "{}/_matrix/identity/v2/validate/email/requestToken",
                self.url
            ))
            .bearer_auth(token)
            .json(&json!({"client_secret": client_secret, "email": email, "send_attempt": 1}))
            .send()
            .await?;
        let res = json_ok(res, "validate/email/requestToken").await?;
        let sid = res["sid"].as_str().context("no sid")?.to_owned();
        let mail = self
            .mailbox
            .wait_for(email, |m| m.text.contains(&sid))
            .await;
        self.follow(&mail, "submitToken").await?;
        Ok((sid, client_secret))
    }

    /// GETs the link of `mail` containing `part`, as the mail's reader clicks it.
    pub async fn follow(&self, mail: &Mail, part: &str) -> Result<String> {
        let link = mail.link_containing(part)?;
        let res = self.http.get(&link).send().await?;
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        if !status.is_success() {
            bail!("GET {link}: {status} {body}");
        }
        Ok(body)
    }
}
