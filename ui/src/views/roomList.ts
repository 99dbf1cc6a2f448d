import type { RoomSummary } from "../types";
import { cls, el, frameScheduler, reconcile } from "../dom";
import { colorSlot, previewText, roomTime, unreadCount } from "../format";
import { currentLang, t } from "../i18n";
import { formatNumber } from "../intl";

interface Entry {
  key: string;
  node: HTMLLIElement;
}

/** Rows drawn above and below the visible ones: a short scroll shows rows already built. */
export const OVERSCAN = 10;
/** A row's height in px until a drawn row is measured: `--room-row-height` (style.css)
 *  at the default font size. jsdom lays nothing out, so there it is always this. */
export const DEFAULT_ROW_PX = 55;
/** The list's height in px while it is not laid out (jsdom; the sidebar hidden on a
 *  narrow window): enough rows for a tall window; a resize redraws with the real one. */
export const DEFAULT_VIEWPORT_PX = 720;

/** The sidebar's room list (`#room-list`). Each room is an `li.room[data-room-id]`,
 *  focusable, opened by click, Enter or Space; arrow keys move between rooms.
 *
 *  Windowed (issue 10: a thousand rooms made the web process hold 300-400 MiB): only the
 *  rows in view, plus `OVERSCAN` rows either side, are in the DOM. The rows all have one
 *  height (`--room-row-height`), so the rows not drawn are the list's padding
 *  (`--rows-above`, `--rows-below`) and the scrollbar spans the whole list. The window
 *  moves on scroll (once per frame) and on resize. A short list is drawn whole, as
 *  before. Each row says where it stands in the whole list (`aria-posinset` of
 *  `aria-setsize`). A room outside the window has no `li`: callers that want one ask
 *  `reveal` / `focusRoom`, which scroll it into view first.
 *
 *  `render` rebuilds only the rows whose content changed and moves the others. */
export class RoomListView {
  readonly element: HTMLUListElement;
  /** The rows drawn, by room: their node and the key of what it shows. */
  private entries = new Map<string, Entry>();
  private rooms: readonly RoomSummary[] = [];
  private selected: string | null = null;
  private now = new Date();
  /** A drawn row's measured height; 0 until one was laid out. */
  private rowPx = 0;
  /** Measure a row at the next draw (first draw, after a resize). */
  private remeasure = true;
  private redraw = frameScheduler(() => this.draw());
  private unwatch: () => void;

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
    this.element.addEventListener("scroll", () => this.redraw.schedule(), { passive: true });
    // The list's own size: the window resized, or the sidebar shown again on a narrow one.
    const resized = () => {
      this.remeasure = true;
      this.redraw.schedule();
    };
    if (typeof ResizeObserver === "function") {
      const ro = new ResizeObserver(resized);
      ro.observe(this.element);
      this.unwatch = () => ro.disconnect();
    } else {
      window.addEventListener("resize", resized);
      this.unwatch = () => window.removeEventListener("resize", resized);
    }
  }

  /** Shows `rooms` (the list as filtered), `selected` marked. */
  render(rooms: readonly RoomSummary[], selected: string | null, now = new Date()): void {
    this.rooms = unique(rooms);
    this.selected = selected;
    this.now = now;
    this.redraw.cancel();
    this.draw();
  }

  /** How many rooms the list holds (drawn or not): what the benchmark's marks count. */
  get count(): number {
    return this.rooms.length;
  }

  /** Scrolls the room's row into view (the least needed) and draws it: its `li`, or
   *  `null` if the list does not hold the room. */
  reveal(roomId: string): HTMLLIElement | null {
    const i = this.rooms.findIndex((r) => r.roomId === roomId);
    if (i < 0) return null;
    const row = this.rowHeight();
    const top = i * row;
    const view = this.viewportHeight();
    const s = this.element;
    let scrolled = false;
    if (top < s.scrollTop) {
      s.scrollTop = top;
      scrolled = true;
    } else if (top + row > s.scrollTop + view) {
      s.scrollTop = top + row - view;
      scrolled = true;
    }
    if (scrolled || !this.entries.has(roomId)) this.draw();
    return this.entries.get(roomId)?.node ?? null;
  }

  /** Moves the keyboard focus to the room's row, scrolled into view; false if the list
   *  does not hold the room. */
  focusRoom(roomId: string): boolean {
    const li = this.reveal(roomId);
    li?.focus();
    return li !== null;
  }

  /** Stops watching the list's size (the screen is going away). */
  destroy(): void {
    this.redraw.cancel();
    this.unwatch();
  }

  /** The list's visible height in px. Tests override it: jsdom lays nothing out. */
  protected viewportHeight(): number {
    return this.element.clientHeight || DEFAULT_VIEWPORT_PX;
  }

  /** A row's height in px (they all have one: `--room-row-height`, in em, so its px
   *  follow the font size): as measured from a drawn row. Tests override it. */
  protected rowHeight(): number {
    return this.rowPx || DEFAULT_ROW_PX;
  }

  /** Draws the rows of the window the scroll position shows. */
  private draw(): void {
    const rooms = this.rooms;
    const n = rooms.length;
    const row = this.rowHeight();
    const view = this.viewportHeight();
    // The scroll position as the browser will clamp it once the list has its new length.
    const top = Math.min(this.element.scrollTop, Math.max(0, n * row - view));
    const first = Math.max(0, Math.min(n, Math.floor(top / row) - OVERSCAN));
    const end = Math.max(first, Math.min(n, Math.ceil((top + view) / row) + OVERSCAN));

    // The focused row stays in the DOM when it leaves the window: removing it would drop
    // the focus to the page, and the arrow keys with it. It is drawn just outside the
    // window, on its side (so the DOM keeps the list's order), in place of one row of
    // padding: more than `OVERSCAN` rows away from the visible ones, so not seen, and the
    // scrollbar unchanged. Moving on from it with the keys scrolls to its neighbour.
    const active = document.activeElement;
    const focusedId = active && this.element.contains(active)
      ? active.closest("li.room")?.getAttribute("data-room-id") ?? null : null;
    const f = focusedId === null ? -1 : rooms.findIndex((r) => r.roomId === focusedId);
    const pinnedAbove = f >= 0 && f < first;
    const pinnedBelow = f >= end;
    const indices: number[] = [];
    if (pinnedAbove) indices.push(f);
    for (let i = first; i < end; i++) indices.push(i);
    if (pinnedBelow) indices.push(f);
    this.space("--rows-above", (first - (pinnedAbove ? 1 : 0)) * row);
    this.space("--rows-below", (n - end - (pinnedBelow ? 1 : 0)) * row);

    const next = new Map<string, Entry>();
    const nodes: HTMLLIElement[] = [];
    const lang = currentLang();
    for (const i of indices) {
      const room = rooms[i]!;
      // A key of everything the row shows, for the drawn rows only: unchanged rooms keep their node.
      const selected = room.roomId === this.selected;
      const time = roomTime(room.lastActivity, this.now);
      const key = `${JSON.stringify(room)}|${selected}|${time}|${lang}`;
      let entry = this.entries.get(room.roomId);
      if (!entry || entry.key !== key) entry = { key, node: renderRoom(room, selected, time) };
      // Where it stands, apart from the key: a room moving down the list keeps its node.
      setAttr(entry.node, "aria-posinset", String(i + 1));
      setAttr(entry.node, "aria-setsize", String(n));
      next.set(room.roomId, entry);
      nodes.push(entry.node);
    }
    this.entries = next;
    reconcile(this.element, nodes);
    // A rebuilt or moved row loses focus; give it back so keyboard users stay put (where
    // they are: the row may be the one kept outside the window).
    if (focusedId && (!document.activeElement || document.activeElement === document.body)) {
      next.get(focusedId)?.node.focus({ preventScroll: true });
    }
    // The rows' height in px, once laid out: if the font makes it differ from what this
    // window was computed with, compute it again.
    if (this.remeasure && nodes[0]) {
      const h = nodes[0].getBoundingClientRect().height;
      if (h > 0) {
        this.remeasure = false;
        this.rowPx = h;
        if (this.rowHeight() !== row) this.draw();
      }
    }
  }

  /** The padding standing for rows not drawn (a CSSOM write: the CSP's `style-src 'self'`
   *  forbids style attributes in markup, not this). */
  private space(name: "--rows-above" | "--rows-below", px: number): void {
    if (px > 0) this.element.style.setProperty(name, `${px}px`);
    else this.element.style.removeProperty(name);
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
      // The neighbour in the whole list, drawn first if it is outside the window.
      ev.preventDefault();
      const i = this.rooms.findIndex((r) => r.roomId === li.getAttribute("data-room-id"));
      if (i >= 0) this.focusAt(i + (ev.key === "ArrowDown" ? 1 : -1));
    } else if (ev.key === "Home" || ev.key === "End") {
      // The first or last room of the whole list, not of the window.
      ev.preventDefault();
      this.focusAt(ev.key === "Home" ? 0 : this.rooms.length - 1);
    }
  }

  private focusAt(i: number): void {
    const room = this.rooms[i];
    if (room) this.focusRoom(room.roomId);
  }
}

/** `rooms` with each room once (a duplicate id would make two rows of one node). */
function unique(rooms: readonly RoomSummary[]): readonly RoomSummary[] {
  const seen = new Set<string>();
  for (const r of rooms) seen.add(r.roomId);
  if (seen.size === rooms.length) return rooms;
  seen.clear();
  return rooms.filter((r) => !seen.has(r.roomId) && seen.add(r.roomId));
}

function setAttr(node: Element, name: string, value: string): void {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
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
