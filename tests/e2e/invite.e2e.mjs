// End-to-end, invitations: the invite panel of a room in the real window, against the
// real Synapse. A pasted list with good and bad lines is checked line by line, the
// good ones are invited (the server holds the invitations), and a pending invitation
// is withdrawn. Emails get an identity server when the run provides one
// (CHAPPE_IDENTITY_SERVER, set by `make test-e2e` from the local sydent).
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e" } = process.env;
const withIdentity = !!process.env.CHAPPE_IDENTITY_SERVER;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "invite", SHOTS);
const enc = encodeURIComponent;


async function membership(user, roomId, userId) {
  try {
    const ev = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state/m.room.member/${enc(userId)}`, user.token);
    return ev.membership;
  } catch {
    return null;
  }
}

const cells = (sel) => wd.script(
  `return [...document.querySelectorAll(arguments[0])].map((e) => e.getAttribute("data-status") + " " + e.innerText)`, sel);

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Invite");
  const bob = await mx.register("bob", "Bob Membre");
  const carol = await mx.register("carol", "Carol Nouvelle");
  const dave = await mx.register("dave", "Dave Nouveau");
  const roomName = `Invitations ${tag}`;
  const roomId = await mx.createRoom(alice, roomName, [bob]);
  await mx.join(bob, roomId);
  const email = `agent.${tag}@ministere.gouv.fr`;
  const list = [
    carol.userId,
    `"Nouveau, Dave" <${dave.userId}>`,
    bob.userId,
    "Jean Dupont",
    carol.userId,
    email,
  ].join("\n");

  await step("log in and open the invite panel of a room", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor(`li.room[data-room-id="${roomId}"]`, 60000);
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitFor("#room-invite", 30000);
    await wd.click("#room-invite");
    await wd.waitFor("#invite-list", 10000);
  });

  await step("a pasted list is checked line by line", async () => {
    await wd.script(
      `const t = document.querySelector("#invite-list"); t.value = arguments[0]; t.dispatchEvent(new Event("input"));`,
      list);
    await wd.click("#invite-check");
    await wd.waitFor("#invite-preview tbody tr", 30000);
    const rows = await cells("#invite-preview tbody tr");
    const kinds = rows.map((r) => r.split(" ")[0]);
    const want = ["ready", "ready", "alreadyMember", "invalid", "duplicate", withIdentity ? "ready" : "needsIdentityServer"];
    if (JSON.stringify(kinds) !== JSON.stringify(want)) throw new Error(`statuses ${JSON.stringify(rows)}`);
    if (!rows[4].includes("1")) throw new Error(`duplicate should name line 1: ${rows[4]}`);
    await wd.screenshot(`${SHOTS}/chappe-invite-preview.png`);
  });

  await step("sending invites the ready lines; the server has the invitations", async () => {
    await wd.click("#invite-send");
    await wd.waitFor("#invite-save:not([hidden])", 60000);
    const rows = await cells("#invite-preview tbody tr");
    const kinds = rows.map((r) => r.split(" ")[0]);
    const want = ["invited", "invited", "alreadyMember", "invalid", "duplicate", withIdentity ? "invitedByEmail" : "needsIdentityServer"];
    if (JSON.stringify(kinds) !== JSON.stringify(want)) throw new Error(`report ${JSON.stringify(rows)}`);
    for (const u of [carol, dave]) {
      const m = await membership(alice, roomId, u.userId);
      if (m !== "invite") throw new Error(`${u.userId} is ${m}, not invited`);
    }
    if (withIdentity) {
      const state = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state`, alice.token);
      if (!state.some((e) => e.type === "m.room.third_party_invite")) throw new Error("no third-party invite for the email");
    }
    await wd.screenshot(`${SHOTS}/chappe-invite-report.png`);
  });

  await step("a pending invitation is withdrawn", async () => {
    const sel = `#pending-invites li[data-invitee="${dave.userId}"] button`;
    await wd.waitFor(sel, 30000);
    await wd.click(sel);
    await wd.waitUntil("dave's line gone", async () =>
      (await wd.findAll(`#pending-invites li[data-invitee="${dave.userId}"]`)).length === 0, 30000);
    const m = await membership(alice, roomId, dave.userId);
    if (m !== "leave") throw new Error(`dave is ${m}`);
    if ((await membership(alice, roomId, carol.userId)) !== "invite") throw new Error("carol lost her invitation");
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
