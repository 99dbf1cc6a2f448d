// Minimal Matrix client-server helpers: the "other client" of the end-to-end test,
// talking to the same real Synapse as the app.
import { createHmac, randomBytes } from "node:crypto";

export function rand() {
  return randomBytes(6).toString("hex");
}

export class Matrix {
  constructor(base, secret) {
    this.base = base.replace(/\/$/, "");
    this.secret = secret;
  }

  async call(method, path, token, body) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A hung server must fail the test, not stall it (sync long-polls for 5 s).
      signal: AbortSignal.timeout(60000),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** Registers a user through the shared-secret admin API. */
  async register(prefix, displayname) {
    const username = `${prefix}_${rand()}`;
    const password = `pw-${rand()}`;
    const { nonce } = await this.call("GET", "/_synapse/admin/v1/register");
    const mac = createHmac("sha1", this.secret)
      .update(`${nonce}\0${username}\0${password}\0notadmin`)
      .digest("hex");
    const res = await this.call("POST", "/_synapse/admin/v1/register", undefined, {
      nonce, username, password, displayname, admin: false, mac,
    });
    return { userId: res.user_id, token: res.access_token, username, password };
  }

  /** Password login (m.login.password): a fresh device and access token for `username`. */
  async login(username, password) {
    const res = await this.call("POST", "/_matrix/client/v3/login", undefined, {
      type: "m.login.password",
      identifier: { type: "m.id.user", user: username },
      password,
      initial_device_display_name: "chappe e2e helper",
    });
    return { userId: res.user_id, token: res.access_token, deviceId: res.device_id, username, password };
  }

  async createRoom(user, name, invite = []) {
    const res = await this.call("POST", "/_matrix/client/v3/createRoom", user.token, {
      name, preset: "private_chat", invite: invite.map((u) => u.userId),
    });
    return res.room_id;
  }

  async join(user, roomId) {
    await this.call("POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, user.token, {});
  }

  async send(user, roomId, body) {
    const txn = rand();
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`;
    return (await this.call("PUT", path, user.token, { msgtype: "m.text", body })).event_id;
  }

  /** Follows /sync until a message with `body` arrives in `roomId` (long-poll). */
  async waitForMessage(user, roomId, body, timeoutMs = 30000) {
    const start = Date.now();
    let since;
    while (Date.now() - start < timeoutMs) {
      const q = new URLSearchParams({ timeout: "5000" });
      if (since) q.set("since", since);
      const res = await this.call("GET", `/_matrix/client/v3/sync?${q}`, user.token);
      since = res.next_batch;
      const events = res.rooms?.join?.[roomId]?.timeline?.events ?? [];
      const hit = events.find((e) => e.type === "m.room.message" && e.content?.body === body);
      if (hit) return hit;
    }
    throw new Error(`no message "${body}" in ${roomId} after ${timeoutMs} ms`);
  }

  /** Uploads bytes to the media repository; returns their mxc:// URI. */
  async upload(user, bytes, contentType, filename) {
    const res = await fetch(`${this.base}/_matrix/media/v3/upload?filename=${encodeURIComponent(filename)}`, {
      method: "POST",
      headers: { "content-type": contentType, authorization: `Bearer ${user.token}` },
      body: bytes,
      signal: AbortSignal.timeout(60000),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`upload ${filename}: ${res.status} ${JSON.stringify(json)}`);
    return json.content_uri;
  }

  /** Sends any m.room.message content (an image, a file…). */
  async sendContent(user, roomId, content) {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${rand()}`;
    return (await this.call("PUT", path, user.token, content)).event_id;
  }
}
