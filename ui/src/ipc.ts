// The one place that talks to the generated `commands`' streaming side. tauri-specta
// types a Channel's payload in its deserialised form (optional fields), but Rust
// serialises what it pushes, so every field is present: the UI's `types.ts` form is the
// accurate one. Here each stream gets a fresh Channel, and a handler that can be
// switched off (`stop()`): messages from a room or a session the user left are dropped.
import { Channel } from "@tauri-apps/api/core";
import { commands, type NotificationTexts } from "./bindings";
import type { ListDiff, RoomSummary, SyncStatus, TimelineItemView, UiError } from "./types";

export type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: UiError };

export interface Stream {
  /** Stops delivering messages to the handler (the Rust side stops when it notices). */
  stop(): void;
  /** Resolves with the subscribing command's result. */
  ready: Promise<Outcome<null>>;
}

function stream<T>(
  onMessage: (m: T) => void,
  subscribe: (channel: never) => Promise<Outcome<null>>,
): Stream {
  let live = true;
  const channel = new Channel<T>((m) => {
    if (live) onMessage(m);
  });
  const ready = subscribe(channel as never).catch((e: unknown) => ({
    status: "error" as const,
    error: { type: "other" as const, data: String(e) },
  }));
  return { stop: () => void (live = false), ready };
}

export function subscribeRooms(onDiff: (d: ListDiff<RoomSummary>) => void): Stream {
  return stream(onDiff, (c) => commands.subscribeRooms(c));
}

export function subscribeSyncStatus(onStatus: (s: SyncStatus) => void): Stream {
  return stream(onStatus, (c) => commands.subscribeSyncStatus(c));
}

/** Room links the OS gives the running app (a `matrix:` link clicked elsewhere). */
export function subscribeLinks(onLink: (link: string) => void): Stream {
  return stream(onLink, (c) => commands.subscribeLinks(c));
}

export function openRoom(roomId: string, onDiff: (d: ListDiff<TimelineItemView>) => void): Stream {
  return stream(onDiff, (c) => commands.openRoom(roomId, c));
}

/** Who else is typing in the open room `roomId` (Matrix IDs), until it is closed. */
export function subscribeTyping(roomId: string, onTyping: (users: string[]) => void): Stream {
  return stream(onTyping, (c) => commands.subscribeTyping(roomId, c));
}

/** Desktop notifications for this session; `onOpen` gets the room of each one the
 *  user clicks (Rust has already brought the window forward). */
export function subscribeNotifications(texts: NotificationTexts, onOpen: (roomId: string) => void): Stream {
  return stream(onOpen, (c) => commands.subscribeNotifications(texts, c));
}

/** Runs a command, turning a thrown exception (IPC failure) into an error result, so
 *  callers only ever handle one shape. */
export async function call<T>(p: Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await p;
  } catch (e) {
    return { status: "error", error: { type: "other", data: e instanceof Error ? e.message : String(e) } };
  }
}
