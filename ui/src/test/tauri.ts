// A stand-in for `@tauri-apps/api/core` in unit tests: `invoke` dispatches to handlers
// the test sets, and every `Channel` is recorded so the test can push messages into it.
// Use with: vi.mock("@tauri-apps/api/core", () => import("./test/tauri"));
/* eslint-disable @typescript-eslint/no-explicit-any */

type Handler = (args: any) => unknown;

export const handlers = new Map<string, Handler>();
export const calls: { cmd: string; args: any }[] = [];
export const channels: Channel<any>[] = [];

let nextId = 1;

export class Channel<T = unknown> {
  id = nextId++;
  onmessage: (m: T) => void;
  constructor(onmessage?: (m: T) => void) {
    this.onmessage = onmessage ?? (() => {});
    channels.push(this);
  }
  /** Test side: what Rust's `channel.send` does. */
  push(m: T): void {
    this.onmessage(m);
  }
  toJSON(): string {
    return `__CHANNEL__:${this.id}`;
  }
}

/** Rejects with the handler's thrown value, as Tauri rejects with the command's error. */
export async function invoke(cmd: string, args?: any): Promise<unknown> {
  calls.push({ cmd, args });
  const h = handlers.get(cmd);
  if (!h) throw { type: "other", data: `no handler for ${cmd}` };
  return await h(args ?? {});
}

export function reset(): void {
  handlers.clear();
  calls.length = 0;
  channels.length = 0;
}

export function callsOf(cmd: string): any[] {
  return calls.filter((c) => c.cmd === cmd).map((c) => c.args);
}

/** The channel passed to the latest call of `cmd`. */
export function channelOf<T = any>(cmd: string): Channel<T> {
  const args = callsOf(cmd).at(-1);
  if (!args?.channel) throw new Error(`no channel passed to ${cmd}`);
  return args.channel as Channel<T>;
}

/** A promise the test resolves when it wants (to hold a command "in flight"). */
export function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promises and one animation frame run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
  }
}

// --- A small fake server for the directory, invitation and settings commands. ---

export interface FakeUser {
  userId: string;
  displayName: string | null;
  avatarInitial: string;
  domain: string;
}

export interface FakePublicRoom {
  roomId: string;
  name: string | null;
  topic: string | null;
  alias: string | null;
  members: number;
  avatarInitial: string;
  worldReadable: boolean;
}

export function fakeUser(userId: string, displayName: string | null = null): FakeUser {
  const shown = displayName ?? userId.slice(1);
  return { userId, displayName, avatarInitial: shown.charAt(0).toUpperCase(), domain: userId.split(":").slice(1).join(":") };
}

export function fakePublicRoom(n: number, over: Partial<FakePublicRoom> = {}): FakePublicRoom {
  return { roomId: `!pub${n}:x`, name: `Salon ${n}`, topic: `Sujet ${n}`, alias: `#salon${n}:x`, members: n,
    avatarInitial: "S", worldReadable: true, ...over };
}

/** Installs handlers for `search_users`, `direct_chat`, `public_rooms`, `join_room`,
 *  `profile_hidden`, `set_profile_hidden`, `accept_invite` and `decline_invite`, answering
 *  as the Rust side does (same errors), from the returned state, which tests may change.
 *  `public_rooms` pages by `pageSize`, its `next` token being the next offset. Tests
 *  override single handlers for failures or delays. */
export function serveDirectory(init: { users?: FakeUser[]; rooms?: FakePublicRoom[]; pageSize?: number; hidden?: boolean } = {}) {
  const state = {
    users: init.users ?? [],
    rooms: init.rooms ?? [],
    pageSize: init.pageSize ?? 30,
    hidden: init.hidden ?? false,
    /** Direct chats created or reused, by user ID. */
    dms: new Map<string, string>(),
    joined: [] as string[],
    accepted: [] as string[],
    declined: [] as string[],
  };
  handlers.set("search_users", ({ term }: { term: string }) => {
    const q = term.trim().toLowerCase();
    if (!q) return [];
    return state.users.filter((u) => u.userId.toLowerCase().includes(q) || (u.displayName ?? "").toLowerCase().includes(q));
  });
  handlers.set("direct_chat", ({ userId }: { userId: string }) => {
    if (!/^@[^:\s]+:\S+$/.test(userId)) throw { type: "invalidUserId" };
    if (!state.dms.has(userId)) state.dms.set(userId, `!dm${state.dms.size + 1}:x`);
    return state.dms.get(userId);
  });
  handlers.set("public_rooms", ({ search, server, since }: { search: string | null; server: string | null; since: string | null }) => {
    if (server !== null && !/^[a-z0-9.-]+(:\d+)?$/i.test(server)) throw { type: "invalidServerName" };
    if (server !== null && server !== "x") throw { type: "unreachable", data: `${server}: connection refused` };
    const q = (search ?? "").toLowerCase();
    const all = state.rooms.filter((r) => !q || [r.name, r.topic, r.alias].some((f) => (f ?? "").toLowerCase().includes(q)));
    const start = since ? Number(since) : 0;
    const end = start + state.pageSize;
    return { rooms: all.slice(start, end), next: end < all.length ? String(end) : null, totalEstimate: all.length };
  });
  handlers.set("join_room", ({ room }: { room: string }) => {
    if (!/^[#!][^:\s]+:\S+$/.test(room)) throw { type: "invalidRoomAddress" };
    const found = state.rooms.find((r) => r.roomId === room || r.alias === room);
    if (!found) throw { type: "notFound" };
    state.joined.push(found.roomId);
    return found.roomId;
  });
  handlers.set("profile_hidden", () => state.hidden);
  handlers.set("set_profile_hidden", ({ hidden }: { hidden: boolean }) => {
    state.hidden = hidden;
    return null;
  });
  handlers.set("accept_invite", ({ roomId }: { roomId: string }) => {
    state.accepted.push(roomId);
    return roomId;
  });
  handlers.set("decline_invite", ({ roomId }: { roomId: string }) => {
    state.declined.push(roomId);
    return null;
  });
  return state;
}
