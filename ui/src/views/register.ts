// "Créer un compte": work email, password (twice), optional server. Rust checks the
// password against the server's rules first; the failing rules are listed under the
// field. Then "check your mail": the account exists once the link in the mail was
// followed ("Continuer"), with "Renvoyer" for a lost or expired mail. Nothing typed is
// lost on an error; the password stays in memory only until the account exists.
import { commands } from "../bindings";
import type * as B from "../bindings";
import type { AppInfo, Me, UiError } from "../types";
import { call } from "../ipc";
import { clear, el } from "../dom";
import { errorText } from "../format";
import { t } from "../i18n";

type Pending = B.PendingRegistration;
type Rule = B.PolicyRule;

export interface RegisterOptions {
  info: AppInfo | null;
  onRegistered: (me: Me) => void;
  onBack: () => void;
}

export function ruleText(r: Rule): string {
  switch (r.type) {
    case "minimumLength":
      return t("register.rule.minimumLength", { count: String(r.data) });
    default:
      return t(`register.rule.${r.type}`);
  }
}

export function showRegister(root: HTMLElement, opts: RegisterOptions): void {
  clear(root);
  const email = el("input", { id: "register-email", type: "email", autocomplete: "email", spellcheck: "false",
    autocapitalize: "off", required: true });
  const homeserver = el("input", { id: "register-homeserver", type: "text", autocomplete: "url", inputmode: "url",
    spellcheck: "false", autocapitalize: "off", placeholder: "https://matrix.example.org", "aria-describedby": "register-homeserver-hint" });
  homeserver.value = opts.info?.defaultHomeserver ?? "";
  // The admin's locked server: shown, not editable (Rust enforces it anyway).
  if (opts.info?.disableCustomUrls && homeserver.value) homeserver.readOnly = true;
  const password = el("input", { id: "register-password", type: "password", autocomplete: "new-password", required: true,
    "aria-describedby": "register-rules" });
  const confirm = el("input", { id: "register-password2", type: "password", autocomplete: "new-password", required: true });
  const rules = el("ul", { id: "register-rules", class: "error rules" });
  const submit = el("button", { id: "register-submit", type: "submit", class: "primary" }, t("register.submit"));
  const error = el("p", { id: "register-error", class: "error", role: "alert", "aria-live": "assertive" });
  const back = el("button", { id: "register-back", type: "button", class: "link" }, t("register.back"));
  back.addEventListener("click", () => opts.onBack());
  const form = el("form", { id: "register-form", class: "login", novalidate: true, "aria-labelledby": "register-title" },
    el("h1", { id: "register-title" }, t("register.title")),
    el("label", { for: "register-email" }, t("register.email")), email,
    el("label", { for: "register-homeserver" }, t("login.homeserver")), homeserver,
    el("small", { id: "register-homeserver-hint", class: "hint" }, t("login.homeserver.hint")),
    el("label", { for: "register-password" }, t("login.password")), password, rules,
    el("label", { for: "register-password2" }, t("register.confirm")), confirm,
    submit, error, back);
  root.append(el("main", { class: "login-screen" }, form));
  email.focus();

  const showError = (e: UiError) => {
    rules.replaceChildren();
    if (e.type === "weakPassword") {
      error.textContent = t("error.weakPassword");
      rules.replaceChildren(...e.data.map((r) => el("li", {}, ruleText(r))));
      password.focus();
      return;
    }
    error.textContent = errorText(e);
    if (e.type === "invalidEmail" || e.type === "emailInUse" || e.type === "emailNotAllowed") email.focus();
  };

  let busy = false;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return;
    error.textContent = "";
    rules.replaceChildren();
    if (!email.value.trim() || !password.value) {
      showError({ type: "missingFields" });
      return;
    }
    if (password.value !== confirm.value) {
      error.textContent = t("register.mismatch");
      confirm.focus();
      return;
    }
    busy = true;
    submit.disabled = true;
    const res = await call(commands.registerRequest({ homeserver: homeserver.value.trim(), email: email.value.trim(),
      password: password.value }));
    busy = false;
    submit.disabled = false;
    if (res.status === "error") showError(res.error);
    else showCheckMail(root, res.data as Pending, password.value, opts);
  });
}

/** "Un lien vous a été envoyé": Continue once it was followed; Resend; Back. */
function showCheckMail(root: HTMLElement, first: Pending, password: string, opts: RegisterOptions): void {
  clear(root);
  let pending = first;
  const status = el("p", { id: "register-status", class: "hint", role: "status" });
  const error = el("p", { id: "register-error", class: "error", role: "alert", "aria-live": "assertive" });
  const cont = el("button", { id: "register-continue", type: "button", class: "primary" }, t("register.continue"));
  const resend = el("button", { id: "register-resend", type: "button", class: "secondary" }, t("register.resend"));
  const back = el("button", { id: "register-back", type: "button", class: "link" }, t("register.back"));
  back.addEventListener("click", () => opts.onBack());
  const box = el("section", { id: "register-check", class: "login", "aria-labelledby": "register-check-title" },
    el("h1", { id: "register-check-title" }, t("register.checkTitle")),
    el("p", {}, t("register.checkText", { email: pending.email })),
    cont, resend, status, error, back);
  root.append(el("main", { class: "login-screen" }, box));
  cont.focus();

  cont.addEventListener("click", async () => {
    cont.disabled = true;
    error.textContent = "";
    status.textContent = t("register.creating");
    const res = await call(commands.registerFinish(pending, password));
    cont.disabled = false;
    status.textContent = "";
    if (res.status === "ok") opts.onRegistered(res.data as Me);
    else error.textContent = errorText(res.error);
  });
  resend.addEventListener("click", async () => {
    resend.disabled = true;
    error.textContent = "";
    const res = await call(commands.registerResend(pending));
    resend.disabled = false;
    if (res.status === "ok") {
      pending = res.data as Pending;
      status.textContent = t("register.resent", { email: pending.email });
    } else {
      error.textContent = errorText(res.error);
    }
  });
}
