import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("@tauri-apps/api/core", () => import("./test/tauri"));
import * as tauri from "./test/tauri";
import { runAction } from "./actions";
import { msg } from "./test/fixtures";
import { setLang } from "./i18n";
import { renderMessage } from "./views/timeline";

function mount(item = msg()): HTMLElement {
  document.body.innerHTML = '<div class="room-view" data-room-id="!r:x"><ol id="tl"></ol><p id="send-error"></p></div>';
  const li = renderMessage(item, true);
  document.getElementById("tl")?.append(li);
  return li;
}

describe("message actions", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
  });

  it("shows replies, reactions and who read an own message", () => {
    const li = mount(msg({
      isOwn: true, inReplyTo: { senderName: "Bob", body: "On se voit ?" },
      reactions: [{ key: "👍", count: 2, mine: true, senders: ["@a:x", "@b:x"] }],
      readBy: ["@bob:x"],
    }));
    expect(li.querySelector(".reply-quote")?.textContent).toBe("BobOn se voit ?");
    const chip = li.querySelector<HTMLElement>(".reaction");
    expect(chip?.textContent).toBe("👍 2");
    expect(chip?.classList.contains("mine")).toBe(true);
    expect(li.querySelector(".read-by")?.textContent).toBe("Lu par bob");
  });

  it("toggles a reaction on the right room and message", async () => {
    tauri.handlers.set("toggle_reaction", () => true);
    const li = mount();
    await runAction(li.querySelector<HTMLElement>('button[data-action="react"]') as HTMLElement);
    expect(tauri.calls.at(-1)).toEqual({ cmd: "toggle_reaction", args: { roomId: "!r:x", itemId: "$1", key: "👍" } });
  });

  it("asks before deleting, then deletes", async () => {
    tauri.handlers.set("delete_message", () => null);
    const li = mount(msg({ isOwn: true }));
    const del = li.querySelector<HTMLElement>('button[data-action="delete"]') as HTMLElement;
    await runAction(del);
    expect(tauri.calls).toHaveLength(0);
    expect(del.textContent).toBe("Confirmer la suppression");
    await runAction(del);
    expect(tauri.calls.at(-1)?.cmd).toBe("delete_message");
  });

  it("offers retry and discard on a failed message, and words errors", async () => {
    tauri.handlers.set("retry_send", () => { throw { type: "notSentYet" }; });
    const li = mount(msg({ isOwn: true, sendState: { state: "failed", recoverable: false, reason: "413" } }));
    expect(li.querySelector('button[data-action="discard"]')).not.toBeNull();
    await runAction(li.querySelector<HTMLElement>('button[data-action="retry"]') as HTMLElement);
    expect(document.getElementById("send-error")?.textContent).toBe("Ce message n'est pas encore envoyé.");
  });

  it("lists an edited message's versions under it, and hides them again", async () => {
    tauri.handlers.set("edit_history", () => [
      { body: "Réunion à 10 h", html: null, timestamp: 1 },
      { body: "Réunion à 11 h", html: null, timestamp: 2 },
    ]);
    const li = mount(msg({ edited: true, body: "Réunion à 11 h" }));
    const edited = li.querySelector<HTMLElement>('button[data-action="history"]') as HTMLElement;
    expect(edited.textContent).toBe("(modifié)");
    await runAction(edited);
    expect(tauri.calls.at(-1)).toEqual({ cmd: "edit_history", args: { roomId: "!r:x", itemId: "$1" } });
    expect([...li.querySelectorAll(".edit-version .edit-body")].map((e) => e.textContent))
      .toEqual(["Réunion à 10 h", "Réunion à 11 h"]);
    expect(edited.getAttribute("aria-expanded")).toBe("true");
    await runAction(edited);
    expect(li.querySelector(".edit-history")).toBeNull();
  });
});
