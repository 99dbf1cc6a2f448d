// Creating a room (Tchap's three kinds) and a room's access settings: who may join,
// its links to share, opening it to external users (irreversible, so confirmed).
// Tchap's rules are checked in Rust; here they are explained before the user tries.
import { commands } from "../bindings";
import type * as B from "../bindings";
import { el } from "../dom";
import { errorText } from "../format";
import { t, type StringKey } from "../i18n";
import { formatNumber } from "../intl";
import { call } from "../ipc";
import type { UiError } from "../types";
import { panel, type OpenRoom, type PanelOptions } from "./panels";

type Kind = B.RoomKind;
type Access = B.Access;
type Settings = B.RoomSettingsView_Serialize;

export function roomErrorText(e: UiError): string {
  if (e.type === "tchapRule") return t(`rule.${e.data}` as StringKey);
  return errorText(e);
}

export interface NewRoomOptions extends PanelOptions {
  onOpen: OpenRoom;
}

/** "Nouveau salon": kind, name, topic, address (required for a forum). */
export function newRoomPanel(opts: NewRoomOptions): HTMLElement {
  const kinds: Kind[] = ["private", "privateOpenToExternals", "forum"];
  const radios = kinds.map((k) => el("input", { type: "radio", name: "new-room-kind", id: `new-room-kind-${k}`, value: k,
    checked: k === "private" }));
  const name = el("input", { id: "new-room-name", type: "text", autocomplete: "off", required: true });
  const topic = el("input", { id: "new-room-topic", type: "text", autocomplete: "off" });
  const alias = el("input", { id: "new-room-alias", type: "text", autocomplete: "off", spellcheck: "false",
    autocapitalize: "off", placeholder: t("newRoom.aliasPlaceholder"), "aria-describedby": "new-room-alias-hint" });
  const submit = el("button", { id: "new-room-submit", type: "submit", class: "primary" }, t("newRoom.create"));
  const error = el("p", { id: "new-room-error", class: "error", role: "alert" });
  const kindOf = (): Kind => (radios.find((r) => r.checked)?.value ?? "private") as Kind;
  const form = el("form", { id: "new-room-form", novalidate: true },
    el("fieldset", { class: "kinds" }, el("legend", {}, t("newRoom.kind")),
      ...kinds.map((k, i) => el("label", { class: "check kind", for: `new-room-kind-${k}` }, radios[i],
        el("span", {}, el("strong", {}, t(`newRoom.kind.${k}` as StringKey)), el("br", {}),
          el("small", { class: "hint" }, t(`newRoom.kind.${k}.hint` as StringKey)))))),
    el("div", { class: "field" }, el("label", { for: "new-room-name" }, t("newRoom.name")), name),
    el("div", { class: "field" }, el("label", { for: "new-room-topic" }, t("newRoom.topic")), topic),
    el("div", { class: "field" }, el("label", { for: "new-room-alias" }, t("newRoom.alias")), alias,
      el("small", { id: "new-room-alias-hint", class: "hint" }, t("newRoom.aliasHint"))),
    submit, error);
  let busy = false;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return;
    error.textContent = "";
    if (!name.value.trim()) {
      error.textContent = errorText({ type: "missingFields" });
      name.focus();
      return;
    }
    if (kindOf() === "forum" && !alias.value.trim()) {
      error.textContent = errorText({ type: "aliasRequired" });
      alias.focus();
      return;
    }
    busy = true;
    submit.disabled = true;
    const res = await call(commands.createRoom({ kind: kindOf(), name: name.value.trim(),
      topic: topic.value.trim() || null, alias: alias.value.trim() || null }));
    busy = false;
    submit.disabled = false;
    if (res.status === "ok") opts.onOpen(res.data, name.value.trim());
    else {
      error.textContent = roomErrorText(res.error);
      if (res.error.type === "aliasTaken" || res.error.type === "invalidRoomAddress") alias.focus();
    }
  });
  queueMicrotask(() => name.focus());
  return panel("new-room-dialog", t("newRoom.title"), opts, form);
}

export interface RoomSettingsOptions extends PanelOptions {
  roomId: string;
}

/** A room's access: who may join, links to copy, opening to external users. */
export function roomSettingsPanel(opts: RoomSettingsOptions): HTMLElement {
  const body = el("div", { id: "room-settings-body" }, el("p", { class: "hint" }, t("app.loading")));
  const error = el("p", { id: "room-settings-error", class: "error", role: "alert" });
  const status = el("p", { id: "room-settings-status", class: "hint", role: "status" });
  const accesses: Access[] = ["inviteOnly", "knock", "anyoneWithLink", "publicForum"];

  const render = (s: Settings) => {
    const radios = accesses.map((a) => {
      const r = el("input", { type: "radio", name: "room-access", id: `room-access-${a}`, value: a, checked: s.access === a,
        // Tchap: a private room never becomes a forum; shown, but not offered.
        disabled: a === "publicForum" && s.access !== "publicForum" });
      r.addEventListener("change", async () => {
        if (!r.checked) return;
        error.textContent = "";
        status.textContent = "";
        const res = await call(commands.setRoomAccess(opts.roomId, a));
        if (res.status === "error") error.textContent = roomErrorText(res.error);
        else status.textContent = t("settings.saved");
        void load();
      });
      return el("label", { class: "check", for: `room-access-${a}` }, r, t(`access.${a}` as StringKey));
    });
    const links = s.links
      ? el("div", { class: "links" }, el("h3", {}, t("roomSettings.links")),
        ...[["matrix-to", s.links.matrixTo], ["matrix-uri", s.links.matrixUri], ["permalink", s.links.permalink]]
          .filter((x): x is [string, string] => !!x[1])
          .map(([id, link]) => {
            const copy = el("button", { type: "button", class: "link copy" }, t("roomSettings.copy"));
            copy.addEventListener("click", () => {
              void navigator.clipboard?.writeText(link).then(() => (status.textContent = t("roomSettings.copied")));
            });
            return el("p", { class: "room-link" }, el("code", { id: `room-link-${id}` }, link), " ", copy);
          }))
      : null;
    let externals: HTMLElement;
    if (s.openToExternals) externals = el("p", { id: "externals-state", class: "hint" }, t("roomSettings.externalsOpen"));
    else if (s.published) externals = el("p", { id: "externals-state", class: "hint" }, t("rule.forumNeverOpenToExternals"));
    else {
      const open = el("button", { id: "open-externals", type: "button", class: "secondary" }, t("roomSettings.openExternals"));
      let armed = false;
      open.addEventListener("click", async () => {
        // Irreversible: a second, explicit click.
        if (!armed) {
          armed = true;
          open.textContent = t("roomSettings.openExternalsConfirm");
          open.classList.add("danger");
          return;
        }
        open.disabled = true;
        const res = await call(commands.openRoomToExternals(opts.roomId));
        if (res.status === "error") error.textContent = roomErrorText(res.error);
        void load();
      });
      externals = el("div", {}, el("p", { class: "hint" }, t("roomSettings.externalsHint")), open);
    }
    body.replaceChildren(
      generalSection(s),
      el("fieldset", { class: "kinds" }, el("legend", {}, t("roomSettings.access")), ...radios, spacesRow(s)),
      el("p", { class: "hint" }, t("roomSettings.rules")),
      links ?? el("p", { class: "hint" }, t("roomSettings.noLink")),
      el("h3", {}, t("roomSettings.externals")), externals);
  };
  /** Runs a change, then shows the outcome and the room as it now is. */
  const apply = async <T>(p: Promise<{ status: "ok"; data: T } | { status: "error"; error: UiError }>) => {
    error.textContent = "";
    status.textContent = "";
    const res = await call(p);
    if (res.status === "error") error.textContent = roomErrorText(res.error);
    else status.textContent = t("settings.saved");
    void load();
  };
  const generalSection = (s: Settings): HTMLElement => {
    const name = el("input", { id: "room-name-input", type: "text", value: s.name ?? "" });
    name.addEventListener("change", () => void apply(commands.setRoomName(opts.roomId, name.value)));
    const topic = el("input", { id: "room-topic-input", type: "text", value: s.topic ?? "" });
    topic.addEventListener("change", () => void apply(commands.setRoomTopic(opts.roomId, topic.value)));
    const histories: B.History[] = ["invited", "joined", "shared", "world_readable"];
    const history = el("select", { id: "room-history" }, ...histories.map((h) =>
      el("option", { value: h, selected: s.history === h }, t(`history.${h}` as StringKey))));
    history.addEventListener("change", () => void apply(commands.setRoomHistory(opts.roomId, history.value as B.History)));
    let encryption: HTMLElement;
    if (s.encrypted) encryption = el("p", { id: "encryption-state", class: "hint" }, t("roomSettings.encrypted"));
    else {
      const on = el("button", { id: "enable-encryption", type: "button", class: "secondary" }, t("roomSettings.encrypt"));
      let armed = false;
      on.addEventListener("click", () => {
        // Never off again: a second, explicit click.
        if (!armed) {
          armed = true;
          on.textContent = t("roomSettings.encryptConfirm");
          on.classList.add("danger");
          return;
        }
        void apply(commands.enableRoomEncryption(opts.roomId));
      });
      encryption = on;
    }
    const aliases = [s.alias, ...s.altAliases].filter((a): a is string => !!a);
    const aliasList = el("ul", { id: "room-aliases", class: "results compact" }, ...aliases.map((a) => {
      const remove = el("button", { type: "button", class: "link" }, t("invite.revoke"));
      remove.addEventListener("click", () => void apply(commands.removeRoomAlias(opts.roomId, a)));
      // The main address is the one links and the room's name use; any other can take its place.
      if (a === s.alias) {
        return el("li", { "data-alias": a, class: "main-alias" }, el("code", {}, a),
          el("span", { class: "badge" }, t("roomSettings.mainAlias")), remove);
      }
      const main = el("button", { type: "button", class: "link make-main" }, t("roomSettings.makeMainAlias"));
      main.addEventListener("click", () => void apply(commands.setRoomMainAlias(opts.roomId, a)));
      return el("li", { "data-alias": a }, el("code", {}, a), main, remove);
    }));
    const add = el("input", { id: "alias-add", type: "text", placeholder: t("newRoom.aliasPlaceholder"), spellcheck: "false", autocapitalize: "off" });
    const addButton = el("button", { id: "alias-add-submit", type: "button", class: "secondary" }, t("roomSettings.addAlias"));
    addButton.addEventListener("click", () => {
      if (add.value.trim()) void apply(commands.addRoomAlias(opts.roomId, add.value.trim()));
    });
    return el("section", { id: "room-general", class: "setting" },
      el("div", { class: "field" }, el("label", { for: "room-name-input" }, t("newRoom.name")), name),
      el("div", { class: "field" }, el("label", { for: "room-topic-input" }, t("newRoom.topic")), topic),
      el("div", { class: "field" }, el("label", { for: "room-history" }, t("roomSettings.history")), history),
      avatarButton(),
      el("h3", {}, t("roomSettings.encryption")), encryption,
      el("h3", {}, t("roomSettings.aliases")), aliasList, el("div", { class: "row" }, add, addButton),
      el("h3", {}, t("roomSettings.upgrade")), upgradeRow());
  };
  /** The room's picture, chosen with the system's file dialog. */
  const avatarButton = (): HTMLElement => {
    const b = el("button", { id: "room-avatar", type: "button", class: "secondary" }, t("roomSettings.avatar"));
    b.addEventListener("click", async () => {
      error.textContent = "";
      const res = await call(commands.chooseRoomAvatar(opts.roomId));
      if (res.status === "error") error.textContent = roomErrorText(res.error);
      else if (res.data) status.textContent = t("settings.saved");
    });
    return b;
  };
  /** Members of chosen spaces join directly (others may ask, with "knock"). */
  const spacesRow = (s: Settings): HTMLElement => {
    const restricted = s.joinRule === "restricted" || s.joinRule === "knock_restricted";
    const spaces = el("input", { id: "restricted-spaces", type: "text", placeholder: t("roomSettings.restrictedPlaceholder"), spellcheck: "false",
      autocapitalize: "off" });
    const knock = el("input", { id: "restricted-knock", type: "checkbox", checked: s.joinRule === "knock_restricted" });
    const applyButton = el("button", { id: "restricted-apply", type: "button", class: "secondary" }, t("roomSettings.restrictedApply"));
    applyButton.addEventListener("click", () => {
      const ids = spaces.value.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
      void apply(commands.setRoomRestricted(opts.roomId, ids, knock.checked));
    });
    return el("div", { class: "restricted" + (restricted ? " current" : "") },
      el("p", { id: "restricted-state", class: "hint" }, restricted ? t("roomSettings.restrictedNow") : t("roomSettings.restrictedHint")),
      el("div", { class: "row" }, spaces, el("label", { class: "check", for: "restricted-knock" }, knock, t("roomSettings.restrictedKnock")), applyButton));
  };
  /** Room version upgrade: the server makes a new room and a tombstone in this one. */
  const upgradeRow = (): HTMLElement => {
    const version = el("input", { id: "upgrade-version", type: "text", value: "12", class: "level" });
    const go = el("button", { id: "upgrade-room", type: "button", class: "secondary" }, t("roomSettings.upgradeButton"));
    let armed = false;
    go.addEventListener("click", async () => {
      if (!armed) {
        armed = true;
        go.textContent = t("roomSettings.upgradeConfirm");
        go.classList.add("danger");
        return;
      }
      go.disabled = true;
      error.textContent = "";
      const res = await call(commands.upgradeRoom(opts.roomId, version.value.trim()));
      go.disabled = false;
      if (res.status === "error") error.textContent = roomErrorText(res.error);
      else status.textContent = t("roomSettings.upgraded", { room: res.data });
    });
    return el("div", { class: "row" }, el("label", { for: "upgrade-version" }, t("roomSettings.version")), version, go);
  };
  const load = async () => {
    const res = await call(commands.roomSettings(opts.roomId));
    if (res.status === "error") {
      body.replaceChildren();
      error.textContent = roomErrorText(res.error);
    } else render(res.data as Settings);
  };
  void load();
  return panel("room-settings-dialog", t("roomSettings.title"), opts, body, status, error,
    rightsSection(opts.roomId), aclSection(opts.roomId));
}

type Right = B.Right;
type Power = B.PowerView_Serialize;

/** "Tous (0)", "Modérateurs (50)", "Administrateurs (100)", or the number. */
export function roleName(level: number): string {
  if (level === 0) return t("role.default");
  if (level === 50) return t("role.moderator");
  if (level === 100) return t("role.admin");
  return t("role.custom", { level: String(level) });
}

/** Members' rows shown at once. A room can give levels to thousands of users (issue
 *  #11): a table of thousands of inputs makes the panel slow to open and useless to
 *  scan, so the highest levels are shown and a search finds the others. */
export const MEMBER_ROWS = 50;

/** Every right with the level it needs, and members' levels; each change is sent at
 *  once. Rust refuses what would go above the user's own level. */
function rightsSection(roomId: string): HTMLElement {
  const box = el("section", { id: "room-rights", class: "setting", "aria-labelledby": "room-rights-title" });
  const error = el("p", { id: "room-rights-error", class: "error", role: "alert" });
  const numberInput = (id: string, value: number, label: string, onSet: (v: number) => Promise<void>) => {
    const input = el("input", { id, type: "number", min: "-100", max: "100", step: "1", value: String(value), class: "level",
      "aria-label": label });
    const role = el("small", { class: "hint role" }, roleName(value));
    input.addEventListener("change", async () => {
      const v = Math.trunc(Number(input.value));
      if (!Number.isFinite(v)) return;
      error.textContent = "";
      await onSet(v);
    });
    return [input, role] as const;
  };
  const load = async () => {
    const res = await call(commands.roomPower(roomId));
    if (res.status === "error") {
      error.textContent = errorText(res.error);
      return;
    }
    const p = res.data as Power;
    const rows = p.rights.map((r) => {
      const [input, role] = numberInput(`right-${r.right}`, r.level ?? 0, t(`right.${r.right}` as StringKey), async (v) => {
        const out = await call(commands.setRoomRight(roomId, r.right as Right, v));
        if (out.status === "error") error.textContent = errorText(out.error);
        void load();
      });
      return el("tr", { "data-right": r.right }, el("th", { scope: "row" }, t(`right.${r.right}` as StringKey)),
        el("td", {}, input), el("td", {}, role));
    });
    const memberRow = (m: Power["members"][number]) => {
      const [input, role] = numberInput(`member-${m.userId}`, m.level ?? 0, t("rights.levelOf", { user: m.userId }), async (v) => {
        const out = await call(commands.setMemberLevel(roomId, m.userId, v));
        if (out.status === "error") error.textContent = errorText(out.error);
        void load();
      });
      return el("tr", { "data-user-id": m.userId }, el("th", { scope: "row" }, m.userId), el("td", {}, input), el("td", {}, role));
    };
    // Highest levels first: the people who can act on the room.
    const sorted = [...p.members].sort((a, b) => (b.level ?? 0) - (a.level ?? 0) || a.userId.localeCompare(b.userId));
    const memberBody = el("tbody", {});
    const more = el("p", { id: "member-level-more", class: "hint" });
    const filter = el("input", { id: "member-level-filter", type: "search", placeholder: t("rights.filterPlaceholder"),
      spellcheck: "false", autocapitalize: "off", "aria-label": t("rights.filterLabel") });
    const showMembers = () => {
      const q = filter.value.trim().toLowerCase();
      const matching = q ? sorted.filter((m) => m.userId.toLowerCase().includes(q)) : sorted;
      memberBody.replaceChildren(...matching.slice(0, MEMBER_ROWS).map(memberRow));
      const hidden = matching.length - MEMBER_ROWS;
      more.textContent = hidden > 0 ? t("rights.more", { count: formatNumber(hidden) }) : "";
    };
    filter.addEventListener("input", showMembers);
    showMembers();
    const who = el("input", { id: "member-level-user", type: "text", placeholder: t("rights.userPlaceholder"), spellcheck: "false", autocapitalize: "off",
      "aria-label": t("rights.userLabel") });
    const [level] = numberInput("member-level-value", 50, t("rights.levelLabel"), async () => {});
    const give = el("button", { id: "member-level-give", type: "button", class: "secondary" }, t("rights.give"));
    give.addEventListener("click", async () => {
      error.textContent = "";
      const out = await call(commands.setMemberLevel(roomId, who.value.trim(), Math.trunc(Number(level.value))));
      if (out.status === "error") error.textContent = errorText(out.error);
      else void load();
    });
    box.replaceChildren(
      el("h3", { id: "room-rights-title" }, t("rights.title")),
      el("p", { id: "my-level", class: "hint" }, p.myLevel === null ? t("rights.creator") : t("rights.mine", { level: String(p.myLevel) })),
      el("p", { class: "hint" }, t("rights.noHigher")),
      el("table", { class: "rights" }, el("tbody", {}, ...rows)),
      el("h3", {}, t("rights.members")),
      ...(sorted.length > MEMBER_ROWS ? [filter] : []),
      el("table", { class: "rights" }, memberBody),
      more,
      el("div", { class: "row" }, who, level, give),
      error);
  };
  void load();
  return box;
}

/** Which servers may take part: allow and deny lists (globs), IP literals. */
function aclSection(roomId: string): HTMLElement {
  const allow = el("textarea", { id: "acl-allow", rows: "2", spellcheck: "false" });
  const deny = el("textarea", { id: "acl-deny", rows: "2", spellcheck: "false" });
  const ips = el("input", { id: "acl-ips", type: "checkbox" });
  const save = el("button", { id: "acl-save", type: "button", class: "secondary" }, t("acl.save"));
  const status = el("p", { id: "acl-status", class: "hint", role: "status" });
  const error = el("p", { id: "acl-error", class: "error", role: "alert" });
  const lines = (v: string) => v.split(/[\n,]+/).map((x) => x.trim()).filter(Boolean);
  void call(commands.roomAcl(roomId)).then((res) => {
    if (res.status === "error") error.textContent = errorText(res.error);
    else {
      allow.value = (res.data?.allow ?? ["*"]).join("\n");
      deny.value = (res.data?.deny ?? []).join("\n");
      ips.checked = res.data?.allowIpLiterals ?? true;
    }
  });
  save.addEventListener("click", async () => {
    error.textContent = "";
    status.textContent = "";
    const res = await call(commands.setRoomAcl(roomId, { allow: lines(allow.value), deny: lines(deny.value), allowIpLiterals: ips.checked }));
    if (res.status === "error") error.textContent = errorText(res.error);
    else status.textContent = t("settings.saved");
  });
  return el("section", { id: "room-acl", class: "setting", "aria-labelledby": "room-acl-title" },
    el("h3", { id: "room-acl-title" }, t("acl.title")),
    el("p", { class: "hint" }, t("acl.hint")),
    el("div", { class: "field" }, el("label", { for: "acl-allow" }, t("acl.allow")), allow),
    el("div", { class: "field" }, el("label", { for: "acl-deny" }, t("acl.deny")), deny),
    el("label", { class: "check", for: "acl-ips" }, ips, t("acl.ips")),
    save, status, error);
}
