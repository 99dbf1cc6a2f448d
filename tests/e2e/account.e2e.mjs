// End-to-end, accounts: create an account with a work email in the real window (the
// validation mail arrives in the run's SMTP sink, the test follows its link as the
// user would), find the session again after quitting and restarting the app, then
// sign out and back in with the email address. Needs the mail sink of `make test-e2e`
// (CHAPPE_TEST_MAILDIR); without it the scenario says so and is skipped.
import { readdir, readFile } from "node:fs/promises";
import { rand } from "./matrix.mjs";
import { firstScreen, scenario, signIn, toLoginForm } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, APP, SHOTS = "target/e2e", CHAPPE_TEST_MAILDIR } = process.env;
if (!CHAPPE_TEST_MAILDIR) {
  console.log("SKIPPED account scenario: no mail sink (CHAPPE_TEST_MAILDIR); `make test-e2e` starts one");
  process.exit(0);
}
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "account", SHOTS);

/** The link of the newest mail to `address` containing `part`, as the reader sees it. */
async function mailedLink(address, part, timeoutMs = 30000) {
  const dir = `${CHAPPE_TEST_MAILDIR}/new`;
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const names = (await readdir(dir).catch(() => [])).sort().reverse();
    for (const name of names) {
      const mail = JSON.parse(await readFile(`${dir}/${name}`, "utf8"));
      if (!mail.rcpt_tos?.includes(address)) continue;
      const link = (mail.text ?? "").match(/https?:\/\/\S+/g)?.find((l) => l.includes(part));
      if (link) return link;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`no mail to ${address} with a ${part} link`);
}

try {
  const tag = rand();
  const email = `agent.${tag}@chappe.test`;
  const password = `Mot de passe ${tag}!`;
  let userId;

  await step("create an account from the login screen", async () => {
    await wd.start(APP);
    await toLoginForm(wd);
    await wd.click("#show-register");
    await wd.waitFor("#register-form", 10000);
    await wd.type("#register-email", email);
    await wd.clear("#register-homeserver");
    await wd.type("#register-homeserver", SYNAPSE_URL);
    await wd.type("#register-password", password);
    await wd.type("#register-password2", password);
    await wd.click("#register-submit");
    await wd.waitFor("#register-check", 30000);
    await wd.screenshot(`${SHOTS}/chappe-register-mail.png`);
  });

  await step("continuing before the link is followed says so; after it, the account exists", async () => {
    await wd.click("#register-continue");
    await wd.waitUntil("the not-validated message", async () => (await wd.text("#register-error")).length > 0, 30000);
    const link = await mailedLink(email, "submit_token");
    const res = await fetch(link);
    if (!res.ok) throw new Error(`following the link: ${res.status}`);
    await wd.click("#register-continue");
    await wd.waitFor("#logout", 60000);
    userId = await wd.text("#me-id");
    if (!userId.startsWith("@agent.") || !userId.includes("-chappe.test")) throw new Error(`user id ${userId}`);
    await wd.screenshot(`${SHOTS}/chappe-registered.png`);
  });

  await step("after quitting and restarting the app, the session is back without a password", async () => {
    await wd.quit();
    await wd.start(APP);
    await firstScreen(wd);
    if ((await wd.findAll("#logout")).length === 0) throw new Error("the login form came back");
    const again = await wd.text("#me-id");
    if (again !== userId) throw new Error(`restored ${again}, expected ${userId}`);
  });

  await step("sign out, then sign in with the work email", async () => {
    await signIn(wd, SYNAPSE_URL, email, password);
    const who = await wd.text("#me-id");
    if (who !== userId) throw new Error(`signed in as ${who}, expected ${userId}`);
    // The scenarios of a run share the data folder and keychain: leave it signed out.
    await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
