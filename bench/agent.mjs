#!/usr/bin/env node
/**
 * Agent benchmark (issues 6, 13): `nodeward serve` on loopback, kubernetes-node profile,
 * scanning this host, started with the DaemonSet's node flags (its container `command`, the
 * systemd unit's too: --jitless --no-expose-wasm --max-semi-space-size=1), then once more
 * with V8's JIT for comparison. Printed, never asserted; medians of BENCH_RUNS runs:
 *   - samples and bytes per scrape (plain and gzip),
 *   - /metrics req/s, p50 and p99 with no scan running and while scans run back to back,
 *   - /healthz p99 while scans run,
 *   - a scan's duration alone and under /metrics load (inside the scan process, and from
 *     the API request to the finished result, which includes starting that process),
 *   - idle RSS of the agent after its first scan (and under the systemd unit's flags),
 *     and the scan process's peak RSS.
 * The load average is printed too: the machine is shared, so read figures with it.
 * Needs a build (dist/). Env: BENCH_DURATION (s per load run, default 5), BENCH_CONNECTIONS
 * (10), BENCH_RUNS (3), BENCH_PROFILE (kubernetes-node).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import autocannon from "autocannon";
import { parseAllDocuments } from "yaml";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLI = path.join(REPO, "dist/cli/main.js");
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PROFILE = process.env.BENCH_PROFILE ?? "kubernetes-node";
const TOKEN = "bench-token-0123456789abcdef";
/** The node flags of the DaemonSet's container command (between `node` and the program). */
const DAEMONSET_FLAGS = (() => {
  const docs = parseAllDocuments(readFileSync(path.join(REPO, "deploy/kubernetes/daemonset.yaml"), "utf8")).map((d) => d.toJS());
  const command = docs.find((d) => d?.kind === "DaemonSet")?.spec.template.spec.containers[0].command ?? [];
  // The command may start with a wrapper (nodeward-drop-root): the flags sit between `node` and the program.
  return command.slice(command.indexOf("node") + 1, -1);
})();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");

async function freePort() {
  for (let i = 0; i < 200; i++) {
    const port = 19500 + Math.floor(Math.random() * 500);
    const ok = await new Promise((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error("no free port in 19500-19999");
}

/** CPU time (user + system) of a process in ms, from /proc/PID/stat (clock ticks of 10 ms). */
function cpuMs(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
}

function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : NaN;
}

/** Start an agent with `nodeFlags` and NODE_OPTIONS; resolves once /readyz is 200 (after the start-up scan). */
async function startAgent(work, { nodeFlags = [], nodeOptions = "--max-semi-space-size=1", name = "agent" } = {}) {
  const port = await freePort();
  const dir = path.join(work, name);
  const cfg = path.join(work, `${name}.yaml`);
  await writeFile(
    cfg,
    [`listen: 127.0.0.1:${port}`, `stateDir: ${dir}`, `tokenFile: ${path.join(work, "token")}`, `profile: ${PROFILE}`, "schedule: '0 0 1 1 *'", "logLevel: debug", ""].join("\n"),
  );
  const out = [];
  const env = { ...process.env, NODE_OPTIONS: nodeOptions };
  const child = spawn(process.execPath, [...nodeFlags, CLI, "serve", "--config", cfg], { stdio: ["ignore", "ignore", "pipe"], env });
  child.stderr.on("data", (b) => out.push(b));
  const log = () => Buffer.concat(out).toString("utf8");
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  while (Date.now() - t0 < 60_000) {
    if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}):\n${log()}`);
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(50);
  }
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  };
  return { child, base, log, stop, readyMs: Date.now() - t0 };
}

/** Scan peaks the agent logged at debug level ("scan process: … peak RSS N MiB"). */
const childPeaks = (log) => [...log.matchAll(/peak RSS (\d+) MiB/g)].map((m) => Number(m[1]));

async function scanOnce(base) {
  const t = performance.now();
  const res = await fetch(`${base}/api/v1/scans`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
  const { id } = await res.json();
  for (;;) {
    const h = await (await fetch(`${base}/api/v1/scans?limit=1`)).json();
    if (h.running === null && h.scans[0]?.id === id) return { ...h.scans[0], wallMs: performance.now() - t };
    await sleep(5);
  }
}

/**
 * autocannon on `url` while scans run back to back (scanning=true) or none. `cpuUsPerReq`
 * is the agent's own CPU time per request: on a shared machine req/s is bounded by what
 * the other processes leave, this is not (1e6 / it = req/s one free core would serve).
 */
async function loadRun(agent, url, scanning) {
  const base = agent.base;
  let on = scanning;
  const scans = [];
  const loop = (async () => {
    while (on) scans.push(await scanOnce(base));
  })();
  if (scanning) await sleep(100);
  const cpu0 = cpuMs(agent.child.pid);
  const r = await autocannon({ url: `${base}${url}`, connections: CONNECTIONS, duration: DURATION, headers: { "accept-encoding": "gzip" } });
  const cpu = cpuMs(agent.child.pid) - cpu0;
  on = false;
  await loop;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, scans, cpuUsPerReq: (cpu * 1000) / Math.max(1, r.requests.total) };
}

const work = await mkdtemp(path.join(tmpdir(), "nodeward-bench-"));
await writeFile(path.join(work, "token"), `${TOKEN}\n`, { mode: 0o600 });
let exitCode = 0;
try {
  console.log(`nodeward agent bench: profile ${PROFILE}, ${CONNECTIONS} connections, ${DURATION} s per run, median of ${RUNS}; node flags ${DAEMONSET_FLAGS.join(" ")} (the DaemonSet's); load average before: ${load()}`);

  // --- the agent as the DaemonSet runs it -------------------------------------------------
  const a = await startAgent(work, { nodeFlags: DAEMONSET_FLAGS, nodeOptions: "" });
  try {
    await sleep(2000);
    // Exposition size.
    const plain = await fetch(`${a.base}/metrics`);
    const text = await plain.text();
    const samples = text.split("\n").filter((l) => l !== "" && !l.startsWith("#")).length;
    const plainBytes = Buffer.byteLength(text);
    // fetch() would decompress: node:http shows the bytes on the wire.
    const { get } = await import("node:http");
    const gzBytes = await new Promise((resolve, reject) => {
      get(`${a.base}/metrics`, { headers: { "accept-encoding": "gzip" } }, (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          if (res.headers["content-encoding"] !== "gzip" || !gunzipSync(body).toString().startsWith("# HELP")) reject(new Error("/metrics did not answer gzip"));
          else resolve(body.length);
        });
      }).on("error", reject);
    });
    const series = (prefix) => text.split("\n").filter((l) => l.startsWith(prefix)).length;

    // Idle RSS after the first scan: sampled over 3 s, median.
    const rss = [];
    for (let i = 0; i < 6; i++) {
      rss.push(rssKiB(a.child.pid));
      await sleep(500);
    }
    const idleRss = median(rss) / 1024;

    // Scans alone (no HTTP load).
    const quiet = [];
    for (let i = 0; i < RUNS; i++) quiet.push(await scanOnce(a.base));

    const idle = [];
    const during = [];
    const health = [];
    for (let i = 0; i < RUNS; i++) {
      idle.push(await loadRun(a, "/metrics", false));
      during.push(await loadRun(a, "/metrics", true));
      health.push(await loadRun(a, "/healthz", true));
    }
    const afterRss = rssKiB(a.child.pid) / 1024;
    const m = (runs, k) => median(runs.map((r) => r[k]));
    const underLoad = [...during, ...health].flatMap((r) => r.scans);
    const errors = [...idle, ...during, ...health].reduce((n, r) => n + r.errors, 0);
    const peaks = childPeaks(a.log());
    const f = {
      samplesPerScrape: samples,
      checkSeries: series("nodeward_check_status{") + series("nodeward_check_result{"),
      bytesPerScrape: plainBytes,
      gzipBytesPerScrape: gzBytes,
      metricsIdle: { rps: Math.round(m(idle, "rps")), p50Ms: m(idle, "p50"), p99Ms: m(idle, "p99"), cpuUsPerReq: Math.round(m(idle, "cpuUsPerReq")) },
      metricsDuringScans: { rps: Math.round(m(during, "rps")), p50Ms: m(during, "p50"), p99Ms: m(during, "p99"), cpuUsPerReq: Math.round(m(during, "cpuUsPerReq")), scans: during.reduce((n, r) => n + r.scans.length, 0) },
      healthzDuringScans: { rps: Math.round(m(health, "rps")), p50Ms: m(health, "p50"), p99Ms: m(health, "p99"), cpuUsPerReq: Math.round(m(health, "cpuUsPerReq")) },
      scanAlone: { scanMs: Math.round(median(quiet.map((s) => s.durationMs))), wallMs: Math.round(median(quiet.map((s) => s.wallMs))) },
      scanUnderLoad: { scanMs: Math.round(median(underLoad.map((s) => s.durationMs))), wallMs: Math.round(median(underLoad.map((s) => s.wallMs))), n: underLoad.length },
      eventLoopDelayDuringScansP99Ms: median(underLoad.map((s) => s.eventLoopDelayMs?.p99 ?? NaN)),
      idleRssMiB: +idleRss.toFixed(1),
      rssAfterLoadMiB: +afterRss.toFixed(1),
      scanProcessPeakRssMiB: median(peaks),
      httpErrors: errors,
      startToReadyMs: a.readyMs,
      startupNoiseLines: a.log().split("\n").filter((l) => /expose_wasm|Warning|DEP\d/.test(l)).length,
    };
    console.log(`  samples per scrape          ${f.samplesPerScrape} (${f.checkSeries} per-check series)`);
    console.log(`  bytes per scrape            ${f.bytesPerScrape} plain, ${f.gzipBytesPerScrape} gzip`);
    console.log(
      `  /metrics, no scan           ${f.metricsIdle.rps} req/s, p50 ${f.metricsIdle.p50Ms} ms, p99 ${f.metricsIdle.p99Ms} ms; ` +
        `${f.metricsIdle.cpuUsPerReq} µs agent CPU per request (≈ ${Math.round(1e6 / f.metricsIdle.cpuUsPerReq)} req/s on one free core)`,
    );
    // While scans run the agent's CPU also takes each scan in (receiving the report, drift's plan, the state file): shared over the requests.
    console.log(
      `  /metrics, scans running     ${f.metricsDuringScans.rps} req/s, p50 ${f.metricsDuringScans.p50Ms} ms, p99 ${f.metricsDuringScans.p99Ms} ms (${f.metricsDuringScans.scans} scans); ` +
        `${f.metricsDuringScans.cpuUsPerReq} µs agent CPU per request, taking the scans in included`,
    );
    console.log(`  /healthz, scans running     ${f.healthzDuringScans.rps} req/s, p50 ${f.healthzDuringScans.p50Ms} ms, p99 ${f.healthzDuringScans.p99Ms} ms; ${f.healthzDuringScans.cpuUsPerReq} µs agent CPU per request`);
    console.log(`  scan alone                  ${f.scanAlone.scanMs} ms in the scan process, ${f.scanAlone.wallMs} ms request → result`);
    console.log(`  scan under scrape load      ${f.scanUnderLoad.scanMs} ms in the scan process, ${f.scanUnderLoad.wallMs} ms request → result (${f.scanUnderLoad.n} scans)`);
    console.log(`  HTTP event-loop delay p99   ${f.eventLoopDelayDuringScansP99Ms?.toFixed?.(1)} ms while scans ran`);
    console.log(`  idle RSS after first scan   ${f.idleRssMiB} MiB (${f.rssAfterLoadMiB} MiB after the load runs); scan process peak ${f.scanProcessPeakRssMiB} MiB`);
    console.log(`  errors                      ${f.httpErrors}; start-up noise lines ${f.startupNoiseLines}`);
    console.log(JSON.stringify({ bench: "agent", profile: PROFILE, connections: CONNECTIONS, durationS: DURATION, runs: RUNS, load: load(), ...f }));
    if (f.httpErrors > 0) exitCode = 1;
  } finally {
    await a.stop();
  }

  // --- the same with V8's JIT (no --jitless), for the trade-off ------------------------------
  const s = await startAgent(work, { name: "jit", nodeOptions: "--max-semi-space-size=1" });
  try {
    await sleep(2000);
    const rss = [];
    for (let i = 0; i < 6; i++) {
      rss.push(rssKiB(s.child.pid));
      await sleep(500);
    }
    const noise = s.log().split("\n").filter((l) => /expose_wasm|Warning|DEP\d/.test(l));
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await loadRun(s, "/metrics", false));
    console.log(
      `  with V8's JIT               idle RSS ${(median(rss) / 1024).toFixed(1)} MiB after first scan; /metrics ${Math.round(median(runs.map((r) => r.rps)))} req/s, ` +
        `p99 ${median(runs.map((r) => r.p99))} ms, ${Math.round(median(runs.map((r) => r.cpuUsPerReq)))} µs CPU per request; start-up noise lines: ${noise.length}`,
    );
  } finally {
    await s.stop();
  }
  console.log(`  load average after          ${load()}`);
} catch (e) {
  console.error(`bench/agent.mjs: ${e.stack ?? e.message}`);
  exitCode = 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
process.exitCode = exitCode;
