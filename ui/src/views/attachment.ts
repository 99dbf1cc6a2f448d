// Images, videos, sounds and files in the timeline. Their bytes come from the shell's
// `media:` scheme (Rust downloads and decrypts them; the webview never sees a token or
// a decryption key), under a key made by chappe-core. Only `previewKey` is ever drawn,
// and the shell serves it as an image only when its bytes really are PNG/JPEG/GIF/WebP.
// Each attachment is also checked by the server's content scanner (antivirus): Save is
// offered once it has answered, and never for a file it blocked.
import { commands, type ScanStatus } from "../bindings";
import type { MediaView } from "../types";
import { cls, el } from "../dom";
import { t } from "../i18n";
import { numberFormat } from "../intl";

/** The webview's address for a media key (Tauri's custom-scheme form per platform). */
export function mediaUrl(key: string, userAgent = navigator.userAgent): string {
  const path = key.split("/").map(encodeURIComponent).join("/");
  return /Windows|Android/.test(userAgent) ? `http://media.localhost/${path}` : `media://localhost/${path}`;
}

/** "12,5 Ko" / "3.4 MB": SI units, as file managers show them. */
export function fileSize(bytes: number | null | undefined): string {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) return "";
  const units = ["size.b", "size.kb", "size.mb", "size.gb"] as const;
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u += 1;
  }
  const value = numberFormat({ maximumFractionDigits: u === 0 ? 0 : 1 }).format(n);
  return t(units[u], { n: value });
}

/** The drawn size: at most 360×270, keeping the ratio; unknown sizes get a box. */
export function displaySize(w: number | null, h: number | null): { width: number; height: number } {
  const maxW = 360;
  const maxH = 270;
  if (!w || !h || w <= 0 || h <= 0) return { width: maxW, height: maxH };
  const scale = Math.min(1, maxW / w, maxH / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

function icon(kind: MediaView["kind"]): string {
  return kind === "image" ? "🖼" : kind === "video" ? "🎞" : kind === "audio" ? "🔊" : "📄";
}

/** Opens the file with the system's application (Rust refuses programs and scripts). */
function openButton(media: MediaView): HTMLElement {
  return el("button", {
    type: "button", class: "open-media", "data-action": "open-media", "data-media-key": media.key,
    "data-filename": media.filename,
  }, t("media.open"));
}

function saveButton(media: MediaView): HTMLElement {
  return el("button", {
    type: "button", class: "save-media", "data-action": "save-media", "data-media-key": media.key,
    "data-filename": media.filename, title: t("media.save.title", { name: media.filename }),
  }, t("media.save"));
}

/** Verdicts already given, by media key: a re-rendered message does not scan again.
 * "No verdict" is not kept, so the next rendering asks again. */
const verdicts = new Map<string, Promise<ScanStatus>>();
const REMEMBERED_VERDICTS = 5000;

/** The content scanner's verdict on a file (one request per key). */
export function scanStatus(key: string): Promise<ScanStatus> {
  const known = verdicts.get(key);
  if (known) return known;
  const asked = commands.scanMedia(key)
    .then((res): ScanStatus => (res.status === "ok" ? res.data : { kind: "unavailable", reason: res.error.type }))
    // The IPC itself failed (no shell): no verdict either.
    .catch((e: unknown): ScanStatus => ({ kind: "unavailable", reason: String(e) }))
    .then((status) => {
      if (status.kind === "unavailable") verdicts.delete(key);
      return status;
    });
  verdicts.set(key, asked);
  // Oldest first (a Map keeps insertion order).
  while (verdicts.size > REMEMBERED_VERDICTS) verdicts.delete(verdicts.keys().next().value as string);
  return asked;
}

/** Forgets every verdict (tests; a new account). */
export function forgetVerdicts(): void {
  verdicts.clear();
}

export function isBlocked(status: ScanStatus): boolean {
  return status.kind === "infected" || status.kind === "forbidden";
}

/** The badge saying what the scanner said; empty when the server has no scanner. */
function scanBadge(status: ScanStatus | null): HTMLElement | null {
  if (status?.kind === "noScanner") return null;
  const [state, text] = status === null ? ["scanning", t("scan.scanning")]
    : status.kind === "clean" ? ["clean", t("scan.clean")]
    : status.kind === "infected" ? ["infected", t("scan.infected")]
    : status.kind === "forbidden" ? ["forbidden", t("scan.forbidden")]
    : ["unavailable", t("scan.unavailable")];
  return el("span", { class: cls("scan-status", state), "data-scan": state, role: "status" }, text);
}

/** Puts the scanner's verdict on `card` (a file card or a picture's caption row): the
 * badge, and Save enabled — or removed for good when the file is blocked. */
function showVerdict(card: HTMLElement, status: ScanStatus | null): void {
  card.querySelector(".scan-status")?.remove();
  const badge = scanBadge(status);
  const open = card.querySelector<HTMLButtonElement>("button[data-action=open-media]");
  const save = card.querySelector<HTMLButtonElement>("button[data-action=save-media]");
  if (badge) card.insertBefore(badge, open ?? save);
  if (open) {
    if (status !== null && isBlocked(status)) open.remove();
    else open.disabled = status === null;
  }
  if (!save) return;
  if (status !== null && isBlocked(status)) save.remove();
  else save.disabled = status === null;
}

/** Asks the scanner about `media` and shows its verdict on `card`; a blocked picture is
 * replaced by a blocked file card (its preview is not shown either). */
function scan(media: MediaView, card: HTMLElement, onBlocked?: (status: ScanStatus) => void): void {
  showVerdict(card, null);
  void scanStatus(media.key).then((status) => {
    if (isBlocked(status) && onBlocked) onBlocked(status);
    else showVerdict(card, status);
  });
}

/** A card naming the file, its size and a Save button (for anything not drawn). */
function fileCard(media: MediaView, unavailable = false, verdict?: ScanStatus): HTMLElement {
  const size = fileSize(media.size);
  const card = el("div", { class: cls("attachment", "file", unavailable && "unavailable") },
    el("span", { class: "file-icon", "aria-hidden": "true" }, icon(media.kind)),
    el("span", { class: "file-name", title: media.filename }, media.filename),
    size ? el("span", { class: "file-size" }, size) : null,
    unavailable ? el("span", { class: "file-note" }, t("media.previewUnavailable")) : null,
    openButton(media), saveButton(media));
  if (verdict) showVerdict(card, verdict);
  else scan(media, card);
  return card;
}

/** The attachment of a message: the picture (or video thumbnail), or a file card. */
export function attachment(media: MediaView): HTMLElement {
  const caption = media.caption ? el("div", { class: "caption" }, media.caption) : null;
  if (!media.previewKey) return el("div", { class: "attachment-wrap" }, fileCard(media), caption);
  const { width, height } = displaySize(media.width, media.height);
  const img = el("img", {
    class: "preview", src: mediaUrl(media.previewKey), alt: media.filename,
    width: String(width), height: String(height), loading: "lazy", decoding: "async", draggable: "false",
  }) as HTMLImageElement;
  const figcaption = el("figcaption", {},
    el("span", { class: "file-name", title: media.filename }, media.filename),
    fileSize(media.size) ? el("span", { class: "file-size" }, fileSize(media.size)) : null,
    openButton(media), saveButton(media));
  const figure = el("figure", { class: cls("attachment", media.kind), "data-media-key": media.key },
    img, figcaption);
  // Not downloadable, not an image after all (the shell checked its bytes), or the
  // server is away: say so and keep the file card, never a broken-image icon.
  img.addEventListener("error", () => figure.replaceWith(fileCard(media, true)), { once: true });
  // A blocked picture is not shown at all: a card says why, without Save.
  scan(media, figcaption, (status) => figure.replaceWith(fileCard(media, false, status)));
  return el("div", { class: "attachment-wrap" }, figure, caption);
}
