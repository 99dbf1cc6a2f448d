import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("@tauri-apps/api/core", () => import("./test/tauri"));
import * as tauri from "./test/tauri";
import { installLinkGuard, ROOM_LINK_EVENT } from "./links";
import { setLang } from "./i18n";
import { msg } from "./test/fixtures";
import { renderMessage } from "./views/timeline";

installLinkGuard();

function click(a: Element, button = 0): MouseEvent {
  const ev = new MouseEvent(button === 1 ? "auxclick" : "click", { bubbles: true, cancelable: true, button });
  a.dispatchEvent(ev);
  return ev;
}

function mountMessage(html: string): HTMLElement {
  document.body.innerHTML = '<div class="room-view" data-room-id="!r:x"><ol id="tl"></ol><p id="send-error"></p></div>';
  const li = renderMessage(msg({ html, body: "lien" }), true);
  document.getElementById("tl")?.append(li);
  return li;
}

describe("links in messages", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
  });

  it("never lets the window navigate, and asks Rust to open web links", async () => {
    tauri.handlers.set("open_link", () => ({ kind: "browser", url: "https://example.org/" }));
    const li = mountMessage('<a href="https://example.org">site</a>');
    const ev = click(li.querySelector("a") as Element);
    expect(ev.defaultPrevented).toBe(true);
    await tauri.settle();
    expect(tauri.callsOf("open_link")).toEqual([{ url: "https://example.org" }]);
  });

  it("hands room links to the app's preview", async () => {
    tauri.handlers.set("open_link", ({ url }: { url: string }) =>
      ({ kind: "room", link: url, target: { room: "#forum:x", via: [] } }));
    const seen: string[] = [];
    document.addEventListener(ROOM_LINK_EVENT, (e) => seen.push((e as CustomEvent<string>).detail));
    const li = mountMessage('<a href="https://matrix.to/#/#forum:x">forum</a>');
    click(li.querySelector("a") as Element);
    await tauri.settle();
    expect(seen).toEqual(["https://matrix.to/#/#forum:x"]);
  });

  it("follows nothing Rust refuses, and nothing outside messages or on a middle click", async () => {
    tauri.handlers.set("open_link", () => ({ kind: "refused" }));
    const li = mountMessage('<a href="matrix:u/alice:x">alice</a>');
    expect(click(li.querySelector("a") as Element, 1).defaultPrevented).toBe(true);
    await tauri.settle();
    expect(tauri.callsOf("open_link")).toHaveLength(0);
    click(li.querySelector("a") as Element);
    await tauri.settle();
    expect(tauri.callsOf("open_link")).toHaveLength(1);
    const outside = document.createElement("a");
    outside.href = "https://example.org";
    document.body.append(outside);
    expect(click(outside).defaultPrevented).toBe(true);
    await tauri.settle();
    expect(tauri.callsOf("open_link")).toHaveLength(1);
  });
});
