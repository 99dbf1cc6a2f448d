import { beforeEach, describe, expect, it } from "vitest";
import { setLang } from "../i18n";
import { msg, T0 } from "../test/fixtures";
import type { TimelineItemView } from "../types";
import { groupMemberships, renderItem, TimelineView } from "./timeline";

const MIN = 60_000;

function shown(view: TimelineView) {
  return [...view.element.children] as HTMLElement[];
}

describe("timeline view", () => {
  beforeEach(() => setLang("fr"));

  it("gives every item the .event class and its data-event-id", () => {
    const all: TimelineItemView[] = [
      { kind: "timelineStart", id: "s" },
      { kind: "dayDivider", id: "d", timestamp: T0 },
      msg({ id: "$m" }),
      { kind: "deleted", id: "x1", senderName: "Bob", timestamp: T0 },
      { kind: "unableToDecrypt", id: "x2", senderName: "Bob", timestamp: T0, reason: "unknown" },
      { kind: "membership", id: "x3", userName: "Bob", change: "joined", timestamp: T0 },
      { kind: "profileChange", id: "x4", userName: "Bob", newName: "Robert", timestamp: T0 },
      { kind: "stateChange", id: "x5", senderName: "Bob", eventType: "m.room.topic", timestamp: T0 },
      { kind: "unsupported", id: "x6", senderName: "Bob", timestamp: T0 },
      { kind: "readMarker", id: "r" },
    ];
    const view = new TimelineView();
    view.render(all);
    expect(view.element.id).toBe("timeline");
    const lis = shown(view);
    expect(lis.map((l) => l.dataset.eventId)).toEqual(all.map((i) => i.id));
    for (const li of lis) expect(li.classList.contains("event")).toBe(true);
    const text = view.element.textContent ?? "";
    expect(text).toContain("Début du salon");
    expect(text).toContain("Bob a rejoint le salon");
    expect(text).toContain("Bob s'appelle maintenant Robert");
    expect(text).toContain("Bob a changé le sujet du salon");
    expect(text).toContain("Impossible de déchiffrer ce message pour l'instant");
    expect(text).toContain("Nouveaux messages");
    expect(lis[5]?.classList.contains("notice")).toBe(true);
    expect(lis[1]?.classList.contains("day-divider")).toBe(true);
    expect(lis[2]?.classList.contains("message")).toBe(true);
  });

  it("shows the sender once for consecutive messages within five minutes", () => {
    const view = new TimelineView();
    view.render([
      msg({ id: "1", timestamp: T0 }),
      msg({ id: "2", timestamp: T0 + MIN }),
      msg({ id: "3", timestamp: T0 + 7 * MIN }),
      msg({ id: "4", timestamp: T0 + 8 * MIN, sender: "@bob:x", senderName: "Bob" }),
    ]);
    const senders = shown(view).map((li) => li.querySelector(".sender")?.textContent ?? null);
    expect(senders).toEqual(["Alice", null, "Alice", "Bob"]);
    expect(shown(view).map((li) => li.classList.contains("first"))).toEqual([true, false, true, true]);
  });

  it("renders a plain body as text, never as markup", () => {
    const li = renderItem(msg({ body: "<img src=x onerror=alert(1)> <b>gras</b>" }), true);
    const body = li.querySelector(".body") as HTMLElement;
    expect(body.querySelector("img, b")).toBeNull();
    expect(body.textContent).toBe("<img src=x onerror=alert(1)> <b>gras</b>");
  });

  it("renders the sanitised html field as markup", () => {
    const li = renderItem(msg({ body: "**gras**", html: '<p><strong>gras</strong> <a href="https://a.fr">lien</a></p>' }), true);
    const body = li.querySelector(".body") as HTMLElement;
    expect(body.querySelector("strong")?.textContent).toBe("gras");
    expect(body.querySelector("a")?.getAttribute("title")).toBe("https://a.fr");
    expect(body.classList.contains("html")).toBe(true);
  });

  it("marks own messages and shows their send state", () => {
    const sending = renderItem(msg({ isOwn: true, sendState: { state: "sending" } }), true);
    expect(sending.classList.contains("own")).toBe(true);
    expect(sending.querySelector(".send-state")?.textContent).toBe("Envoi…");
    const failed = renderItem(msg({ isOwn: true, sendState: { state: "failed", recoverable: false, reason: "trop gros" } }), true);
    expect(failed.classList.contains("failed")).toBe(true);
    expect(failed.querySelector(".send-state")?.textContent).toBe("Échec de l'envoi");
    expect(failed.querySelector(".send-reason")?.textContent).toBe("trop gros");
    const retry = renderItem(msg({ isOwn: true, sendState: { state: "failed", recoverable: true, reason: "offline" } }), true);
    expect(retry.querySelector(".send-state")?.textContent).toBe("En attente du serveur…");
    const sent = renderItem(msg({ isOwn: true }), true);
    expect(sent.querySelector(".send-state")).toBeNull();
  });

  it("shows the time, edits, notices and emotes", () => {
    const li = renderItem(msg({ edited: true, timestamp: new Date(2026, 0, 1, 8, 7).getTime() }), true);
    expect(li.querySelector("time")?.textContent).toBe("08:07");
    expect(li.querySelector(".edited")?.textContent).toBe("(modifié)");
    expect(renderItem(msg({ msgtype: "notice" }), true).classList.contains("notice")).toBe(true);
    const emote = renderItem(msg({ msgtype: "emote", body: "salue" }), true);
    expect(emote.classList.contains("emote")).toBe(true);
    expect(emote.querySelector(".body")?.textContent).toBe("* Alice salue");
    expect(emote.querySelector(".sender")).toBeNull();
  });

  it("formats day dividers", () => {
    const now = new Date(2026, 10, 23, 15, 0);
    const today = renderItem({ kind: "dayDivider", id: "d", timestamp: now.getTime() }, true, now);
    expect(today.textContent).toBe("Aujourd'hui");
    const old = renderItem({ kind: "dayDivider", id: "d", timestamp: new Date(2026, 10, 2).getTime() }, true, now);
    expect(old.textContent).toBe("Lundi 2 novembre");
  });

  it("rebuilds only what changed", () => {
    const view = new TimelineView();
    view.render([msg({ id: "1" }), msg({ id: "2", body: "a", timestamp: T0 + MIN })]);
    const [n1, n2] = shown(view);
    view.render([msg({ id: "1" }), msg({ id: "2", body: "a", timestamp: T0 + MIN }), msg({ id: "3", timestamp: T0 + 2 * MIN })]);
    const after = shown(view);
    expect(after[0]).toBe(n1);
    expect(after[1]).toBe(n2);
    // An older message prepended changes the grouping of the first one: that one is rebuilt.
    view.render([
      msg({ id: "0", timestamp: T0 - MIN }), msg({ id: "1" }), msg({ id: "2", body: "a", timestamp: T0 + MIN }),
      msg({ id: "3", timestamp: T0 + 2 * MIN }),
    ]);
    const again = shown(view);
    expect(again[1]).not.toBe(n1);
    expect(again[1]?.querySelector(".sender")).toBeNull();
    expect(again[2]).toBe(n2);
  });

  it("shows an item whose id repeats, without confusing the cache", () => {
    const view = new TimelineView();
    view.render([msg({ id: "1", body: "a" }), msg({ id: "1", body: "b" })]);
    expect(shown(view).length).toBe(2);
    view.render([msg({ id: "1", body: "a" })]);
    expect(shown(view).length).toBe(1);
  });
});

describe("membership notices", () => {
  beforeEach(() => setLang("fr"));
  const joined = (id: string, userName: string, change = "joined"): TimelineItemView =>
    ({ kind: "membership", id, userName, change, timestamp: T0 });

  it("groups consecutive changes into one line that expands to list them", () => {
    const view = new TimelineView();
    view.render([msg({ id: "$m" }), joined("j1", "Alice"), joined("j2", "Bob"), joined("j3", "Chloé"),
      joined("j4", "David"), joined("j5", "Émile"), msg({ id: "$n" })]);
    const lis = shown(view);
    expect(lis.map((l) => l.dataset.eventId)).toEqual(["$m", "j1", "$n"]);
    const group = lis[1] as HTMLElement;
    expect(group.dataset.count).toBe("5");
    const summary = group.querySelector<HTMLButtonElement>(".membership-summary") as HTMLButtonElement;
    expect(summary.textContent).toBe("Alice, Bob et 3 autres ont rejoint le salon");
    const list = group.querySelector<HTMLElement>(".membership-list") as HTMLElement;
    expect(list.hidden).toBe(true);
    summary.click();
    const opened = shown(view)[1] as HTMLElement;
    expect(opened.querySelector(".membership-summary")?.getAttribute("aria-expanded")).toBe("true");
    expect(opened.querySelector<HTMLElement>(".membership-list")?.hidden).toBe(false);
    expect([...opened.querySelectorAll(".membership-list li")].map((l) => l.textContent)).toEqual([
      "Alice a rejoint le salon", "Bob a rejoint le salon", "Chloé a rejoint le salon", "David a rejoint le salon",
      "Émile a rejoint le salon",
    ]);
    // It stays open when more items arrive.
    view.render([msg({ id: "$m" }), joined("j1", "Alice"), joined("j2", "Bob"), joined("j3", "Chloé"),
      joined("j4", "David"), joined("j5", "Émile"), msg({ id: "$n" }), msg({ id: "$o" })]);
    expect(shown(view)[1]?.querySelector<HTMLElement>(".membership-list")?.hidden).toBe(false);
  });

  it("words mixed changes one clause each, and leaves a single change alone", () => {
    const view = new TimelineView();
    view.render([joined("a", "Alice"), joined("b", "Bob"), joined("c", "Chloé", "left"), msg({ id: "$m" }),
      joined("d", "David")]);
    const lis = shown(view);
    expect(lis[0]?.querySelector(".membership-summary")?.textContent)
      .toBe("Alice et Bob ont rejoint le salon · Chloé a quitté le salon");
    expect(lis.at(-1)?.classList.contains("membership-group")).toBe(false);
    expect(lis.at(-1)?.textContent).toBe("David a rejoint le salon");
  });

  it("does not group across a day or a message", () => {
    const out = groupMemberships([joined("a", "A"), { kind: "dayDivider", id: "d", timestamp: T0 }, joined("b", "B"),
      joined("c", "C"), msg({ id: "$m" }), joined("e", "E")]);
    expect(out.map((x) => (Array.isArray(x) ? x.map((i) => i.id) : x.id))).toEqual(["a", "d", ["b", "c"], "$m", "e"]);
  });
});

describe("unable to decrypt", () => {
  beforeEach(() => setLang("fr"));

  it("says why, as the SDK tells it", () => {
    const li = renderItem({ kind: "unableToDecrypt", id: "u", senderName: "Bob", timestamp: T0, reason: "sentBeforeYouJoined" }, true);
    expect(li.textContent).toBe("Bob — Message envoyé avant que vous rejoigniez le salon : il ne vous est pas lisible");
    expect(li.dataset.reason).toBe("sentBeforeYouJoined");
    setLang("en");
    const en = renderItem({ kind: "unableToDecrypt", id: "u", senderName: "Bob", timestamp: T0, reason: "historicalNoBackup" }, true);
    expect(en.textContent).toBe("Bob — Older message: history is not available on this device (no key backup)");
  });

  it("names three readers of a message read by 10,000 and counts the others", () => {
    // Hostile input (issue #11): a message read by every member of a very large room.
    const readBy = Array.from({ length: 10_000 }, (_, i) => `@m${i}:x`);
    const li = renderItem(msg({ id: "$big", isOwn: true, readBy }), true);
    const line = li.querySelector<HTMLElement>(".read-by");
    expect(line?.textContent).toMatch(/^Lu par m0, m1, m2 et 9\s?997 autres$/);
    expect(line?.title.split(", ").length).toBeLessThanOrEqual(30);
    const few = renderItem(msg({ id: "$few", isOwn: true, readBy: ["@bob:x", "@carol:x"] }), true);
    expect(few.querySelector(".read-by")?.textContent).toBe("Lu par bob, carol");
  });
});
