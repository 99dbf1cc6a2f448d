import type { MediaView, MessageItem, TimelineItemView } from "../types";
import { append, cls, el, reconcile } from "../dom";
import {
  colorSlot, dayLabel, fullTime, membershipGroupText, membershipText, messageTime, profileChangeText, sendStateText,
  startsGroup, stateChangeText,
} from "../format";
import { currentLang, hasKey, t } from "../i18n";
import { formatNumber } from "../intl";
import { attachment } from "./attachment";
import { uploadBar } from "./fileSend";

function isoTime(ms: number | null): string | undefined {
  return typeof ms === "number" && Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

function notice(item: { id: string; timestamp: number | null }, text: string, extra?: string): HTMLLIElement {
  return el(
    "li",
    { class: cls("event", "notice", extra), "data-event-id": item.id, title: fullTime(item.timestamp) || undefined },
    text,
  );
}

function msgKind(msgtype: string): "emote" | "notice" | "text" {
  if (msgtype === "emote" || msgtype === "m.emote") return "emote";
  if (msgtype === "notice" || msgtype === "m.notice") return "notice";
  return "text";
}

function body(item: MessageItem): HTMLElement {
  const hasHtml = item.html !== null && item.html !== undefined;
  const node = el("div", { class: cls("body", hasHtml && "html") });
  if (msgKind(item.msgtype) === "emote") append(node, el("span", { class: "emote-name" }, `* ${item.senderName} `));
  if (hasHtml) {
    // The ONLY place the UI parses HTML. `html` was sanitised in Rust (chappe-core's
    // `html::sanitize`: Matrix's strict allow-list of tags and attributes; no scripts,
    // no event handlers, no style, only safe link schemes) before it crossed IPC. A
    // <template> parses it inert (no script runs, no image loads while parsing); links
    // are kept from navigating the window by the click guard in main.ts. Every other
    // string, including `body`, goes through textContent.
    const tpl = document.createElement("template");
    tpl.innerHTML = item.html as string;
    for (const a of tpl.content.querySelectorAll("a[href]")) {
      a.setAttribute("title", a.getAttribute("href") ?? "");
      a.setAttribute("rel", "noopener noreferrer");
    }
    node.append(tpl.content);
  } else {
    node.append(document.createTextNode(item.body));
  }
  return node;
}

function sendState(item: MessageItem): HTMLElement | null {
  const text = sendStateText(item.sendState);
  if (text === null) return null;
  const s = item.sendState;
  const failed = s.state === "failed";
  return el(
    "span",
    {
      class: cls("send-state", s.state, failed && s.recoverable && "recoverable"),
      title: failed ? s.reason : undefined,
      role: failed ? "status" : undefined,
    },
    text,
  );
}

export function renderMessage(item: MessageItem, first: boolean): HTMLLIElement {
  const kind = msgKind(item.msgtype);
  const s = item.sendState;
  const failed = s.state === "failed";
  return el(
    "li",
    {
      class: cls("event", "message", item.isOwn && "own", first && "first", kind !== "text" && kind,
        s.state === "sending" && "pending", failed && "failed"),
      "data-event-id": item.id,
      "data-sender": item.sender,
      "data-sender-name": item.senderName,
      "data-body": item.body,
    },
    // An emote carries the name inline ("* Alice waves"): no header above it.
    first && kind !== "emote"
      ? el("div", { class: `sender c${colorSlot(item.sender)}`, title: item.sender }, item.senderName)
      : null,
    quote(item),
    el("div", { class: "line" },
      item.media ? attachment(item.media as MediaView) : body(item),
      el("span", { class: "meta" },
        // "(modifié)" opens the message's earlier versions (actions.ts, "history").
        item.edited
          ? el("button", { type: "button", class: "edited link", "data-action": "history", "aria-expanded": "false",
            title: t("timeline.editHistory") }, t("timeline.edited"))
          : null,
        el("time", { class: "time", datetime: isoTime(item.timestamp), title: fullTime(item.timestamp) || undefined },
          messageTime(item.timestamp)),
        sendState(item))),
    item.media ? uploadBar(s) : null,
    failed && s.reason ? el("div", { class: "send-reason" }, s.reason) : null,
    reactions(item),
    readBy(item),
    actions(item),
  );
}

/** The quoted message above a reply (text only). */
function quote(item: MessageItem): HTMLElement | null {
  const q = item.inReplyTo;
  if (!q) return null;
  return el("blockquote", { class: "reply-quote" },
    q.senderName ? el("span", { class: "reply-sender" }, q.senderName) : null,
    el("span", { class: "reply-body" }, q.body || t("timeline.replyLoading")));
}

function localpart(userId: string): string {
  return userId.replace(/^@/, "").split(":")[0] ?? userId;
}

/** Reaction chips: the key and how many; the user's own are marked, a click toggles. */
function reactions(item: MessageItem): HTMLElement | null {
  if (item.reactions.length === 0) return null;
  return el("div", { class: "reactions" },
    ...item.reactions.map((r) => el("button", {
      type: "button", class: cls("reaction", r.mine && "mine"), "data-action": "react", "data-key": r.key,
      "aria-pressed": r.mine ? "true" : "false",
      title: r.senders.map(localpart).join(", "),
    }, `${r.key} ${r.count}`)));
}

/** Readers named under a message; the others are counted. In a room of thousands a
 *  message can be read by thousands (issue #11): a line of ten thousand names helps
 *  nobody and weighs on every render. The tooltip names a few more. */
export const READERS_NAMED = 3;
const READERS_IN_TITLE = 30;

/** "Lu par …" under the user's own messages that others have read up to. */
function readBy(item: MessageItem): HTMLElement | null {
  if (!item.isOwn || item.readBy.length === 0) return null;
  const all = item.readBy;
  const named = all.slice(0, READERS_NAMED).map(localpart).join(", ");
  const others = all.length - READERS_NAMED;
  const title = all.slice(0, READERS_IN_TITLE).join(", ") + (all.length > READERS_IN_TITLE ? " …" : "");
  return el("div", { class: "read-by", title },
    others > 0
      ? t("timeline.readByMore", { names: named, count: formatNumber(others) })
      : t("timeline.readBy", { names: named }));
}

/** What can be done on a message: react, delete one's own; retry or drop a failed one. */
function actions(item: MessageItem): HTMLElement {
  const s = item.sendState;
  const buttons: HTMLElement[] = [];
  if (s.state === "failed") {
    buttons.push(el("button", { type: "button", "data-action": "retry" }, t("action.retry")));
    buttons.push(el("button", { type: "button", "data-action": "discard" }, t("action.discard")));
  } else if (s.state === "sent") {
    buttons.push(el("button", { type: "button", "data-action": "react", "data-key": "👍",
      title: t("action.react"), "aria-label": t("action.react") }, "👍"));
    buttons.push(el("button", { type: "button", "data-action": "reply" }, t("action.reply")));
    if (item.isOwn) {
      buttons.push(el("button", { type: "button", "data-action": "edit" }, t("action.edit")));
      buttons.push(el("button", { type: "button", "data-action": "delete" }, t("action.delete")));
    }
  }
  return el("div", { class: "actions" }, ...buttons);
}

/** One timeline item as a list element; `first` tells whether a message starts a
 *  group (shows the sender's name). Every item is an `li.event[data-event-id]`. */
export function renderItem(item: TimelineItemView, first: boolean, now = new Date()): HTMLLIElement {
  switch (item.kind) {
    case "message":
      return renderMessage(item, first);
    case "deleted":
      return notice(item, `${item.senderName} — ${t("timeline.deleted")}`, "deleted");
    case "unableToDecrypt": {
      // The honest reason the SDK gives (sent before joining, unverified device…).
      const key = `timeline.utd.${item.reason}`;
      const li = notice(item, `${item.senderName} — ${t(hasKey(key) ? key : "timeline.utd")}`, "utd");
      li.dataset.reason = item.reason;
      return li;
    }
    case "membership":
      return notice(item, membershipText(item.userName, item.change), "membership");
    case "profileChange":
      return notice(item, profileChangeText(item.userName, item.newName), "profile");
    case "stateChange":
      return notice(item, stateChangeText(item.senderName, item.eventType), "state");
    case "unsupported":
      return notice(item, `${item.senderName} — ${t("timeline.unsupported")}`, "unsupported");
    case "dayDivider":
      // A list item (the list may only hold items), read out as the day it starts.
      return el("li", { class: "event day-divider", "data-event-id": item.id },
        el("time", { datetime: isoTime(item.timestamp) }, dayLabel(item.timestamp, now)));
    case "readMarker":
      return el("li", { class: "event read-marker", "data-event-id": item.id },
        el("span", {}, t("timeline.readMarker")));
    case "timelineStart":
      return el("li", { class: "event timeline-start", "data-event-id": item.id }, t("timeline.start"));
    default: {
      const unknown = item as { id?: unknown };
      return el("li", { class: "event unsupported", "data-event-id": String(unknown.id ?? "") }, t("timeline.unsupported"));
    }
  }
}

interface Entry {
  key: string;
  node: HTMLLIElement;
}

type MembershipItem = Extract<TimelineItemView, { kind: "membership" }>;

/** A run of consecutive membership changes, shown as one line that expands. */
function renderMembershipGroup(run: readonly MembershipItem[], expanded: boolean, onToggle: () => void): HTMLLIElement {
  const first = run[0] as MembershipItem;
  const toggle = el("button", {
    type: "button", class: "link membership-summary", "aria-expanded": expanded ? "true" : "false",
  }, membershipGroupText(run));
  toggle.addEventListener("click", onToggle);
  return el("li", { class: "event notice membership-group", "data-event-id": first.id, "data-count": String(run.length) },
    toggle,
    el("ul", { class: "membership-list", hidden: !expanded },
      ...run.map((i) => el("li", { class: "membership", "data-event-id": i.id, title: fullTime(i.timestamp) || undefined },
        membershipText(i.userName, i.change)))));
}

/** Items as shown: runs of two or more consecutive membership changes become one group. */
export function groupMemberships(items: readonly TimelineItemView[]): (TimelineItemView | MembershipItem[])[] {
  const out: (TimelineItemView | MembershipItem[])[] = [];
  let run: MembershipItem[] = [];
  const flush = () => {
    if (run.length >= 2) out.push(run);
    else out.push(...run);
    run = [];
  };
  for (const item of items) {
    if (item.kind === "membership") {
      run.push(item);
      continue;
    }
    flush();
    out.push(item);
  }
  flush();
  return out;
}

/** The list of a room's items (`ol#timeline`). `render` rebuilds only the items whose
 *  content (or grouping) changed, and moves the others. */
export class TimelineView {
  readonly element: HTMLOListElement;
  private entries = new Map<string, Entry>();
  /** Membership groups the user opened (by their first item's id). */
  private expanded = new Set<string>();
  private last: readonly TimelineItemView[] = [];
  private lastNow = new Date();

  constructor() {
    this.element = el("ol", {
      id: "timeline", class: "timeline", "aria-label": t("timeline.label"), "aria-live": "polite", "aria-relevant": "additions",
    });
  }

  render(items: readonly TimelineItemView[], now = new Date()): void {
    this.last = items;
    this.lastNow = now;
    const next = new Map<string, Entry>();
    const nodes: HTMLLIElement[] = [];
    let prev: TimelineItemView | undefined;
    for (const shown of groupMemberships(items)) {
      if (Array.isArray(shown)) {
        const first = shown[0] as MembershipItem;
        const id = first.id;
        const open = this.expanded.has(id);
        const key = `group|${JSON.stringify(shown)}|${open}|${currentLang()}`;
        prev = shown.at(-1);
        let entry = this.entries.get(id);
        if (!entry || entry.key !== key || next.has(id)) {
          entry = { key, node: renderMembershipGroup(shown, open, () => this.toggleGroup(id)) };
        }
        next.set(id, entry);
        nodes.push(entry.node);
        continue;
      }
      const item = shown;
      const first = startsGroup(prev, item);
      prev = item;
      const id = item.id;
      const extra = item.kind === "dayDivider" ? dayLabel(item.timestamp, now) : "";
      const key = `${JSON.stringify(item)}|${first}|${currentLang()}|${extra}`;
      if (next.has(id)) {
        nodes.push(renderItem(item, first, now)); // duplicate id: shown, not cached
        continue;
      }
      let entry = this.entries.get(id);
      if (!entry || entry.key !== key) entry = { key, node: renderItem(item, first, now) };
      next.set(id, entry);
      nodes.push(entry.node);
    }
    this.entries = next;
    reconcile(this.element, nodes);
  }

  private toggleGroup(id: string): void {
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.add(id);
    this.render(this.last, this.lastNow);
  }

  /** The item node for an id, if shown (a grouped membership change: its group). */
  nodeOf(id: string): HTMLLIElement | undefined {
    return this.entries.get(id)?.node;
  }
}
