// Images, videos, sounds and files in the timeline. Their bytes come from the shell's
// `media:` scheme (Rust downloads and decrypts them; the webview never sees a token or
// a decryption key), under a key made by chappe-core. Only `previewKey` is ever drawn,
// and the shell serves it as an image only when its bytes really are PNG/JPEG/GIF/WebP.
import type { MediaView } from "../types";
import { cls, el } from "../dom";
import { locale, t } from "../i18n";

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
  const value = new Intl.NumberFormat(locale(), { maximumFractionDigits: u === 0 ? 0 : 1 }).format(n);
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

function saveButton(media: MediaView): HTMLElement {
  return el("button", {
    type: "button", class: "save-media", "data-action": "save-media", "data-media-key": media.key,
    "data-filename": media.filename, title: t("media.save.title", { name: media.filename }),
  }, t("media.save"));
}

/** A card naming the file, its size and a Save button (for anything not drawn). */
function fileCard(media: MediaView, unavailable = false): HTMLElement {
  const size = fileSize(media.size);
  return el("div", { class: cls("attachment", "file", unavailable && "unavailable") },
    el("span", { class: "file-icon", "aria-hidden": "true" }, icon(media.kind)),
    el("span", { class: "file-name", title: media.filename }, media.filename),
    size ? el("span", { class: "file-size" }, size) : null,
    unavailable ? el("span", { class: "file-note" }, t("media.previewUnavailable")) : null,
    saveButton(media));
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
  const figure = el("figure", { class: cls("attachment", media.kind), "data-media-key": media.key },
    img,
    el("figcaption", {},
      el("span", { class: "file-name", title: media.filename }, media.filename),
      fileSize(media.size) ? el("span", { class: "file-size" }, fileSize(media.size)) : null,
      saveButton(media)));
  // Not downloadable, not an image after all (the shell checked its bytes), or the
  // server is away: say so and keep the file card, never a broken-image icon.
  img.addEventListener("error", () => figure.replaceWith(fileCard(media, true)), { once: true });
  return el("div", { class: "attachment-wrap" }, figure, caption);
}
