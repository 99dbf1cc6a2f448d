import type { ListDiff } from "./bindings";

/** Applies one list change pushed by the Rust side. Out-of-range indices are ignored:
 *  a diff stream is input, and a bad one must not break the screen. */
export function applyDiff<T>(list: T[], d: ListDiff<T>): void {
  switch (d.op) {
    case "append":
      list.push(...d.values);
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
      if (d.index <= list.length) list.splice(d.index, 0, d.value);
      break;
    case "set":
      if (d.index < list.length) list[d.index] = d.value;
      break;
    case "remove":
      if (d.index < list.length) list.splice(d.index, 1);
      break;
    case "truncate":
      if (d.length < list.length) list.length = d.length;
      break;
    case "reset":
      list.length = 0;
      list.push(...d.values);
      break;
  }
}
