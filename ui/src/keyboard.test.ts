import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("./test/tauri"));
import * as tauri from "./test/tauri";
import { App } from "./app";
import { setLang } from "./i18n";
import { neighbour, shortcutOf } from "./keyboard";
import { room } from "./test/fixtures";
import type { ListDiff, RoomSummary } from "./types";
import { roomSwitcher } from "./views/roomSwitcher";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const $$ = (sel: string) => Array.from(document.querySelectorAll<HTMLElement>(sel));
const key = (target: EventTarget, k: string, extra: KeyboardEventInit = {}) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...extra }));
const type = (input: HTMLInputElement, v: string) => {
  input.value = v;
  input.dispatchEvent(new Event("input"));
};

const ROOMS: RoomSummary[] = [
  room({ roomId: "!a:x", name: "Accueil" }),
  room({ roomId: "!b:x", name: "Équipe projet" }),
  room({ roomId: "!c:x", name: "Cantine", isDirect: true }),
  room({ roomId: "!d:x", name: "Archives", isLowPriority: true }),
];

describe("shortcuts", () => {
  it("knows Ctrl+K (and ⌘K) and Alt+arrows, nothing else", () => {
    const k = (key: string, m: Partial<KeyboardEvent> = {}) =>
      shortcutOf({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...m });
    expect(k("k", { ctrlKey: true })).toBe("switcher");
    expect(k("K", { ctrlKey: true })).toBe("switcher");
    expect(k("k", { metaKey: true })).toBe("switcher");
    expect(k("ArrowUp", { altKey: true })).toBe("previousRoom");
    expect(k("ArrowDown", { altKey: true })).toBe("nextRoom");
    expect(k("k")).toBeNull();
    expect(k("k", { ctrlKey: true, shiftKey: true })).toBeNull();
    expect(k("ArrowDown")).toBeNull();
    expect(k("ArrowDown", { altKey: true, ctrlKey: true })).toBeNull();
  });

  it("goes to the neighbour room without wrapping", () => {
    const ids = ["!a", "!b", "!c"];
    expect(neighbour(ids, "!a", 1)).toBe("!b");
    expect(neighbour(ids, "!b", -1)).toBe("!a");
    expect(neighbour(ids, "!c", 1)).toBeNull();
    expect(neighbour(ids, "!a", -1)).toBeNull();
    expect(neighbour(ids, null, 1)).toBe("!a");
    expect(neighbour(ids, null, -1)).toBe("!c");
    expect(neighbour(ids, "!gone", 1)).toBe("!a");
    expect(neighbour([], null, 1)).toBeNull();
  });
});

describe("room switcher", () => {
  beforeEach(() => {
    setLang("fr");
    document.body.innerHTML = '<button id="before">avant</button>';
  });

  it("searches without accents, moves with the arrows, opens with Enter and gives the focus back", async () => {
    $("#before").focus();
    const picked: string[] = [];
    let closed = 0;
    const s = roomSwitcher({ rooms: () => ROOMS, onPick: (r) => picked.push(r.roomId), onClose: () => closed++ });
    document.body.append(s.element);
    await Promise.resolve();
    const input = $<HTMLInputElement>("#switcher-input");
    expect(document.activeElement).toBe(input);
    expect($("#room-switcher").getAttribute("role")).toBe("dialog");
    expect($("#room-switcher").getAttribute("aria-modal")).toBe("true");
    expect($$("#switcher-results li").length).toBe(4);
    type(input, "equipe");
    expect($$("#switcher-results li").map((li) => li.dataset.roomId)).toEqual(["!b:x"]);
    type(input, "e");
    // Accueil, Équipe projet, Cantine, Archives (low priority last), as the sidebar orders.
    expect($$("#switcher-results li").map((li) => li.dataset.roomId)).toEqual(["!a:x", "!b:x", "!c:x", "!d:x"]);
    expect(input.getAttribute("aria-activedescendant")).toBe("switcher-option-0");
    key(input, "ArrowDown");
    key(input, "ArrowDown");
    expect(input.getAttribute("aria-activedescendant")).toBe("switcher-option-2");
    expect($("#switcher-option-2").getAttribute("aria-selected")).toBe("true");
    key(input, "ArrowUp");
    key(input, "Enter");
    expect(picked).toEqual(["!b:x"]);
    expect(closed).toBe(1);
    expect($("#room-switcher")).toBeNull();
    expect(document.activeElement).toBe($("#before"));
  });

  it("closes with Escape, keeps Tab inside, and says when nothing matches", async () => {
    $("#before").focus();
    const s = roomSwitcher({ rooms: () => ROOMS, onPick: () => { throw new Error("no pick"); } });
    document.body.append(s.element);
    await Promise.resolve();
    const input = $<HTMLInputElement>("#switcher-input");
    type(input, "zzz");
    expect($("#switcher-empty").hidden).toBe(false);
    expect($("#switcher-count").textContent).toBe("Salons trouvés : 0");
    key(input, "Enter"); // nothing to open
    expect($("#room-switcher")).not.toBeNull();
    const tab = new KeyboardEvent("keydown", { key: "Tab", bubbles: true, cancelable: true });
    input.dispatchEvent(tab);
    expect(tab.defaultPrevented).toBe(true);
    key(input, "Escape");
    expect($("#room-switcher")).toBeNull();
    expect(document.activeElement).toBe($("#before"));
  });
});

describe("keyboard on the main screen", () => {
  let app: App | null = null;
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    document.body.innerHTML = '<div id="app"></div>';
    tauri.handlers.set("app_info", () => ({ version: "0.1.0", defaultHomeserver: null, disableCustomUrls: false, brand: "Chappe",
      roomDirectoryServers: [], configProblems: [], keychainAvailable: true, startLink: null }));
    tauri.handlers.set("restore_session", () => ({ userId: "@alice:x", displayName: "Alice", homeserver: "https://x", remembered: true }));
    for (const cmd of ["subscribe_rooms", "subscribe_sync_status", "subscribe_links", "subscribe_notifications", "open_room",
      "close_room", "mark_read", "subscribe_typing", "set_typing"]) tauri.handlers.set(cmd, () => null);
    tauri.handlers.set("paginate_back", () => true);
  });
  afterEach(() => app?.mainScreen?.destroy());

  async function start(rooms: RoomSummary[] = ROOMS): Promise<void> {
    app = new App($("#app"));
    await app.boot();
    await tauri.settle();
    tauri.channelOf<ListDiff<RoomSummary>>("subscribe_rooms").push({ op: "reset", values: rooms } as never);
    await tauri.settle();
  }

  it("Alt+↓ / Alt+↑ open the next and previous rooms of the list as shown", async () => {
    await start();
    key(document.body, "ArrowDown", { altKey: true });
    await tauri.settle();
    expect(app?.mainScreen?.openRoomId).toBe("!a:x");
    key(document.activeElement ?? document.body, "ArrowDown", { altKey: true });
    await tauri.settle();
    expect(app?.mainScreen?.openRoomId).toBe("!b:x");
    expect($('li.room[data-room-id="!b:x"]').getAttribute("aria-selected")).toBe("true");
    key(document.body, "ArrowUp", { altKey: true });
    await tauri.settle();
    expect(app?.mainScreen?.openRoomId).toBe("!a:x");
    // With a filter, only the rooms shown count: "people" shows Cantine alone.
    app?.mainScreen?.setFilter("people");
    key(document.body, "ArrowDown", { altKey: true });
    await tauri.settle();
    expect(app?.mainScreen?.openRoomId).toBe("!c:x");
    expect(tauri.callsOf("open_room").map((a) => a.roomId)).toEqual(["!a:x", "!b:x", "!a:x", "!c:x"]);
  });

  it("Ctrl+K opens the switcher from anywhere; its pick opens the room with the composer focused", async () => {
    await start();
    key(document.body, "k", { ctrlKey: true });
    await tauri.settle();
    const input = $<HTMLInputElement>("#switcher-input");
    expect(document.activeElement).toBe(input);
    type(input, "cant");
    key(input, "Enter");
    await tauri.settle();
    expect($("#room-switcher")).toBeNull();
    expect(app?.mainScreen?.openRoomId).toBe("!c:x");
    expect(document.activeElement).toBe($("#composer"));
    // A second Ctrl+K while it is open does not stack dialogs.
    key(document.body, "k", { ctrlKey: true });
    key(document.body, "k", { ctrlKey: true });
    await tauri.settle();
    expect($$("#room-switcher").length).toBe(1);
  });

  it("Escape closes the panels and the room menu, back to where the focus was", async () => {
    await start();
    tauri.handlers.set("room_notifications", () => ({ mode: "allMessages", isDefault: true }));
    const li = $('li.room[data-room-id="!a:x"]');
    li.focus();
    li.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true }));
    await tauri.settle();
    expect($("#room-menu")).not.toBeNull();
    key(document.activeElement ?? $("#room-menu"), "Escape");
    expect($("#room-menu")).toBeNull();
    expect(document.activeElement).toBe($('li.room[data-room-id="!a:x"]'));
    $("#new-room").click();
    await tauri.settle();
    expect($("#new-room-dialog")).not.toBeNull();
    key(document.activeElement ?? document.body, "Escape");
    expect($("#new-room-dialog")).toBeNull();
    expect(document.activeElement).toBe($("#new-room"));
  });

  it("with 1,000 rooms (a window of them drawn), Ctrl+K, Alt+↓ and the room menu reach rooms out of view", async () => {
    tauri.handlers.set("room_notifications", () => ({ mode: "allMessages", isDefault: true }));
    const many = Array.from({ length: 1000 }, (_, i) =>
      room({ roomId: `!r${i}:x`, name: `Salon ${String(i).padStart(3, "0")}` }));
    await start(many);
    const drawn = $$("li.room");
    expect(drawn.length).toBeGreaterThan(0);
    expect(drawn.length).toBeLessThan(50);
    expect(drawn[0]?.getAttribute("aria-setsize")).toBe("1000");
    expect($('li.room[data-room-id="!r700:x"]')).toBeNull();
    // The benchmark's mark counts the rooms the list holds, not the rows drawn.
    await vi.waitFor(() => expect(performance.getEntriesByName("chappe:rooms-painted:1000").length).toBe(1));

    key(document.body, "k", { ctrlKey: true });
    await tauri.settle();
    type($<HTMLInputElement>("#switcher-input"), "Salon 700");
    key($("#switcher-input"), "Enter");
    await tauri.settle();
    expect(app?.mainScreen?.openRoomId).toBe("!r700:x");
    expect($('li.room[data-room-id="!r700:x"]').getAttribute("aria-selected")).toBe("true");
    expect($('li.room[data-room-id="!r700:x"]').getAttribute("aria-posinset")).toBe("701");

    key(document.body, "ArrowDown", { altKey: true });
    await tauri.settle();
    expect(app?.mainScreen?.openRoomId).toBe("!r701:x");
    const li = $('li.room[data-room-id="!r701:x"]');
    expect(li.getAttribute("aria-selected")).toBe("true");

    // Its menu open, the list scrolled back to the top: Escape brings the row back, focused.
    li.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true }));
    await tauri.settle();
    expect($("#room-menu")).not.toBeNull();
    const list = $("#room-list");
    list.scrollTop = 0;
    list.dispatchEvent(new Event("scroll"));
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    expect($('li.room[data-room-id="!r0:x"]')).not.toBeNull();
    expect($('li.room[data-room-id="!r701:x"]')).toBeNull();
    key(document.activeElement ?? $("#room-menu"), "Escape");
    expect($("#room-menu")).toBeNull();
    expect(document.activeElement).toBe($('li.room[data-room-id="!r701:x"]'));
  });

  it("every button, field and list of the main screen has a name", async () => {
    await start();
    const unnamed = $$("button, input, select, textarea, [role=listbox], [role=option]").filter((e) => {
      // Hidden parts (the keys banner before it knows what to say) are not in the
      // accessibility tree; they get their name when shown.
      if (e.closest("[hidden]")) return false;
      const labelled = e.getAttribute("aria-label") || e.getAttribute("aria-labelledby") || e.getAttribute("title");
      const byLabel = e.id && Array.from(document.querySelectorAll("label")).some((l) => l.htmlFor === e.id);
      return !(labelled || byLabel || (e.textContent ?? "").trim());
    });
    expect(unnamed.map((e) => e.outerHTML.slice(0, 80))).toEqual([]);
  });
});
