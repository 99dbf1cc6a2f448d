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

// Every source file of the UI, as text (tests excluded), to check what the code uses.
const sources = import.meta.glob(["./**/*.ts", "!./**/*.test.ts", "!./test/**", "!./bindings.ts"],
  { query: "?raw", import: "default", eager: true }) as Record<string, string>;

describe("i18n table against the code", () => {
  it("reads the sources (the checks below are not vacuous)", () => {
    expect(Object.keys(sources)).toEqual(expect.arrayContaining(["./app.ts", "./views/main.ts", "./views/settings.ts"]));
  });

  it("has, in both languages, every key the code passes to t()", () => {
    const missing: string[] = [];
    let seen = 0;
    for (const [file, text] of Object.entries(sources)) {
      if (file === "./i18n.ts") continue; // its comments show how to call t()
      for (const m of text.matchAll(/\bt\(\s*(["'])([^"'`]+)\1/g)) {
        seen++;
        const key = m[2] ?? "";
        if (!Object.prototype.hasOwnProperty.call(strings.fr, key)) missing.push(`${file}: ${key} (fr)`);
        if (!Object.prototype.hasOwnProperty.call(strings.en, key)) missing.push(`${file}: ${key} (en)`);
      }
    }
    expect(seen).toBeGreaterThan(300);
    expect(missing).toEqual([]);
  });

  it("has keys for every family the code builds at run time (t(`prefix.${x}`))", () => {
    const missing: string[] = [];
    for (const [file, text] of Object.entries(sources)) {
      for (const m of text.matchAll(/\bt\(\s*`([a-zA-Z.]+)\$\{/g)) {
        const prefix = m[1] ?? "";
        if (!Object.keys(strings.fr).some((k) => k.startsWith(prefix))) missing.push(`${file}: ${prefix}*`);
      }
    }
    expect(missing).toEqual([]);
  });

  // Symbols and examples that are the same in every language.
  const allowed = new Set(["https://matrix.example.org"]);
  const hardCoded = (text: string): string[] => {
    const patterns = [
      /\}\s*,\s*"([^"]*\p{L}{2,}[^"]*)"\s*[,)]/gu, // el("p", {...}, "Texte")
      /\b(?:placeholder|title|alt|"aria-label")\s*:\s*"([^"]*\p{L}{2,}[^"]*)"/gu,
      /\.(?:textContent|title|placeholder)\s*=\s*"([^"]*\p{L}{2,}[^"]*)"/gu,
    ];
    // Comments say why in English: not shown to users.
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
    return patterns.flatMap((re) => [...code.matchAll(re)].map((m) => m[1] ?? "")).filter((s) => !allowed.has(s));
  };

  it("finds no hard-coded sentence in the views (text, placeholder, title, label)", () => {
    const found: string[] = [];
    for (const [file, text] of Object.entries(sources)) {
      if (!file.startsWith("./views/") && file !== "./app.ts") continue;
      found.push(...hardCoded(text).map((s) => `${file}: "${s}"`));
    }
    expect(found).toEqual([]);
    // And the scan does see one.
    expect(hardCoded('el("p", { class: "x" }, "Bonjour à tous"); b.title = "Fermer"; // el("p", {}, "comment")'))
      .toEqual(["Bonjour à tous", "Fermer"]);
  });

  it("fails when a key is used but missing (the scan itself works)", () => {
    const probe = 't("settings.doesNotExist")';
    const keys = [...probe.matchAll(/\bt\(\s*(["'])([^"'`]+)\1/g)].map((m) => m[2]);
    expect(keys).toEqual(["settings.doesNotExist"]);
    expect(hasKey("settings.doesNotExist")).toBe(false);
  });
});

import { shellTexts } from "./shellTexts";

describe("the shell's words", () => {
  it("come from the table, in the current language, with every invitation result", () => {
    setLang("en");
    const en = shellTexts();
    expect(en.listFilter).toBe("List (.txt, .csv)");
    expect(en.reportHeader).toBe("line,item,address,account,result");
    expect(en.reportStatuses["duplicate"]).toBe("Duplicate of line {line}");
    setLang("fr");
    const fr = shellTexts();
    expect(fr.reportStatuses["invalid.notAnAddress"]).toBe("Ni une adresse e-mail ni un identifiant Matrix");
    expect(fr.reportStatuses["failed"]).toBe("Échec : {reason}");
    expect(Object.keys(fr.reportStatuses).sort()).toEqual(Object.keys(en.reportStatuses).sort());
  });
});
