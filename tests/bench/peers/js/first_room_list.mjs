// matrix-js-sdk, cold: password login -> rust crypto ready -> first sync done with the
// whole room list. The same points Chappe's "cold login -> first 20 / all rooms" rows
// measure: `first=` when the client knows the first BENCH_FIRST rooms (a first screen
// of the list, the earliest an app on this SDK could paint it), `ms=` when the first
// sync is done with every room. The classic /v3/sync hands the rooms over only once
// its whole answer has arrived, so the two are close.
// Env: BENCH_HS (base URL), BENCH_USER, BENCH_PASSWORD, BENCH_ROOMS (rooms expected),
// BENCH_FIRST (default 20), BENCH_RUNS. Prints one line per run:
// `first=<float> ms=<float>`; a fresh device each run, logged out afterwards so the
// account does not pile up devices.
// Node has no IndexedDB: the crypto store is in memory (the browser would pay more).
import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";

logger.setLevel("silent");
// The rust crypto (wasm) logs through console: keep stdout for the results.
const out = (line) => process.stdout.write(line + "\n");
for (const level of ["log", "debug", "info", "warn", "trace"]) console[level] = () => {};
const hs = process.env.BENCH_HS;
const user = process.env.BENCH_USER;
const password = process.env.BENCH_PASSWORD;
const rooms = Number(process.env.BENCH_ROOMS);
const runs = Number(process.env.BENCH_RUNS || 1);
const firstWanted = Math.min(Number(process.env.BENCH_FIRST || 20), rooms);

async function once() {
  const t0 = performance.now();
  const anon = sdk.createClient({ baseUrl: hs });
  const login = await anon.loginRequest({
    type: "m.login.password",
    identifier: { type: "m.id.user", user },
    password,
    initial_device_display_name: "bench js-sdk",
  });
  const client = sdk.createClient({
    baseUrl: hs,
    accessToken: login.access_token,
    userId: login.user_id,
    deviceId: login.device_id,
  });
  await client.initRustCrypto({ useIndexedDB: false });
  // The client emits `Room` as it stores each room of the sync answer.
  let first = null;
  client.on(sdk.ClientEvent.Room, () => {
    if (first === null && client.getRooms().length >= firstWanted) first = performance.now() - t0;
  });
  const prepared = new Promise((resolve, reject) => {
    client.on(sdk.ClientEvent.Sync, (state) => {
      if (state === "PREPARED" || state === "SYNCING") resolve();
      if (state === "ERROR") reject(new Error("sync error"));
    });
  });
  // Element's defaults for the first sync: members lazy-loaded.
  await client.startClient({ lazyLoadMembers: true });
  await prepared;
  const got = client.getRooms().length;
  const ms = performance.now() - t0;
  if (got < rooms) throw new Error(`room list has ${got} rooms, expected ${rooms}`);
  client.stopClient();
  await client.logout(true).catch(() => {});
  return { first: first ?? ms, ms };
}

for (let i = 0; i < runs; i++) {
  const r = await once();
  out(`first=${r.first.toFixed(1)} ms=${r.ms.toFixed(1)}`);
}
process.exit(0);
