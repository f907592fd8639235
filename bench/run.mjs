// `npm run bench`: performance figures, printed, never asserted (tests check behaviour).
//   1. the cold full scan against its I/O floor, in one run: each measurement a fresh
//      process, interleaved so a busy machine slows them alike (medians of N):
//        node -e 0             Node's own start
//        I/O floor             bench/io-floor.mjs: exactly the file-system calls one full
//                              scan of every bundled pack makes and the commands it runs
//                              (recorded by bench/record-io.mjs), replayed with bare fs
//                              calls and spawns, then exit
//        nodeward scan json    `scan --format json -q -o FILE`, every bundled pack
//        nodeward scan table   `scan -q -o FILE`
//      wall time, peak RSS (GNU time), and the scan's ratio to the floor (target ≤ 2.0×,
//      ≤ 80 MiB); NODEWARD_TIMING=1 on one extra run shows where a scan's time goes
//   2. Lynis (`lynis audit system --quick`) in the same run, when installed; bench never
//      installs anything: it prints the command instead
//   3. warm in-process scans (the agent's case: packs loaded once, scanned repeatedly)
//   4. bench/agent.mjs (HTTP under load); bench/dashboard.mjs (/ui size and render under load); bench/drift.mjs (drift latency, idle cost); bench/hostile.mjs (hostile roots: time, memory
//      and the cap each names); bench/compare.mjs (OpenSCAP, a Debian root) with
//      NODEWARD_BENCH_COMPARE=1
// Env: NODEWARD_BENCH_RUNS (default 9), NODEWARD_BENCH_LYNIS_RUNS (default 1),
//      NODEWARD_BENCH_PEERS=0 (no Lynis), NODEWARD_BENCH_HOSTILE=0 (no hostile roots),
//      NODEWARD_BENCH_QUICK=1 (sections 1-2 only).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const CLI = here("../dist/cli/main.js");
const RUNS = Number(process.env.NODEWARD_BENCH_RUNS ?? 9);
const LYNIS_RUNS = Number(process.env.NODEWARD_BENCH_LYNIS_RUNS ?? 1);
const GNU_TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const work = mkdtempSync(path.join(tmpdir(), "nodeward-bench-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

/**
 * One fresh process: wall ms (ours, fine-grained), peak RSS KiB and CPU ms (user + system,
 * every thread: GNU time's %M %U %S). On a shared machine wall time is mostly waiting for
 * a core; CPU time is what the process itself cost, so both ratios are printed.
 */
function once(argv, env = {}) {
  const timeFile = path.join(work, "time.txt");
  const full = GNU_TIME ? [GNU_TIME, "-f", "%M %U %S", "-o", timeFile, ...argv] : argv;
  const t0 = performance.now();
  const r = spawnSync(full[0], full.slice(1), { env: { ...process.env, LC_ALL: "C", ...env }, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 64 << 20 });
  const wall = performance.now() - t0;
  if (r.error) throw r.error;
  const [rss, user, sys] = GNU_TIME ? readFileSync(timeFile, "utf8").trim().split("\n").pop().split(" ").map(Number) : [NaN, NaN, NaN];
  return { wall, rss, cpu: (user + sys) * 1000, status: r.status, stderr: r.stderr };
}

if (!existsSync(here("../dist/nodeward.js"))) {
  console.log("bench: dist/nodeward.js (the bundle) is missing, so the CLI runs unbundled: use `npm run bench`, which builds it");
}

// ---- 1. cold scan vs the I/O floor ------------------------------------------------------------
const calls = path.join(work, "calls.json");
const rec = spawnSync(process.execPath, [here("./record-io.mjs"), calls, "/"], { encoding: "utf8" });
if (rec.status !== 0) {
  console.error(`bench: recording the scan's file-system calls failed:\n${rec.stderr}`);
  process.exit(1);
}
const recorded = JSON.parse(readFileSync(calls, "utf8"));
const ops = recorded.reduce((m, [op]) => ((m[op] = (m[op] ?? 0) + 1), m), {});

const rows = [
  { name: "node -e 0", argv: [process.execPath, "-e", "0"] },
  { name: "I/O floor", argv: [process.execPath, here("./io-floor.mjs"), calls] },
  { name: "nodeward scan --format json", argv: [process.execPath, CLI, "scan", "--format", "json", "-q", "-o", path.join(work, "r.json")], scan: true },
  { name: "nodeward scan (table)", argv: [process.execPath, CLI, "scan", "-q", "-o", path.join(work, "r.txt")], scan: true },
];
for (const r of rows) r.samples = [];
for (const r of rows) once(r.argv); // warm the page cache and the disk once
for (let i = 0; i < RUNS; i++) {
  for (const r of rows) {
    const s = once(r.argv);
    if (r.scan && s.status !== 0 && s.status !== 1) {
      console.error(`bench: ${r.name} exited ${s.status}:\n${s.stderr}`);
      process.exit(1);
    }
    r.samples.push(s);
  }
}
const floorWall = median(rows[1].samples.map((s) => s.wall));
console.log(`\n== cold full scan of this host vs its I/O floor: fresh processes, interleaved, median of ${RUNS} ==`);
const commands = recorded.filter(([op]) => op === "spawn").map(([, argv]) => argv.join(" "));
console.log(
  `I/O floor replays ${recorded.length} calls ${JSON.stringify(ops)} (packs included, the program's own files not)` +
    `${commands.length ? `; commands the scan runs here: ${commands.join(", ")}` : ""}`,
);
console.log(`${"".padEnd(30)} ${"wall ms".padStart(8)} ${"min".padStart(7)} ${"× floor".padStart(8)} ${"CPU ms".padStart(7)} ${"× floor".padStart(8)} ${"RSS MiB".padStart(8)}`);
const floorCpu = median(rows[1].samples.map((s) => s.cpu));
for (const r of rows) {
  const wall = median(r.samples.map((s) => s.wall));
  const min = Math.min(...r.samples.map((s) => s.wall));
  const cpu = median(r.samples.map((s) => s.cpu));
  const rss = median(r.samples.map((s) => s.rss)) / 1024;
  const na = (x, d, w) => (Number.isNaN(x) ? "n/a" : x.toFixed(d)).padStart(w);
  console.log(
    `${r.name.padEnd(30)} ${wall.toFixed(1).padStart(8)} ${min.toFixed(1).padStart(7)} ${(wall / floorWall).toFixed(2).padStart(7)}× ` +
      `${na(cpu, 0, 7)} ${na(cpu / floorCpu, 2, 7)}× ${na(rss, 1, 8)}`,
  );
  r.wall = wall;
  r.cpu = cpu;
  r.rssMiB = rss;
}
const json = rows[2];
const loadavg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(
  `\ncold JSON scan: ${(json.wall / floorWall).toFixed(2)}× the I/O floor in wall time (target ≤ 2.0×: ${json.wall / floorWall <= 2 ? "met" : "NOT met"}), ` +
    `${Number.isNaN(json.cpu) ? "CPU n/a" : `${(json.cpu / floorCpu).toFixed(2)}× in CPU time`}, ` +
    `peak RSS ${Number.isNaN(json.rssMiB) ? "n/a (no /usr/bin/time)" : `${json.rssMiB.toFixed(1)} MiB (target ≤ 80: ${json.rssMiB <= 80 ? "met" : "NOT met"})`}` +
    `; load average ${loadavg} on ${availableParallelism()} cores`,
);
const timed = once(json.argv, { NODEWARD_TIMING: "1" });
const phases = /nodeward-timing (.*)/.exec(timed.stderr)?.[1];
if (phases) {
  const p = JSON.parse(phases);
  console.log(
    `one JSON scan, by phase (ms, cpu/wall): start (Node + modules) ${p.start.cpu.toFixed(0)}/${p.start.wall.toFixed(0)}` +
      `, packs ${p.load.cpu.toFixed(0)}/${p.load.wall.toFixed(0)}, scan ${p.scan.cpu.toFixed(0)}/${p.scan.wall.toFixed(0)}, report ${p.report.cpu.toFixed(0)}/${p.report.wall.toFixed(0)}`,
  );
}

// ---- 2. Lynis, same run -------------------------------------------------------------------------
if (process.env.NODEWARD_BENCH_PEERS !== "0") {
  const hasLynis = spawnSync("sh", ["-c", "command -v lynis"], { stdio: "ignore" }).status === 0;
  if (!hasLynis) {
    console.log("\nlynis not installed: nothing to compare with (apt-get install -y lynis, then npm run bench again)");
  } else {
    const samples = [];
    for (let i = 0; i < LYNIS_RUNS; i++) samples.push(once(["lynis", "audit", "system", "--quick", "--no-colors", "--no-log"]));
    const wall = median(samples.map((s) => s.wall));
    const rss = median(samples.map((s) => s.rss)) / 1024;
    console.log(
      `\nLynis \`audit system --quick\` (median of ${LYNIS_RUNS}): ${(wall / 1000).toFixed(1)} s, ${Number.isNaN(rss) ? "n/a" : `${rss.toFixed(0)} MiB`}; ` +
        `nodeward's cold JSON scan is ${(wall / json.wall).toFixed(0)}× faster`,
    );
  }
}

// ---- 3. warm in-process scans -------------------------------------------------------------------
if (process.env.NODEWARD_BENCH_QUICK === "1") process.exit(0);
console.log(`\n== warm in-process scans (packs loaded once; 30 runs) ==`);
{
  const { HostRoot } = await import("../dist/host/host-root.js");
  const { runScan } = await import("../dist/engine/run-scan.js");
  const { loadPacks } = await import("../dist/packs/load.js");
  const { DEFAULT_BENCHMARKS_DIR } = await import("../dist/paths.js");
  const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
  const host = new HostRoot({ root: "/" });
  const times = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    await runScan({ host, packs: loaded.packs });
    times.push(performance.now() - t);
  }
  console.log(`this host        median ${median(times).toFixed(1)} ms  p95 ${pct(times, 95).toFixed(1)} ms  min ${Math.min(...times).toFixed(1)} ms`);
}

// ---- 4. the other suites --------------------------------------------------------------------------
const extras = ["./agent.mjs", "./dashboard.mjs", "./drift.mjs", "./hostile.mjs", ...(process.env.NODEWARD_BENCH_COMPARE === "1" ? ["./compare.mjs"] : [])];
for (const extra of extras) {
  if (!existsSync(here(extra))) continue;
  if (extra === "./hostile.mjs" && process.env.NODEWARD_BENCH_HOSTILE === "0") continue;
  console.log(`\n== ${extra.slice(2)} ==`);
  const r = spawnSync(process.execPath, [here(extra)], { stdio: "inherit" });
  if (r.status !== 0) console.log(`(${extra} exited ${r.status})`);
}
