"""matrix-nio, cold: password login (olm account + sqlite store created) -> first
sync answered with the whole room list. The same point as Chappe's "cold login ->
all rooms" row. nio's sync_forever would upload device keys only after that first
sync, so key upload is not counted here (it is in Chappe's figure).

nio hands over no room before its whole first sync answer is parsed, so its first
screen of rooms comes at the same moment as the whole list: `first=` equals `ms=`.

Env: BENCH_HS, BENCH_USER, BENCH_PASSWORD, BENCH_ROOMS, BENCH_RUNS. Prints one line
per run, `first=<float> ms=<float>`; a fresh device and store per run, logged out
afterwards.
"""

import asyncio
import logging
import os
import sys
import tempfile
import time

from nio import AsyncClient, AsyncClientConfig, LoginResponse, SyncResponse

# nio logs every event it cannot decrypt (the seed's encrypted rooms have some).
logging.disable(logging.CRITICAL)

HS = os.environ["BENCH_HS"]
USER = os.environ["BENCH_USER"]
PASSWORD = os.environ["BENCH_PASSWORD"]
ROOMS = int(os.environ["BENCH_ROOMS"])
RUNS = int(os.environ.get("BENCH_RUNS", "1"))
# Element's first-sync filter: members lazy-loaded.
FILTER = {"room": {"state": {"lazy_load_members": True}}}


async def once() -> float:
    with tempfile.TemporaryDirectory() as store:
        t0 = time.perf_counter()
        client = AsyncClient(
            HS,
            USER,
            store_path=store,
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
        )
        login = await client.login(PASSWORD, device_name="bench nio")
        if not isinstance(login, LoginResponse):
            raise SystemExit(f"login failed: {login}")
        sync = await client.sync(timeout=0, full_state=True, sync_filter=FILTER)
        if not isinstance(sync, SyncResponse):
            raise SystemExit(f"sync failed: {sync}")
        ms = (time.perf_counter() - t0) * 1e3
        if len(client.rooms) < ROOMS:
            raise SystemExit(f"room list has {len(client.rooms)} rooms, expected {ROOMS}")
        await client.logout()
        await client.close()
        return ms


async def main() -> None:
    for _ in range(RUNS):
        ms = await once()
        print(f"first={ms:.1f} ms={ms:.1f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
