// Accessibility of every view, checked by axe-core (the engine behind Lighthouse and
// axe DevTools) in jsdom: zero serious or critical violations on the login and
// registration forms, the main screen, an open room with every kind of timeline item,
// the room menu, the room switcher, every side panel and a room's own panels, in French
// and in English, light and dark. Colour contrast needs a real layout engine: it is
// checked in the real window by the e2e scenario (tests/e2e/a11y.e2e.mjs).
import axe from "axe-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("./test/tauri"));
import * as tauri from "./test/tauri";
import { fakePublicRoom, fakeUser, serveDirectory } from "./test/tauri";
import { installMessageActions } from "./actions";
import { App } from "./app";
import { setLang } from "./i18n";
import { msg, room, T0 } from "./test/fixtures";
import type { ListDiff, RoomSummary, TimelineItemView } from "./types";

installMessageActions();
// axe looks for icon ligatures with a canvas, which jsdom has not: say "no canvas"
// rather than let jsdom print its "not implemented" error at each run.
HTMLCanvasElement.prototype.getContext = (() => null) as never;

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const press = (target: EventTarget, key: string, extra: KeyboardEventInit = {}) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...extra }));

const ME = { userId: "@alice:x", displayName: "Alice", homeserver: "https://x", remembered: true };
const INFO = { version: "0.1.0", defaultHomeserver: "https://matrix.example", disableCustomUrls: false,
  brand: "Chappe", roomDirectoryServers: ["agent.tchap.gouv.fr"], configProblems: ["/etc/chappe/config.json:3:1: bad"],
  keychainAvailable: true, startLink: null as string | null };

const ROOMS: RoomSummary[] = [
  room({ roomId: "!inv:x", name: "Invitation", isInvite: true }),
  room({ roomId: "!a:x", name: "Accueil", unreadMessages: 3, unreadNotifications: 3, isFavourite: true,
    lastMessage: { senderName: "Bob", text: "bonjour", isOwn: false, kind: "text" } as never, lastActivity: T0 }),
  room({ roomId: "!b:x", name: "Bureau", unreadMentions: 1, unreadNotifications: 1, isDirect: true }),
  room({ roomId: "!c:x", name: "Cantine", isLowPriority: true }),
];

const ITEMS: TimelineItemView[] = [
  { kind: "timelineStart", id: "s" },
  { kind: "dayDivider", id: "d", timestamp: T0 },
  msg({ id: "$1", body: "Bonjour à tous", reactions: [{ key: "👍", count: 2, mine: true, senders: ["Alice", "Bob"] }] as never }),
  msg({ id: "$2", sender: "@alice:x", senderName: "Alice", isOwn: true, body: "Salut", readBy: ["Bob"] as never }),
  msg({ id: "$3", body: "compte-rendu.pdf", media: { kind: "file", key: "f/x/abc", previewKey: null, filename: "compte-rendu.pdf",
    caption: null, mimetype: "application/pdf", size: 12345, width: null, height: null } }),
  msg({ id: "$4", isOwn: true, sender: "@alice:x", body: "pas parti", sendState: { state: "failed", recoverable: false, reason: "down" } as never }),
  { kind: "readMarker", id: "r" },
  { kind: "membership", id: "m1", userName: "Claire", change: "joined", timestamp: T0 },
  { kind: "membership", id: "m2", userName: "Denis", change: "joined", timestamp: T0 },
  { kind: "deleted", id: "x1", senderName: "Bob", timestamp: T0 },
  { kind: "unableToDecrypt", id: "x2", senderName: "Bob", timestamp: T0, reason: "unknown" } as never,
  { kind: "stateChange", id: "x5", senderName: "Bob", eventType: "m.room.topic", timestamp: T0 },
];

function serveAll(restored: unknown = ME) {
  tauri.handlers.set("app_info", () => INFO);
  tauri.handlers.set("restore_session", () => restored);
  tauri.handlers.set("settings", () => ({ settings: { language: "fr", theme: "system", proxy: null }, version: "0.1.0",
    logDir: "/home/alice/.local/share/fr.chappe.app/logs" }));
  for (const cmd of ["subscribe_rooms", "subscribe_sync_status", "subscribe_links", "subscribe_notifications", "open_room",
    "close_room", "mark_read", "logout", "subscribe_typing", "set_typing"]) {
    tauri.handlers.set(cmd, () => null);
  }
  tauri.handlers.set("paginate_back", () => true);
  tauri.handlers.set("scan_media", () => ({ kind: "clean" }));
  tauri.handlers.set("notifications_enabled", () => true);
  tauri.handlers.set("room_notifications", () => ({ mode: "allMessages", isDefault: true }));
  tauri.handlers.set("list_devices", () => [
    { deviceId: "ME", displayName: "Chappe", lastSeenIp: null, lastSeen: null, isCurrent: true },
    { deviceId: "OLD", displayName: "Portable", lastSeenIp: "10.0.0.2", lastSeen: 1.7e12, isCurrent: false },
  ]);
  tauri.handlers.set("room_settings", () => ({
    roomId: "!a:x", name: "Accueil", topic: "Le salon d'accueil", alias: "#accueil:x", access: "inviteOnly", joinRule: "invite",
    published: false, encrypted: true, openToExternals: false, history: "shared", altAliases: ["#hall:x"],
    links: { matrixTo: "https://matrix.to/#/%23accueil:x", matrixUri: "matrix:r/accueil:x", permalink: null },
  }));
  tauri.handlers.set("room_power", () => ({ myLevel: 100, usersDefault: 0,
    rights: [{ right: "invite", level: 0 }, { right: "kick", level: 50 }], members: [{ userId: "@bob:x", level: 50 }] }));
  tauri.handlers.set("room_acl", () => null);
  tauri.handlers.set("pending_invites", () => [{ userId: "@zoe:x", displayName: "Zoé" }]);
  tauri.handlers.set("room_preview", () => ({ roomId: "!f:x", name: "Forum", topic: "Discussions", alias: "#forum:x", members: 2,
    joinRule: "public", worldReadable: true, joined: false, messages: [{ sender: "@bob:x", body: "Bienvenue" }] }));
  serveDirectory({ users: [fakeUser("@claire:x", "Claire Petit")], rooms: [fakePublicRoom(1), fakePublicRoom(2)] });
}

/** Runs axe on the whole document; fails with each serious or critical violation named. */
async function expectAccessible(what: string): Promise<void> {
  const res = await axe.run(document.documentElement, {
    resultTypes: ["violations"],
    // Needs real layout and colours: checked in the real window (e2e).
    rules: { "color-contrast": { enabled: false } },
  });
  const bad = res.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${what}: ${v.id} (${v.impact}) on ${v.nodes.map((n) => n.target.join(" ")).join(", ")}: ${v.help}`);
  expect(bad).toEqual([]);
}

let current: App | null = null;

async function boot(): Promise<App> {
  const app = new App($("#app"));
  current = app;
  await app.boot();
  await tauri.settle();
  return app;
}

function pushRooms(rooms = ROOMS) {
  tauri.channelOf<ListDiff<RoomSummary>>("subscribe_rooms").push({ op: "reset", values: rooms } as never);
}

describe.each([
  ["fr", "light"],
  ["en", "dark"],
] as const)("accessibility (axe-core) in %s, %s theme", { timeout: 60_000 }, (lang, theme) => {
  beforeEach(() => {
    tauri.reset();
    setLang(lang);
    document.body.innerHTML = '<div id="app"></div>';
    document.documentElement.setAttribute("data-theme", theme);
  });
  afterEach(() => {
    // Its document-wide shortcuts must not outlive the test.
    current?.mainScreen?.destroy();
    setLang("fr");
    document.documentElement.removeAttribute("data-theme");
  });

  it("the login and registration forms", async () => {
    serveAll(null);
    tauri.handlers.set("settings", () => ({ settings: { language: lang, theme, proxy: null }, version: "0.1.0", logDir: null }));
    await boot();
    expect($("#login-form")).not.toBeNull();
    await expectAccessible("login");
    const register = $("#show-register");
    if (register) {
      register.click();
      await tauri.settle();
      await expectAccessible("register");
    }
  });

  it("the main screen, an open room, its menu and the room switcher", async () => {
    serveAll();
    tauri.handlers.set("settings", () => ({ settings: { language: lang, theme, proxy: null }, version: "0.1.0", logDir: null }));
    await boot();
    pushRooms();
    await tauri.settle();
    await expectAccessible("main screen");

    (document.querySelector('li.room[data-room-id="!a:x"]') as HTMLElement).click();
    await tauri.settle();
    tauri.channelOf<ListDiff<TimelineItemView>>("open_room").push({ op: "reset", values: ITEMS } as never);
    await tauri.settle();
    expect(document.querySelectorAll("#timeline li").length).toBeGreaterThan(5);
    await expectAccessible("open room");

    $("#room-settings").click();
    await tauri.settle();
    await expectAccessible("room settings panel");
    $("#room-invite").click();
    await tauri.settle();
    await expectAccessible("invite panel");

    const li = document.querySelector('li.room[data-room-id="!b:x"]') as HTMLElement;
    li.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true }));
    await tauri.settle();
    expect($("#room-menu")).not.toBeNull();
    await expectAccessible("room menu");
    press($("#room-menu"), "Escape");

    press(document.body, "k", { ctrlKey: true });
    await tauri.settle();
    expect($("#room-switcher")).not.toBeNull();
    await expectAccessible("room switcher");
    press($("#switcher-input"), "Escape");

    (document.querySelector('li.room[data-room-id="!inv:x"]') as HTMLElement).click();
    await tauri.settle();
    await expectAccessible("invitation");
  });

  it("every side panel: new chat, new room, explore with a preview, settings", async () => {
    serveAll();
    tauri.handlers.set("settings", () => ({ settings: { language: lang, theme, proxy: null }, version: "0.1.0",
      logDir: "/home/alice/.local/share/fr.chappe.app/logs" }));
    await boot();
    pushRooms();
    await tauri.settle();

    $("#new-dm").click();
    await tauri.settle();
    const search = $<HTMLInputElement>("#dm-search");
    search.value = "claire";
    search.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 400));
    await tauri.settle();
    expect(document.querySelectorAll("#dm-results li").length).toBe(1);
    await expectAccessible("new chat");

    $("#new-room").click();
    await tauri.settle();
    await expectAccessible("new room");

    $("#explore").click();
    await tauri.settle();
    $<HTMLInputElement>("#join-address").value = "#forum:x";
    $("#join-address-preview").click();
    await tauri.settle();
    expect($("#room-preview-name")).not.toBeNull();
    await expectAccessible("explore");

    $("#settings").click();
    await tauri.settle();
    expect($("#settings-proxy")).not.toBeNull();
    await expectAccessible("settings");
  });
});
