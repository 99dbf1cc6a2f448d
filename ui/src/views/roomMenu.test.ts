import { beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { room } from "../test/fixtures";
import { roomMenu } from "./roomMenu";

const flush = () => new Promise((r) => setTimeout(r, 0));
const called = (cmd: string) => tauri.calls.filter((c) => c.cmd === cmd).map((c) => c.args);

describe("room menu", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    document.body.innerHTML = "";
    tauri.handlers.set("room_notifications", () => ({ mode: "allMessages", isDefault: true }));
    tauri.handlers.set("set_room_tag", () => null);
    tauri.handlers.set("set_room_notifications", () => null);
  });

  it("toggles favourite and closes", async () => {
    const onClose = vi.fn();
    const menu = roomMenu(room({ roomId: "!r:x", isFavourite: true }), { onClose });
    document.body.append(menu);
    const fav = menu.querySelector("#menu-favourite") as HTMLButtonElement;
    expect(fav.textContent).toBe("Retirer des favoris");
    fav.click();
    await flush();
    expect(called("set_room_tag")).toEqual([{ roomId: "!r:x", tag: "favourite", on: false }]);
    expect(onClose).toHaveBeenCalled();
  });

  it("shows the room's notification mode and sets another", async () => {
    const onClose = vi.fn();
    const menu = roomMenu(room({ roomId: "!r:x" }), { onClose });
    await flush();
    const checked = menu.querySelector('[aria-checked="true"]') as HTMLElement;
    expect(checked.dataset.mode).toBe("allMessages");
    expect(checked.textContent).toContain("par défaut");
    (menu.querySelector('[data-mode="mute"]') as HTMLButtonElement).click();
    await flush();
    expect(called("set_room_notifications")).toEqual([{ roomId: "!r:x", mode: "mute" }]);
    expect(onClose).toHaveBeenCalled();
  });

  it("says why a change failed and stays open", async () => {
    tauri.handlers.set("set_room_tag", () => { throw { type: "forbidden" }; });
    const onClose = vi.fn();
    const menu = roomMenu(room({ roomId: "!r:x" }), { onClose });
    (menu.querySelector("#menu-low-priority") as HTMLButtonElement).click();
    await flush();
    expect(called("set_room_tag")).toEqual([{ roomId: "!r:x", tag: "lowPriority", on: true }]);
    expect(menu.querySelector("#room-menu-error")?.textContent).not.toBe("");
    expect(onClose).not.toHaveBeenCalled();
  });
});
