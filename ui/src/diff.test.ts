import { describe, expect, it } from "vitest";
import type { ListDiff } from "./bindings";
import { applyDiff } from "./diff";

const run = (start: number[], d: ListDiff<number>): number[] => {
  const l = [...start];
  applyDiff(l, d);
  return l;
};

describe("applyDiff", () => {
  it("append adds values at the end", () => {
    expect(run([1], { op: "append", values: [2, 3] })).toEqual([1, 2, 3]);
    expect(run([], { op: "append", values: [] })).toEqual([]);
  });

  it("clear empties the list", () => {
    expect(run([1, 2], { op: "clear" })).toEqual([]);
  });

  it("pushFront and pushBack add one value", () => {
    expect(run([1], { op: "pushFront", value: 0 })).toEqual([0, 1]);
    expect(run([1], { op: "pushBack", value: 2 })).toEqual([1, 2]);
  });

  it("popFront and popBack remove one value, and do nothing on an empty list", () => {
    expect(run([1, 2, 3], { op: "popFront" })).toEqual([2, 3]);
    expect(run([1, 2, 3], { op: "popBack" })).toEqual([1, 2]);
    expect(run([], { op: "popFront" })).toEqual([]);
    expect(run([], { op: "popBack" })).toEqual([]);
  });

  it("insert puts a value at an index, including the end", () => {
    expect(run([1, 3], { op: "insert", index: 1, value: 2 })).toEqual([1, 2, 3]);
    expect(run([1], { op: "insert", index: 0, value: 0 })).toEqual([0, 1]);
    expect(run([1], { op: "insert", index: 1, value: 2 })).toEqual([1, 2]);
  });

  it("set replaces the value at an index", () => {
    expect(run([1, 2, 3], { op: "set", index: 2, value: 9 })).toEqual([1, 2, 9]);
  });

  it("remove drops the value at an index", () => {
    expect(run([1, 2, 3], { op: "remove", index: 0 })).toEqual([2, 3]);
    expect(run([1, 2, 3], { op: "remove", index: 2 })).toEqual([1, 2]);
  });

  it("truncate keeps the first values", () => {
    expect(run([1, 2, 3], { op: "truncate", length: 1 })).toEqual([1]);
    expect(run([1, 2, 3], { op: "truncate", length: 0 })).toEqual([]);
    expect(run([1, 2], { op: "truncate", length: 2 })).toEqual([1, 2]);
  });

  it("reset replaces everything", () => {
    expect(run([1, 2, 3], { op: "reset", values: [7] })).toEqual([7]);
    expect(run([1], { op: "reset", values: [] })).toEqual([]);
  });

  it("applies a sequence in order on the same array", () => {
    const l: number[] = [];
    const seq: ListDiff<number>[] = [
      { op: "append", values: [1, 2, 3] }, { op: "pushFront", value: 0 }, { op: "remove", index: 2 },
      { op: "set", index: 0, value: 5 }, { op: "insert", index: 3, value: 4 },
    ];
    for (const d of seq) applyDiff(l, d);
    expect(l).toEqual([5, 1, 3, 4]);
  });

  it("ignores out-of-range indices", () => {
    expect(run([1, 2], { op: "set", index: 2, value: 3 })).toEqual([1, 2]);
    expect(run([1, 2], { op: "set", index: -1, value: 3 })).toEqual([1, 2]);
    expect(run([1, 2], { op: "remove", index: 2 })).toEqual([1, 2]);
    expect(run([1, 2], { op: "remove", index: -1 })).toEqual([1, 2]);
    expect(run([1, 2], { op: "insert", index: 3, value: 3 })).toEqual([1, 2]);
    expect(run([1, 2], { op: "insert", index: -1, value: 3 })).toEqual([1, 2]);
    expect(run([1, 2], { op: "insert", index: 0.5, value: 3 })).toEqual([1, 2]);
    expect(run([1, 2], { op: "truncate", length: 10 })).toEqual([1, 2]);
    expect(run([1, 2], { op: "truncate", length: -1 })).toEqual([1, 2]);
    expect(run([], { op: "set", index: 0, value: 1 })).toEqual([]);
    expect(run([], { op: "remove", index: 0 })).toEqual([]);
  });

  it("never throws on malformed input", () => {
    const bad = [
      null, undefined, 42, {}, { op: "nope" }, { op: "append" }, { op: "reset", values: "x" },
      { op: "insert" }, { op: "set", index: "1", value: 3 }, { op: "truncate" },
    ] as unknown as ListDiff<number>[];
    const l = [1, 2];
    for (const d of bad) expect(() => applyDiff(l, d)).not.toThrow();
    expect(l).toEqual([1, 2]);
  });

  it("handles very large appends and resets", () => {
    const big = Array.from({ length: 200_000 }, (_, i) => i);
    const l: number[] = [];
    applyDiff(l, { op: "append", values: big });
    applyDiff(l, { op: "reset", values: big });
    expect(l.length).toBe(200_000);
  });
});
