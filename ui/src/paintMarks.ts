// Performance marks for the benchmark (issue 10): when the room list is first painted,
// how many rooms it holds each time that number grows, and when an opened room's first
// screen of messages is painted (the room switch). The list is windowed (only the rows
// in view are in the DOM), so "holds" is the length of the list just rendered, not its
// count of elements: with 1,000 rooms the last mark is `chappe:rooms-painted:1000`.
// The bench runner reads them back from the real window through WebDriver
// (`performance.getEntriesByType`), so "launch → room list painted" is measured by the
// UI itself, not guessed from logs.
// Cheap: at most one pending frame callback, and a mark only when the count grows.

/** The first time at least one room is painted. */
export const FIRST_PAINT_MARK = "chappe:room-list-painted";
/** Each time the painted list holds more rooms than ever before; `detail.count` (and
 *  the name's suffix, for webviews without mark details) is how many. */
export const ROOMS_PAINTED_MARK = "chappe:rooms-painted";
/** When an opened room's timeline first shows messages; `detail.roomId` names it. The
 *  bench clicks a room and takes the first such mark after the click. */
export const TIMELINE_PAINTED_MARK = "chappe:timeline-painted";
/** When the room view asks Rust to open the room (after the click's own work: the
 *  view built, the list redrawn). */
export const ROOM_OPEN_MARK = "chappe:room-open";
/** When those first messages reached the page from Rust (before they are drawn): splits
 *  a room switch into "Rust and IPC" and "drawing and painting". */
export const TIMELINE_RECEIVED_MARK = "chappe:timeline-received";

type Frame = (cb: () => void) => unknown;

export interface PaintMarkDeps {
  /** Runs before the next paint (`requestAnimationFrame`). */
  frame: Frame;
  /** Runs as soon as possible after the current task (`setTimeout(…, 0)`): queued from
   *  a frame callback, it runs once that frame has been painted. */
  later: (cb: () => void) => unknown;
  mark: (name: string, detail: { count: number } | { roomId: string }) => void;
}

const browserDeps = (): PaintMarkDeps => ({
  frame: typeof requestAnimationFrame === "function" ? (cb) => requestAnimationFrame(cb) : (cb) => setTimeout(cb, 16),
  later: (cb) => setTimeout(cb, 0),
  mark: (name, detail) => {
    // Marks are a measurement aid: never let them break the UI (old webviews, full buffers).
    try {
      performance.mark(name, { detail });
    } catch {
      /* nothing to measure with */
    }
  },
});

export class PaintMarks {
  private best = 0;
  private pending = false;

  /** `count`: how many rooms the rendered list holds when asked (all of them, drawn in
   *  the window or not: `RoomListView.count`). */
  constructor(private count: () => number, private deps: PaintMarkDeps = browserDeps()) {}

  /** After the list was rendered: marks the frame that paints it, if it holds more
   *  rooms than at any earlier frame. */
  rendered(): void {
    if (this.pending || this.count() <= this.best) return;
    this.pending = true;
    this.deps.frame(() => {
      // Counted in the frame callback: what this frame is about to paint.
      const n = this.count();
      this.deps.later(() => {
        this.pending = false;
        if (n <= this.best) return;
        if (this.best === 0) this.deps.mark(FIRST_PAINT_MARK, { count: n });
        this.best = n;
        this.deps.mark(`${ROOMS_PAINTED_MARK}:${n}`, { count: n });
        // Rooms added while this frame was waiting get their own mark.
        if (this.count() > this.best) this.rendered();
      });
    });
  }
}

/** Marks this moment: `name` now. */
export function markNow(name: string, detail: { roomId: string }, deps: PaintMarkDeps = browserDeps()): void {
  deps.mark(name, detail);
}

/** Marks the frame that paints what was just rendered: `name` once it is on screen. */
export function markNextPaint(name: string, detail: { roomId: string }, deps: PaintMarkDeps = browserDeps()): void {
  deps.frame(() => deps.later(() => deps.mark(name, detail)));
}
