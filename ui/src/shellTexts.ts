// The words the Rust shell shows itself (file dialog filters, the invitation report's
// name, header and results), taken from this UI's one i18n table and sent to Rust at
// start and after each change of language: Rust keeps no table of its own.
import { commands, type ShellTexts } from "./bindings";
import { currentLang, strings, t } from "./i18n";

const STATUS_PREFIX = "invite.status.";

/** The shell's texts in the current language. */
export function shellTexts(): ShellTexts {
  const table = strings[currentLang()] as Record<string, string>;
  const reportStatuses: Record<string, string> = {};
  for (const [key, text] of Object.entries(table)) {
    if (key.startsWith(STATUS_PREFIX)) reportStatuses[key.slice(STATUS_PREFIX.length)] = text;
  }
  return {
    listFilter: t("shell.listFilter"),
    imageFilter: t("shell.imageFilter"),
    reportFileName: t("shell.reportFileName"),
    reportHeader: t("shell.reportHeader"),
    reportStatuses,
  };
}

/** Tells Rust; an older shell without the command is not an error worth showing. */
export async function sendShellTexts(): Promise<void> {
  try {
    await commands.setShellTexts(shellTexts());
  } catch {
    // The dialogs then keep their French defaults.
  }
}
