import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { keyFilesSection, KeysNotice, recoverPanel, setupPanel, setVerifyWithDevice } from "./keys";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const settle = () => new Promise((r) => setTimeout(r, 0));
const type = (sel: string, v: string) => {
  $<HTMLInputElement>(sel).value = v;
};

const KEY = "EsTj 3yST y93F SLpB jJsz eAXc 2XzA ygD3 w69H fGaN TKBj jXEd";

describe("encryption keys", () => {
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    setVerifyWithDevice(null);
  });
  afterEach(() => setLang("fr"));

  it("says nothing on a ready device, and opens the setup panel after a first sign-in", async () => {
    let state: unknown = { state: "ready" };
    tauri.handlers.set("keys_state", () => state);
    const shown: HTMLElement[] = [];
    const notice = new KeysNotice({ show: (p) => shown.push(p), close: () => {}, paneIsFree: () => true });
    document.body.replaceChildren(notice.element);
    await notice.refresh(true);
    expect(notice.element.hidden).toBe(true);
    expect(shown).toHaveLength(0);

    state = { state: "notSetUp" };
    await notice.refresh(true);
    expect(notice.element.hidden).toBe(false);
    expect(notice.element.textContent).toContain("créez votre clé de récupération");
    expect(shown.map((p) => p.id)).toEqual(["keys-setup"]);

    state = { state: "needsVerification", recoveryKey: true };
    await notice.refresh(false);
    expect(shown).toHaveLength(1); // not opened again by itself
    $("#keys-action").click();
    expect(shown.map((p) => p.id)).toEqual(["keys-setup", "keys-recover"]);
  });

  it("asks for the password only when the server wants it, then shows the key once", async () => {
    tauri.handlers.set("set_up_recovery", ({ password }) => {
      if (!password) throw { type: "passwordNeeded" };
      return KEY;
    });
    tauri.handlers.set("save_recovery_key", () => true);
    tauri.handlers.set("forget_recovery_key", () => null);
    let changed = 0;
    let closed = 0;
    document.body.replaceChildren(setupPanel({ onClose: () => closed++, onChanged: () => changed++ }));
    expect(($<HTMLElement>("#keys-password").closest(".field") as HTMLElement).hidden).toBe(true);
    $("#keys-setup-start").click();
    await settle();
    expect($("#keys-error").textContent).toBe("Le serveur demande votre mot de passe pour activer le chiffrement.");
    expect(($<HTMLElement>("#keys-password").closest(".field") as HTMLElement).hidden).toBe(false);
    type("#keys-password", "secret");
    $("#keys-setup-start").click();
    await settle();
    expect(tauri.callsOf("set_up_recovery").map((a) => a.password)).toEqual([null, "secret"]);
    expect($("#recovery-key").textContent).toBe(KEY);
    expect(document.body.textContent).toContain("elle ne sera plus jamais affichée");
    expect(changed).toBe(1);

    $("#recovery-key-save").click();
    await settle();
    expect(tauri.callsOf("save_recovery_key")).toHaveLength(1);
    expect($("#recovery-key-status").textContent).toBe("Clé enregistrée.");

    $("#recovery-key-done").click();
    await settle();
    expect(tauri.callsOf("forget_recovery_key")).toHaveLength(1);
    expect(document.body.textContent).not.toContain(KEY);
    expect(closed).toBe(1);
  });

  it("unlocks a new session with the key; a wrong key is said plainly and kept to fix", async () => {
    tauri.handlers.set("recover_with_key", ({ key }) => {
      if (key !== KEY) throw { type: "wrongRecoveryKey" };
      return null;
    });
    let changed = 0;
    const shown: HTMLElement[] = [];
    document.body.replaceChildren(recoverPanel({
      recoveryKey: true, onClose: () => {}, onChanged: () => changed++, show: (p) => shown.push(p),
    }));
    type("#recovery-key-input", "EsTj faux");
    $("#recover-submit").click();
    await settle();
    expect($("#recover-error").textContent).toContain("n'est pas la bonne");
    expect($<HTMLInputElement>("#recovery-key-input").value).toBe("EsTj faux");
    expect(changed).toBe(0);
    type("#recovery-key-input", KEY);
    $("#recover-submit").click();
    await settle();
    expect($("#recover-error").textContent).toBe("");
    expect($("#recover-status").textContent).toBe("Session vérifiée : vos messages chiffrés se déchiffrent.");
    expect($<HTMLInputElement>("#recovery-key-input").value).toBe("");
    expect(changed).toBe(1);

    // Another device: a hint until the verification flow is plugged in, then that flow.
    $("#verify-other-device").click();
    expect($("#verify-other-hint").textContent).toContain("appareil déjà vérifié");
    setVerifyWithDevice(({ onDone }) => {
      const flow = document.createElement("section");
      flow.id = "verify-flow";
      flow.addEventListener("click", onDone);
      return flow;
    });
    $("#verify-other-device").click();
    expect(shown.map((p) => p.id)).toEqual(["verify-flow"]);
    shown[0].click();
    expect(changed).toBe(2);
  });

  it("exports and imports key files with a passphrase; a wrong one keeps what was typed", async () => {
    tauri.handlers.set("export_room_keys", () => true);
    tauri.handlers.set("import_room_keys", ({ passphrase }) => {
      if (passphrase !== "bonne phrase") throw { type: "wrongPassphrase" };
      return { imported: 3, total: 4 };
    });
    document.body.replaceChildren(keyFilesSection());
    type("#export-passphrase", "une phrase");
    type("#export-passphrase2", "autre phrase");
    $("#export-keys").click();
    await settle();
    expect($("#key-files-error").textContent).toBe("Les deux phrases de passe diffèrent.");
    expect(tauri.callsOf("export_room_keys")).toHaveLength(0);
    type("#export-passphrase2", "une phrase");
    $("#export-keys").click();
    await settle();
    expect(tauri.callsOf("export_room_keys").map((a) => a.passphrase)).toEqual(["une phrase"]);
    expect($("#key-files-status").textContent).toBe("Clés exportées.");

    $("#import-keys").click();
    await settle();
    expect($("#key-files-error").textContent).toBe("Saisissez une phrase de passe.");
    type("#import-passphrase", "mauvaise");
    $("#import-keys").click();
    await settle();
    expect($("#key-files-error").textContent).toBe("Phrase de passe incorrecte pour ce fichier de clés.");
    expect($<HTMLInputElement>("#import-passphrase").value).toBe("mauvaise");
    type("#import-passphrase", "bonne phrase");
    $("#import-keys").click();
    await settle();
    expect($("#key-files-status").textContent).toBe("3 clés importées sur 4.");
  });
});
