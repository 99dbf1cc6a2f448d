import type { ListDiff } from "./bindings";

function validIndex(i: unknown, max: number): i is number {
  return typeof i === "number" && Number.isInteger(i) && i >= 0 && i <= max;
}

/** Applies one list change pushed by the Rust side, in place.
 *
 *  A diff stream is input: an out-of-range index, a malformed diff or an unknown
 *  operation is ignored rather than corrupting the list, and this never throws. */
export function applyDiff<T>(list: T[], d: ListDiff<T>): void {
  if (!d || typeof d !== "object") return;
  switch (d.op) {
    case "append":
      if (Array.isArray(d.values)) for (const v of d.values) list.push(v);
      break;
    case "clear":
      list.length = 0;
      break;
    case "pushFront":
      list.unshift(d.value);
      break;
    case "pushBack":
      list.push(d.value);
      break;
    case "popFront":
      list.shift();
      break;
    case "popBack":
      list.pop();
      break;
    case "insert":
      if (validIndex(d.index, list.length)) list.splice(d.index, 0, d.value);
      break;
    case "set":
      if (validIndex(d.index, list.length - 1)) list[d.index] = d.value;
      break;
    case "remove":
      if (validIndex(d.index, list.length - 1)) list.splice(d.index, 1);
      break;
    case "truncate":
      if (validIndex(d.length, list.length)) list.length = d.length;
      break;
    case "reset":
      if (!Array.isArray(d.values)) break;
      list.length = 0;
      for (const v of d.values) list.push(v);
      break;
    default:
      break;
  }
}
