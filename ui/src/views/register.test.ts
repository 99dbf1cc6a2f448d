import { beforeEach, describe, expect, it, vi } from "vitest";
vi.mock("@tauri-apps/api/core", () => import("../test/tauri"));
import * as tauri from "../test/tauri";
import { setLang } from "../i18n";
import { showRegister } from "./register";

const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;
const fill = (sel: string, v: string) => {
  $<HTMLInputElement>(sel).value = v;
};
const PENDING = { homeserver: "https://hs", email: "jean@x.gouv.fr", clientSecret: "s", sid: "1", sendAttempt: 1 };

describe("registration", () => {
  let root: HTMLElement;
  let registered: unknown[];
  beforeEach(() => {
    tauri.reset();
    setLang("fr");
    root = document.createElement("div");
    document.body.replaceChildren(root);
    registered = [];
    showRegister(root, { info: null, onRegistered: (me) => registered.push(me), onBack: () => {} });
  });

  it("lists the password rules the server says failed, and keeps what was typed", async () => {
    tauri.handlers.set("register_request", () => {
      throw { type: "weakPassword", data: [{ type: "minimumLength", data: 12 }, { type: "symbol" }] };
    });
    fill("#register-email", "jean@x.gouv.fr");
    fill("#register-password", "court");
    fill("#register-password2", "court");
    $("#register-submit").click();
    await tauri.settle();
    expect($("#register-error").textContent).toBe("Ce mot de passe ne respecte pas les règles du serveur :");
    expect(Array.from(document.querySelectorAll("#register-rules li"), (li) => li.textContent)).toEqual([
      "Au moins 12 caractères", "Au moins un caractère spécial (ni lettre ni chiffre)",
    ]);
    expect($<HTMLInputElement>("#register-email").value).toBe("jean@x.gouv.fr");
  });

  it("refuses two different passwords without asking the server", async () => {
    fill("#register-email", "jean@x.gouv.fr");
    fill("#register-password", "un");
    fill("#register-password2", "deux");
    $("#register-submit").click();
    await tauri.settle();
    expect($("#register-error").textContent).toBe("Les deux mots de passe sont différents.");
    expect(tauri.callsOf("register_request")).toHaveLength(0);
  });

  it("asks for the link, resends it, says when it was not followed, then creates the account", async () => {
    tauri.handlers.set("register_request", () => PENDING);
    tauri.handlers.set("register_resend", ({ pending }: { pending: typeof PENDING }) => ({ ...pending, sid: "2", sendAttempt: 2 }));
    let validated = false;
    tauri.handlers.set("register_finish", ({ pending, password }: { pending: typeof PENDING; password: string }) => {
      if (!validated) throw { type: "notValidated" };
      return { userId: "@jean-x.gouv.fr:hs", displayName: null, homeserver: pending.homeserver, remembered: password === "Secret-2024!" };
    });
    fill("#register-email", "jean@x.gouv.fr");
    fill("#register-password", "Secret-2024!");
    fill("#register-password2", "Secret-2024!");
    $("#register-submit").click();
    await tauri.settle();
    expect(tauri.callsOf("register_request")).toEqual([
      { form: { homeserver: "", email: "jean@x.gouv.fr", password: "Secret-2024!" } },
    ]);
    expect($("#register-check").textContent).toContain("Un lien a été envoyé à jean@x.gouv.fr.");
    $("#register-continue").click();
    await tauri.settle();
    expect($("#register-error").textContent).toContain("L'adresse n'est pas encore validée");
    $("#register-resend").click();
    await tauri.settle();
    expect($("#register-status").textContent).toBe("Un nouveau lien a été envoyé à jean@x.gouv.fr.");
    validated = true;
    $("#register-continue").click();
    await tauri.settle();
    // The resent session is the one finished, with the password typed at the start.
    expect(tauri.callsOf("register_finish").at(-1).pending.sid).toBe("2");
    expect(registered).toEqual([{ userId: "@jean-x.gouv.fr:hs", displayName: null, homeserver: "https://hs", remembered: true }]);
  });
});
