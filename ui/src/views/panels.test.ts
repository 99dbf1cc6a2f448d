import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { fakePublicRoom, fakeUser, serveDirectory } from "../test/tauri";
import { setLang } from "../i18n";
import { dmPanel, explorePanel } from "./panels";
import { settingsScreen as settingsPanel } from "./settings";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const $$ = (sel: string) => Array.from(document.querySelectorAll<HTMLElement>(sel));
const type = (sel: string, v: string) => {
  const i = $<HTMLInputElement>(sel);
  i.value = v;
  i.dispatchEvent(new Event("input"));
};
const press = (target: HTMLElement, key: string) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

const CLAIRE = fakeUser("@claire:x", "Claire Petit");

describe("new direct chat panel", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    setLang("fr");
  });

  it("searches the directory once typing pauses and drops stale answers", async () => {
    serveDirectory({ users: [CLAIRE] });
    const slow = tauri.deferred<unknown>();
    let n = 0;
    const fast = tauri.handlers.get("search_users")!;
    tauri.handlers.set("search_users", (args) => (++n === 1 ? slow.promise : fast(args)));
    const opened: [string, string][] = [];
    document.body.replaceChildren(dmPanel({ onOpen: (id, name) => opened.push([id, name]) }));
    type("#dm-search", "cl");
    await wait(350);
    type("#dm-search", "claire");
    expect($("#dm-status").textContent).toBe("Recherche dans l'annuaire…");
    await wait(100);
    type("#dm-search", "claire ");
    await wait(299);
    expect(tauri.callsOf("search_users")).toHaveLength(1); // still pausing
    await wait(1);
    expect(tauri.callsOf("search_users").map((a) => a.term)).toEqual(["cl", "claire"]);
    await wait(10);
    expect($$("li.user-result").map((li) => li.getAttribute("data-user-id"))).toEqual(["@claire:x"]);
    // The first search answers last: it must not replace the newer results.
    slow.resolve([fakeUser("@old:x", "Ancien")]);
    await wait(10);
    expect($('li[data-user-id="@old:x"]')).toBeNull();
    const li = $('li[data-user-id="@claire:x"]');
    expect(li.textContent).toContain("Claire Petit");
    expect(li.textContent).toContain("@claire:x");
    expect(li.querySelector(".domain")?.textContent).toBe("x");
    expect(li.querySelector(".avatar")?.textContent).toBe("C");
    li.click();
    await wait(10);
    expect(tauri.callsOf("direct_chat")).toEqual([{ userId: "@claire:x" }]);
    expect(opened).toEqual([["!dm1:x", "Claire Petit"]]);
  });

  it("words the empty and the no-result states, and drops a search cleared meanwhile", async () => {
    serveDirectory({ users: [CLAIRE] });
    document.body.replaceChildren(dmPanel({ onOpen: () => {} }));
    expect($("#dm-status").textContent).toContain("Tapez le nom d'un collègue");
    type("#dm-search", "zorglub");
    await wait(310);
    expect($("#dm-status").textContent).toContain("Personne ne correspond");
    expect($$("li.user-result")).toHaveLength(0);
    type("#dm-search", "claire");
    await wait(100);
    type("#dm-search", "  ");
    await wait(400);
    expect(tauri.callsOf("search_users").map((a) => a.term)).toEqual(["zorglub"]);
    expect($("#dm-status").textContent).toContain("Tapez le nom d'un collègue");
  });

  it("offers a typed Matrix ID the directory does not list, even when the search fails", async () => {
    serveDirectory({ users: [CLAIRE] });
    document.body.replaceChildren(dmPanel({ onOpen: () => {} }));
    type("#dm-search", "@dominique:autre.gouv.fr");
    await wait(310);
    const typed = $('li.user-result[data-user-id="@dominique:autre.gouv.fr"]');
    expect(typed.textContent).toContain("Identifiant saisi");
    expect(typed.querySelector(".domain")?.textContent).toBe("autre.gouv.fr");
    expect($("#dm-status").textContent).toBe("");
    // Listed by the directory: offered once, with its name.
    type("#dm-search", "@claire:x");
    await wait(310);
    expect($$("li.user-result").map((li) => li.textContent)).toEqual([expect.stringContaining("Claire Petit")]);
    tauri.handlers.set("search_users", () => { throw { type: "unreachable", data: "down" }; });
    type("#dm-search", "@eve:x");
    await wait(310);
    expect($("#dm-error").textContent).toContain("injoignable");
    expect($$("li.user-result").map((li) => li.getAttribute("data-user-id"))).toEqual(["@eve:x"]);
  });

  it("is driven by the keyboard: Enter searches at once, arrows move, Enter opens, Escape closes", async () => {
    serveDirectory({ users: [CLAIRE, fakeUser("@clement:y", "Clément")] });
    const opened: string[] = [];
    const onClose = vi.fn();
    document.body.replaceChildren(dmPanel({ onOpen: (id) => opened.push(id), onClose }));
    await wait(0);
    const input = $<HTMLInputElement>("#dm-search");
    expect(document.activeElement).toBe(input);
    input.value = "cl";
    input.dispatchEvent(new Event("input"));
    press(input, "Enter");
    await wait(1);
    expect(tauri.callsOf("search_users")).toHaveLength(1);
    await wait(400);
    expect(tauri.callsOf("search_users")).toHaveLength(1); // the pending one was replaced
    press(input, "ArrowDown");
    expect(document.activeElement).toBe($('li[data-user-id="@claire:x"]'));
    press(document.activeElement as HTMLElement, "ArrowDown");
    expect(document.activeElement).toBe($('li[data-user-id="@clement:y"]'));
    press(document.activeElement as HTMLElement, "Enter");
    await wait(10);
    expect(opened).toEqual(["!dm1:x"]);
    press(input, "Escape");
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("shows why a chat could not be opened, once, however often it is clicked", async () => {
    serveDirectory({ users: [CLAIRE] });
    const pending = tauri.deferred<unknown>();
    tauri.handlers.set("direct_chat", () => pending.promise);
    const opened: string[] = [];
    document.body.replaceChildren(dmPanel({ onOpen: (id) => opened.push(id) }));
    type("#dm-search", "claire");
    await wait(310);
    $('li[data-user-id="@claire:x"]').click();
    $('li[data-user-id="@claire:x"]').click();
    await wait(1);
    expect(tauri.callsOf("direct_chat")).toHaveLength(1);
    expect($("#dm-status").textContent).toBe("Ouverture de la discussion…");
    expect($("#dm-results").getAttribute("aria-busy")).toBe("true");
    pending.reject({ type: "forbidden" });
    await wait(1);
    expect($("#dm-error").textContent).toContain("refusé");
    expect($("#dm-results").hasAttribute("aria-busy")).toBe(false);
    expect(opened).toEqual([]);
  });
});

describe("explore panel", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  const rooms = Array.from({ length: 5 }, (_, i) => fakePublicRoom(i + 1));

  it("lists public rooms page by page, and joins one by its alias", async () => {
    const server = serveDirectory({ rooms, pageSize: 2 });
    const opened: [string, string][] = [];
    document.body.replaceChildren(explorePanel({ onOpen: (id, n) => opened.push([id, n]), isJoined: () => false }));
    await wait(10);
    expect(tauri.callsOf("public_rooms")).toEqual([{ search: null, server: null, since: null }]);
    expect($$("li.public-room").map((li) => li.getAttribute("data-room-id"))).toEqual(["!pub1:x", "!pub2:x"]);
    const first = $('li.public-room[data-room-id="!pub1:x"]');
    expect(first.textContent).toContain("Salon 1");
    expect(first.textContent).toContain("#salon1:x");
    expect(first.textContent).toContain("1 membre");
    expect(first.textContent).toContain("Sujet 1");
    expect($('li.public-room[data-room-id="!pub2:x"]').textContent).toContain("2 membres");
    expect($("#explore-more").hidden).toBe(false);
    $("#explore-more").click();
    await wait(10);
    expect(tauri.callsOf("public_rooms").at(-1)).toEqual({ search: null, server: null, since: "2" });
    $("#explore-more").click();
    await wait(10);
    expect($$("li.public-room")).toHaveLength(5);
    expect($("#explore-more").hidden).toBe(true);
    $('li.public-room[data-room-id="!pub4:x"] button.join').click();
    await wait(10);
    expect(tauri.callsOf("join_room")).toEqual([{ room: "#salon4:x" }]);
    expect(server.joined).toEqual(["!pub4:x"]);
    expect(opened).toEqual([["!pub4:x", "Salon 4"]]);
  });

  it("previews a room before joining: its latest messages, then join; a knock room offers a request", async () => {
    const server = serveDirectory({ rooms });
    const opened: [string, string][] = [];
    tauri.handlers.set("room_preview", ({ room }: { room: string }) => room === "#salon1:x"
      ? { roomId: "!pub1:x", name: "Salon 1", topic: "Sujet 1", alias: "#salon1:x", members: 3, joinRule: "public",
        worldReadable: true, joined: false,
        messages: [{ sender: "@bob:x", body: "bonjour <b>tous</b>", timestamp: 1.7e12 }] }
      : { roomId: "!pub2:x", name: "Salon 2", topic: null, alias: "#salon2:x", members: 2, joinRule: "knock",
        worldReadable: false, joined: false, messages: [] });
    tauri.handlers.set("knock_room", ({ room }: { room: string }) => (room === "#salon2:x" ? "!pub2:x" : null));
    document.body.replaceChildren(explorePanel({ onOpen: (id, n) => opened.push([id, n]), isJoined: () => false }));
    await wait(10);
    $('li.public-room[data-room-id="!pub1:x"] button.preview').click();
    await wait(10);
    expect(tauri.callsOf("room_preview")).toEqual([{ room: "#salon1:x", via: null }]);
    expect($("#room-preview-name").textContent).toBe("Salon 1");
    expect($("#room-preview").textContent).toContain("3 membres · ouvert à tous");
    // Messages are text: the markup in a body is shown, not interpreted.
    expect($("#room-preview-messages").textContent).toBe("bob bonjour <b>tous</b>");
    expect($("#room-preview-messages b")).toBeNull();
    $("#room-preview-join").click();
    await wait(10);
    expect(server.joined).toEqual(["!pub1:x"]);
    expect(opened).toEqual([["!pub1:x", "Salon 1"]]);

    $('li.public-room[data-room-id="!pub2:x"] button.preview').click();
    await wait(10);
    expect($("#room-preview").textContent).toContain("L'historique de ce salon n'est visible qu'après l'avoir rejoint.");
    $("#room-preview-knock").click();
    await wait(10);
    expect(tauri.callsOf("knock_room")).toEqual([{ room: "#salon2:x", via: null }]);
    expect($("#room-preview-knocked").textContent).toBe("Demande envoyée : un modérateur du salon doit l'accepter.");
  });

  it("searches as the user types, drops stale pages, and words an empty result", async () => {
    serveDirectory({ rooms, pageSize: 2 });
    const slowMore = tauri.deferred<unknown>();
    document.body.replaceChildren(explorePanel({ onOpen: () => {}, isJoined: () => false }));
    await wait(10);
    const real = tauri.handlers.get("public_rooms")!;
    tauri.handlers.set("public_rooms", (args) => (args.since ? slowMore.promise : real(args)));
    $("#explore-more").click();
    await wait(1);
    type("#explore-search", "salon 5");
    await wait(100);
    type("#explore-search", "sujet 5");
    await wait(310);
    expect(tauri.callsOf("public_rooms").map((a) => a.search)).toEqual([null, null, "sujet 5"]);
    expect($$("li.public-room").map((li) => li.getAttribute("data-room-id"))).toEqual(["!pub5:x"]);
    // The page asked before the new search arrives late: dropped.
    slowMore.resolve({ rooms: [fakePublicRoom(3)], next: "4", totalEstimate: 5 });
    await wait(10);
    expect($$("li.public-room").map((li) => li.getAttribute("data-room-id"))).toEqual(["!pub5:x"]);
    expect($("#explore-more").hidden).toBe(true);
    type("#explore-search", "introuvable");
    await wait(310);
    expect($$("li.public-room")).toHaveLength(0);
    expect($("#explore-status").textContent).toBe("Aucun salon public ne correspond.");
  });

  it("offers Open for rooms the user is in, and shows topics as text only", async () => {
    serveDirectory({ rooms: [fakePublicRoom(1, { topic: "<img src=x onerror=alert(1)> <b>gras</b>" }), fakePublicRoom(2)] });
    const opened: string[] = [];
    document.body.replaceChildren(explorePanel({ onOpen: (id) => opened.push(id), isJoined: (id) => id === "!pub2:x" }));
    await wait(10);
    const topic = $('li[data-room-id="!pub1:x"] .result-topic');
    expect(topic.textContent).toBe("<img src=x onerror=alert(1)> <b>gras</b>");
    expect(topic.querySelector("img, b")).toBeNull();
    expect($('li[data-room-id="!pub1:x"] button.join').textContent).toBe("Rejoindre");
    const open = $('li[data-room-id="!pub2:x"] button.join');
    expect(open.textContent).toBe("Ouvrir");
    open.click();
    await wait(10);
    expect(opened).toEqual(["!pub2:x"]);
    expect(tauri.callsOf("join_room")).toHaveLength(0);
  });

  it("asks another server's directory, and says clearly when the server name is wrong or down", async () => {
    serveDirectory({ rooms });
    document.body.replaceChildren(explorePanel({ onOpen: () => {}, isJoined: () => false, servers: ["x", "autre.fr"] }));
    await wait(10);
    const server = $<HTMLInputElement>("#explore-server");
    expect(server.placeholder).toBe("Votre serveur");
    expect(Array.from(document.querySelectorAll("#explore-servers option"), (o) => o.getAttribute("value"))).toEqual(["x", "autre.fr"]);
    type("#explore-server", "pas un serveur!");
    await wait(310);
    expect(tauri.callsOf("public_rooms").at(-1)?.server).toBe("pas un serveur!");
    expect($("#explore-error").textContent).toBe("Ce nom de serveur n'est pas valide.");
    expect(server.getAttribute("aria-invalid")).toBe("true");
    expect($$("li.public-room")).toHaveLength(0);
    type("#explore-server", "autre.fr");
    await wait(310);
    expect($("#explore-error").textContent).toContain("injoignable");
    type("#explore-server", "x");
    press(server, "Enter");
    await wait(1);
    expect($("#explore-error").textContent).toBe("");
    expect(server.hasAttribute("aria-invalid")).toBe(false);
    expect($$("li.public-room")).toHaveLength(5);
    await wait(400);
    expect(tauri.callsOf("public_rooms")).toHaveLength(4); // Enter replaced the pending search
  });

  it("joins by address, and words a refusal, an unknown room and a bad address", async () => {
    serveDirectory({ rooms });
    const opened: [string, string][] = [];
    document.body.replaceChildren(explorePanel({ onOpen: (id, n) => opened.push([id, n]), isJoined: () => false }));
    await wait(10);
    const submit = () => $<HTMLFormElement>("#join-address-form").requestSubmit();
    submit();
    expect(tauri.callsOf("join_room")).toHaveLength(0); // nothing typed
    $<HTMLInputElement>("#join-address").value = "salon:x";
    submit();
    await wait(1);
    expect($("#explore-error").textContent).toContain("adresse de salon n'est pas valide");
    $<HTMLInputElement>("#join-address").value = "#nulle-part:x";
    submit();
    await wait(1);
    expect($("#explore-error").textContent).toContain("Introuvable");
    tauri.handlers.set("join_room", () => { throw { type: "forbidden" }; });
    $<HTMLInputElement>("#join-address").value = "!pub3:x";
    submit();
    await wait(1);
    expect($("#explore-error").textContent).toContain("refusé");
    serveDirectory({ rooms });
    $<HTMLInputElement>("#join-address").value = " #salon3:x ";
    $("#join-address-submit").click();
    await wait(1);
    expect(tauri.callsOf("join_room").at(-1)).toEqual({ room: "#salon3:x" });
    expect(opened).toEqual([["!pub3:x", "#salon3:x"]]);
    expect($("#explore-error").textContent).toBe("");
  });

  it("disables a join button while joining", async () => {
    serveDirectory({ rooms });
    const pending = tauri.deferred<unknown>();
    tauri.handlers.set("join_room", () => pending.promise);
    document.body.replaceChildren(explorePanel({ onOpen: () => {}, isJoined: () => false }));
    await wait(10);
    const button = $<HTMLButtonElement>('li[data-room-id="!pub1:x"] button.join');
    button.click();
    button.click();
    expect(button.disabled).toBe(true);
    expect(button.textContent).toBe("Connexion…");
    pending.reject({ type: "unreachable", data: "down" });
    await wait(1);
    expect(tauri.callsOf("join_room")).toHaveLength(1);
    expect(button.disabled).toBe(false);
    expect(button.textContent).toBe("Rejoindre");
    expect($("#explore-error").textContent).toContain("injoignable");
  });
});

describe("settings panel", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("lists the sessions and signs out the others only with the password", async () => {
    serveDirectory({});
    let devices = [
      { deviceId: "ME", displayName: "Chappe", lastSeenIp: null, lastSeen: null, isCurrent: true },
      { deviceId: "OLD", displayName: "Portable", lastSeenIp: "10.0.0.2", lastSeen: 1.7e12, isCurrent: false },
      { deviceId: "WEB", displayName: null, lastSeenIp: null, lastSeen: null, isCurrent: false },
    ];
    tauri.handlers.set("list_devices", () => devices);
    tauri.handlers.set("sign_out_device", ({ deviceId, password }: { deviceId: string; password: string }) => {
      if (password !== "secret") throw { type: "wrongPassword" };
      devices = devices.filter((d) => d.deviceId !== deviceId);
      return null;
    });
    tauri.handlers.set("sign_out_other_devices", () => {
      const n = devices.length - 1;
      devices = devices.filter((d) => d.isCurrent);
      return n;
    });
    document.body.replaceChildren(settingsPanel());
    await wait(10);
    expect($$("#devices li").map((li) => li.getAttribute("data-device-id"))).toEqual(["ME", "OLD", "WEB"]);
    expect($('#devices li[data-device-id="ME"]').textContent).toContain("(cette session)");
    expect($('#devices li[data-device-id="ME"] button')).toBeNull();
    expect($('#devices li[data-device-id="OLD"]').textContent).toContain("10.0.0.2");
    ($('#devices li[data-device-id="OLD"] button') as HTMLButtonElement).click();
    await wait(10);
    expect($("#devices-error").textContent).toBe("Saisissez votre mot de passe pour confirmer.");
    expect(tauri.callsOf("sign_out_device")).toHaveLength(0);
    $<HTMLInputElement>("#devices-password").value = "faux";
    ($('#devices li[data-device-id="OLD"] button') as HTMLButtonElement).click();
    await wait(10);
    expect($("#devices-error").textContent).toBe("Mot de passe incorrect.");
    $<HTMLInputElement>("#devices-password").value = "secret";
    ($('#devices li[data-device-id="OLD"] button') as HTMLButtonElement).click();
    await wait(10);
    expect($$("#devices li").map((li) => li.getAttribute("data-device-id"))).toEqual(["ME", "WEB"]);
    $("#sign-out-others").click();
    await wait(10);
    expect(tauri.callsOf("sign_out_other_devices")).toEqual([{ password: "secret" }]);
    expect($("#devices-status").textContent).toBe("Sessions déconnectées : 1.");
    expect($$("#devices li").map((li) => li.getAttribute("data-device-id"))).toEqual(["ME"]);
    expect($("#sign-out-others").hidden).toBe(true);
  });

  it("shows what the server has, and saves a change", async () => {
    const server = serveDirectory({ hidden: true });
    document.body.replaceChildren(settingsPanel());
    const box = $<HTMLInputElement>("#hide-profile");
    expect(box.disabled).toBe(true); // until the server answered
    await wait(10);
    expect(box.checked).toBe(true);
    expect(box.disabled).toBe(false);
    // The screen has the focus (Escape closes it); Tab walks its sections.
    expect(document.activeElement).toBe($("#settings-dialog"));
    expect($('label[for="hide-profile"]').textContent).toBe("Masquer mon profil dans l'annuaire (liste rouge)");
    expect($("#hide-profile-hint").textContent).toContain("ne vous trouveront plus");
    box.click();
    await wait(10);
    expect(server.hidden).toBe(false);
    expect($("#settings-status").textContent).toBe("Enregistré.");
  });

  it("is disabled while saving, and reverts the choice when the server refuses", async () => {
    serveDirectory({ hidden: false });
    const pending = tauri.deferred<unknown>();
    tauri.handlers.set("set_profile_hidden", () => pending.promise);
    document.body.replaceChildren(settingsPanel());
    await wait(10);
    const box = $<HTMLInputElement>("#hide-profile");
    box.click();
    expect(box.checked).toBe(true);
    expect(box.disabled).toBe(true);
    expect(tauri.callsOf("set_profile_hidden")).toEqual([{ hidden: true }]);
    pending.reject({ type: "unreachable", data: "down" });
    await wait(10);
    expect(box.checked).toBe(false);
    expect(box.disabled).toBe(false);
    expect($("#settings-error").textContent).toContain("injoignable");
    expect($("#settings-status").textContent).toBe("");
  });

  it("turns desktop notifications off and on, on this device", async () => {
    serveDirectory();
    let enabled = true;
    tauri.handlers.set("notifications_enabled", () => enabled);
    tauri.handlers.set("set_notifications_enabled", (a: { enabled: boolean }) => { enabled = a.enabled; return null; });
    document.body.replaceChildren(settingsPanel());
    await wait(10);
    const box = $<HTMLInputElement>("#notifications-enabled");
    expect(box.checked).toBe(true);
    expect($('label[for="notifications-enabled"]').textContent).toBe("Notifications de bureau");
    box.click();
    await wait(10);
    expect(enabled).toBe(false);
    expect(tauri.callsOf("set_notifications_enabled")).toEqual([{ enabled: false }]);
    expect($("#settings-status").textContent).toBe("Enregistré.");
  });

  it("says why the setting could not be read, and closes with Escape", async () => {
    serveDirectory();
    tauri.handlers.set("profile_hidden", () => { throw { type: "notLoggedIn" }; });
    const onClose = vi.fn();
    document.body.replaceChildren(settingsPanel({ onClose }));
    await wait(10);
    expect($<HTMLInputElement>("#hide-profile").disabled).toBe(true);
    expect($("#settings-error").textContent).toBe("Vous n'êtes pas connecté.");
    press($("#settings-dialog"), "Escape");
    expect(onClose).toHaveBeenCalledTimes(1);
    $(".panel-close").click();
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});
