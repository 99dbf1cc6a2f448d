import { beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { showLogin } from "./login";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const ME = { userId: "@alice:x", displayName: "Alice", homeserver: "https://x" };

function fill(user: string, password: string) {
  $<HTMLInputElement>("#login-user").value = user;
  $<HTMLInputElement>("#login-password").value = password;
}

describe("login view", () => {
  let root: HTMLElement;
  beforeEach(() => {
    setLang("fr");
    tauri.reset();
    document.body.innerHTML = '<div id="app"></div>';
    root = $("#app");
  });

  it("has the form's fields, prefilled with the default homeserver", () => {
    showLogin(root, { info: { version: "1.2.3", defaultHomeserver: "https://matrix.gouv.example", disableCustomUrls: false, brand: "Chappe", roomDirectoryServers: [], configProblems: [], keychainAvailable: true, startLink: null }, onLoggedIn: () => {} });
    for (const id of ["login-form", "login-homeserver", "login-user", "login-password", "login-submit", "login-error"]) {
      expect(document.getElementById(id), id).not.toBeNull();
    }
    expect($<HTMLInputElement>("#login-homeserver").value).toBe("https://matrix.gouv.example");
    expect($<HTMLInputElement>("#login-password").type).toBe("password");
    expect($("#login-error").getAttribute("role")).toBe("alert");
    expect($("#login-submit").getAttribute("type")).toBe("submit");
    expect(document.activeElement).toBe($("#login-user"));
    expect($("#app-version").textContent).toContain("1.2.3");
  });

  it("without a keychain, signs in only once the user chose not to be remembered", async () => {
    tauri.handlers.set("login", () => ({ ...ME, remembered: false }));
    const done: unknown[] = [];
    showLogin(root, { info: { version: "1", defaultHomeserver: "https://x", disableCustomUrls: false, brand: "Chappe",
      roomDirectoryServers: [], configProblems: [], keychainAvailable: false, startLink: null }, onLoggedIn: (me) => done.push(me) });
    expect($("#no-keychain").textContent).toContain("ne sera pas mémorisée");
    fill("alice", "pw");
    $<HTMLFormElement>("#login-form").requestSubmit();
    await tauri.settle();
    expect($("#login-error").textContent).toBe("Cochez « Me connecter sans mémoriser la session » pour continuer sans trousseau.");
    expect(tauri.callsOf("login")).toHaveLength(0);
    $<HTMLInputElement>("#no-keychain-ok").click();
    $<HTMLFormElement>("#login-form").requestSubmit();
    await tauri.settle();
    expect(tauri.callsOf("login")).toHaveLength(1);
    expect(done).toHaveLength(1);
  });

  it("with a keychain, says nothing about it", () => {
    showLogin(root, { info: { version: "1", defaultHomeserver: null, disableCustomUrls: false, brand: "Chappe",
      roomDirectoryServers: [], configProblems: [], keychainAvailable: true, startLink: null }, onLoggedIn: () => {} });
    expect($("#no-keychain")).toBeNull();
  });

  it("asks for a username or a work email, the server being optional then", () => {
    showLogin(root, { info: null, onLoggedIn: () => {} });
    expect($('label[for="login-user"]').textContent).toBe("Identifiant ou adresse e-mail");
    expect($("#login-user-hint").textContent).toContain("e-mail");
    expect($("#login-homeserver-hint").textContent).toContain("Laissez vide si vous saisissez votre adresse e-mail");
    setLang("en");
    showLogin(root, { info: null, onLoggedIn: () => {} });
    expect($('label[for="login-user"]').textContent).toBe("Username or email address");
    expect($("#login-homeserver-hint").textContent).toContain("Leave it empty if you enter your work email address");
    setLang("fr");
  });

  it("signs in with an email address and no server", async () => {
    tauri.handlers.set("login", () => ME);
    const onLoggedIn = vi.fn();
    showLogin(root, { info: null, onLoggedIn });
    fill("agent@finances.gouv.fr", "pw");
    $<HTMLFormElement>("#login-form").requestSubmit();
    await vi.waitFor(() => expect(onLoggedIn).toHaveBeenCalled());
    expect(tauri.callsOf("login")).toEqual([{ form: { homeserver: "", user: "agent@finances.gouv.fr", password: "pw" } }]);
  });

  it("asks for missing fields without calling the server", () => {
    showLogin(root, { info: null, onLoggedIn: () => {} });
    $<HTMLFormElement>("#login-form").requestSubmit();
    expect($("#login-error").textContent).toBe("Indiquez votre identifiant et votre mot de passe.");
    expect(tauri.callsOf("login")).toEqual([]);
  });

  it("disables the button while signing in, then shows the server's error", async () => {
    const pending = tauri.deferred<unknown>();
    tauri.handlers.set("login", () => pending.promise);
    showLogin(root, { info: null, onLoggedIn: () => {} });
    $<HTMLInputElement>("#login-homeserver").value = " https://x ";
    fill(" alice ", "secret ");
    $<HTMLFormElement>("#login-form").requestSubmit();
    const button = $<HTMLButtonElement>("#login-submit");
    expect(button.disabled).toBe(true);
    expect(button.textContent).toBe("Connexion…");
    expect(button.querySelector(".spinner-icon")?.hasAttribute("hidden")).toBe(false);
    // A second Enter while waiting does not send a second request.
    $<HTMLFormElement>("#login-form").requestSubmit();
    expect(tauri.callsOf("login")).toEqual([{ form: { homeserver: "https://x", user: "alice", password: "secret " } }]);
    pending.reject({ type: "wrongCredentials" });
    await vi.waitFor(() => expect($("#login-error").textContent).toBe("Identifiant ou mot de passe incorrect."));
    expect(button.disabled).toBe(false);
    expect(button.textContent).toBe("Se connecter");
  });

  it("words an unreachable server and an unexpected error", async () => {
    tauri.handlers.set("login", () => { throw { type: "unreachable", data: "connection refused" }; });
    showLogin(root, { info: null, onLoggedIn: () => {} });
    fill("alice", "pw");
    $<HTMLFormElement>("#login-form").requestSubmit();
    await vi.waitFor(() => expect($("#login-error").textContent).toContain("injoignable"));
    tauri.handlers.set("login", () => { throw { type: "other", data: "boom" }; });
    $<HTMLFormElement>("#login-form").requestSubmit();
    await vi.waitFor(() => expect($("#login-error").textContent).toBe("Une erreur est survenue : boom"));
  });

  it("hands the account over once logged in", async () => {
    tauri.handlers.set("login", () => ME);
    const onLoggedIn = vi.fn();
    showLogin(root, { info: null, onLoggedIn });
    fill("@alice:x", "pw");
    $<HTMLFormElement>("#login-form").requestSubmit();
    await vi.waitFor(() => expect(onLoggedIn).toHaveBeenCalledWith(ME));
  });

  it("shows an error passed in (a saved session that failed)", () => {
    showLogin(root, { info: null, initialError: { type: "unreachable", data: "x" }, onLoggedIn: () => {} });
    expect($("#login-error").textContent).toContain("injoignable");
  });
});
