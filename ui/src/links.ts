// Links in messages never navigate the app's window (nor open a new one). A click on
// a link inside a message asks Rust what to do with it (`open_link`): Rust re-checks
// the scheme and opens http/https/mailto in the system browser itself, or answers
// that it is a room link, which the app previews (the explore panel's join flow).
// Every other link in the document is simply held in place.
import { commands } from "./bindings";
import { errorText } from "./format";

/** The event a room link click raises on the document, for the main screen. */
export const ROOM_LINK_EVENT = "chappe:room-link";

export async function followLink(a: HTMLAnchorElement, doc: Document = document): Promise<void> {
  const href = a.getAttribute("href");
  if (!href) return;
  const res = await commands.openLink(href);
  if (res.status === "error") {
    const error = doc.getElementById("send-error");
    if (error) error.textContent = errorText(res.error);
    return;
  }
  if (res.data.kind === "room") {
    doc.dispatchEvent(new CustomEvent<string>(ROOM_LINK_EVENT, { detail: res.data.link }));
  }
}

export function installLinkGuard(doc: Document = document): void {
  for (const type of ["click", "auxclick"] as const) {
    doc.addEventListener(type, (ev) => {
      const a = (ev.target as Element | null)?.closest?.("a");
      if (!a) return;
      ev.preventDefault();
      // Only the primary button follows a message link; middle-click does nothing.
      if (type === "click" && a.closest(".message .body")) void followLink(a as HTMLAnchorElement, doc);
    });
  }
}
