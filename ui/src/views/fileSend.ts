// Sending files from the room view: the 📎 button (native dialog, several files), a
// pasted image, and files dropped on the window (Rust receives the drop and tells us
// how it went). Paths never pass through here; pasted bytes do, capped in Rust.
import { commands, type FileOutcome } from "../bindings";
import { cls, el } from "../dom";
import { errorText } from "../format";
import { t } from "../i18n";
import type { SendState } from "../types";
import { fileSize } from "./attachment";

/** One line per file that could not be queued ("archive.zip : trop volumineux…"). */
export function outcomesText(outcomes: readonly FileOutcome[]): string {
  return outcomes
    .filter((o) => o.error)
    .map((o) => {
      const e = o.error!;
      const why = e.type === "fileTooLarge"
        ? t("files.tooLarge", { max: fileSize(e.data.maxBytes) })
        : errorText(e);
      return t("files.notSent", { name: o.name, why });
    })
    .join("\n");
}

/** The 📎 button of the composer. */
export function attachButton(roomId: string, report: (text: string) => void): HTMLButtonElement {
  const button = el("button", {
    id: "attach", type: "button", class: "attach", title: t("files.attach"), "aria-label": t("files.attach"),
  }, "📎") as HTMLButtonElement;
  button.addEventListener("click", async () => {
    button.disabled = true;
    const res = await commands.sendFiles(roomId);
    button.disabled = false;
    report(res.status === "ok" ? outcomesText(res.data) : errorText(res.error));
  });
  return button;
}

/** Pasting a file (a screenshot) into the composer sends it; pasted text stays text. */
export function onPaste(roomId: string, report: (text: string) => void) {
  return async (ev: ClipboardEvent): Promise<void> => {
    const files = [...(ev.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    ev.preventDefault();
    const errors: string[] = [];
    for (const file of files) {
      const bytes = Array.from(new Uint8Array(await file.arrayBuffer()));
      const name = file.name || `capture-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-")}.png`;
      const res = await commands.sendPastedFile(roomId, name, bytes);
      if (res.status === "error") errors.push(outcomesText([{ name, error: res.error }]));
    }
    report(errors.join("\n"));
  };
}

/** Under an attachment being uploaded: how far it got, and Cancel. */
export function uploadBar(state: SendState): HTMLElement | null {
  if (state.state !== "sending") return null;
  const progress = typeof state.progress === "number" ? state.progress : null;
  return el("div", { class: cls("upload", progress === null && "waiting") },
    el("progress", {
      max: "1", ...(progress === null ? {} : { value: String(progress) }),
      "aria-label": t("files.uploading"),
    }),
    el("span", { class: "upload-pct" }, progress === null ? t("timeline.sending") : `${Math.round(progress * 100)} %`),
    el("button", { type: "button", "data-action": "discard", class: "cancel-upload" }, t("files.cancel")));
}
