// Chappe's UI: shows what the Rust side pushes, and sends the user's actions back.
// It never talks to the network; every call goes through the generated `commands`.
import { Channel } from "@tauri-apps/api/core";
import { commands, type ListDiff, type SyncStatus } from "./bindings";
import type { Me, RoomSummary, TimelineItemView } from "./types";
import { applyDiff } from "./diff";
import { clear, el } from "./dom";
import { errorText } from "./format";
import { t } from "./i18n";
import { showLogin } from "./views/login";
import { renderRoomList } from "./views/roomList";
import { renderItem } from "./views/timeline";
import "./style.css";

const root = document.getElementById("app") as HTMLElement;

// tauri-specta types a Channel's payload in its `_Deserialize` form (optional fields),
// but Rust serialises what it pushes, so every field is present: the `_Serialize` form
// the UI uses is the accurate one. This is the one place that bridges the two.
type PushedAs<C> = C extends (channel: infer P) => unknown ? P : never;
type OpenRoomChannel = Parameters<typeof commands.openRoom>[1];
function pushed<T, P>(channel: Channel<T>): P {
  return channel as unknown as P;
}

async function boot(): Promise<void> {
  const info = await commands.appInfo();
  const restored = await commands.restoreSession();
  if (restored.status === "ok" && restored.data) {
    showMain(restored.data);
  } else {
    showLogin(root, info.status === "ok" ? info.data : null, showMain);
    if (restored.status === "error") {
      const e = document.getElementById("login-error");
      if (e) e.textContent = errorText(restored.error);
    }
  }
}

function syncText(s: SyncStatus): string | null {
  switch (s.state) {
    case "running":
      return null;
    case "starting":
      return t("sync.starting");
    case "offline":
      return t("sync.offline");
    case "error":
      return t("sync.error");
    case "sessionExpired":
      return t("sync.sessionExpired");
    case "stopped":
      return t("sync.stopped");
  }
}

function showMain(me: Me): void {
  clear(root);
  let rooms: RoomSummary[] = [];
  let selected: RoomSummary | null = null;
  let roomsLoaded = false;

  const banner = el("div", { id: "sync-banner", class: "banner", role: "status", hidden: true });
  const list = el("ul", { id: "room-list", role: "listbox", "aria-label": t("main.rooms") });
  const empty = el("p", { class: "empty" }, t("main.loadingRooms"));
  const logout = el("button", { id: "logout", type: "button", class: "link" }, t("main.logout"));
  const sidebar = el(
    "aside", { class: "sidebar" },
    el("header", { class: "me" },
      el("span", { class: "me-name", title: me.userId }, me.displayName ?? me.userId),
      logout),
    banner,
    el("h2", { class: "section" }, t("main.rooms")),
    list,
    empty,
  );
  const pane = el("section", { class: "room-pane" }, el("p", { class: "empty center" }, t("main.pickRoom")));
  root.append(el("div", { class: "main" }, sidebar, pane));

  const redrawRooms = () => {
    renderRoomList(list, rooms, selected?.roomId ?? null, openRoom);
    empty.hidden = rooms.length > 0;
    empty.textContent = roomsLoaded ? t("main.noRooms") : t("main.loadingRooms");
  };
  let roomsFrame = 0;
  const roomsChannel = new Channel<ListDiff<RoomSummary>>();
  roomsChannel.onmessage = (d) => {
    applyDiff(rooms, d);
    roomsLoaded = true;
    if (selected) selected = rooms.find((r) => r.roomId === selected?.roomId) ?? selected;
    // Diffs arrive in bursts; draw once per frame.
    if (!roomsFrame) roomsFrame = requestAnimationFrame(() => { roomsFrame = 0; redrawRooms(); });
  };
  void commands.subscribeRooms(pushed<ListDiff<RoomSummary>, PushedAs<typeof commands.subscribeRooms>>(roomsChannel));

  const statusChannel = new Channel<SyncStatus>();
  statusChannel.onmessage = (s) => {
    const text = syncText(s);
    banner.hidden = text === null;
    banner.textContent = text ?? "";
    banner.className = `banner ${s.state}`;
    if (s.state === "running") roomsLoaded = true;
  };
  void commands.subscribeSyncStatus(statusChannel);

  logout.addEventListener("click", async () => {
    logout.setAttribute("disabled", "");
    await commands.logout();
    location.reload();
  });

  // Each opened room gets a generation number: messages from the channel of a room
  // that was closed since are dropped.
  let generation = 0;
  function openRoom(room: RoomSummary): void {
    selected = room;
    redrawRooms();
    const gen = ++generation;
    const items: TimelineItemView[] = [];
    const timeline = el("ol", { id: "timeline", "aria-live": "polite" });
    const spinner = el("div", { class: "spinner", hidden: true }, t("timeline.loading"));
    const scroller = el("div", { class: "timeline-scroll" }, spinner, timeline);
    const composer = el("textarea", {
      id: "composer", rows: "1", placeholder: t("composer.placeholder"), "aria-label": t("composer.placeholder"),
      title: t("composer.hint"),
    });
    const send = el("button", { id: "send", type: "button", class: "primary" }, t("composer.send"));
    const sendError = el("p", { id: "send-error", class: "error", role: "alert" });
    clear(pane);
    pane.append(
      el("header", { class: "room-header" },
        el("span", { class: "avatar", "aria-hidden": "true" }, room.avatarInitial),
        el("h2", {}, room.name)),
      scroller,
      el("div", { class: "composer" }, composer, send),
      sendError,
    );

    let atBottom = true;
    let reachedStart = false;
    let paginating = false;
    const draw = () => {
      clear(timeline);
      let prev: TimelineItemView | undefined;
      for (const item of items) {
        timeline.append(renderItem(item, prev));
        prev = item;
      }
      if (atBottom) scroller.scrollTop = scroller.scrollHeight;
    };
    let frame = 0;
    const channel = new Channel<ListDiff<TimelineItemView>>();
    channel.onmessage = (d) => {
      if (gen !== generation) return;
      applyDiff(items, d);
      if (!frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          draw();
          if (document.hasFocus() && atBottom) void commands.markRead(room.roomId);
          if (items.length < 20) void paginate();
        });
      }
    };
    const paginate = async () => {
      if (paginating || reachedStart || gen !== generation) return;
      paginating = true;
      spinner.hidden = false;
      const before = scroller.scrollHeight;
      const res = await commands.paginateBack(room.roomId);
      spinner.hidden = true;
      paginating = false;
      if (res.status === "ok") reachedStart = res.data;
      // Keep the messages the user was reading in place.
      if (!atBottom) scroller.scrollTop += scroller.scrollHeight - before;
    };
    scroller.addEventListener("scroll", () => {
      atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
      if (scroller.scrollTop < 80) void paginate();
      if (atBottom) void commands.markRead(room.roomId);
    });

    const submit = async () => {
      const text = composer.value;
      if (!text.trim()) return;
      sendError.textContent = "";
      composer.value = "";
      atBottom = true;
      const res = await commands.sendMessage(room.roomId, text);
      if (res.status === "error") {
        // Nothing typed is lost: put it back unless the user already typed more.
        if (!composer.value) composer.value = text;
        sendError.textContent = errorText(res.error);
      }
      composer.focus();
    };
    composer.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        void submit();
      }
    });
    composer.addEventListener("input", () => {
      composer.style.height = "auto";
      composer.style.height = `${Math.min(composer.scrollHeight, 200)}px`;
    });
    send.addEventListener("click", () => void submit());

    void commands.openRoom(room.roomId, pushed<ListDiff<TimelineItemView>, OpenRoomChannel>(channel)).then((res) => {
      if (res.status === "error" && gen === generation) sendError.textContent = errorText(res.error);
    });
    composer.focus();
  }
}

// Links inside messages must never navigate the app's window.
document.addEventListener("click", (ev) => {
  const a = (ev.target as Element | null)?.closest?.("a");
  if (a) ev.preventDefault();
});

void boot();
