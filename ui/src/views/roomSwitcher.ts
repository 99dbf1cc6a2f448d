// The room switcher (Ctrl+K): a modal dialog with a search field over every room
// (name search without accents, as the sidebar's), the matches listed below. The field
// keeps the focus (a combobox, WAI-ARIA's pattern): ↑/↓ move the highlighted room,
// Enter opens it, Escape closes and gives the focus back where it was. Tab stays in
// the dialog (it has one field).
import { el } from "../dom";
import { colorSlot } from "../format";
import { t } from "../i18n";
import { visibleRooms } from "../roomFilter";
import type { RoomSummary } from "../types";

/** At most this many rooms listed; typing narrows further. */
export const SWITCHER_MAX = 50;

export interface SwitcherOptions {
  rooms: () => readonly RoomSummary[];
  onPick: (room: RoomSummary) => void;
  /** After closing (picked or not); the switcher has already given the focus back. */
  onClose?: () => void;
}

export interface RoomSwitcher {
  element: HTMLElement;
  close: () => void;
}

export function roomSwitcher(opts: SwitcherOptions): RoomSwitcher {
  const before = document.activeElement as HTMLElement | null;
  const input = el("input", { id: "switcher-input", type: "text", role: "combobox", autocomplete: "off",
    spellcheck: "false", "aria-expanded": "true", "aria-controls": "switcher-results", "aria-autocomplete": "list",
    "aria-describedby": "switcher-hint", placeholder: t("switcher.placeholder"), "aria-label": t("switcher.label") });
  const list = el("ul", { id: "switcher-results", class: "switcher-results", role: "listbox", "aria-label": t("switcher.title") });
  const empty = el("p", { id: "switcher-empty", class: "hint", hidden: true }, t("switcher.none"));
  const count = el("p", { id: "switcher-count", class: "visually-hidden", role: "status" });
  const dialog = el("div", { id: "room-switcher", class: "switcher", role: "dialog", "aria-modal": "true",
    "aria-labelledby": "switcher-title" },
    el("h2", { id: "switcher-title", class: "visually-hidden" }, t("switcher.title")),
    input, el("p", { id: "switcher-hint", class: "hint" }, t("switcher.hint")), list, empty, count);
  const backdrop = el("div", { class: "switcher-backdrop" }, dialog);
  let shown: RoomSummary[] = [];
  let active = 0;
  let closed = false;

  const highlight = (i: number) => {
    active = Math.max(0, Math.min(i, shown.length - 1));
    Array.from(list.children).forEach((li, n) => li.setAttribute("aria-selected", n === active ? "true" : "false"));
    const li = list.children[active] as HTMLElement | undefined;
    if (li) {
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView?.({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const render = () => {
    shown = visibleRooms(opts.rooms(), "all", input.value).slice(0, SWITCHER_MAX);
    list.replaceChildren(...shown.map((room, n) => {
      const li = el("li", { id: `switcher-option-${n}`, role: "option", class: "switcher-option",
        "data-room-id": room.roomId, "aria-selected": "false" },
        el("span", { class: `avatar small c${colorSlot(room.roomId)}`, "aria-hidden": "true" }, room.avatarInitial || "#"),
        el("span", { class: "result-name" }, room.name));
      // A click must not take the focus from the field first.
      li.addEventListener("mousedown", (ev) => ev.preventDefault());
      li.addEventListener("click", () => pick(room));
      return li;
    }));
    empty.hidden = shown.length > 0;
    count.textContent = t("switcher.results", { count: shown.length });
    highlight(0);
  };
  const close = () => {
    if (closed) return;
    closed = true;
    backdrop.remove();
    document.removeEventListener("focusin", keepFocus);
    if (before && before.isConnected) before.focus();
    opts.onClose?.();
  };
  const pick = (room: RoomSummary) => {
    close();
    opts.onPick(room);
  };
  // Modal: the focus never leaves the dialog while it is open.
  const keepFocus = (ev: FocusEvent) => {
    if (!closed && !dialog.contains(ev.target as Node)) input.focus();
  };

  input.addEventListener("input", render);
  dialog.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      ev.stopPropagation();
      close();
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      highlight(active + (ev.key === "ArrowDown" ? 1 : -1));
    } else if (ev.key === "Home" && ev.ctrlKey) {
      ev.preventDefault();
      highlight(0);
    } else if (ev.key === "End" && ev.ctrlKey) {
      ev.preventDefault();
      highlight(shown.length - 1);
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      const room = shown[active];
      if (room) pick(room);
    } else if (ev.key === "Tab") {
      ev.preventDefault();
      input.focus();
    }
  });
  backdrop.addEventListener("mousedown", (ev) => {
    if (ev.target === backdrop) close();
  });
  render();
  document.addEventListener("focusin", keepFocus);
  queueMicrotask(() => input.focus());
  return { element: backdrop, close };
}
