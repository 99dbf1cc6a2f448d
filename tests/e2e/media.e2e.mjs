// End-to-end: pictures and files from a colleague, in the real window. The picture is
// drawn from the app's `media:` scheme (Rust fetches it; the webview has no token); a
// "PNG" that is really an SVG with a script is never drawn; a document gets a file card.
import { readFileSync } from "node:fs";
import { Matrix, rand } from "./matrix.mjs";
import { scenario, signIn } from "./scenario.mjs";
import { WebDriver } from "./webdriver.mjs";

const { SYNAPSE_URL, SYNAPSE_SECRET, APP, SHOTS = "target/e2e" } = process.env;
const mx = new Matrix(SYNAPSE_URL, SYNAPSE_SECRET);
const wd = new WebDriver(process.env.WEBDRIVER_URL);
const { step, failed, exit } = scenario(wd, "media", SHOTS);

const PHOTO = readFileSync("core/tests/data/photo.png");
const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" onload="document.title=\'pwned\'"><script>document.title="pwned"</script></svg>');

try {
  const tag = rand();
  const alice = await mx.register("alice", "Alice Image");
  const bob = await mx.register("bob", "Bob Image");
  const roomId = await mx.createRoom(bob, `Photos ${tag}`, [alice]);
  await mx.join(alice, roomId);

  const photoUri = await mx.upload(bob, PHOTO, "image/png", "photo.png");
  await mx.sendContent(bob, roomId, {
    msgtype: "m.image", body: "photo.png", url: photoUri,
    info: { mimetype: "image/png", size: PHOTO.length, w: 160, h: 100 },
  });
  // The sender lies: SVG bytes announced as a PNG.
  const svgUri = await mx.upload(bob, SVG, "image/png", "piege.png");
  await mx.sendContent(bob, roomId, {
    msgtype: "m.image", body: "piege.png", url: svgUri, info: { mimetype: "image/png", size: SVG.length },
  });
  const doc = Buffer.from(`Compte rendu ${tag}\n`.repeat(40));
  const docUri = await mx.upload(bob, doc, "text/plain", "compte-rendu.txt");
  await mx.sendContent(bob, roomId, {
    msgtype: "m.file", body: "compte-rendu.txt", url: docUri, info: { mimetype: "text/plain", size: doc.length },
  });

  await step("log in and open the room", async () => {
    await wd.start(APP);
    await signIn(wd, SYNAPSE_URL, alice.username, alice.password);
    await wd.waitFor(`li.room[data-room-id="${roomId}"]`, 60000);
    await wd.click(`li.room[data-room-id="${roomId}"]`);
    await wd.waitFor("#composer", 10000);
  });

  await step("the photo is drawn from the media: scheme", async () => {
    await wd.waitUntil("the photo decoded", async () => wd.script(`
      const img = [...document.querySelectorAll('figure.attachment img.preview')].find((i) => i.alt === 'photo.png');
      return !!img && img.complete && img.naturalWidth > 0;`), 30000);
    const src = await wd.script("return document.querySelector('figure.attachment img.preview').getAttribute('src')");
    if (!/^(media:\/\/localhost|http:\/\/media\.localhost)\//.test(src) || src.includes("mxc")) {
      throw new Error(`unexpected image address ${src}`);
    }
  });

  await step("an SVG sent as a PNG is not drawn: a file card says the preview is unavailable", async () => {
    await wd.waitUntil("the card of piege.png", async () => wd.script(`
      return [...document.querySelectorAll('.attachment.file.unavailable .file-name')].some((n) => n.textContent === 'piege.png');`),
    30000);
    const title = await wd.script("return document.title");
    if (title === "pwned") throw new Error("the SVG's script ran");
  });

  await step("a document gets a file card with its size and a Save button", async () => {
    await wd.waitUntil("the document card", async () => wd.script(`
      const card = [...document.querySelectorAll('.attachment.file')].find((c) => c.querySelector('.file-name')?.textContent === 'compte-rendu.txt');
      return !!card && !!card.querySelector('button[data-action=save-media]') && /Ko|kB/.test(card.querySelector('.file-size')?.textContent ?? '');`),
    30000);
    await wd.screenshot(`${SHOTS}/chappe-media.png`);
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
