import { beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { MEMBER_ROWS, newRoomPanel, roomSettingsPanel } from "./roomPanels";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

describe("new room panel", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
  });

  it("creates each kind as one request; a forum needs an address; a taken one is said", async () => {
    const opened: [string, string][] = [];
    let n = 0;
    tauri.handlers.set("create_room", ({ form }: { form: { alias: string | null } }) => {
      if (form.alias === "pris") throw { type: "aliasTaken" };
      return `!r${++n}:x`;
    });
    document.body.replaceChildren(newRoomPanel({ onOpen: (id, name) => opened.push([id, name]) }));
    $<HTMLInputElement>("#new-room-name").value = "Équipe";
    $<HTMLFormElement>("#new-room-form").requestSubmit();
    await tauri.settle();
    expect(tauri.callsOf("create_room")).toEqual([{ form: { kind: "private", name: "Équipe", topic: null, alias: null } }]);
    expect(opened).toEqual([["!r1:x", "Équipe"]]);

    $<HTMLInputElement>("#new-room-kind-forum").click();
    $<HTMLFormElement>("#new-room-form").requestSubmit();
    await tauri.settle();
    expect($("#new-room-error").textContent).toBe("Un forum public a besoin d'une adresse.");
    expect(tauri.callsOf("create_room")).toHaveLength(1);
    $<HTMLInputElement>("#new-room-alias").value = "pris";
    $<HTMLFormElement>("#new-room-form").requestSubmit();
    await tauri.settle();
    expect($("#new-room-error").textContent).toBe("Cette adresse est déjà prise par un autre salon.");
    expect($<HTMLInputElement>("#new-room-name").value).toBe("Équipe");
  });
});

describe("room settings panel", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
  });

  it("shows who may join and the links, refuses a forum for a private room, and opens to externals after a second click", async () => {
    let settings = {
      roomId: "!r:x", name: "R", topic: null, alias: "#r:x", access: "inviteOnly", joinRule: "invite", published: false,
      encrypted: true, openToExternals: false, history: "invited", altAliases: [],
      links: { matrixTo: "https://matrix.to/#/%23r:x", matrixUri: "matrix:r/r:x", permalink: null },
    };
    tauri.handlers.set("room_settings", () => settings);
    tauri.handlers.set("set_room_access", ({ access }: { access: string }) => {
      settings = { ...settings, access };
      return null;
    });
    tauri.handlers.set("open_room_to_externals", () => {
      settings = { ...settings, openToExternals: true };
      return null;
    });
    document.body.replaceChildren(roomSettingsPanel({ roomId: "!r:x" }));
    await tauri.settle();
    expect($<HTMLInputElement>("#room-access-inviteOnly").checked).toBe(true);
    expect($<HTMLInputElement>("#room-access-publicForum").disabled).toBe(true);
    expect($("#room-link-matrix-to").textContent).toBe("https://matrix.to/#/%23r:x");
    $<HTMLInputElement>("#room-access-anyoneWithLink").click();
    await tauri.settle();
    expect(tauri.callsOf("set_room_access")).toEqual([{ roomId: "!r:x", access: "anyoneWithLink" }]);
    expect($<HTMLInputElement>("#room-access-anyoneWithLink").checked).toBe(true);

    $("#open-externals").click();
    await tauri.settle();
    expect(tauri.callsOf("open_room_to_externals")).toHaveLength(0);
    expect($("#open-externals").textContent).toBe("Confirmer : ouvrir définitivement aux externes");
    $("#open-externals").click();
    await tauri.settle();
    expect(tauri.callsOf("open_room_to_externals")).toHaveLength(1);
    expect($("#externals-state").textContent).toBe("Ce salon est ouvert aux externes (définitif).");
  });

  it("words a refusal by Tchap's rules", async () => {
    tauri.handlers.set("room_settings", () => ({
      roomId: "!f:x", name: "F", topic: null, alias: "#f:x", access: "publicForum", joinRule: "public", published: true,
      encrypted: false, openToExternals: false, links: null, history: "shared", altAliases: [],
    }));
    tauri.handlers.set("set_room_access", () => {
      throw { type: "tchapRule", data: "forumPrivateOnlyIfEncrypted" };
    });
    document.body.replaceChildren(roomSettingsPanel({ roomId: "!f:x" }));
    await tauri.settle();
    expect($("#externals-state").textContent).toBe("Un forum public ne peut pas être ouvert aux externes (règle de Tchap).");
    $<HTMLInputElement>("#room-access-inviteOnly").click();
    await tauri.settle();
    expect($("#room-settings-error").textContent).toBe("Un forum public ne peut devenir privé qu'une fois chiffré (règle de Tchap).");
    expect($<HTMLInputElement>("#room-access-publicForum").checked).toBe(true);
  });

  it("edits rights and members' levels, says when it would go above one's own, and guards the ACL", async () => {
    let power = {
      myLevel: 50, usersDefault: 0,
      rights: [{ right: "invite", level: 0 }, { right: "kick", level: 50 }],
      members: [{ userId: "@bob:x", level: 50 }],
    };
    tauri.handlers.set("room_settings", () => { throw { type: "unknownRoom" }; });
    tauri.handlers.set("room_power", () => power);
    tauri.handlers.set("set_room_right", ({ right, level }: { right: string; level: number }) => {
      if (level > 50) throw { type: "aboveOwnLevel" };
      power = { ...power, rights: power.rights.map((r) => (r.right === right ? { right, level } : r)) };
      return null;
    });
    tauri.handlers.set("room_acl", () => null);
    tauri.handlers.set("set_room_acl", ({ acl }: { acl: { deny: string[] } }) => {
      if (acl.deny.includes("x")) throw { type: "locksOwnServerOut" };
      return null;
    });
    document.body.replaceChildren(roomSettingsPanel({ roomId: "!r:x" }));
    await tauri.settle();
    expect($("#my-level").textContent).toBe("Votre niveau : 50.");
    expect($('tr[data-right="invite"]').textContent).toContain("Inviter");
    expect($('tr[data-right="invite"] .role').textContent).toBe("Tous");
    const invite = $<HTMLInputElement>("#right-invite");
    invite.value = "50";
    invite.dispatchEvent(new Event("change"));
    await tauri.settle();
    expect(tauri.callsOf("set_room_right")).toEqual([{ roomId: "!r:x", right: "invite", level: 50 }]);
    expect($('tr[data-right="invite"] .role').textContent).toBe("Modérateurs");
    const kick = $<HTMLInputElement>("#right-kick");
    kick.value = "100";
    kick.dispatchEvent(new Event("change"));
    await tauri.settle();
    expect($("#room-rights-error").textContent).toBe("Impossible : cela dépasserait votre propre niveau.");

    // ACL: prefilled with "allow everyone"; a list denying our own server is refused.
    expect($<HTMLTextAreaElement>("#acl-allow").value).toBe("*");
    $<HTMLTextAreaElement>("#acl-deny").value = "evil.example\nx";
    $("#acl-save").click();
    await tauri.settle();
    expect(tauri.callsOf("set_room_acl")).toEqual([{ roomId: "!r:x", acl: { allow: ["*"], deny: ["evil.example", "x"], allowIpLiterals: true } }]);
    expect($("#acl-error").textContent).toBe("Cette liste exclurait votre propre serveur : elle n'a pas été enregistrée.");
  });

  it("renames, sets the history, adds an address and turns encryption on after a second click", async () => {
    let settings = {
      roomId: "!r:x", name: "Ancien", topic: null, alias: "#a:x", access: "publicForum", joinRule: "public", published: true,
      encrypted: false, openToExternals: false, links: null, history: "shared", altAliases: ["#b:x"],
    };
    tauri.handlers.set("room_settings", () => settings);
    for (const cmd of ["set_room_name", "set_room_history", "remove_room_alias"]) tauri.handlers.set(cmd, () => null);
    tauri.handlers.set("add_room_alias", ({ local }: { local: string }) => {
      if (local === "pris") throw { type: "aliasTaken" };
      settings = { ...settings, altAliases: [...settings.altAliases, `#${local}:x`] };
      return `#${local}:x`;
    });
    tauri.handlers.set("enable_room_encryption", () => {
      settings = { ...settings, encrypted: true };
      return null;
    });
    document.body.replaceChildren(roomSettingsPanel({ roomId: "!r:x" }));
    await tauri.settle();
    const name = $<HTMLInputElement>("#room-name-input");
    expect(name.value).toBe("Ancien");
    name.value = "Nouveau";
    name.dispatchEvent(new Event("change"));
    await tauri.settle();
    expect(tauri.callsOf("set_room_name")).toEqual([{ roomId: "!r:x", name: "Nouveau" }]);
    const history = $<HTMLSelectElement>("#room-history");
    expect(history.value).toBe("shared");
    history.value = "joined";
    history.dispatchEvent(new Event("change"));
    await tauri.settle();
    expect(tauri.callsOf("set_room_history")).toEqual([{ roomId: "!r:x", history: "joined" }]);
    expect(Array.from(document.querySelectorAll("#room-aliases li"), (li) => li.getAttribute("data-alias"))).toEqual(["#a:x", "#b:x"]);
    $<HTMLInputElement>("#alias-add").value = "pris";
    $("#alias-add-submit").click();
    await tauri.settle();
    expect($("#room-settings-error").textContent).toBe("Cette adresse est déjà prise par un autre salon.");
    $<HTMLInputElement>("#alias-add").value = "c";
    $("#alias-add-submit").click();
    await tauri.settle();
    expect(Array.from(document.querySelectorAll("#room-aliases li"), (li) => li.getAttribute("data-alias"))).toEqual(["#a:x", "#b:x", "#c:x"]);
    $("#enable-encryption").click();
    await tauri.settle();
    expect(tauri.callsOf("enable_room_encryption")).toHaveLength(0);
    $("#enable-encryption").click();
    await tauri.settle();
    expect($("#encryption-state").textContent).toBe("Les messages de ce salon sont chiffrés de bout en bout (définitif).");
  });

  it("makes an alternative address the main one, the former main becoming an alternative", async () => {
    let settings = {
      roomId: "!r:x", name: "R", topic: null, alias: "#a:x", access: "inviteOnly", joinRule: "invite", published: false,
      encrypted: true, openToExternals: false, links: null, history: "invited", altAliases: ["#b:x", "#c:x"],
    };
    tauri.handlers.set("room_settings", () => settings);
    tauri.handlers.set("set_room_main_alias", ({ alias }: { alias: string }) => {
      settings = { ...settings, alias, altAliases: [...settings.altAliases.filter((a) => a !== alias), settings.alias] };
      return null;
    });
    document.body.replaceChildren(roomSettingsPanel({ roomId: "!r:x" }));
    await tauri.settle();
    const main = () => document.querySelector("#room-aliases li.main-alias")?.getAttribute("data-alias");
    expect(main()).toBe("#a:x");
    expect(document.querySelector('#room-aliases li[data-alias="#a:x"] .make-main')).toBeNull();
    expect($('#room-aliases li[data-alias="#a:x"] .badge').textContent).toBe("adresse principale");
    $<HTMLButtonElement>('#room-aliases li[data-alias="#c:x"] .make-main').click();
    await tauri.settle();
    expect(tauri.callsOf("set_room_main_alias")).toEqual([{ roomId: "!r:x", alias: "#c:x" }]);
    expect(main()).toBe("#c:x");
    expect(Array.from(document.querySelectorAll("#room-aliases li"), (li) => li.getAttribute("data-alias"))).toEqual(["#c:x", "#b:x", "#a:x"]);
    expect($('#room-aliases li[data-alias="#a:x"] .make-main').textContent).toBe("En faire l'adresse principale");
  });

  it("reserves the room to members of spaces, with requests from others", async () => {
    let settings = {
      roomId: "!r:x", name: "R", topic: null, alias: null, access: "inviteOnly", joinRule: "invite", published: false,
      encrypted: true, openToExternals: false, links: null, history: "invited", altAliases: [],
    };
    tauri.handlers.set("room_settings", () => settings);
    tauri.handlers.set("set_room_restricted", ({ knock }: { knock: boolean }) => {
      settings = { ...settings, joinRule: knock ? "knock_restricted" : "restricted" };
      return null;
    });
    document.body.replaceChildren(roomSettingsPanel({ roomId: "!r:x" }));
    await tauri.settle();
    $<HTMLInputElement>("#restricted-spaces").value = "!s1:x, !s2:x";
    $<HTMLInputElement>("#restricted-knock").click();
    $("#restricted-apply").click();
    await tauri.settle();
    expect(tauri.callsOf("set_room_restricted")).toEqual([{ roomId: "!r:x", spaces: ["!s1:x", "!s2:x"], knock: true }]);
    expect($("#restricted-state").textContent).toBe("Ce salon est réservé aux membres d'espaces.");
  });

  it("changes the room's picture through the file dialog, and says when the file is not an image", async () => {
    tauri.handlers.set("room_settings", () => ({
      roomId: "!r:x", name: "R", topic: null, alias: null, access: "inviteOnly", joinRule: "invite", published: false,
      encrypted: true, openToExternals: false, links: null, history: "invited", altAliases: [],
    }));
    let answer: unknown = { type: "notAnImage" };
    tauri.handlers.set("choose_room_avatar", () => {
      if (typeof answer === "object") throw answer;
      return answer;
    });
    document.body.replaceChildren(roomSettingsPanel({ roomId: "!r:x" }));
    await tauri.settle();
    $("#room-avatar").click();
    await tauri.settle();
    expect($("#room-settings-error").textContent).toBe("Ce fichier n'est pas une image PNG, JPEG, GIF ou WebP.");
    answer = true;
    $("#room-avatar").click();
    await tauri.settle();
    expect(tauri.callsOf("choose_room_avatar")).toEqual([{ roomId: "!r:x" }, { roomId: "!r:x" }]);
    expect($("#room-settings-status").textContent).toBe("Enregistré.");
  });

  it("shows a room's 10,000 members' levels a page at a time, highest first, and finds any of them", async () => {
    // Hostile input (issue #11): a power-levels event listing 10,000 users.
    const members = Array.from({ length: 10_000 }, (_, i) => ({ userId: `@m${String(i).padStart(5, "0")}:x`, level: i === 7777 ? 100 : i % 100 === 0 ? 50 : 1 }));
    tauri.handlers.set("room_settings", () => { throw { type: "unknownRoom" }; });
    tauri.handlers.set("room_power", () => ({ myLevel: 100, usersDefault: 0, rights: [{ right: "invite", level: 0 }], members }));
    tauri.handlers.set("room_acl", () => null);
    tauri.handlers.set("set_member_level", () => null);
    const start = performance.now();
    document.body.replaceChildren(roomSettingsPanel({ roomId: "!r:x" }));
    await tauri.settle();
    const rendered = performance.now() - start;
    const rows = () => [...document.querySelectorAll<HTMLElement>("tr[data-user-id]")].map((r) => r.dataset.userId);
    expect(rows()).toHaveLength(MEMBER_ROWS);
    expect(rows()[0]).toBe("@m07777:x");
    expect(rows()[1]).toBe("@m00000:x");
    expect($("#member-level-more").textContent).toMatch(/^… et 9\s?950 de plus/);
    // Bounded, whatever the size: not ten thousand inputs.
    expect(document.querySelectorAll("input").length).toBeLessThan(MEMBER_ROWS + 20);
    expect(rendered).toBeLessThan(2000);

    const filter = $<HTMLInputElement>("#member-level-filter");
    filter.value = "m0999";
    filter.dispatchEvent(new Event("input"));
    expect(rows()).toEqual(Array.from({ length: 10 }, (_, i) => `@m0999${i}:x`));
    expect($("#member-level-more").textContent).toBe("");
    // A level changed from a found row is sent for that member.
    const input = document.getElementById("member-@m09993:x") as HTMLInputElement;
    input.value = "50";
    input.dispatchEvent(new Event("change"));
    await tauri.settle();
    expect(tauri.callsOf("set_member_level")).toEqual([{ roomId: "!r:x", userId: "@m09993:x", level: 50 }]);
  });
});
