// Saving or opening an attachment: Rust asks where (native dialog), downloads and
// decrypts; it tells us over a Channel how many bytes arrived, shown as a progress bar on
// the file's card until the download ends. The bytes never pass through here.
import { Channel } from "@tauri-apps/api/core";
import { commands, type DownloadProgress, type UiError } from "../bindings";
import { cls, el } from "../dom";
import { errorText } from "../format";
import { t } from "../i18n";

/** What the bar shows for one progress event: a fraction, or `null` when the server did
 * not say the size (the bar then only moves). */
export function fraction(p: DownloadProgress): number | null {
  if (typeof p.total !== "number" || !(p.total > 0)) return null;
  return Math.min(1, Math.max(0, (p.received ?? 0) / p.total));
}

/** The bar under a card while its file downloads. */
export function downloadBar(): { node: HTMLElement; update: (p: DownloadProgress) => void } {
  const bar = el("progress", { max: "1", "aria-label": t("media.downloading") }) as HTMLProgressElement;
  const pct = el("span", { class: "download-pct" }, t("media.downloading"));
  const node = el("div", { class: cls("download", "waiting"), role: "status" }, bar, pct);
  const update = (p: DownloadProgress) => {
    const f = fraction(p);
    if (f === null) {
      bar.removeAttribute("value");
      pct.textContent = t("media.downloading");
      return;
    }
    node.classList.remove("waiting");
    bar.value = f;
    pct.textContent = `${Math.floor(f * 100)} %`;
  };
  return { node, update };
}

/** Runs Save (`save-media`) or Open (`open-media`) for the card's file, with the bar on
 * the card meanwhile. Errors go to the room's error line. */
export async function downloadMedia(button: HTMLElement, action: "save-media" | "open-media"): Promise<void> {
  const key = button.dataset.mediaKey ?? "";
  const filename = button.dataset.filename ?? "";
  // The bar goes right under the card (a picture's figure or a file card), whose own
  // row of name, size and buttons stays as it is.
  const card = button.closest<HTMLElement>(".attachment") ?? button.parentElement;
  if (card?.nextElementSibling?.classList.contains("download")) card.nextElementSibling.remove();
  const { node, update } = downloadBar();
  // Shown once Rust starts downloading (after the dialog), not while the user picks.
  const channel = new Channel<DownloadProgress>((p) => {
    if (card && !node.isConnected) card.after(node);
    update(p);
  });
  button.setAttribute("disabled", "");
  const res = action === "save-media"
    ? await commands.saveMedia(key, filename, channel as never)
    : await commands.openMedia(key, filename, channel as never);
  button.removeAttribute("disabled");
  node.remove();
  if (res.status === "error") {
    showError(res.error);
    return;
  }
  if (action === "save-media" && res.data === true) button.textContent = t("media.saved");
}

function showError(e: UiError): void {
  const error = document.getElementById("send-error");
  if (error) error.textContent = errorText(e);
}
