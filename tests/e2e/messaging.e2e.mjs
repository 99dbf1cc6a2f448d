// End-to-end, second scenario: the conversation features in the real window against
// the real Synapse. React, reply, edit (and its history), see who is typing and who
// read, delete.
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e" } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "conversation", SHOTS);

const enc = encodeURIComponent;
async function roomEvents(user, roomId) {
  const res = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=50`, user.token);
  return res.chunk ?? [];
}
async function until(what, check, timeoutMs = 30000) {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}
// Message buttons show on hover; WebDriver clicks need them displayed, so click
// through the DOM, as a keyboard user reaching them by focus would.
const clickIn = (eventText, action) => wd.script(
  `const li = [...document.querySelectorAll("li.message")].find((l) => l.innerText.includes(arguments[0]));
   const b = li && li.querySelector('button[data-action="' + arguments[1] + '"]');
   if (!b) return false; b.click(); return true;`, eventText, action);

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Conv");
  const bob = await mx.register("bob", "Bob Conv");
  const roomName = `Conversation ${tag}`;
  const roomId = await mx.createRoom(bob, roomName, [alice]);
  await mx.join(alice, roomId);
  await mx.send(bob, roomId, `question ${tag}`);

  await step("log in and open the room", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor(`li.room[data-room-id="${roomId}"]`, 60000);
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitUntil("bob's question", async () => (await wd.text("#timeline")).includes(`question ${tag}`));
  });

  await step("react 👍 to bob's message; bob's client sees it", async () => {
    if (!(await clickIn(`question ${tag}`, "react"))) throw new Error("no react button");
    await until("the reaction on the server", async () =>
      (await roomEvents(bob, roomId)).some((e) => e.type === "m.reaction" && e.sender === alice.userId
        && e.content?.["m.relates_to"]?.key === "👍"));
    await wd.waitUntil("the reaction chip", async () => (await wd.text("#timeline")).includes("👍 1"));
  });

  await step("reply to bob; the reply quotes his message", async () => {
    if (!(await clickIn(`question ${tag}`, "reply"))) throw new Error("no reply button");
    await wd.waitUntil("the reply bar", async () => (await wd.text("#compose-bar")).includes("Bob Conv"));
    await wd.type("#composer", `réponse ${tag}`);
    await wd.type("#composer", "\uE007");
    const ev = await until("the reply on the server", async () =>
      (await roomEvents(bob, roomId)).find((e) => e.content?.body?.includes(`réponse ${tag}`)));
    if (!ev.content?.["m.relates_to"]?.["m.in_reply_to"]?.event_id) throw new Error("not a reply");
    await wd.waitUntil("the quoted message", async () =>
      (await wd.script("return [...document.querySelectorAll('.reply-quote')].map((q) => q.innerText).join('|')"))
        .includes(`question ${tag}`));
  });

  await step("alice edits her message; bob's client gets the new text; the history lists the original", async () => {
    await wd.type("#composer", `brouillon ${tag}`);
    await wd.type("#composer", "\uE007");
    const original = await until("alice's message on the server", async () =>
      (await roomEvents(bob, roomId)).find((e) => e.content?.body === `brouillon ${tag}`));
    await wd.waitUntil("the message sent", async () => wd.script(
      `const li = [...document.querySelectorAll("li.message.own")].find((l) => l.innerText.includes(arguments[0]));
       return !!li && !!li.querySelector('button[data-action="edit"]');`, `brouillon ${tag}`));
    if (!(await clickIn(`brouillon ${tag}`, "edit"))) throw new Error("no edit button");
    await wd.waitUntil("the edit bar", async () => wd.script(
      "return !document.querySelector('#compose-bar').hidden && document.querySelector('#composer').value === arguments[0]",
      `brouillon ${tag}`));
    await wd.clear("#composer");
    await wd.type("#composer", `version finale ${tag}`);
    await wd.type("#composer", "\uE007");
    await until("the edit on the server", async () =>
      (await roomEvents(bob, roomId)).some((e) => e.sender === alice.userId
        && e.content?.["m.relates_to"]?.rel_type === "m.replace"
        && e.content?.["m.relates_to"]?.event_id === original.event_id
        && e.content?.["m.new_content"]?.body === `version finale ${tag}`));
    await wd.waitUntil("the edited message marked", async () => wd.script(
      `const li = [...document.querySelectorAll("li.message")].find((l) => l.innerText.includes(arguments[0]));
       return !!li && !!li.querySelector('button[data-action="history"]');`, `version finale ${tag}`));
    if (!(await clickIn(`version finale ${tag}`, "history"))) throw new Error("no (edited) button");
    const versions = await wd.waitUntil("the versions listed", async () => {
      const v = await wd.script(
        `const li = [...document.querySelectorAll("li.message")].find((l) => l.innerText.includes(arguments[0]));
         return li ? [...li.querySelectorAll(".edit-version .edit-body")].map((e) => e.textContent) : [];`,
        `version finale ${tag}`);
      return v.length === 2 ? v : null;
    });
    if (versions[0] !== `brouillon ${tag}` || versions[1] !== `version finale ${tag}`) {
      throw new Error(`versions: ${JSON.stringify(versions)}`);
    }
    await wd.screenshot(`${SHOTS}/chappe-edit-history.png`);
  });

  await step("bob is typing: the room says so", async () => {
    await mx.call("PUT", `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(bob.userId)}`, bob.token,
      { typing: true, timeout: 30000 });
    await wd.waitUntil("the typing line", async () => (await wd.text("#typing")).includes(bob.username));
  });

  await step("bob reads alice's reply: 'read by' appears", async () => {
    const ev = (await roomEvents(bob, roomId)).find((e) => e.content?.body?.includes(`réponse ${tag}`));
    await mx.call("POST", `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(ev.event_id)}`, bob.token, {});
    await wd.waitUntil("the read-by line", async () =>
      (await wd.script("return [...document.querySelectorAll('.read-by')].map((q) => q.innerText).join('|')"))
        .includes(bob.username));
    await wd.screenshot(`${SHOTS}/chappe-conversation.png`);
  });

  await step("delete alice's reply (confirmed); bob's client no longer has its text", async () => {
    if (!(await clickIn(`réponse ${tag}`, "delete"))) throw new Error("no delete button");
    if (!(await clickIn(`réponse ${tag}`, "delete"))) throw new Error("no confirm");
    await until("the redaction on the server", async () => {
      const evs = await roomEvents(bob, roomId);
      return evs.some((e) => e.type === "m.room.redaction") && !evs.some((e) => e.content?.body?.includes(`réponse ${tag}`));
    });
    await wd.waitUntil("the deleted notice", async () => !(await wd.text("#timeline")).includes(`réponse ${tag}`));
  });

  await step("an invitation is accepted from its panel and the room opens", async () => {
    const invited = await mx.createRoom(bob, `Invitation ${tag}`, [alice]);
    await wd.waitFor(`li.room[data-room-id="${invited}"]`, 30000);
    await wd.click(`li.room[data-room-id="${invited}"]`);
    await wd.waitFor("#invite-accept", 10000);
    await wd.screenshot(`${SHOTS}/chappe-invite.png`);
    await wd.click("#invite-accept");
    await wd.waitUntil("the joined room's timeline", async () =>
      (await wd.findAll(`.room-view[data-room-id="${invited}"] #timeline`)).length > 0, 30000);
    const members = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(invited)}/joined_members`, bob.token);
    if (!members.joined?.[alice.userId]) throw new Error("alice did not join");
  });

  await step("a direct chat starts from the directory", async () => {
    const claire = await mx.register("claire", `Claire ${tag}`);
    await wd.click("#new-dm");
    await wd.type("#dm-search", `Claire ${tag}`);
    await wd.waitFor(`li.user-result[data-user-id="${claire.userId}"]`, 15000);
    await wd.screenshot(`${SHOTS}/chappe-dm.png`);
    await wd.click(`li.user-result[data-user-id="${claire.userId}"]`);
    await wd.waitFor(".room-view #timeline", 30000);
    await until("claire's invitation", async () => {
      const sync = await mx.call("GET", "/_matrix/client/v3/sync?timeout=0", claire.token);
      return Object.keys(sync.rooms?.invite ?? {}).length > 0;
    });
  });

  await step("a public room is found and joined", async () => {
    const forum = `Forum ${tag}`;
    const created = await mx.call("POST", "/_matrix/client/v3/createRoom", bob.token,
      { name: forum, preset: "public_chat", visibility: "public", room_alias_name: `forum_${tag}` });
    await wd.click("#explore");
    await wd.type("#explore-search", forum);
    await wd.waitFor(`li.public-room[data-room-id="${created.room_id}"]`, 15000);
    await wd.screenshot(`${SHOTS}/chappe-explore.png`);
    await wd.click(`li.public-room[data-room-id="${created.room_id}"] button.join`);
    await wd.waitUntil("the forum open", async () => (await wd.text("#room-name")).includes(forum), 30000);
    const members = await mx.call("GET", `/_matrix/client/v3/rooms/${enc(created.room_id)}/joined_members`, bob.token);
    if (!members.joined?.[alice.userId]) throw new Error("alice did not join the forum");
  });

  await step("hiding the profile is stored where Tchap reads it", async () => {
    await wd.click("#settings");
    await wd.waitUntil("the checkbox ready", async () =>
      wd.script("const b = document.querySelector('#hide-profile'); return !!b && !b.disabled;"));
    await wd.click("#hide-profile");
    const data = await until("the account data", async () => {
      try {
        const v = await mx.call("GET", `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/im.vector.hide_profile`, alice.token);
        return v.hide_profile === true ? v : null;
      } catch {
        return null;
      }
    });
    if (data.hide_profile !== true) throw new Error(JSON.stringify(data));
    await wd.screenshot(`${SHOTS}/chappe-settings.png`);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
