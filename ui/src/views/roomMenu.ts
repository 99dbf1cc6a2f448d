// A room's menu in the sidebar (its "⋯" button, right click, or the context-menu key):
// favourite / low priority, and how much the room notifies. Each choice goes to the
// server; the list shows the new tag when the sync brings it back.
import { commands } from "../bindings";
import { el } from "../dom";
import { errorText } from "../format";
import { t, type StringKey } from "../i18n";
import { call } from "../ipc";
import type { RoomSummary } from "../types";
import type { NotificationMode } from "../bindings";

const MODES: readonly [NotificationMode, StringKey][] = [
  ["allMessages", "notify.allMessages"],
  ["mentionsAndKeywords", "notify.mentionsAndKeywords"],
  ["mute", "notify.mute"],
];

export interface RoomMenuOptions {
  onClose: () => void;
}

export function roomMenu(room: RoomSummary, opts: RoomMenuOptions): HTMLElement {
  const error = el("p", { id: "room-menu-error", class: "error", role: "alert" });
  const act = async (run: () => Promise<{ status: "ok" } | { status: "error"; error: Parameters<typeof errorText>[0] }>) => {
    error.textContent = "";
    const res = await run();
    if (res.status === "error") error.textContent = errorText(res.error);
    else opts.onClose();
  };
  const item = (id: string, label: string, run: () => void) => {
    const b = el("button", { id, type: "button", role: "menuitem", class: "menu-item" }, label);
    b.addEventListener("click", run);
    return b;
  };
  const favourite = item("menu-favourite", t(room.isFavourite ? "roomMenu.unfavourite" : "roomMenu.favourite"),
    () => void act(() => call(commands.setRoomTag(room.roomId, "favourite", !room.isFavourite))));
  const low = item("menu-low-priority", t(room.isLowPriority ? "roomMenu.unLowPriority" : "roomMenu.lowPriority"),
    () => void act(() => call(commands.setRoomTag(room.roomId, "lowPriority", !room.isLowPriority))));
  const modes = MODES.map(([mode, key]) => {
    const b = el("button", { type: "button", role: "menuitemradio", class: "menu-item", "data-mode": mode,
      "aria-checked": "false", disabled: true }, t(key));
    b.addEventListener("click", () => void act(() => call(commands.setRoomNotifications(room.roomId, mode))));
    return b;
  });
  void call(commands.roomNotifications(room.roomId)).then((res) => {
    if (res.status === "error") {
      error.textContent = errorText(res.error);
      return;
    }
    for (const b of modes) {
      b.disabled = false;
      const on = b.dataset.mode === res.data.mode;
      b.setAttribute("aria-checked", on ? "true" : "false");
      if (on && res.data.isDefault) b.append(" ", el("span", { class: "hint" }, t("notify.default")));
    }
  });
  // The title and the error sit beside the ARIA menu, which may only hold its items
  // (and a group of the notification choices, named by the visible section title).
  const menu = el("div", { id: "room-menu", class: "room-menu", "data-room-id": room.roomId, tabindex: "-1" },
    el("p", { id: "room-menu-title", class: "menu-title" }, room.name),
    el("div", { role: "menu", class: "menu-items", "aria-labelledby": "room-menu-title" },
      favourite, low,
      el("div", { role: "group", "aria-labelledby": "room-menu-section" },
        el("p", { id: "room-menu-section", class: "menu-section", role: "none" }, t("roomMenu.notifications")),
        ...modes)),
    error);
  menu.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      opts.onClose();
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const items = Array.from(menu.querySelectorAll<HTMLButtonElement>("button:not([disabled])"));
      const here = items.indexOf(document.activeElement as HTMLButtonElement);
      const next = ev.key === "ArrowDown" ? here + 1 : here - 1;
      items[(next + items.length) % items.length]?.focus();
    }
  });
  queueMicrotask(() => favourite.focus());
  return menu;
}
