// The main screen's keyboard shortcuts, as a pure function of the key event so they
// are tested without a screen:
//   Ctrl+K (⌘K on macOS)  the room switcher (go to a room by its name)
//   Alt+↑ / Alt+↓         the previous / next room of the list, as it is shown
// Escape is handled by each dialog, panel and menu itself (it closes what has focus).

export type Shortcut = "switcher" | "previousRoom" | "nextRoom";

export function shortcutOf(ev: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">): Shortcut | null {
  const mod = ev.ctrlKey || ev.metaKey;
  if (mod && !ev.altKey && !ev.shiftKey && ev.key.toLowerCase() === "k") return "switcher";
  if (ev.altKey && !mod && !ev.shiftKey) {
    if (ev.key === "ArrowUp") return "previousRoom";
    if (ev.key === "ArrowDown") return "nextRoom";
  }
  return null;
}

/** The room Alt+↑/↓ goes to in `ids` (the list as shown): the one before or after
 *  `current`, else the first (↓) or last (↑) when no room of the list is open; `null`
 *  at either end (no wrapping, as in a list) or for an empty list. */
export function neighbour(ids: readonly string[], current: string | null, step: -1 | 1): string | null {
  if (ids.length === 0) return null;
  const here = current === null ? -1 : ids.indexOf(current);
  if (here === -1) return (step === 1 ? ids[0] : ids.at(-1)) ?? null;
  return ids[here + step] ?? null;
}
