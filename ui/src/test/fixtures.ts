import type { MessageItem, RoomSummary, TimelineItemView } from "../types";

export function room(over: Partial<RoomSummary> = {}): RoomSummary {
  return {
    roomId: "!a:x", name: "Accueil", avatarInitial: "A", lastMessage: null, lastActivity: null,
    unreadMessages: 0, unreadNotifications: 0, unreadMentions: 0, isDirect: false, isEncrypted: false,
    isInvite: false, replacedBy: null, isFavourite: false, isLowPriority: false, ...over,
  };
}

export const T0 = new Date(2026, 10, 23, 10, 0).getTime();

export function msg(over: Partial<MessageItem> = {}): MessageItem {
  return {
    kind: "message", id: "$1", sender: "@alice:x", senderName: "Alice", isOwn: false, timestamp: T0,
    body: "bonjour", html: null, msgtype: "text", edited: false, sendState: { state: "sent" },
    inReplyTo: null, reactions: [], readBy: [], media: null, ...over,
  };
}

export function items(...list: TimelineItemView[]): TimelineItemView[] {
  return list;
}
