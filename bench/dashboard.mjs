#!/usr/bin/env node
/**
 * Dashboard benchmark (issue 18): `nodeward serve` on loopback with the DaemonSet's node
 * flags, a full scan of this host (every bundled pack, no profile: the biggest report the
 * agent holds), drift off so the report stays the same for the whole run. Printed, never
 * asserted:
 *   - bytes of the overview (/ui; target ≤ 150 KB), the errors page, the page of the failing
 *     check with the longest fix preview, and the one-file HTML report for comparison;
 *     how many failing checks have a fix preview;
 *   - cold renders: the overview asked with BENCH_UI_COLD distinct filters that all show the
 *     default list (so each misses the page cache), one at a time: p50, p95, max;
 *   - the overview under BENCH_UI_DURATION s (default 30) of load from BENCH_UI_CONNECTIONS
 *     (default 1) clients accepting gzip as browsers do with /metrics scraped once a second meanwhile (as Prometheus
 *     does): req/s, p50, p95 (target ≤ 30 ms), p99; the scrapes' p50, p95, max;
 *   - /metrics under the fleet issue's load (autocannon -c 10, BENCH_METRICS_DURATION s,
 *     default 10) alone and while one client loads /ui: req/s and p99 (targets ≥ 5,000 req/s,
 *     p99 ≤ 10 ms);
 *   - the agent's RSS before and after, and its CPU time per /ui request.
 * The load average is printed too: the machine is shared, so read figures with it.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { parseAllDocuments } from "yaml";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLI = path.join(REPO, "dist/cli/main.js");
const DURATION = Number(process.env.BENCH_UI_DURATION ?? 30);
const CONNECTIONS = Number(process.env.BENCH_UI_CONNECTIONS ?? 1);
const METRICS_DURATION = Number(process.env.BENCH_METRICS_DURATION ?? 10);
const COLD = Math.min(120, Number(process.env.BENCH_UI_COLD ?? 120));
const TOKEN = "bench-token-0123456789abcdef";
const DAEMONSET_FLAGS = (() => {
  const docs = parseAllDocuments(readFileSync(path.join(REPO, "deploy/kubernetes/daemonset.yaml"), "utf8")).map((d) => d.toJS());
  const command = docs.find((d) => d?.kind === "DaemonSet")?.spec.template.spec.containers[0].command ?? [];
  return command.slice(1, -1);
})();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sorted = (xs) => [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
const pct = (xs, p) => {
  const s = sorted(xs);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
};
const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const ms = (x) => `${x.toFixed(1)} ms`;
const met = (ok) => (ok ? "met" : "NOT met");

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

const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) * 10;
};

/** One GET: milliseconds to the last byte, and the body's size. */
async function timed(url) {
  const t = performance.now();
  const res = await fetch(url);
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t, bytes: body.byteLength, status: res.status, text: () => Buffer.from(body).toString("utf8") };
}

/** Every ordering of the five severities: filters that show the default list, each its own cache entry. */
function severityOrders() {
  const out = [];
  const perm = (rest, acc) => {
    if (rest.length === 0) return void out.push(acc);
    for (const [i, s] of rest.entries()) perm([...rest.slice(0, i), ...rest.slice(i + 1)], [...acc, s]);
  };
  perm(["critical", "high", "medium", "low", "info"], []);
  return out;
}

const work = await mkdtemp(path.join(tmpdir(), "nodeward-bench-ui-"));
let child;
try {
  await writeFile(path.join(work, "token"), `${TOKEN}\n`, { mode: 0o600 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const cfg = path.join(work, "agent.yaml");
  await writeFile(cfg, [`listen: 127.0.0.1:${port}`, `stateDir: ${path.join(work, "state")}`, `tokenFile: ${path.join(work, "token")}`, "schedule: '0 0 1 1 *'", "drift: { enabled: false }", ""].join("\n"));
  const out = [];
  child = spawn(process.execPath, [...DAEMONSET_FLAGS, CLI, "serve", "--config", cfg], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NODE_OPTIONS: "" } });
  child.stderr.on("data", (b) => out.push(b));
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}):\n${Buffer.concat(out).toString("utf8")}`);
    if (Date.now() - t0 > 180_000) throw new Error("agent not ready after 180 s");
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await sleep(100);
  }
  console.log(`dashboard bench: full scan of this host (every bundled pack), node flags ${DAEMONSET_FLAGS.join(" ")}; load average ${load()}`);
  await sleep(2000);
  const rssBefore = rssKiB(child.pid) / 1024;

  // --- sizes ----------------------------------------------------------------------------------
  const latest = await (await fetch(`${base}/api/v1/scans/latest`)).json();
  const overview = await timed(`${base}/ui`);
  const errors = await timed(`${base}/ui/errors`);
  // fetch() decompresses: node:http shows the bytes on the wire.
  const { get } = await import("node:http");
  const gzBytes = await new Promise((resolve, reject) => {
    get(`${base}/ui`, { headers: { "accept-encoding": "gzip" } }, (res) => {
      let n = 0;
      res.on("data", (c) => (n += c.length));
      res.on("end", () => (res.headers["content-encoding"] === "gzip" ? resolve(n) : reject(new Error("/ui did not answer gzip"))));
    }).on("error", reject);
  });
  const report = await timed(`${base}/api/v1/scans/latest?format=html`);
  const failing = latest.results.filter((r) => r.status === "fail");
  let withPreview = 0;
  let biggest = { bytes: 0, key: "" };
  for (const r of failing) {
    const p = await timed(`${base}/ui/checks/${encodeURIComponent(r.pack)}/${encodeURIComponent(r.id)}`);
    if (p.text().includes('<pre class="diff"')) withPreview++;
    if (p.bytes > biggest.bytes) biggest = { bytes: p.bytes, key: `${r.pack}/${r.id}` };
  }
  const s = latest.summary;
  console.log(`report: ${latest.results.length} checks (${s.fail} fail, ${s.error} error, ${s.manual} manual, ${s.skip} skip, ${s.pass} pass); ${withPreview} of ${failing.length} failing checks show a fix preview`);
  console.log(`overview ${kb(overview.bytes)} (target ≤ 150 KB: ${met(overview.bytes <= 150 * 1024)}; ${kb(gzBytes)} gzipped on the wire); errors page ${kb(errors.bytes)}; largest check page ${kb(biggest.bytes)} (${biggest.key}); one-file HTML report ${kb(report.bytes)}`);

  // --- cold renders ---------------------------------------------------------------------------
  await sleep(1100);
  const orders = severityOrders().slice(0, COLD);
  const cold = [];
  for (const o of orders) cold.push((await timed(`${base}/ui?severity=${o.join(",")}`)).ms);
  console.log(`cold overview renders (each a page-cache miss, one at a time, ${cold.length}): p50 ${ms(pct(cold, 50))}, p95 ${ms(pct(cold, 95))}, max ${ms(pct(cold, 100))}`);

  // --- the overview under load, /metrics scraped each second ----------------------------------
  let scraping = true;
  const scrapes = [];
  const scraper = (async () => {
    while (scraping) {
      scrapes.push((await timed(`${base}/metrics`)).ms);
      await sleep(1000);
    }
  })();
  const cpu0 = cpuMs(child.pid);
  const uiTimes = [];
  // As a browser asks: gzip accepted.
  const uiRun = autocannon({ url: `${base}/ui`, connections: CONNECTIONS, duration: DURATION, headers: { "accept-encoding": "gzip, deflate, br" } });
  uiRun.on("response", (_client, _status, _bytes, responseTime) => uiTimes.push(responseTime));
  const ui = await uiRun;
  const cpuUi = cpuMs(child.pid) - cpu0;
  scraping = false;
  await scraper;
  const p95 = pct(uiTimes, 95);
  console.log(
    `/ui under load (${CONNECTIONS} client(s), ${DURATION} s): ${ui.requests.average.toFixed(0)} req/s, p50 ${ms(pct(uiTimes, 50))}, p95 ${ms(p95)}, p99 ${ms(pct(uiTimes, 99))}, max ${ms(pct(uiTimes, 100))}` +
      `; errors ${ui.errors + ui.non2xx}; agent CPU ${((cpuUi * 1000) / Math.max(1, ui.requests.total)).toFixed(0)} µs/request`,
  );
  console.log(`  render p95 target ≤ 30 ms: ${met(p95 <= 30)}`);
  console.log(`  /metrics scraped once a second meanwhile (${scrapes.length}): p50 ${ms(pct(scrapes, 50))}, p95 ${ms(pct(scrapes, 95))}, max ${ms(pct(scrapes, 100))}`);

  // --- /metrics at the fleet issue's load, alone and with /ui loaded --------------------------
  const metricsRun = () => autocannon({ url: `${base}/metrics`, connections: 10, duration: METRICS_DURATION, headers: { "accept-encoding": "gzip" } });
  const alone = await metricsRun();
  const uiBg = autocannon({ url: `${base}/ui`, connections: 1, duration: METRICS_DURATION, headers: { "accept-encoding": "gzip, deflate, br" } });
  const withUi = await metricsRun();
  const bg = await uiBg;
  const line = (name, r) => `${name}: ${r.requests.average.toFixed(0)} req/s, p50 ${ms(r.latency.p50)}, p99 ${ms(r.latency.p99)} (targets ≥ 5,000 req/s: ${met(r.requests.average >= 5000)}; p99 ≤ 10 ms: ${met(r.latency.p99 <= 10)})`;
  console.log(line(`/metrics -c 10, ${METRICS_DURATION} s, alone`, alone));
  console.log(line(`/metrics -c 10, ${METRICS_DURATION} s, /ui loaded by 1 client (${bg.requests.average.toFixed(0)} req/s, p99 ${ms(bg.latency.p99)})`, withUi));
  console.log(`agent RSS: ${rssBefore.toFixed(1)} MiB idle after the scan, ${(rssKiB(child.pid) / 1024).toFixed(1)} MiB after the load; load average ${load()}`);
} finally {
  if (child && child.exitCode === null) {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  }
  await rm(work, { recursive: true, force: true });
}
