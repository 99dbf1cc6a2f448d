import { commands } from "../bindings";
import { el } from "../dom";
import { colorSlot, errorText } from "../format";
import { t } from "../i18n";
import { call, type Outcome } from "../ipc";
import type { RoomSummary } from "../types";

export interface InviteOptions {
  /** Accepted: the room (its ID as the server returned it) can be opened. */
  onJoined: (roomId: string) => void;
  /** Declined: the room list drops it by itself. */
  onDeclined: () => void;
  /** An answer is on its way (the main screen then leaves the panel alone). */
  onBusy?: (busy: boolean) => void;
}

/** What an invitation looks like before it is answered: the room, and Accept / Decline.
 *  Both buttons are disabled while the server answers; an error shows under them. */
export function invitePanel(room: RoomSummary, opts: InviteOptions): HTMLElement {
  const accept = el("button", { id: "invite-accept", type: "button", class: "primary" }, t("invite.accept"));
  const decline = el("button", { id: "invite-decline", type: "button", class: "secondary" }, t("invite.decline"));
  const error = el("p", { id: "invite-error", class: "error", role: "alert" });
  const root = el("section", { id: "invite-panel", class: "invite-panel", "data-room-id": room.roomId,
    "aria-labelledby": "invite-title" },
    el("span", { class: `avatar big c${colorSlot(room.roomId)}`, "aria-hidden": "true" }, room.avatarInitial || "#"),
    el("h2", { id: "invite-title" }, room.name),
    el("p", {}, t("invite.text")),
    el("div", { class: "invite-buttons" }, accept, decline),
    error);

  const run = async <T>(button: HTMLButtonElement, busyText: string, request: () => Promise<Outcome<T>>,
    done: (v: T) => void) => {
    const label = button.textContent;
    accept.disabled = true;
    decline.disabled = true;
    button.textContent = busyText;
    button.prepend(el("span", { class: "spinner-icon", "aria-hidden": "true" }));
    root.setAttribute("aria-busy", "true");
    error.textContent = "";
    opts.onBusy?.(true);
    const res = await request();
    opts.onBusy?.(false);
    root.removeAttribute("aria-busy");
    button.textContent = label;
    accept.disabled = false;
    decline.disabled = false;
    if (res.status === "ok") done(res.data);
    else error.textContent = errorText(res.error);
  };
  accept.addEventListener("click", () =>
    void run(accept, t("invite.accepting"), () => call(commands.acceptInvite(room.roomId)),
      (id) => opts.onJoined(id || room.roomId)));
  decline.addEventListener("click", () =>
    void run(decline, t("invite.declining"), () => call(commands.declineInvite(room.roomId)), () => opts.onDeclined()));
  queueMicrotask(() => accept.focus());
  return root;
}
