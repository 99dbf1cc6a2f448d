// End-to-end: pictures and files from a colleague, in the real window. The picture is
// drawn from the app's `media:` scheme (Rust fetches it; the webview has no token); a
// "PNG" that is really an SVG with a script is never drawn; a document gets a file card.
// With the antivirus: no picture is loaded before its verdict is "clean", an infected
// one never (the shell refuses it even when asked directly); a video sent gets its
// thumbnail and length; saving a file shows its download progress on the card.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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
    // From now on, every picture put in the page is written down with the antivirus
    // badge its card had at that moment, and every download bar value.
    await wd.script(`
      window.__imgs = []; window.__progress = [];
      const seen = (img) => window.__imgs.push({ src: img.getAttribute('src'),
        scan: img.closest('figure')?.querySelector('.scan-status')?.dataset.scan ?? null });
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.type === 'attributes' && r.target.tagName === 'IMG') seen(r.target);
          if (r.type === 'attributes' && r.target.tagName === 'PROGRESS' && r.target.closest('.download')) {
            window.__progress.push(Number(r.target.getAttribute('value')));
          }
          for (const n of r.addedNodes) {
            if (n.nodeType !== 1) continue;
            if (n.tagName === 'IMG') seen(n);
            n.querySelectorAll('img').forEach(seen);
            n.querySelectorAll('.download progress[value]').forEach((p) => window.__progress.push(Number(p.getAttribute('value'))));
          }
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['src', 'value'] });
      return true;`);
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

  await step("the antivirus marks the document clean and blocks the EICAR file (no Save)", async () => {
    if (!process.env.CHAPPE_TEST_SCANNER) throw new Error("CHAPPE_TEST_SCANNER is not set: no content scanner to test with");
    // The EICAR test string, split so that this file is not itself flagged.
    const eicar = Buffer.from("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
    const uri = await mx.upload(bob, eicar, "text/plain", "facture.txt");
    await mx.sendContent(bob, roomId, { msgtype: "m.file", body: "facture.txt", url: uri, info: { mimetype: "text/plain", size: eicar.length } });
    const card = (name) => `[...document.querySelectorAll('.attachment')].find((c) => c.querySelector('.file-name')?.textContent === '${name}')`;
    await wd.waitUntil("the document reported clean", async () => wd.script(`
      const c = ${card("compte-rendu.txt")}; return !!c && !!c.querySelector('.scan-status[data-scan=clean]');`), 30000);
    await wd.waitUntil("the EICAR file blocked", async () => wd.script(`
      const c = ${card("facture.txt")}; return !!c && !!c.querySelector('.scan-status[data-scan=infected]') && !c.querySelector('button[data-action=save-media]');`), 30000);
    await wd.screenshot(`${SHOTS}/chappe-scan.png`);
  });

  await step("pictures load only once clean; an infected picture never, even asked directly", async () => {
    const eicar = Buffer.from("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");
    const uri = await mx.upload(bob, eicar, "image/png", "virus.png");
    await mx.sendContent(bob, roomId, {
      msgtype: "m.image", body: "virus.png", url: uri, info: { mimetype: "image/png", size: eicar.length, w: 160, h: 100 },
    });
    const id = uri.slice("mxc://".length);
    await wd.waitUntil("the infected picture shown as a blocked card", async () => wd.script(`
      const c = [...document.querySelectorAll('.attachment.file')].find((c) => c.querySelector('.file-name')?.textContent === 'virus.png');
      return !!c && !!c.querySelector('.scan-status[data-scan=infected]') && !c.querySelector('button[data-action=save-media]');`),
    30000);
    const imgs = await wd.script("return window.__imgs");
    if (imgs.length === 0) throw new Error("no picture recorded at all");
    const early = imgs.filter((i) => i.scan !== "clean");
    if (early.length) throw new Error(`pictures loaded before a clean verdict: ${JSON.stringify(early)}`);
    if (imgs.some((i) => i.src?.includes(id.split("/")[1]))) throw new Error("the infected picture was put in the page");
    // Asked directly (a compromised page would), the media: scheme refuses it, while it
    // serves the clean photo.
    const probe = (key) => wd.script(`
      const key = arguments[0];
      const url = (/Windows/.test(navigator.userAgent) ? 'http://media.localhost/' : 'media://localhost/')
        + key.split('/').map(encodeURIComponent).join('/');
      return new Promise((done) => { const i = new Image(); i.onload = () => done('loaded'); i.onerror = () => done('refused'); i.src = url; });`,
    key);
    const [server, media] = id.split("/");
    const virusAnswer = await probe(`t/${server}/${media}/800/600`);
    if (virusAnswer !== "refused") throw new Error(`the shell served the infected picture: ${virusAnswer}`);
    const photoKey = await wd.script("return [...document.querySelectorAll('figure.attachment img.preview')].find((i) => i.alt === 'photo.png').closest('figure').dataset.mediaKey");
    const photoAnswer = await probe(photoKey.replace(/^p\//, "t/") + "/800/600");
    if (photoAnswer !== "loaded") throw new Error(`the clean photo was not served: ${photoAnswer}`);
    await wd.screenshot(`${SHOTS}/chappe-scan-preview.png`);
  });

  await step("saving a document shows its download progress on the card, then the file is the sender's", async () => {
    // 8 MB that do not compress: long enough for the bar to be seen moving.
    const big = Buffer.alloc(8_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 13 & 0xff;
    const uri = await mx.upload(bob, big, "application/octet-stream", "dossier.bin");
    await mx.sendContent(bob, roomId, {
      msgtype: "m.file", body: "dossier.bin", url: uri, info: { mimetype: "application/octet-stream", size: big.length },
    });
    const card = `[...document.querySelectorAll('.attachment.file')].find((c) => c.querySelector('.file-name')?.textContent === 'dossier.bin')`;
    await wd.waitUntil("the card with Save enabled", async () => wd.script(`
      const c = ${card}; const b = c?.querySelector('button[data-action=save-media]'); return !!b && !b.disabled;`), 30000);
    await wd.script(`window.__progress = []; ${card}.querySelector('button[data-action=save-media]').click(); return true;`);
    const target = `${process.env.CHAPPE_TEST_SAVE_DIR}/dossier.bin`;
    await wd.waitUntil("the file saved", async () => {
      const [saved, error, progress] = await wd.script(`
        const b = ${card}?.querySelector('button[data-action=save-media]');
        return [/enregistré|saved/.test(b?.textContent ?? ''), document.getElementById('send-error')?.textContent ?? '', window.__progress];`);
      if (error) throw new Error(`the window says: ${error}`);
      const size = existsSync(target) ? statSync(target).size : -1;
      if (!saved) throw new Error(`not saved yet: file ${size} bytes, progress ${JSON.stringify(progress)}`);
      return saved;
    }, 60000);
    const values = await wd.script("return window.__progress");
    if (values.length === 0 || values.at(-1) !== 1) throw new Error(`download progress seen: ${JSON.stringify(values)}`);
    if (values.some((v, i) => i > 0 && v < values[i - 1])) throw new Error(`progress went back: ${JSON.stringify(values)}`);
    const saved = readFileSync(target);
    if (!saved.equals(big)) throw new Error(`the saved file differs (${saved.length} bytes)`);
    const bars = await wd.script(`return ${card}.parentElement.querySelectorAll('.download').length`);
    if (bars !== 0) throw new Error("the bar stays after the download");
    console.log(`    progress values seen: ${JSON.stringify(values)}`);
  });

  await step("two files picked with the attach button reach bob, the picture with its size", async () => {
    const dir = process.env.E2E_PICK_DIR;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/rapport annuel.png`, PHOTO);
    const csv = `nom;montant\nétude;${tag}\n`;
    writeFileSync(`${dir}/budget.csv`, csv);
    execFileSync("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "1",
      "-pix_fmt", "yuv420p", `${dir}/visite.mp4`]);
    await wd.click("#attach");
    const image = await mx.waitForMessage(bob, roomId, "rapport annuel.png", 60000);
    if (image.content.msgtype !== "m.image" || image.content.info?.w !== 160 || image.content.info?.h !== 100) {
      throw new Error(`picture sent as ${JSON.stringify(image.content)}`);
    }
    const file = await mx.waitForMessage(bob, roomId, "budget.csv", 60000);
    if (file.content.msgtype !== "m.file") throw new Error(`csv sent as ${file.content.msgtype}`);
    const res = await fetch(`${SYNAPSE_URL}/_matrix/client/v1/media/download/${file.content.url.slice(6)}`,
      { headers: { authorization: `Bearer ${bob.token}` } });
    if ((await res.text()) !== csv) throw new Error("the csv bob downloads is not the one sent");
    await wd.waitUntil("own picture drawn", async () => wd.script(`
      const img = [...document.querySelectorAll('li.message.own figure.attachment img.preview')].find((i) => i.alt === 'rapport annuel.png');
      return !!img && img.complete && img.naturalWidth > 0;`), 30000);
    await wd.screenshot(`${SHOTS}/chappe-files-sent.png`);
  });

  await step("the video picked with them reaches bob with its size, length and thumbnail, shown in the window", async () => {
    const video = await mx.waitForMessage(bob, roomId, "visite.mp4", 60000);
    const info = video.content.info ?? {};
    if (video.content.msgtype !== "m.video" || info.w !== 320 || info.h !== 240 || !(info.duration >= 900 && info.duration <= 1200)
      || !info.thumbnail_url || info.thumbnail_info?.mimetype !== "image/jpeg") {
      throw new Error(`video sent as ${JSON.stringify(video.content)}`);
    }
    await wd.waitUntil("the video's thumbnail drawn with its length", async () => wd.script(`
      const f = [...document.querySelectorAll('li.message.own figure.attachment.video')].find((f) => f.querySelector('.file-name')?.textContent === 'visite.mp4');
      const img = f?.querySelector('img.preview');
      return !!img && img.complete && img.naturalWidth === 320 && f.querySelector('.video-badge')?.textContent === '▶ 0:01';`), 30000);
    await wd.script("[...document.querySelectorAll('figure.attachment.video')].at(-1).scrollIntoView(); return true;");
    await wd.screenshot(`${SHOTS}/chappe-video.png`);
  });

  await step("a picture pasted into the composer reaches bob as a picture with its size", async () => {
    await wd.script(`
      const bytes = Uint8Array.from(atob(arguments[0]), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'collage.png', { type: 'image/png' }));
      const composer = document.getElementById('composer');
      composer.focus();
      composer.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      return true;`, PHOTO.toString("base64"));
    const pasted = await mx.waitForMessage(bob, roomId, "collage.png", 60000);
    if (pasted.content.msgtype !== "m.image" || pasted.content.info?.w !== 160 || pasted.content.info?.h !== 100) {
      throw new Error(`pasted picture sent as ${JSON.stringify(pasted.content)}`);
    }
    const res = await fetch(`${SYNAPSE_URL}/_matrix/client/v1/media/download/${pasted.content.url.slice(6)}`,
      { headers: { authorization: `Bearer ${bob.token}` } });
    if (!Buffer.from(await res.arrayBuffer()).equals(PHOTO)) throw new Error("the pasted picture bob downloads differs");
  });
} catch (e) {
  await failed(e);
} finally {
  await wd.quit();
}
exit();
