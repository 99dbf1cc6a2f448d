import { beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import type { DownloadProgress } from "../bindings";
import { setLang } from "../i18n";
import { attachment, forgetVerdicts } from "./attachment";
import { downloadMedia, fraction } from "./download";
import type { MediaView } from "../types";

const doc: MediaView = {
  kind: "file", key: "e/example.org/doc", previewKey: null, filename: "rapport.pdf", caption: null,
  mimetype: "application/pdf", size: 4_000_000, width: null, height: null, durationSecs: null,
};

/** A file card in the page (the error line too), its Save and Open buttons enabled. */
async function card(): Promise<HTMLElement> {
  document.body.replaceChildren();
  const error = document.createElement("p");
  error.id = "send-error";
  const node = attachment(doc);
  document.body.append(error, node);
  await tauri.settle();
  return node;
}

const channelOf = (cmd: string) => tauri.callsOf(cmd).at(-1).progress as tauri.Channel<DownloadProgress>;

describe("download progress on a file card", () => {
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    forgetVerdicts();
    tauri.handlers.set("scan_media", () => ({ kind: "clean" }));
  });

  it("turns bytes received into a fraction, or none when the size is unknown", () => {
    expect(fraction({ received: 1_000_000, total: 4_000_000 })).toBe(0.25);
    expect(fraction({ received: 5, total: 4 })).toBe(1);
    expect(fraction({ received: 10, total: null })).toBeNull();
    expect(fraction({ received: 0, total: 0 })).toBeNull();
  });

  it("shows the bar on the card as Rust reports bytes, up to the whole file, then Saved", async () => {
    const node = await card();
    const held = tauri.deferred<boolean>();
    tauri.handlers.set("save_media", () => held.promise);
    const save = node.querySelector("button[data-action=save-media]") as HTMLButtonElement;
    const done = downloadMedia(save, "save-media");
    expect(tauri.callsOf("save_media")[0]).toMatchObject({ key: "e/example.org/doc", filename: "rapport.pdf" });
    expect(node.querySelector(".download"), "no bar while the dialog is open").toBeNull();
    expect(save.disabled).toBe(true);

    const progress = channelOf("save_media");
    progress.push({ received: 0, total: 4_000_000 });
    const bar = () => node.querySelector(".attachment.file + .download progress") as HTMLProgressElement;
    expect(bar().value).toBe(0);
    progress.push({ received: 1_000_000, total: 4_000_000 });
    expect(bar().value).toBe(0.25);
    expect(node.querySelector(".download-pct")?.textContent).toBe("25 %");
    progress.push({ received: 4_000_000, total: 4_000_000 });
    expect(bar().value).toBe(1);
    expect(node.querySelector(".download-pct")?.textContent).toBe("100 %");

    held.resolve(true);
    await done;
    expect(node.querySelector(".download")).toBeNull();
    expect(save.disabled).toBe(false);
    expect(save.textContent).toBe("Fichier enregistré");
  });

  it("moves without a percentage when the server does not say the size", async () => {
    const node = await card();
    const held = tauri.deferred<null>();
    tauri.handlers.set("open_media", () => held.promise);
    const open = node.querySelector("button[data-action=open-media]") as HTMLButtonElement;
    const done = downloadMedia(open, "open-media");
    channelOf("open_media").push({ received: 2048, total: null });
    const bar = node.querySelector(".download progress") as HTMLProgressElement;
    expect(bar.hasAttribute("value")).toBe(false);
    expect(node.querySelector(".download-pct")?.textContent).toBe("Téléchargement…");
    held.resolve(null);
    await done;
    expect(node.querySelector(".download")).toBeNull();
  });

  it("says why a download failed and removes the bar", async () => {
    const node = await card();
    tauri.handlers.set("save_media", () => {
      throw { type: "fileBlocked" };
    });
    const save = node.querySelector("button[data-action=save-media]") as HTMLButtonElement;
    await downloadMedia(save, "save-media");
    expect(node.querySelector(".download")).toBeNull();
    expect(document.getElementById("send-error")?.textContent).toMatch(/antivirus/);
    expect(save.textContent).toBe("Enregistrer");
  });

  it("leaves the card as it was when the user cancels the dialog", async () => {
    const node = await card();
    tauri.handlers.set("save_media", () => false);
    const save = node.querySelector("button[data-action=save-media]") as HTMLButtonElement;
    await downloadMedia(save, "save-media");
    expect(save.textContent).toBe("Enregistrer");
    expect(node.querySelector(".download")).toBeNull();
  });
});
