//! The email and identity server test infrastructure works end to end, with raw HTTP
//! only: Synapse's mails reach the SMTP sink, sydent (behind its TLS proxy) validates
//! emails, signs third-party invites and answers Synapse's lookups.
//! Needs `CHAPPE_TEST_IDENTITY_SERVER` (else skipped) on top of `CHAPPE_TEST_HOMESERVER`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{
    enc,
    identity::{identity_server, json_ok, random_email},
    random_name, server, wait_for, Server, User, SYNC_TIMEOUT,
};
use serde_json::{json, Value};

async fn invite_by_email(
    server: &Server,
    from: &User,
    room_id: &str,
    id_server: &str,
    id_token: &str,
    email: &str,
) {
    server
        .post(
            from,
            &format!("/rooms/{}/invite", enc(room_id)),
            json!({"id_server": id_server, "id_access_token": id_token,
                   "medium": "email", "address": email}),
        )
        .await
        .unwrap();
}

async fn room_state(server: &Server, user: &User, room_id: &str) -> Vec<Value> {
    let state = server
        .get(user, &format!("/rooms/{}/state", enc(room_id)))
        .await
        .unwrap();
    state.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_account_registers_with_a_verified_email_and_logs_in_with_it() {
    let Some(is) = identity_server() else { return };
    let server = server();
    let http = reqwest::Client::new();
    let email = random_email("newcomer");
    let client_secret = random_name("secret");

    let res = http
        .post(format!(
            "{}/_matrix/client/v3/register/email/requestToken",
            server.url
        ))
        .json(&json!({"client_secret": client_secret, "email": email, "send_attempt": 1}))
        .send()
        .await
        .unwrap();
    let sid = json_ok(res, "register/email/requestToken").await.unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();

    let mail = is
        .mailbox
        .wait_for(&email, |m| m.text.contains("submit_token"))
        .await;
    let link = mail.link_containing("submit_token").unwrap();
    assert!(
        link.starts_with(&format!("{}/", server.url)),
        "link to the homeserver: {link}"
    );
    assert!(link.contains(&sid), "{link}");
    is.follow(&mail, "submit_token").await.unwrap();

    // Registration is open, but only with a validated email.
    let localpart = random_name("newcomer");
    let password = random_name("pw");
    let register = |auth: Value| {
        http.post(format!("{}/_matrix/client/v3/register", server.url))
            .json(&json!({"username": localpart, "password": password, "auth": auth}))
            .send()
    };
    let first = register(json!(null)).await.unwrap();
    assert_eq!(first.status(), 401);
    let first: Value = first.json().await.unwrap();
    let flows = first["flows"].to_string();
    assert!(flows.contains("m.login.email.identity"), "flows: {flows}");
    assert!(
        !flows.contains("m.login.dummy"),
        "registration without email is open: {flows}"
    );
    let session = first["session"].as_str().unwrap();
    let auth = json!({"type": "m.login.email.identity", "session": session,
                      "threepid_creds": {"sid": sid, "client_secret": client_secret}});
    let created = json_ok(register(auth).await.unwrap(), "register")
        .await
        .unwrap();
    let user_id = created["user_id"].as_str().unwrap().to_owned();
    assert_eq!(user_id, format!("@{localpart}:localhost"));

    let login = http
        .post(format!("{}/_matrix/client/v3/login", server.url))
        .json(&json!({"type": "m.login.password", "password": password,
            "identifier": {"type": "m.id.thirdparty", "medium": "email", "address": email}}))
        .send()
        .await
        .unwrap();
    let login = json_ok(login, "login by email").await.unwrap();
    assert_eq!(login["user_id"], user_id.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invite_to_an_unknown_email_is_a_third_party_invite_and_a_mail() {
    let Some(is) = identity_server() else { return };
    let server = server();
    let alice = server.register("alice", "Alice Inviteuse").await.unwrap();
    let id_token = is.register(&server, &alice).await.unwrap();
    let room_id = server
        .create_room(&alice, "Salon des invités", &[])
        .await
        .unwrap();
    let email = random_email("guest");

    invite_by_email(&server, &alice, &room_id, &is.host, &id_token, &email).await;

    let invites: Vec<Value> = room_state(&server, &alice, &room_id)
        .await
        .into_iter()
        .filter(|e| e["type"] == "m.room.third_party_invite")
        .collect();
    assert_eq!(invites.len(), 1, "{invites:?}");
    let invite = &invites[0];
    assert_eq!(invite["sender"], alice.user_id.as_str());
    let key_url = invite["content"]["key_validity_url"]
        .as_str()
        .unwrap_or_default();
    assert!(
        key_url.starts_with(&is.url),
        "signed by our identity server: {invite}"
    );
    // The display name is the obfuscated address, never the address itself.
    let shown = invite["content"]["display_name"]
        .as_str()
        .unwrap_or_default();
    assert!(
        shown.contains('@') && shown != email,
        "display_name: {shown}"
    );

    let mail = is.mailbox.wait_for(&email, |_| true).await;
    assert!(
        mail.subject.contains("Alice Inviteuse"),
        "subject: {}",
        mail.subject
    );
    assert!(mail.text.contains("Salon des invités"), "{}", mail.text);
    assert_eq!(
        is.mailbox.to(&email).unwrap().len(),
        1,
        "one invite, one mail"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invite_to_a_bound_email_reaches_its_owner_directly() {
    let Some(is) = identity_server() else { return };
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let bob = server.register("bob", "Bob").await.unwrap();
    let email = random_email("bob");

    // Bob proves to sydent that the address is his, then asks Synapse to bind it.
    let bob_token = is.register(&server, &bob).await.unwrap();
    let (sid, client_secret) = is.validate_email(&bob_token, &email).await.unwrap();
    server
        .post(
            &bob,
            "/account/3pid/bind",
            json!({"client_secret": client_secret, "sid": sid,
                   "id_server": is.host, "id_access_token": bob_token}),
        )
        .await
        .unwrap();

    let alice_token = is.register(&server, &alice).await.unwrap();
    let room_id = server.create_room(&alice, "Pour Bob", &[]).await.unwrap();
    invite_by_email(&server, &alice, &room_id, &is.host, &alice_token, &email).await;

    let state = room_state(&server, &alice, &room_id).await;
    assert!(
        !state
            .iter()
            .any(|e| e["type"] == "m.room.third_party_invite"),
        "Synapse found Bob: no third-party invite"
    );
    let member = state
        .iter()
        .find(|e| e["type"] == "m.room.member" && e["state_key"] == bob.user_id.as_str())
        .expect("Bob's membership");
    assert_eq!(member["content"]["membership"], "invite");

    wait_for("the invite in Bob's sync", SYNC_TIMEOUT, || async {
        let sync = server.get(&bob, "/sync?timeout=0").await.ok()?;
        sync["rooms"]["invite"].get(&room_id).map(|_| ())
    })
    .await;
    assert!(
        is.mailbox
            .to(&email)
            .unwrap()
            .iter()
            .all(|m| !m.subject.contains("invited")),
        "no invite mail for a bound address"
    );
}
