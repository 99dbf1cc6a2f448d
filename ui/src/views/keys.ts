// Encryption keys across devices: a notice in the sidebar while this device needs
// something (set up recovery on the first device, verify a new one), the panel that
// makes the recovery key and shows it once, the panel that verifies a new device with
// that key (or with another device: the `verify` feature's flow, through a hook), and
// key files (Element's format) in the settings.
//
// The recovery key is on screen only in the setup panel, from its creation until the
// user closes the panel; then it is removed from the page and Rust forgets it too.
import { commands, type ImportReport, type KeysState } from "../bindings";
import { el } from "../dom";
import { errorText } from "../format";
import { t } from "../i18n";
import { call } from "../ipc";
import { field, panel } from "./panels";

/** The interactive verification with another device (the `verify` feature). It gets
 *  `onDone` (this device is verified: the notice updates) and `onClose`. */
export type VerifyWithDevice = (opts: { onDone: () => void; onClose: () => void }) => HTMLElement;

let verifyWithDevice: VerifyWithDevice | null = null;

/** Registers the flow that verifies this device from another one; until then the
 *  recover panel says where to do it. */
export function setVerifyWithDevice(flow: VerifyWithDevice | null): void {
  verifyWithDevice = flow;
}

export interface KeysNoticeOptions {
  /** Shows a panel in place of the room pane. */
  show: (panel: HTMLElement) => void;
  /** Back to what the pane showed before (the placeholder). */
  close: () => void;
  /** Whether the pane is free (no room, no panel): the notice may open its panel
   *  there at once, as it does after the first sign-in. */
  paneIsFree: () => boolean;
}

/** What the notice says for a state; `null`: nothing to do on this device. */
export function noticeFor(s: KeysState): { text: string; action: string } | null {
  switch (s.state) {
    case "notSetUp":
      return { text: t("keys.noticeSetUp"), action: t("keys.setUp") };
    case "needsVerification":
      return { text: t("keys.noticeVerify"), action: t("keys.verify") };
    default:
      return null;
  }
}

/** The sidebar notice: asks Rust where this device stands, and offers what to do. */
export class KeysNotice {
  readonly element: HTMLElement;
  private text = el("span", { class: "banner-text" });
  private button = el("button", { id: "keys-action", type: "button", class: "link" });
  private state: KeysState | null = null;
  private alive = true;

  constructor(private opts: KeysNoticeOptions) {
    this.element = el("div", { id: "keys-banner", class: "banner warning", role: "status", hidden: true },
      this.text, this.button);
    this.button.addEventListener("click", () => this.openPanel());
  }

  /** Reads the state again (at start, and after each key action). `autoOpen`: open
   *  the panel when something is needed and the pane is free. */
  async refresh(autoOpen = false): Promise<void> {
    const res = await call(commands.keysState());
    if (!this.alive) return;
    // Unknown (offline) or not available: say nothing rather than something wrong.
    const s = res.status === "ok" ? res.data : null;
    this.state = s;
    const notice = s ? noticeFor(s) : null;
    this.element.hidden = notice === null;
    this.element.setAttribute("data-state", s?.state ?? "unknown");
    this.text.textContent = notice?.text ?? "";
    this.button.textContent = notice?.action ?? "";
    if (notice && autoOpen && this.opts.paneIsFree()) this.openPanel();
  }

  openPanel(): void {
    const s = this.state;
    if (!s || !this.alive) return;
    const onClose = () => this.opts.close();
    const onChanged = () => void this.refresh();
    if (s.state === "notSetUp") this.opts.show(setupPanel({ onClose, onChanged }));
    else if (s.state === "needsVerification") {
      this.opts.show(recoverPanel({ recoveryKey: s.recoveryKey, onClose, onChanged, show: this.opts.show }));
    }
  }

  destroy(): void {
    this.alive = false;
    this.element.remove();
    // Signing out with the key still on screen: Rust's copy goes too.
    void call(commands.forgetRecoveryKey());
  }
}

interface KeyPanelOptions {
  onClose: () => void;
  /** The device's state changed: the notice reads it again. */
  onChanged: () => void;
}

/** First device: makes the recovery key (cross-signing + key backup), asking for the
 *  password only if the server wants it, then shows the key once. */
export function setupPanel(opts: KeyPanelOptions): HTMLElement {
  const status = el("p", { id: "keys-status", class: "hint", role: "status" });
  const error = el("p", { id: "keys-error", class: "error", role: "alert" });
  const password = el("input", { id: "keys-password", type: "password", autocomplete: "current-password" });
  const passwordField = field(t("keys.password"), password);
  passwordField.hidden = true;
  const start = el("button", { id: "keys-setup-start", type: "button", class: "primary" }, t("keys.create"));
  const body = el("div", { class: "keys-body" },
    el("p", {}, t("keys.setupIntro")), passwordField, start, status, error);
  let shown = false;

  const close = () => {
    // The key leaves the page, and Rust's copy goes too.
    if (shown) void call(commands.forgetRecoveryKey());
    body.replaceChildren();
    opts.onClose();
  };

  start.addEventListener("click", async () => {
    start.disabled = true;
    error.textContent = "";
    status.textContent = t("keys.creating");
    const res = await call(commands.setUpRecovery(password.value || null));
    status.textContent = "";
    start.disabled = false;
    if (res.status === "error") {
      if (res.error.type === "passwordNeeded") {
        passwordField.hidden = false;
        password.focus();
      }
      error.textContent = errorText(res.error);
      return;
    }
    password.value = "";
    shown = true;
    body.replaceChildren(...keyShown(res.data, () => {
      close();
      opts.onChanged();
    }));
    opts.onChanged();
  });

  const root = panel("keys-setup", t("keys.setupTitle"), { onClose: close }, body);
  queueMicrotask(() => start.focus());
  return root;
}

/** The recovery key, once: Copy, Save to file…, and "I have put it away". */
function keyShown(key: string, done: () => void): HTMLElement[] {
  const note = el("p", { id: "recovery-key-status", class: "hint", role: "status" });
  const copy = el("button", { id: "recovery-key-copy", type: "button", class: "secondary" }, t("keys.copy"));
  const save = el("button", { id: "recovery-key-save", type: "button", class: "secondary" }, t("keys.save"));
  const ok = el("button", { id: "recovery-key-done", type: "button", class: "primary" }, t("keys.done"));
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(key);
      note.textContent = t("keys.copied");
    } catch {
      note.textContent = t("keys.copyFailed");
    }
  });
  save.addEventListener("click", async () => {
    save.disabled = true;
    const res = await call(commands.saveRecoveryKey());
    save.disabled = false;
    if (res.status === "error") note.textContent = errorText(res.error);
    else if (res.data) note.textContent = t("keys.saved");
  });
  ok.addEventListener("click", done);
  queueMicrotask(() => copy.focus());
  return [
    el("p", {}, t("keys.keyIntro")),
    el("code", { id: "recovery-key", class: "recovery-key" }, key),
    el("p", { class: "warning-text" }, t("keys.onlyOnce")),
    el("div", { class: "keys-actions" }, copy, save, ok),
    note,
  ];
}

interface RecoverOptions extends KeyPanelOptions {
  /** The account has a recovery key this device can use. */
  recoveryKey: boolean;
  show: (panel: HTMLElement) => void;
}

/** A new device: verify it with the recovery key, or from another device. */
export function recoverPanel(opts: RecoverOptions): HTMLElement {
  const status = el("p", { id: "recover-status", class: "hint", role: "status" });
  const error = el("p", { id: "recover-error", class: "error", role: "alert" });
  const input = el("input", { id: "recovery-key-input", type: "password", autocomplete: "off",
    spellcheck: "false", autocapitalize: "off" });
  const submit = el("button", { id: "recover-submit", type: "button", class: "primary" }, t("keys.unlock"));
  const other = el("button", { id: "verify-other-device", type: "button", class: "secondary" }, t("keys.otherDevice"));
  const otherHint = el("p", { id: "verify-other-hint", class: "hint" });

  const unlock = async () => {
    submit.disabled = true;
    error.textContent = "";
    status.textContent = t("keys.unlocking");
    const res = await call(commands.recoverWithKey(input.value));
    submit.disabled = false;
    status.textContent = "";
    if (res.status === "error") {
      error.textContent = errorText(res.error);
      input.focus();
      return;
    }
    input.value = "";
    status.textContent = t("keys.unlocked");
    opts.onChanged();
  };
  submit.addEventListener("click", () => void unlock());
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      void unlock();
    }
  });
  other.addEventListener("click", () => {
    if (verifyWithDevice) {
      opts.show(verifyWithDevice({ onDone: opts.onChanged, onClose: opts.onClose }));
    } else {
      otherHint.textContent = t("keys.otherDeviceHint");
    }
  });

  const withKey = opts.recoveryKey
    ? el("div", { class: "keys-body" }, field(t("keys.keyLabel"), input), submit)
    : el("p", { class: "hint" }, t("keys.noRecoveryKey"));
  const root = panel("keys-recover", t("keys.recoverTitle"), { onClose: opts.onClose },
    el("p", {}, t("keys.recoverIntro")), withKey, status, error,
    el("div", { class: "keys-body" }, other, otherHint));
  queueMicrotask(() => (opts.recoveryKey ? input : other).focus());
  return root;
}

/** "n keys imported out of m". */
export function importText(r: ImportReport): string {
  return t("keys.imported", { imported: r.imported, total: r.total });
}

/** Settings: room keys to and from a file protected by a passphrase (Element/Tchap). */
export function keyFilesSection(): HTMLElement {
  const status = el("p", { id: "key-files-status", class: "hint", role: "status" });
  const error = el("p", { id: "key-files-error", class: "error", role: "alert" });
  const exp1 = el("input", { id: "export-passphrase", type: "password", autocomplete: "new-password" });
  const exp2 = el("input", { id: "export-passphrase2", type: "password", autocomplete: "new-password" });
  const exportButton = el("button", { id: "export-keys", type: "button", class: "secondary" }, t("keys.export"));
  const imp = el("input", { id: "import-passphrase", type: "password", autocomplete: "off" });
  const importButton = el("button", { id: "import-keys", type: "button", class: "secondary" }, t("keys.import"));

  exportButton.addEventListener("click", async () => {
    error.textContent = "";
    status.textContent = "";
    if (!exp1.value) {
      error.textContent = t("error.emptyPassphrase");
      exp1.focus();
      return;
    }
    if (exp1.value !== exp2.value) {
      error.textContent = t("keys.passphrasesDiffer");
      exp2.focus();
      return;
    }
    exportButton.disabled = true;
    status.textContent = t("keys.exporting");
    const res = await call(commands.exportRoomKeys(exp1.value));
    exportButton.disabled = false;
    status.textContent = "";
    if (res.status === "error") error.textContent = errorText(res.error);
    else if (res.data) {
      exp1.value = "";
      exp2.value = "";
      status.textContent = t("keys.exported");
    }
  });
  importButton.addEventListener("click", async () => {
    error.textContent = "";
    status.textContent = "";
    if (!imp.value) {
      error.textContent = t("error.emptyPassphrase");
      imp.focus();
      return;
    }
    importButton.disabled = true;
    status.textContent = t("keys.importing");
    const res = await call(commands.importRoomKeys(imp.value));
    importButton.disabled = false;
    status.textContent = "";
    // A wrong passphrase keeps what was typed, to fix it.
    if (res.status === "error") error.textContent = errorText(res.error);
    else if (res.data) {
      imp.value = "";
      status.textContent = importText(res.data);
    }
  });

  return el("div", { id: "key-files", class: "setting" },
    el("h3", {}, t("keys.filesTitle")),
    el("p", { class: "hint" }, t("keys.filesHint")),
    field(t("keys.exportPassphrase"), exp1), field(t("keys.exportPassphrase2"), exp2), exportButton,
    field(t("keys.importPassphrase"), imp), importButton,
    status, error);
}
