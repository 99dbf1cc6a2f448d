import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { desktopSettingsSection, setupTray, trayTexts } from "./desktopSettings";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** Rust's side as the tests see it: what is set, and what saving does. */
function serveDesktop(initial: { closeToTray: boolean; autostart: boolean; tray: boolean }) {
  const state = { ...initial };
  tauri.handlers.set("desktop_settings", () => ({ ...state }));
  tauri.handlers.set("set_close_to_tray", ({ on }: { on: boolean }) => { state.closeToTray = on; return null; });
  tauri.handlers.set("set_autostart", ({ on }: { on: boolean }) => { state.autostart = on; return null; });
  return state;
}

describe("desktop settings", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    setLang("fr");
  });

  it("shows what is set once Rust answered, and saves each change at once", async () => {
    const state = serveDesktop({ closeToTray: true, autostart: false, tray: true });
    document.body.replaceChildren(desktopSettingsSection());
    expect($<HTMLInputElement>("#close-to-tray").disabled).toBe(true);
    await wait(10);
    const close = $<HTMLInputElement>("#close-to-tray");
    const auto = $<HTMLInputElement>("#autostart");
    expect(close.checked).toBe(true);
    expect(close.disabled).toBe(false);
    expect(auto.checked).toBe(false);
    expect($('label[for="close-to-tray"]').textContent).toContain("zone de notification");
    expect($('label[for="autostart"]').textContent).toBe("Lancer Chappe à l'ouverture de ma session");
    expect($("#desktop-no-tray")).toBeNull();

    close.click();
    await wait(10);
    expect(tauri.callsOf("set_close_to_tray")).toEqual([{ on: false }]);
    expect(state.closeToTray).toBe(false);
    expect($("#desktop-status").textContent).toBe("Enregistré.");

    auto.click();
    await wait(10);
    expect(tauri.callsOf("set_autostart")).toEqual([{ on: true }]);
    expect(state.autostart).toBe(true);
  });

  it("goes back to what is really set when the system refuses, and says why", async () => {
    serveDesktop({ closeToTray: true, autostart: false, tray: true });
    const pending = tauri.deferred<unknown>();
    tauri.handlers.set("set_autostart", () => pending.promise);
    document.body.replaceChildren(desktopSettingsSection());
    await wait(10);
    const auto = $<HTMLInputElement>("#autostart");
    auto.click();
    expect(auto.disabled).toBe(true);
    pending.reject({ type: "autostartFailed" });
    await wait(10);
    expect(auto.checked).toBe(false);
    expect(auto.disabled).toBe(false);
    expect($("#autostart-error").textContent).toBe(
      "Le système n'a pas permis de changer le lancement à l'ouverture de session.");
    expect($("#desktop-status").textContent).toBe("");
  });

  it("says how to get the window back on a desktop without a tray", async () => {
    serveDesktop({ closeToTray: true, autostart: false, tray: false });
    document.body.replaceChildren(desktopSettingsSection());
    await wait(10);
    expect($("#desktop-no-tray").textContent).toContain("relancez Chappe");
  });

  it("says why the settings could not be read, and leaves the boxes unusable", async () => {
    tauri.handlers.set("desktop_settings", () => { throw { type: "other", data: "boom" }; });
    document.body.replaceChildren(desktopSettingsSection());
    await wait(10);
    expect($("#desktop-error").textContent).toContain("boom");
    expect($<HTMLInputElement>("#close-to-tray").disabled).toBe(true);
  });

  it("gives the tray its words in the current language", async () => {
    let given: unknown = null;
    tauri.handlers.set("set_tray_texts", ({ texts }: { texts: unknown }) => { given = texts; return true; });
    expect(await setupTray()).toBe(true);
    expect(given).toEqual({
      app: "Chappe", open: "Ouvrir Chappe", mute: "Couper les notifications", quit: "Quitter",
      unread: "Chappe : {count} non lu(s)",
    });
    setLang("en");
    expect(trayTexts().mute).toBe("Mute notifications");
    expect(trayTexts().unread).toContain("{count}");
    tauri.handlers.set("set_tray_texts", () => { throw { type: "other", data: "no tray" }; });
    expect(await setupTray()).toBe(false);
  });
});
