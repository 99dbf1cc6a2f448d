import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n";
import { room } from "../test/fixtures";
import { RoomListView } from "./roomList";

const now = new Date(2026, 10, 23, 15, 0);
const at = (h: number, m: number) => new Date(2026, 10, 23, h, m).getTime();

describe("room list view", () => {
  beforeEach(() => {
    setLang("fr");
    document.body.innerHTML = "";
  });

  it("shows each room with avatar, name, preview, time and badge", () => {
    const view = new RoomListView(() => {});
    document.body.append(view.element);
    view.render([
      room({
        roomId: "!a:x", name: "Équipe", avatarInitial: "É", unreadMessages: 2, lastActivity: at(9, 5),
        lastMessage: { senderName: "Alice", isOwn: false, text: "bonjour", kind: "text" },
      }),
      room({ roomId: "!b:x", name: "Bob", avatarInitial: "B", unreadMessages: 5, unreadNotifications: 1, unreadMentions: 1 }),
      room({ roomId: "!c:x", name: "Calme", avatarInitial: "C" }),
      room({ roomId: "!d:x", name: "Nouveau", avatarInitial: "N", isInvite: true }),
    ], null, now);
    expect(view.element.id).toBe("room-list");
    const lis = [...view.element.querySelectorAll("li.room")] as HTMLElement[];
    expect(lis.map((li) => li.dataset.roomId)).toEqual(["!a:x", "!b:x", "!c:x", "!d:x"]);
    const [a, b, c, d] = lis as [HTMLElement, HTMLElement, HTMLElement, HTMLElement];
    expect(a.querySelector(".avatar")?.textContent).toBe("É");
    expect(a.querySelector(".room-name")?.textContent).toBe("Équipe");
    expect(a.querySelector(".room-preview")?.textContent).toBe("Alice : bonjour");
    expect(a.querySelector(".room-time")?.textContent).toBe("09:05");
    expect(a.querySelector(".badge")?.textContent).toBe("2");
    expect(a.classList.contains("unread")).toBe(true);
    expect(a.querySelector(".badge.mention")).toBeNull();
    // Notifications counted by the server win over the client's message count; mentions stand out.
    expect(b.querySelector(".badge.mention")?.textContent).toBe("1");
    expect(b.classList.contains("mention")).toBe(true);
    expect(c.classList.contains("unread")).toBe(false);
    expect(c.querySelector(".badge")).toBeNull();
    expect(d.classList.contains("invite")).toBe(true);
    expect(d.querySelector(".badge.invite")?.textContent).toBe("Invitation");
    for (const li of lis) expect(li.getAttribute("tabindex")).toBe("0");
  });

  it("marks the selected room", () => {
    const view = new RoomListView(() => {});
    view.render([room({ roomId: "!a:x" }), room({ roomId: "!b:x" })], "!b:x", now);
    const sel = view.element.querySelectorAll("li.selected");
    expect(sel.length).toBe(1);
    expect((sel[0] as HTMLElement).dataset.roomId).toBe("!b:x");
    expect(sel[0]?.getAttribute("aria-selected")).toBe("true");
  });

  it("opens a room on click, Enter and Space", () => {
    const onOpen = vi.fn();
    const view = new RoomListView(onOpen);
    document.body.append(view.element);
    view.render([room({ roomId: "!a:x" }), room({ roomId: "!b:x", name: "Deux" })], null, now);
    const b = view.element.querySelector('li[data-room-id="!b:x"]') as HTMLElement;
    (b.querySelector(".room-name") as HTMLElement).click();
    b.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    b.dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
    b.dispatchEvent(new KeyboardEvent("keydown", { key: "x", bubbles: true }));
    expect(onOpen).toHaveBeenCalledTimes(3);
    expect(onOpen.mock.calls.every((c) => c[0].roomId === "!b:x")).toBe(true);
  });

  it("moves focus with the arrow keys", () => {
    const view = new RoomListView(() => {});
    document.body.append(view.element);
    view.render([room({ roomId: "!a:x" }), room({ roomId: "!b:x" })], null, now);
    const [a, b] = [...view.element.children] as HTMLElement[];
    a?.focus();
    a?.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
    expect(document.activeElement).toBe(b);
    b?.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowUp", bubbles: true }));
    expect(document.activeElement).toBe(a);
  });

  it("rebuilds only the rooms that changed, and moves the others", () => {
    const view = new RoomListView(() => {});
    document.body.append(view.element);
    const rooms = [room({ roomId: "!a:x" }), room({ roomId: "!b:x" }), room({ roomId: "!c:x" })];
    view.render(rooms, null, now);
    const before = [...view.element.children];
    // A new message in !c moves it to the top; the others keep their nodes.
    view.render([room({ roomId: "!c:x", unreadMessages: 1 }), rooms[0]!, rooms[1]!], null, now);
    const after = [...view.element.children];
    expect(after[1]).toBe(before[0]);
    expect(after[2]).toBe(before[1]);
    expect(after[0]).not.toBe(before[2]);
    expect(after[0]?.querySelector(".badge")?.textContent).toBe("1");
    // Identical content, new objects (a `reset`): nothing is rebuilt.
    view.render([room({ roomId: "!c:x", unreadMessages: 1 }), room({ roomId: "!a:x" }), room({ roomId: "!b:x" })], null, now);
    expect([...view.element.children]).toEqual(after);
    view.render([], null, now);
    expect(view.element.children.length).toBe(0);
  });

  it("keeps keyboard focus on a room that was re-rendered", () => {
    const view = new RoomListView(() => {});
    document.body.append(view.element);
    view.render([room({ roomId: "!a:x" }), room({ roomId: "!b:x" })], null, now);
    (view.element.children[1] as HTMLElement).focus();
    view.render([room({ roomId: "!b:x", unreadMessages: 3 }), room({ roomId: "!a:x" })], null, now);
    expect((document.activeElement as HTMLElement).dataset.roomId).toBe("!b:x");
  });
  it("opens a room's menu from its button or a right click, not the room", () => {
    const onOpen = vi.fn();
    const onMenu = vi.fn();
    const view = new RoomListView(onOpen, onMenu);
    document.body.append(view.element);
    view.render([room({ roomId: "!a:x", isFavourite: true }), room({ roomId: "!i:x", isInvite: true })], null, now);
    const a = view.element.querySelector('li[data-room-id="!a:x"]') as HTMLElement;
    expect(a.classList.contains("favourite")).toBe(true);
    expect(a.querySelector(".fav-mark")).not.toBeNull();
    (a.querySelector(".room-menu-button") as HTMLElement).click();
    a.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true }));
    expect(onMenu).toHaveBeenCalledTimes(2);
    expect(onOpen).not.toHaveBeenCalled();
    // An invitation has no menu: it is answered in the pane.
    const i = view.element.querySelector('li[data-room-id="!i:x"]') as HTMLElement;
    expect(i.querySelector(".room-menu-button")).toBeNull();
    i.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true }));
    expect(onMenu).toHaveBeenCalledTimes(2);
  });
});
