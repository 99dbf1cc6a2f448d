import { beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { invitePanel, statusText, type Row } from "./invitePanel";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const $$ = (sel: string) => Array.from(document.querySelectorAll<HTMLElement>(sel));

const row = (line: number, text: string, status: Row["status"], userId: string | null = null): Row => ({
  line, text, address: status.kind === "invalid" ? null : text, userId, status,
});

describe("invite panel", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    tauri.handlers.set("pending_invites", () => []);
  });

  it("checks the list, shows every line's verdict, sends the ready ones with progress, and reports", async () => {
    const preview: Row[] = [
      row(1, "@a:x", { kind: "ready" }, "@a:x"),
      row(2, "Jean Dupont", { kind: "invalid", problem: "notAnAddress" }),
      row(3, "@a:x", { kind: "duplicate", firstLine: 1 }),
      row(4, "b@x.fr", { kind: "alreadyMember" }, "@b:x"),
      row(5, "c@x.fr", { kind: "ready" }),
    ];
    tauri.handlers.set("invite_preview", () => preview);
    const sending = tauri.deferred<Row[]>();
    tauri.handlers.set("invite_send", () => sending.promise);
    document.body.replaceChildren(invitePanel({ roomId: "!r:x", roomName: "Équipe" }));
    expect($("#invite-dialog h2").textContent).toBe("Inviter dans « Équipe »");

    const list = $<HTMLTextAreaElement>("#invite-list");
    list.value = "@a:x\nJean Dupont\n@a:x\nb@x.fr\nc@x.fr";
    list.dispatchEvent(new Event("input"));
    $("#invite-check").click();
    await tauri.settle();
    expect(tauri.callsOf("invite_preview")).toEqual([{ roomId: "!r:x", list: list.value }]);
    expect($$("#invite-preview tbody tr").map((tr) => tr.getAttribute("data-status"))).toEqual(
      ["ready", "invalid", "duplicate", "alreadyMember", "ready"]);
    expect($$("#invite-preview td.status").map((td) => td.textContent)).toEqual([
      "Sera invité", "Ni une adresse e-mail ni un identifiant Matrix", "Doublon de la ligne 1", "Déjà membre", "Sera invité",
    ]);
    // The email matched to an account shows which one.
    expect($('#invite-preview tr[data-line="4"] td.item').textContent).toBe("b@x.fr → @b:x");
    expect($("#invite-status").textContent).toBe("2 à inviter, 3 ignorée(s) — voir le détail ci-dessous.");
    const send = $<HTMLButtonElement>("#invite-send");
    expect(send.hidden).toBe(false);
    expect(send.textContent).toBe("Envoyer 2 invitations");

    send.click();
    await tauri.settle();
    expect(tauri.callsOf("invite_send")[0].rows).toEqual(preview);
    expect($<HTMLButtonElement>("#invite-check").disabled).toBe(true);
    const channel = tauri.channelOf("invite_send");
    channel.push({ done: 0, total: 2, waitingMs: 2500, row: null });
    expect($("#invite-status").textContent).toBe("Le serveur demande de ralentir ou ne répond pas : reprise dans 3 s…");
    channel.push({ done: 1, total: 2, waitingMs: null, row: preview[0] });
    expect($("#invite-status").textContent).toBe("Invitations envoyées : 1 sur 2");
    expect($<HTMLProgressElement>("#invite-progress").value).toBe(1);

    sending.resolve([
      { ...preview[0], status: { kind: "invited" } }, preview[1], preview[2], preview[3],
      { ...preview[4], status: { kind: "invitedByEmail" } },
    ]);
    await tauri.settle();
    expect($("#invite-status").textContent).toBe("Terminé : 2 invitation(s) envoyée(s), 3 ligne(s) non invitée(s).");
    expect($$("#invite-preview td.status").map((td) => td.textContent)[4]).toBe("Invité par e-mail");
    expect($<HTMLButtonElement>("#invite-save").hidden).toBe(false);
    expect($<HTMLButtonElement>("#invite-check").disabled).toBe(false);
  });

  it("says why an empty list or a refused file cannot be checked, and loses nothing typed", async () => {
    tauri.handlers.set("open_invite_list", () => {
      throw { type: "fileTooLarge", data: { maxBytes: 2097152 } };
    });
    document.body.replaceChildren(invitePanel({ roomId: "!r:x", roomName: "R" }));
    $("#invite-check").click();
    await tauri.settle();
    expect($("#invite-error").textContent).toBe("La liste est vide : saisissez ou collez au moins une adresse.");
    expect(tauri.callsOf("invite_preview")).toHaveLength(0);
    const list = $<HTMLTextAreaElement>("#invite-list");
    list.value = "a@x.fr";
    $("#invite-file").click();
    await tauri.settle();
    expect($("#invite-error").textContent).toBe("Ce fichier est trop volumineux.");
    expect(list.value).toBe("a@x.fr");
  });

  it("lists pending invitations and withdraws one", async () => {
    tauri.handlers.set("pending_invites", () => [
      { kind: "account", userId: "@d:x", displayName: "Denis", invitedBy: "@me:x" },
      { kind: "email", displayName: "jea...@x.fr", token: "tok", invitedBy: "@me:x" },
    ]);
    tauri.handlers.set("revoke_invite", () => null);
    document.body.replaceChildren(invitePanel({ roomId: "!r:x", roomName: "R" }));
    await tauri.settle();
    expect($$("#pending-invites li").map((li) => li.querySelector(".result-name")?.textContent)).toEqual(["Denis", "jea...@x.fr"]);
    ($('#pending-invites li[data-invitee="tok"] button') as HTMLButtonElement).click();
    await tauri.settle();
    expect(tauri.callsOf("revoke_invite")).toEqual([{ roomId: "!r:x", target: { kind: "email", value: "tok" } }]);
    expect($$("#pending-invites li")).toHaveLength(1);
  });

  it("has a sentence for every status", () => {
    setLang("en");
    expect(statusText({ kind: "notAllowed", reason: "externalInRestrictedRoom" })).toBe("Room closed to external users");
    expect(statusText({ kind: "failed", reason: "server unreachable" })).toBe("Failed: server unreachable");
    expect(statusText({ kind: "needsIdentityServer" })).toBe("Cannot invite by email: no identity server configured");
    setLang("fr");
  });
});
