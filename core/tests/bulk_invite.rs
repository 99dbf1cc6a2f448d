//! Inviting a whole list, against the real Synapse: a 200-line file with good and bad
//! lines gives exactly the expected preview and report, and the server really holds
//! the invitations. Rate limiting ("429, retry after") is injected by a stub, the one
//! fault the test server is configured never to produce.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use chappe_core::{
    bulk_invite::{self, Progress, RowStatus},
    invite_list::{self, Problem},
    invites::{self, PendingInvite, RevokeTarget},
};
use common::{enc, server, wait_joined, HttpStub, User};
use futures_util::future::join_all;
use matrix_sdk::ruma::RoomId;

/// What the test expects for one item of the file.
#[derive(Debug)]
struct Expect {
    line: u32,
    status: RowStatus,
}

#[tokio::test(flavor = "multi_thread")]
async fn a_200_line_list_with_bad_lines_gives_the_exact_report_and_real_invitations() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let members: Vec<User> = join_all((0..10).map(|i| {
        let server = &server;
        async move { server.register("member", &format!("Membre {i}")).await }
    }))
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    let invited: Vec<User> = join_all((0..10).map(|i| {
        let server = &server;
        async move { server.register("invited", &format!("Invité {i}")).await }
    }))
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    let fresh: Vec<User> = join_all((0..100).map(|i| {
        let server = &server;
        async move { server.register("fresh", &format!("Agent {i}")).await }
    }))
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    let everyone_before: Vec<&User> = members.iter().chain(invited.iter()).collect();
    let room_id = server
        .create_room(&alice, "Liste", &everyone_before)
        .await
        .unwrap();
    for m in &members {
        server.join(m, &room_id).await.unwrap();
    }

    // The file: 200 lines, built with what each item must give.
    let mut lines: Vec<String> = Vec::new();
    let mut expect: Vec<Expect> = Vec::new();
    fn push(
        text: String,
        statuses: Vec<RowStatus>,
        lines: &mut Vec<String>,
        expect: &mut Vec<Expect>,
    ) {
        lines.push(text);
        let line = u32::try_from(lines.len()).unwrap();
        for status in statuses {
            expect.push(Expect { line, status });
        }
    }
    for (i, u) in fresh.iter().enumerate() {
        // Every fifth fresh account is written Outlook style, every seventh is
        // followed on the same line by a duplicate of the previous one.
        let text = if i % 5 == 0 {
            format!("\"Agent, {i}\" <{}>", u.user_id)
        } else if i % 7 == 0 && i > 0 {
            format!("{} ; {}", u.user_id, fresh[i - 1].user_id)
        } else {
            u.user_id.clone()
        };
        let mut statuses = vec![RowStatus::Ready];
        if i % 7 == 0 && i % 5 != 0 && i > 0 {
            // The previous account's first line is the line before, itself.
            let first_line = u32::try_from(lines.len()).unwrap(); // 1-based line of i-1
            statuses.push(RowStatus::Duplicate { first_line });
        }
        push(text, statuses, &mut lines, &mut expect);
    }
    for m in &members {
        push(
            m.user_id.clone(),
            vec![RowStatus::AlreadyMember],
            &mut lines,
            &mut expect,
        );
    }
    for u in &invited {
        push(
            u.user_id.clone(),
            vec![RowStatus::AlreadyInvited],
            &mut lines,
            &mut expect,
        );
    }
    for i in 0..10 {
        push(
            format!("@nobody_{i}_{}:localhost", common::random_name("x")),
            vec![RowStatus::UnknownUser],
            &mut lines,
            &mut expect,
        );
    }
    let bad = [
        ("Jean Dupont", Problem::NotAnAddress),
        ("@not valid", Problem::InvalidUserId),
        ("jean@", Problem::InvalidEmail),
        ("a@b", Problem::InvalidEmail),
        ("06 12 34 56 78", Problem::NotAnAddress),
    ];
    for i in 0..20 {
        let (text, problem) = bad[i % bad.len()];
        push(
            text.to_owned(),
            vec![RowStatus::Invalid { problem }],
            &mut lines,
            &mut expect,
        );
    }
    for i in 0..20 {
        push(
            format!("Agent.Externe{i}@Ministere.Gouv.FR"),
            vec![RowStatus::NeedsIdentityServer],
            &mut lines,
            &mut expect,
        );
    }
    // Whole-line duplicates of the first fresh accounts, and blank lines (skipped).
    let mut i = 1;
    while lines.len() < 196 {
        let first_line = expect
            .iter()
            .find(|e| {
                e.status == RowStatus::Ready && {
                    lines[e.line as usize - 1].contains(&fresh[i].user_id)
                }
            })
            .unwrap()
            .line;
        push(
            fresh[i].user_id.clone(),
            vec![RowStatus::Duplicate { first_line }],
            &mut lines,
            &mut expect,
        );
        i += 1;
    }
    while lines.len() < 200 {
        lines.push("   ".into());
    }
    assert_eq!(lines.len(), 200);
    let text = lines.join("\r\n");

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    wait_joined(&session, &room_id).await;
    let client = session.client().clone();
    let room = client
        .get_room(<&RoomId>::try_from(room_id.as_str()).unwrap())
        .unwrap();

    let entries = invite_list::parse(&text);
    let rows = bulk_invite::preview(&client, &room, &entries, None)
        .await
        .unwrap();
    let got: Vec<(u32, RowStatus)> = rows.iter().map(|r| (r.line, r.status.clone())).collect();
    let want: Vec<(u32, RowStatus)> = expect.iter().map(|e| (e.line, e.status.clone())).collect();
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w, "line {}: {:?}", g.0, lines[g.0 as usize - 1]);
    }
    assert_eq!(got.len(), want.len());
    let ready = rows.iter().filter(|r| r.status == RowStatus::Ready).count();
    assert_eq!(ready, 100);

    let mut progress: Vec<Progress> = Vec::new();
    let report = bulk_invite::send(&client, &room_id, rows, None, |p| progress.push(p)).await;
    let invited_now = report
        .iter()
        .filter(|r| r.status == RowStatus::Invited)
        .count();
    assert_eq!(
        invited_now,
        100,
        "{:#?}",
        report
            .iter()
            .filter(|r| matches!(r.status, RowStatus::Failed { .. }))
            .collect::<Vec<_>>()
    );
    assert_eq!(progress.last().map(|p| (p.done, p.total)), Some((100, 100)));
    assert_eq!(report.len(), want.len());
    // Everything but the Ready rows is reported as the preview said.
    for (r, w) in report.iter().zip(&want) {
        if w.1 != RowStatus::Ready {
            assert_eq!(r.status, w.1);
        }
    }
    let csv = bulk_invite::report_csv(&report);
    assert_eq!(csv.lines().count(), report.len() + 1);
    assert_eq!(csv.matches(",invited\n").count(), 100);

    // The server agrees: 110 pending invitations (10 before, 100 now).
    let res = server
        .get(
            &alice,
            &format!("/rooms/{}/members?membership=invite", enc(&room_id)),
        )
        .await
        .unwrap();
    let pending_ids: Vec<&str> = res["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["state_key"].as_str())
        .collect();
    assert_eq!(pending_ids.len(), 110);
    for u in &fresh {
        assert!(
            pending_ids.contains(&u.user_id.as_str()),
            "{} not invited",
            u.user_id
        );
    }

    // Pending invitations are listed, and one withdrawn is gone for the server too.
    let pending = invites::pending(&client, &room_id).await.unwrap();
    assert_eq!(pending.len(), 110);
    let victim = fresh[0].user_id.clone();
    assert!(pending.iter().any(|p| matches!(p, PendingInvite::Account { user_id, invited_by, .. } if *user_id == victim && *invited_by == alice.user_id)));
    invites::revoke(&client, &room_id, &RevokeTarget::Account(victim.clone()))
        .await
        .unwrap();
    let after = invites::pending(&client, &room_id).await.unwrap();
    assert_eq!(after.len(), 109);
    let state = server
        .get(
            &alice,
            &format!(
                "/rooms/{}/state/m.room.member/{}",
                enc(&room_id),
                enc(&victim)
            ),
        )
        .await
        .unwrap();
    assert_eq!(state["membership"], "leave");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_right_to_invite_every_line_says_not_allowed() {
    let server = server();
    let owner = server.register("owner", "Owner").await.unwrap();
    let guest = server.register("guest", "Guest").await.unwrap();
    let other = server.register("other", "Other").await.unwrap();
    let room_id = server
        .create_room(&owner, "Fermé", &[&guest])
        .await
        .unwrap();
    server.join(&guest, &room_id).await.unwrap();
    // Invitations need level 50 here; the guest has 0.
    let mut levels = server
        .get(
            &owner,
            &format!("/rooms/{}/state/m.room.power_levels/", enc(&room_id)),
        )
        .await
        .unwrap();
    levels["invite"] = 50.into();
    let res = reqwest::Client::new()
        .put(format!(
            "{}/_matrix/client/v3/rooms/{}/state/m.room.power_levels/",
            server.url,
            enc(&room_id)
        ))
        .bearer_auth(&owner.token)
        .json(&levels)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&guest, dir.path()).await.unwrap();
    wait_joined(&session, &room_id).await;
    let client = session.client().clone();
    let room = client
        .get_room(<&RoomId>::try_from(room_id.as_str()).unwrap())
        .unwrap();
    let entries = invite_list::parse(&format!("{}\nnobody", other.user_id));
    let rows = bulk_invite::preview(&client, &room, &entries, None)
        .await
        .unwrap();
    assert_eq!(
        rows[0].status,
        RowStatus::NotAllowed {
            reason: bulk_invite::NotAllowed::NoPower
        }
    );
    assert_eq!(
        rows[1].status,
        RowStatus::Invalid {
            problem: Problem::NotAnAddress
        }
    );
}

/// A homeserver that answers the first invitation with 429 and `retry_after_ms`, and
/// the next one with success: the invitation waits as told, says so, then succeeds.
#[tokio::test(flavor = "multi_thread")]
async fn too_many_requests_waits_as_the_server_says_and_then_invites() {
    let invites_seen = Arc::new(AtomicUsize::new(0));
    let seen = invites_seen.clone();
    let stub = HttpStub::start(move |line| {
        if line.contains("/invite") {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                return (429, r#"{"errcode":"M_LIMIT_EXCEEDED","error":"Too Many Requests","retry_after_ms":700}"#.into());
            }
            return (200, "{}".into());
        }
        if line.contains("/versions") {
            return (200, r#"{"versions":["v1.11"]}"#.into());
        }
        (404, r#"{"errcode":"M_UNRECOGNIZED","error":"stub"}"#.into())
    })
    .await;
    let client = matrix_sdk::Client::builder()
        .homeserver_url(&stub.url)
        .build()
        .await
        .unwrap();
    let session = matrix_sdk::authentication::matrix::MatrixSession {
        meta: matrix_sdk::SessionMeta {
            user_id: "@alice:stub".try_into().unwrap(),
            device_id: "DEVICE".into(),
        },
        tokens: matrix_sdk::SessionTokens {
            access_token: "t".into(),
            refresh_token: None,
        },
    };
    client
        .matrix_auth()
        .restore_session(session, matrix_sdk::store::RoomLoadSettings::default())
        .await
        .unwrap();

    let rows = vec![bulk_invite::Row {
        line: 1,
        text: "@bob:stub".into(),
        address: Some("@bob:stub".into()),
        user_id: Some("@bob:stub".into()),
        status: RowStatus::Ready,
    }];
    let room_id = "!room:stub";
    let mut progress = Vec::new();
    let started = std::time::Instant::now();
    let report = bulk_invite::send(&client, room_id, rows, None, |p| progress.push(p)).await;
    assert_eq!(report[0].status, RowStatus::Invited);
    assert_eq!(invites_seen.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() >= std::time::Duration::from_millis(700));
    assert_eq!(progress[0].waiting_ms, Some(700));
    assert_eq!(progress.last().map(|p| p.done), Some(1));
}
