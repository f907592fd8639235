#!/usr/bin/env node
/**
 * What one drift poll round costs on this host (bench/drift.mjs section 5 runs this with the
 * shipped node flags, plus --expose-gc and a young generation large enough for a round).
 * The agent's plan is made here, as the agent's scan child makes it (kubernetes-node profile
 * on this host's `/`); a DriftController polls it; nothing is re-checked.
 *   - allocation per round: V8's young generation after a round minus before it (collected
 *     just before, so nothing of the round is freed meanwhile) plus external memory (Buffers);
 *   - CPU per round (this process, user + system), over BENCH_DRIFT_POLL_ROUNDS rounds;
 *   - the same per poll kind (proc, listeners, processes, stat, unit-active, ...).
 * Printed, never asserted. Needs a build (dist/); DRIFT_DIST=<dir> measures another build.
 */
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.resolve(process.env.DRIFT_DIST ?? path.join(REPO, "dist"));
const ROUNDS = Number(process.env.BENCH_DRIFT_POLL_ROUNDS ?? 40);
const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");

const { loadSelection } = await import(path.join(DIST, "packs/selection.js"));
const { runScan } = await import(path.join(DIST, "engine/run-scan.js"));
const { PlanRecorder } = await import(path.join(DIST, "engine/drift-plan.js"));
const { HostRoot } = await import(path.join(DIST, "host/host-root.js"));
const { DriftController } = await import(path.join(DIST, "agent/drift.js"));
const { pollFingerprint } = await import(path.join(DIST, "probes/kit/watch.js"));

const selection = await loadSelection({ paths: [], profile: "kubernetes-node", vars: {} });
const host = new HostRoot({ root: "/" });
const recorder = new PlanRecorder(host);
await runScan({ host, packs: selection.packs, filter: {}, loadErrors: [], deep: false, recorder });
const plan = await recorder.plan();

const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const controller = new DriftController({
  host,
  settings: { debounceMs: 100, maxDelayMs: 1000, pollIntervalMs: 1e9, safetyNetIntervalMs: 1e9 },
  log: quiet,
  recheck: async () => {
    throw new Error("the poll bench re-checks nothing");
  },
});
await controller.scanEnded(plan);

const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_used_size;
/** Bytes `f` allocates (young generation + external), or NaN when a collection ran inside it. */
async function allocated(f) {
  globalThis.gc({ type: "minor" });
  const e0 = process.memoryUsage().external;
  const y0 = young();
  await f();
  const dy = young() - y0;
  const de = process.memoryUsage().external - e0;
  return dy < 0 ? NaN : dy + Math.max(0, de);
}
const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)];
};
const kib = (b) => (b / 1024).toFixed(0);

for (let i = 0; i < 5; i++) await controller.poll();
const rounds = [];
for (let i = 0; i < ROUNDS; i++) rounds.push(await allocated(() => controller.poll()));
const c0 = process.cpuUsage();
for (let i = 0; i < ROUNDS; i++) await controller.poll();
const c = process.cpuUsage(c0);
const cpuMs = (c.user + c.system) / 1000 / ROUNDS;

// Per kind: the controller's own poll context (its command-line cache warm), entry by entry.
const entries = Object.values(controller.currentPlan.polls);
const byKind = new Map();
for (const e of entries) {
  const k = byKind.get(e.spec.kind) ?? { n: 0, bytes: [], cpu: 0 };
  k.n++;
  byKind.set(e.spec.kind, k);
}
const R = Math.max(5, Math.floor(ROUNDS / 4));
const empty = [];
for (let i = 0; i < 5; i++) empty.push(await allocated(async () => undefined));
const overhead = median(empty);
for (let r = 0; r < R; r++) {
  // CPU without collections in between; then the allocation, each entry after a collection.
  let ctx = controller.pollContext();
  for (const e of entries) {
    const t0 = process.cpuUsage();
    await pollFingerprint(e.spec, ctx).catch(() => undefined);
    const t = process.cpuUsage(t0);
    byKind.get(e.spec.kind).cpu += (t.user + t.system) / 1000;
  }
  ctx = controller.pollContext();
  const sums = new Map();
  for (const e of entries) {
    const b = (await allocated(() => pollFingerprint(e.spec, ctx).catch(() => undefined))) - overhead;
    sums.set(e.spec.kind, (sums.get(e.spec.kind) ?? 0) + b);
  }
  for (const [kind, b] of sums) byKind.get(kind).bytes.push(b);
}
const procs = (await host.procReaddir("")).filter((n) => /^\d+$/.test(n)).length;
console.log(
  `poll round (kubernetes-node plan on this host's /: ${entries.length} polls, ${procs} processes; node ${process.execArgv.join(" ")}; ${ROUNDS} rounds, load ${load()}): ` +
    `allocated ${kib(median(rounds))} KiB per round (median; min ${kib(Math.min(...rounds.filter((x) => !Number.isNaN(x))))}, max ${kib(Math.max(...rounds.filter((x) => !Number.isNaN(x))))}), CPU ${cpuMs.toFixed(2)} ms per round`,
);
console.log(
  "  by kind (KiB allocated, ms CPU per round; the socket tables read whole, as every 30 s or when their counts move): " +
    [...byKind]
      .sort((a, b) => median(b[1].bytes) - median(a[1].bytes))
      .map(([kind, k]) => `${kind} ×${k.n} ${kib(median(k.bytes))} KiB ${(k.cpu / R).toFixed(2)} ms`)
      .join(", "),
);
controller.stop();
