import { describe, expect, it } from "vitest";
import { hasKey, pickLang, setLang, strings, t } from "./i18n";

// The bindings' source, to check every error the Rust side can return has a sentence.
import bindingsSource from "./bindings.ts?raw";

describe("i18n table", () => {
  it("has exactly the same keys in French and English, none empty", () => {
    const fr = Object.keys(strings.fr).sort();
    const en = Object.keys(strings.en).sort();
    expect(en).toEqual(fr);
    for (const lang of [strings.fr, strings.en]) {
      for (const [k, v] of Object.entries(lang)) expect(v.trim(), k).not.toBe("");
    }
  });

  it("keeps the same placeholders in both languages", () => {
    for (const key of Object.keys(strings.fr) as (keyof typeof strings.fr)[]) {
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph(strings.en[key]), key).toEqual(ph(strings.fr[key]));
    }
  });

  it("words every UiError type the Rust side declares", () => {
    const decl = bindingsSource.match(/^export type UiError\s*=\s*([\s\S]*?);\s*$/m);
    expect(decl).not.toBeNull();
    const types = [...(decl?.[1] ?? "").matchAll(/type: "(\w+)"/g)].map((m) => m[1]);
    expect(types).toEqual(expect.arrayContaining([
      "missingFields", "invalidHomeserver", "serverNotFound", "unreachable", "wrongCredentials", "deactivated",
      "rateLimited", "notLoggedIn", "unknownRoom", "emptyMessage", "other",
    ]));
    for (const ty of types) expect(hasKey(`error.${ty}`), `error.${ty}`).toBe(true);
  });

  it("words every membership change the Rust side sends", () => {
    for (const change of ["joined", "left", "banned", "unbanned", "kicked", "invited", "rejected", "revoked", "knocked", "changed"]) {
      expect(hasKey(`membership.${change}`), change).toBe(true);
    }
  });

  it("words every sync state", () => {
    for (const state of ["starting", "offline", "error", "sessionExpired", "accountExpired", "stopped"]) {
      expect(hasKey(`sync.${state}`), state).toBe(true);
    }
  });

  it("picks French for fr-* and English for other languages", () => {
    expect(pickLang("fr-FR")).toBe("fr");
    expect(pickLang("fr")).toBe("fr");
    expect(pickLang("FR-ca")).toBe("fr");
    expect(pickLang("en-US")).toBe("en");
    expect(pickLang("de")).toBe("en");
    expect(pickLang(undefined)).toBe("fr");
  });

  it("fills placeholders and leaves unknown ones", () => {
    setLang("fr");
    expect(t("membership.joined", { name: "Alice" })).toBe("Alice a rejoint le salon");
    expect(t("membership.joined")).toBe("{name} a rejoint le salon");
    setLang("en");
    expect(t("room.unread", { count: 3 })).toBe("3 unread");
    expect(t("membership.joined", { name: "Alice" })).toBe("Alice has joined");
    setLang("fr");
  });
});
