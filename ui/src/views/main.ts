import { commands } from "../bindings";
import type { Me, RoomSummary, SyncStatus } from "../types";
import { applyDiff } from "../diff";
import { call, subscribeNotifications, subscribeRooms, subscribeSyncStatus, type Stream } from "../ipc";
import { listenForVerifications, verifyUser } from "./verification";
import { clear, el, frameScheduler } from "../dom";
import { colorSlot, errorText, syncText } from "../format";
import { t } from "../i18n";
import { ROOM_LINK_EVENT } from "../links";
import { RoomListView } from "./roomList";
import { PaintMarks } from "../paintMarks";
import { roomMenu } from "./roomMenu";
import { ROOM_FILTERS, visibleRooms, type RoomFilter } from "../roomFilter";
import { invitePanel } from "./invite";
import { dmPanel, explorePanel } from "./panels";
import { settingsScreen } from "./settings";
import { roomSwitcher, type RoomSwitcher } from "./roomSwitcher";
import { neighbour, shortcutOf } from "../keyboard";
import { newRoomPanel } from "./roomPanels";
import { placeholderPane, RoomView } from "./room";
import { KeysNotice, setVerifyWithDevice } from "./keys";
import { panel } from "./panels";

export interface MainOptions {
  /** Called once the user logged out (or the session is gone): show the login form. */
  onLoggedOut: () => void;
  /** Servers whose public rooms the admin suggests besides the user's own. */
  directoryServers?: readonly string[];
  /** The language was changed in the settings: the app draws the screens again. */
  onLanguageChanged?: () => void;
}

/** The main screen: sidebar (account, sync banner, rooms) and the open room. */
export class MainScreen {
  readonly element: HTMLElement;
  private rooms: RoomSummary[] = [];
  private roomsLoaded = false;
  private selected: string | null = null;
  private roomView: RoomView | null = null;
  /** Bumped whenever a room is opened or closed: a view whose number is stale ignores
   *  whatever its (old) channel still delivers. */
  private generation = 0;
  private streams: Stream[] = [];
  private alive = true;
  private list: RoomListView;
  private empty: HTMLElement;
  private banner: HTMLElement;
  private bannerText: HTMLElement;
  private relogin: HTMLButtonElement;
  private exploreButton!: HTMLButtonElement;
  /** A room link to preview when the explore panel opens (the app's start link). */
  private pendingLink: string | null = null;
  private renewal = this.renewalActions();
  private logoutButton: HTMLButtonElement;
  private pane: HTMLElement;
  /** The sidebar button whose panel is shown (DM, explore, settings), if any. */
  private activeTool: HTMLButtonElement | null = null;
  /** The invitation shown in the pane, while unanswered; `busy` while the server answers. */
  private invite: { roomId: string; busy: boolean } | null = null;
  private drawRooms = frameScheduler(() => this.renderRooms());
  /** Benchmark marks: when the list is first painted, and with how many rooms: the
   *  rooms the painted list holds (`count`), not its `li`s, which are only the rows in
   *  view (the list is windowed). */
  private paintMarks = new PaintMarks(() => this.list.count);
  private unlisten: (() => void)[] = [];
  /** The chip and the search narrow what the list shows, never what it holds. */
  private filter: RoomFilter = "all";
  private search: HTMLInputElement;
  private chips: HTMLElement;
  /** The room menu shown over the bottom of the sidebar, if any. */
  private menu: HTMLElement | null = null;
  private sidebar!: HTMLElement;
  private clock: number;
  private settingsButton: HTMLButtonElement;
  /** The control the settings screen focuses when it opens (after a language change). */
  private settingsFocus: "language" | undefined;
  /** The room switcher (Ctrl+K), while open. */
  private switcher: RoomSwitcher | null = null;
  /** Encryption keys: set up recovery, or verify this device (views/keys.ts). */
  private keys: KeysNotice;

  constructor(me: Me, private opts: MainOptions) {
    this.list = new RoomListView((room) => this.open(room), (room) => this.showMenu(room));
    this.search = el("input", { id: "room-search", type: "search", class: "room-search",
      placeholder: t("main.search"), "aria-label": t("main.search"), autocomplete: "off" });
    this.search.addEventListener("input", () => this.drawRooms.schedule());
    this.search.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && this.search.value) {
        ev.preventDefault();
        this.search.value = "";
        this.drawRooms.schedule();
      }
    });
    this.chips = el("div", { id: "room-filters", class: "room-filters", role: "toolbar", "aria-label": t("main.filters") },
      ...ROOM_FILTERS.map((f) => el("button", { type: "button", class: "chip", "data-filter": f,
        "aria-pressed": f === this.filter ? "true" : "false" }, t(`filter.${f}`))));
    this.chips.addEventListener("click", (ev) => {
      const b = (ev.target as Element).closest?.("button[data-filter]") as HTMLElement | null;
      if (b) this.setFilter(b.dataset.filter as RoomFilter);
    });
    this.empty = el("p", { id: "room-list-empty", class: "empty" }, t("main.loadingRooms"));
    this.keys = new KeysNotice({
      show: (panel) => this.showPanel(panel),
      close: () => this.close(),
      paneIsFree: () => this.alive && this.selected === null && this.activeTool === null && this.roomView === null
        && !this.element.classList.contains("has-room"),
    });
    // "Verify with another session": a request to every other session of this account;
    // the emoji dialog opens over this panel when one of them accepts.
    setVerifyWithDevice(({ onDone, onClose }) => {
      const error = el("p", { id: "verify-other-error", class: "error", role: "alert" });
      void verifyUser(me.userId, { onDone, onClose }).then((problem) => {
        if (problem) error.textContent = problem;
      });
      return panel("keys-verify-other", t("keys.otherDevice"), { onClose },
        el("p", { role: "status" }, t("verify.waitingOwn")), error);
    });
    this.bannerText = el("span", { class: "banner-text" });
    // In the banner only while the session is expired.
    this.relogin = el("button", { id: "relogin", type: "button", class: "link" }, t("main.relogin"));
    this.banner = el("div", { id: "sync-banner", class: "banner", role: "status", hidden: true }, this.bannerText);
    this.logoutButton = el("button", { id: "logout", type: "button", class: "link logout" }, t("main.logout"));
    const name = me.displayName || me.userId;
    const settings = this.settingsButton = this.tool("settings", t("main.settings"), (close) => settingsScreen({
      me, onClose: close, onSignOut: () => void this.logout(), focus: this.settingsFocus,
      onLanguageChanged: () => this.opts.onLanguageChanged?.(),
    }), "link settings");
    const sidebar = this.sidebar = el(
      "aside", { class: "sidebar", "aria-label": t("main.rooms") },
      el("header", { class: "me", "aria-label": t("main.account") },
        el("span", { class: `avatar small c${colorSlot(me.userId)}`, "aria-hidden": "true" },
          (name.replace(/^@/, "").charAt(0) || "?").toUpperCase()),
        el("span", { class: "me-text" },
          el("span", { id: "me-name", class: "me-name", title: me.userId }, name),
          el("span", { id: "me-id", class: "me-id" }, me.userId)),
        el("span", { class: "me-actions" }, settings, this.logoutButton)),
      el("nav", { class: "tools", "aria-label": t("main.account") },
        this.tool("new-dm", t("dm.title"), (close) => dmPanel({ onOpen: (id, n) => this.openById(id, n), onClose: close })),
        this.tool("new-room", t("newRoom.title"), (close) => newRoomPanel({ onOpen: (id, n) => this.openById(id, n), onClose: close })),
        this.exploreButton = this.tool("explore", t("explore.title"), (close) => explorePanel({
          onOpen: (id, n) => this.openById(id, n),
          onClose: close,
          isJoined: (id) => this.rooms.some((r) => r.roomId === id && !r.isInvite),
          servers: opts.directoryServers ?? [],
          initialAddress: this.pendingLink ?? undefined,
        }))),
      this.banner,
      this.keys.element,
      // Explicit, not silent: without a keychain nothing is written to disk in clear.
      me.remembered === false
        ? el("p", { id: "not-remembered", class: "banner warning", role: "status" }, t("main.notRemembered"))
        : null,
      el("h2", { class: "section" }, t("main.rooms")),
      this.search,
      this.chips,
      this.list.element,
      this.empty,
    );
    // The open room (or panel) is the page's main landmark; the app's name its level-one
    // heading, for screen readers' page outline (not shown: the sidebar says who you are).
    this.pane = el("main", { id: "room-pane", class: "room-pane" }, placeholderPane());
    sidebar.prepend(el("h1", { class: "visually-hidden" }, t("app.name")));
    this.element = el("div", { id: "main", class: "main" }, sidebar, this.pane);

    this.logoutButton.addEventListener("click", () => void this.logout());
    // A room link clicked in a message: preview that room, to join it from there.
    const onRoomLink = (ev: Event) => {
      if (this.alive) this.openLink((ev as CustomEvent<string>).detail);
    };
    document.addEventListener(ROOM_LINK_EVENT, onRoomLink);
    this.unlisten.push(() => document.removeEventListener(ROOM_LINK_EVENT, onRoomLink));
    this.relogin.addEventListener("click", () => void this.logout());
    // Shortcuts: Ctrl+K (room switcher), Alt+↑/↓ (previous / next room).
    const onKey = (ev: KeyboardEvent) => this.onShortcut(ev);
    document.addEventListener("keydown", onKey);
    this.unlisten.push(() => document.removeEventListener("keydown", onKey));
    // Relative times ("Hier") move on by themselves.
    this.clock = window.setInterval(() => this.drawRooms.schedule(), 60_000);
  }

  /** Starts the room list and sync status streams. */
  start(): void {
    const rooms = subscribeRooms((d) => {
      if (!this.alive) return;
      applyDiff(this.rooms, d);
      this.roomsLoaded = true;
      this.drawRooms.schedule();
    });
    const status = subscribeSyncStatus((s) => {
      if (this.alive) this.showStatus(s);
    });
    // Clicking a desktop notification: Rust brought the window forward; open the room.
    const notes = subscribeNotifications(
      { encrypted: t("notify.encrypted"), other: t("notify.other"), mention: t("notify.mention") },
      (roomId) => {
        if (!this.alive) return;
        const known = this.rooms.find((r) => r.roomId === roomId);
        this.openById(roomId, known?.name ?? roomId);
      });
    // Verifications other sessions ask for open their dialog.
    const verifications = listenForVerifications();
    this.streams.push(rooms, status, notes, verifications);
    // After the first sign-in its panel opens at once (the pane is still empty).
    void this.keys.refresh(true);
    for (const s of [rooms, status]) {
      void s.ready.then((res) => {
        if (!this.alive || res.status === "ok") return;
        if (res.error.type === "notLoggedIn") {
          this.leave();
          return;
        }
        this.showBanner(errorText(res.error), "error");
      });
    }
  }

  /** Shows the settings screen (after the language changed, it is drawn again). */
  openSettings(focus?: "language"): void {
    this.settingsFocus = focus;
    this.settingsButton.click();
    this.settingsFocus = undefined;
  }

  private onShortcut(ev: KeyboardEvent): void {
    if (!this.alive || ev.defaultPrevented) return;
    const shortcut = shortcutOf(ev);
    if (!shortcut) return;
    ev.preventDefault();
    if (shortcut === "switcher") {
      this.openSwitcher();
      return;
    }
    // While a dialog is open, its own keys apply.
    if (this.switcher) return;
    const ids = visibleRooms(this.rooms, this.filter, this.search.value).map((r) => r.roomId);
    const to = neighbour(ids, this.selected, shortcut === "nextRoom" ? 1 : -1);
    const room = to ? this.rooms.find((r) => r.roomId === to) : undefined;
    if (room) this.open(room);
  }

  /** The room switcher (Ctrl+K): every room, searched by name; a pick opens it. */
  openSwitcher(): void {
    if (this.switcher) return;
    const switcher = roomSwitcher({
      rooms: () => this.rooms,
      onPick: (room) => this.open(room),
      onClose: () => {
        if (this.switcher === switcher) this.switcher = null;
      },
    });
    this.switcher = switcher;
    this.element.append(switcher.element);
  }

  /** For tests and the keyboard: the room currently open. */
  get openRoomId(): string | null {
    return this.selected;
  }

  get currentRoomView(): RoomView | null {
    return this.roomView;
  }

  open(room: RoomSummary): void {
    if (!this.alive) return;
    if (this.selected === room.roomId && this.roomView) {
      this.roomView.focusComposer();
      return;
    }
    this.roomView?.destroy();
    this.roomView = null;
    this.setActiveTool(null);
    this.invite = null;
    const gen = ++this.generation;
    this.selected = room.roomId;
    if (room.isInvite) {
      // Not a member yet: no timeline to show, only the question.
      const invite = { roomId: room.roomId, busy: false };
      this.invite = invite;
      clear(this.pane);
      this.pane.append(invitePanel(room, {
        onJoined: (roomId) => {
          if (gen !== this.generation) return;
          this.selected = null;
          this.openById(roomId, room.name);
        },
        onDeclined: () => {
          if (gen === this.generation) this.close();
        },
        onBusy: (busy) => void (invite.busy = busy),
      }));
      this.element.classList.add("has-room");
      this.renderRooms();
      this.list.reveal(room.roomId);
      return;
    }
    const view = new RoomView({
      room,
      isCurrent: () => this.alive && gen === this.generation,
      onBack: () => this.close(),
      onFollow: (successor) => this.follow(successor, room.name),
    });
    this.roomView = view;
    clear(this.pane);
    this.pane.append(view.element);
    this.element.classList.add("has-room");
    this.renderRooms();
    // Opened from elsewhere (Ctrl+K, Alt+↓, a notification): its row scrolls into view.
    this.list.reveal(room.roomId);
    view.start();
    view.focusComposer();
  }

  /** A sidebar button that shows a panel in place of the open room. `make` gets the
   *  panel's close action (Escape, its × button): back to the placeholder, focus on `b`. */
  private tool(id: string, label: string, make: (close: () => void) => HTMLElement, cls = "tool"): HTMLButtonElement {
    const b = el("button", { id, type: "button", class: cls, "aria-pressed": "false" }, label);
    b.addEventListener("click", () => {
      if (!this.alive) return;
      this.generation++;
      this.roomView?.destroy();
      this.roomView = null;
      this.selected = null;
      this.invite = null;
      clear(this.pane);
      this.pane.append(make(() => {
        if (this.activeTool !== b) return;
        this.close();
        b.focus();
      }));
      this.setActiveTool(b);
      this.element.classList.add("has-room");
      this.renderRooms();
    });
    return b;
  }

  /** A panel in place of the room pane that no sidebar button owns (encryption keys). */
  private showPanel(node: HTMLElement): void {
    if (!this.alive) return;
    this.generation++;
    this.roomView?.destroy();
    this.roomView = null;
    this.selected = null;
    this.invite = null;
    this.setActiveTool(null);
    clear(this.pane);
    this.pane.append(node);
    this.element.classList.add("has-room");
    this.renderRooms();
  }

  private setActiveTool(b: HTMLButtonElement | null): void {
    this.activeTool?.setAttribute("aria-pressed", "false");
    this.activeTool = b;
    b?.setAttribute("aria-pressed", "true");
  }

  /** Opens a room known only by ID (just created or joined): the list will catch up. */
  /** Previews the room a link points at, in the explore panel, to join it from there. */
  openLink(link: string): void {
    this.pendingLink = link;
    this.exploreButton.click();
    this.pendingLink = null;
  }

  /** From a replaced room to its successor: opened if the user is in it, else joined
   *  first (the server lets former members of the old room in, per its join rule). */
  private async follow(successor: string, name: string): Promise<string | null> {
    const known = this.rooms.find((r) => r.roomId === successor && !r.isInvite);
    if (!known) {
      const res = await call(commands.joinRoom(successor));
      if (res.status === "error") return errorText(res.error);
    }
    if (this.alive) this.openById(successor, known?.name ?? name);
    return null;
  }

  openById(roomId: string, name: string): void {
    const known = this.rooms.find((r) => r.roomId === roomId);
    this.open(known ? { ...known, isInvite: false } : {
      roomId, name, avatarInitial: (name.replace(/^[#@!]/, "").charAt(0) || "#").toUpperCase(), lastMessage: null,
      lastActivity: null, unreadMessages: 0, unreadNotifications: 0, unreadMentions: 0, isDirect: false,
      isEncrypted: false, isInvite: false, replacedBy: null, isFavourite: false, isLowPriority: false,
    });
  }

  /** Back to the list (narrow windows). */
  close(): void {
    this.generation++;
    this.roomView?.destroy();
    this.roomView = null;
    this.setActiveTool(null);
    this.invite = null;
    const was = this.selected;
    this.selected = null;
    clear(this.pane);
    this.pane.append(placeholderPane());
    this.element.classList.remove("has-room");
    this.renderRooms();
    void call(commands.closeRoom());
    if (was) this.list.focusRoom(was);
  }

  /** For tests and the keyboard: show only the rooms of one chip. */
  setFilter(filter: RoomFilter): void {
    this.filter = filter;
    for (const b of Array.from(this.chips.children)) {
      b.setAttribute("aria-pressed", (b as HTMLElement).dataset.filter === filter ? "true" : "false");
    }
    this.renderRooms();
  }

  private showMenu(room: RoomSummary): void {
    this.closeMenu();
    const menu = roomMenu(room, { onClose: () => this.closeMenu(true) });
    this.menu = menu;
    this.sidebar.append(menu);
    // A click anywhere else closes it.
    const outside = (ev: MouseEvent) => {
      if (this.menu === menu && !menu.contains(ev.target as Node)) this.closeMenu();
    };
    window.setTimeout(() => document.addEventListener("mousedown", outside), 0);
    menu.addEventListener("menuclosed", () => document.removeEventListener("mousedown", outside));
  }

  private closeMenu(refocus = false): void {
    const menu = this.menu;
    if (!menu) return;
    this.menu = null;
    menu.dispatchEvent(new Event("menuclosed"));
    menu.remove();
    // The room's row may have scrolled out of the drawn window meanwhile: `focusRoom` draws it.
    const id = menu.getAttribute("data-room-id");
    if (refocus && id) this.list.focusRoom(id);
  }

  private renderRooms(): void {
    if (!this.alive) return;
    const shown = visibleRooms(this.rooms, this.filter, this.search.value);
    this.list.render(shown, this.selected);
    this.paintMarks.rendered();
    this.empty.hidden = shown.length > 0;
    this.empty.textContent = !this.roomsLoaded ? t("main.loadingRooms")
      : this.rooms.length > 0 ? t("main.noMatch") : t("main.noRooms");
    if (this.selected && this.roomView) {
      const room = this.rooms.find((r) => r.roomId === this.selected);
      if (room) this.roomView.update(room);
    }
    this.followInvite();
  }

  /** The invitation on screen was answered elsewhere (or the server caught up first):
   *  joined → open the room; gone (declined, withdrawn) → back to the placeholder. Not
   *  while our own answer is on its way: its result decides. */
  private followInvite(): void {
    const invite = this.invite;
    if (!invite || invite.busy || this.selected !== invite.roomId) return;
    const room = this.rooms.find((r) => r.roomId === invite.roomId);
    if (room && !room.isInvite) {
      this.selected = null;
      this.open(room);
    } else if (!room && this.roomsLoaded) {
      this.close();
    }
  }

  private showStatus(s: SyncStatus): void {
    const text = syncText(s);
    if (text === null) {
      this.banner.hidden = true;
      this.bannerText.textContent = "";
      this.relogin.remove();
      this.renewal.remove();
      return;
    }
    this.showBanner(text, s.state, s.state === "error" ? s.message : undefined);
    if (s.state === "sessionExpired") this.banner.append(this.relogin);
    else this.relogin.remove();
    if (s.state === "accountExpired") this.banner.append(this.renewal);
    else this.renewal.remove();
  }

  /** Expired account: send the renewal mail; once its link was followed, sync again. */
  private renewalActions(): HTMLElement {
    const send = el("button", { id: "renew-mail", type: "button", class: "link" }, t("renew.send"));
    const done = el("button", { id: "renew-done", type: "button", class: "link" }, t("renew.done"));
    const note = el("span", { id: "renew-status", role: "status" });
    send.addEventListener("click", async () => {
      send.disabled = true;
      const res = await call(commands.sendRenewalMail());
      send.disabled = false;
      note.textContent = res.status === "ok" ? t("renew.sent") : errorText(res.error);
    });
    done.addEventListener("click", () => {
      note.textContent = "";
      void call(commands.resumeSync());
    });
    return el("span", { class: "renewal" }, send, done, note);
  }

  private showBanner(text: string, state: string, detail?: string): void {
    this.banner.hidden = false;
    this.banner.className = `banner ${state}`;
    this.banner.setAttribute("data-state", state);
    this.bannerText.textContent = text;
    if (detail) this.banner.title = detail;
    else this.banner.removeAttribute("title");
  }

  private async logout(): Promise<void> {
    if (!this.alive) return;
    this.logoutButton.disabled = true;
    this.relogin.disabled = true;
    this.logoutButton.textContent = t("main.loggingOut");
    this.stopAll();
    // Rust forgets the local session whatever the server says; only an IPC failure
    // leaves it in place, and then the login form is still the right screen.
    await call(commands.logout());
    this.leave();
  }

  private stopAll(): void {
    this.alive = false;
    this.generation++;
    for (const s of this.streams) s.stop();
    this.streams = [];
    this.drawRooms.cancel();
    this.list.destroy();
    this.closeMenu();
    this.switcher?.close();
    window.clearInterval(this.clock);
    this.keys.destroy();
    for (const u of this.unlisten) u();
    this.unlisten = [];
    this.roomView?.destroy();
    this.roomView = null;
  }

  private leave(): void {
    this.stopAll();
    this.element.remove();
    this.opts.onLoggedOut();
  }

  /** For tests: stops everything without logging out. */
  destroy(): void {
    this.stopAll();
    this.element.remove();
  }
}
