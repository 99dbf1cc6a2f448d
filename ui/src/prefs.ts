// The preferences kept by Rust (settings.json): language and theme, applied to the
// document. "system" follows the OS: its language through the webview's
// `navigator.language`, its colours through `prefers-color-scheme` (theme.css).
import { commands } from "./bindings";
import { currentLang, pickLang, setLang, t, type Lang } from "./i18n";
import { call } from "./ipc";
import type { Language, SettingsView, Theme } from "./types";

/** The language the choice means on this computer. */
export function effectiveLang(choice: Language, navLang = typeof navigator === "undefined" ? undefined : navigator.language): Lang {
  return choice === "system" ? pickLang(navLang) : choice;
}

/** Switches the UI's language; `true` when it changed (the screens must be drawn again). */
export function applyLanguage(choice: Language): boolean {
  const before = currentLang();
  setLang(effectiveLang(choice));
  document.documentElement.lang = currentLang();
  document.title = t("app.name");
  return before !== currentLang();
}

/** Light, dark, or the system's: `data-theme` on <html>, read by theme.css. */
export function applyTheme(choice: Theme): void {
  const root = document.documentElement;
  if (choice === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", choice);
}

/** Reads the saved preferences and applies them; `null` when Rust could not say (the
 *  document keeps its language and the system's theme). */
export async function loadPrefs(): Promise<SettingsView | null> {
  const res = await call(commands.settings());
  if (res.status !== "ok") return null;
  const view = res.data as SettingsView;
  applyLanguage(view.settings.language);
  applyTheme(view.settings.theme);
  return view;
}
