// Pure helpers for what the screens show: times, previews, errors, notices, grouping.
// No DOM here, so everything is unit-tested.
import type { MessagePreview, SendState, SyncStatus, TimelineItemView, UiError } from "./types";
import { currentLang, hasKey, locale, t, type StringKey } from "./i18n";
import { dateFormat } from "./intl";

/** Compile-time check: every `UiError` type the bindings declare has an `error.*`
 *  string (`tsc` fails here when Rust adds one the table lacks). */
export const EVERY_ERROR_HAS_A_STRING: `error.${UiError["type"]}` extends StringKey ? true : never = true;

export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function isYesterday(d: Date, now: Date): boolean {
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  return sameDay(d, y);
}

function valid(ms: number | null | undefined): ms is number {
  return typeof ms === "number" && Number.isFinite(ms);
}

/** "14:05". */
export function messageTime(ms: number | null | undefined): string {
  if (!valid(ms)) return "";
  return dateFormat({ hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
}

/** Room list: "14:05" today, "Hier"/"Yesterday", else "2 oct." (with the year if not this year). */
export function roomTime(ms: number | null | undefined, now = new Date()): string {
  if (!valid(ms)) return "";
  const d = new Date(ms);
  if (sameDay(d, now)) return messageTime(ms);
  if (isYesterday(d, now)) return t("time.yesterday");
  return dateFormat({
    day: "numeric", month: "short", year: d.getFullYear() === now.getFullYear() ? undefined : "numeric",
  }).format(d);
}

/** Day divider: "Aujourd'hui", "Hier", else "lundi 2 novembre" (with the year if not this year). */
export function dayLabel(ms: number | null | undefined, now = new Date()): string {
  if (!valid(ms)) return "";
  const d = new Date(ms);
  if (sameDay(d, now)) return t("time.today");
  if (isYesterday(d, now)) return t("time.yesterday");
  const text = dateFormat({
    weekday: "long", day: "numeric", month: "long",
    year: d.getFullYear() === now.getFullYear() ? undefined : "numeric",
  }).format(d);
  return text.charAt(0).toLocaleUpperCase(locale()) + text.slice(1);
}

/** Full date and time, for a tooltip. */
export function fullTime(ms: number | null | undefined): string {
  if (!valid(ms)) return "";
  return dateFormat({ dateStyle: "full", timeStyle: "short" }).format(new Date(ms));
}

/** "Alice : bonjour" (French puts a space before the colon), "Vous : …" for own messages. */
export function previewText(p: MessagePreview | null | undefined): string {
  if (!p) return "";
  const who = p.isOwn ? t("room.you") : p.senderName;
  const what =
    p.kind === "text" ? p.text
    : p.kind === "deleted" ? t("room.preview.deleted")
    : p.kind === "encrypted" ? t("room.preview.encrypted")
    : t("room.preview.other");
  return `${who}${currentLang() === "fr" ? " : " : ": "}${what}`;
}

/** The sentence shown for an error returned by a command. */
export function errorText(e: UiError | null | undefined): string {
  if (!e || typeof e !== "object") return t("error.other", { detail: String(e) });
  if (e.type === "other") return t("error.other", { detail: e.data });
  const key = `error.${e.type}`;
  return hasKey(key) ? t(key) : t("error.other", { detail: String(e.type) });
}

/** The banner's text for a sync state; `null` when nothing needs saying. */
export function syncText(s: SyncStatus): string | null {
  switch (s.state) {
    case "running":
      return null;
    case "starting":
      return t("sync.starting");
    case "offline":
      return t("sync.offline");
    case "error":
      return t("sync.error");
    case "sessionExpired":
      return t("sync.sessionExpired");
    case "accountExpired":
      return t("sync.accountExpired");
    case "stopped":
      return t("sync.stopped");
    default:
      return null;
  }
}

/** The small label beside an own message on its way; `null` once sent. */
export function sendStateText(s: SendState): string | null {
  switch (s.state) {
    case "sending":
      return t("timeline.sending");
    case "failed":
      return s.recoverable ? t("timeline.failedRetrying") : t("timeline.failed");
    default:
      return null;
  }
}

export function membershipText(userName: string, change: string): string {
  const key = `membership.${change}`;
  return t(hasKey(key) ? key : "membership.changed", { name: userName });
}

/** "Alice", "Alice et Bob", "Alice, Bob et Chloé", "Alice, Bob et 3 autres". */
export function namesText(names: readonly string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique[0] ?? "";
  if (unique.length <= 3) return t("names.and", { a: unique.slice(0, -1).join(", "), b: unique.at(-1) ?? "" });
  return t("names.others", { names: unique.slice(0, 2).join(", "), count: unique.length - 2 });
}

/** One line for a run of membership changes: "Alice, Bob et 3 autres ont rejoint le
 *  salon", one clause per kind of change, in the order they first happened. */
export function membershipGroupText(items: readonly { userName: string; change: string }[]): string {
  const byChange = new Map<string, string[]>();
  for (const i of items) {
    const change = ["joined", "left", "invited"].includes(i.change) ? i.change : "changed";
    byChange.set(change, [...(byChange.get(change) ?? []), i.userName]);
  }
  return [...byChange].map(([change, names]) => names.length === 1 && change !== "changed"
    ? membershipText(names[0] ?? "", change)
    : t(`membershipGroup.${change}` as StringKey, { names: namesText(names) })).join(" · ");
}

export function stateChangeText(senderName: string, eventType: string): string {
  const key = `state.${eventType}`;
  return hasKey(key) ? t(key, { name: senderName }) : t("timeline.stateChange", { name: senderName, type: eventType });
}

export function profileChangeText(userName: string, newName: string | null): string {
  return newName
    ? t("timeline.profile.name", { name: userName, newName })
    : t("timeline.profile.other", { name: userName });
}

// Consecutive messages from one sender within this window share one header.
export const GROUP_WINDOW_MS = 5 * 60 * 1000;

/** Whether a message shows its sender's name, or continues the previous message's group:
 *  hidden only right after a message of the same sender, less than five minutes older. */
export function startsGroup(prev: TimelineItemView | undefined, cur: TimelineItemView): boolean {
  if (cur.kind !== "message") return true;
  if (cur.msgtype === "emote" || cur.msgtype === "m.emote") return true;
  if (!prev || prev.kind !== "message") return true;
  if (prev.sender !== cur.sender) return true;
  if (!valid(prev.timestamp) || !valid(cur.timestamp)) return false;
  return Math.abs(cur.timestamp - prev.timestamp) > GROUP_WINDOW_MS;
}

/** A stable 0..7 colour slot for a user or room id (sender names, avatars). */
export function colorSlot(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(h) % 8;
}

/** The number the unread badge shows: notifications when the server counts them, else messages. */
export function unreadCount(r: { unreadMessages: number; unreadNotifications: number }): number {
  return r.unreadNotifications > 0 ? r.unreadNotifications : Math.max(0, r.unreadMessages);
}

/** Id of the newest real event (not a divider/marker), the one a read receipt points at. */
export function latestEventId(items: readonly TimelineItemView[]): string | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it && it.kind !== "dayDivider" && it.kind !== "readMarker" && it.kind !== "timelineStart") return it.id;
  }
  return null;
}
