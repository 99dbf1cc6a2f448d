// The desktop app's own settings, kept on this device whoever is signed in: closing the
// window into the tray (Chappe keeps running and notifying) and starting with the
// user's session. A section any settings screen can include (today the settings
// panel). Also the tray's words, given to Rust, which makes the tray with them.
import { commands, type TrayTexts } from "../bindings";
import { el } from "../dom";
import { errorText } from "../format";
import { t, type StringKey } from "../i18n";
import { call, type Outcome } from "../ipc";

/** The tray's words in the current language. */
export function trayTexts(): TrayTexts {
  return {
    app: t("app.name"),
    open: t("desktop.trayOpen"),
    mute: t("desktop.trayMute"),
    quit: t("desktop.trayQuit"),
    unread: t("desktop.trayUnread"),
  };
}

/** Makes the tray (or renames its items after a language change). Resolves with
 *  whether the desktop shows a tray. */
export async function setupTray(): Promise<boolean> {
  const res = await call(commands.setTrayTexts(trayTexts()));
  return res.status === "ok" && res.data;
}

interface Toggle {
  id: string;
  label: StringKey;
  hint: StringKey;
  save: (on: boolean) => Promise<Outcome<null>>;
}

/** A checkbox that saves at once, is disabled while saving, and goes back to what is
 *  really set when saving fails (with the reason below it). */
function toggle(spec: Toggle, initial: boolean | null, status: HTMLElement): HTMLElement {
  const error = el("p", { id: `${spec.id}-error`, class: "error", role: "alert" });
  const box = el("input", { id: spec.id, type: "checkbox", "aria-describedby": `${spec.id}-hint` });
  box.checked = initial ?? false;
  box.disabled = initial === null;
  box.addEventListener("change", async () => {
    const wanted = box.checked;
    box.disabled = true;
    error.textContent = "";
    status.textContent = "";
    const res = await call(spec.save(wanted));
    box.disabled = false;
    if (res.status === "error") {
      box.checked = !wanted;
      error.textContent = errorText(res.error);
    } else {
      status.textContent = t("settings.saved");
    }
  });
  return el("div", { class: "setting" },
    el("label", { class: "check", for: spec.id }, box, t(spec.label)),
    el("p", { id: `${spec.id}-hint`, class: "hint" }, t(spec.hint)), error);
}

/** The "Desktop" section: close to the tray, start with the session. Its boxes are
 *  usable once Rust said what is set. */
export function desktopSettingsSection(): HTMLElement {
  const status = el("p", { id: "desktop-status", class: "hint", role: "status" });
  const error = el("p", { id: "desktop-error", class: "error", role: "alert" });
  const toggles = el("div", { class: "desktop-toggles" });
  // The Settings screen gives it its heading ("Desktop").
  const section = el("div", { id: "desktop-settings" }, toggles, status, error);
  const closeToTray: Toggle = {
    id: "close-to-tray", label: "desktop.closeToTray", hint: "desktop.closeToTrayHint",
    save: (on) => commands.setCloseToTray(on),
  };
  const autostart: Toggle = {
    id: "autostart", label: "desktop.autostart", hint: "desktop.autostartHint",
    save: (on) => commands.setAutostart(on),
  };
  toggles.append(toggle(closeToTray, null, status), toggle(autostart, null, status));
  void call(commands.desktopSettings()).then((res) => {
    if (res.status === "error") {
      error.textContent = errorText(res.error);
      return;
    }
    toggles.replaceChildren(toggle(closeToTray, res.data.closeToTray, status),
      toggle(autostart, res.data.autostart, status));
    // Without a tray the window still comes back when Chappe is started again.
    if (!res.data.tray) {
      toggles.append(el("p", { id: "desktop-no-tray", class: "hint" }, t("desktop.noTray")));
    }
  });
  return section;
}
