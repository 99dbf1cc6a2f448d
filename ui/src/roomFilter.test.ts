import { describe, expect, it } from "vitest";
import { room } from "./test/fixtures";
import { fold, visibleRooms } from "./roomFilter";

const ids = (rs: { roomId: string }[]) => rs.map((r) => r.roomId);

const list = [
  room({ roomId: "!team", name: "Équipe projet", unreadMessages: 2 }),
  room({ roomId: "!bob", name: "Bob Martin", isDirect: true }),
  room({ roomId: "!low", name: "Annonces", isLowPriority: true, unreadMentions: 1 }),
  room({ roomId: "!fav", name: "Direction", isFavourite: true }),
  room({ roomId: "!inv", name: "Nouveau projet", isInvite: true }),
  room({ roomId: "!alice", name: "Alice", isDirect: true, isFavourite: true, unreadNotifications: 1 }),
];

describe("room filters and search", () => {
  it("puts invitations first and low priority last, keeping the SDK's order otherwise", () => {
    expect(ids(visibleRooms(list, "all"))).toEqual(["!inv", "!team", "!bob", "!fav", "!alice", "!low"]);
  });

  it("filters by chip", () => {
    expect(ids(visibleRooms(list, "unread"))).toEqual(["!inv", "!team", "!alice", "!low"]);
    expect(ids(visibleRooms(list, "people"))).toEqual(["!inv", "!bob", "!alice"]);
    expect(ids(visibleRooms(list, "rooms"))).toEqual(["!inv", "!team", "!fav", "!low"]);
    expect(ids(visibleRooms(list, "favourites"))).toEqual(["!fav", "!alice"]);
    expect(ids(visibleRooms(list, "lowPriority"))).toEqual(["!low"]);
  });

  it("searches names without case or accents, together with the chip", () => {
    expect(ids(visibleRooms(list, "all", "  EQUIPE "))).toEqual(["!team"]);
    expect(ids(visibleRooms(list, "all", "projet"))).toEqual(["!inv", "!team"]);
    expect(ids(visibleRooms(list, "people", "projet"))).toEqual(["!inv"]);
    expect(visibleRooms(list, "favourites", "zzz")).toEqual([]);
    expect(fold("Élise Ça")).toBe("elise ca");
  });

  it("follows the list as it changes (recomputed from the summaries)", () => {
    const next = list.map((r) => (r.roomId === "!bob" ? { ...r, isFavourite: true } : r));
    expect(ids(visibleRooms(next, "favourites"))).toEqual(["!bob", "!fav", "!alice"]);
    const accepted = list.map((r) => (r.roomId === "!inv" ? { ...r, isInvite: false } : r));
    expect(ids(visibleRooms(accepted, "all"))[0]).toBe("!team");
  });
});
