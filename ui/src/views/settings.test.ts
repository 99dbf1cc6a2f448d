import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { serveDirectory } from "../test/tauri";
import { App } from "../app";
import { currentLang, setLang } from "../i18n";
import { applyTheme, effectiveLang } from "../prefs";
import { addSettingsSection, clearSettingsSections } from "../settingsSlots";
import { el } from "../dom";
import { settingsScreen } from "./settings";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const $$ = (sel: string) => Array.from(document.querySelectorAll<HTMLElement>(sel));
const ME = { userId: "@alice:x", displayName: "Alice", homeserver: "https://matrix.x", remembered: true };

type Saved = { language: "system" | "fr" | "en"; theme: "system" | "light" | "dark"; proxy: string | null };

/** Answers `settings` and `save_settings` as Rust does: the proxy is checked (same
 *  errors), the saved value comes back trimmed, an empty proxy is none. */
function serveSettings(init: Partial<Saved> = {}, logDir: string | null = "/home/alice/.local/share/fr.chappe.app/logs") {
  const state = { saved: { language: "fr", theme: "system", proxy: null, ...init } as Saved, writes: 0 };
  tauri.handlers.set("settings", () => ({ settings: state.saved, version: "0.1.0", logDir }));
  tauri.handlers.set("save_settings", ({ settings }: { settings: Saved }) => {
    const proxy = (settings.proxy ?? "").trim();
    if (proxy) {
      if (!proxy.includes("://")) throw { type: "invalidProxy" };
      if (!/^(https?|socks5h?):\/\//i.test(proxy)) throw { type: "unsupportedProxyScheme" };
    }
    state.saved = { ...settings, proxy: proxy || null };
    state.writes++;
    return { settings: state.saved, version: "0.1.0", logDir };
  });
  tauri.handlers.set("open_logs_folder", () => null);
  tauri.handlers.set("notifications_enabled", () => true);
  tauri.handlers.set("list_devices", () => [{ deviceId: "ME", displayName: "Chappe", lastSeenIp: null, lastSeen: null, isCurrent: true }]);
  return state;
}

const settle = () => tauri.settle();

describe("settings screen", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    clearSettingsSections();
    serveDirectory({ hidden: false });
  });
  afterEach(() => {
    document.documentElement.removeAttribute("data-theme");
    clearSettingsSections();
  });

  it("gathers every section, listed at the top, each reachable from the list", async () => {
    serveSettings();
    document.body.replaceChildren(settingsScreen({ me: ME, onSignOut: () => {} }));
    await settle();
    const titles = $$(".settings-section > h3").map((h) => h.textContent);
    expect(titles).toEqual(["Compte", "Notifications", "Apparence", "Langue", "Confidentialité", "Sécurité", "Réseau", "À propos"]);
    expect($$(".settings-nav button").map((b) => b.textContent)).toEqual(titles);
    ($$(".settings-nav button")[6] as HTMLButtonElement).click();
    expect(document.activeElement).toBe($("#settings-network-title"));
    expect($("#settings-me-id").textContent).toBe("@alice:x");
    expect($("#settings-me-server").textContent).toBe("Serveur : https://matrix.x");
    expect($("#settings-version").textContent).toBe("Version 0.1.0");
    expect($("#settings-log-dir").textContent).toBe("Journaux : /home/alice/.local/share/fr.chappe.app/logs");
    $("#open-logs").click();
    await settle();
    expect(tauri.callsOf("open_logs_folder")).toHaveLength(1);
    expect($("#settings-shortcuts").textContent).toBe("Raccourcis clavier");
  });

  it("applies a theme at once and saves it; a failed save puts the old one back", async () => {
    const state = serveSettings({ theme: "light" });
    document.body.replaceChildren(settingsScreen());
    await settle();
    expect($<HTMLInputElement>("#theme-light").checked).toBe(true);
    $<HTMLInputElement>("#theme-dark").click();
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
    await settle();
    expect(state.saved).toEqual({ language: "fr", theme: "dark", proxy: null });
    expect($("#settings-status").textContent).toBe("Enregistré.");
    tauri.handlers.set("save_settings", () => { throw { type: "settingsNotSaved", data: "read-only file system" }; });
    $<HTMLInputElement>("#theme-system").click();
    expect(document.documentElement.hasAttribute("data-theme")).toBe(false); // system: no attribute
    await settle();
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
    expect($<HTMLInputElement>("#theme-dark").checked).toBe(true);
    expect($("#settings-theme-error").textContent).toBe("Les paramètres n'ont pas pu être enregistrés sur cet ordinateur.");
  });

  it("checks the proxy: a wrong one is said and kept as typed, a good one saved, an empty one means direct", async () => {
    const state = serveSettings();
    document.body.replaceChildren(settingsScreen());
    await settle();
    const proxy = $<HTMLInputElement>("#settings-proxy");
    expect($("#settings-proxy-hint").textContent).toContain("socks5://");
    proxy.value = "proxy.interieur.gouv.fr:3128";
    $("#settings-proxy-save").click();
    await settle();
    expect($("#settings-proxy-error").textContent).toBe(
      "Cette adresse de proxy n'est pas valide : elle doit ressembler à http://serveur:port ou socks5://serveur:port.");
    expect(proxy.value).toBe("proxy.interieur.gouv.fr:3128");
    expect(proxy.getAttribute("aria-invalid")).toBe("true");
    expect(document.activeElement).toBe(proxy);
    expect(state.writes).toBe(0);
    proxy.value = "ftp://proxy:21";
    $("#settings-proxy-save").click();
    await settle();
    expect($("#settings-proxy-error").textContent).toContain("socks5h://");
    proxy.value = "  http://proxy.interieur.gouv.fr:3128 ";
    proxy.dispatchEvent(new Event("input"));
    expect(proxy.hasAttribute("aria-invalid")).toBe(false);
    $("#settings-proxy-save").click();
    await settle();
    expect(state.saved.proxy).toBe("http://proxy.interieur.gouv.fr:3128");
    expect(proxy.value).toBe("http://proxy.interieur.gouv.fr:3128");
    expect($("#settings-proxy-error").textContent).toBe("");
    expect($("#settings-status").textContent).toBe("Proxy enregistré : il sera utilisé à la prochaine connexion ou au prochain démarrage.");
    proxy.value = "";
    $("#settings-proxy-save").click();
    await settle();
    expect(state.saved.proxy).toBeNull();
    expect($("#settings-status").textContent).toContain("Connexion directe enregistrée");
  });

  it("without its saved preferences, says so and keeps the rest usable", async () => {
    serveSettings();
    tauri.handlers.set("settings", () => { throw { type: "other", data: "no settings" }; });
    document.body.replaceChildren(settingsScreen());
    await settle();
    expect($<HTMLInputElement>("#theme-dark").disabled).toBe(true);
    expect($<HTMLInputElement>("#settings-proxy").disabled).toBe(true);
    expect($("#settings-proxy-error").textContent).toContain("no settings");
    expect($<HTMLInputElement>("#notifications-enabled").disabled).toBe(false);
  });

  it("shows the sections other features plug in: desktop, and security next to the sessions", async () => {
    serveSettings();
    document.body.replaceChildren(settingsScreen());
    await settle();
    expect($("#settings-desktop")).toBeNull(); // nothing registered: no empty section
    addSettingsSection("desktop", () => el("label", { class: "check" }, el("input", { type: "checkbox", id: "tray" }), "Tray"));
    addSettingsSection("security", () => el("div", { id: "recovery-key" }, "Recovery"));
    document.body.replaceChildren(settingsScreen());
    await settle();
    expect($("#settings-desktop #tray")).not.toBeNull();
    expect($("#settings-desktop-title").textContent).toBe("Bureau");
    expect($("#settings-security #recovery-key")).not.toBeNull();
    expect($("#settings-security #devices")).not.toBeNull();
    expect($$(".settings-nav button").map((b) => b.textContent)).toContain("Bureau");
  });

  it("follows the system's language when asked", () => {
    expect(effectiveLang("system", "en-US")).toBe("en");
    expect(effectiveLang("system", "fr-CA")).toBe("fr");
    expect(effectiveLang("en", "fr-FR")).toBe("en");
    applyTheme("dark");
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
    applyTheme("system");
    expect(document.documentElement.hasAttribute("data-theme")).toBe(false);
  });
});

describe("settings in the app", () => {
  let app: App | null = null;
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    document.body.innerHTML = '<div id="app"></div>';
    tauri.handlers.set("app_info", () => ({ version: "0.1.0", defaultHomeserver: null, disableCustomUrls: false, brand: "Chappe",
      roomDirectoryServers: [], configProblems: [], keychainAvailable: true, startLink: null }));
    tauri.handlers.set("restore_session", () => ME);
    for (const cmd of ["subscribe_rooms", "subscribe_sync_status", "subscribe_links", "subscribe_notifications", "logout"]) {
      tauri.handlers.set(cmd, () => null);
    }
    serveDirectory({ hidden: false });
  });
  afterEach(() => {
    app?.mainScreen?.destroy();
    setLang("fr");
    document.documentElement.removeAttribute("data-theme");
  });

  async function start(): Promise<void> {
    app = new App(document.getElementById("app") as HTMLElement);
    await app.boot();
    await settle();
  }

  it("starts in the saved language and theme", async () => {
    serveSettings({ language: "en", theme: "dark" });
    await start();
    expect(currentLang()).toBe("en");
    expect(document.documentElement.lang).toBe("en");
    expect(document.documentElement.getAttribute("data-theme")).toBe("dark");
    expect($("#settings").textContent).toBe("Settings");
  });

  it("switches to English and back to French at once, staying on the language list", async () => {
    const state = serveSettings({ language: "fr" });
    await start();
    $("#settings").click();
    await settle();
    expect($("#settings-dialog h2").textContent).toBe("Paramètres");
    const select = $<HTMLSelectElement>("#settings-language");
    select.value = "en";
    select.dispatchEvent(new Event("change"));
    await settle();
    expect(state.saved.language).toBe("en");
    expect(document.documentElement.lang).toBe("en");
    expect($("#settings-dialog h2").textContent).toBe("Settings");
    expect($(".sidebar h2.section").textContent).toBe("Rooms");
    expect($<HTMLSelectElement>("#settings-language").value).toBe("en");
    expect(document.activeElement).toBe($("#settings-language"));
    const again = $<HTMLSelectElement>("#settings-language");
    again.value = "fr";
    again.dispatchEvent(new Event("change"));
    await settle();
    expect(state.saved.language).toBe("fr");
    expect($("#settings-dialog h2").textContent).toBe("Paramètres");
    expect($(".sidebar h2.section").textContent).toBe("Salons");
    // Only one main screen: the old one was taken down.
    expect(document.querySelectorAll("#main").length).toBe(1);
  });

  it("signs out from the account section", async () => {
    serveSettings();
    await start();
    $("#settings").click();
    await settle();
    $("#settings-sign-out").click();
    await settle();
    expect(tauri.callsOf("logout")).toHaveLength(1);
    expect($("#login-form")).not.toBeNull();
  });
});
