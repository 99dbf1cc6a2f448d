"""matrix-nio as the other side of an emoji (SAS) verification with Chappe.

nio (PyPI matrix-nio[e2e]) verifies over to-device messages without the spec's
request step: it sends or answers a bare `m.key.verification.start`. It logs in as
--user (a fresh device, store in a temporary folder), waits until it knows the
keys of --peer-device of --peer-user, then:

  --mode start   starts the verification with that device (after a line on stdin:
                 the other side must first learn nio's keys);
  --mode accept  waits for that device to start one, and accepts it.

Once the keys are exchanged it prints the emojis and numbers it shows, then answers
as --answer says: `match` (confirm) or `mismatch` (cancel with m.mismatched_sas).

--compat applies, in this process only, the fixes of three interop bugs of nio
0.26.0 against every spec-conforming client (Element, matrix-rust-sdk):
  1. the commitment of m.key.verification.accept is a hex digest instead of
     unpadded base64 (matrix-nio issue #570, PR #572): the side that checks it
     cancels with m.mismatched_commitment;
  2. with MAC method `hkdf-hmac-sha256` it computes MACs with vodozemac's
     `calculate_mac` (correct base64), whereas that method name means libolm's
     historical encoding (`calculate_mac_invalid_base64`; the fixed encoding is
     `hkdf-hmac-sha256.v2`, MSC3783): MACs then never match (PR #573);
  3. it maps vodozemac's emoji indices through the bit-grouping a second time, so
     it shows other emojis than the other side (PR #573); the numbers are right.
Without --compat the peer is stock nio 0.26.0, to show where it breaks.

Output: one JSON object per line on stdout:
  {"event": "ready", "device_id": ...}
  {"event": "compare", "emojis": [[symbol, name], ...], "decimals": [a, b, c]}
  {"event": "done"}           (nio marked the peer device verified)
  {"event": "cancelled", "code": ..., "by_us": bool}
Exits 0 after done or cancelled, 1 on error or after --timeout seconds.
"""

import argparse
import asyncio
import hashlib
import json
import logging
import sys
import tempfile

from nio import (
    AsyncClient,
    AsyncClientConfig,
    KeyVerificationCancel,
    LoginResponse,
    SyncResponse,
)
from nio.crypto import sas as nio_sas


def emit(**event) -> None:
    print(json.dumps(event), flush=True)


def apply_compat() -> None:
    """The fixes of matrix-nio PRs #572 and #573, as monkey patches."""
    import unpaddedbase64

    class Sha256Base64:
        # Both commitment sites call `sha256(data).hexdigest()`.
        def __init__(self, data: bytes):
            self._digest = hashlib.sha256(data).digest()

        def hexdigest(self) -> str:
            return unpaddedbase64.encode_base64(self._digest)

    nio_sas.sha256 = Sha256Base64

    class LegacyMacSas:
        # `hkdf-hmac-sha256` (the only MAC method nio offers) is libolm's encoding.
        def __init__(self, inner):
            self._inner = inner

        def bytes(self, info):
            return self._inner.bytes(info)

        def calculate_mac(self, data, info):
            return self._inner.calculate_mac_invalid_base64(data, info)

    original_diffie_hellman = nio_sas.Sas.diffie_hellman

    def diffie_hellman(self, their_public_key):
        return LegacyMacSas(original_diffie_hellman(self, their_public_key))

    nio_sas.Sas.diffie_hellman = diffie_hellman

    def generate_emoji(self, extra_info):
        indices = self.established_sas.bytes(extra_info).emoji_indices
        return [self.emoji[i] for i in indices]

    nio_sas.Sas._generate_emoji = generate_emoji


async def loop_readline() -> str:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def run(args) -> int:
    store = tempfile.mkdtemp(prefix="nio-sas-")
    client = AsyncClient(
        args.homeserver,
        args.user,
        store_path=store,
        config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
    )
    login = await client.login(args.password, device_name="nio peer")
    if not isinstance(login, LoginResponse):
        print(f"login failed: {login}", file=sys.stderr)
        return 1

    cancels = {}

    def on_cancel(event):
        cancels[event.transaction_id] = event.code

    client.add_to_device_callback(on_cancel, KeyVerificationCancel)

    async def sync_once(timeout_ms=1000):
        resp = await client.sync(timeout=timeout_ms, full_state=False)
        if not isinstance(resp, SyncResponse):
            print(f"sync failed: {resp}", file=sys.stderr)
        if client.should_upload_keys:
            await client.keys_upload()
        await client.send_to_device_messages()

    await sync_once(0)
    # Learn the keys of the peer's device (nio only tracks users it shares an
    # encrypted room with).
    for _ in range(60):
        client.olm.users_for_key_query.add(args.peer_user)
        await client.keys_query()
        devices = {d.id: d for d in client.device_store.active_user_devices(args.peer_user)}
        if args.peer_device in devices:
            peer = devices[args.peer_device]
            break
        await asyncio.sleep(0.5)
    else:
        print("the peer device's keys never appeared", file=sys.stderr)
        return 1
    emit(event="ready", device_id=client.device_id)

    flows = {}
    if args.mode == "start":
        # The other side must know our keys first (it ignores a start from a device
        # it does not know): wait for its go-ahead, one line on stdin.
        await loop_readline()
        await client.start_key_verification(peer)
        for txn, sas in client.key_verifications.items():
            flows[txn] = sas

    accepted, compared, confirmed = set(), set(), set()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout
    while loop.time() < deadline:
        await sync_once()
        for txn, sas in list(client.key_verifications.items()):
            flows.setdefault(txn, sas)
        for txn, sas in flows.items():
            if sas.canceled:
                code = cancels.get(txn) or sas.cancel_code
                emit(event="cancelled", code=code, by_us=txn not in cancels)
                await client.send_to_device_messages()
                await client.close()
                return 0
            if args.mode == "accept" and not sas.we_started_it and txn not in accepted:
                accepted.add(txn)
                await client.accept_key_verification(txn)
            if sas.state == nio_sas.SasState.key_received and txn not in compared:
                compared.add(txn)
                emit(
                    event="compare",
                    emojis=[list(e) for e in sas.get_emoji()],
                    decimals=list(sas.get_decimals()),
                )
                if args.answer == "match":
                    confirmed.add(txn)
                    await client.confirm_short_auth_string(txn)
                else:
                    await client.cancel_key_verification(txn, reject=True)
            if sas.verified and txn in confirmed:
                peer_device = client.device_store[args.peer_user][args.peer_device]
                emit(event="done", peer_verified=peer_device.verified)
                await client.close()
                return 0
    print("timed out", file=sys.stderr)
    await client.close()
    return 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--homeserver", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--peer-user", required=True)
    parser.add_argument("--peer-device", required=True)
    parser.add_argument("--mode", choices=["start", "accept"], required=True)
    parser.add_argument("--answer", choices=["match", "mismatch"], default="match")
    parser.add_argument("--compat", action="store_true")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.compat:
        apply_compat()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
