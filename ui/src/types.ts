// What the UI receives from Rust, derived from the generated bindings.
//
// Depending on how tauri-specta is configured, `bindings.ts` either exports one type
// per Rust type (`RoomSummary`) or a union of a `_Serialize` and a `_Deserialize`
// form (optional fields in the latter). Rust always *serialises* what it pushes, so
// every field is present (`null` when absent). `Full<T>` turns either shape into that
// exact form, so this file compiles against both without naming the variants.
import type * as B from "./bindings";

type Full<T> = T extends unknown ? { [K in keyof T]-?: Exclude<T[K], undefined> } : never;

export type AppInfo = Full<B.AppInfo>;
export type Me = Full<B.Me>;
export type RoomSummary = Full<B.RoomSummary>;
export type TimelineItemView = Full<B.TimelineItemView>;
export type MessageItem = Extract<TimelineItemView, { kind: "message" }>;
export type MediaView = Full<B.MediaView>;
export type { ListDiff, MessagePreview, SendState, SyncStatus, UiError } from "./bindings";
export type Settings = Full<B.Settings>;
export type SettingsView = Omit<Full<B.SettingsView>, "settings"> & { settings: Settings };
export type { Language, Theme } from "./bindings";
