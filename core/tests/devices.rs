//! The account's sessions, against the real Synapse: listed with this one first, one
//! other signed out, then all others, each after the password; a wrong password
//! removes nothing.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::devices::{self, DevicesError};
use common::server;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn other_sessions_are_listed_and_signed_out_with_the_password() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    // Two more sessions, as if Alice had logged in on a laptop and in a browser.
    let http = reqwest::Client::new();
    let mut others = Vec::new();
    for name in ["Portable", "Navigateur"] {
        let res: serde_json::Value = http
            .post(format!("{}/_matrix/client/v3/login", server.url))
            .json(&json!({"type": "m.login.password", "identifier": {"type": "m.id.user", "user": alice.localpart},
                "password": alice.password, "initial_device_display_name": name}))
            .send().await.unwrap().json().await.unwrap();
        others.push(res["device_id"].as_str().unwrap().to_owned());
    }
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    let client = session.client().clone();
    let me = client.device_id().unwrap().to_string();

    let list = devices::list(&client).await.unwrap();
    assert_eq!(list[0].device_id, me);
    assert!(list[0].is_current);
    for d in &others {
        assert!(list.iter().any(|v| &v.device_id == d && !v.is_current));
    }
    let laptop = list.iter().find(|v| v.device_id == others[0]).unwrap();
    assert_eq!(laptop.display_name.as_deref(), Some("Portable"));
    // Synapse records "last seen" in batches: a fresh login may have none yet.
    assert!(laptop.last_seen.is_none_or(|t| t > 1.6e12));

    // A wrong password removes nothing; this session cannot be removed here.
    assert!(matches!(
        devices::sign_out(&client, &others[0], "faux").await,
        Err(DevicesError::WrongPassword)
    ));
    assert!(matches!(
        devices::sign_out(&client, &me, &alice.password).await,
        Err(DevicesError::CurrentDevice)
    ));
    assert_eq!(devices::list(&client).await.unwrap().len(), list.len());

    devices::sign_out(&client, &others[0], &alice.password)
        .await
        .unwrap();
    let after: Vec<String> = devices::list(&client)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert!(!after.contains(&others[0]));
    assert!(after.contains(&others[1]));

    let n = devices::sign_out_others(&client, &alice.password)
        .await
        .unwrap();
    assert_eq!(n, u32::try_from(after.len() - 1).unwrap());
    let left: Vec<String> = devices::list(&client)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert_eq!(left, vec![me]);
}
