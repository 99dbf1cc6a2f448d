import { describe, expect, it } from "vitest";
import { FIRST_PAINT_MARK, markNextPaint, PaintMarks, ROOMS_PAINTED_MARK, TIMELINE_PAINTED_MARK, type PaintMarkDeps } from "./paintMarks";

/** Frame and "after paint" callbacks run by hand, marks recorded. */
function harness() {
  const frames: (() => void)[] = [];
  const laters: (() => void)[] = [];
  const marks: { name: string; count?: number; roomId?: string }[] = [];
  const deps: PaintMarkDeps = {
    frame: (cb) => frames.push(cb),
    later: (cb) => laters.push(cb),
    mark: (name, d) => marks.push({ name, ...d }),
  };
  const paint = () => {
    for (const f of frames.splice(0)) f();
    for (const l of laters.splice(0)) l();
  };
  return { deps, marks, frames, paint };
}

describe("room list paint marks", () => {
  it("marks nothing for an empty list", () => {
    const h = harness();
    const marks = new PaintMarks(() => 0, h.deps);
    marks.rendered();
    h.paint();
    expect(h.marks).toEqual([]);
    expect(h.frames).toHaveLength(0);
  });

  it("marks the first paint once, then each larger count after its frame is painted", () => {
    const h = harness();
    let n = 20;
    const marks = new PaintMarks(() => n, h.deps);
    marks.rendered();
    expect(h.marks).toEqual([]); // not before the frame is painted
    h.paint();
    expect(h.marks).toEqual([
      { name: FIRST_PAINT_MARK, count: 20 },
      { name: `${ROOMS_PAINTED_MARK}:20`, count: 20 },
    ]);
    // The same count again (an update of a room): no new mark, no frame asked.
    marks.rendered();
    expect(h.frames).toHaveLength(0);
    n = 1000;
    marks.rendered();
    h.paint();
    expect(h.marks.slice(2)).toEqual([{ name: `${ROOMS_PAINTED_MARK}:1000`, count: 1000 }]);
    // Fewer rooms shown (a filter): nothing.
    n = 3;
    marks.rendered();
    h.paint();
    expect(h.marks).toHaveLength(3);
  });

  it("asks one frame at a time and counts what that frame paints", () => {
    const h = harness();
    let n = 10;
    const marks = new PaintMarks(() => n, h.deps);
    marks.rendered();
    n = 50;
    marks.rendered(); // already waiting for a frame
    expect(h.frames).toHaveLength(1);
    h.paint();
    expect(h.marks.map((m) => m.count)).toEqual([50, 50]);
  });

  it("marks rooms that arrived between the frame and its paint", () => {
    const h = harness();
    let n = 20;
    const marks = new PaintMarks(() => n, h.deps);
    marks.rendered();
    for (const f of h.frames.splice(0)) f(); // frame counted 20
    n = 120;
    marks.rendered(); // still pending: ignored here, caught after the paint
    h.paint(); // the 20-room frame is painted, then a frame is asked for 120
    h.paint();
    expect(h.marks.map((m) => m.name)).toEqual([FIRST_PAINT_MARK, `${ROOMS_PAINTED_MARK}:20`, `${ROOMS_PAINTED_MARK}:120`]);
  });
});

describe("timeline paint mark", () => {
  it("marks the room once the frame that shows its messages is painted, not before", () => {
    const h = harness();
    markNextPaint(TIMELINE_PAINTED_MARK, { roomId: "!a:x" }, h.deps);
    expect(h.marks).toEqual([]);
    h.paint();
    expect(h.marks).toEqual([{ name: TIMELINE_PAINTED_MARK, roomId: "!a:x" }]);
  });
});
