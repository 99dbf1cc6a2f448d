#!/usr/bin/env python3
"""The benchmark's seed without building anything: the same account, rooms, messages,
transaction ids and completion marker as `seed` in core/benches/startup.rs (keep the
two identical), so the bench finds the seed done and skips it. For a fresh machine,
where 1,000 rooms take minutes of Synapse time: seed while the release build runs.
Usage: tests/bench/seed.py HOMESERVER SECRET [ROOMS=1000] [MESSAGES=20]. Stdlib only."""
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "bench-password"
PEERS = ["bench_peer_a", "bench_peer_b", "bench_peer_c"]
HS, SECRET = sys.argv[1].rstrip("/"), sys.argv[2]
ROOMS = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
MESSAGES = int(sys.argv[4]) if len(sys.argv) > 4 else 20


class Fail(Exception):
    pass


def call(method, token, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(HS + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raise Fail(f"{path}: {e.code} {e.read().decode(errors='replace')}") from None


def account(user):
    reg = "/_synapse/admin/v1/register"
    nonce = call("GET", None, reg)["nonce"]
    mac = hmac.new(SECRET.encode(), f"{nonce}\0{user}\0{PASSWORD}\0notadmin".encode(), hashlib.sha1)
    try:
        call("POST", None, reg, {"nonce": nonce, "username": user, "password": PASSWORD,
                                 "admin": False, "mac": mac.hexdigest()})
    except Fail as e:
        if "M_USER_IN_USE" not in str(e):
            raise
    v = call("POST", None, "/_matrix/client/v3/login", {
        "type": "m.login.password", "identifier": {"type": "m.id.user", "user": user},
        "password": PASSWORD, "device_id": "BENCHSEED"})
    return v["access_token"]


user = f"bench_{ROOMS}x{MESSAGES}"
owner = account(user)
peers = [account(p) for p in PEERS]
mxid = f"@{user}:localhost"
marker = f"/_matrix/client/v3/user/{mxid}/account_data/fr.chappe.bench_seed"
try:
    call("GET", owner, marker)
    print(f"seed ready: {user} (already seeded)")
    sys.exit(0)
except Fail:
    pass

start = time.time()
done = 0


def seed_room(i):
    global done
    alias = f"b{ROOMS}x{MESSAGES}-{i}"
    initial_state = []
    if i % 4 == 1:
        initial_state.append({"type": "m.room.encryption", "state_key": "",
                              "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
    try:
        room = call("POST", owner, "/_matrix/client/v3/createRoom", {
            "name": f"Salon {i:04}", "preset": "public_chat", "room_alias_name": alias,
            "initial_state": initial_state})["room_id"]
    except Fail as e:
        if "M_ROOM_IN_USE" not in str(e):
            raise
        a = urllib.parse.quote_plus(f"#{alias}:localhost")
        room = call("GET", None, f"/_matrix/client/v3/directory/room/{a}")["room_id"]
    enc = urllib.parse.quote_plus(room)
    writers = [peers[i % 3], peers[(i + 1) % 3]]
    for w in writers:
        call("POST", w, f"/_matrix/client/v3/join/{enc}", {})
    for m in range(MESSAGES):
        mention = i % 3 == 0 and m + 2 >= MESSAGES
        if mention:
            who, content = writers[m % 2], {"msgtype": "m.text", "body": f"{mxid}: regarde le message {m}",
                                            "m.mentions": {"user_ids": [mxid]}}
        elif m % 3 == 0:
            who, content = owner, {"msgtype": "m.text", "body": f"réponse {m}"}
        else:
            who, content = writers[m % 2], {"msgtype": "m.text", "body": f"message {m} du salon {i}"}
        call("PUT", who, f"/_matrix/client/v3/rooms/{enc}/send/m.room.message/s{i}m{m}", content)
    done += 1
    if done % 100 == 0:
        print(f"seeded {done}/{ROOMS} rooms ({time.time() - start:.0f} s)", flush=True)


# Synapse (one Python process, sqlite) is the limit: 16 in flight, as startup.rs.
with ThreadPoolExecutor(16) as pool:
    list(pool.map(seed_room, range(ROOMS)))
call("PUT", owner, marker, {"done": True})
print(f"seeded {ROOMS} rooms x {MESSAGES} messages in {time.time() - start:.1f} s")
