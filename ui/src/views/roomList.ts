import type { RoomSummary } from "../types";
import { clear, el } from "../dom";
import { previewText, roomTime } from "../format";
import { t } from "../i18n";

/** Renders the sidebar's rooms. Whole-list render: cheap at the sizes a person has,
 *  and it keeps the DOM exactly in step with the pushed list. */
export function renderRoomList(
  list: HTMLElement,
  rooms: RoomSummary[],
  selected: string | null,
  onOpen: (room: RoomSummary) => void,
): void {
  const hadFocus = (document.activeElement as HTMLElement | null)?.dataset?.roomId;
  clear(list);
  for (const room of rooms) {
    const unread = room.unreadNotifications > 0 || room.unreadMessages > 0;
    const count = room.unreadNotifications || room.unreadMessages;
    const item = el(
      "li",
      {
        class: ["room", unread && "unread", room.roomId === selected && "selected", room.isInvite && "invite"]
          .filter(Boolean).join(" "),
        "data-room-id": room.roomId,
        tabindex: "0",
        role: "option",
        "aria-selected": room.roomId === selected ? "true" : "false",
      },
      el("span", { class: "avatar", "aria-hidden": "true" }, room.avatarInitial),
      el(
        "span", { class: "room-text" },
        el("span", { class: "room-name" }, room.name),
        el("span", { class: "room-preview" }, room.isInvite ? t("room.invite") : previewText(room.lastMessage)),
      ),
      el(
        "span", { class: "room-meta" },
        el("span", { class: "room-time" }, roomTime(room.lastActivity)),
        count > 0
          ? el("span", {
              class: room.unreadMentions > 0 ? "badge mention" : "badge",
              title: room.unreadMentions > 0 ? t("room.mentions") : t("room.unread", { count }),
            }, String(count))
          : null,
      ),
    );
    item.addEventListener("click", () => onOpen(room));
    item.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        onOpen(room);
      }
    });
    list.append(item);
    if (hadFocus === room.roomId) item.focus();
  }
}
