import { commands } from "../bindings";
import { listen } from "@tauri-apps/api/event";
import type { FileOutcome } from "../bindings";
import { attachButton, onPaste, outcomesText } from "./fileSend";
import type { ListDiff, RoomSummary, TimelineItemView } from "../types";
import { applyDiff } from "../diff";
import { markNextPaint, markNow, ROOM_OPEN_MARK, TIMELINE_PAINTED_MARK, TIMELINE_RECEIVED_MARK } from "../paintMarks";
import { call, openRoom, subscribeTyping, type Stream } from "../ipc";
import { unverifiedBanner } from "./verification";
import { clear, el, frameScheduler } from "../dom";
import { colorSlot, errorText, latestEventId } from "../format";
import { t } from "../i18n";
import type { ComposeRequest } from "../actions";
import { TimelineView } from "./timeline";
import { invitePanel } from "./invitePanel";
import { roomSettingsPanel } from "./roomPanels";

/** How close to an edge (px) counts as "at the bottom" / "at the top". */
const BOTTOM_SLACK = 40;
const TOP_TRIGGER = 150;
/** At most this many back-paginations in a row to fill a screen without the user scrolling. */
const MAX_AUTO_FILL = 10;
const COMPOSER_MAX_ROWS = 8;
/** At most this many back-paginations to reach the first unread message. */
const MAX_JUMP_PAGES = 20;
// A typing notice lasts about 30 s on the server; telling it again every 4 s while the
// user types keeps it alive without a request per key.
const TYPING_RESEND_MS = 4000;

export interface RoomViewOptions {
  room: RoomSummary;
  /** False once another room was opened (or the user logged out): the generation check. */
  isCurrent: () => boolean;
  onBack: () => void;
  /** Go to the room that replaced this one (upgraded): open it, joining if needed.
   *  Resolves with what went wrong, in words, or null. */
  onFollow?: (roomId: string) => Promise<string | null>;
}

/** One open room: header, timeline with back-pagination, composer. `destroy()` stops
 *  everything it started. */
export class RoomView {
  readonly element: HTMLElement;
  readonly roomId: string;
  private items: TimelineItemView[] = [];
  /** Whether the first screen of messages was marked for the bench (paintMarks.ts). */
  private firstScreenMarked = false;
  private timeline = new TimelineView();
  private scroller: HTMLElement;
  private spinner: HTMLElement;
  /** "Aller au premier message non lu": shown while the read marker is above the view. */
  private jumpButton: HTMLButtonElement;
  private room: RoomSummary;
  private roomError: HTMLElement;
  private composer: HTMLTextAreaElement;
  private sendButton: HTMLButtonElement;
  private sendError: HTMLElement;
  private composerRow: HTMLElement;
  /** In place of the composer once the room was replaced by a new one (tombstone). */
  private replaced = el("div", { id: "room-replaced", class: "room-replaced", role: "status", hidden: true });
  /** "Bob écrit…": who else is typing, pushed by Rust while the room is open. */
  private typingEl = el("div", { id: "typing", class: "typing", "aria-live": "polite" });
  private typingStream: Stream | null = null;
  /** When we last told the server the user is typing (the SDK also rate-limits). */
  private typingSentAt = 0;
  /** Replying to or editing a message: shown above the composer, used by submit(). */
  private compose: ComposeRequest | null = null;
  private composeBar = el("div", { id: "compose-bar", class: "compose-bar", hidden: true });
  private nameEl: HTMLElement;
  private avatarEl: HTMLElement;
  private flagsEl: HTMLElement;
  private stream: Stream | null = null;
  private draw = frameScheduler(() => this.redraw());
  private cleanups: (() => void)[] = [];
  private destroyed = false;
  private body: HTMLElement[];
  private sidePanel: HTMLElement | null = null;

  private loaded = false;
  private atBottom = true;
  private reachedStart = false;
  private paginating: Promise<void> | null = null;
  private paginationFailedAt = 0;
  private autoFill = 0;
  private lastMarked: string | null = null;
  private marking = false;
  private markAgain = false;
  private sendChain: Promise<void> = Promise.resolve();

  constructor(private opts: RoomViewOptions) {
    const room = opts.room;
    this.room = room;
    this.roomId = room.roomId;
    this.nameEl = el("h2", { id: "room-name", class: "room-title" }, room.name);
    this.avatarEl = el("span", { class: "avatar", "aria-hidden": "true" });
    this.flagsEl = el("span", { class: "room-flags" });
    const back = el("button", { id: "back", type: "button", class: "back", title: t("main.back"), "aria-label": t("main.back") }, "‹");
    back.addEventListener("click", () => this.opts.onBack());

    this.spinner = el("div", { id: "timeline-spinner", class: "timeline-spinner", role: "status", hidden: true },
      el("span", { class: "spinner-icon", "aria-hidden": "true" }), t("timeline.loading"));
    this.jumpButton = el("button", { id: "jump-unread", type: "button", class: "jump-unread", hidden: true },
      t("timeline.jumpUnread"));
    this.jumpButton.addEventListener("click", () => void this.jumpToUnread());
    this.roomError = el("p", { id: "room-error", class: "error room-error", role: "alert" });
    this.scroller = el("div", { id: "timeline-scroll", class: "timeline-scroll", tabindex: "-1" },
      this.roomError, this.timeline.element);

    this.composer = el("textarea", {
      id: "composer", rows: "1", placeholder: t("composer.placeholder"), "aria-label": t("composer.label"),
      title: t("composer.hint"), enterkeyhint: "send",
    });
    this.sendButton = el("button", { id: "send", type: "button", class: "primary send", title: t("composer.hint") },
      t("composer.send"));
    this.sendError = el("p", { id: "send-error", class: "error send-error", role: "alert" });

    const invite = el("button", { id: "room-invite", type: "button", class: "link room-invite" }, t("invite.open"));
    invite.addEventListener("click", () => this.togglePanel("invite"));
    const settings = el("button", { id: "room-settings", type: "button", class: "link" }, t("roomSettings.open"));
    settings.addEventListener("click", () => this.togglePanel("settings"));
    // What the invite panel covers while open (the room keeps streaming underneath).
    this.body = [
      // The spinner floats over the timeline: showing it must not move what the user reads.
      el("div", { class: "timeline-wrap" }, this.scroller, this.spinner, this.jumpButton),
      this.typingEl,
      this.composeBar,
      this.composerRow = el("div", { class: "composer" }, attachButton(room.roomId, this.reportFiles), this.composer, this.sendButton),
      this.sendError,
    ];
    this.element = el(
      "section",
      { class: "room-view", "data-room-id": room.roomId, "aria-labelledby": "room-name" },
      el("header", { class: "room-header" }, back, this.avatarEl, this.nameEl, this.flagsEl, invite, settings),
      ...this.body,
    );
    this.composerRow.after(this.replaced);
    this.update(room);
    this.wire();
  }

  /** Shows a panel (invite, settings) in place of the timeline and composer, or hides
   *  it when it is the one shown. */
  private togglePanel(kind: "invite" | "settings"): void {
    const shown = this.sidePanel?.getAttribute("data-kind");
    if (this.sidePanel) {
      this.sidePanel.remove();
      this.sidePanel = null;
      for (const b of this.body) b.hidden = false;
      this.composeBar.hidden = this.compose === null;
      if (shown === kind) {
        this.composer.focus();
        return;
      }
    }
    for (const b of this.body) b.hidden = true;
    const onClose = () => this.togglePanel(kind);
    this.sidePanel = kind === "invite"
      ? invitePanel({ roomId: this.roomId, roomName: this.nameEl.textContent ?? "", onClose })
      : roomSettingsPanel({ roomId: this.roomId, onClose });
    this.sidePanel.setAttribute("data-kind", kind);
    this.element.append(this.sidePanel);
  }

  /** Starts streaming the room's timeline. */
  start(): void {
    markNow(ROOM_OPEN_MARK, { roomId: this.roomId });
    this.stream = openRoom(this.roomId, (d) => this.onDiff(d));
    void this.stream.ready.then((res) => {
      if (res.status === "error" && this.live()) this.roomError.textContent = errorText(res.error);
      // Typing notices need the room open on the Rust side: subscribe once it is.
      if (res.status === "ok" && this.live()) {
        this.typingStream = subscribeTyping(this.roomId, (users) => this.showTyping(users));
        // Members' sessions nobody verified: a banner above the timeline.
        const unverified = unverifiedBanner(this.roomId);
        this.element.querySelector(".room-header")?.after(unverified.element);
        this.cleanups.push(() => unverified.stream.stop());
      }
    });
  }

  private showTyping(users: string[]): void {
    if (!this.live()) return;
    const names = users.map((u) => u.replace(/^@/, "").split(":")[0]);
    this.typingEl.textContent =
      names.length === 0 ? "" : t(names.length === 1 ? "typing.one" : "typing.many", { names: names.join(", ") });
  }

  /** Tells the others the user is typing, at most every few seconds. */
  private noteTyping(): void {
    const now = Date.now();
    const typing = this.composer.value.trim().length > 0;
    if (typing && now - this.typingSentAt < TYPING_RESEND_MS) return;
    this.typingSentAt = typing ? now : 0;
    void call(commands.setTyping(this.roomId, typing));
  }

  /** The room's summary changed (name, encryption…). */
  update(room: RoomSummary): void {
    this.room = room;
    this.nameEl.textContent = room.name;
    this.avatarEl.textContent = room.avatarInitial || "#";
    this.avatarEl.className = `avatar c${colorSlot(room.roomId)}`;
    this.flagsEl.textContent = "";
    // The lock says the room is end-to-end encrypted (never taken back: encryption
    // cannot be turned off).
    if (room.isEncrypted) {
      this.flagsEl.append(el("span", { id: "room-encrypted", class: "flag encrypted", title: t("room.encryptedHint") },
        el("span", { "aria-hidden": "true" }, "🔒 "), t("room.encrypted")));
    }
    if (room.isDirect) this.flagsEl.append(el("span", { class: "flag" }, t("room.direct")));
    this.showReplaced(room.replacedBy ?? null);
  }

  /** An upgraded room ends here: its timeline stays readable, but nothing more can be
   *  said in it; the notice leads to the new room instead. */
  private showReplaced(successor: string | null): void {
    // A tombstone is never taken back: once shown, the notice stays.
    if (successor === null || this.replaced.getAttribute("data-successor") === successor) return;
    clear(this.replaced);
    this.replaced.setAttribute("data-successor", successor);
    const follow = el("button", { id: "room-replaced-follow", type: "button", class: "primary" }, t("room.replacedFollow"));
    const error = el("span", { class: "error", role: "alert" });
    follow.addEventListener("click", async () => {
      follow.disabled = true;
      error.textContent = "";
      const problem = await this.opts.onFollow?.(successor);
      if (!this.live()) return;
      error.textContent = problem ?? "";
      follow.disabled = false;
    });
    this.replaced.append(el("p", {}, t("room.replaced")), follow, error);
    // The composer goes for good: the notice takes its place (and its place in the body,
    // so a side panel still hides it).
    this.body = [...this.body.filter((b) => b !== this.composerRow && b !== this.typingEl && b !== this.composeBar),
      this.replaced];
    this.composerRow.hidden = true;
    this.typingEl.hidden = true;
    this.composeBar.hidden = true;
    this.replaced.hidden = this.sidePanel !== null;
  }

  focusComposer(): void {
    this.composer.focus();
  }

  destroy(): void {
    this.destroyed = true;
    this.stream?.stop();
    this.typingStream?.stop();
    this.draw.cancel();
    for (const c of this.cleanups) c();
    this.cleanups = [];
    this.element.remove();
  }

  private live(): boolean {
    return !this.destroyed && this.opts.isCurrent();
  }

  private onDiff(d: ListDiff<TimelineItemView>): void {
    if (!this.live()) return; // a message from a room the user already left
    applyDiff(this.items, d);
    this.loaded = true;
    this.draw.schedule();
    if (this.firstScreenDue()) {
      markNow(TIMELINE_RECEIVED_MARK, { roomId: this.roomId });
      // The room's first screen is drawn at once rather than at the next frame: a room
      // switch shows its messages one frame sooner. Later diffs still batch per frame.
      this.draw.flush();
    }
  }

  /** The room's first messages are here and their screen was not marked yet. */
  private firstScreenDue(): boolean {
    return !this.firstScreenMarked && this.items.some((i) => i.kind === "message");
  }

  private redraw(): void {
    if (!this.live()) return;
    const s = this.scroller;
    // Keep what the user reads in place when older messages are added above it.
    let anchor: { node: HTMLElement; offset: number } | null = null;
    if (!this.atBottom) {
      for (const child of Array.from(this.timeline.element.children) as HTMLElement[]) {
        if (child.offsetTop + child.offsetHeight > s.scrollTop) {
          anchor = { node: child, offset: child.offsetTop - s.scrollTop };
          break;
        }
      }
    }
    this.timeline.render(this.items);
    if (this.firstScreenDue()) {
      this.firstScreenMarked = true;
      markNextPaint(TIMELINE_PAINTED_MARK, { roomId: this.roomId });
    }
    if (this.atBottom) this.scrollToBottom();
    else if (anchor?.node.isConnected) s.scrollTop = anchor.node.offsetTop - anchor.offset;
    this.maybeMarkRead();
    this.maybeFill();
    this.updateJump();
  }

  /** The read marker's node, when the SDK placed one in the loaded items. */
  private markerNode(): HTMLElement | null {
    const marker = this.items.find((i) => i.kind === "readMarker");
    return marker ? this.timeline.nodeOf(marker.id) ?? null : null;
  }

  /** Whether there are unread messages above what the user sees: the marker is above
   *  the viewport, or not loaded yet while the room counts unread messages. */
  unreadAbove(): boolean {
    if (!this.loaded) return false;
    const node = this.markerNode();
    if (node) return node.offsetTop + node.offsetHeight < this.scroller.scrollTop;
    // No marker loaded: the first unread is above what is loaded when the room counts
    // more unread messages than there are messages loaded.
    const loadedMessages = this.items.filter((i) => i.kind === "message").length;
    return !this.reachedStart && this.room.unreadMessages > loadedMessages;
  }

  private updateJump(): void {
    this.jumpButton.hidden = !this.unreadAbove();
  }

  /** Scrolls to the read marker, loading older messages until it is there (or the
   *  start of the room is reached). */
  async jumpToUnread(): Promise<void> {
    for (let i = 0; i < MAX_JUMP_PAGES && !this.markerNode() && !this.reachedStart && this.live(); i++) {
      await this.paginate();
      this.draw.flush();
      if (this.paginationFailedAt) break;
    }
    const node = this.markerNode();
    if (!node || !this.live()) return;
    this.atBottom = false;
    this.scroller.scrollTop = Math.max(0, node.offsetTop - this.scroller.clientHeight / 3);
    this.updateJump();
  }

  private scrollToBottom(): void {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** Loads older messages until the screen is full (or the room's start is reached). */
  private maybeFill(): void {
    const s = this.scroller;
    if (!this.loaded || this.reachedStart || this.paginating || this.paginationFailedAt) return;
    if (s.scrollHeight > s.clientHeight + TOP_TRIGGER && s.scrollTop > TOP_TRIGGER) return;
    if (this.autoFill >= MAX_AUTO_FILL) return;
    this.autoFill++;
    void this.paginate();
  }

  /** One back-pagination at a time; none once the start of the room is reached. */
  paginate(): Promise<void> {
    if (this.paginating) return this.paginating;
    if (this.reachedStart || !this.live()) return Promise.resolve();
    this.spinner.hidden = false;
    this.roomError.textContent = "";
    this.paginating = (async () => {
      const res = await call(commands.paginateBack(this.roomId));
      if (!this.live()) return;
      this.spinner.hidden = true;
      if (res.status === "ok") {
        this.reachedStart = res.data === true;
        this.paginationFailedAt = 0;
      } else {
        this.paginationFailedAt = Date.now();
        this.roomError.textContent = `${t("timeline.loadFailed")} ${errorText(res.error)}`;
      }
    })().finally(() => {
      this.paginating = null;
      if (this.live()) this.draw.schedule();
    });
    return this.paginating;
  }

  /** Sends a read receipt for the newest event when the user can see it. */
  private maybeMarkRead(): void {
    if (!this.loaded || !this.atBottom || !this.live()) return;
    if (typeof document !== "undefined" && document.visibilityState === "hidden") return;
    const latest = latestEventId(this.items);
    if (latest === null || latest === this.lastMarked) return;
    if (this.marking) {
      this.markAgain = true;
      return;
    }
    this.marking = true;
    this.lastMarked = latest;
    void call(commands.markRead(this.roomId)).then((res) => {
      this.marking = false;
      if (res.status === "error") this.lastMarked = null;
      if (this.markAgain && res.status === "ok") {
        this.markAgain = false;
        this.maybeMarkRead();
      }
    });
  }

  private wire(): void {
    const s = this.scroller;
    s.addEventListener("scroll", () => {
      this.atBottom = s.scrollHeight - s.scrollTop - s.clientHeight < BOTTOM_SLACK;
      if (s.scrollTop < TOP_TRIGGER) {
        this.autoFill = 0;
        if (this.paginationFailedAt && Date.now() - this.paginationFailedAt > 3000) this.paginationFailedAt = 0;
        if (!this.paginationFailedAt) void this.paginate();
      }
      if (this.atBottom) this.maybeMarkRead();
      this.updateJump();
    }, { passive: true });

    // Stay at the bottom when content grows by itself (wrapping after a resize…).
    if (typeof ResizeObserver === "function") {
      const ro = new ResizeObserver(() => {
        if (this.atBottom) this.scrollToBottom();
      });
      ro.observe(this.timeline.element);
      ro.observe(s);
      this.cleanups.push(() => ro.disconnect());
    }
    const onVisible = () => this.maybeMarkRead();
    document.addEventListener("visibilitychange", onVisible);
    window.addEventListener("focus", onVisible);
    this.cleanups.push(() => {
      document.removeEventListener("visibilitychange", onVisible);
      window.removeEventListener("focus", onVisible);
    });

    const onCompose = (ev: Event) => this.startCompose((ev as CustomEvent<ComposeRequest>).detail);
    this.element.addEventListener("chappe:compose", onCompose);
    this.composer.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && this.compose) {
        ev.preventDefault();
        this.endCompose(true);
        return;
      }
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && !ev.altKey && !ev.ctrlKey && !ev.metaKey) {
        ev.preventDefault();
        this.submit();
      }
    });
    this.composer.addEventListener("input", () => {
      this.autoGrow();
      this.noteTyping();
    });
    this.sendButton.addEventListener("click", () => this.submit());
    const paste = onPaste(this.roomId, this.reportFiles);
    this.composer.addEventListener("paste", (ev) => void paste(ev));
    // Files dropped on the window are sent by Rust to the open room; it says how it went.
    let unlisten: (() => void) | null = null;
    let gone = false;
    void listen<FileOutcome[]>("files-dropped", (ev) => this.reportFiles(outcomesText(ev.payload)))
      .then((stop) => (gone ? stop() : (unlisten = stop)))
      .catch(() => {});
    this.cleanups.push(() => {
      gone = true;
      unlisten?.();
    });
  }

  /** Says which files could not be sent (empty text: all queued, nothing to say). */
  private reportFiles = (text: string): void => {
    this.sendError.textContent = text;
  };

  /** Reply or edit mode: a bar above the composer says which message, Esc cancels. */
  private startCompose(req: ComposeRequest): void {
    this.compose = req;
    const label = req.mode === "reply" ? t("compose.replyTo", { name: req.senderName }) : t("compose.editing");
    const cancel = el("button", { type: "button", id: "compose-cancel", class: "link" }, t("compose.cancel"));
    cancel.addEventListener("click", () => this.endCompose(true));
    this.composeBar.replaceChildren(el("span", { class: "compose-label" }, label),
      el("span", { class: "compose-body" }, req.body), cancel);
    this.composeBar.hidden = false;
    if (req.mode === "edit") this.composer.value = req.body;
    this.autoGrow();
    this.composer.focus();
  }

  private endCompose(clearText: boolean): void {
    if (clearText && this.compose?.mode === "edit") this.composer.value = "";
    this.compose = null;
    this.composeBar.hidden = true;
    this.composeBar.replaceChildren();
  }

  /** Grows the composer with its text, up to a few lines (rows, not inline style: CSP). */
  private autoGrow(): void {
    const c = this.composer;
    let rows = Math.min(COMPOSER_MAX_ROWS, c.value.split("\n").length);
    c.rows = rows;
    while (c.scrollHeight > c.clientHeight && rows < COMPOSER_MAX_ROWS) c.rows = ++rows;
  }

  /** Sends the composer's text. Sends are chained so they reach Rust in typing order. */
  submit(): void {
    const raw = this.composer.value;
    const text = raw.replace(/^\n+/, "").replace(/\s+$/, "");
    if (!text.trim()) return;
    this.composer.value = "";
    this.autoGrow();
    this.noteTyping();
    this.sendError.textContent = "";
    this.composer.focus();
    this.atBottom = true;
    this.scrollToBottom();
    const compose = this.compose;
    this.endCompose(false);
    this.sendChain = this.sendChain.then(async () => {
      const res = await call(
        compose?.mode === "reply" ? commands.replyTo(this.roomId, compose.itemId, text)
        : compose?.mode === "edit" ? commands.editMessage(this.roomId, compose.itemId, text)
        : commands.sendMessage(this.roomId, text));
      if (res.status === "ok" || this.destroyed) return;
      // Nothing typed is lost: the text goes back into the composer, before anything
      // typed since.
      this.composer.value = this.composer.value ? `${raw}\n${this.composer.value}` : raw;
      this.autoGrow();
      this.sendError.textContent = errorText(res.error);
      this.composer.classList.add("has-error");
      this.composer.addEventListener("input", () => this.composer.classList.remove("has-error"), { once: true });
    });
  }

  /** For tests: the items as the view holds them. */
  get snapshot(): readonly TimelineItemView[] {
    return this.items;
  }

  /** For tests: whether a back-pagination may still happen. */
  get state(): { reachedStart: boolean; paginating: boolean; atBottom: boolean } {
    return { reachedStart: this.reachedStart, paginating: this.paginating !== null, atBottom: this.atBottom };
  }
}

export function placeholderPane(): HTMLElement {
  return el("div", { id: "room-placeholder", class: "room-placeholder" }, el("p", {}, t("main.pickRoom")));
}
