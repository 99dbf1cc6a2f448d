// What the UI receives from Rust. tauri-specta emits a `_Serialize` and a
// `_Deserialize` variant of each type; data pushed to the UI is always the serialised
// form (every field present, `null` when absent), so the UI uses those.
import type {
  AppInfo_Serialize,
  Me_Serialize,
  RoomSummary_Serialize,
  TimelineItemView_Serialize,
} from "./bindings";

export type AppInfo = AppInfo_Serialize;
export type Me = Me_Serialize;
export type RoomSummary = RoomSummary_Serialize;
export type TimelineItemView = TimelineItemView_Serialize;
export type MessageItem = Extract<TimelineItemView, { kind: "message" }>;
