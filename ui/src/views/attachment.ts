// Images, videos, sounds and files in the timeline. Their bytes come from the shell's
// `media:` scheme (Rust downloads and decrypts them; the webview never sees a token or
// a decryption key), under a key made by chappe-core. Only `previewKey` is ever drawn,
// and the shell serves it as an image only when its bytes really are PNG/JPEG/GIF/WebP.
// Each attachment is also checked by the server's content scanner (antivirus): Save is
// offered once it has answered, and never for a file it blocked. A picture or a video's
// thumbnail is not even loaded before the scanner said it clean (a "Scanning…" box
// stands in), and never when blocked; the shell's `media:` scheme enforces the same.
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

/** Whether a preview may be loaded: the scanner said clean, or there is nothing to ask
 * (no scanner on this server, or one's own file not uploaded yet). */
export function mayPreview(status: ScanStatus): boolean {
  return status.kind === "clean" || status.kind === "noScanner" || status.kind === "notUploaded";
}

/** "0:07", "12:03", "1:02:03": a video's or a sound's length. */
export function duration(seconds: number | null | undefined): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) return "";
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The verdict a preview waits for besides its file's: a thumbnail the sender made is
 * another upload, scanned on its own. A server-made thumbnail (`t/`) or the file shown
 * as itself have only the file's. */
function thumbnailStatus(media: MediaView): Promise<ScanStatus | null> {
  const preview = media.previewKey;
  if (!preview || preview === media.key || preview.startsWith("t/")) return Promise.resolve(null);
  return scanStatus(preview);
}

/** The badge saying what the scanner said; empty when the server has no scanner. */
function scanBadge(status: ScanStatus | null): HTMLElement | null {
  if (status?.kind === "noScanner" || status?.kind === "notUploaded") return null;
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

/** Asks the scanner about `media` and shows its verdict on `card`. */
function scan(media: MediaView, card: HTMLElement): void {
  showVerdict(card, null);
  void scanStatus(media.key).then((status) => showVerdict(card, status));
}

/** A card naming the file, its size and a Save button (for anything not drawn). */
function fileCard(media: MediaView, unavailable = false, verdict?: ScanStatus): HTMLElement {
  const size = fileSize(media.size);
  const length = duration(media.durationSecs);
  const card = el("div", { class: cls("attachment", "file", unavailable && "unavailable"), "data-media-key": media.key },
    el("span", { class: "file-icon", "aria-hidden": "true" }, icon(media.kind)),
    el("span", { class: "file-name", title: media.filename }, media.filename),
    size ? el("span", { class: "file-size" }, size) : null,
    length ? el("span", { class: "file-duration" }, length) : null,
    unavailable ? el("span", { class: "file-note" }, t("media.previewUnavailable")) : null,
    openButton(media), saveButton(media));
  if (verdict) showVerdict(card, verdict);
  else scan(media, card);
  return card;
}

/** The attachment of a message: the picture (or video thumbnail), or a file card. The
 * picture is loaded only once the antivirus said clean: until then a box of its size
 * says "Scanning…"; a blocked file becomes a card without preview, Save nor Open. */
export function attachment(media: MediaView): HTMLElement {
  const caption = media.caption ? el("div", { class: "caption" }, media.caption) : null;
  if (!media.previewKey) return el("div", { class: "attachment-wrap" }, fileCard(media), caption);
  const previewKey = media.previewKey;
  const { width, height } = displaySize(media.width, media.height);
  // A blank canvas of the picture's size holds its place (no inline styles: CSP).
  const pending = el("div", { class: "preview-pending", "data-scan": "scanning" },
    el("canvas", { width: String(width), height: String(height), "aria-hidden": "true" }),
    el("span", { class: "pending-label" }, t("scan.scanning")));
  const length = media.kind === "video" ? duration(media.durationSecs) : "";
  const figcaption = el("figcaption", {},
    el("span", { class: "file-name", title: media.filename }, media.filename),
    fileSize(media.size) ? el("span", { class: "file-size" }, fileSize(media.size)) : null,
    openButton(media), saveButton(media));
  const figure = el("figure", { class: cls("attachment", media.kind), "data-media-key": media.key },
    pending,
    media.kind === "video"
      ? el("span", { class: "video-badge", title: t("media.video") }, length ? `▶ ${length}` : "▶")
      : null,
    figcaption);
  showVerdict(figcaption, null);
  void Promise.all([scanStatus(media.key), thumbnailStatus(media)]).then(([file, thumb]) => {
    // A blocked file: a card says why, without Save; its preview is never loaded.
    if (isBlocked(file)) {
      figure.replaceWith(fileCard(media, false, file));
      return;
    }
    if (!mayPreview(file) || (thumb !== null && !mayPreview(thumb))) {
      // No verdict (yet), or only the thumbnail is blocked: the file, without preview.
      figure.replaceWith(fileCard(media, true, file));
      return;
    }
    showVerdict(figcaption, file);
    const img = el("img", {
      class: "preview", src: mediaUrl(previewKey), alt: media.filename,
      width: String(width), height: String(height), loading: "lazy", decoding: "async", draggable: "false",
    }) as HTMLImageElement;
    // Not downloadable, not an image after all (the shell checked its bytes), or the
    // server is away: say so and keep the file card, never a broken-image icon.
    img.addEventListener("error", () => figure.replaceWith(fileCard(media, true, file)), { once: true });
    pending.replaceWith(img);
  });
  return el("div", { class: "attachment-wrap" }, figure, caption);
}
