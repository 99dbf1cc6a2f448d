// Dates and numbers in the user's language through `Intl`, with one formatter per
// language and style, made once: building an `Intl.DateTimeFormat` costs far more than
// using one, and the room list formats a time per room on every redraw.
import { locale } from "./i18n";

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();

/** The date formatter of the current language for `options` (cached by both). */
export function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale()}|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) {
    f = new Intl.DateTimeFormat(locale(), options);
    cache.set(key, f);
  }
  return f;
}

/** The number formatter of the current language for `options` (cached by both). */
export function numberFormat(options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `n|${locale()}|${JSON.stringify(options)}`;
  let f = cache.get(key) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(locale(), options);
    cache.set(key, f);
  }
  return f;
}

/** "1 234" in French, "1,234" in English. */
export function formatNumber(n: number): string {
  return numberFormat().format(n);
}

/** How many formatters were made (for the test that checks they are reused). */
export function formattersMade(): number {
  return cache.size;
}
