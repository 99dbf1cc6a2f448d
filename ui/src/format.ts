// Pure helpers for what the screens show: times, previews, errors, grouping.
import type { MessagePreview, UiError } from "./bindings";
import type { TimelineItemView } from "./types";
import { currentLang, hasKey, t } from "./i18n";

function locale(): string {
  return currentLang() === "fr" ? "fr-FR" : "en-GB";
}

export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "14:05" today, "Hier"/"Yesterday", else a short date: as in the Element room list. */
export function roomTime(ms: number | null, now = new Date()): string {
  if (ms === null) return "";
  const d = new Date(ms);
  if (sameDay(d, now)) {
    return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(d);
  }
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(d, yesterday)) return t("time.yesterday");
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "short" }).format(d);
}

export function messageTime(ms: number | null): string {
  if (ms === null) return "";
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
}

export function dayLabel(ms: number | null): string {
  if (ms === null) return "";
  return new Intl.DateTimeFormat(locale(), {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
  }).format(new Date(ms));
}

export function previewText(p: MessagePreview | null): string {
  if (!p) return "";
  const who = p.isOwn ? t("room.you") : p.senderName;
  const what =
    p.kind === "text" ? p.text
    : p.kind === "deleted" ? t("room.preview.deleted")
    : p.kind === "encrypted" ? t("room.preview.encrypted")
    : t("room.preview.other");
  // French typography puts a space before the colon.
  return `${who}${currentLang() === "fr" ? " : " : ": "}${what}`;
}

export function errorText(e: UiError): string {
  const key = `error.${e.type}`;
  if (e.type === "other") return t("error.other", { detail: e.data });
  return hasKey(key) ? t(key) : t("error.other", { detail: e.type });
}

// Consecutive messages from one sender within this window share one header.
const GROUP_WINDOW_MS = 5 * 60 * 1000;

/** Whether a message shows its sender's name, or continues the previous one's group. */
export function startsGroup(prev: TimelineItemView | undefined, cur: TimelineItemView): boolean {
  if (cur.kind !== "message") return true;
  if (!prev || prev.kind !== "message") return true;
  return prev.sender !== cur.sender || (cur.timestamp ?? 0) - (prev.timestamp ?? 0) > GROUP_WINDOW_MS;
}
