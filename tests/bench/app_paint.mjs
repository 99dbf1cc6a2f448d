// Whole-app figures, measured on the real window (issue 10): launch → room list
// painted, read back from the UI's own performance marks (ui/src/paintMarks.ts)
// through WebDriver, and the memory of every process of the app (the app, WebKit's
// web and network processes) sampled from /proc meanwhile. Runs inside
// tests/bench/app_session.sh (D-Bus session, keyring, Xvfb, tauri-driver).
//
// Each run is a cold start (a new data folder, nothing saved: the app signs in with
// CHAPPE_DEMO_USER / CHAPPE_DEMO_PASSWORD, the account's 1,000 rooms come from the
// server) and then a warm start (the same folder: the session is restored from the
// keychain and the rooms from the encrypted local cache), each until all rooms are
// painted, then BENCH_APP_SETTLE seconds more for the steady memory.
// launch → paint = performance.timeOrigin + mark.startTime − the epoch time just
// before the WebDriver "new session" that starts the app.
//
// Once all rooms are painted, BENCH_APP_SWITCHES (5) rooms of the list are opened one
// after the other: click -> the frame that shows the room's first messages, both read
// on the page's own clock.
//
// Env: WEBDRIVER_URL, TAURI_DRIVER_PID, APP (the wrapper that starts the app with the
// data folder named in DATA_DIR_FILE), DATA_DIR_FILE, BENCH_ROOMS (1000),
// BENCH_APP_RUNS (2), BENCH_APP_SETTLE (20), BENCH_APP_SWITCHES (5), BENCH_SHOTS (screenshots folder),
// ENV_FILE (variables the wrapper sets for a launch), BENCH_APP_VARIANT (e.g.
// "CHAPPE_WEBKIT_CACHE=browser": the same runs again with that set, rows labelled so;
// several variants separated by ";", each line of variables as a shell would read them).
// Prints markdown rows; exit code 1 when a run did not paint all rooms.
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebDriver } from "../e2e/webdriver.mjs";

const ROOMS = Number(process.env.BENCH_ROOMS || 1000);
const RUNS = Math.max(1, Number(process.env.BENCH_APP_RUNS || 2));
const SETTLE_S = Number(process.env.BENCH_APP_SETTLE || 20);
const SWITCHES = Number(process.env.BENCH_APP_SWITCHES ?? 5);
const PAINT_TIMEOUT_MS = Number(process.env.BENCH_APP_TIMEOUT || 300) * 1000;
const SHOTS = process.env.BENCH_SHOTS || "target/bench";
const driverPid = Number(process.env.TAURI_DRIVER_PID);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the app's processes and their memory, from /proc --------------------------------

async function processTable() {
  const table = new Map(); // pid -> { ppid, comm }
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      table.set(Number(name), { ppid, comm });
    } catch {
      /* the process ended meanwhile */
    }
  }
  return table;
}

function below(table, root) {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const [pid, p] of table) if (p.ppid === out[i]) out.push(pid);
  }
  return out;
}

/** The app (the first `chappe` process under tauri-driver) and everything below it;
 *  not tauri-driver or WebKitWebDriver, which are the harness. */
async function appProcesses() {
  const table = await processTable();
  const app = below(table, driverPid).find((pid) => table.get(pid)?.comm === "chappe");
  if (!app) return [];
  return below(table, app).map((pid) => ({ pid, comm: table.get(pid)?.comm ?? "?" }));
}

async function kb(path, field) {
  try {
    const text = await readFile(path, "utf8");
    const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Samples the summed RSS and PSS of the app's processes every 500 ms until stopped. */
function sampler() {
  const samples = []; // { t, rss, pss, procs }
  let live = true;
  const done = (async () => {
    while (live) {
      const procs = await appProcesses();
      if (procs.length) {
        let rss = 0;
        let pss = 0;
        const each = {};
        for (const { pid, comm } of procs) {
          const r = await kb(`/proc/${pid}/status`, "VmRSS");
          rss += r;
          each[comm] = (each[comm] ?? 0) + r;
          pss += await kb(`/proc/${pid}/smaps_rollup`, "Pss");
        }
        samples.push({ t: Date.now(), rss, pss, procs: procs.map((p) => p.comm), each });
      }
      await sleep(500);
    }
  })();
  return { samples, stop: async () => { live = false; await done; } };
}

// --- one launch -----------------------------------------------------------------------

const MARKS_SCRIPT = `
  const marks = performance.getEntriesByType("mark").filter((m) => m.name.startsWith("chappe:"));
  return {
    origin: performance.timeOrigin,
    painted: document.querySelectorAll("#room-list li.room").length,
    marks: marks.map((m) => ({ name: m.name, start: m.startTime,
      count: (m.detail && m.detail.count) || Number(m.name.split(":")[2]) || 0 })),
  };`;

// A room switch: the page's own clock just before the click, then the room's
// "timeline painted" mark (ui/src/paintMarks.ts) after it.
const CLICK_SCRIPT = `
  const li = document.querySelectorAll("#room-list li.room:not(.invite):not(.selected)")[arguments[0]];
  if (!li) return null;
  const roomId = li.getAttribute("data-room-id");
  const at = performance.now();
  li.click();
  return { roomId, at };`;
// With the marks that split it: "room-open" (the view asks Rust) and "received" (the
// messages reached the page).
const SWITCHED_SCRIPT = `
  const find = (name) => performance.getEntriesByName(name)
    .find((m) => m.detail && m.detail.roomId === arguments[0] && m.startTime >= arguments[1]);
  const painted = find("chappe:timeline-painted");
  const received = find("chappe:timeline-received");
  const asked = find("chappe:room-open");
  return painted ? { painted: painted.startTime, received: received ? received.startTime : null,
    asked: asked ? asked.startTime : null } : null;`;

/** Opens BENCH_APP_SWITCHES rooms of the painted list one after the other; the ms from
 *  each click to the frame that shows the room's first messages (`total`), to the view
 *  asking Rust to open the room (`asked`), and to the messages reaching the page
 *  (`received`). */
async function switchRooms(wd, label) {
  const out = [];
  for (let i = 0; i < SWITCHES; i++) {
    const click = await wd.script(CLICK_SCRIPT, i).catch(() => null);
    if (!click) break;
    const deadline = Date.now() + 30_000;
    let painted = null;
    while (painted === null && Date.now() < deadline) {
      painted = await wd.script(SWITCHED_SCRIPT, click.roomId, click.at).catch(() => null);
      if (painted === null) await sleep(20);
    }
    out.push({
      total: painted === null ? NaN : painted.painted - click.at,
      received: painted?.received == null ? NaN : painted.received - click.at,
      asked: painted?.asked == null ? NaN : painted.asked - click.at,
    });
  }
  if (out.length) await wd.screenshot(`${SHOTS}/app-${label}-switched.png`).catch(() => {});
  return out;
}

async function launch(label, dataDir) {
  await writeFile(process.env.DATA_DIR_FILE, dataDir);
  const wd = new WebDriver(process.env.WEBDRIVER_URL);
  const mem = sampler();
  const launchedAt = Date.now();
  await wd.start(process.env.APP);
  const sessionAt = Date.now();
  let state;
  const deadline = Date.now() + PAINT_TIMEOUT_MS;
  for (;;) {
    state = await wd.script(MARKS_SCRIPT).catch(() => null);
    if (state && state.marks.some((m) => m.name.startsWith("chappe:rooms-painted:") && m.count >= ROOMS)) break;
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const at = (m) => (m ? state.origin + m.start - launchedAt : NaN);
  const first = state?.marks.find((m) => m.name === "chappe:room-list-painted");
  const all = state?.marks.find((m) => m.name.startsWith("chappe:rooms-painted:") && m.count >= ROOMS);
  const result = {
    label,
    session: sessionAt - launchedAt,
    first: at(first),
    firstCount: first?.count ?? 0,
    all: at(all),
    painted: state?.painted ?? 0,
    marks: state?.marks ?? [],
  };
  await wd.screenshot(`${SHOTS}/app-${label}.png`).catch(() => {});
  result.switches = all ? await switchRooms(wd, label) : [];
  if (all) await sleep(SETTLE_S * 1000);
  await mem.stop();
  await wd.quit();
  // The next launch must not find this one still running (single instance).
  for (let i = 0; i < 100 && (await appProcesses()).length; i++) await sleep(100);
  const s = mem.samples;
  const steadyFrom = (s.at(-1)?.t ?? 0) - Math.min(10, SETTLE_S) * 1000;
  const steady = s.filter((x) => x.t >= steadyFrom);
  const mean = (xs, f) => xs.reduce((a, x) => a + f(x), 0) / Math.max(1, xs.length);
  result.peakRss = Math.max(0, ...s.map((x) => x.rss));
  result.peakPss = Math.max(0, ...s.map((x) => x.pss));
  result.steadyRss = mean(steady, (x) => x.rss);
  result.steadyPss = mean(steady, (x) => x.pss);
  result.each = s.at(-1)?.each ?? {};
  const last = s.at(-1)?.procs ?? [];
  result.procs = [...new Set(last)].map((c) => `${c} x${last.filter((x) => x === c).length}`).join(", ");
  console.error(`${label}: ${JSON.stringify({ ...result, marks: result.marks.length })}`);
  return result;
}

// --- the table ------------------------------------------------------------------------

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : "n/a");
const mib = (k) => `${(k / 1024).toFixed(0)} MiB`;
function timeRow(name, xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  return `| ${name} | ${ms(median(xs))} | ${v.length ? ms(Math.min(...v)) : ""} | ${v.length ? ms(Math.max(...v)) : ""} | ${v.length}/${xs.length} runs |`;
}

async function runsOf(variant) {
  await writeFile(process.env.ENV_FILE, variant ? `${variant}\n` : "");
  const cold = [];
  const warm = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = await mkdtemp(join(tmpdir(), "chappe-bench-app-"));
    const tag = variant ? `${variant.replace(/\W+/g, "_")}-` : "";
    cold.push(await launch(`${tag}cold-${i + 1}`, dir));
    warm.push(await launch(`${tag}warm-${i + 1}`, dir));
  }
  return { variant, cold, warm };
}

// BENCH_APP_BASE=0: the variants only.
const sets = process.env.BENCH_APP_BASE === "0" ? [] : [await runsOf("")];
for (const v of (process.env.BENCH_APP_VARIANT || "").split(";").map((x) => x.trim()).filter(Boolean)) {
  sets.push(await runsOf(v));
}

const rows = [];
for (const { variant, cold, warm } of sets) {
  const v = variant ? `, ${variant}` : "";
  for (const [kind, rs] of [[`cold (sign-in)${v}`, cold], [`warm (saved session)${v}`, warm]]) {
    rows.push(timeRow(`app ${kind}: launch -> window ready (WebDriver session)`, rs.map((r) => r.session)));
    rows.push(timeRow(`app ${kind}: launch -> room list painted (first ${median(rs.map((r) => r.firstCount))} rooms)`,
      rs.map((r) => r.first)));
    rows.push(timeRow(`app ${kind}: launch -> all ${ROOMS} rooms painted`, rs.map((r) => r.all)));
    rows.push(timeRow(`app ${kind}: room switch -> first messages painted (${SWITCHES} rooms per run)`,
      rs.flatMap((r) => r.switches.map((x) => x.total))));
    rows.push(timeRow(`app ${kind}:   of which click -> open asked (the click's own work in the page)`,
      rs.flatMap((r) => r.switches.map((x) => x.asked))));
    rows.push(timeRow(`app ${kind}:   of which open asked -> messages received from Rust (core, IPC)`,
      rs.flatMap((r) => r.switches.map((x) => x.received - x.asked))));
    rows.push(timeRow(`app ${kind}:   of which received -> painted (drawing, frame)`,
      rs.flatMap((r) => r.switches.map((x) => x.total - x.received))));
    rows.push(`| app ${kind}: RSS summed (${rs[0].procs}) | peak ${mib(median(rs.map((r) => r.peakRss)))} | | | steady ${mib(median(rs.map((r) => r.steadyRss)))} |`);
    const by = Object.keys(rs[0].each).map((c) => `${c} ${mib(median(rs.map((r) => r.each[c] ?? 0)))}`).join(", ");
    rows.push(`| app ${kind}: RSS by process at the end | ${by} | | | |`);
    rows.push(`| app ${kind}: PSS summed | peak ${mib(median(rs.map((r) => r.peakPss)))} | | | steady ${mib(median(rs.map((r) => r.steadyPss)))} |`);
  }
}
console.log(rows.join("\n"));
const failed = sets.flatMap((x) => [...x.cold, ...x.warm]).filter((r) => !Number.isFinite(r.all));
for (const r of failed) console.error(`${r.label}: all ${ROOMS} rooms were not painted (${r.painted} rows drawn: the list is windowed)`);
process.exit(failed.length ? 1 : 0);
