import { beforeEach, describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import { msg } from "../test/fixtures";
import { outcomesText, uploadBar } from "./fileSend";
import { renderMessage } from "./timeline";

describe("sending files", () => {
  beforeEach(() => setLang("fr"));

  it("names each file that was not sent and why; queued files say nothing", () => {
    const text = outcomesText([
      { name: "photo.png", error: null },
      { name: "archives.zip", error: { type: "fileTooLarge", data: { maxBytes: 52428800 } } },
      { name: "vide.txt", error: { type: "emptyFile" } },
    ]);
    expect(text.split("\n")).toEqual([
      "archives.zip n’a pas été envoyé : trop volumineux (le serveur accepte 52,4 Mo au plus)",
      "vide.txt n’a pas été envoyé : Ce fichier est vide.",
    ]);
    expect(outcomesText([{ name: "a.pdf", error: null }])).toBe("");
  });

  it("shows upload progress with Cancel while an attachment is sending, nothing once sent", () => {
    const bar = uploadBar({ state: "sending", progress: 0.42 })!;
    expect((bar.querySelector("progress") as HTMLProgressElement).getAttribute("value")).toBe("0.42");
    expect(bar.querySelector(".upload-pct")?.textContent).toBe("42 %");
    expect(bar.querySelector("button[data-action=discard]")?.textContent).toBe("Annuler");
    const waiting = uploadBar({ state: "sending", progress: null })!;
    expect(waiting.querySelector("progress")?.hasAttribute("value")).toBe(false);
    expect(uploadBar({ state: "sent" })).toBeNull();
  });

  it("puts the bar under an attachment being sent, not under a text message", () => {
    const media = {
      kind: "file" as const, key: "p/send-queue.localhost/x", previewKey: null, filename: "note.pdf",
      caption: null, mimetype: "application/pdf", size: 1000, width: null, height: null, durationSecs: null,
    };
    const sending = renderMessage(msg({ isOwn: true, media, sendState: { state: "sending", progress: 0.5 } }), true);
    expect(sending.querySelector(".upload progress")).not.toBeNull();
    const text = renderMessage(msg({ isOwn: true, sendState: { state: "sending", progress: null } }), true);
    expect(text.querySelector(".upload")).toBeNull();
  });
});
