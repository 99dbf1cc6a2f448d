// A tiny W3C WebDriver client (tauri-driver speaks W3C WebDriver and forwards to
// WebKitWebDriver). No npm dependency: Node's fetch is enough.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriver {
  constructor(base = "http://127.0.0.1:4444") {
    this.base = base;
    this.session = null;
  }

  async cmd(method, path, body) {
    const url = this.session && !path.startsWith("/session")
      ? `${this.base}/session/${this.session}${path}`
      : `${this.base}${path}`;
    let res;
    try {
      res = await fetch(url, {
        method,
        headers: { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        // Starting the app (new session) is the slowest command; nothing should take longer.
        signal: AbortSignal.timeout(120000),
      });
    } catch (e) {
      throw new Error(`WebDriver ${method} ${path}: ${e.cause?.message || e.message}`);
    }
    const json = await res.json().catch(() => ({}));
    if (!res.ok || (json.value && json.value.error)) {
      const v = json.value || {};
      throw new Error(`WebDriver ${method} ${path}: ${v.error || res.status} ${v.message || ""}`);
    }
    return json.value;
  }

  /** GET /status: tauri-driver answers it before any session exists. */
  async status() {
    return this.cmd("GET", "/status");
  }

  async start(application, args = []) {
    await singleInstanceFree();
    const value = await this.cmd("POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application, args } } },
    });
    this.session = value.sessionId;
    return value;
  }

  async quit() {
    if (!this.session) return;
    const id = this.session;
    this.session = null;
    await fetch(`${this.base}/session/${id}`, { method: "DELETE" }).catch(() => {});
  }

  async find(css) {
    const v = await this.cmd("POST", "/element", { using: "css selector", value: css });
    return v[ELEMENT];
  }

  async findAll(css) {
    const v = await this.cmd("POST", "/elements", { using: "css selector", value: css });
    return v.map((e) => e[ELEMENT]);
  }

  /** `POST /element/{id}/{action}` on the element matching `css`. Lists re-render: a
   *  room's row is replaced when its content changes, so the node found may be gone
   *  by the time it is acted on ("stale element reference"); it is then found again. */
  async act(css, action, body) {
    for (let attempt = 1; ; attempt++) {
      const id = await this.find(css);
      try {
        return await this.cmd("POST", `/element/${id}/${action}`, body);
      } catch (e) {
        if (attempt >= 3 || !/stale element reference/.test(String(e?.message ?? e))) throw e;
      }
    }
  }

  async click(css) {
    await this.act(css, "click", {});
  }

  async clear(css) {
    await this.act(css, "clear", {});
  }

  async type(css, text) {
    await this.act(css, "value", { text });
  }

  /** The text a user sees in the first element matching `css` ("" when absent). Read
   *  through the DOM rather than an element reference: lists re-render, and a held
   *  reference would go stale. */
  async text(css) {
    return (await this.script(
      "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css)) ?? "";
  }

  async script(source, ...args) {
    return this.cmd("POST", "/execute/sync", { script: source, args });
  }

  /** Polls `check` (an async function returning a truthy value) until `timeoutMs`. */
  async waitUntil(what, check, timeoutMs = 30000) {
    const start = Date.now();
    let last;
    while (Date.now() - start < timeoutMs) {
      try {
        const v = await check();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
  }

  async waitFor(css, timeoutMs) {
    return this.waitUntil(css, async () => (await this.findAll(css)).length > 0, timeoutMs);
  }

  async screenshot(path) {
    const { writeFile, mkdir } = await import("node:fs/promises");
    const { dirname } = await import("node:path");
    const b64 = await this.cmd("GET", "/screenshot");
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.from(b64, "base64"));
    return path;
  }
}

/** Chappe runs once per session bus (tauri-plugin-single-instance): a new start while
 *  the previous app is still shutting down would hand its arguments over and exit, and
 *  the WebDriver session would never open. Waits until that name has no owner. */
async function singleInstanceFree(timeoutMs = 15000) {
  const { execFile } = await import("node:child_process");
  const owned = () => new Promise((resolve) => {
    execFile("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
      "org.freedesktop.DBus.NameHasOwner", "string:fr.chappe.app.SingleInstance"],
    (err, stdout) => resolve(!err && /boolean true/.test(stdout)));
  });
  const start = Date.now();
  while (await owned()) {
    if (Date.now() - start > timeoutMs) throw new Error("the previous Chappe still runs on this session bus");
    await new Promise((r) => setTimeout(r, 100));
  }
}
