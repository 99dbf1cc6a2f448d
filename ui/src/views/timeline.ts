import type { MediaView, MessageItem, TimelineItemView } from "../types";
import { append, cls, el, reconcile } from "../dom";
import {
  colorSlot, dayLabel, fullTime, membershipText, messageTime, profileChangeText, sendStateText,
  startsGroup, stateChangeText,
} from "../format";
import { currentLang, t } from "../i18n";
import { attachment } from "./attachment";

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
        item.edited ? el("span", { class: "edited" }, t("timeline.edited")) : null,
        el("time", { class: "time", datetime: isoTime(item.timestamp), title: fullTime(item.timestamp) || undefined },
          messageTime(item.timestamp)),
        sendState(item))),
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

/** "Lu par …" under the user's own messages that others have read up to. */
function readBy(item: MessageItem): HTMLElement | null {
  if (!item.isOwn || item.readBy.length === 0) return null;
  return el("div", { class: "read-by", title: item.readBy.join(", ") },
    t("timeline.readBy", { names: item.readBy.map(localpart).join(", ") }));
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
    case "unableToDecrypt":
      return notice(item, `${item.senderName} — ${t("timeline.utd")}`, "utd");
    case "membership":
      return notice(item, membershipText(item.userName, item.change), "membership");
    case "profileChange":
      return notice(item, profileChangeText(item.userName, item.newName), "profile");
    case "stateChange":
      return notice(item, stateChangeText(item.senderName, item.eventType), "state");
    case "unsupported":
      return notice(item, `${item.senderName} — ${t("timeline.unsupported")}`, "unsupported");
    case "dayDivider":
      return el("li", { class: "event day-divider", "data-event-id": item.id, role: "separator" },
        el("time", { datetime: isoTime(item.timestamp) }, dayLabel(item.timestamp, now)));
    case "readMarker":
      return el("li", { class: "event read-marker", "data-event-id": item.id, role: "separator" },
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

/** The list of a room's items (`ol#timeline`). `render` rebuilds only the items whose
 *  content (or grouping) changed, and moves the others. */
export class TimelineView {
  readonly element: HTMLOListElement;
  private entries = new Map<string, Entry>();

  constructor() {
    this.element = el("ol", {
      id: "timeline", class: "timeline", "aria-label": t("timeline.label"), "aria-live": "polite", "aria-relevant": "additions",
    });
  }

  render(items: readonly TimelineItemView[], now = new Date()): void {
    const next = new Map<string, Entry>();
    const nodes: HTMLLIElement[] = [];
    let prev: TimelineItemView | undefined;
    for (const item of items) {
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

  /** The item node for an id, if shown. */
  nodeOf(id: string): HTMLLIElement | undefined {
    return this.entries.get(id)?.node;
  }
}
