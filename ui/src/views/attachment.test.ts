import { beforeEach, describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import { msg } from "../test/fixtures";
import type { MediaView } from "../types";
import { attachment, displaySize, fileSize, mediaUrl } from "./attachment";
import { renderMessage } from "./timeline";

function media(over: Partial<MediaView> = {}): MediaView {
  return {
    kind: "image", key: "p/example.org/abc", previewKey: "t/example.org/abc/800/600",
    filename: "photo.png", caption: null, mimetype: "image/png", size: 33807, width: 1600, height: 1000, ...over,
  };
}

describe("attachments in the timeline", () => {
  beforeEach(() => setLang("fr"));

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

  it("draws the preview with the file's name and a Save button", () => {
    const node = attachment(media({ caption: "Le plan" }));
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

  it("turns a picture that cannot be shown into a file card with a note", () => {
    const node = attachment(media());
    node.querySelector("img")?.dispatchEvent(new Event("error"));
    expect(node.querySelector("img")).toBeNull();
    expect(node.querySelector(".attachment.file.unavailable .file-note")?.textContent).toBe("aperçu indisponible");
    expect(node.querySelector("button[data-action=save-media]")).not.toBeNull();
  });

  it("puts the attachment in place of the text body of a message", () => {
    const li = renderMessage(msg({ body: "photo.png", media: media() }), true);
    expect(li.querySelector(".body")).toBeNull();
    expect(li.querySelector("figure.attachment.image img")).not.toBeNull();
  });
});
