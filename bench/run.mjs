// `npm run bench`: performance figures, printed, never asserted (tests check behaviour).
//   1. cold full scans (every bundled pack) of this host and of the cached Debian root,
//      each in a fresh process: wall time, time inside the scan, peak RSS (medians of N)
//   2. warm in-process scans (the agent's case: packs loaded once, scanned repeatedly)
//   3. the other suites when present: bench/agent.mjs (HTTP under load), bench/compare.mjs
//      (Lynis / OpenSCAP / I/O floor)
// Env: NODEWARD_BENCH_RUNS (default 7), NODEWARD_BENCH_ROOT (default the integration cache).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const RUNS = Number(process.env.NODEWARD_BENCH_RUNS ?? 7);
const debianRoot = process.env.NODEWARD_BENCH_ROOT ?? "/var/cache/nodeward-test/bookworm-minbase";
const targets = [["this host", "/"]];
if (existsSync(`${debianRoot}/var/lib/dpkg/status`)) targets.push(["Debian 12 root", debianRoot]);
else console.log(`(no Debian root at ${debianRoot}: run test/integration/setup.sh as root to add it)`);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const fmt = (n) => n.toFixed(1).padStart(8);

console.log(`\n== cold full scan, fresh process each run (median of ${RUNS}) ==`);
console.log(`${"target".padEnd(16)} ${"wall ms".padStart(8)} ${"import".padStart(8)} ${"load".padStart(8)} ${"scan".padStart(8)} ${"render".padStart(8)} ${"RSS MiB".padStart(8)}  checks  summary`);
for (const [name, root] of targets) {
  const rows = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [here("./scan-once.mjs"), root], { encoding: "utf8" });
    const wall = performance.now() - t;
    if (r.status !== 0) {
      console.log(`${name}: scan failed (exit ${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
      break;
    }
    rows.push({ wall, ...JSON.parse(r.stdout) });
  }
  if (rows.length === 0) continue;
  const m = (k) => median(rows.map((r) => r[k]));
  const s = rows[0].summary;
  console.log(
    `${name.padEnd(16)} ${fmt(m("wall"))} ${fmt(m("importMs"))} ${fmt(m("loadMs"))} ${fmt(m("scanMs"))} ${fmt(m("renderMs"))} ${fmt(m("maxRssKiB") / 1024)}  ${String(rows[0].checks).padStart(6)}  ` +
      `pass ${s.pass} fail ${s.fail} manual ${s.manual} skip ${s.skip} error ${s.error}`,
  );
}

console.log(`\n== warm in-process scans (packs loaded once; 30 runs) ==`);
{
  const { HostRoot } = await import("../dist/host/host-root.js");
  const { runScan } = await import("../dist/engine/run-scan.js");
  const { loadPacks } = await import("../dist/packs/load.js");
  const { DEFAULT_BENCHMARKS_DIR } = await import("../dist/paths.js");
  const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
  for (const [name, root] of targets) {
    const host = new HostRoot({ root });
    const times = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await runScan({ host, packs: loaded.packs });
      times.push(performance.now() - t);
    }
    console.log(`${name.padEnd(16)} median ${median(times).toFixed(1)} ms  p95 ${pct(times, 95).toFixed(1)} ms  min ${Math.min(...times).toFixed(1)} ms`);
  }
}

for (const extra of ["./agent.mjs", "./compare.mjs"]) {
  if (!existsSync(here(extra))) continue;
  console.log(`\n== ${extra.slice(2)} ==`);
  const r = spawnSync(process.execPath, [here(extra)], { stdio: "inherit" });
  if (r.status !== 0) console.log(`(${extra} exited ${r.status})`);
}
