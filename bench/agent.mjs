#!/usr/bin/env node
/**
 * Agent benchmark (issue 6): start `nodeward serve` on loopback with the bundled packs,
 * measure its idle RSS, then hammer /metrics with autocannon for ~5 s while scans run
 * back to back (triggered over the API), and report:
 *   - /metrics requests per second and p99 latency during scans,
 *   - the agent's idle RSS after start,
 *   - the event-loop delay (p99, max) the agent measured during those scans.
 * Needs a build (dist/). Env: BENCH_DURATION (seconds, default 5), BENCH_CONNECTIONS (10),
 * BENCH_BENCHMARKS (comma-separated pack ids; default all bundled packs).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLI = path.join(REPO, "dist/cli/main.js");
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TOKEN = "bench-token-0123456789abcdef";
const BENCHMARKS = (process.env.BENCH_BENCHMARKS ?? "").split(",").filter(Boolean);

async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 19000 + Math.floor(Math.random() * 900);
    const ok = await new Promise((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error("no free port in 19000-19899");
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitReady(base, child, log) {
  const t0 = Date.now();
  while (Date.now() - t0 < 30_000) {
    if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}):\n${log()}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return Date.now() - t0;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
  throw new Error(`agent not ready after 30 s:\n${log()}`);
}

async function metricValue(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : undefined;
}

const work = await mkdtemp(path.join(tmpdir(), "nodeward-bench-"));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
await writeFile(path.join(work, "token"), `${TOKEN}\n`, { mode: 0o600 });
await writeFile(
  path.join(work, "config.yaml"),
  [`listen: 127.0.0.1:${port}`, `stateDir: ${path.join(work, "state")}`, `tokenFile: ${path.join(work, "token")}`, `packs: ${path.join(REPO, "benchmarks")}`, "schedule: '0 0 1 1 *'", `benchmarks: [${BENCHMARKS.join(", ")}]`, ""].join("\n"),
);
const out = [];
const child = spawn(process.execPath, [CLI, "serve", "--config", path.join(work, "config.yaml")], { stdio: ["ignore", "pipe", "pipe"] });
child.stdout.on("data", (b) => out.push(b));
child.stderr.on("data", (b) => out.push(b));
const log = () => Buffer.concat(out).toString("utf8").split("\n").slice(-20).join("\n");

let exitCode = 0;
try {
  const readyMs = await waitReady(base, child, log);
  /** Trigger a scan over the API and wait for its summary. */
  const scanOnce = async () => {
    const res = await fetch(`${base}/api/v1/scans`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    const { id } = await res.json();
    for (;;) {
      const h = await (await fetch(`${base}/api/v1/scans?limit=1`)).json();
      if (h.running === null && h.scans[0]?.id === id) return h.scans[0];
      await sleep(10);
    }
  };
  await sleep(1500); // settle after the start-up scan
  const idleRss = await metricValue(base, "process_resident_memory_bytes");

  // Phase 0: /metrics with no scan running (baseline).
  const idle = await autocannon({ url: `${base}/metrics`, connections: CONNECTIONS, duration: 3 });

  // Phase 1: scans alone (no HTTP load): the event-loop delay a scan itself causes.
  const quiet = [];
  for (let i = 0; i < 2; i++) quiet.push(await scanOnce());

  // Phase 2: scans back to back while autocannon hammers /metrics.
  let scanning = true;
  let scans = 0;
  const scanLoop = (async () => {
    while (scanning) {
      await scanOnce();
      scans++;
    }
  })();
  const firstScanId = (await (await fetch(`${base}/api/v1/scans?limit=1`)).json()).scans[0]?.id;
  const result = await autocannon({ url: `${base}/metrics`, connections: CONNECTIONS, duration: DURATION });
  scanning = false;
  await scanLoop;

  const history = (await (await fetch(`${base}/api/v1/scans`)).json()).scans;
  const during = [];
  for (const s of history) {
    if (s.id === firstScanId) break;
    during.push(s);
  }
  const p99s = during.map((s) => s.eventLoopDelayMs?.p99 ?? 0).sort((a, b) => a - b);
  const maxes = during.map((s) => s.eventLoopDelayMs?.max ?? 0);
  const durations = during.map((s) => s.durationMs).sort((a, b) => a - b);
  const median = (xs) => (xs.length ? xs[Math.floor(xs.length / 2)] : NaN);
  const figures = {
    metricsReqPerSec: Math.round(result.requests.average),
    metricsLatencyP99Ms: result.latency.p99,
    metricsLatencyAvgMs: result.latency.average,
    metricsErrors: result.errors + result.non2xx + idle.errors + idle.non2xx,
    idleMetricsReqPerSec: Math.round(idle.requests.average),
    idleMetricsLatencyP99Ms: idle.latency.p99,
    benchmarks: BENCHMARKS.length ? BENCHMARKS : "all",
    connections: CONNECTIONS,
    durationS: DURATION,
    scansDuringRun: scans,
    scanDurationMedianMs: Math.round(median(durations)),
    eventLoopDelayDuringScanP99Ms: { median: median(p99s), worst: p99s.at(-1) },
    eventLoopDelayDuringScanMaxMs: Math.max(...maxes),
    quietScanDurationMedianMs: Math.round(median(quiet.map((s) => s.durationMs).sort((a, b) => a - b))),
    quietEventLoopDelayP99Ms: median(quiet.map((s) => s.eventLoopDelayMs?.p99 ?? 0).sort((a, b) => a - b)),
    quietEventLoopDelayMaxMs: Math.max(...quiet.map((s) => s.eventLoopDelayMs?.max ?? 0)),
    idleRssMiB: idleRss !== undefined ? +(idleRss / 1048576).toFixed(1) : undefined,
    startToReadyMs: readyMs,
  };
  const f = figures;
  console.log(`nodeward agent bench (${DURATION} s, ${CONNECTIONS} connections, ${scans} scans back to back)`);
  console.log(`  /metrics, no scan       ${f.idleMetricsReqPerSec} req/s, p99 ${f.idleMetricsLatencyP99Ms} ms (packs: ${f.benchmarks})`);
  console.log(`  /metrics during scans   ${f.metricsReqPerSec} req/s, p99 ${f.metricsLatencyP99Ms} ms, avg ${f.metricsLatencyAvgMs} ms, errors ${f.metricsErrors}`);
  console.log(`  scan alone (2 scans)    median ${f.quietScanDurationMedianMs} ms; event-loop delay p99 ${f.quietEventLoopDelayP99Ms.toFixed(1)} ms, max ${f.quietEventLoopDelayMaxMs.toFixed(1)} ms`);
  console.log(`  scan under /metrics load median ${f.scanDurationMedianMs} ms`);
  console.log(`  event-loop delay p99    median ${f.eventLoopDelayDuringScanP99Ms.median?.toFixed(1)} ms, worst ${f.eventLoopDelayDuringScanP99Ms.worst?.toFixed(1)} ms (max ${f.eventLoopDelayDuringScanMaxMs.toFixed(1)} ms) during scans under load`);
  console.log(`  idle RSS after start    ${f.idleRssMiB} MiB (start → ready ${f.startToReadyMs} ms)`);
  console.log(JSON.stringify({ bench: "agent", ...figures }));
  if (f.metricsErrors > 0) exitCode = 1;
} catch (e) {
  console.error(`bench/agent.mjs: ${e.message}`);
  exitCode = 1;
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  await rm(work, { recursive: true, force: true });
}
process.exitCode = exitCode;
