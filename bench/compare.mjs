#!/usr/bin/env node
/**
 * Side by side (issue 8 §3): nodeward's full scan of every bundled pack vs Lynis and
 * OpenSCAP, on this host ("/") and on a Debian root (--root), plus an I/O floor.
 *
 *   npm run build && node bench/compare.mjs
 *
 * Environment:
 *   NODEWARD_BENCH_RUNS=5        runs per measurement (medians are printed)
 *   NODEWARD_BENCH_PEER_RUNS=3   runs for Lynis and OpenSCAP (they take seconds to minutes)
 *   NODEWARD_BENCH_ROOT=DIR      the second target (default: the integration cache
 *                                /var/cache/nodeward-test/bookworm-minbase when present)
 *   NODEWARD_BENCH_PEERS=0       skip Lynis and OpenSCAP
 *   NODEWARD_BENCH_OSCAP_PROFILE profile id (default the ANSSI NT28 high profile, the
 *                                largest in Debian 12's ssg-debian; see "OpenSCAP" below)
 *
 * What is measured, per target:
 *   nodeward CLI      `node dist/cli/main.js scan --format json --quiet [--root DIR]`,
 *                     stdout to /dev/null. Wall time and peak RSS from GNU time
 *                     (`/usr/bin/time -f "%e %M"`); without it, wall time only.
 *   nodeward in-proc  runScan() on already-loaded packs in this process, after one
 *                     warm-up: the scan itself, without Node start-up and pack loading.
 *   I/O floor         the same file-system calls the in-process scan made (recorded by
 *                     wrapping node:fs/promises during one scan: open→read whole file,
 *                     stat, lstat, readdir, readlink), replayed with bare fs calls at the
 *                     same concurrency (16). Commands nodeward runs (systemctl is-active
 *                     on a live host) are not part of the floor.
 *   Lynis             `lynis audit system --quick --no-colors --no-log` (host only: Lynis
 *                     has no option to audit another root).
 *   OpenSCAP          `oscap xccdf eval --profile P <ssg-debian content>`; on a root via
 *                     OSCAP_PROBE_ROOT=DIR (what upstream's oscap-chroot script sets).
 *                     Debian 12's ssg-debian (0.1.65) ships content for Debian 10 and 11
 *                     only, and no CIS profile; the Debian 11 data stream is used with its
 *                     platform check widened to Debian 12 (a temp copy, `^11.` → `^1[12].`),
 *                     or every rule is "notapplicable" and the timing means nothing.
 * Peers missing on the machine are skipped with a message (apt-get install -y lynis
 * openscap-scanner ssg-debian).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLI = path.join(REPO, "dist/cli/main.js");
const RUNS = Number(process.env.NODEWARD_BENCH_RUNS ?? 5);
const PEER_RUNS = Number(process.env.NODEWARD_BENCH_PEER_RUNS ?? 3);
const PEERS = process.env.NODEWARD_BENCH_PEERS !== "0";
const GNU_TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const SSG_DIR = "/usr/share/xml/scap/ssg/content";
const OSCAP_PROFILE = process.env.NODEWARD_BENCH_OSCAP_PROFILE ?? "xccdf_org.ssgproject.content_profile_anssi_np_nt28_high";

if (!existsSync(CLI)) {
  console.error(`bench: ${CLI} is missing; run npm run build first`);
  process.exit(2);
}

// ---- record the file-system calls of one scan (before dist/ is imported) -----------------

let recording = null;
const wrap = (name, op) => {
  const orig = fsp[name];
  fsp[name] = function (p, ...rest) {
    if (recording && typeof p === "string") recording.push([op, p]);
    return orig.call(this, p, ...rest);
  };
};
wrap("open", "read");
wrap("stat", "stat");
wrap("lstat", "lstat");
wrap("readdir", "readdir");
wrap("readlink", "readlink");
wrap("readFile", "read");
syncBuiltinESMExports();

const { runScan } = await import(pathToFileURL(path.join(REPO, "dist/engine/run-scan.js")).href);
const { HostRoot } = await import(pathToFileURL(path.join(REPO, "dist/host/host-root.js")).href);
const { loadPacks } = await import(pathToFileURL(path.join(REPO, "dist/packs/load.js")).href);
const { DEFAULT_BENCHMARKS_DIR } = await import(pathToFileURL(path.join(REPO, "dist/paths.js")).href);

// ---- helpers ----------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Run argv `runs` times; wall seconds and peak RSS (KiB) per run, via GNU time when present. */
function measure(argv, { runs, env = {}, cwd = REPO }) {
  const walls = [];
  const rss = [];
  const dir = mkdtempSync(path.join(tmpdir(), "nodeward-bench-"));
  try {
    for (let i = 0; i < runs; i++) {
      const out = path.join(dir, "time.txt");
      const full = GNU_TIME ? [GNU_TIME, "-f", "%e %M", "-o", out, ...argv] : argv;
      const t0 = performance.now();
      const r = spawnSync(full[0], full.slice(1), { cwd, env: { ...process.env, LC_ALL: "C", ...env }, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 << 20 });
      const wall = (performance.now() - t0) / 1000;
      if (r.error) throw r.error;
      if (GNU_TIME) {
        const [e, m] = readFileSync(out, "utf8").trim().split("\n").pop().split(" ").map(Number);
        walls.push(e > 0 ? e : wall); // %e has 10 ms resolution; keep ours for short runs
        rss.push(m);
      } else walls.push(wall);
      if (GNU_TIME && walls[walls.length - 1] < 1) walls[walls.length - 1] = wall;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { wall: median(walls), rssKiB: rss.length ? median(rss) : NaN, runs };
}

async function inProcess(root, packs, runs) {
  const host = new HostRoot(root === "/" ? {} : { root });
  await runScan({ host, packs }); // warm-up (JIT, page cache)
  const times = [];
  let report;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    report = await runScan({ host, packs });
    times.push((performance.now() - t0) / 1000);
  }
  recording = [];
  await runScan({ host, packs });
  const calls = recording;
  recording = null;
  return { wall: median(times), rssKiB: process.memoryUsage().rss / 1024, report, calls };
}

/** Replay the recorded calls with bare fs, 16 at a time, as the floor. */
async function ioFloor(calls, runs) {
  const once = async () => {
    const q = [...calls];
    const worker = async () => {
      for (let c = q.shift(); c; c = q.shift()) {
        const [op, p] = c;
        try {
          if (op === "read") await fsp.readFile(p);
          else await fsp[op](p);
        } catch {
          /* missing files are facts too */
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  };
  await once();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await once();
    times.push((performance.now() - t0) / 1000);
  }
  return { wall: median(times) };
}

function oscapContent(dir) {
  const src = path.join(SSG_DIR, "ssg-debian11-ds.xml");
  if (!existsSync(src)) return null;
  const dst = path.join(dir, "ssg-debian11-on-12-ds.xml");
  writeFileSync(dst, readFileSync(src, "utf8").replaceAll("^11.[0-9]+$", "^1[12].[0-9]+$"));
  return dst;
}

const fmtS = (s) => (Number.isNaN(s) ? "n/a" : s < 0.1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const fmtM = (k) => (Number.isNaN(k) ? "n/a" : `${(k / 1024).toFixed(0)} MiB`);
const ratio = (a, b) => (Number.isNaN(a) || Number.isNaN(b) || b === 0 ? "n/a" : `${(a / b).toFixed(1)}×`);

// ---- main ---------------------------------------------------------------------------------------

const defaultRoot = "/var/cache/nodeward-test/bookworm-minbase";
const benchRoot = process.env.NODEWARD_BENCH_ROOT ?? (existsSync(path.join(defaultRoot, "var/lib/dpkg/status")) ? defaultRoot : null);
const targets = [{ name: "this host", root: "/" }];
if (benchRoot) targets.push({ name: `root ${benchRoot}`, root: benchRoot });
else console.log("bench: no Debian root (set NODEWARD_BENCH_ROOT or run test/integration/setup.sh); host only");

const { packs, errors } = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
if (errors.length > 0) console.log(`bench: ${errors.length} pack error(s); the valid packs still run`);
const checkCount = packs.reduce((n, p) => n + (p.checks?.length ?? 0), 0);

const have = (bin) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
const hasLynis = PEERS && have("lynis");
const hasOscap = PEERS && have("oscap");
if (PEERS && !hasLynis) console.log("bench: lynis not installed, skipped (apt-get install -y lynis)");
if (PEERS && !hasOscap) console.log("bench: oscap not installed, skipped (apt-get install -y openscap-scanner ssg-debian)");
const work = mkdtempSync(path.join(tmpdir(), "nodeward-bench-content-"));
const content = hasOscap ? oscapContent(work) : null;
if (hasOscap && !content) console.log(`bench: no ${SSG_DIR}/ssg-debian11-ds.xml, OpenSCAP skipped (apt-get install -y ssg-debian)`);

const rows = [];
for (const t of targets) {
  console.log(`\n== ${t.name}: ${packs.length} packs, ${checkCount || "?"} checks; ${RUNS} runs (peers ${PEER_RUNS}) ==`);
  const rootArgs = t.root === "/" ? [] : ["--root", t.root];
  const cli = measure([process.execPath, CLI, "scan", "--format", "json", "--quiet", ...rootArgs], { runs: RUNS });
  const inproc = await inProcess(t.root, packs, RUNS);
  const floor = await ioFloor(inproc.calls, RUNS);
  const ops = inproc.calls.reduce((m, [op]) => ((m[op] = (m[op] ?? 0) + 1), m), {});
  console.log(`nodeward results: ${JSON.stringify(inproc.report.summary)}; I/O floor replays ${inproc.calls.length} calls ${JSON.stringify(ops)}`);
  let lynis = null;
  if (hasLynis) {
    if (t.root === "/") lynis = measure(["lynis", "audit", "system", "--quick", "--no-colors", "--no-log"], { runs: PEER_RUNS });
    else console.log("lynis: skipped on a --root target (Lynis audits only the running system)");
  }
  let oscap = null;
  if (content) {
    oscap = measure(["oscap", "xccdf", "eval", "--profile", OSCAP_PROFILE, content], {
      runs: PEER_RUNS,
      env: t.root === "/" ? {} : { OSCAP_PROBE_ROOT: t.root },
    });
  }
  rows.push({ target: t.name, cli, inproc, floor, lynis, oscap });
}
rmSync(work, { recursive: true, force: true });

console.log("\n| target | nodeward CLI | RSS | in-process scan | I/O floor | scan/floor | Lynis | RSS | Lynis/nodeward | OpenSCAP | RSS | OpenSCAP/nodeward |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  console.log(
    `| ${r.target} | ${fmtS(r.cli.wall)} | ${fmtM(r.cli.rssKiB)} | ${fmtS(r.inproc.wall)} | ${fmtS(r.floor.wall)} | ${ratio(r.inproc.wall, r.floor.wall)} | ` +
      `${r.lynis ? fmtS(r.lynis.wall) : "skipped"} | ${r.lynis ? fmtM(r.lynis.rssKiB) : ""} | ${r.lynis ? ratio(r.lynis.wall, r.cli.wall) : ""} | ` +
      `${r.oscap ? fmtS(r.oscap.wall) : "skipped"} | ${r.oscap ? fmtM(r.oscap.rssKiB) : ""} | ${r.oscap ? ratio(r.oscap.wall, r.cli.wall) : ""} |`,
  );
}
console.log(
  "\nRatios for peers are against the nodeward CLI (process start, pack load, scan, report), the same unit of work as a peer run;" +
    "\nscan/floor compares the in-process scan with replaying its file reads. Medians of the runs above.",
);
