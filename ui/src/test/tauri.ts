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
