import type { RoomSummary } from "../types";
import { cls, el, reconcile } from "../dom";
import { colorSlot, previewText, roomTime, unreadCount } from "../format";
import { currentLang, t } from "../i18n";
import { formatNumber } from "../intl";

interface Entry {
  key: string;
  node: HTMLLIElement;
}

/** The sidebar's room list (`#room-list`). Each room is an `li.room[data-room-id]`,
 *  focusable, opened by click, Enter or Space; arrow keys move between rooms.
 *  `render` rebuilds only the rooms whose content changed and moves the others. */
export class RoomListView {
  readonly element: HTMLUListElement;
  private entries = new Map<string, Entry>();
  private rooms: readonly RoomSummary[] = [];

  /** `onMenu`: the room's "⋯" button, a right click, or the context-menu key. */
  constructor(private onOpen: (room: RoomSummary) => void, private onMenu: (room: RoomSummary) => void = () => {}) {
    this.element = el("ul", { id: "room-list", class: "room-list", role: "listbox", "aria-label": t("main.rooms") });
    this.element.addEventListener("click", (ev) => {
      const room = this.roomOf(ev.target);
      if (!room) return;
      if ((ev.target as Element).closest?.(".room-menu-button")) this.onMenu(room);
      else this.onOpen(room);
    });
    this.element.addEventListener("contextmenu", (ev) => {
      const room = this.roomOf(ev.target);
      if (!room || room.isInvite) return;
      ev.preventDefault();
      this.onMenu(room);
    });
    this.element.addEventListener("keydown", (ev) => this.onKey(ev));
  }

  render(rooms: readonly RoomSummary[], selected: string | null, now = new Date()): void {
    this.rooms = rooms;
    const focusedId = (document.activeElement as HTMLElement | null)?.closest?.("li.room")?.getAttribute("data-room-id");
    const next = new Map<string, Entry>();
    const nodes: HTMLLIElement[] = [];
    for (const room of rooms) {
      // A key of everything the item shows: unchanged rooms keep their node.
      const time = roomTime(room.lastActivity, now);
      const key = `${JSON.stringify(room)}|${room.roomId === selected}|${time}|${currentLang()}`;
      let entry = this.entries.get(room.roomId);
      if (next.has(room.roomId)) continue; // a duplicate id: show the room once
      if (!entry || entry.key !== key) entry = { key, node: renderRoom(room, room.roomId === selected, time) };
      next.set(room.roomId, entry);
      nodes.push(entry.node);
    }
    this.entries = next;
    reconcile(this.element, nodes);
    // A rebuilt or moved item loses focus; give it back so keyboard users stay put.
    if (focusedId && (!document.activeElement || document.activeElement === document.body)) {
      next.get(focusedId)?.node.focus();
    }
  }

  private roomOf(target: EventTarget | null): RoomSummary | undefined {
    const li = (target as Element | null)?.closest?.("li.room");
    const id = li?.getAttribute("data-room-id");
    return id ? this.rooms.find((r) => r.roomId === id) : undefined;
  }

  private onKey(ev: KeyboardEvent): void {
    const li = (ev.target as Element | null)?.closest?.("li.room") as HTMLElement | null;
    if (!li) return;
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      const room = this.roomOf(li);
      if (room) this.onOpen(room);
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      const sib = ev.key === "ArrowDown" ? li.nextElementSibling : li.previousElementSibling;
      (sib as HTMLElement | null)?.focus();
    } else if (ev.key === "Home" || ev.key === "End") {
      ev.preventDefault();
      const items = this.element.children;
      (items[ev.key === "Home" ? 0 : items.length - 1] as HTMLElement | undefined)?.focus();
    }
  }
}

export function renderRoom(room: RoomSummary, selected: boolean, time: string): HTMLLIElement {
  const count = unreadCount(room);
  const unread = count > 0;
  const mention = room.unreadMentions > 0;
  const preview = previewText(room.lastMessage);
  return el(
    "li",
    {
      class: cls("room", unread && "unread", mention && "mention", selected && "selected", room.isInvite && "invite",
        room.isFavourite && "favourite", room.isLowPriority && "low-priority"),
      "data-room-id": room.roomId,
      tabindex: "0",
      role: "option",
      "aria-selected": selected ? "true" : "false",
      "aria-keyshortcuts": room.isInvite ? null : "Shift+F10",
      title: room.name,
    },
    el("span", { class: `avatar c${colorSlot(room.roomId)}`, "aria-hidden": "true" }, room.avatarInitial || "#"),
    el(
      "span", { class: "room-text" },
      el("span", { class: "room-name" },
        room.isFavourite ? el("span", { class: "fav-mark", title: t("filter.favourites"), "aria-label": t("filter.favourites") }, "★ ") : null,
        room.name),
      el("span", { class: "room-preview" }, preview),
    ),
    el(
      "span", { class: "room-meta" },
      el("span", { class: "room-time" }, time),
      room.isInvite
        ? el("span", { class: "badge invite" }, t("room.invite"))
        : unread
          ? el("span", {
              class: cls("badge", mention && "mention"),
              title: mention ? t("room.mentions") : t("room.unread", { count }),
              "aria-label": mention ? t("room.mentions") : t("room.unread", { count }),
            }, count > 99 ? `${formatNumber(99)}+` : formatNumber(count))
          : null,
    ),
    // For the mouse only: an option may hold no control (ARIA), and the keyboard has
    // the context-menu key or Shift+F10 on the room, which open the same menu.
    room.isInvite ? null : el("span", { class: "room-menu-button", title: t("roomMenu.open"), "aria-hidden": "true" }, "⋯"),
  );
}
