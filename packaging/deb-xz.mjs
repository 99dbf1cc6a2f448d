// Recompresses the .deb the tauri bundler writes: its data member is gzip (level 6)
// and the bundler has no setting for it (only the .rpm's compression is configurable
// in tauri 2.10). Debian's own packages use xz, which dpkg has read since 1.15: the
// release binary (41 MiB) packs into 16.9 MiB with gzip and about 10 MiB with xz,
// under the 15 MB target of issue 10 (docs/BENCHMARKS.md).
//
// Only the compression changes: the data tar is decompressed and recompressed as it
// is (owners, modes, dates kept), and the control member and debian-binary are copied.
// Needs `ar` (binutils), `gzip` and `xz`, all on a Debian or Ubuntu build machine.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, renameSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  if (res.error) throw new Error(`${cmd}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${res.stderr.toString().trim()}`);
  return res.stdout.toString();
}

/** The members of an ar archive, in order. */
export function debMembers(deb) {
  return run("ar", ["t", deb]).split("\n").filter(Boolean);
}

/** Rewrites `deb` in place with an xz-compressed data member at `level` (9, the
 *  smallest, for what ships; a test bundle can ask for 1, which is several times
 *  faster). A .deb whose data is already xz is left alone. Returns the members of the
 *  result. */
export function recompressDeb(deb, level = 9) {
  const members = debMembers(deb);
  if (members.includes("data.tar.xz")) return members;
  const control = members.find((m) => m.startsWith("control.tar"));
  if (members[0] !== "debian-binary" || !control || !members.includes("data.tar.gz")) {
    throw new Error(`${deb}: not a .deb with a gzip data member (${members.join(", ")})`);
  }
  const work = mkdtempSync(join(tmpdir(), "chappe-deb-"));
  try {
    run("ar", ["x", deb, "debian-binary", control, "data.tar.gz"], { cwd: work });
    run("gzip", ["-d", "data.tar.gz"], { cwd: work });
    run("xz", [`-${level}`, "data.tar"], { cwd: work });
    // dpkg wants this order: debian-binary, control, data. `D`: no dates or owners in
    // the ar headers, so the same input gives the same package.
    const out = join(work, "out.deb");
    run("ar", ["rcD", out, "debian-binary", control, "data.tar.xz"], { cwd: work });
    renameSync(out, deb);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return debMembers(deb);
}

/** The .deb files under `targetDir` (`<profile>/bundle/deb/` and, for a `--target`
 *  build, `<triple>/<profile>/bundle/deb/`) written at or after `since` (ms). */
export function debsBuiltSince(targetDir, since) {
  const found = [];
  const dirsBelow = (dir) => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
    } catch {
      return [];
    }
  };
  for (const a of dirsBelow(targetDir)) {
    for (const profileDir of [a, ...dirsBelow(a)]) {
      const debDir = join(profileDir, "bundle", "deb");
      if (!existsSync(debDir)) continue;
      for (const name of readdirSync(debDir)) {
        const p = join(debDir, name);
        if (name.endsWith(".deb") && statSync(p).mtimeMs >= since) found.push(p);
      }
    }
  }
  return found;
}
