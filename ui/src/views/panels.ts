// Side panels of the main screen: start a direct chat, explore public rooms, settings.
// Each replaces the room pane; what they open goes through `onOpen`, and Escape (or the
// close button) calls `onClose`. Everything from the network is shown as text only.
import { commands } from "../bindings";
import { el } from "../dom";
import { colorSlot, errorText, fullTime } from "../format";
import { t, type StringKey } from "../i18n";
import { call } from "../ipc";
import { verifyDevice } from "./verification";
import type { UiError } from "../types";

export type OpenRoom = (roomId: string, name: string) => void;

// Searching as the user types, but not on every key.
export const DEBOUNCE_MS = 300;

/** A full Matrix user ID: `@localpart:server` (the server may carry a port). */
export const MATRIX_ID = /^@[^:\s]+:[^\s:]+(:\d+)?$/;

/** Runs the latest search after the user paused typing. Each request gets a number;
 *  an answer is used only while its number is the latest (`isLatest`), so an older,
 *  slower answer never replaces a newer one. `now` skips the pause (Enter); `cancel`
 *  drops whatever is pending or in flight. */
export function latestOnly(run: (isLatest: () => boolean) => Promise<void>) {
  let timer: number | undefined;
  let seq = 0;
  const ticket = () => {
    window.clearTimeout(timer);
    const mine = ++seq;
    return () => mine === seq;
  };
  return {
    later: () => {
      const isLatest = ticket();
      timer = window.setTimeout(() => void run(isLatest), DEBOUNCE_MS);
    },
    now: () => run(ticket()),
    cancel: () => void ticket(),
  };
}

export interface PanelOptions {
  /** Escape or the close button: back to where the user was. */
  onClose?: () => void;
}

export function panel(id: string, title: string, opts: PanelOptions, ...children: (HTMLElement | null)[]): HTMLElement {
  const titleId = `${id}-title`;
  const close = el("button", { type: "button", class: "panel-close", title: t("panel.close"),
    "aria-label": t("panel.close") }, "×");
  close.addEventListener("click", () => opts.onClose?.());
  const root = el("section", { id, class: "side-panel", "aria-labelledby": titleId },
    el("header", { class: "panel-header" }, el("h2", { id: titleId }, title), close),
    ...children);
  // Focusable itself, so a click anywhere in it keeps the focus inside (Escape works).
  root.tabIndex = -1;
  root.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && opts.onClose) {
      ev.preventDefault();
      ev.stopPropagation();
      opts.onClose();
    }
  });
  return root;
}

/** A labelled input: `<label>` above it, like the login form. */
export function field(label: string, input: HTMLInputElement, hint?: HTMLElement, cls = "field"): HTMLElement {
  return el("div", { class: cls }, el("label", { for: input.id }, label), input, hint ?? null);
}

/** Moves focus between the focusable items of a result list (arrow keys, Home, End);
 *  ArrowUp on the first one goes back to `input`. */
function listKeys(list: HTMLElement, input: HTMLInputElement, ev: KeyboardEvent): void {
  const items = Array.from(list.querySelectorAll<HTMLElement>(":scope > li[tabindex]"));
  const here = items.indexOf((ev.target as Element | null)?.closest?.("li") as HTMLElement);
  let to: HTMLElement | null | undefined;
  if (ev.key === "ArrowDown") to = items[here + 1];
  else if (ev.key === "ArrowUp") to = here <= 0 ? input : items[here - 1];
  else if (ev.key === "Home") to = items[0];
  else if (ev.key === "End") to = items.at(-1);
  else return;
  ev.preventDefault();
  to?.focus();
}

interface Person {
  userId: string;
  displayName: string | null;
  avatarInitial: string;
  domain: string;
  /** Not from the directory: the Matrix ID the user typed. */
  typed?: boolean;
}

function typedPerson(id: string): Person {
  const parts = id.split(":");
  return { userId: id, displayName: null, avatarInitial: (id.charAt(1) || "?").toUpperCase(),
    domain: parts.slice(1).join(":"), typed: true };
}

export interface DmOptions extends PanelOptions {
  onOpen: OpenRoom;
}

/** "Nouvelle discussion": searches the user directory as the user types; a result
 *  (click, Enter) opens the direct chat with that person, reusing an existing one. */
export function dmPanel(opts: DmOptions): HTMLElement {
  const input = el("input", { id: "dm-search", type: "search", placeholder: t("dm.placeholder"),
    autocomplete: "off", spellcheck: "false", autocapitalize: "off", "aria-controls": "dm-results",
    "aria-describedby": "dm-status" });
  const list = el("ul", { id: "dm-results", class: "results", "aria-label": t("dm.title") });
  const status = el("p", { id: "dm-status", class: "hint", role: "status" }, t("dm.empty"));
  const error = el("p", { id: "dm-error", class: "error", role: "alert" });
  let opening = false;

  const start = async (p: Person, li: HTMLElement) => {
    if (opening) return;
    opening = true;
    const before = status.textContent;
    list.setAttribute("aria-busy", "true");
    li.classList.add("busy");
    status.textContent = t("dm.opening");
    error.textContent = "";
    const res = await call(commands.directChat(p.userId));
    opening = false;
    list.removeAttribute("aria-busy");
    li.classList.remove("busy");
    if (res.status === "ok") {
      opts.onOpen(res.data, p.displayName ?? p.userId);
      return;
    }
    status.textContent = before;
    error.textContent = errorText(res.error);
  };

  const render = (p: Person) => {
    const name = p.displayName ?? p.userId;
    const li = el("li", { class: p.typed ? "user-result typed" : "user-result", "data-user-id": p.userId,
      tabindex: "0", role: "button" },
      el("span", { class: `avatar small c${colorSlot(p.userId)}`, "aria-hidden": "true" }, p.avatarInitial || "?"),
      el("span", { class: "result-text" },
        el("span", { class: "result-name" }, name),
        el("span", { class: "result-sub" }, p.typed ? t("dm.typedId") : p.userId)),
      p.domain ? el("span", { class: "domain", title: p.domain }, p.domain) : null);
    li.addEventListener("click", () => void start(p, li));
    li.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") {
        ev.preventDefault();
        void start(p, li);
      }
    });
    return li;
  };

  const search = latestOnly(async (isLatest) => {
    const term = input.value.trim();
    const res = await call(commands.searchUsers(term));
    if (!isLatest()) return;
    const people: Person[] = res.status === "ok" ? res.data.map((u) => ({ ...u, displayName: u.displayName ?? null })) : [];
    error.textContent = res.status === "error" ? errorText(res.error) : "";
    // A full Matrix ID is offered even when the directory does not list it (hidden
    // profiles, other servers) or cannot be searched.
    if (MATRIX_ID.test(term) && !people.some((p) => p.userId === term)) people.unshift(typedPerson(term));
    status.textContent = people.length === 0 && res.status === "ok" ? t("dm.none") : "";
    list.replaceChildren(...people.map(render));
  });

  input.addEventListener("input", () => {
    if (!input.value.trim()) {
      search.cancel();
      list.replaceChildren();
      error.textContent = "";
      status.textContent = t("dm.empty");
      return;
    }
    status.textContent = t("dm.searching");
    search.later();
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && input.value.trim()) {
      ev.preventDefault();
      void search.now();
    } else if (ev.key === "ArrowDown") {
      ev.preventDefault();
      list.querySelector<HTMLElement>("li[tabindex]")?.focus();
    }
  });
  list.addEventListener("keydown", (ev) => listKeys(list, input, ev));
  queueMicrotask(() => input.focus());
  return panel("dm-dialog", t("dm.title"), opts, field(t("dm.label"), input), status, error, list);
}

export interface ExploreOptions extends PanelOptions {
  onOpen: OpenRoom;
  /** The user is already in this room: "Ouvrir" instead of "Rejoindre". */
  isJoined: (roomId: string) => boolean;
  /** Other servers whose directory the admin suggests (offered in the server field). */
  servers?: readonly string[];
  /** A room link to preview at once (the app was opened with it). */
  initialAddress?: string;
}

/** Errors about the server field rather than the search. */
const SERVER_ERRORS: readonly UiError["type"][] = ["invalidServerName", "serverNotFound", "unreachable", "forbidden"];

/** "Explorer les salons publics": the public room directory of the user's server (or
 *  another one), searched as the user types, page by page; joining opens the room. */
export function explorePanel(opts: ExploreOptions): HTMLElement {
  const search = el("input", { id: "explore-search", type: "search", placeholder: t("explore.placeholder"),
    autocomplete: "off", "aria-controls": "explore-results" });
  const servers = opts.servers ?? [];
  const server = el("input", { id: "explore-server", type: "text", placeholder: t("explore.server"),
    autocomplete: "off", spellcheck: "false", autocapitalize: "off", inputmode: "url",
    list: servers.length ? "explore-servers" : null });
  const datalist = servers.length
    ? el("datalist", { id: "explore-servers" }, ...servers.map((s) => el("option", { value: s })))
    : null;
  const status = el("p", { id: "explore-status", class: "hint", role: "status" });
  const list = el("ul", { id: "explore-results", class: "results", "aria-label": t("explore.title") });
  const more = el("button", { id: "explore-more", type: "button", class: "secondary", hidden: true }, t("explore.more"));
  const error = el("p", { id: "explore-error", class: "error", role: "alert" });
  const address = el("input", { id: "join-address", type: "text", placeholder: t("explore.addressPlaceholder"),
    autocomplete: "off", spellcheck: "false", autocapitalize: "off", "aria-describedby": "join-address-hint" });
  const joinAddress = el("button", { id: "join-address-submit", type: "submit", class: "secondary" }, t("explore.join"));
  const previewAddress = el("button", { id: "join-address-preview", type: "button", class: "secondary" }, t("explore.preview"));
  previewAddress.addEventListener("click", () => {
    const target = address.value.trim();
    if (target) void showPreview(target);
    else address.focus();
  });
  const addressForm = el("form", { id: "join-address-form", class: "address-form", novalidate: true },
    el("label", { for: "join-address" }, t("explore.byAddress")),
    el("div", { class: "row" }, address, previewAddress, joinAddress),
    el("small", { id: "join-address-hint", class: "hint" }, t("explore.addressHint")));
  let next: string | null = null;
  let joining = false;

  const showError = (e: UiError) => {
    error.textContent = errorText(e);
    error.scrollIntoView?.({ block: "nearest" });
  };

  const join = async (target: string, name: string, button: HTMLButtonElement) => {
    if (joining) return;
    joining = true;
    const label = button.textContent;
    button.disabled = true;
    button.textContent = t("explore.joining");
    error.textContent = "";
    const res = await call(commands.joinRoom(target));
    joining = false;
    button.disabled = false;
    button.textContent = label;
    if (res.status === "ok") opts.onOpen(res.data, name);
    else showError(res.error);
  };

  const render = (r: { roomId: string; name: string | null; topic: string | null; alias: string | null;
    members: number; avatarInitial: string }) => {
    const name = r.name ?? r.alias ?? r.roomId;
    const already = opts.isJoined(r.roomId);
    const button = el("button", { type: "button", class: already ? "join secondary" : "join primary",
      "aria-label": `${already ? t("explore.open") : t("explore.join")} : ${name}` },
      already ? t("explore.open") : t("explore.join"));
    button.addEventListener("click", () => {
      if (already) opts.onOpen(r.roomId, name);
      else void join(r.alias ?? r.roomId, name, button);
    });
    const look = already ? null : el("button", { type: "button", class: "preview secondary",
      "aria-label": `${t("explore.preview")} : ${name}` }, t("explore.preview"));
    look?.addEventListener("click", () => void showPreview(r.alias ?? r.roomId));
    const members = r.members === 1 ? t("explore.member") : t("explore.members", { count: r.members });
    return el("li", { class: "public-room", "data-room-id": r.roomId },
      el("span", { class: `avatar small c${colorSlot(r.roomId)}`, "aria-hidden": "true" }, r.avatarInitial || "#"),
      el("span", { class: "result-text" },
        el("span", { class: "result-name" }, name),
        el("span", { class: "result-sub" }, [r.alias, members].filter(Boolean).join(" · ")),
        r.topic ? el("span", { class: "result-topic", title: r.topic }, r.topic) : null),
      look, button);
  };

  // The preview of one room, above the results: what it is, its latest messages when
  // anyone may read them, and the way in its join rule allows.
  const previewBox = el("section", { id: "room-preview", class: "room-peek", hidden: true, "aria-live": "polite" });
  const showPreview = async (target: string) => {
    error.textContent = "";
    previewBox.hidden = false;
    previewBox.replaceChildren(el("p", { class: "hint" }, t("explore.previewLoading")));
    const res = await call(commands.roomPreview(target, server.value.trim() || null));
    if (res.status === "error") {
      previewBox.hidden = true;
      showError(res.error);
      return;
    }
    const p = res.data;
    const name = p.name ?? p.alias ?? p.roomId;
    const members = p.members === 1 ? t("explore.member") : t("explore.members", { count: p.members });
    const rule = t(`explore.joinRule.${p.joinRule}` as StringKey);
    const close = el("button", { type: "button", class: "link", id: "room-preview-close" }, t("panel.close"));
    close.addEventListener("click", () => {
      previewBox.replaceChildren();
      previewBox.hidden = true;
    });
    let action: HTMLElement;
    if (p.joined) {
      action = el("button", { type: "button", class: "primary", id: "room-preview-join" }, t("explore.open"));
      action.addEventListener("click", () => opts.onOpen(p.roomId, name));
    } else if (p.joinRule === "public") {
      const b = el("button", { type: "button", class: "primary", id: "room-preview-join" }, t("explore.join"));
      b.addEventListener("click", () => void join(p.alias ?? p.roomId, name, b));
      action = b;
    } else if (p.joinRule === "knock" || p.joinRule === "knock_restricted") {
      const b = el("button", { type: "button", class: "primary", id: "room-preview-knock" }, t("explore.knock"));
      b.addEventListener("click", async () => {
        b.disabled = true;
        const k = await call(commands.knockRoom(p.alias ?? p.roomId, server.value.trim() || null));
        if (k.status === "error") {
          b.disabled = false;
          showError(k.error);
        } else {
          b.replaceWith(el("p", { id: "room-preview-knocked", class: "hint" }, t("explore.knocked")));
        }
      });
      action = b;
    } else {
      action = el("p", { class: "hint" }, t("explore.inviteOnly"));
    }
    const messages = p.messages.length
      ? el("ul", { id: "room-preview-messages", class: "preview-messages" }, ...p.messages.map((m) =>
        el("li", {}, el("span", { class: "sender" }, m.sender.replace(/^@/, "").split(":")[0]), " ", m.body)))
      : el("p", { class: "hint" }, p.worldReadable ? t("explore.previewEmpty") : t("explore.previewUnreadable"));
    previewBox.replaceChildren(
      el("header", { class: "row" }, el("h3", { id: "room-preview-name" }, name), close),
      el("p", { class: "result-sub" }, [p.alias, members, rule].filter(Boolean).join(" · ")),
      ...(p.topic ? [el("p", { class: "result-topic" }, p.topic)] : []),
      messages, action);
    previewBox.scrollIntoView?.({ block: "nearest" });
  };

  // One sequence for first pages and "more": a page asked for an older search is dropped.
  const load = (append: boolean) => async (isLatest: () => boolean) => {
    more.disabled = true;
    status.textContent = t("explore.loading");
    const res = await call(commands.publicRooms(search.value.trim() || null, server.value.trim() || null,
      append ? next : null));
    if (!isLatest()) return;
    more.disabled = false;
    if (res.status === "error") {
      status.textContent = "";
      showError(res.error);
      if (SERVER_ERRORS.includes(res.error.type) && server.value.trim()) server.setAttribute("aria-invalid", "true");
      if (!append) {
        list.replaceChildren();
        next = null;
        more.hidden = true;
      }
      return;
    }
    error.textContent = "";
    server.removeAttribute("aria-invalid");
    next = res.data.next;
    more.hidden = next === null;
    const shown = new Set(append ? Array.from(list.children, (li) => li.getAttribute("data-room-id")) : []);
    const items = res.data.rooms.filter((r) => !shown.has(r.roomId)).map(render);
    if (append) list.append(...items);
    else list.replaceChildren(...items);
    status.textContent = list.children.length === 0 ? t("explore.none") : "";
  };
  const firstPage = latestOnly(load(false));
  const nextPage = latestOnly(load(true));
  // Whichever runs last wins: a new search also drops a pending "more", and vice versa.
  const reload = () => {
    nextPage.cancel();
    firstPage.later();
  };

  search.addEventListener("input", reload);
  server.addEventListener("input", reload);
  for (const input of [search, server]) {
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") {
        ev.preventDefault();
        nextPage.cancel();
        void firstPage.now();
      }
    });
  }
  more.addEventListener("click", () => {
    firstPage.cancel();
    void nextPage.now();
  });
  addressForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const target = address.value.trim();
    if (!target) {
      address.focus();
      return;
    }
    void join(target, target, joinAddress);
  });
  void firstPage.now();
  if (opts.initialAddress) {
    address.value = opts.initialAddress;
    void showPreview(opts.initialAddress);
  }
  queueMicrotask(() => search.focus());
  return panel("explore-dialog", t("explore.title"), opts,
    el("div", { class: "row fields" },
      field(t("explore.searchLabel"), search),
      field(t("explore.serverLabel"), server, undefined, "field narrow")),
    datalist, error, previewBox, status, list, more, addressForm);
}

/** "Paramètres": for now, hiding the profile from the directory (Tchap's "liste rouge",
 *  `im.vector.hide_profile`). The box shows what the server has; a failed save reverts it. */
export function settingsPanel(opts: PanelOptions = {}): HTMLElement {
  const box = el("input", { id: "hide-profile", type: "checkbox", disabled: true,
    "aria-describedby": "hide-profile-hint" });
  const status = el("p", { id: "settings-status", class: "hint", role: "status" }, t("app.loading"));
  const error = el("p", { id: "settings-error", class: "error", role: "alert" });
  void call(commands.profileHidden()).then((res) => {
    status.textContent = "";
    if (res.status === "ok") {
      box.checked = res.data;
      box.disabled = false;
      if (document.activeElement === root) box.focus();
    } else {
      error.textContent = errorText(res.error);
    }
  });
  box.addEventListener("change", async () => {
    const wanted = box.checked;
    box.disabled = true;
    error.textContent = "";
    status.textContent = "";
    const res = await call(commands.setProfileHidden(wanted));
    box.disabled = false;
    if (res.status === "error") {
      box.checked = !wanted; // what the server still has
      error.textContent = errorText(res.error);
    } else {
      status.textContent = t("settings.saved");
    }
  });
  const root = panel("settings-dialog", t("settings.title"), opts,
    el("div", { class: "setting" },
      el("label", { class: "check", for: "hide-profile" }, box, t("settings.hideProfile")),
      el("p", { id: "hide-profile-hint", class: "hint" }, t("settings.hideProfileHint"))),
    notificationsSetting(status),
    status, error, sessionsSection());
  // Focus inside the panel at once (Escape closes it), on the box once it is usable.
  queueMicrotask(() => root.focus());
  return root;
}

/** The global switch for desktop notifications (kept on this device). */
function notificationsSetting(status: HTMLElement): HTMLElement {
  const error = el("p", { id: "notifications-error", class: "error", role: "alert" });
  const box = el("input", { id: "notifications-enabled", type: "checkbox", disabled: true,
    "aria-describedby": "notifications-hint" });
  void call(commands.notificationsEnabled()).then((res) => {
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
    status.textContent = "";
    const res = await call(commands.setNotificationsEnabled(wanted));
    box.disabled = false;
    if (res.status === "error") {
      box.checked = !wanted;
      error.textContent = errorText(res.error);
    } else {
      status.textContent = t("settings.saved");
    }
  });
  return el("div", { class: "setting" },
    el("label", { class: "check", for: "notifications-enabled" }, box, t("settings.notifications")),
    el("p", { id: "notifications-hint", class: "hint" }, t("settings.notificationsHint")), error);
}

/** "vérifiée" / "non vérifiée" after a session's name (nothing for a session without
 *  encryption keys, which cannot be verified). */
function trustBadge(d: { isVerified: boolean | null }): HTMLElement | null {
  if (d.isVerified === null) return null;
  return el("span", { class: d.isVerified ? "badge trust verified" : "badge trust unverified" },
    ` ${t(d.isVerified ? "settings.verified" : "settings.unverified")}`);
}

/** Starts the emoji verification of one of the user's other sessions. */
function verifyButton(deviceId: string, error: HTMLElement, reload: () => void): HTMLButtonElement {
  const b = el("button", { type: "button", class: "link verify-device" }, t("verify.verify"));
  b.addEventListener("click", async () => {
    error.textContent = "";
    const problem = await verifyDevice(null, deviceId, { onDone: reload });
    if (problem) error.textContent = problem;
  });
  return b;
}

/** The account's sessions: this one, and the others with "sign out" (one, or all),
 *  confirmed by the password the server asks for. */
function sessionsSection(): HTMLElement {
  const list = el("ul", { id: "devices", class: "results compact" });
  const password = el("input", { id: "devices-password", type: "password", autocomplete: "current-password" });
  const others = el("button", { id: "sign-out-others", type: "button", class: "secondary" }, t("settings.signOutOthers"));
  const status = el("p", { id: "devices-status", class: "hint", role: "status" });
  const error = el("p", { id: "devices-error", class: "error", role: "alert" });

  const needPassword = (): string | null => {
    if (password.value) return password.value;
    error.textContent = t("settings.passwordNeeded");
    password.focus();
    return null;
  };
  const load = async () => {
    const res = await call(commands.listDevices());
    if (res.status === "error") {
      error.textContent = errorText(res.error);
      return;
    }
    others.hidden = res.data.filter((d) => !d.isCurrent).length === 0;
    list.replaceChildren(...res.data.map((d) => {
      const seen = d.lastSeen ? t("settings.lastSeen", { when: fullTime(d.lastSeen) }) : "";
      const li = el("li", { class: d.isCurrent ? "device current" : "device", "data-device-id": d.deviceId },
        el("span", { class: "result-text" },
          el("span", { class: "result-name" }, d.displayName || d.deviceId,
            d.isCurrent ? el("span", { class: "badge" }, ` ${t("settings.thisSession")}`) : null,
            trustBadge(d)),
          el("span", { class: "result-sub" }, [d.deviceId, seen, d.lastSeenIp].filter(Boolean).join(" · "))));
      if (!d.isCurrent && d.isVerified === false) li.append(verifyButton(d.deviceId, error, () => void load()));
      if (!d.isCurrent) {
        const out = el("button", { type: "button", class: "link sign-out" }, t("settings.signOut"));
        out.addEventListener("click", async () => {
          const pw = needPassword();
          if (!pw) return;
          out.disabled = true;
          error.textContent = "";
          const r = await call(commands.signOutDevice(d.deviceId, pw));
          out.disabled = false;
          if (r.status === "error") error.textContent = errorText(r.error);
          else {
            status.textContent = t("settings.signedOut", { count: 1 });
            void load();
          }
        });
        li.append(out);
      }
      return li;
    }));
  };
  others.addEventListener("click", async () => {
    const pw = needPassword();
    if (!pw) return;
    others.disabled = true;
    error.textContent = "";
    const r = await call(commands.signOutOtherDevices(pw));
    others.disabled = false;
    if (r.status === "error") error.textContent = errorText(r.error);
    else {
      password.value = "";
      status.textContent = t("settings.signedOut", { count: r.data });
      void load();
    }
  });
  void load();
  return el("section", { class: "setting sessions", "aria-labelledby": "sessions-title" },
    el("h3", { id: "sessions-title" }, t("settings.sessions")),
    list,
    el("div", { class: "field" }, el("label", { for: "devices-password" }, t("settings.passwordLabel")), password),
    others, status, error);
}
