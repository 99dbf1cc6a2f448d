import { describe, expect, it } from "vitest";
import { applyDiff } from "./diff";

describe("applyDiff", () => {
  it("applies every operation in order", () => {
    const l: number[] = [];
    applyDiff(l, { op: "append", values: [1, 2, 3] });
    expect(l).toEqual([1, 2, 3]);
    applyDiff(l, { op: "pushFront", value: 0 });
    applyDiff(l, { op: "pushBack", value: 4 });
    expect(l).toEqual([0, 1, 2, 3, 4]);
    applyDiff(l, { op: "popFront" });
    applyDiff(l, { op: "popBack" });
    expect(l).toEqual([1, 2, 3]);
    applyDiff(l, { op: "insert", index: 1, value: 9 });
    expect(l).toEqual([1, 9, 2, 3]);
    applyDiff(l, { op: "set", index: 0, value: 7 });
    applyDiff(l, { op: "remove", index: 1 });
    expect(l).toEqual([7, 2, 3]);
    applyDiff(l, { op: "truncate", length: 2 });
    expect(l).toEqual([7, 2]);
    applyDiff(l, { op: "reset", values: [5] });
    expect(l).toEqual([5]);
    applyDiff(l, { op: "clear" });
    expect(l).toEqual([]);
  });

  it("ignores out-of-range indices instead of corrupting the list", () => {
    const l = [1, 2];
    applyDiff(l, { op: "set", index: 5, value: 3 });
    applyDiff(l, { op: "remove", index: 2 });
    applyDiff(l, { op: "insert", index: 9, value: 3 });
    applyDiff(l, { op: "truncate", length: 10 });
    expect(l).toEqual([1, 2]);
  });
});
