import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { currentDialog, emojiName, listenForVerifications, unverifiedBanner, verifyDevice, type FlowState } from "./verification";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const $$ = (sel: string) => Array.from(document.querySelectorAll<HTMLElement>(sel));
const flush = () => new Promise((r) => setTimeout(r, 0));

const EMOJIS = [
  { index: 0, symbol: "🐶", description: "Dog" },
  { index: 10, symbol: "🐧", description: "Penguin" },
  { index: 29, symbol: "❤️", description: "Heart" },
  { index: 33, symbol: "👓", description: "Glasses" },
  { index: 44, symbol: "📎", description: "Paperclip" },
  { index: 44, symbol: "📎", description: "Paperclip" },
  { index: 63, symbol: "📌", description: "Pin" },
];
const INFO = {
  flowId: "txn1", otherUserId: "@moi:x", otherDeviceId: "LAPTOP", otherDeviceName: "Portable",
  isSelfVerification: true, weStarted: true, roomId: null,
};

describe("verification dialog", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    document.body.replaceChildren();
  });
  afterEach(() => {
    currentDialog()?.close();
    setLang("fr");
  });

  it("follows a flow the user started: waiting, emojis in French, they match, done", async () => {
    tauri.handlers.set("verify_device", () => INFO);
    for (const c of ["confirm_verification", "mismatch_verification", "cancel_verification"]) {
      tauri.handlers.set(c, () => null);
    }
    let done = 0;
    expect(await verifyDevice(null, "LAPTOP", { onDone: () => done++ })).toBeNull();
    expect(tauri.callsOf("verify_device")[0]).toMatchObject({ userId: null, deviceId: "LAPTOP" });
    expect($("#verify-title").textContent).toBe("Vérifier la session « Portable »");
    expect($(".verify-status").textContent).toContain("autre session");
    const flow = tauri.channels[tauri.channels.length - 1];
    flow.push({ state: "compare", emojis: EMOJIS, decimals: [1, 2, 3] } satisfies FlowState);
    expect($$("#verify-emojis li").map((li) => li.querySelector(".verify-name")?.textContent))
      .toEqual(["Chien", "Manchot", "Cœur", "Lunettes", "Trombone", "Trombone", "Punaise"]);
    $("#verify-match").click();
    await flush();
    expect(tauri.callsOf("confirm_verification")).toEqual([{ otherUserId: "@moi:x", flowId: "txn1" }]);
    flow.push({ state: "confirmed" });
    expect($(".verify-status").textContent).toContain("confirmation");
    flow.push({ state: "done" });
    expect($(".verify-done").textContent).toContain("Session vérifiée");
    expect(done).toBe(1);
    $("#verify-close").click();
    expect($("#verify-dialog")).toBeNull();
  });

  it("'They don't match' cancels with the mismatch command and says why", async () => {
    tauri.handlers.set("verify_device", () => INFO);
    tauri.handlers.set("mismatch_verification", () => null);
    await verifyDevice(null, "LAPTOP");
    const flow = tauri.channels[tauri.channels.length - 1];
    flow.push({ state: "compare", emojis: EMOJIS, decimals: [1, 2, 3] });
    $("#verify-no-match").click();
    await flush();
    expect(tauri.callsOf("mismatch_verification")).toHaveLength(1);
    flow.push({ state: "cancelled", reason: "mismatch", code: "m.mismatched_sas", byUs: true });
    expect($(".verify-cancelled").textContent).toContain("ne correspondaient pas");
  });

  it("shows why a verification could not start, without a dialog", async () => {
    tauri.handlers.set("verify_device", () => {
      throw { type: "unknownDevice" };
    });
    expect(await verifyDevice("@bob:x", "OLD")).toContain("session est inconnue");
    expect($("#verify-dialog")).toBeNull();
  });

  it("opens an incoming request, which the user accepts or declines", async () => {
    tauri.handlers.set("subscribe_verifications", () => null);
    tauri.handlers.set("watch_verification", () => null);
    tauri.handlers.set("accept_verification", () => null);
    tauri.handlers.set("cancel_verification", () => null);
    const stream = listenForVerifications();
    expect((await stream.ready).status).toBe("ok");
    const incoming = tauri.channels[tauri.channels.length - 1];
    incoming.push({ ...INFO, flowId: "txn2", otherUserId: "@bob:x", isSelfVerification: false, weStarted: false,
      otherDeviceName: null, otherDeviceId: "BOBPC" });
    expect($("#verify-title").textContent).toBe("Vérifier la session « BOBPC » de @bob:x");
    expect($(".verify-status").textContent).toBe("@bob:x demande à vérifier votre session.");
    expect(tauri.callsOf("watch_verification")[0]).toMatchObject({ otherUserId: "@bob:x", flowId: "txn2" });
    $("#verify-accept").click();
    await flush();
    expect(tauri.callsOf("accept_verification")).toEqual([{ otherUserId: "@bob:x", flowId: "txn2" }]);
    const flow = tauri.channels[tauri.channels.length - 1];
    flow.push({ state: "cancelled", reason: "user", code: "m.user", byUs: false });
    expect($(".verify-cancelled").textContent).toBe("L'autre côté a annulé la vérification.");
    stream.stop();
  });

  it("names emojis in English from Rust when the UI is in English", () => {
    setLang("en");
    expect(emojiName(10, "Penguin")).toBe("Penguin");
    setLang("fr");
    expect(emojiName(10, "Penguin")).toBe("Manchot");
  });
});

describe("room warning about unverified sessions", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
  });

  it("lists members' unverified sessions and hides when there are none", async () => {
    tauri.handlers.set("subscribe_unverified_devices", () => null);
    const { element } = unverifiedBanner("!r:x");
    document.body.replaceChildren(element);
    expect(element.hidden).toBe(true);
    const ch = tauri.channels[tauri.channels.length - 1];
    ch.push([{ userId: "@bob:x", deviceId: "NEW", displayName: "Nouveau portable" }]);
    expect(element.hidden).toBe(false);
    expect(element.textContent).toContain("@bob:x — session « Nouveau portable »");
    expect(element.querySelector("li")?.getAttribute("data-device-id")).toBe("NEW");
    ch.push([]);
    expect(element.hidden).toBe(true);
  });
});
