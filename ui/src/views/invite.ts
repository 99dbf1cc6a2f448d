import { commands } from "../bindings";
import { el } from "../dom";
import { colorSlot, errorText } from "../format";
import { t } from "../i18n";
import { call } from "../ipc";
import type { RoomSummary } from "../types";

/** What an invitation looks like before it is answered: the room, and Accept / Decline.
 *  The room list pushes the outcome (joined, or gone); `onJoined` opens the room. */
export function invitePanel(room: RoomSummary, onJoined: () => void, onDeclined: () => void): HTMLElement {
  const accept = el("button", { id: "invite-accept", type: "button", class: "primary" }, t("invite.accept"));
  const decline = el("button", { id: "invite-decline", type: "button" }, t("invite.decline"));
  const error = el("p", { id: "invite-error", class: "error", role: "alert" });
  const busy = (on: boolean) => {
    accept.disabled = on;
    decline.disabled = on;
  };
  accept.addEventListener("click", async () => {
    busy(true);
    error.textContent = "";
    const res = await call(commands.acceptInvite(room.roomId));
    busy(false);
    if (res.status === "ok") onJoined();
    else error.textContent = errorText(res.error);
  });
  decline.addEventListener("click", async () => {
    busy(true);
    error.textContent = "";
    const res = await call(commands.declineInvite(room.roomId));
    busy(false);
    if (res.status === "ok") onDeclined();
    else error.textContent = errorText(res.error);
  });
  return el("div", { id: "invite-panel", class: "invite-panel", "data-room-id": room.roomId },
    el("span", { class: `avatar big c${colorSlot(room.roomId)}`, "aria-hidden": "true" }, room.avatarInitial || "#"),
    el("h2", {}, room.name),
    el("p", {}, t("invite.text")),
    el("div", { class: "invite-buttons" }, accept, decline),
    error);
}
