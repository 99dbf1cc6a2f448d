// matrix-js-sdk, cold: password login -> rust crypto ready -> first sync done with the
// whole room list. The same point Chappe's "cold login -> all rooms" row measures.
// Env: BENCH_HS (base URL), BENCH_USER, BENCH_PASSWORD, BENCH_ROOMS (rooms expected),
// BENCH_RUNS. Prints one line per run: `ms=<float>`; a fresh device each run,
// logged out afterwards so the account does not pile up devices.
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
  return ms;
}

for (let i = 0; i < runs; i++) {
  out(`ms=${(await once()).toFixed(1)}`);
}
process.exit(0);
