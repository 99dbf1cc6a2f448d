import { beforeEach, describe, expect, it } from "vitest";
import {
  colorSlot, dayLabel, errorText, latestEventId, membershipText, messageTime, previewText, roomTime,
  sendStateText, startsGroup, stateChangeText, syncText, unreadCount,
} from "./format";
import { setLang } from "./i18n";
import { msg } from "./test/fixtures";

const MIN = 60_000;
const now = new Date(2026, 10, 23, 15, 0);

describe("message grouping (should the sender be shown)", () => {
  it("shows the sender for the first message and after another sender", () => {
    const a1 = msg({ timestamp: 0 });
    expect(startsGroup(undefined, a1)).toBe(true);
    expect(startsGroup(a1, msg({ sender: "@b:x", timestamp: MIN }))).toBe(true);
  });

  it("hides it for the same sender within five minutes, shows it after", () => {
    const a1 = msg({ timestamp: 0 });
    expect(startsGroup(a1, msg({ timestamp: MIN }))).toBe(false);
    expect(startsGroup(a1, msg({ timestamp: 5 * MIN }))).toBe(false);
    expect(startsGroup(a1, msg({ timestamp: 5 * MIN + 1 }))).toBe(true);
  });

  it("shows it after anything that is not a message", () => {
    expect(startsGroup({ kind: "dayDivider", id: "d", timestamp: 0 }, msg())).toBe(true);
    expect(startsGroup({ kind: "membership", id: "m", userName: "A", change: "joined", timestamp: 0 }, msg())).toBe(true);
    expect(startsGroup(msg(), msg({ msgtype: "emote" }))).toBe(true);
  });
});

describe("times", () => {
  beforeEach(() => setLang("fr"));

  it("room list: today's time, yesterday, or a date", () => {
    expect(roomTime(new Date(2026, 10, 23, 9, 5).getTime(), now)).toBe("09:05");
    expect(roomTime(new Date(2026, 10, 22, 23, 59).getTime(), now)).toBe("Hier");
    expect(roomTime(new Date(2026, 9, 2, 9, 5).getTime(), now)).toMatch(/^2 oct/);
    expect(roomTime(new Date(2025, 9, 2, 9, 5).getTime(), now)).toMatch(/2025/);
    expect(roomTime(null, now)).toBe("");
    setLang("en");
    expect(roomTime(new Date(2026, 10, 22, 9, 5).getTime(), now)).toBe("Yesterday");
  });

  it("messages: hours and minutes", () => {
    expect(messageTime(new Date(2026, 0, 1, 14, 5).getTime())).toBe("14:05");
    expect(messageTime(null)).toBe("");
    expect(messageTime(Number.NaN)).toBe("");
  });

  it("day dividers: today, yesterday, else the weekday and date", () => {
    expect(dayLabel(new Date(2026, 10, 23, 1, 0).getTime(), now)).toBe("Aujourd'hui");
    expect(dayLabel(new Date(2026, 10, 22, 1, 0).getTime(), now)).toBe("Hier");
    expect(dayLabel(new Date(2026, 10, 2).getTime(), now)).toBe("Lundi 2 novembre");
    expect(dayLabel(new Date(2025, 10, 3).getTime(), now)).toBe("Lundi 3 novembre 2025");
    setLang("en");
    expect(dayLabel(new Date(2026, 10, 2).getTime(), now)).toBe("Monday 2 November");
    expect(dayLabel(new Date(2026, 10, 23).getTime(), now)).toBe("Today");
  });
});

describe("words", () => {
  beforeEach(() => setLang("fr"));

  it("previews: sender, French colon spacing, kinds", () => {
    expect(previewText({ senderName: "Alice", isOwn: false, text: "bonjour", kind: "text" })).toBe("Alice : bonjour");
    expect(previewText({ senderName: "Moi", isOwn: true, text: "", kind: "deleted" })).toBe("Vous : Message supprimé");
    expect(previewText({ senderName: "Bob", isOwn: false, text: "", kind: "encrypted" })).toBe("Bob : Message chiffré");
    expect(previewText(null)).toBe("");
    setLang("en");
    expect(previewText({ senderName: "Bob", isOwn: false, text: "hi", kind: "text" })).toBe("Bob: hi");
  });

  it("errors", () => {
    expect(errorText({ type: "wrongCredentials" })).toBe("Identifiant ou mot de passe incorrect.");
    expect(errorText({ type: "unreachable", data: "refused" })).toBe("Le serveur est injoignable. Vérifiez votre connexion.");
    expect(errorText({ type: "other", data: "boom" })).toBe("Une erreur est survenue : boom");
    expect(errorText({ type: "brandNew" } as never)).toContain("brandNew");
    expect(errorText(undefined)).toContain("Une erreur est survenue");
  });

  it("sync banner", () => {
    expect(syncText({ state: "running" })).toBeNull();
    expect(syncText({ state: "offline" })).toBe("Hors ligne — vos messages partiront au retour du serveur");
    expect(syncText({ state: "starting" })).toBe("Connexion au serveur…");
    expect(syncText({ state: "error", message: "x" })).toContain("nouvelle tentative");
    expect(syncText({ state: "sessionExpired" })).toContain("expiré");
    expect(syncText({ state: "stopped" })).toContain("arrêtée");
  });

  it("send states", () => {
    expect(sendStateText({ state: "sending" })).toBe("Envoi…");
    expect(sendStateText({ state: "sent" })).toBeNull();
    expect(sendStateText({ state: "failed", recoverable: false, reason: "x" })).toBe("Échec de l'envoi");
    expect(sendStateText({ state: "failed", recoverable: true, reason: "x" })).toBe("En attente du serveur…");
  });

  it("membership and state notices, with a fallback for unknown words", () => {
    expect(membershipText("Alice", "joined")).toBe("Alice a rejoint le salon");
    expect(membershipText("Alice", "left")).toBe("Alice a quitté le salon");
    expect(membershipText("Alice", "somethingNew")).toBe("Alice a changé d'appartenance");
    expect(stateChangeText("Bob", "m.room.name")).toBe("Bob a changé le nom du salon");
    expect(stateChangeText("Bob", "m.room.tombstone")).toBe("Bob a remplacé ce salon par une nouvelle version");
    expect(stateChangeText("Bob", "org.example.custom")).toBe("Bob a modifié le salon (org.example.custom)");
    setLang("en");
    expect(membershipText("Alice", "joined")).toBe("Alice has joined");
  });
});

describe("small helpers", () => {
  it("colour slots are stable and in range", () => {
    expect(colorSlot("@alice:x")).toBe(colorSlot("@alice:x"));
    for (const id of ["", "a", "@bob:example.org", "!room:x", "é".repeat(50)]) {
      const s = colorSlot(id);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(8);
    }
  });

  it("unread count prefers the server's notification count", () => {
    expect(unreadCount({ unreadMessages: 5, unreadNotifications: 2 })).toBe(2);
    expect(unreadCount({ unreadMessages: 5, unreadNotifications: 0 })).toBe(5);
    expect(unreadCount({ unreadMessages: 0, unreadNotifications: 0 })).toBe(0);
  });

  it("the latest event skips virtual items", () => {
    expect(latestEventId([])).toBeNull();
    expect(latestEventId([msg({ id: "$1" }), { kind: "readMarker", id: "r" }, { kind: "dayDivider", id: "d", timestamp: 0 }])).toBe("$1");
    expect(latestEventId([{ kind: "timelineStart", id: "s" }])).toBeNull();
  });
});
