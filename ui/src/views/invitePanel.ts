// "Inviter": invite one person or a whole list to the open room. The list is the
// textarea: typed, pasted (an Outlook "To:" line, a spreadsheet column), loaded from a
// .txt/.csv file, or grown by picking colleagues from the directory. "Vérifier" asks
// Rust what each line would give; "Envoyer" invites the ready lines with a progress
// bar and ends with a report that can be saved. Below, the room's pending
// invitations, each withdrawable. Everything shown is text; nothing is parsed here.
import { Channel } from "@tauri-apps/api/core";
import { commands } from "../bindings";
import type * as B from "../bindings";
import { el } from "../dom";
import { errorText } from "../format";
import { t, type StringKey } from "../i18n";
import { call } from "../ipc";
import { latestOnly, panel, type PanelOptions } from "./panels";

type Full<T> = T extends unknown ? { [K in keyof T]-?: Exclude<T[K], undefined> } : never;
export type Row = Full<B.Row_Serialize>;
type RowStatus = Row["status"];
type Progress = Full<B.Progress_Serialize>;
type PendingInvite = Full<B.PendingInvite_Serialize>;

export interface InvitePanelOptions extends PanelOptions {
  roomId: string;
  roomName: string;
}

/** What a row's status says, in the user's language. */
export function statusText(s: RowStatus): string {
  switch (s.kind) {
    case "invalid":
      return t(`invite.status.invalid.${s.problem}` as StringKey);
    case "duplicate":
      return t("invite.status.duplicate", { line: String(s.firstLine) });
    case "notAllowed":
      return t(`invite.status.notAllowed.${s.reason}` as StringKey);
    case "failed":
      return t("invite.status.failed", { reason: s.reason });
    default:
      return t(`invite.status.${s.kind}` as StringKey);
  }
}

/** A class per outcome, for colour: ok, skip (nothing to do), bad (needs a fix). */
function tone(s: RowStatus): string {
  switch (s.kind) {
    case "ready":
    case "invited":
    case "invitedByEmail":
      return "ok";
    case "alreadyMember":
    case "alreadyInvited":
    case "duplicate":
      return "skip";
    default:
      return "bad";
  }
}

function table(rows: readonly Row[]): HTMLTableElement {
  const body = el("tbody", {});
  for (const r of rows) {
    body.append(el("tr", { class: `row-${tone(r.status)}`, "data-line": r.line, "data-status": r.status.kind },
      el("td", { class: "num" }, String(r.line)),
      el("td", { class: "item" }, r.text, r.userId && r.userId !== r.address ? el("span", { class: "result-sub" }, ` → ${r.userId}`) : null),
      el("td", { class: "status" }, statusText(r.status))));
  }
  return el("table", { class: "invite-table" },
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, t("invite.col.line")),
      el("th", { scope: "col" }, t("invite.col.item")),
      el("th", { scope: "col" }, t("invite.col.status")))),
    body);
}

function count(rows: readonly Row[], ...kinds: RowStatus["kind"][]): number {
  return rows.filter((r) => kinds.includes(r.status.kind)).length;
}

export function invitePanel(opts: InvitePanelOptions): HTMLElement {
  const list = el("textarea", { id: "invite-list", rows: "6", spellcheck: "false", autocapitalize: "off",
    placeholder: t("invite.placeholder"), "aria-describedby": "invite-hint" });
  const search = el("input", { id: "invite-search", type: "search", autocomplete: "off", spellcheck: "false",
    placeholder: t("dm.placeholder"), "aria-controls": "invite-results" });
  const results = el("ul", { id: "invite-results", class: "results compact", "aria-label": t("dm.label") });
  const loadFile = el("button", { id: "invite-file", type: "button" }, t("invite.loadFile"));
  const check = el("button", { id: "invite-check", type: "button", class: "primary" }, t("invite.check"));
  const send = el("button", { id: "invite-send", type: "button", class: "primary", hidden: true });
  const save = el("button", { id: "invite-save", type: "button", hidden: true }, t("invite.saveReport"));
  const progress = el("progress", { id: "invite-progress", max: "1", value: "0", hidden: true });
  const status = el("p", { id: "invite-status", class: "hint", role: "status" });
  const error = el("p", { id: "invite-error", class: "error", role: "alert" });
  const preview = el("div", { id: "invite-preview", class: "invite-preview" });
  const pendingList = el("ul", { id: "pending-invites", class: "results compact" });
  const pendingStatus = el("p", { class: "hint", role: "status" });
  let rows: Row[] = [];
  let busy = false;

  const setBusy = (b: boolean) => {
    busy = b;
    for (const x of [check, send, loadFile, list]) x.toggleAttribute("disabled", b);
  };

  // Picking a colleague adds their Matrix ID as a line of the list.
  const lookup = latestOnly(async (isLatest) => {
    const res = await call(commands.searchUsers(search.value.trim()));
    if (!isLatest()) return;
    results.replaceChildren(...(res.status === "ok" ? res.data : []).map((u) => {
      const li = el("li", { class: "user-result", tabindex: "0", role: "button", "data-user-id": u.userId },
        el("span", { class: "result-text" },
          el("span", { class: "result-name" }, u.displayName ?? u.userId),
          el("span", { class: "result-sub" }, u.userId)));
      const add = () => {
        list.value = (list.value.trim() ? `${list.value.trimEnd()}\n` : "") + u.userId;
        search.value = "";
        results.replaceChildren();
        list.dispatchEvent(new Event("input"));
      };
      li.addEventListener("click", add);
      li.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); add(); }
      });
      return li;
    }));
  });
  search.addEventListener("input", () => (search.value.trim() ? lookup.later() : (lookup.cancel(), results.replaceChildren())));

  // Any edit makes the last check stale: check again before sending.
  list.addEventListener("input", () => {
    if (busy) return;
    rows = [];
    send.hidden = true;
    save.hidden = true;
    preview.replaceChildren();
    status.textContent = "";
  });

  loadFile.addEventListener("click", async () => {
    error.textContent = "";
    const res = await call(commands.openInviteList());
    if (res.status === "error") error.textContent = errorText(res.error);
    else if (res.data !== null) {
      list.value = res.data;
      list.dispatchEvent(new Event("input"));
      void runCheck();
    }
  });

  const runCheck = async () => {
    if (!list.value.trim()) {
      error.textContent = t("invite.empty");
      return;
    }
    setBusy(true);
    error.textContent = "";
    status.textContent = t("invite.checking");
    const res = await call(commands.invitePreview(opts.roomId, list.value));
    setBusy(false);
    if (res.status === "error") {
      status.textContent = "";
      error.textContent = errorText(res.error);
      return;
    }
    rows = res.data as Row[];
    const ready = count(rows, "ready");
    status.textContent = t("invite.summary", { ready: String(ready), other: String(rows.length - ready) });
    preview.replaceChildren(table(rows));
    send.textContent = t(ready === 1 ? "invite.sendOne" : "invite.sendMany", { count: String(ready) });
    send.hidden = ready === 0;
  };
  check.addEventListener("click", () => void runCheck());

  send.addEventListener("click", async () => {
    const ready = count(rows, "ready");
    if (ready === 0) return;
    setBusy(true);
    error.textContent = "";
    progress.hidden = false;
    progress.max = ready;
    progress.value = 0;
    status.textContent = t("invite.progress", { done: "0", total: String(ready) });
    const channel = new Channel<Progress>((p) => {
      progress.value = p.done;
      status.textContent = p.waitingMs !== null
        ? t("invite.waiting", { seconds: String(Math.ceil(p.waitingMs / 1000)) })
        : t("invite.progress", { done: String(p.done), total: String(p.total) });
    });
    const res = await call(commands.inviteSend(opts.roomId, rows, channel as never));
    setBusy(false);
    progress.hidden = true;
    send.hidden = true;
    if (res.status === "error") {
      error.textContent = errorText(res.error);
      return;
    }
    rows = res.data as Row[];
    const done = count(rows, "invited", "invitedByEmail");
    status.textContent = t("invite.done", { done: String(done), other: String(rows.length - done) });
    preview.replaceChildren(table(rows));
    save.hidden = false;
    void loadPending();
  });

  save.addEventListener("click", async () => {
    const res = await call(commands.saveInviteReport(rows));
    if (res.status === "error") error.textContent = errorText(res.error);
    else if (res.data) status.textContent = t("invite.saved");
  });

  const loadPending = async () => {
    const res = await call(commands.pendingInvites(opts.roomId));
    if (res.status === "error") {
      pendingStatus.textContent = errorText(res.error);
      return;
    }
    const pending = res.data as PendingInvite[];
    pendingStatus.textContent = pending.length === 0 ? t("invite.pendingNone") : "";
    pendingList.replaceChildren(...pending.map((p) => {
      const who = p.kind === "account" ? (p.displayName ?? p.userId) : p.displayName;
      const sub = p.kind === "account" ? p.userId : t("invite.byEmail");
      const revoke = el("button", { type: "button", class: "link revoke" }, t("invite.revoke"));
      const li = el("li", { class: "pending", "data-invitee": p.kind === "account" ? p.userId : p.token },
        el("span", { class: "result-text" }, el("span", { class: "result-name" }, who), el("span", { class: "result-sub" }, sub)),
        revoke);
      revoke.addEventListener("click", async () => {
        revoke.disabled = true;
        const target = p.kind === "account" ? { kind: "account" as const, value: p.userId } : { kind: "email" as const, value: p.token };
        const r = await call(commands.revokeInvite(opts.roomId, target));
        if (r.status === "error") {
          revoke.disabled = false;
          pendingStatus.textContent = errorText(r.error);
        } else {
          li.remove();
          if (!pendingList.childElementCount) pendingStatus.textContent = t("invite.pendingNone");
        }
      });
      return li;
    }));
  };
  void loadPending();

  const root = panel("invite-dialog", t("invite.title", { room: opts.roomName }), opts,
    el("div", { class: "field" }, el("label", { for: "invite-search" }, t("invite.searchLabel")), search, results),
    el("div", { class: "field" }, el("label", { for: "invite-list" }, t("invite.listLabel")), list,
      el("p", { id: "invite-hint", class: "hint" }, t("invite.hint"))),
    el("div", { class: "actions" }, loadFile, check, send, save),
    progress, status, error, preview,
    el("h3", {}, t("invite.pendingTitle")), pendingStatus, pendingList);
  queueMicrotask(() => list.focus());
  return root;
}
