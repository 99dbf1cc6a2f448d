// Actions on a message (react, delete, retry, discard), wired once for the whole
// document: every message carries `data-event-id`, every room view `data-room-id`, so
// one delegated listener serves all rooms and survives re-renders.
import { commands } from "./bindings";
import { el } from "./dom";
import { errorText, fullTime, messageTime } from "./format";
import { t } from "./i18n";
import { downloadMedia } from "./views/download";

/** What the composer is asked to do with a message: answer it or rewrite it. */
export interface ComposeRequest {
  mode: "reply" | "edit";
  itemId: string;
  senderName: string;
  body: string;
}

export async function runAction(button: HTMLElement): Promise<void> {
  const item = button.closest<HTMLElement>("li.message[data-event-id]");
  const room = button.closest<HTMLElement>("[data-room-id]");
  const action = button.dataset.action;
  if (!item || !room || !action) return;
  const roomId = room.dataset.roomId ?? "";
  const itemId = item.dataset.eventId ?? "";
  // Replying and editing happen in the composer: hand the message to the room view.
  if (action === "reply" || action === "edit") {
    room.dispatchEvent(new CustomEvent<ComposeRequest>("chappe:compose", {
      detail: { mode: action, itemId, senderName: item.dataset.senderName ?? "", body: item.dataset.body ?? "" },
    }));
    return;
  }
  if (action === "history") {
    await toggleHistory(button, item, roomId, itemId);
    return;
  }
  // Deleting is for everyone and cannot be undone: the first click asks to confirm.
  if (action === "delete" && button.dataset.confirm !== "1") {
    button.dataset.confirm = "1";
    button.textContent = t("action.deleteConfirm");
    return;
  }
  if (action === "open-media" || action === "save-media") {
    // The native "Save as" dialog opens from Rust; the bytes never pass through here.
    await downloadMedia(button, action);
    return;
  }
  button.setAttribute("disabled", "");
  const res =
    action === "react" ? await commands.toggleReaction(roomId, itemId, button.dataset.key ?? "👍")
    : action === "delete" ? await commands.deleteMessage(roomId, itemId)
    : action === "retry" ? await commands.retrySend(roomId, itemId)
    : action === "discard" ? await commands.discardSend(roomId, itemId)
    : null;
  button.removeAttribute("disabled");
  if (res && res.status === "error") {
    const error = document.getElementById("send-error");
    if (error) error.textContent = errorText(res.error);
  }
}

/** Shows (or hides) an edited message's versions under it, oldest first, fetched
 *  from the server each time (an edit may have arrived since). */
async function toggleHistory(button: HTMLElement, item: HTMLElement, roomId: string, itemId: string): Promise<void> {
  const shown = item.querySelector(".edit-history");
  if (shown) {
    shown.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  button.setAttribute("disabled", "");
  const res = await commands.editHistory(roomId, itemId);
  button.removeAttribute("disabled");
  if (res.status === "error") {
    const error = document.getElementById("send-error");
    if (error) error.textContent = errorText(res.error);
    return;
  }
  item.querySelector(".edit-history")?.remove();
  item.append(el("div", { class: "edit-history" },
    el("div", { class: "edit-history-title" }, t("timeline.editHistory")),
    el("ol", {}, ...res.data.map((v) => el("li", { class: "edit-version" },
      el("time", { title: fullTime(v.timestamp) || undefined }, messageTime(v.timestamp)),
      // Plain text: the versions are read, not rendered.
      el("span", { class: "edit-body" }, v.body))))));
  button.setAttribute("aria-expanded", "true");
}

export function installMessageActions(doc: Document = document): void {
  doc.addEventListener("click", (ev) => {
    const button = (ev.target as Element | null)?.closest?.<HTMLElement>("li.message button[data-action]");
    if (button) void runAction(button);
  });
}
