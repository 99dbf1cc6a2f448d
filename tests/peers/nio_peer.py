"""Another Matrix client in an encrypted room with Chappe: matrix-nio (with vodozemac),
as installed by tests/bench/peers/setup.sh. Used by core/tests/encryption.rs.

It logs in (a new device, keys uploaded), says READY, waits until the message
PEER_EXPECT arrives *decrypted* in PEER_ROOM (printing GOT), then sends PEER_REPLY
encrypted (to every device, verified or not, as Chappe does) and prints SENT with its
event ID. Messages it cannot decrypt are printed as UTD. Exit code 0 when all went
well, 1 otherwise (the reason on stdout, which the test shows).

Env: PEER_HS, PEER_USER, PEER_PASSWORD, PEER_ROOM, PEER_EXPECT, PEER_REPLY,
PEER_STORE (an empty folder for nio's store), PEER_TIMEOUT (seconds, default 60).
"""

import asyncio
import logging
import os
import sys
import time

from nio import (
    AsyncClient,
    AsyncClientConfig,
    LoginResponse,
    MegolmEvent,
    RoomMessageText,
    RoomSendResponse,
    SyncResponse,
)

# nio logs every event it cannot decrypt yet; the lines printed here say what matters.
logging.disable(logging.CRITICAL)

HS = os.environ["PEER_HS"]
USER = os.environ["PEER_USER"]
PASSWORD = os.environ["PEER_PASSWORD"]
ROOM = os.environ["PEER_ROOM"]
EXPECT = os.environ["PEER_EXPECT"]
REPLY = os.environ["PEER_REPLY"]
STORE = os.environ["PEER_STORE"]
TIMEOUT = float(os.environ.get("PEER_TIMEOUT", "60"))


def say(*words: str) -> None:
    print(*words, flush=True)


async def keep_keys(client: AsyncClient) -> None:
    """What nio's sync_forever does after each sync: one-time keys, device lists,
    Olm sessions."""
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())


async def main() -> int:
    client = AsyncClient(
        HS,
        USER,
        store_path=STORE,
        config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
    )
    try:
        login = await client.login(PASSWORD, device_name="nio peer")
        if not isinstance(login, LoginResponse):
            say("FAIL login", str(login))
            return 1
        sync = await client.sync(timeout=0, full_state=True)
        if not isinstance(sync, SyncResponse):
            say("FAIL sync", str(sync))
            return 1
        await keep_keys(client)
        say("READY", client.device_id)

        deadline = time.monotonic() + TIMEOUT
        pending: list[MegolmEvent] = []
        got = False
        while not got and time.monotonic() < deadline:
            sync = await client.sync(timeout=2000)
            if not isinstance(sync, SyncResponse):
                continue
            await keep_keys(client)
            room = sync.rooms.join.get(ROOM)
            events = list(room.timeline.events) if room else []
            # A message whose key came later than itself: try it again now.
            retry, pending = pending, []
            for ev in retry:
                try:
                    events.append(client.decrypt_event(ev))
                except Exception:  # noqa: BLE001 - still no key: keep waiting
                    pending.append(ev)
            for ev in events:
                if isinstance(ev, RoomMessageText) and ev.body == EXPECT:
                    say("GOT", ev.body)
                    got = True
                elif isinstance(ev, MegolmEvent):
                    say("UTD", ev.session_id)
                    pending.append(ev)
        if not got:
            say("FAIL the message never decrypted")
            return 1

        sent = await client.room_send(
            ROOM,
            "m.room.message",
            {"msgtype": "m.text", "body": REPLY},
            ignore_unverified_devices=True,
        )
        if not isinstance(sent, RoomSendResponse):
            say("FAIL send", str(sent))
            return 1
        say("SENT", sent.event_id)
        return 0
    finally:
        await client.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
