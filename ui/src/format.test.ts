import { describe, expect, it } from "vitest";
import type { TimelineItemView } from "./types";
import { errorText, previewText, roomTime, startsGroup } from "./format";
import { setLang } from "./i18n";

const msg = (sender: string, timestamp: number): TimelineItemView => ({
  kind: "message", id: `${sender}${timestamp}`, sender, senderName: sender, isOwn: false, timestamp,
  body: "x", html: null, msgtype: "m.text", edited: false, sendState: { state: "sent" },
});

describe("format", () => {
  it("groups consecutive messages of one sender within five minutes", () => {
    const a1 = msg("@a:x", 0);
    expect(startsGroup(undefined, a1)).toBe(true);
    expect(startsGroup(a1, msg("@a:x", 60_000))).toBe(false);
    expect(startsGroup(a1, msg("@b:x", 60_000))).toBe(true);
    expect(startsGroup(a1, msg("@a:x", 6 * 60_000))).toBe(true);
  });

  it("shows today's time, yesterday, or a date", () => {
    setLang("fr");
    const now = new Date(2026, 10, 23, 15, 0);
    expect(roomTime(new Date(2026, 10, 23, 9, 5).getTime(), now)).toBe("09:05");
    expect(roomTime(new Date(2026, 10, 22, 9, 5).getTime(), now)).toBe("Hier");
    expect(roomTime(new Date(2026, 9, 2, 9, 5).getTime(), now)).toMatch(/2 oct/);
    expect(roomTime(null, now)).toBe("");
  });

  it("words previews and errors for the user", () => {
    setLang("fr");
    expect(previewText({ senderName: "Bob", isOwn: false, text: "salut", kind: "text" })).toBe("Bob : salut");
    expect(previewText({ senderName: "Moi", isOwn: true, text: "", kind: "deleted" })).toBe("Vous : Message supprimé");
    expect(errorText({ type: "wrongCredentials" })).toBe("Identifiant ou mot de passe incorrect.");
    expect(errorText({ type: "other", data: "boom" })).toContain("boom");
    setLang("en");
    expect(previewText({ senderName: "Bob", isOwn: false, text: "hi", kind: "text" })).toBe("Bob: hi");
  });
});
