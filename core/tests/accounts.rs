//! `core` against a real Synapse: signing in with a work email address, finding its
//! homeserver through identity servers (Tchap's `/info`), and the password policy.
//!
//! Upstream Sydent has no `/_matrix/identity/api/v1/info` (Tchap's fork does), so the
//! identity server is a small local endpoint answering like Tchap's; the accounts,
//! their emails and the logins are the real Synapse's.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    discovery::{self, Discovered, DiscoveryError},
    password_policy::{self, PasswordPolicy, PolicyRule},
    LoginError, LoginRequest,
};
use common::{random_name, server, HttpStub, Server, User};

/// A user with a work email address bound by the administrators, as agents have.
async fn agent_with_email(server: &Server) -> (User, String) {
    let admin = server.register_admin("admin").await.unwrap();
    let agent = server.register("agent", "Agent").await.unwrap();
    let email = format!("{}@ministere.example", random_name("jean"));
    server.bind_email(&admin, &agent, &email).await.unwrap();
    (agent, email)
}

/// An identity server that answers `/info` with `info` (status, JSON body).
async fn identity_server(status: u16, info: String) -> HttpStub {
    HttpStub::start(move |line| {
        if line.starts_with("GET /_matrix/identity/api/v1/info?") {
            (status, info.clone())
        } else {
            (404, r#"{"errcode":"M_UNRECOGNIZED"}"#.to_owned())
        }
    })
    .await
}

fn form(homeserver: &str, user: &str, password: &str) -> LoginRequest {
    LoginRequest {
        homeserver: homeserver.into(),
        user: user.into(),
        password: password.into(),
    }
}

/// Nothing listens on ports 1 and 9 (discard) of the loopback here.
fn unreachable_identity_servers() -> Vec<String> {
    vec!["http://127.0.0.1:9".into(), "http://127.0.0.1:1".into()]
}

fn stores_left(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("sessions"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_an_email_address_and_its_password_works() {
    let server = server();
    let (agent, email) = agent_with_email(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let mut session = chappe_core::login(dir.path(), form(&server.url, &email, &agent.password))
        .await
        .unwrap();
    assert_eq!(session.user_id(), agent.user_id);
    session.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_with_an_email_address_says_so_and_leaves_no_store() {
    let server = server();
    let (_agent, email) = agent_with_email(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let err = chappe_core::login(dir.path(), form(&server.url, &email, "not-the-password"))
        .await
        .unwrap_err();
    assert!(matches!(err, LoginError::WrongCredentials), "got {err:?}");
    // An address nobody has is refused the same way: nothing tells which it was.
    let err = chappe_core::login(
        dir.path(),
        form(&server.url, "personne@ministere.example", "x"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, LoginError::WrongCredentials), "got {err:?}");
    assert_eq!(
        stores_left(dir.path()),
        0,
        "a failed login left a store behind"
    );
}

/// The agent types only an email and a password: the identity server says which
/// homeserver holds the account, and the login goes there.
#[tokio::test(flavor = "multi_thread")]
async fn an_identity_server_finds_the_homeserver_of_an_email_address() {
    let server = server();
    let (agent, email) = agent_with_email(&server).await;
    let is = identity_server(
        200,
        format!(r#"{{"hs": "{}", "requires_invite": false}}"#, server.url),
    )
    .await;

    let found = discovery::discover(&email, std::slice::from_ref(&is.url))
        .await
        .unwrap();
    assert_eq!(
        found,
        Discovered {
            homeserver: server.url.clone(),
            identity_server: Some(server.url.clone()),
        }
    );
    let hits = is.hits();
    let encoded: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
    assert!(
        hits.iter()
            .any(|h| h.contains("medium=email") && h.contains(&format!("address={encoded}"))),
        "{hits:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut session = chappe_core::login_with(
        dir.path(),
        form("", &email, &agent.password),
        std::slice::from_ref(&is.url),
    )
    .await
    .unwrap();
    assert_eq!(session.user_id(), agent.user_id);
    assert_eq!(
        session.client().homeserver().as_str().trim_end_matches('/'),
        server.url
    );
    session.stop().await;
}

/// Identity servers are tried in random order: one that is down is skipped, whichever
/// comes first.
#[tokio::test(flavor = "multi_thread")]
async fn an_identity_server_that_is_down_is_skipped() {
    let server = server();
    let is = identity_server(200, format!(r#"{{"hs": "{}"}}"#, server.url)).await;
    let mut servers = unreachable_identity_servers();
    servers.push(is.url.clone());
    for _ in 0..6 {
        let found = discovery::discover("agent@ministere.example", &servers)
            .await
            .unwrap();
        assert_eq!(found.homeserver, server.url);
    }
}

/// Tchap answers with its server for external users when the email's domain is not
/// one of the administrations': such an address cannot sign in here.
#[tokio::test(flavor = "multi_thread")]
async fn an_email_address_whose_domain_is_not_allowed_is_refused() {
    let server = server();
    let (agent, email) = agent_with_email(&server).await;
    let is = identity_server(200, r#"{"hs": "agent.externe.tchap.gouv.fr"}"#.to_owned()).await;
    let dir = tempfile::tempdir().unwrap();
    let err = chappe_core::login_with(
        dir.path(),
        form("", &email, &agent.password),
        std::slice::from_ref(&is.url),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, LoginError::EmailNotAllowed), "got {err:?}");
    assert_eq!(stores_left(dir.path()), 0);

    // A refusal (4xx) or an answer without a server mean the same.
    for (status, body) in [(403, r#"{"errcode":"M_FORBIDDEN"}"#), (200, "{}")] {
        let is = identity_server(status, body.to_owned()).await;
        let err = discovery::discover(&email, std::slice::from_ref(&is.url))
            .await
            .unwrap_err();
        assert!(
            matches!(err, DiscoveryError::EmailNotAllowed),
            "{status} {body}: got {err:?}"
        );
    }
}

/// When every identity server is down, the user is told the network is at fault; the
/// email's domain is not tried instead (the administrators chose those servers).
#[tokio::test(flavor = "multi_thread")]
async fn identity_servers_that_cannot_be_reached_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let servers = unreachable_identity_servers();
    let err = discovery::discover("agent@ministere.example", &servers)
        .await
        .unwrap_err();
    assert!(matches!(err, DiscoveryError::Unreachable(_)), "got {err:?}");
    let err = chappe_core::login_with(
        dir.path(),
        form("", "agent@ministere.example", "x"),
        &servers,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, LoginError::Unreachable(_)), "got {err:?}");
    assert_eq!(stores_left(dir.path()), 0);
}

/// Identity servers that answer with nothing usable (here a 500), or none at all:
/// the email's domain `.well-known` is asked, and a domain without Matrix gives
/// "no server for this email".
#[tokio::test(flavor = "multi_thread")]
async fn without_a_usable_identity_server_the_email_domain_is_asked() {
    let broken = identity_server(500, "oops".to_owned()).await;
    // `.invalid` never resolves (RFC 2606): its `.well-known` cannot answer.
    let email = "agent@ministere.invalid";
    for servers in [vec![broken.url.clone()], vec![]] {
        let err = discovery::discover(email, &servers).await.unwrap_err();
        assert!(matches!(err, DiscoveryError::NoServerFound), "got {err:?}");
    }
    assert_eq!(broken.hits().len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let servers = std::slice::from_ref(&broken.url);
    let err = chappe_core::login_with(dir.path(), form("", email, "x"), servers)
        .await
        .unwrap_err();
    assert!(matches!(err, LoginError::NoServerForEmail), "got {err:?}");
}

/// The test Synapse has no `password_config.policy`: it answers `{}`, which means no
/// rule. A logged-in client reads the same.
#[tokio::test(flavor = "multi_thread")]
async fn the_password_policy_of_a_server_without_one_has_no_rule() {
    let server = server();
    let policy = password_policy::fetch(&server.url).await.unwrap();
    assert_eq!(policy, PasswordPolicy::default());
    assert!(password_policy::check(&policy, "a").is_empty());

    let agent = server.register("agent", "Agent").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut session = server.login(&agent, dir.path()).await.unwrap();
    let policy = password_policy::fetch_for(session.client()).await.unwrap();
    assert_eq!(policy, PasswordPolicy::default());
    session.stop().await;
}

/// A server with a policy, answering as Synapse does with `password_config.policy`
/// enabled (the shared test Synapse has none, and enabling it would change every other
/// test's registrations).
#[tokio::test(flavor = "multi_thread")]
async fn a_servers_password_policy_is_read_and_applied() {
    let hs = HttpStub::start(|line| {
        if line.starts_with("GET /_matrix/client/v3/password_policy ") {
            let body = r#"{"m.minimum_length": 12, "m.require_digit": true,
                "m.require_symbol": true, "m.require_lowercase": true,
                "m.require_uppercase": true}"#;
            (200, body.to_owned())
        } else {
            (404, "{}".to_owned())
        }
    })
    .await;
    let policy = password_policy::fetch(&hs.url).await.unwrap();
    assert_eq!(policy.minimum_length, Some(12));
    assert_eq!(
        password_policy::check(&policy, "motdepasse"),
        vec![
            PolicyRule::MinimumLength(12),
            PolicyRule::Digit,
            PolicyRule::Symbol,
            PolicyRule::Uppercase,
        ]
    );
    assert!(password_policy::check(&policy, "Mot-de-passe-2024").is_empty());

    // A server that does not know the endpoint has no rule to tell.
    let old = HttpStub::start(|_| (404, r#"{"errcode":"M_UNRECOGNIZED"}"#.to_owned())).await;
    assert!(password_policy::fetch(&old.url).await.unwrap().is_empty());
    let err = password_policy::fetch("http://127.0.0.1:9")
        .await
        .unwrap_err();
    assert!(
        matches!(err, password_policy::PasswordPolicyError::Unreachable(_)),
        "got {err:?}"
    );
}
