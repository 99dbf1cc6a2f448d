import { beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("./test/tauri"));
import * as tauri from "./test/tauri";
import { fakePublicRoom, fakeUser, serveDirectory } from "./test/tauri";
import { installMessageActions } from "./actions";
import { App } from "./app";
import { setLang } from "./i18n";
import { msg, room } from "./test/fixtures";
import type { ListDiff, RoomSummary, SyncStatus, TimelineItemView } from "./types";

// As main.ts does: message buttons are wired once for the document.
installMessageActions();

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const ME = { userId: "@alice:x", displayName: "Alice", homeserver: "https://x" };

const INFO = { version: "0.1.0", defaultHomeserver: "https://matrix.example", disableCustomUrls: false,
  brand: "Chappe", roomDirectoryServers: [] as string[], configProblems: [] as string[], keychainAvailable: true, startLink: null as string | null };

function serve(restored: unknown, info = INFO) {
  tauri.handlers.set("app_info", () => info);
  tauri.handlers.set("restore_session", () => restored);
  for (const cmd of ["subscribe_rooms", "subscribe_sync_status", "subscribe_links", "open_room", "close_room", "mark_read", "logout"]) {
    tauri.handlers.set(cmd, () => null);
  }
  tauri.handlers.set("paginate_back", () => true);
  tauri.handlers.set("send_message", () => null);
}

async function boot(): Promise<App> {
  const app = new App($("#app"));
  await app.boot();
  await tauri.settle();
  return app;
}

const roomsChannel = () => tauri.channelOf<ListDiff<RoomSummary>>("subscribe_rooms");
const statusChannel = () => tauri.channelOf<SyncStatus>("subscribe_sync_status");
const timelineChannel = () => tauri.channelOf<ListDiff<TimelineItemView>>("open_room");
const press = (target: HTMLElement, key: string, extra: KeyboardEventInit = {}) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...extra }));

describe("app start-up", () => {
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    document.body.innerHTML = '<div id="app"></div>';
  });

  it("shows the login form, prefilled, when there is no saved session", async () => {
    serve(null);
    await boot();
    expect($("#login-form")).not.toBeNull();
    expect($<HTMLInputElement>("#login-homeserver").value).toBe("https://matrix.example");
    expect($("#room-list")).toBeNull();
  });

  it("shows why a saved session could not be resumed", async () => {
    serve(null);
    tauri.handlers.set("restore_session", () => { throw { type: "unreachable", data: "down" }; });
    await boot();
    expect($("#login-error").textContent).toContain("injoignable");
  });

  it("opened with a room link, previews that room once signed in", async () => {
    serve(ME);
    tauri.handlers.set("app_info", () => ({ ...INFO, startLink: "matrix:r/forum:x" }));
    tauri.handlers.set("public_rooms", () => ({ rooms: [], next: null, totalEstimate: null }));
    tauri.handlers.set("room_preview", () => ({ roomId: "!f:x", name: "Forum", topic: null, alias: "#forum:x", members: 2,
      joinRule: "public", worldReadable: false, joined: false, messages: [] }));
    await boot();
    expect($("#explore-dialog")).not.toBeNull();
    expect($<HTMLInputElement>("#join-address").value).toBe("matrix:r/forum:x");
    expect(tauri.callsOf("room_preview")).toEqual([{ room: "matrix:r/forum:x", via: null }]);
    expect($("#room-preview-name").textContent).toBe("Forum");
  });

  it("a link clicked while the app runs (handed over by a second launch) opens its preview", async () => {
    serve(ME);
    tauri.handlers.set("public_rooms", () => ({ rooms: [], next: null, totalEstimate: null }));
    tauri.handlers.set("room_preview", () => ({ roomId: "!f:x", name: "Forum", topic: null, alias: "#forum:x", members: 2,
      joinRule: "public", worldReadable: false, joined: false, messages: [] }));
    await boot();
    expect($("#explore-dialog")).toBeNull();
    tauri.channelOf<string>("subscribe_links").push("matrix:r/forum:x");
    await tauri.settle();
    expect($<HTMLInputElement>("#join-address").value).toBe("matrix:r/forum:x");
    expect(tauri.callsOf("room_preview")).toEqual([{ room: "matrix:r/forum:x", via: null }]);
    await vi.waitFor(() => expect($("#room-preview-name").textContent).toBe("Forum"));
  });

  it("a link that arrives before sign-in is opened once signed in", async () => {
    serve(null);
    tauri.handlers.set("login", () => ME);
    tauri.handlers.set("public_rooms", () => ({ rooms: [], next: null, totalEstimate: null }));
    tauri.handlers.set("room_preview", () => ({ roomId: "!f:x", name: "Forum", topic: null, alias: "#forum:x", members: 2,
      joinRule: "public", worldReadable: false, joined: false, messages: [] }));
    await boot();
    tauri.channelOf<string>("subscribe_links").push("chappe:r/forum:x");
    expect($("#login-form")).not.toBeNull();
    expect(tauri.callsOf("room_preview")).toEqual([]);
    $<HTMLInputElement>("#login-user").value = "alice";
    $<HTMLInputElement>("#login-password").value = "pw";
    $<HTMLFormElement>("#login-form").requestSubmit();
    await vi.waitFor(() => expect($<HTMLInputElement>("#join-address")?.value).toBe("chappe:r/forum:x"));
    expect(tauri.callsOf("room_preview")).toEqual([{ room: "chappe:r/forum:x", via: null }]);
  });

  it("goes straight to the main screen with a saved session, and subscribes", async () => {
    serve(ME);
    await boot();
    expect($("#login-form")).toBeNull();
    expect($("#room-list")).not.toBeNull();
    expect($("#me-name").textContent).toBe("Alice");
    expect($("#me-id").textContent).toBe("@alice:x");
    expect(tauri.callsOf("subscribe_rooms").length).toBe(1);
    expect(tauri.callsOf("subscribe_sync_status").length).toBe(1);
  });

  it("logs in from the form and then subscribes", async () => {
    serve(null);
    tauri.handlers.set("login", () => ME);
    await boot();
    $<HTMLInputElement>("#login-user").value = "alice";
    $<HTMLInputElement>("#login-password").value = "pw";
    $<HTMLFormElement>("#login-form").requestSubmit();
    await vi.waitFor(() => expect($("#room-list")).not.toBeNull());
    expect(tauri.callsOf("subscribe_rooms").length).toBe(1);
  });
});

describe("main screen", () => {
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    document.body.innerHTML = '<div id="app"></div>';
    serve(ME);
  });

  it("applies room list diffs as they come", async () => {
    await boot();
    expect($("#room-list-empty").textContent).toBe("Chargement des salons…");
    roomsChannel().push({ op: "reset", values: [room({ roomId: "!a:x", name: "Un" })] });
    roomsChannel().push({ op: "pushFront", value: room({ roomId: "!b:x", name: "Deux" }) });
    await tauri.settle();
    expect([...document.querySelectorAll("li.room")].map((l) => l.getAttribute("data-room-id"))).toEqual(["!b:x", "!a:x"]);
    expect($("#room-list-empty").hidden).toBe(true);
    roomsChannel().push({ op: "set", index: 1, value: room({ roomId: "!a:x", name: "Un bis", unreadMessages: 4 }) });
    roomsChannel().push({ op: "remove", index: 0 });
    await tauri.settle();
    expect($("#room-list").textContent).toContain("Un bis");
    expect($("#room-list").textContent).not.toContain("Deux");
    roomsChannel().push({ op: "clear" });
    await tauri.settle();
    expect($("#room-list-empty").hidden).toBe(false);
    expect($("#room-list-empty").textContent).toBe("Aucun salon pour l'instant.");
  });

  it("shows the sync banner except while running", async () => {
    await boot();
    const banner = $("#sync-banner");
    statusChannel().push({ state: "starting" });
    expect(banner.hidden).toBe(false);
    statusChannel().push({ state: "running" });
    expect(banner.hidden).toBe(true);
    statusChannel().push({ state: "offline" });
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("Hors ligne — vos messages partiront au retour du serveur");
    expect(banner.classList.contains("offline")).toBe(true);
    statusChannel().push({ state: "error", message: "502" });
    expect(banner.title).toBe("502");
    statusChannel().push({ state: "sessionExpired" });
    expect($("#relogin").textContent).toBe("Se reconnecter");
    statusChannel().push({ state: "running" });
    expect(banner.hidden).toBe(true);
    expect($("#relogin")).toBeNull();
  });

  it("offers to sign in again when the session expired", async () => {
    await boot();
    statusChannel().push({ state: "sessionExpired" });
    $<HTMLButtonElement>("#relogin").click();
    await vi.waitFor(() => expect($("#login-form")).not.toBeNull());
    expect(tauri.callsOf("logout").length).toBe(1);
  });

  it("says an expired account plainly, sends the renewal mail and syncs again when renewed", async () => {
    await boot();
    tauri.handlers.set("send_renewal_mail", () => null);
    tauri.handlers.set("resume_sync", () => null);
    statusChannel().push({ state: "accountExpired" });
    expect($("#sync-banner").textContent).toContain("Votre compte a expiré");
    $<HTMLButtonElement>("#renew-mail").click();
    await tauri.settle();
    expect(tauri.callsOf("send_renewal_mail")).toHaveLength(1);
    expect($("#renew-status").textContent).toBe("E-mail envoyé : ouvrez le lien qu'il contient.");
    $<HTMLButtonElement>("#renew-done").click();
    await tauri.settle();
    expect(tauri.callsOf("resume_sync")).toHaveLength(1);
    statusChannel().push({ state: "running" });
    expect($("#sync-banner").hidden).toBe(true);
    expect($("#renew-mail")).toBeNull();
  });

  it("logs out back to the login form and ignores the old streams", async () => {
    await boot();
    const oldRooms = roomsChannel();
    $<HTMLButtonElement>("#logout").click();
    await vi.waitFor(() => expect($("#login-form")).not.toBeNull());
    expect(tauri.callsOf("logout").length).toBe(1);
    oldRooms.push({ op: "reset", values: [room()] });
    await tauri.settle();
    expect($("#room-list")).toBeNull();
  });

  it("goes back to the login form when the session is gone", async () => {
    tauri.handlers.set("subscribe_rooms", () => { throw { type: "notLoggedIn" }; });
    await boot();
    await vi.waitFor(() => expect($("#login-form")).not.toBeNull());
  });
});

describe("room view", () => {
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    document.body.innerHTML = '<div id="app"></div>';
    serve(ME);
  });

  async function openA(): Promise<App> {
    const app = await boot();
    roomsChannel().push({ op: "reset", values: [room({ roomId: "!a:x", name: "Salon A" }), room({ roomId: "!b:x", name: "Salon B" })] });
    await tauri.settle();
    $('li.room[data-room-id="!a:x"]').click();
    await tauri.settle();
    return app;
  }

  it("shows who is typing and tells the server when the user types", async () => {
    tauri.handlers.set("subscribe_typing", () => null);
    tauri.handlers.set("set_typing", () => null);
    await openA();
    tauri.channelOf<string[]>("subscribe_typing").push(["@bob:x"]);
    expect($("#typing").textContent).toBe("bob écrit…");
    tauri.channelOf<string[]>("subscribe_typing").push([]);
    expect($("#typing").textContent).toBe("");
    const composer = $<HTMLTextAreaElement>("#composer");
    composer.value = "bonj";
    composer.dispatchEvent(new Event("input"));
    expect(tauri.callsOf("set_typing").at(-1)).toEqual({ roomId: "!a:x", typing: true });
  });

  it("replies to a message and edits one's own through the composer", async () => {
    tauri.handlers.set("reply_to", () => null);
    tauri.handlers.set("edit_message", () => null);
    await openA();
    timelineChannel().push({ op: "reset", values: [
      msg({ id: "$b", sender: "@bob:x", senderName: "Bob", body: "On se voit ?" }),
      msg({ id: "$a", sender: "@alice:x", senderName: "Alice", isOwn: true, body: "Salle 12" }),
    ] });
    await tauri.settle();
    const composer = $<HTMLTextAreaElement>("#composer");
    const enter = () => composer.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));

    $('li[data-event-id="$b"] button[data-action="reply"]').click();
    await tauri.settle();
    expect($("#compose-bar").hidden).toBe(false);
    expect($("#compose-bar").textContent).toContain("En réponse à Bob");
    composer.value = "Oui";
    enter();
    await tauri.settle();
    expect(tauri.callsOf("reply_to").at(-1)).toEqual({ roomId: "!a:x", itemId: "$b", body: "Oui" });
    expect($("#compose-bar").hidden).toBe(true);

    $('li[data-event-id="$a"] button[data-action="edit"]').click();
    await tauri.settle();
    expect(composer.value).toBe("Salle 12");
    composer.value = "Salle 14";
    enter();
    await tauri.settle();
    expect(tauri.callsOf("edit_message").at(-1)).toEqual({ roomId: "!a:x", itemId: "$a", body: "Salle 14" });

    // Escape leaves edit mode without sending.
    $('li[data-event-id="$a"] button[data-action="edit"]').click();
    await tauri.settle();
    composer.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect($("#compose-bar").hidden).toBe(true);
    expect(composer.value).toBe("");
    expect(tauri.callsOf("edit_message")).toHaveLength(1);
  });

  it("says plainly when the session cannot be remembered", async () => {
    serve({ ...ME, remembered: false });
    await boot();
    expect($("#not-remembered").textContent).toContain("ne sera pas mémorisée");
  });

  it("opens a room on click and shows its timeline", async () => {
    await openA();
    expect(tauri.callsOf("open_room").map((a) => a.roomId)).toEqual(["!a:x"]);
    expect($("#room-name").textContent).toBe("Salon A");
    expect($('li.room[data-room-id="!a:x"]').classList.contains("selected")).toBe(true);
    // The bench's room-switch mark: once the frame with the messages is painted.
    const marks = (name: string) => performance.getEntriesByName(name)
      .filter((m) => (m as PerformanceMark).detail?.roomId === "!a:x");
    const marked = () => marks("chappe:timeline-painted").length;
    const before = marked();
    const receivedBefore = marks("chappe:timeline-received").length;
    timelineChannel().push({ op: "reset", values: [{ kind: "timelineStart", id: "s" }, msg({ id: "$1", body: "bonjour de Bob" })] });
    // The first screen is drawn as the messages arrive, not a frame later; the bench's
    // split mark says when they arrived.
    expect($("#timeline").textContent).toContain("bonjour de Bob");
    expect(marks("chappe:timeline-received")).toHaveLength(receivedBefore + 1);
    await tauri.settle();
    expect($("#timeline").textContent).toContain("bonjour de Bob");
    expect($("#timeline").textContent).toContain("Début du salon");
    expect(document.activeElement).toBe($("#composer"));
    await vi.waitFor(() => expect(marked()).toBe(before + 1));
  });

  it("opens a room with the keyboard", async () => {
    await boot();
    roomsChannel().push({ op: "reset", values: [room({ roomId: "!a:x" })] });
    await tauri.settle();
    press($('li.room[data-room-id="!a:x"]'), "Enter");
    expect(tauri.callsOf("open_room").map((a) => a.roomId)).toEqual(["!a:x"]);
  });

  it("marks the room read when opened and when new messages arrive", async () => {
    await openA();
    expect(tauri.callsOf("mark_read").length).toBe(0); // nothing to read yet
    timelineChannel().push({ op: "reset", values: [msg({ id: "$1" })] });
    await tauri.settle();
    expect(tauri.callsOf("mark_read")).toEqual([{ roomId: "!a:x" }]);
    // A diff that changes nothing new (same latest event) sends no second receipt.
    timelineChannel().push({ op: "set", index: 0, value: msg({ id: "$1", edited: true }) });
    await tauri.settle();
    expect(tauri.callsOf("mark_read").length).toBe(1);
    timelineChannel().push({ op: "pushBack", value: msg({ id: "$2", timestamp: msg().timestamp! + 1000 }) });
    await tauri.settle();
    expect(tauri.callsOf("mark_read").length).toBe(2);
  });

  it("a replaced room says so in place of the composer and leads to its successor, joining it", async () => {
    tauri.handlers.set("join_room", () => "!new:x");
    await openA();
    timelineChannel().push({ op: "reset", values: [msg({ id: "$1", body: "avant la mise à jour" })] });
    expect($("#room-replaced").hidden).toBe(true);
    // The tombstone arrives through sync: the room list's summary names the successor.
    roomsChannel().push({ op: "set", index: 0, value: room({ roomId: "!a:x", name: "Salon A", replacedBy: "!new:x" }) });
    await tauri.settle();
    expect($("#room-replaced").hidden).toBe(false);
    expect($("#room-replaced").textContent).toContain("Ce salon a été remplacé par une nouvelle version.");
    expect($(".composer").hidden).toBe(true);
    expect($("#timeline").textContent).toContain("avant la mise à jour");
    // The settings panel still covers the notice, and closing it brings back the notice, not the composer.
    $("#room-settings").click();
    expect($("#room-replaced").hidden).toBe(true);
    $("#room-settings").click();
    expect($("#room-replaced").hidden).toBe(false);
    expect($(".composer").hidden).toBe(true);
    $("#room-replaced-follow").click();
    await tauri.settle();
    expect(tauri.callsOf("join_room")).toEqual([{ room: "!new:x" }]);
    expect($(".room-view").getAttribute("data-room-id")).toBe("!new:x");
    expect($("#room-name").textContent).toBe("Salon A");
  });

  it("a replaced room whose successor the user is already in opens it without joining again", async () => {
    await openA();
    roomsChannel().push({ op: "reset", values: [
      room({ roomId: "!a:x", name: "Salon A", replacedBy: "!b:x" }), room({ roomId: "!b:x", name: "Salon B" })] });
    await tauri.settle();
    $("#room-replaced-follow").click();
    await tauri.settle();
    expect(tauri.callsOf("join_room")).toEqual([]);
    expect($("#room-name").textContent).toBe("Salon B");
  });

  it("ignores what the channel of a previously opened room still sends", async () => {
    await openA();
    const first = timelineChannel();
    $('li.room[data-room-id="!b:x"]').click();
    await tauri.settle();
    const second = timelineChannel();
    expect(second).not.toBe(first);
    first.push({ op: "reset", values: [msg({ id: "$old", body: "ancien salon" })] });
    second.push({ op: "reset", values: [msg({ id: "$new", body: "nouveau salon" })] });
    await tauri.settle();
    expect($("#timeline").textContent).toContain("nouveau salon");
    expect($("#timeline").textContent).not.toContain("ancien salon");
    expect(document.querySelectorAll("#timeline").length).toBe(1);
  });

  it("sends with Enter, keeps Shift+Enter for new lines, and never sends blank text", async () => {
    await openA();
    const composer = $<HTMLTextAreaElement>("#composer");
    composer.value = "ligne 1";
    press(composer, "Enter", { shiftKey: true });
    expect(tauri.callsOf("send_message")).toEqual([]);
    composer.value = "   \n  ";
    press(composer, "Enter");
    $<HTMLButtonElement>("#send").click();
    expect(tauri.callsOf("send_message")).toEqual([]);
    composer.value = "salut\nà tous  \n";
    press(composer, "Enter");
    await tauri.settle();
    expect(tauri.callsOf("send_message")).toEqual([{ roomId: "!a:x", body: "salut\nà tous" }]);
    expect(composer.value).toBe("");
    expect(document.activeElement).toBe(composer);
    composer.value = "avec le bouton";
    $<HTMLButtonElement>("#send").click();
    await tauri.settle();
    expect(tauri.callsOf("send_message").length).toBe(2);
  });

  it("keeps the text and shows the error when sending fails", async () => {
    tauri.handlers.set("send_message", () => { throw { type: "unknownRoom" }; });
    await openA();
    const composer = $<HTMLTextAreaElement>("#composer");
    composer.value = "important";
    press(composer, "Enter");
    await vi.waitFor(() => expect($("#send-error").textContent).toBe("Ce salon n'est pas disponible."));
    expect(composer.value).toBe("important");
    expect($("#send-error").getAttribute("role")).toBe("alert");
  });

  it("sends messages in the order they were typed", async () => {
    const first = tauri.deferred<null>();
    let n = 0;
    tauri.handlers.set("send_message", () => (n++ === 0 ? first.promise : null));
    await openA();
    const composer = $<HTMLTextAreaElement>("#composer");
    composer.value = "un";
    press(composer, "Enter");
    composer.value = "deux";
    press(composer, "Enter");
    await tauri.settle();
    expect(tauri.callsOf("send_message").map((a) => a.body)).toEqual(["un"]);
    first.resolve(null);
    await tauri.settle();
    expect(tauri.callsOf("send_message").map((a) => a.body)).toEqual(["un", "deux"]);
  });

  it("offers to jump to the first unread message, loading older ones until the marker is there", async () => {
    let calls = 0;
    let clickedAt = Infinity;
    tauri.handlers.set("paginate_back", () => {
      // The marker comes with the second page loaded after the click.
      if (++calls === clickedAt + 2) {
        timelineChannel().push({ op: "pushFront", value: msg({ id: "$old", body: "lu" }) });
        timelineChannel().push({ op: "insert", index: 1, value: { kind: "readMarker", id: "marker" } });
      }
      return false;
    });
    await boot();
    roomsChannel().push({ op: "reset", values: [room({ roomId: "!a:x", name: "Salon A", unreadMessages: 40 })] });
    await tauri.settle();
    $('li.room[data-room-id="!a:x"]').click();
    await tauri.settle();
    timelineChannel().push({ op: "reset", values: [msg({ id: "$1" })] });
    await tauri.settle();
    // 40 unread, 1 loaded, no marker yet: the first unread is further up.
    const jump = $<HTMLButtonElement>("#jump-unread");
    expect(jump.hidden).toBe(false);
    clickedAt = calls;
    jump.click();
    await tauri.settle();
    await tauri.settle();
    expect(calls).toBeGreaterThanOrEqual(clickedAt + 2);
    expect(document.querySelector('li.read-marker[data-event-id="marker"]')).not.toBeNull();
    expect(jump.hidden).toBe(true);
    // Scrolled down past the marker: the button is back.
    const scroller = $("#timeline-scroll");
    Object.defineProperty(document.querySelector("li.read-marker"), "offsetTop", { value: 100 });
    Object.defineProperty(scroller, "scrollTop", { value: 800, configurable: true });
    scroller.dispatchEvent(new Event("scroll"));
    expect(jump.hidden).toBe(false);
  });

  it("paginates back one request at a time, and stops at the start of the room", async () => {
    const gate = tauri.deferred<boolean>();
    let calls = 0;
    tauri.handlers.set("paginate_back", () => (++calls === 1 ? gate.promise : true));
    const app = await openA();
    const view = app.mainScreen!.currentRoomView!;
    timelineChannel().push({ op: "reset", values: [msg({ id: "$1" })] });
    await tauri.settle();
    // The screen is not full (jsdom has no layout): one back-pagination starts by itself.
    expect(calls).toBe(1);
    expect($("#timeline-spinner").hidden).toBe(false);
    // Scrolling to the top meanwhile does not start a second one.
    $("#timeline-scroll").dispatchEvent(new Event("scroll"));
    void view.paginate();
    await tauri.settle();
    expect(calls).toBe(1);
    gate.resolve(false);
    await tauri.settle();
    // Not at the start yet: the next one goes, and answers "start reached".
    expect(calls).toBe(2);
    expect(view.state.reachedStart).toBe(true);
    expect($("#timeline-spinner").hidden).toBe(true);
    $("#timeline-scroll").dispatchEvent(new Event("scroll"));
    await view.paginate();
    await tauri.settle();
    expect(calls).toBe(2);
  });

  it("shows a pagination failure without retrying in a loop", async () => {
    let calls = 0;
    tauri.handlers.set("paginate_back", () => { calls++; throw { type: "unreachable", data: "x" }; });
    await openA();
    timelineChannel().push({ op: "reset", values: [msg({ id: "$1" })] });
    await tauri.settle();
    timelineChannel().push({ op: "pushBack", value: msg({ id: "$2" }) });
    await tauri.settle();
    expect(calls).toBe(1);
    expect($("#room-error").textContent).toContain("Impossible de charger les messages plus anciens.");
  });

  it("shows an error when the room cannot be opened", async () => {
    tauri.handlers.set("open_room", () => { throw { type: "unknownRoom" }; });
    await openA();
    expect($("#room-error").textContent).toBe("Ce salon n'est pas disponible.");
  });

  it("follows room renames in the header, and goes back to the list", async () => {
    await openA();
    roomsChannel().push({ op: "set", index: 0, value: room({ roomId: "!a:x", name: "Salon A renommé", isEncrypted: true }) });
    await tauri.settle();
    expect($("#room-name").textContent).toBe("Salon A renommé");
    expect($(".room-header").textContent).toContain("Salon chiffré");
    $<HTMLButtonElement>("#back").click();
    expect($("#room-name")).toBeNull();
    expect(tauri.callsOf("close_room").length).toBe(1);
    expect($("#main").classList.contains("has-room")).toBe(false);
  });
});

describe("admin policy on the login form", () => {
  beforeEach(() => {
    document.body.innerHTML = '<div id="app"></div>';
    tauri.reset();
    setLang("fr");
  });

  it("locks the server the admin set and names the ignored config files", async () => {
    serve(null, { ...INFO, disableCustomUrls: true,
      configProblems: ["/etc/chappe/config.json:3:7: expected `,` or `]`"] });
    await boot();
    const hs = $<HTMLInputElement>("#login-homeserver");
    expect(hs.value).toBe("https://matrix.example");
    expect(hs.readOnly).toBe(true);
    expect($("#config-problems").textContent).toContain("/etc/chappe/config.json:3:7");
  });

  it("leaves the form alone without a policy", async () => {
    serve(null);
    await boot();
    expect($<HTMLInputElement>("#login-homeserver").readOnly).toBe(false);
    expect(document.querySelector("#config-problems")).toBeNull();
  });
});

describe("invitations", () => {
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    document.body.innerHTML = '<div id="app"></div>';
    serve(ME);
  });

  async function invited(): Promise<App> {
    const app = await boot();
    roomsChannel().push({ op: "reset", values: [
      room({ roomId: "!i:x", name: "Invité", isInvite: true }), room({ roomId: "!j:x", name: "Autre", isInvite: true }),
    ] });
    await tauri.settle();
    return app;
  }

  it("shows the question instead of a timeline, and opens the room once accepted", async () => {
    const server = serveDirectory();
    const pending = tauri.deferred<unknown>();
    tauri.handlers.set("accept_invite", () => pending.promise);
    await invited();
    expect($('li.room[data-room-id="!i:x"] .badge.invite').textContent).toBe("Invitation");
    $('li.room[data-room-id="!i:x"]').click();
    await tauri.settle();
    const panel = $("#invite-panel");
    expect(panel.querySelector("h2")?.textContent).toBe("Invité");
    expect(panel.textContent).toContain("Vous êtes invité à rejoindre ce salon");
    expect($("#timeline")).toBeNull();
    expect(tauri.callsOf("open_room")).toHaveLength(0);
    expect($('li.room[data-room-id="!i:x"]').getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe($("#invite-accept"));

    $<HTMLButtonElement>("#invite-accept").click();
    await tauri.settle();
    expect($<HTMLButtonElement>("#invite-accept").disabled).toBe(true);
    expect($<HTMLButtonElement>("#invite-decline").disabled).toBe(true);
    expect($("#invite-accept").textContent).toBe("Acceptation…");
    expect(panel.getAttribute("aria-busy")).toBe("true");
    // The list may say "joined" before the command returns: our answer still decides.
    roomsChannel().push({ op: "set", index: 0, value: room({ roomId: "!i:x", name: "Invité" }) });
    await tauri.settle();
    expect(tauri.callsOf("open_room")).toHaveLength(0);
    pending.resolve("!i:x");
    await tauri.settle();
    expect(tauri.callsOf("accept_invite")).toEqual([{ roomId: "!i:x" }]);
    expect(tauri.callsOf("open_room").map((a) => a.roomId)).toEqual(["!i:x"]);
    expect($("#invite-panel")).toBeNull();
    expect($('.room-view[data-room-id="!i:x"] #timeline')).not.toBeNull();
    expect($("#room-name").textContent).toBe("Invité");
    expect(server.accepted).toEqual([]); // the deferred answer was used, not the fake's
  });

  it("closes the panel once declined; the list then drops the room", async () => {
    const server = serveDirectory();
    await invited();
    $('li.room[data-room-id="!j:x"]').click();
    await tauri.settle();
    $<HTMLButtonElement>("#invite-decline").click();
    await tauri.settle();
    expect(server.declined).toEqual(["!j:x"]);
    expect($("#invite-panel")).toBeNull();
    expect($("#room-placeholder")).not.toBeNull();
    expect(tauri.callsOf("open_room")).toHaveLength(0);
  });

  it("shows a failed answer in an alert and lets the user try again", async () => {
    serveDirectory();
    tauri.handlers.set("accept_invite", () => { throw { type: "noInvite" }; });
    await invited();
    $('li.room[data-room-id="!i:x"]').click();
    await tauri.settle();
    $<HTMLButtonElement>("#invite-accept").click();
    await tauri.settle();
    expect($("#invite-error").getAttribute("role")).toBe("alert");
    expect($("#invite-error").textContent).toBe("Cette invitation n'existe plus.");
    expect($<HTMLButtonElement>("#invite-accept").disabled).toBe(false);
    expect($("#invite-accept").textContent).toBe("Accepter");
    expect(tauri.callsOf("open_room")).toHaveLength(0);
  });

  it("follows an invitation answered elsewhere: joined opens the room, gone closes the panel", async () => {
    serveDirectory();
    await invited();
    $('li.room[data-room-id="!i:x"]').click();
    await tauri.settle();
    roomsChannel().push({ op: "set", index: 0, value: room({ roomId: "!i:x", name: "Invité" }) });
    await tauri.settle();
    expect(tauri.callsOf("open_room").map((a) => a.roomId)).toEqual(["!i:x"]);
    expect($("#invite-panel")).toBeNull();

    $('li.room[data-room-id="!j:x"]').click();
    await tauri.settle();
    expect($("#invite-panel")).not.toBeNull();
    roomsChannel().push({ op: "remove", index: 1 });
    await tauri.settle();
    expect($("#invite-panel")).toBeNull();
    expect($("#room-placeholder")).not.toBeNull();
  });
});

describe("sidebar panels", () => {
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    document.body.innerHTML = '<div id="app"></div>';
    serve(ME);
  });

  it("starts a direct chat from the directory and opens it before the list knows it", async () => {
    serveDirectory({ users: [fakeUser("@claire:x", "Claire Petit")] });
    await boot();
    roomsChannel().push({ op: "reset", values: [room({ roomId: "!a:x", name: "Salon A" })] });
    await tauri.settle();
    $("#new-dm").click();
    await tauri.settle();
    expect($("#dm-dialog")).not.toBeNull();
    expect($("#new-dm").getAttribute("aria-pressed")).toBe("true");
    expect(document.activeElement).toBe($("#dm-search"));
    const input = $<HTMLInputElement>("#dm-search");
    input.value = "claire";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 350));
    await tauri.settle();
    $('li.user-result[data-user-id="@claire:x"]').click();
    await tauri.settle();
    expect(tauri.callsOf("direct_chat")).toEqual([{ userId: "@claire:x" }]);
    expect(tauri.callsOf("open_room").map((a) => a.roomId)).toEqual(["!dm1:x"]);
    expect($("#dm-dialog")).toBeNull();
    expect($("#room-name").textContent).toBe("Claire Petit");
    expect($("#new-dm").getAttribute("aria-pressed")).toBe("false");
    // The list catches up: the room is selected there, and its summary used.
    roomsChannel().push({ op: "pushFront", value: room({ roomId: "!dm1:x", name: "Claire P.", isDirect: true }) });
    await tauri.settle();
    expect($('li.room[data-room-id="!dm1:x"]').getAttribute("aria-selected")).toBe("true");
    expect($("#room-name").textContent).toBe("Claire P.");
  });

  it("closes a panel with Escape and gives the focus back to its button", async () => {
    serveDirectory();
    await boot();
    $("#new-dm").click();
    await tauri.settle();
    press($("#dm-search"), "Escape");
    expect($("#dm-dialog")).toBeNull();
    expect($("#room-placeholder")).not.toBeNull();
    expect(document.activeElement).toBe($("#new-dm"));
    $("#explore").click();
    await tauri.settle();
    expect(document.activeElement).toBe($("#explore-search"));
    $<HTMLButtonElement>("#explore-dialog .panel-close").click();
    expect($("#explore-dialog")).toBeNull();
    expect(document.activeElement).toBe($("#explore"));
  });

  it("explores public rooms: Open for a room already in the list, Join for the others", async () => {
    serveDirectory({ rooms: [fakePublicRoom(1, { roomId: "!a:x", name: "Salon A" }), fakePublicRoom(2)] });
    await boot();
    roomsChannel().push({ op: "reset", values: [room({ roomId: "!a:x", name: "Salon A" })] });
    await tauri.settle();
    $("#explore").click();
    await tauri.settle();
    expect($('li.public-room[data-room-id="!a:x"] button.join').textContent).toBe("Ouvrir");
    $('li.public-room[data-room-id="!pub2:x"] button.join').click();
    await tauri.settle();
    expect(tauri.callsOf("join_room")).toEqual([{ room: "#salon2:x" }]);
    expect(tauri.callsOf("open_room").map((a) => a.roomId)).toEqual(["!pub2:x"]);
    expect($("#room-name").textContent).toBe("Salon 2");
  });

  it("offers the admin's directory servers", async () => {
    serve(ME, { ...INFO, roomDirectoryServers: ["agent.tchap.gouv.fr"] });
    serveDirectory();
    await boot();
    $("#explore").click();
    await tauri.settle();
    expect($("#explore-servers option").getAttribute("value")).toBe("agent.tchap.gouv.fr");
  });

  it("opens the settings from next to the user's name", async () => {
    serveDirectory({ hidden: true });
    await boot();
    expect($(".me #settings")).not.toBeNull();
    $("#settings").click();
    await tauri.settle();
    expect($("#settings-dialog")).not.toBeNull();
    expect($<HTMLInputElement>("#hide-profile").checked).toBe(true);
    expect(document.activeElement).toBe($("#settings-dialog"));
    press($("#hide-profile"), "Escape");
    expect($("#settings-dialog")).toBeNull();
    expect(document.activeElement).toBe($("#settings"));
  });
});
