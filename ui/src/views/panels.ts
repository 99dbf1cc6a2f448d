// Side panels of the main screen: start a direct chat, explore public rooms, settings.
// Each replaces the room pane; what they open goes through `onOpen`.
import { commands } from "../bindings";
import { el } from "../dom";
import { errorText } from "../format";
import { t } from "../i18n";
import { call } from "../ipc";

type OpenRoom = (roomId: string, name: string) => void;

// Searching as the user types, but not on every key.
const DEBOUNCE_MS = 300;

/** Calls `run` after the user paused typing; an older answer arriving after a newer
 *  one is dropped (sequence number). */
function debounced(run: (term: string, isLatest: () => boolean) => Promise<void>) {
  let timer = 0;
  let seq = 0;
  return (term: string) => {
    window.clearTimeout(timer);
    const mine = ++seq;
    timer = window.setTimeout(() => void run(term, () => mine === seq), DEBOUNCE_MS);
  };
}

function panel(id: string, title: string, ...children: HTMLElement[]): HTMLElement {
  return el("div", { id, class: "side-panel" }, el("h2", {}, title), ...children);
}

const MATRIX_ID = /^@[^:\s]+:[^\s]+$/;

export function dmPanel(onOpen: OpenRoom): HTMLElement {
  const input = el("input", { id: "dm-search", type: "search", placeholder: t("dm.placeholder"),
    "aria-label": t("dm.placeholder"), autocomplete: "off" });
  const list = el("ul", { id: "dm-results", class: "results" });
  const status = el("p", { id: "dm-status", class: "hint", role: "status" });
  const error = el("p", { id: "dm-error", class: "error", role: "alert" });
  const start = async (userId: string, name: string) => {
    error.textContent = "";
    const res = await call(commands.directChat(userId));
    if (res.status === "ok") onOpen(res.data, name);
    else error.textContent = errorText(res.error);
  };
  const search = debounced(async (term, isLatest) => {
    if (!term.trim()) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    const res = await call(commands.searchUsers(term));
    if (!isLatest()) return;
    if (res.status === "error") {
      error.textContent = errorText(res.error);
      return;
    }
    error.textContent = "";
    const users = [...res.data];
    // A full Matrix ID is offered even when the directory does not list it.
    if (MATRIX_ID.test(term.trim()) && !users.some((u) => u.userId === term.trim())) {
      const id = term.trim();
      users.unshift({ userId: id, displayName: null, avatarInitial: id.charAt(1).toUpperCase(),
        domain: id.split(":").slice(1).join(":") });
    }
    status.textContent = users.length === 0 ? t("dm.none") : "";
    list.replaceChildren(...users.map((u) => {
      const name = u.displayName ?? u.userId;
      const li = el("li", { class: "user-result", "data-user-id": u.userId, tabindex: "0", role: "button" },
        el("span", { class: "avatar small", "aria-hidden": "true" }, u.avatarInitial),
        el("span", { class: "result-text" },
          el("span", { class: "result-name" }, name),
          el("span", { class: "result-sub" }, `${u.userId} · ${u.domain}`)));
      li.addEventListener("click", () => void start(u.userId, name));
      li.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") void start(u.userId, name);
      });
      return li;
    }));
  });
  input.addEventListener("input", () => search(input.value));
  queueMicrotask(() => input.focus());
  return panel("dm-panel", t("dm.title"), input, status, list, error);
}

export function explorePanel(onOpen: OpenRoom, joined: (roomId: string) => boolean): HTMLElement {
  const search = el("input", { id: "explore-search", type: "search", placeholder: t("explore.placeholder"),
    "aria-label": t("explore.placeholder"), autocomplete: "off" });
  const server = el("input", { id: "explore-server", type: "text", placeholder: t("explore.server"),
    "aria-label": t("explore.server"), autocomplete: "off" });
  const list = el("ul", { id: "explore-results", class: "results" });
  const more = el("button", { id: "explore-more", type: "button", hidden: true }, t("explore.more"));
  const error = el("p", { id: "explore-error", class: "error", role: "alert" });
  const address = el("input", { id: "join-address", type: "text", placeholder: "#salon:serveur",
    "aria-label": t("explore.byAddress") });
  const joinAddress = el("button", { id: "join-address-submit", type: "button" }, t("explore.join"));
  let next: string | null = null;

  const join = async (target: string, name: string) => {
    error.textContent = "";
    const res = await call(commands.joinRoom(target));
    if (res.status === "ok") onOpen(res.data, name);
    else error.textContent = errorText(res.error);
  };
  const load = async (append: boolean, isLatest: () => boolean = () => true) => {
    const res = await call(commands.publicRooms(search.value.trim() || null, server.value.trim() || null,
      append ? next : null));
    if (!isLatest()) return;
    if (res.status === "error") {
      error.textContent = errorText(res.error);
      return;
    }
    error.textContent = "";
    next = res.data.next;
    more.hidden = next === null;
    const items = res.data.rooms.map((r) => {
      const name = r.name ?? r.alias ?? r.roomId;
      const already = joined(r.roomId);
      const button = el("button", { type: "button", class: "join" }, already ? t("explore.open") : t("explore.join"));
      button.addEventListener("click", () => {
        if (already) onOpen(r.roomId, name);
        else void join(r.alias ?? r.roomId, name);
      });
      return el("li", { class: "public-room", "data-room-id": r.roomId },
        el("span", { class: "avatar small", "aria-hidden": "true" }, r.avatarInitial),
        el("span", { class: "result-text" },
          el("span", { class: "result-name" }, name),
          el("span", { class: "result-sub" }, [r.alias, t("explore.members", { count: r.members })].filter(Boolean).join(" · ")),
          r.topic ? el("span", { class: "result-topic" }, r.topic) : null),
        button);
    });
    if (append) list.append(...items);
    else list.replaceChildren(...items);
  };
  const reload = debounced((_term, isLatest) => load(false, isLatest));
  search.addEventListener("input", () => reload(search.value));
  server.addEventListener("change", () => reload(server.value));
  more.addEventListener("click", () => void load(true));
  joinAddress.addEventListener("click", () => {
    if (address.value.trim()) void join(address.value.trim(), address.value.trim());
  });
  void load(false);
  queueMicrotask(() => search.focus());
  return panel("explore-panel", t("explore.title"),
    el("div", { class: "row" }, search, server), error, list, more,
    el("div", { class: "row" }, address, joinAddress));
}

export function settingsPanel(): HTMLElement {
  const box = el("input", { id: "hide-profile", type: "checkbox", disabled: true });
  const error = el("p", { id: "settings-error", class: "error", role: "alert" });
  void call(commands.profileHidden()).then((res) => {
    if (res.status === "ok") {
      box.checked = res.data;
      box.disabled = false;
    } else {
      error.textContent = errorText(res.error);
    }
  });
  box.addEventListener("change", async () => {
    const wanted = box.checked;
    box.disabled = true;
    error.textContent = "";
    const res = await call(commands.setProfileHidden(wanted));
    box.disabled = false;
    if (res.status === "error") {
      box.checked = !wanted; // what the server still has
      error.textContent = errorText(res.error);
    }
  });
  return panel("settings-panel", t("settings.title"),
    el("label", { class: "check" }, box, t("settings.hideProfile")),
    el("p", { class: "hint" }, t("settings.hideProfileHint")),
    error);
}
