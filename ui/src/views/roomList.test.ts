import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../i18n";
import { room } from "../test/fixtures";
import type { RoomSummary } from "../types";
import { OVERSCAN, RoomListView } from "./roomList";

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

  describe("with many rooms, only a window of them", () => {
    // jsdom lays nothing out: the view is told its sizes. 10 rows of 50 px are visible.
    const ROW = 50;
    const VIEW = 500;
    class Sized extends RoomListView {
      protected override viewportHeight(): number {
        return VIEW;
      }
      protected override rowHeight(): number {
        return ROW;
      }
    }
    const many = (n: number): RoomSummary[] =>
      Array.from({ length: n }, (_, i) => room({ roomId: `!r${i}:x`, name: `Salon ${i}` }));
    const rows = (view: RoomListView) => [...view.element.querySelectorAll("li.room")] as HTMLElement[];
    const ids = (view: RoomListView) => rows(view).map((li) => li.dataset.roomId);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `!r${from + i}:x`);
    const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    const press = (target: Element, key: string) =>
      target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    const focused = () => (document.activeElement as HTMLElement).dataset.roomId;
    let view: Sized;

    beforeEach(() => {
      view = new Sized(() => {});
      document.body.append(view.element);
      view.render(many(1000), null, now);
    });

    it("draws the rows in view and 10 below; the padding stands for the rest", () => {
      expect(OVERSCAN).toBe(10);
      expect(ids(view)).toEqual(range(0, 20));
      expect(view.count).toBe(1000);
      for (const [i, li] of rows(view).entries()) {
        expect(li.getAttribute("aria-setsize")).toBe("1000");
        expect(li.getAttribute("aria-posinset")).toBe(String(i + 1));
        expect(li.getAttribute("role")).toBe("option");
      }
      expect(view.element.style.getPropertyValue("--rows-above")).toBe("");
      expect(view.element.style.getPropertyValue("--rows-below")).toBe(`${980 * ROW}px`);
    });

    it("computes what a row shows for the drawn rows only", () => {
      const stringify = vi.spyOn(JSON, "stringify");
      try {
        view.render(many(1000), "!r3:x", now);
        expect(stringify).toHaveBeenCalledTimes(20);
      } finally {
        stringify.mockRestore();
      }
      expect(rows(view)[3]?.classList.contains("selected")).toBe(true);
    });

    it("moves the window on scroll, once per frame", async () => {
      view.element.scrollTop = 100 * ROW;
      view.element.dispatchEvent(new Event("scroll"));
      view.element.dispatchEvent(new Event("scroll"));
      expect(ids(view)).toEqual(range(0, 20)); // not before the frame
      await frame();
      // Rows 100-109 visible, 10 more either side.
      expect(ids(view)).toEqual(range(90, 120));
      expect(rows(view).map((li) => li.getAttribute("aria-posinset"))).toEqual(range(91, 121).map((id) => id.slice(2, -2)));
      expect(view.element.style.getPropertyValue("--rows-above")).toBe(`${90 * ROW}px`);
      expect(view.element.style.getPropertyValue("--rows-below")).toBe(`${880 * ROW}px`);
      // At the very end: no padding below, the last row drawn.
      view.element.scrollTop = 1000 * ROW - VIEW;
      view.element.dispatchEvent(new Event("scroll"));
      await frame();
      expect(ids(view)).toEqual(range(980, 1000));
      expect(rows(view).at(-1)?.getAttribute("aria-posinset")).toBe("1000");
      expect(view.element.style.getPropertyValue("--rows-below")).toBe("");
    });

    it("a list that shrank under the scroll position shows its end at once", () => {
      view.element.scrollTop = 900 * ROW;
      view.render(many(100), null, now);
      expect(ids(view)).toEqual(range(80, 100));
    });

    it("moves focus with the arrow keys across the window's edge", () => {
      const last = rows(view).at(-1)!;
      expect(last.dataset.roomId).toBe("!r19:x");
      last.focus();
      press(last, "ArrowDown");
      expect(focused()).toBe("!r20:x");
      expect((document.activeElement as HTMLElement).getAttribute("aria-posinset")).toBe("21");
      // Scrolled just enough to show it at the bottom.
      expect(view.element.scrollTop).toBe(21 * ROW - VIEW);

      view.element.scrollTop = 100 * ROW;
      view.element.dispatchEvent(new Event("scroll"));
      view.render(many(1000), null, now); // (a render draws the window at once)
      // (The focused row, now far above, is kept first.)
      expect(ids(view).slice(0, 2)).toEqual(["!r20:x", "!r90:x"]);
      const top = rows(view)[1]!;
      top.focus();
      press(top, "ArrowUp");
      expect(focused()).toBe("!r89:x");
      expect(view.element.scrollTop).toBe(89 * ROW);
      expect(ids(view)[0]).toBe("!r79:x");
    });

    it("Home and End go to the first and last rooms of the whole list", () => {
      const first = rows(view)[0]!;
      first.focus();
      press(first, "End");
      expect(focused()).toBe("!r999:x");
      expect((document.activeElement as HTMLElement).getAttribute("aria-posinset")).toBe("1000");
      expect(view.element.scrollTop).toBe(1000 * ROW - VIEW);
      expect(rows(view).length).toBeLessThanOrEqual(2 * OVERSCAN + VIEW / ROW);
      press(document.activeElement!, "Home");
      expect(focused()).toBe("!r0:x");
      expect(view.element.scrollTop).toBe(0);
    });

    it("keeps the focused room drawn and focused when it scrolls out, and across re-renders", async () => {
      const five = rows(view)[5]!;
      five.focus();
      view.element.scrollTop = 100 * ROW;
      view.element.dispatchEvent(new Event("scroll"));
      await frame();
      // Kept just above the window, in place of one row of padding.
      expect(document.activeElement).toBe(five);
      expect(five.isConnected).toBe(true);
      expect(ids(view)).toEqual(["!r5:x", ...range(90, 120)]);
      expect(view.element.style.getPropertyValue("--rows-above")).toBe(`${89 * ROW}px`);
      // Its content changes: a new node, focused again.
      const changed = many(1000);
      changed[5] = room({ roomId: "!r5:x", name: "Salon 5", unreadMessages: 2 });
      view.render(changed, null, now);
      expect(focused()).toBe("!r5:x");
      expect(document.activeElement).not.toBe(five);
      expect(document.activeElement?.querySelector(".badge")?.textContent).toBe("2");
      // Moving on from it scrolls back to its neighbour.
      press(document.activeElement!, "ArrowDown");
      expect(focused()).toBe("!r6:x");
      expect(view.element.scrollTop).toBe(6 * ROW);
      expect(ids(view)).toEqual(range(0, 26));
    });

    it("reveal and focusRoom scroll a room outside the window into view", () => {
      expect(view.reveal("!r500:x")?.dataset.roomId).toBe("!r500:x");
      expect(view.element.scrollTop).toBe(501 * ROW - VIEW);
      expect(ids(view)).toContain("!r500:x");
      // Already in view: nothing moves.
      view.reveal("!r495:x");
      expect(view.element.scrollTop).toBe(501 * ROW - VIEW);
      expect(view.focusRoom("!r3:x")).toBe(true);
      expect(focused()).toBe("!r3:x");
      expect(view.element.scrollTop).toBe(3 * ROW);
      expect(view.reveal("!unknown:x")).toBeNull();
      expect(view.focusRoom("!unknown:x")).toBe(false);
    });

    it("a short list is drawn whole, with no padding", () => {
      const small = new RoomListView(() => {}); // jsdom's sizes: the defaults
      document.body.append(small.element);
      small.render(many(5), null, now);
      expect(ids(small)).toEqual(range(0, 5));
      expect([...small.element.children].every((c) => c.matches("li.room"))).toBe(true);
      expect(rows(small).map((li) => [li.getAttribute("aria-posinset"), li.getAttribute("aria-setsize")]))
        .toEqual([["1", "5"], ["2", "5"], ["3", "5"], ["4", "5"], ["5", "5"]]);
      expect(small.element.style.getPropertyValue("--rows-above")).toBe("");
      expect(small.element.style.getPropertyValue("--rows-below")).toBe("");
      expect(small.count).toBe(5);
      small.destroy();
    });
  });
});
