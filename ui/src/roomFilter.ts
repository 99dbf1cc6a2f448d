// What the sidebar shows of the room list: a filter chip and a name search, applied
// on the summaries Rust streams (the list itself stays the SDK's, diff by diff, so it
// is always complete; only the view is narrowed, recomputed at each draw).
import type { RoomSummary } from "./types";

export type RoomFilter = "all" | "unread" | "people" | "rooms" | "favourites" | "lowPriority";

export const ROOM_FILTERS: readonly RoomFilter[] = ["all", "unread", "people", "rooms", "favourites", "lowPriority"];

/** Lower case, without accents: "Équipe" is found by "equipe". */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

function matches(room: RoomSummary, filter: RoomFilter): boolean {
  switch (filter) {
    case "all": return true;
    case "unread": return room.unreadMessages > 0 || room.unreadNotifications > 0 || room.unreadMentions > 0;
    case "people": return room.isDirect;
    case "rooms": return !room.isDirect;
    case "favourites": return room.isFavourite;
    case "lowPriority": return room.isLowPriority;
  }
}

/** The rooms to show, in order: invitations first (they wait for an answer; under
 *  every filter but the two tags, which an invitation cannot have), then the rooms in
 *  the SDK's order (recent activity), low-priority ones last. */
export function visibleRooms(rooms: readonly RoomSummary[], filter: RoomFilter, search = ""): RoomSummary[] {
  const term = fold(search.trim());
  const found = term ? rooms.filter((r) => fold(r.name).includes(term)) : rooms;
  const invites: RoomSummary[] = [];
  const normal: RoomSummary[] = [];
  const low: RoomSummary[] = [];
  for (const room of found) {
    if (room.isInvite) {
      if (filter !== "favourites" && filter !== "lowPriority") invites.push(room);
    } else if (matches(room, filter)) {
      (room.isLowPriority ? low : normal).push(room);
    }
  }
  return [...invites, ...normal, ...low];
}
