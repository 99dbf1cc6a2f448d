//! Favourite and low-priority tags, against the real Synapse: set from Chappe, stored
//! as the room's `m.tag` account data on the server, and shown in the room list once
//! the sync brings them back.
#![recursion_limit = "256"]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chappe_core::{
    room_list::{self, RoomTag, RoomTagError},
    RoomSummary, Session,
};
use common::{enc, server, wait_for, wait_joined, SYNC_TIMEOUT};

async fn summary_where(
    session: &Session,
    room_id: &str,
    what: &str,
    check: impl Fn(&RoomSummary) -> bool,
) {
    let rooms = session.rooms().clone();
    wait_for(what, SYNC_TIMEOUT, || {
        let ok = rooms
            .snapshot()
            .iter()
            .any(|r| r.room_id == room_id && check(r));
        async move { ok.then_some(()) }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn favourite_and_low_priority_round_trip_and_exclude_each_other() {
    let server = server();
    let alice = server.register("alice", "Alice").await.unwrap();
    let room = server.create_room(&alice, "Projets", &[]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let session = server.login(&alice, dir.path()).await.unwrap();
    wait_joined(&session, &room).await;
    let client = session.client().clone();
    summary_where(&session, &room, "an untagged room", |r| {
        !r.is_favourite && !r.is_low_priority
    })
    .await;

    room_list::set_tag(&client, &room, RoomTag::Favourite, true)
        .await
        .unwrap();
    summary_where(&session, &room, "the favourite in the list", |r| {
        r.is_favourite && !r.is_low_priority
    })
    .await;
    let tags_path = format!("/user/{}/rooms/{}/tags", enc(&alice.user_id), enc(&room));
    let tags = server.get(&alice, &tags_path).await.unwrap();
    assert!(
        tags["tags"].get("m.favourite").is_some(),
        "not on the server: {tags}"
    );

    // Low priority replaces favourite.
    room_list::set_tag(&client, &room, RoomTag::LowPriority, true)
        .await
        .unwrap();
    summary_where(&session, &room, "low priority instead of favourite", |r| {
        !r.is_favourite && r.is_low_priority
    })
    .await;
    let tags = server.get(&alice, &tags_path).await.unwrap();
    assert!(
        tags["tags"].get("m.lowpriority").is_some() && tags["tags"].get("m.favourite").is_none(),
        "{tags}"
    );

    room_list::set_tag(&client, &room, RoomTag::LowPriority, false)
        .await
        .unwrap();
    summary_where(&session, &room, "no tag again", |r| {
        !r.is_favourite && !r.is_low_priority
    })
    .await;

    let unknown = room_list::set_tag(&client, "!nope:localhost", RoomTag::Favourite, true).await;
    assert!(
        matches!(unknown, Err(RoomTagError::NoRoom(_))),
        "{unknown:?}"
    );
}
