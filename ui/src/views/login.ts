import { commands } from "../bindings";
import type { AppInfo, Me, UiError } from "../types";
import { call } from "../ipc";
import { clear, el } from "../dom";
import { errorText } from "../format";
import { t } from "../i18n";

export interface LoginOptions {
  info: AppInfo | null;
  /** Shown at once under the form (e.g. a saved session that could not be resumed). */
  initialError?: UiError | null;
  onLoggedIn: (me: Me) => void;
  /** "Créer un compte": show the registration form. */
  onRegister?: () => void;
}

/** The sign-in form. Enter in any field submits; the button is disabled, with a
 *  spinner and "Connexion…", while the server answers. */
export function showLogin(root: HTMLElement, opts: LoginOptions): void {
  clear(root);
  const homeserver = el("input", {
    id: "login-homeserver", name: "homeserver", type: "text", autocomplete: "url", inputmode: "url",
    spellcheck: "false", autocapitalize: "off", placeholder: "https://matrix.example.org",
    "aria-describedby": "login-homeserver-hint",
  });
  homeserver.value = opts.info?.defaultHomeserver ?? "";
  const user = el("input", {
    id: "login-user", name: "user", type: "text", autocomplete: "username", spellcheck: "false",
    autocapitalize: "off", required: true, "aria-describedby": "login-user-hint",
  });
  const password = el("input", {
    id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true,
  });
  // No secret store: never a silent fallback. The user accepts, knowingly, to sign in
  // again at each start (nothing is written to disk in clear).
  const keepless = el("input", { id: "no-keychain-ok", type: "checkbox" });
  const noKeychain = opts.info?.keychainAvailable === false
    ? el("div", { id: "no-keychain", class: "notice", role: "note" },
      el("p", {}, t("login.noKeychain")),
      el("label", { class: "check", for: "no-keychain-ok" }, keepless, t("login.noKeychainAccept")))
    : null;
  const label = el("span", { class: "label" }, t("login.submit"));
  const spinner = el("span", { class: "spinner-icon", "aria-hidden": "true", hidden: true });
  const submit = el("button", { id: "login-submit", type: "submit", class: "primary" }, spinner, label);
  const error = el("p", { id: "login-error", class: "error", role: "alert", "aria-live": "assertive" });
  const form = el(
    "form",
    { id: "login-form", class: "login", novalidate: true, "aria-labelledby": "login-title" },
    el("h1", { id: "login-title" }, t("app.name")),
    el("p", { class: "subtitle" }, t("login.subtitle")),
    el("label", { for: "login-homeserver" }, t("login.homeserver")),
    homeserver,
    el("small", { id: "login-homeserver-hint", class: "hint" }, t("login.homeserver.hint")),
    el("label", { for: "login-user" }, t("login.user")),
    user,
    el("small", { id: "login-user-hint", class: "hint" }, t("login.user.hint")),
    el("label", { for: "login-password" }, t("login.password")),
    password,
    noKeychain,
    submit,
    error,
  );
  const version = opts.info?.version
    ? el("p", { id: "app-version", class: "version" }, t("app.version", { version: opts.info.version }))
    : null;

  const setBusy = (busy: boolean) => {
    submit.disabled = busy;
    spinner.hidden = !busy;
    label.textContent = busy ? t("login.submitting") : t("login.submit");
    for (const input of [homeserver, user, password]) input.readOnly = busy;
    if (busy) form.setAttribute("aria-busy", "true");
    else form.removeAttribute("aria-busy");
  };
  const showError = (e: UiError) => {
    error.textContent = errorText(e);
  };
  if (opts.initialError) showError(opts.initialError);

  let busy = false;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) return;
    error.textContent = "";
    if (!user.value.trim() || !password.value) {
      showError({ type: "missingFields" });
      (user.value.trim() ? password : user).focus();
      return;
    }
    if (noKeychain && !keepless.checked) {
      error.textContent = t("login.noKeychainChoose");
      keepless.focus();
      return;
    }
    busy = true;
    setBusy(true);
    const res = await call(commands.login({
      homeserver: homeserver.value.trim(),
      user: user.value.trim(),
      password: password.value,
    }));
    busy = false;
    setBusy(false);
    if (res.status === "ok") {
      opts.onLoggedIn(res.data as Me);
      return;
    }
    showError(res.error);
    const focus =
      res.error.type === "invalidHomeserver" || res.error.type === "serverNotFound" || res.error.type === "unreachable"
        ? homeserver
        : res.error.type === "wrongCredentials" ? password : null;
    if (focus) {
      focus.focus();
      focus.select();
    }
  });

  const register = opts.onRegister
    ? el("button", { id: "show-register", type: "button", class: "link" }, t("register.link"))
    : null;
  register?.addEventListener("click", () => opts.onRegister?.());
  root.append(el("main", { class: "login-screen" }, form, register, version));
  (homeserver.value ? user : homeserver).focus();
}
