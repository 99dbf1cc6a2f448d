import { describe, expect, it } from "vitest";
import { pickLang, setLang, strings, t } from "./i18n";

// Every error the Rust side can return (UiError's `type`s): each needs a sentence.
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
    const decl = bindingsSource.match(/^export type UiError = (.*)$/m);
    expect(decl).not.toBeNull();
    const types = [...(decl?.[1] ?? "").matchAll(/type: "(\w+)"/g)].map((m) => m[1]);
    expect(types.length).toBeGreaterThan(5);
    for (const ty of types) expect(Object.keys(strings.fr)).toContain(`error.${ty}`);
  });

  it("picks French for fr-* and English for other languages", () => {
    expect(pickLang("fr-FR")).toBe("fr");
    expect(pickLang("fr")).toBe("fr");
    expect(pickLang("en-US")).toBe("en");
    expect(pickLang("de")).toBe("en");
    expect(pickLang(undefined)).toBe("fr");
  });

  it("fills placeholders", () => {
    setLang("fr");
    expect(t("membership.joined", { name: "Alice" })).toBe("Alice a rejoint le salon");
    setLang("en");
    expect(t("room.unread", { count: 3 })).toBe("3 unread");
  });
});
