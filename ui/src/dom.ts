// Small DOM helpers. Elements are built with text only (never HTML strings), so nothing
// from the network is parsed as markup by accident, and no inline style is ever set
// (the CSP is `style-src 'self'`): looks come from classes in style.css. One exception,
// not a looks: the room list's padding for the rows it does not draw (views/roomList.ts),
// two custom properties in px written through the CSSOM, which the CSP does not restrict.

type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = String(v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  append(node, ...children);
  return node;
}

export function append(node: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

/** "a b" from ["a", false, "b", null]. */
export function cls(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(" ");
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** Makes `parent`'s children exactly `nodes`, in order, touching only what moved:
 *  nodes already in place stay put, so a long list with one change costs one change. */
export function reconcile(parent: Node, nodes: readonly Node[]): void {
  let cur = parent.firstChild;
  for (const n of nodes) {
    if (n === cur) {
      cur = cur.nextSibling;
      continue;
    }
    parent.insertBefore(n, cur);
  }
  while (cur) {
    const next: ChildNode | null = cur.nextSibling;
    parent.removeChild(cur);
    cur = next;
  }
}

/** Runs `fn` once before the next paint, however often it is asked in between: diffs
 *  arrive in bursts and the screen is drawn once per frame. */
export function frameScheduler(fn: () => void): { schedule: () => void; cancel: () => void; flush: () => void } {
  let handle: number | null = null;
  const raf: (cb: () => void) => number =
    typeof requestAnimationFrame === "function" ? requestAnimationFrame : (cb) => window.setTimeout(cb, 16);
  const caf: (h: number) => void =
    typeof cancelAnimationFrame === "function" ? cancelAnimationFrame : (h) => window.clearTimeout(h);
  const run = () => {
    handle = null;
    fn();
  };
  return {
    schedule: () => {
      if (handle === null) handle = raf(run);
    },
    cancel: () => {
      if (handle !== null) caf(handle);
      handle = null;
    },
    flush: () => {
      if (handle !== null) {
        caf(handle);
        run();
      }
    },
  };
}
