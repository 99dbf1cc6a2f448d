// Verifying a session by comparing emojis: the dialog that follows one flow (asked by
// the user from the sessions list or a room's warning, or asked by another session),
// the listener of incoming requests, and the warning banner of a room whose members
// have unverified sessions. Rust runs the flow; this only shows its states and sends
// the user's answers (accept, "they match", "they don't match", cancel).
import { Channel } from "@tauri-apps/api/core";
import { commands } from "../bindings";
import { el } from "../dom";
import { errorText } from "../format";
import { currentLang, t, type StringKey } from "../i18n";
import { call, type Outcome, type Stream } from "../ipc";
import type * as B from "../bindings";

type Full<T> = T extends unknown ? { [K in keyof T]-?: Exclude<T[K], undefined> } : never;
export type VerificationInfo = Full<B.VerificationInfo>;
export type FlowState = Full<B.FlowState>;
export type UnverifiedDevice = Full<B.UnverifiedDevice>;

// The spec's French names of the 64 SAS emojis (matrix-spec data-definitions/
// sas-emoji.json, `translated_descriptions.fr`), by index. English comes from Rust.
const FRENCH_NAMES = ["Chien", "Chat", "Lion", "Cheval", "Licorne", "Cochon", "Éléphant", "Lapin",
  "Panda", "Coq", "Manchot", "Tortue", "Poisson", "Poulpe", "Papillon", "Fleur", "Arbre", "Cactus",
  "Champignon", "Globe", "Lune", "Nuage", "Feu", "Banane", "Pomme", "Fraise", "Maïs", "Pizza",
  "Gâteau", "Cœur", "Sourire", "Robot", "Chapeau", "Lunettes", "Clé à molette", "Père Noël",
  "Pouce en l’air", "Parapluie", "Sablier", "Réveil", "Cadeau", "Ampoule", "Livre", "Crayon",
  "Trombone", "Ciseaux", "Cadenas", "Clé", "Marteau", "Téléphone", "Drapeau", "Train", "Vélo",
  "Avion", "Fusée", "Trophée", "Ballon", "Guitare", "Trompette", "Cloche", "Ancre", "Casque audio",
  "Dossier", "Punaise"];

export function emojiName(index: number, english: string): string {
  return currentLang() === "fr" ? FRENCH_NAMES[index] ?? english : english;
}

/** Who is being verified, for the dialog's title. */
export function flowTitle(info: VerificationInfo): string {
  const device = info.otherDeviceName || info.otherDeviceId;
  if (info.isSelfVerification) return t("verify.titleOwn", { device: device ?? "" });
  return device
    ? t("verify.titleUserDevice", { user: info.otherUserId, device })
    : t("verify.titleUser", { user: info.otherUserId });
}

/** The sentence of a cancelled flow. */
export function cancelText(state: Extract<FlowState, { state: "cancelled" }>): string {
  switch (state.reason) {
    case "user": return t(state.byUs ? "verify.cancelledByYou" : "verify.cancelledByThem");
    case "mismatch": return t("verify.mismatch");
    case "timeout": return t("verify.timeout");
    case "answeredElsewhere": return t("verify.answeredElsewhere");
    case "keyMismatch": return t("verify.keyMismatch");
    default: return t("verify.failed", { code: state.code });
  }
}

function channelOf<T>(onMessage: (m: T) => void): { channel: Channel<T>; stop: () => void } {
  let live = true;
  const channel = new Channel<T>((m) => {
    if (live) onMessage(m);
  });
  return { channel, stop: () => void (live = false) };
}

export interface DialogOptions {
  /** The user closed the dialog (after the end, or by cancelling). */
  onClose?: () => void;
  /** Called once the flow is done (the sessions list reloads). */
  onDone?: () => void;
}

/** A verification dialog: call `show(state)` with each state of the flow. */
export class VerificationDialog {
  readonly element: HTMLElement;
  private body: HTMLElement;
  private error: HTMLElement;
  private info: VerificationInfo;
  private finished = false;
  stop: () => void = () => {};

  constructor(info: VerificationInfo, private opts: DialogOptions = {}) {
    this.info = info;
    this.body = el("div", { class: "verify-body" });
    this.error = el("p", { id: "verify-error", class: "error", role: "alert" });
    this.element = el("div", { id: "verify-dialog", class: "verify-dialog", role: "dialog",
      "aria-modal": "true", "aria-labelledby": "verify-title", "data-flow-id": info.flowId },
    el("h2", { id: "verify-title" }, flowTitle(info)), this.body, this.error);
    this.element.tabIndex = -1;
    this.element.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        void this.cancelOrClose();
      }
    });
  }

  get flowId(): string {
    return this.info.flowId;
  }

  private button(id: string, label: string, kind: string, act: () => Promise<Outcome<null>> | void): HTMLButtonElement {
    const b = el("button", { id, type: "button", class: kind }, label);
    b.addEventListener("click", async () => {
      const p = act();
      if (!p) return;
      b.disabled = true;
      this.error.textContent = "";
      const res = await p;
      b.disabled = false;
      if (res.status === "error") this.error.textContent = errorText(res.error);
    });
    return b;
  }

  private act(cmd: "accept" | "confirm" | "mismatch" | "cancel"): Promise<Outcome<null>> {
    const { otherUserId, flowId } = this.info;
    const p = {
      accept: () => commands.acceptVerification(otherUserId, flowId),
      confirm: () => commands.confirmVerification(otherUserId, flowId),
      mismatch: () => commands.mismatchVerification(otherUserId, flowId),
      cancel: () => commands.cancelVerification(otherUserId, flowId),
    }[cmd]();
    return call(p as Promise<Outcome<null>>);
  }

  private async cancelOrClose(): Promise<void> {
    if (this.finished) this.close();
    else await this.act("cancel");
  }

  close(): void {
    this.stop();
    this.element.remove();
    this.opts.onClose?.();
  }

  private cancelButton(): HTMLButtonElement {
    return this.button("verify-cancel", t("verify.cancel"), "secondary", () => this.act("cancel"));
  }

  show(state: FlowState): void {
    if (this.finished) return;
    const line = (key: StringKey) => el("p", { class: "verify-status", role: "status" }, t(key));
    let content: HTMLElement[];
    switch (state.state) {
      case "waiting":
        content = [line(this.info.isSelfVerification ? "verify.waitingOwn" : "verify.waiting"), this.cancelButton()];
        break;
      case "incoming":
        content = [
          el("p", { class: "verify-status" }, this.info.isSelfVerification
            ? t("verify.incomingOwn")
            : t("verify.incomingUser", { user: this.info.otherUserId })),
          el("div", { class: "verify-actions" },
            this.button("verify-accept", t("verify.accept"), "primary", () => this.act("accept")),
            this.button("verify-decline", t("verify.decline"), "secondary", () => this.act("cancel"))),
        ];
        break;
      case "starting":
        content = [line("verify.starting"), this.cancelButton()];
        break;
      case "compare":
        content = [
          el("p", { class: "verify-status" }, t("verify.compare")),
          el("ol", { id: "verify-emojis", class: "verify-emojis" },
            ...state.emojis.map((e) => el("li", { class: "verify-emoji", "data-index": e.index },
              el("span", { class: "verify-symbol", "aria-hidden": "true" }, e.symbol),
              el("span", { class: "verify-name" }, emojiName(e.index, e.description))))),
          el("div", { class: "verify-actions" },
            this.button("verify-match", t("verify.match"), "primary", () => this.act("confirm")),
            this.button("verify-no-match", t("verify.noMatch"), "danger", () => this.act("mismatch")),
            this.cancelButton()),
        ];
        break;
      case "confirmed":
        content = [line("verify.confirmed"), this.cancelButton()];
        break;
      case "done":
        this.finished = true;
        this.opts.onDone?.();
        content = [el("p", { class: "verify-status verify-done", role: "status" },
          t(this.info.isSelfVerification ? "verify.doneOwn" : "verify.done")),
        this.button("verify-close", t("verify.close"), "primary", () => this.close())];
        break;
      case "cancelled":
        this.finished = true;
        content = [el("p", { class: "verify-status verify-cancelled", role: "status" }, cancelText(state)),
          this.button("verify-close", t("verify.close"), "primary", () => this.close())];
        break;
    }
    this.body.replaceChildren(...content);
    const first = this.body.querySelector<HTMLButtonElement>("button.primary, button");
    queueMicrotask(() => first?.focus());
  }
}

/** Where dialogs go: one at a time, on top of the window. */
let current: VerificationDialog | null = null;

function mount(dialog: VerificationDialog): void {
  current?.close();
  current = dialog;
  const onClose = dialog.close.bind(dialog);
  dialog.close = () => {
    onClose();
    if (current === dialog) current = null;
  };
  document.body.append(dialog.element);
}

/** The dialog on screen, if any (tests, e2e). */
export function currentDialog(): VerificationDialog | null {
  return current;
}

/** The user asks one of their sessions (`userId` null), or someone's, to verify.
 *  Resolves with the error to show, or null once the dialog is open. */
export async function verifyDevice(userId: string | null, deviceId: string, opts: DialogOptions = {}): Promise<string | null> {
  return openFlow((channel) => commands.verifyDevice(userId, deviceId, channel as never), opts);
}

/** Asks a person (or, with one's own ID, every other session of one's own: this is how
 *  a new session gets verified from an old one) to verify. Resolves like `verifyDevice`. */
export async function verifyUser(userId: string, opts: DialogOptions = {}): Promise<string | null> {
  return openFlow((channel) => commands.verifyUser(userId, channel as never), opts);
}

async function openFlow(
  start: (channel: unknown) => ReturnType<typeof commands.verifyUser>,
  opts: DialogOptions,
): Promise<string | null> {
  let dialog: VerificationDialog | null = null;
  const pending: FlowState[] = [];
  const { channel, stop } = channelOf<FlowState>((s) => (dialog ? dialog.show(s) : pending.push(s)));
  const res = await call(start(channel));
  if (res.status === "error") {
    stop();
    return errorText(res.error);
  }
  dialog = new VerificationDialog(res.data as VerificationInfo, opts);
  dialog.stop = stop;
  dialog.show({ state: "waiting" });
  for (const s of pending) dialog.show(s);
  mount(dialog);
  return null;
}

/** Listens for the verifications other sessions ask for, for this session's lifetime;
 *  each opens the dialog, which follows that flow. */
export function listenForVerifications(): Stream {
  const incoming = channelOf<VerificationInfo>((info) => {
    const dialog = new VerificationDialog(info);
    const flow = channelOf<FlowState>((s) => dialog.show(s));
    dialog.stop = flow.stop;
    dialog.show({ state: "incoming" });
    mount(dialog);
    void call(commands.watchVerification(info.otherUserId, info.flowId, flow.channel as never));
  });
  const ready = call(commands.subscribeVerifications(incoming.channel as never));
  return { stop: incoming.stop, ready };
}

/** The banner of a room when members have sessions nobody verified, with a button to
 *  verify each. Returns the element (empty and hidden while there is nothing to say)
 *  and the stream to stop with the room. */
export function unverifiedBanner(roomId: string): { element: HTMLElement; stream: Stream } {
  const element = el("div", { id: "unverified-devices", class: "banner warning", role: "status", hidden: true });
  const stream = channelOf<UnverifiedDevice[]>((list) => {
    element.hidden = list.length === 0;
    element.replaceChildren(...(list.length === 0 ? [] : [
      el("p", {}, t("verify.roomWarning")),
      el("ul", { class: "unverified-list" }, ...list.map((d) => {
        const verify = el("button", { type: "button", class: "link verify-device" }, t("verify.verify"));
        verify.addEventListener("click", () => void verifyDevice(d.userId, d.deviceId));
        return el("li", { "data-user-id": d.userId, "data-device-id": d.deviceId },
          t("verify.unverifiedDevice", { user: d.userId, device: d.displayName || d.deviceId }), " ", verify);
      })),
    ]));
  });
  const ready = call(commands.subscribeUnverifiedDevices(roomId, stream.channel as never));
  return { element, stream: { stop: stream.stop, ready } };
}
