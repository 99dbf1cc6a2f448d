import { commands } from "../bindings";
import type { AppInfo, Me } from "../types";
import { clear, el } from "../dom";
import { errorText } from "../format";
import { t } from "../i18n";

/** The sign-in form. Calls `onDone` with the account once logged in. */
export function showLogin(root: HTMLElement, info: AppInfo | null, onDone: (me: Me) => void): void {
  clear(root);
  const homeserver = el("input", {
    id: "login-homeserver", name: "homeserver", type: "text", autocomplete: "url",
    placeholder: "https://matrix.example.org", title: t("login.homeserver.hint"),
  });
  homeserver.value = info?.defaultHomeserver ?? "";
  const user = el("input", {
    id: "login-user", name: "user", type: "text", autocomplete: "username",
    title: t("login.user.hint"), required: true,
  });
  const password = el("input", {
    id: "login-password", name: "password", type: "password", autocomplete: "current-password",
    required: true,
  });
  const submit = el("button", { id: "login-submit", type: "submit", class: "primary" }, t("login.submit"));
  const error = el("p", { id: "login-error", class: "error", role: "alert" });
  const form = el(
    "form",
    { id: "login-form", class: "login", novalidate: true },
    el("h1", {}, t("app.name")),
    el("p", { class: "subtitle" }, t("login.subtitle")),
    el("label", { for: "login-homeserver" }, t("login.homeserver")),
    homeserver,
    el("label", { for: "login-user" }, t("login.user")),
    user,
    el("label", { for: "login-password" }, t("login.password")),
    password,
    error,
    submit,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (submit.disabled) return;
    error.textContent = "";
    submit.disabled = true;
    submit.textContent = t("login.submitting");
    form.setAttribute("aria-busy", "true");
    const res = await commands.login({
      homeserver: homeserver.value.trim(),
      user: user.value.trim(),
      password: password.value,
    });
    submit.disabled = false;
    submit.textContent = t("login.submit");
    form.removeAttribute("aria-busy");
    if (res.status === "ok") {
      onDone(res.data);
    } else {
      error.textContent = errorText(res.error);
      password.select();
    }
  });
  root.append(el("main", { class: "login-screen" }, form));
  (homeserver.value ? user : homeserver).focus();
}
