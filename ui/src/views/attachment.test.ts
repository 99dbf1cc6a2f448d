import { beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import type { ScanStatus } from "../bindings";
import { setLang } from "../i18n";
import { msg } from "../test/fixtures";
import type { MediaView } from "../types";
import { attachment, displaySize, duration, fileSize, forgetVerdicts, mediaUrl } from "./attachment";
import { renderMessage } from "./timeline";

function media(over: Partial<MediaView> = {}): MediaView {
  return {
    kind: "image", key: "p/example.org/abc", previewKey: "t/example.org/abc/800/600",
    filename: "photo.png", caption: null, mimetype: "image/png", size: 33807, width: 1600, height: 1000,
    durationSecs: null, ...over,
  };
}

/** Lets the pending scan answers reach the cards. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("attachments in the timeline", () => {
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    forgetVerdicts();
    tauri.handlers.set("scan_media", () => ({ kind: "clean" }));
  });

  it("addresses media through the custom scheme, per platform, never with an mxc URL", () => {
    expect(mediaUrl("e/127.0.0.1:18008/AbC", "Mozilla/5.0 (X11; Linux x86_64)")).toBe("media://localhost/e/127.0.0.1%3A18008/AbC");
    expect(mediaUrl("p/example.org/x", "Mozilla/5.0 (Windows NT 10.0)")).toBe("http://media.localhost/p/example.org/x");
  });

  it("says sizes as file managers do", () => {
    expect(fileSize(512)).toBe("512 o");
    expect(fileSize(33807)).toMatch(/^33,8\sKo$/);
    expect(fileSize(null)).toBe("");
    setLang("en");
    expect(fileSize(3_400_000)).toBe("3.4 MB");
  });

  it("fits a picture in 360×270 keeping its ratio, and never upscales", () => {
    expect(displaySize(1600, 1000)).toEqual({ width: 360, height: 225 });
    expect(displaySize(100, 800)).toEqual({ width: 34, height: 270 });
    expect(displaySize(120, 80)).toEqual({ width: 120, height: 80 });
    expect(displaySize(null, null)).toEqual({ width: 360, height: 270 });
  });

  it("draws the preview with the file's name and a Save button", async () => {
    const node = attachment(media({ caption: "Le plan" }));
    await settle();
    const img = node.querySelector("img.preview") as HTMLImageElement;
    expect(img.getAttribute("src")).toBe("media://localhost/t/example.org/abc/800/600");
    expect(img.getAttribute("alt")).toBe("photo.png");
    expect([img.getAttribute("width"), img.getAttribute("height")]).toEqual(["360", "225"]);
    const save = node.querySelector("button[data-action=save-media]") as HTMLButtonElement;
    expect(save.dataset.mediaKey).toBe("p/example.org/abc");
    expect(save.dataset.filename).toBe("photo.png");
    expect(node.querySelector(".caption")?.textContent).toBe("Le plan");
  });

  it("shows a file card, not an image, for what has no preview (documents, SVG)", () => {
    const node = attachment(media({ kind: "file", previewKey: null, filename: "carte.svg", mimetype: "image/svg+xml", size: 2048 }));
    expect(node.querySelector("img")).toBeNull();
    expect(node.querySelector(".attachment.file .file-name")?.textContent).toBe("carte.svg");
    expect(node.querySelector(".file-size")?.textContent).toMatch(/^2\sKo$/);
  });

  it("turns a picture that cannot be shown into a file card with a note", async () => {
    const node = attachment(media());
    await settle();
    node.querySelector("img")?.dispatchEvent(new Event("error"));
    expect(node.querySelector("img")).toBeNull();
    expect(node.querySelector(".attachment.file.unavailable .file-note")?.textContent).toBe("aperçu indisponible");
    expect(node.querySelector("button[data-action=save-media]")).not.toBeNull();
  });

  it("puts the attachment in place of the text body of a message", async () => {
    const li = renderMessage(msg({ body: "photo.png", media: media() }), true);
    await settle();
    expect(li.querySelector(".body")).toBeNull();
    expect(li.querySelector("figure.attachment.image img")).not.toBeNull();
  });

  it("disables Save while the scanner looks at the file, then says it is clean", async () => {
    const held = tauri.deferred<ScanStatus>();
    tauri.handlers.set("scan_media", () => held.promise);
    const node = attachment(media({ kind: "file", previewKey: null, filename: "cr.pdf" }));
    const save = () => node.querySelector("button[data-action=save-media]") as HTMLButtonElement;
    expect(node.querySelector(".scan-status")?.textContent).toBe("Analyse…");
    expect(save().disabled).toBe(true);
    held.resolve({ kind: "clean" });
    await settle();
    expect(node.querySelector(".scan-status.clean")?.textContent).toBe("Sain");
    expect(save().disabled).toBe(false);
    expect(tauri.callsOf("scan_media")).toEqual([{ key: "p/example.org/abc" }]);
  });

  it("offers Open and Save, both waiting for the verdict", () => {
    tauri.handlers.set("scan_media", () => new Promise(() => {}));
    const node = attachment(media({ kind: "file", previewKey: null, filename: "note.pdf" }));
    const open = node.querySelector("button[data-action=open-media]") as HTMLButtonElement;
    expect(open.dataset.mediaKey).toBe("p/example.org/abc");
    expect(open.disabled).toBe(true);
  });

  it("never offers to save an infected file", async () => {
    tauri.handlers.set("scan_media", () => ({ kind: "infected", info: "***VIRUS DETECTED***" }));
    const node = attachment(media({ kind: "file", previewKey: null, filename: "facture.exe" }));
    await settle();
    expect(node.querySelector(".scan-status.infected")?.textContent).toBe("Bloqué : virus détecté");
    expect(node.querySelector("button[data-action=save-media]")).toBeNull();
    expect(node.querySelector("button[data-action=open-media]")).toBeNull();
  });

  it("replaces a blocked picture by a card without preview nor Save", async () => {
    tauri.handlers.set("scan_media", () => ({ kind: "forbidden", info: "File type: image/svg+xml not allowed" }));
    const node = attachment(media());
    await settle();
    expect(node.querySelector("img")).toBeNull();
    expect(node.querySelector(".attachment.file .scan-status.forbidden")?.textContent).toBe("Bloqué : type de fichier refusé");
    expect(node.querySelector("button[data-action=save-media]")).toBeNull();
  });

  it("says when the scan is unavailable, keeps Save, and asks again next time", async () => {
    tauri.handlers.set("scan_media", () => ({ kind: "unavailable", reason: "the content scanner cannot be reached" }));
    const node = attachment(media({ kind: "file", previewKey: null }));
    await settle();
    expect(node.querySelector(".scan-status.unavailable")?.textContent).toBe("Analyse indisponible");
    expect((node.querySelector("button[data-action=save-media]") as HTMLButtonElement).disabled).toBe(false);
    tauri.handlers.set("scan_media", () => ({ kind: "clean" }));
    const again = attachment(media({ kind: "file", previewKey: null }));
    await settle();
    expect(again.querySelector(".scan-status.clean")).not.toBeNull();
    expect(tauri.callsOf("scan_media")).toHaveLength(2);
  });

  it("asks once per file however often the message is drawn", async () => {
    attachment(media());
    attachment(media());
    await settle();
    expect(tauri.callsOf("scan_media")).toHaveLength(1);
  });

  it("shows no badge where the server has no scanner", async () => {
    tauri.handlers.set("scan_media", () => ({ kind: "noScanner" }));
    const node = attachment(media({ kind: "file", previewKey: null }));
    await settle();
    expect(node.querySelector(".scan-status")).toBeNull();
    expect((node.querySelector("button[data-action=save-media]") as HTMLButtonElement).disabled).toBe(false);
  });

  it("speaks English too", async () => {
    setLang("en");
    tauri.handlers.set("scan_media", () => ({ kind: "infected", info: "" }));
    const node = attachment(media({ kind: "file", previewKey: null }));
    expect(node.querySelector(".scan-status")?.textContent).toBe("Scanning…");
    await settle();
    expect(node.querySelector(".scan-status")?.textContent).toBe("Blocked: infected");
  });

  it("does not load a picture before the antivirus says it is clean", async () => {
    const held = tauri.deferred<ScanStatus>();
    tauri.handlers.set("scan_media", () => held.promise);
    const node = attachment(media());
    await settle();
    expect(node.querySelector("img"), "nothing loaded while scanning").toBeNull();
    const pending = node.querySelector(".preview-pending") as HTMLElement;
    expect(pending.textContent).toBe("Analyse…");
    expect([pending.querySelector("canvas")?.getAttribute("width"), pending.querySelector("canvas")?.getAttribute("height")])
      .toEqual(["360", "225"]);
    held.resolve({ kind: "clean" });
    await settle();
    expect(node.querySelector(".preview-pending")).toBeNull();
    expect(node.querySelector("img.preview")?.getAttribute("src")).toBe("media://localhost/t/example.org/abc/800/600");
  });

  it("never loads the picture of a blocked file", async () => {
    tauri.handlers.set("scan_media", () => ({ kind: "infected", info: "EICAR" }));
    const node = attachment(media());
    await settle();
    expect(node.querySelector("img")).toBeNull();
    expect(node.querySelector(".preview-pending")).toBeNull();
    expect(node.querySelector(".attachment.file .scan-status.infected")).not.toBeNull();
  });

  it("loads no preview without a verdict: the file card says the scan is unavailable", async () => {
    tauri.handlers.set("scan_media", () => ({ kind: "unavailable", reason: "down" }));
    const node = attachment(media());
    await settle();
    expect(node.querySelector("img")).toBeNull();
    expect(node.querySelector(".attachment.file.unavailable .scan-status.unavailable")).not.toBeNull();
  });

  it("checks a thumbnail the sender made on its own, and hides it when blocked", async () => {
    tauri.handlers.set("scan_media", ({ key }: { key: string }) =>
      key === "e/example.org/thumb" ? { kind: "infected", info: "" } : { kind: "clean" });
    const node = attachment(media({ key: "e/example.org/file", previewKey: "e/example.org/thumb" }));
    await settle();
    expect(tauri.callsOf("scan_media").map((a) => a.key).sort()).toEqual(["e/example.org/file", "e/example.org/thumb"]);
    expect(node.querySelector("img")).toBeNull();
    // The file itself is clean: it can still be saved.
    expect(node.querySelector(".attachment.file .scan-status.clean")).not.toBeNull();
    expect((node.querySelector("button[data-action=save-media]") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows pictures at once where there is nothing to scan", async () => {
    tauri.handlers.set("scan_media", () => ({ kind: "noScanner" }));
    const node = attachment(media());
    await settle();
    expect(node.querySelector("img.preview")).not.toBeNull();
    tauri.handlers.set("scan_media", () => ({ kind: "notUploaded" }));
    const own = attachment(media({ key: "p/send-queue.localhost/t1", previewKey: "t/send-queue.localhost/t1/800/600" }));
    await settle();
    expect(own.querySelector("img.preview")).not.toBeNull();
    expect(own.querySelector(".scan-status"), "no badge on one's own upload").toBeNull();
  });

  it("shows a video's thumbnail with its length, and the length on a card without one", async () => {
    const video = media({ kind: "video", key: "e/example.org/v", previewKey: "e/example.org/vt", filename: "clip.mp4",
      mimetype: "video/mp4", width: 320, height: 240, durationSecs: 1.04 });
    const node = attachment(video);
    await settle();
    expect(node.querySelector("figure.attachment.video img.preview")?.getAttribute("src")).toBe("media://localhost/e/example.org/vt");
    expect(node.querySelector(".video-badge")?.textContent).toBe("▶ 0:01");
    const bare = attachment({ ...video, previewKey: null, durationSecs: 125 });
    expect(bare.querySelector(".attachment.file .file-icon")?.textContent).toBe("🎞");
    expect(bare.querySelector(".file-duration")?.textContent).toBe("2:05");
  });

  it("says lengths as players do", () => {
    expect(duration(0.4)).toBe("0:00");
    expect(duration(59.6)).toBe("1:00");
    expect(duration(3723)).toBe("1:02:03");
    expect(duration(null)).toBe("");
    expect(duration(Number.NaN)).toBe("");
  });
});
