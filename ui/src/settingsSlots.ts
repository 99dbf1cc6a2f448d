// Places in the settings screen where other features add their own section: the
// desktop integration (tray, start with the system, close to tray) and the security
// parts (recovery key, verification). A feature registers a function that builds its
// section; the screen calls it each time it opens, in registration order.
//
//   import { addSettingsSection } from "../settingsSlots";
//   addSettingsSection("desktop", () => desktopSettings());
//
// A slot with nothing registered is not shown.

export type SettingsSlot = "desktop" | "security";

const slots = new Map<SettingsSlot, (() => HTMLElement)[]>();

export function addSettingsSection(slot: SettingsSlot, make: () => HTMLElement): void {
  const made = slots.get(slot) ?? [];
  if (made.includes(make)) return; // registered again (a new boot): once is enough
  slots.set(slot, [...made, make]);
}

/** The sections registered for `slot`, freshly built. */
export function settingsSections(slot: SettingsSlot): HTMLElement[] {
  return (slots.get(slot) ?? []).map((make) => make());
}

/** For tests: forgets every registration. */
export function clearSettingsSections(): void {
  slots.clear();
}
