// The settings screen, shown in place of a room: account, notifications, appearance,
// language, privacy, security, network (proxy), desktop, about. Preferences kept on
// this computer (theme, language, proxy) go through `save_settings` (Rust writes
// settings.json); the account's settings go to the server. A failed save puts the
// control back as it was and says why; what the user typed is never cleared.
import { commands } from "../bindings";
import { el } from "../dom";
import { errorText, fullTime } from "../format";
import { t, type StringKey } from "../i18n";
import { verifyDevice } from "./verification";
import { call } from "../ipc";
import { applyLanguage, applyTheme, effectiveLang } from "../prefs";
import { settingsSections } from "../settingsSlots";
import type { Language, Me, Settings, SettingsView, Theme } from "../types";
import { panel, type PanelOptions } from "./panels";

export interface SettingsOptions extends PanelOptions {
  /** Who is signed in (the account section); without it the section is left out. */
  me?: Me;
  /** "Sign out" in the account section. */
  onSignOut?: () => void;
  /** The language changed and was saved: the app draws its screens again in it. */
  onLanguageChanged?: () => void;
  /** Focus this control once usable instead of the screen (drawn again after a
   *  language change: the user stays where they were). */
  focus?: "language";
}

const THEMES: readonly Theme[] = ["system", "light", "dark"];
const LANGUAGES: readonly Language[] = ["system", "fr", "en"];

/** One titled section; its heading takes the focus when the section list jumps there. */
function section(id: string, title: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return el("section", { id, class: "setting settings-section", "aria-labelledby": `${id}-title` },
    el("h3", { id: `${id}-title`, tabindex: "-1" }, title), ...children);
}

export function settingsScreen(opts: SettingsOptions = {}): HTMLElement {
  const status = el("p", { id: "settings-status", class: "hint settings-status", role: "status" }, t("app.loading"));
  const error = el("p", { id: "settings-error", class: "error", role: "alert" });
  const prefs = preferences(status, opts.focus);
  const sections = [
    opts.me ? accountSection(opts.me, opts.onSignOut) : null,
    section("settings-notifications", t("settings.notificationsTitle"), notificationsSetting(status)),
    prefs.appearance,
    prefs.language(() => opts.onLanguageChanged?.()),
    section("settings-privacy", t("settings.privacy"), hideProfileSetting(status, error)),
    section("settings-security", t("settings.security"), sessionsSection(),
      ...settingsSections("security")),
    prefs.network,
    ...desktopSection(),
    prefs.about,
  ].filter((s): s is HTMLElement => s !== null);
  const nav = el("nav", { class: "settings-nav", "aria-label": t("settings.nav") },
    el("ul", {}, ...sections.map((s) => {
      const heading = s.querySelector<HTMLElement>("h3");
      const b = el("button", { type: "button", class: "link", "data-target": s.id }, heading?.textContent ?? s.id);
      b.addEventListener("click", () => {
        s.scrollIntoView?.({ block: "start" });
        heading?.focus();
      });
      return el("li", {}, b);
    })));
  const root = panel("settings-dialog", t("settings.title"), opts, nav, error, ...sections, status);
  // Focus inside the panel at once: Escape closes it, Tab walks the sections.
  queueMicrotask(() => root.focus());
  return root;
}

function accountSection(me: Me, onSignOut?: () => void): HTMLElement {
  const out = el("button", { id: "settings-sign-out", type: "button", class: "secondary" }, t("settings.signOutHere"));
  out.addEventListener("click", () => {
    out.disabled = true;
    out.textContent = t("main.loggingOut");
    onSignOut?.();
  });
  return section("settings-account", t("settings.account"),
    el("p", { id: "settings-me-name", class: "result-name" }, me.displayName || me.userId),
    el("p", { id: "settings-me-id", class: "result-sub" }, me.userId),
    el("p", { id: "settings-me-server", class: "result-sub" }, t("settings.homeserver", { server: me.homeserver })),
    onSignOut ? out : null);
}

/** The sections backed by `settings.json`, filled once Rust answered. */
function preferences(status: HTMLElement, focus?: "language") {
  let current: Settings | null = null;
  const ready: ((v: SettingsView) => void)[] = [];
  const failed: ((e: string) => void)[] = [];
  void call(commands.settings()).then((res) => {
    if (status.textContent === t("app.loading")) status.textContent = "";
    if (res.status === "ok") {
      const view = res.data as SettingsView;
      current = view.settings;
      for (const f of ready) f(view);
    } else {
      for (const f of failed) f(errorText(res.error));
    }
  });
  /** Saves `change` on top of what is saved; the new settings, or the reason it failed. */
  const save = async (change: Partial<Settings>): Promise<{ ok: SettingsView } | { error: string }> => {
    if (!current) return { error: t("error.settingsNotSaved") };
    status.textContent = "";
    const res = await call(commands.saveSettings({ ...current, ...change }));
    if (res.status === "error") return { error: errorText(res.error) };
    const view = res.data as SettingsView;
    current = view.settings;
    return { ok: view };
  };

  // Appearance: three radio buttons; the theme applies at once.
  const themeError = el("p", { id: "settings-theme-error", class: "error", role: "alert" });
  const radios = THEMES.map((theme) => el("input", { type: "radio", name: "settings-theme", id: `theme-${theme}`,
    value: theme, disabled: true }));
  const appearance = section("settings-appearance", t("settings.appearance"),
    el("fieldset", { class: "choices", id: "settings-theme" },
      el("legend", {}, t("settings.theme")),
      ...radios.map((r) => el("label", { class: "check", for: r.id }, r, t(`theme.${r.value}` as StringKey)))),
    themeError);
  for (const r of radios) {
    r.addEventListener("change", async () => {
      if (!r.checked || !current) return;
      const before = current.theme;
      const wanted = r.value as Theme;
      applyTheme(wanted);
      themeError.textContent = "";
      for (const x of radios) x.disabled = true;
      const res = await save({ theme: wanted });
      for (const x of radios) x.disabled = false;
      if ("error" in res) {
        applyTheme(before);
        for (const x of radios) x.checked = x.value === before;
        themeError.textContent = res.error;
      } else {
        status.textContent = t("settings.saved");
      }
    });
  }

  // Language: a list; a change redraws the app in the new language.
  const select = el("select", { id: "settings-language", disabled: true },
    ...LANGUAGES.map((l) => el("option", { value: l },
      l === "system" ? `${t("language.system")} (${t(`language.${effectiveLang("system")}`)})` : t(`language.${l}`))));
  const languageError = el("p", { id: "settings-language-error", class: "error", role: "alert" });
  const language = (onChanged: () => void) => {
    select.addEventListener("change", async () => {
      if (!current) return;
      const before = current.language;
      select.disabled = true;
      languageError.textContent = "";
      const res = await save({ language: select.value as Language });
      select.disabled = false;
      if ("error" in res) {
        select.value = before;
        languageError.textContent = res.error;
        return;
      }
      status.textContent = t("settings.saved");
      if (applyLanguage(res.ok.settings.language)) onChanged();
    });
    return section("settings-language-section", t("settings.language"),
      el("div", { class: "field" }, el("label", { for: "settings-language" }, t("settings.languageLabel")), select),
      languageError);
  };

  // Network: the proxy, checked by Rust before it is saved.
  const proxy = el("input", { id: "settings-proxy", type: "text", inputmode: "url", spellcheck: "false",
    autocapitalize: "off", autocomplete: "off", disabled: true, "aria-describedby": "settings-proxy-hint settings-proxy-error" });
  const proxyError = el("p", { id: "settings-proxy-error", class: "error", role: "alert" });
  const proxySave = el("button", { id: "settings-proxy-save", type: "submit", class: "secondary", disabled: true },
    t("settings.proxySave"));
  const proxyForm = el("form", { id: "settings-proxy-form", novalidate: true },
    el("div", { class: "field" }, el("label", { for: "settings-proxy" }, t("settings.proxy")),
      el("div", { class: "row" }, proxy, proxySave)),
    el("p", { id: "settings-proxy-hint", class: "hint" }, t("settings.proxyHint")),
    proxyError);
  proxyForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!current) return;
    proxySave.disabled = true;
    proxyError.textContent = "";
    const typed = proxy.value.trim();
    const res = await save({ proxy: typed || null });
    proxySave.disabled = false;
    if ("error" in res) {
      // Kept as typed, marked, and the reason next to it.
      proxy.setAttribute("aria-invalid", "true");
      proxyError.textContent = res.error;
      proxy.focus();
      return;
    }
    proxy.removeAttribute("aria-invalid");
    proxy.value = res.ok.settings.proxy ?? "";
    status.textContent = res.ok.settings.proxy ? t("settings.proxySaved") : t("settings.proxyCleared");
  });
  proxy.addEventListener("input", () => proxy.removeAttribute("aria-invalid"));
  const network = section("settings-network", t("settings.network"), proxyForm);

  // About: version, logs folder, keyboard shortcuts.
  const version = el("p", { id: "settings-version" });
  const logDir = el("p", { id: "settings-log-dir", class: "hint" });
  const openLogs = el("button", { id: "open-logs", type: "button", class: "secondary", hidden: true }, t("settings.openLogs"));
  const aboutError = el("p", { id: "settings-about-error", class: "error", role: "alert" });
  openLogs.addEventListener("click", async () => {
    aboutError.textContent = "";
    const res = await call(commands.openLogsFolder());
    if (res.status === "error") aboutError.textContent = errorText(res.error);
  });
  const about = section("settings-about", t("settings.about"), version, logDir,
    el("p", { class: "hint" }, t("settings.logsHint")), openLogs, aboutError,
    el("h4", { id: "settings-shortcuts" }, t("settings.shortcuts")),
    el("ul", { class: "shortcuts", "aria-labelledby": "settings-shortcuts" },
      el("li", {}, t("shortcut.switcher")), el("li", {}, t("shortcut.nextPrev")), el("li", {}, t("shortcut.escape"))));

  ready.push((view) => {
    for (const r of radios) {
      r.checked = r.value === view.settings.theme;
      r.disabled = false;
    }
    select.value = view.settings.language;
    select.disabled = false;
    if (focus === "language") select.focus();
    proxy.value = view.settings.proxy ?? "";
    proxy.disabled = false;
    proxySave.disabled = false;
    version.textContent = t("app.version", { version: view.version });
    logDir.textContent = view.logDir ? t("settings.logs", { dir: view.logDir }) : t("settings.noLogs");
    openLogs.hidden = !view.logDir;
  });
  failed.push((reason) => {
    for (const e of [themeError, languageError, proxyError, aboutError]) e.textContent = reason;
  });
  return { appearance, language, network, about };
}

/** The desktop features' section (tray, autostart…), when one registered. */
function desktopSection(): HTMLElement[] {
  const parts = settingsSections("desktop");
  return parts.length ? [section("settings-desktop", t("settings.desktop"), ...parts)] : [];
}

/** Hiding the profile from the directory (Tchap's "liste rouge", `im.vector.hide_profile`).
 *  The box shows what the server has; a failed save reverts it. */
function hideProfileSetting(status: HTMLElement, error: HTMLElement): HTMLElement {
  const box = el("input", { id: "hide-profile", type: "checkbox", disabled: true,
    "aria-describedby": "hide-profile-hint" });
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
  return el("div", { class: "setting-item" },
    el("label", { class: "check", for: "hide-profile" }, box, t("settings.hideProfile")),
    el("p", { id: "hide-profile-hint", class: "hint" }, t("settings.hideProfileHint")));
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
  return el("div", { class: "setting-item" },
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
function verifyButton(deviceId: string, name: string, error: HTMLElement, reload: () => void): HTMLButtonElement {
  const b = el("button", { type: "button", class: "link verify-device",
    "aria-label": `${t("verify.verify")} : ${name}` }, t("verify.verify"));
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
  const list = el("ul", { id: "devices", class: "results compact", "aria-labelledby": "sessions-title" });
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
      const name = d.displayName || d.deviceId;
      const li = el("li", { class: d.isCurrent ? "device current" : "device", "data-device-id": d.deviceId },
        el("span", { class: "result-text" },
          el("span", { class: "result-name" }, name,
            d.isCurrent ? el("span", { class: "badge" }, ` ${t("settings.thisSession")}`) : null,
            trustBadge(d)),
          el("span", { class: "result-sub" }, [d.deviceId, seen, d.lastSeenIp].filter(Boolean).join(" · "))));
      if (!d.isCurrent && d.isVerified === false) li.append(verifyButton(d.deviceId, name, error, () => void load()));
      if (!d.isCurrent) {
        const out = el("button", { type: "button", class: "link sign-out",
          "aria-label": `${t("settings.signOut")} : ${name}` }, t("settings.signOut"));
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
  return el("div", { class: "sessions" },
    el("h4", { id: "sessions-title" }, t("settings.sessions")),
    list,
    el("div", { class: "field" }, el("label", { for: "devices-password" }, t("settings.passwordLabel")), password),
    others, status, error);
}
