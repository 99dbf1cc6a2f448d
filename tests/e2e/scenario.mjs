// What the scenarios share: named steps that log PASS/FAIL with their time, signing in
// through the login form (leaving any session a previous scenario restored), and the
// ending: a failure outside any step still counts, a screenshot of the failure, the
// summary line and the exit code.

export function scenario(wd, label, shots) {
  const counts = { passed: 0, failed: 0 };
  return {
    counts,
    async step(name, fn) {
      const t = Date.now();
      try {
        const out = await fn();
        counts.passed++;
        console.log(`PASS ${name} (${Date.now() - t} ms)`);
        return out;
      } catch (e) {
        counts.failed++;
        console.log(`FAIL ${name}: ${e.message}`);
        throw e;
      }
    },
    /** From the scenario's `catch`. */
    async failed(e) {
      if (counts.failed === 0) {
        counts.failed++;
        console.log(`FAIL setup: ${e.message}`);
      }
      if (wd.session) await wd.screenshot(`${shots}/failure-${label}.png`).catch(() => {});
    },
    /** After `wd.quit()`: prints the summary and exits with the scenario's status. */
    exit() {
      console.log(`e2e ${label}: ${counts.passed} passed, ${counts.failed} failed`);
      process.exit(counts.failed ? 1 : 0);
    },
  };
}

/** Waits for the app's first screen: the login form or, with a restored session, the
 *  main screen. */
export async function firstScreen(wd) {
  await wd.waitUntil("login form or main screen", async () =>
    (await wd.findAll("#login-form")).length > 0 || (await wd.findAll("#logout")).length > 0, 60000);
}

/** The login form, signing out a session restored from the data folder the scenarios
 *  of a run share. */
export async function toLoginForm(wd) {
  await firstScreen(wd);
  if ((await wd.findAll("#logout")).length > 0) {
    await wd.click("#logout");
    await wd.waitFor("#login-form", 30000);
  }
}

/** Signs in with the form (`user`: a user name or an email) and waits for the main screen. */
export async function signIn(wd, homeserver, user, password) {
  await toLoginForm(wd);
  await wd.clear("#login-homeserver");
  await wd.type("#login-homeserver", homeserver);
  await wd.type("#login-user", user);
  await wd.type("#login-password", password);
  await wd.click("#login-submit");
  await wd.waitFor("#logout", 60000);
}
