// Start-up flow: a saved session goes straight to the main screen, otherwise the
// login form; logging out comes back to the form (without reloading, so the demo's
// auto-login does not kick in again).
import { commands } from "./bindings";
import type { AppInfo, Me, UiError } from "./types";
import { call, subscribeLinks } from "./ipc";
import { clear, el } from "./dom";
import { currentLang, t } from "./i18n";
import { showLogin } from "./views/login";
import { showRegister } from "./views/register";
import { MainScreen } from "./views/main";
import { desktopSettingsSection, setupTray } from "./views/desktopSettings";
import { loadPrefs } from "./prefs";
import { sendShellTexts } from "./shellTexts";
import { addSettingsSection } from "./settingsSlots";
import { keyFilesSection } from "./views/keys";

export class App {
  private info: AppInfo | null = null;
  private main: MainScreen | null = null;

  constructor(private root: HTMLElement) {}

  async boot(): Promise<void> {
    // The saved language and theme first: everything below is drawn in them.
    await loadPrefs();
    void sendShellTexts();
    document.documentElement.lang = currentLang();
    document.title = t("app.name");
    clear(this.root);
    this.root.append(el("div", { id: "splash", class: "splash", role: "status" },
      el("span", { class: "spinner-icon", "aria-hidden": "true" }), t("app.loading")));
    // Links clicked while Chappe runs arrive here (a second launch hands them over).
    subscribeLinks((link) => this.openLink(link));
    // The tray icon, with this language's words (Rust makes it on this first call).
    void setupTray();
    // Its switches (close into the tray, start with the session) in the Settings screen.
    addSettingsSection("desktop", desktopSettingsSection);
    // Room keys to and from a file (Element's format), next to the sessions.
    addSettingsSection("security", keyFilesSection);
    const [info, restored] = await Promise.all([call(commands.appInfo()), call(commands.restoreSession())]);
    this.info = info.status === "ok" ? (info.data as AppInfo) : null;
    if (restored.status === "ok" && restored.data) this.showMain(restored.data as Me);
    else this.showLogin(restored.status === "error" ? restored.error : null);
  }

  showLogin(error: UiError | null = null): void {
    this.main?.destroy();
    this.main = null;
    showLogin(this.root, {
      info: this.info, initialError: error, onLoggedIn: (me) => this.showMain(me),
      onRegister: () => showRegister(this.root, {
        info: this.info, onRegistered: (me) => this.showMain(me), onBack: () => this.showLogin(),
      }),
    });
    this.applyPolicy();
  }

  /** The admin's policy on the login form: a locked server is not editable, and
   *  config files that were ignored are named, so the admin can fix them. */
  private applyPolicy(): void {
    const info = this.info;
    const form = this.root.querySelector("#login-form");
    if (!info || !form) return;
    const hs = this.root.querySelector<HTMLInputElement>("#login-homeserver");
    if (info.disableCustomUrls && hs && hs.value) {
      hs.readOnly = true;
      hs.setAttribute("aria-readonly", "true");
      hs.title = t("login.homeserverLocked");
    }
    // An older shell may not send the list: treat it as empty.
    const problems = info.configProblems ?? [];
    if (problems.length > 0) {
      form.append(el("div", { id: "config-problems", class: "config-problems", role: "status" },
        el("p", {}, t("login.configProblems")),
        el("ul", {}, ...problems.map((p) => el("li", {}, p)))));
    }
  }

  showMain(me: Me): void {
    this.main?.destroy();
    clear(this.root);
    this.me = me;
    const main = new MainScreen(me, {
      onLoggedOut: () => this.showLogin(),
      directoryServers: this.info?.roomDirectoryServers ?? [],
      onLanguageChanged: () => this.relocalize(),
    });
    this.main = main;
    this.root.append(main.element);
    main.start();
    // Opened with a room link: show that room once, after sign-in if needed.
    const link = this.info?.startLink;
    if (link && !this.linkShown) {
      this.linkShown = true;
      main.openLink(link);
    }
    if (this.laterLink) {
      main.openLink(this.laterLink);
      this.laterLink = null;
    }
  }

  private linkShown = false;
  /** Who is signed in, to draw the main screen again in another language. */
  private me: Me | null = null;

  /** The language changed in the settings: the main screen is drawn again in it (the
   *  room list and the timeline come back from Rust's streams), settings still open. */
  private relocalize(): void {
    if (!this.main || !this.me) return;
    void sendShellTexts();
    void setupTray(); // the tray's menu in the new language
    this.showMain(this.me);
    // Back on the language list, where the keyboard user was.
    this.main?.openSettings("language");
  }

  /** A link given while no one was signed in: opened after sign-in. */
  private laterLink: string | null = null;

  /** A room link given while the app runs: its preview, now or after sign-in. */
  openLink(link: string): void {
    if (this.main) this.main.openLink(link);
    else this.laterLink = link;
  }

  get mainScreen(): MainScreen | null {
    return this.main;
  }
}
