import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { dmPanel, explorePanel, settingsPanel } from "./panels";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const type = (sel: string, v: string) => {
  const i = $<HTMLInputElement>(sel);
  i.value = v;
  i.dispatchEvent(new Event("input"));
};

describe("panels", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it("searches the directory once typing pauses and drops stale answers", async () => {
    const slow = tauri.deferred<unknown>();
    let n = 0;
    tauri.handlers.set("search_users", ({ term }) => (++n === 1 ? slow.promise : [
      { userId: "@claire:x", displayName: "Claire Petit", avatarInitial: "C", domain: "x" }].filter(() => term)));
    tauri.handlers.set("direct_chat", () => "!dm:x");
    const opened: string[] = [];
    document.body.replaceChildren(dmPanel((id) => opened.push(id)));
    type("#dm-search", "cl");
    await vi.advanceTimersByTimeAsync(350);
    type("#dm-search", "claire");
    await vi.advanceTimersByTimeAsync(100);
    expect(tauri.callsOf("search_users")).toHaveLength(1); // still pausing
    await vi.advanceTimersByTimeAsync(300);
    expect(tauri.callsOf("search_users").map((a) => a.term)).toEqual(["cl", "claire"]);
    slow.resolve([{ userId: "@old:x", displayName: "Ancien", avatarInitial: "A", domain: "x" }]);
    await vi.advanceTimersByTimeAsync(10);
    expect(document.querySelector('li[data-user-id="@old:x"]')).toBeNull();
    $('li[data-user-id="@claire:x"]').click();
    await vi.advanceTimersByTimeAsync(10);
    expect(tauri.callsOf("direct_chat").at(-1)).toEqual({ userId: "@claire:x" });
    expect(opened).toEqual(["!dm:x"]);
  });

  it("lists public rooms, pages, and joins by alias", async () => {
    tauri.handlers.set("public_rooms", ({ since }) => ({
      rooms: [{ roomId: since ? "!b:x" : "!a:x", name: since ? "Forum B" : "Forum A", topic: "Sujet",
        alias: since ? "#b:x" : "#a:x", members: 4, avatarInitial: "F", worldReadable: true }],
      next: since ? null : "t1", totalEstimate: 2,
    }));
    tauri.handlers.set("join_room", ({ room }) => (room === "#a:x" ? "!a:x" : (() => { throw { type: "forbidden" }; })()));
    const opened: string[] = [];
    document.body.replaceChildren(explorePanel((id) => opened.push(id), () => false));
    await vi.advanceTimersByTimeAsync(10);
    expect($("#explore-results").textContent).toContain("Forum A");
    $("#explore-more").click();
    await vi.advanceTimersByTimeAsync(10);
    expect(tauri.callsOf("public_rooms").at(-1)?.since).toBe("t1");
    expect($("#explore-more").hidden).toBe(true);
    $('li.public-room[data-room-id="!a:x"] button.join').click();
    await vi.advanceTimersByTimeAsync(10);
    expect(opened).toEqual(["!a:x"]);
    $('li.public-room[data-room-id="!b:x"] button.join').click();
    await vi.advanceTimersByTimeAsync(10);
    expect($("#explore-error").textContent).toContain("refusé");
  });

  it("saves the hide-profile choice and reverts it when the server refuses", async () => {
    tauri.handlers.set("profile_hidden", () => false);
    tauri.handlers.set("set_profile_hidden", () => { throw { type: "unreachable", data: "down" }; });
    document.body.replaceChildren(settingsPanel());
    await vi.advanceTimersByTimeAsync(10);
    const box = $<HTMLInputElement>("#hide-profile");
    expect(box.disabled).toBe(false);
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    await vi.advanceTimersByTimeAsync(10);
    expect(tauri.callsOf("set_profile_hidden").at(-1)).toEqual({ hidden: true });
    expect(box.checked).toBe(false);
    expect($("#settings-error").textContent).toContain("injoignable");
  });
});
