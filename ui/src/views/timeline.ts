import type { MessageItem, TimelineItemView } from "../types";
import { el } from "../dom";
import { dayLabel, messageTime, startsGroup } from "../format";
import { hasKey, t } from "../i18n";

function notice(item: TimelineItemView, text: string): HTMLElement {
  return el("li", { class: "event notice", "data-event-id": "id" in item ? item.id : "" }, text);
}

function body(item: MessageItem): HTMLElement {
  const node = el("div", { class: "body" });
  if (item.html !== null) {
    // The only place the UI parses HTML: `html` was sanitised in Rust (ruma's strict
    // Matrix allow-list: no scripts, no event handlers, no style, safe link schemes).
    const tpl = document.createElement("template");
    tpl.innerHTML = item.html;
    node.append(tpl.content);
  } else {
    node.textContent = item.body;
  }
  return node;
}

function sendState(item: MessageItem): HTMLElement | null {
  const s = item.sendState;
  if (s.state === "sent") return null;
  if (s.state === "sending") return el("span", { class: "send-state sending" }, t("timeline.sending"));
  return el(
    "span",
    { class: "send-state failed", title: s.reason },
    s.recoverable ? t("timeline.failedRetrying") : t("timeline.failed"),
  );
}

export function renderItem(item: TimelineItemView, prev: TimelineItemView | undefined): HTMLElement {
  switch (item.kind) {
    case "message": {
      const first = startsGroup(prev, item);
      return el(
        "li",
        {
          class: ["event", "message", item.isOwn && "own", first && "first", item.msgtype === "m.notice" && "m-notice",
            item.msgtype === "m.emote" && "m-emote"].filter(Boolean).join(" "),
          "data-event-id": item.id,
        },
        first ? el("div", { class: "sender" }, item.senderName) : null,
        el("div", { class: "line" },
          body(item),
          el("span", { class: "meta" },
            item.edited ? el("span", { class: "edited" }, t("timeline.edited")) : null,
            el("time", { datetime: item.timestamp === null ? undefined : new Date(item.timestamp).toISOString() },
              messageTime(item.timestamp)),
            sendState(item))),
      );
    }
    case "deleted":
      return notice(item, `${item.senderName} — ${t("timeline.deleted")}`);
    case "unableToDecrypt":
      return notice(item, `${item.senderName} — ${t("timeline.utd")}`);
    case "membership": {
      const key = `membership.${item.change}`;
      return notice(item, t(hasKey(key) ? key : "membership.changed", { name: item.userName }));
    }
    case "profileChange":
      return notice(item, item.newName
        ? t("timeline.profile.name", { name: item.userName, newName: item.newName })
        : t("timeline.profile.other", { name: item.userName }));
    case "stateChange":
      return notice(item, t("timeline.stateChange", { name: item.senderName, type: item.eventType }));
    case "unsupported":
      return notice(item, `${item.senderName} — ${t("timeline.unsupported")}`);
    case "dayDivider":
      return el("li", { class: "day-divider", "data-event-id": item.id }, el("span", {}, dayLabel(item.timestamp)));
    case "readMarker":
      return el("li", { class: "read-marker", "data-event-id": item.id }, el("span", {}, t("timeline.readMarker")));
    case "timelineStart":
      return el("li", { class: "timeline-start", "data-event-id": item.id }, t("timeline.start"));
  }
}
