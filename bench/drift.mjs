#!/usr/bin/env node
/**
 * Drift bench (issue 16). Printed, never asserted; the machine is shared, so read the
 * figures with the load average printed beside them.
 *   1. Latency: `nodeward serve` with drift on watches a small Debian-like root built here
 *      (bundled packs, this machine's procfs); each change kind flips a check and back,
 *      BENCH_DRIFT_REPEAT times (default 25); /metrics is polled every 10 ms until the sum
 *      of nodeward_check_status moves. p50 / p95 / max per kind; the first re-check (it
 *      forks the re-check process) is shown apart. The agent's own histogram
 *      (nodeward_drift_detection_seconds, from the file's ctime) is printed beside.
 *   2. The first change after idle: the same root and agent with `recheckIdleMs: 1000`, so
 *      the re-check process has exited before each change (BENCH_DRIFT_COLD times, default 8):
 *      change → gauge flipped, and where the time went (the event's stages from
 *      GET /api/v1/events: wait/debounce, Node's start, pack load, checks, merge).
 *   3. Idle cost: the agent on this host (`/`, kubernetes-node profile) with drift on and
 *      with --no-drift, side by side, BENCH_DRIFT_IDLE_S seconds (default 60; the issue's
 *      acceptance: 600) after their first scan: CPU (agent and its children) as % of one
 *      core, RSS, V8's heap in use, inotify watches and directories.
 *      As root, each agent runs alone in a private network and PID namespace (a quiet node:
 *      other users' listeners and processes on a shared host would trigger re-checks).
 *      BENCH_DRIFT_GATE_AB=1 adds drift on with the socket tables read every poll
 *      (`listenerFullReadMs: 0`), to weigh the socket-count gate.
 *   4. RSS over re-checks: the agent of section 1, BENCH_DRIFT_RSS_N changes (default 30), each
 *      waited for and followed by 3 s without requests (a node between scrapes): the agent's
 *      RSS before, over the run and after, and its full collections (V8's --trace-gc: the
 *      ones the agent asks for after a scan or a merged re-check, "testing" in V8's words)
 *      with their pauses.
 *   5. One poll round (bench/drift-poll.mjs, in a process of its own with the shipped node
 *      flags): the kubernetes-node plan of this host, allocation (young generation + external)
 *      and CPU per round, and per poll kind.
 * BENCH_DRIFT_ONLY=latency|cold|idle|rss|poll runs one section.
 * Needs a build (dist/).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { request } from "node:http";
import { copyFileSync, existsSync, readFileSync, readdirSync } from "node:fs";
import { appendFile, chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** DRIFT_DIST=<dir>: the agents of another build (an A/B beside this one). */
const CLI = path.join(path.resolve(process.env.DRIFT_DIST ?? path.join(REPO, "dist")), "cli/main.js");
const REPEAT = Number(process.env.BENCH_DRIFT_REPEAT ?? 25);
const IDLE_S = Number(process.env.BENCH_DRIFT_IDLE_S ?? 60);
const COLD = Number(process.env.BENCH_DRIFT_COLD ?? 8);
const RSS_N = Number(process.env.BENCH_DRIFT_RSS_N ?? 30);
/**
 * Node flags of the agents (their children inherit them): by default the systemd unit's and
 * the DaemonSet's, so that what is measured is what ships. Without --jitless V8 optimises
 * the polls' hot functions on background threads, whose malloc arenas kept +3.7 MiB of RSS
 * over a --no-drift agent (with it: +0.5); the bundles' code cache is made for this set too.
 */
const NODE_FLAGS = (process.env.BENCH_DRIFT_NODE_FLAGS ?? "--jitless --no-expose-wasm --max-semi-space-size=1").split(/\s+/).filter(Boolean);
/** One section only: latency, cold or idle (all by default). */
const ONLY = process.env.BENCH_DRIFT_ONLY;
const TICK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((x) => x.toFixed(1)).join(" ");
const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
};

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

async function startAgent(work, name, lines, args = [], { traceGc = false } = {}) {
  const port = await freePort();
  const cfg = path.join(work, `${name}.yaml`);
  await writeFile(cfg, [`listen: 127.0.0.1:${port}`, `stateDir: ${path.join(work, name)}`, `tokenFile: ${path.join(work, "none")}`, "schedule: '0 0 1 1 *'", ...lines, ""].join("\n"));
  const out = [];
  // --trace-gc is refused in NODE_OPTIONS: on the command line.
  const child = spawn(process.execPath, [...NODE_FLAGS, ...(traceGc ? ["--trace-gc"] : []), CLI, "serve", "--config", cfg, ...args], {
    stdio: ["ignore", traceGc ? "pipe" : "ignore", "pipe"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  child.stderr.on("data", (b) => out.push(b));
  // --trace-gc: V8's line per collection on stdout.
  const gcLines = [];
  let partial = "";
  child.stdout?.on("data", (b) => {
    const lines = (partial + b.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) if (l.includes("Mark-Compact")) gcLines.push(l);
  });
  const log = () => Buffer.concat(out).toString("utf8");
  const base = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}):\n${log()}`);
    const ok = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() - t0 > 120_000) throw new Error(`agent not ready after 120 s:\n${log()}`);
    await sleep(50);
  }
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
  };
  return { child, base, log, stop, gcLines };
}

/** Full collections from --trace-gc lines: the pause (ms) and whether the program asked for it ("testing"). */
const fullGcs = (lines) =>
  lines.map((l) => ({ ms: Number(/MB, ([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1] ?? NaN), asked: /\btesting\b/.test(l) }));

const metrics = async (base) => (await fetch(`${base}/metrics`)).text();
const sample = (text, name) => {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
};
const passing = (text) => text.split("\n").filter((l) => l.startsWith("nodeward_check_status{")).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);

/** pid and its descendants' CPU ticks (utime + stime) and the pid's RSS (KiB). */
function cpuTicks(pid) {
  let ticks = 0;
  const walk = (p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) walk(c);
      }
    } catch {
      /* gone */
    }
  };
  walk(pid);
  return ticks;
}
const rssKiB = (pid) => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
/** RSS split: anonymous (heap, malloc, stacks) and file-backed (the node binary's pages, mapped files), MiB. */
const rssSplit = (pid) => {
  const st = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, "m").exec(st)?.[1] ?? NaN);
  return { anon: kib("RssAnon") / 1024, file: kib("RssFile") / 1024 };
};

/** A small Debian-like root: accounts, sshd, sysctl.d, modprobe.d, dpkg status and os-release of this machine (no secrets). */
async function buildRoot(root) {
  const w = async (rel, text, mode = 0o644) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text, { mode });
    await chmod(path.join(root, rel), mode);
  };
  await w("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
  await w("etc/group", "root:x:0:\nshadow:x:42:\nnogroup:x:65534:\n");
  await w("etc/shadow", "root:*:19000:1:90:7:::\nnobody:*:19000:0:99999:7:::\n", 0o640);
  await w("etc/gshadow", "root:*::\nshadow:*::\n", 0o640);
  await w("etc/ssh/sshd_config", "PermitRootLogin no\nPermitEmptyPasswords no\nMaxAuthTries 4\n", 0o600);
  await w("etc/sysctl.d/90-hardening.conf", "net.ipv4.conf.all.send_redirects = 0\n");
  await w("etc/modprobe.d/cramfs.conf", "install cramfs /bin/false\nblacklist cramfs\n");
  await mkdir(path.join(root, "var/lib/dpkg"), { recursive: true });
  if (existsSync("/var/lib/dpkg/status")) copyFileSync("/var/lib/dpkg/status", path.join(root, "var/lib/dpkg/status"));
  if (existsSync("/etc/os-release")) await w("etc/os-release", readFileSync("/etc/os-release", "utf8"));
}

const work = await mkdtemp(path.join(tmpdir(), "nodeward-bench-drift-"));
process.on("exit", () => execFileSync("rm", ["-rf", work]));
console.log(`nodeward drift bench: agents run with node ${NODE_FLAGS.join(" ")} (BENCH_DRIFT_NODE_FLAGS); load average before: ${load()}`);

/** Change, then poll /metrics every 10 ms until the passing count moves: milliseconds, or undefined after 5 s. */
async function flip(base, change) {
  const before = passing(await metrics(base));
  const t0 = performance.now();
  await change();
  for (;;) {
    if (passing(await metrics(base)) !== before) return performance.now() - t0;
    if (performance.now() - t0 > 5000) return undefined;
    await sleep(10);
  }
}

/** The agent's children (the re-check process, a scan). */
const children = (pid) => readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/).filter(Boolean));

const root = path.join(work, "root");
await buildRoot(root);

// --- 1. latency ------------------------------------------------------------------------------
if (!ONLY || ONLY === "latency") {
  const a = await startAgent(work, "latency", [`root: ${root}`, "proc: /proc", "benchmarks: [cis-debian-12]"]);
  try {
    for (let t0 = Date.now(); sample(await metrics(a.base), "nodeward_drift_inotify_watches") === 0 && Date.now() - t0 < 10_000; ) await sleep(50);
    const f = (rel) => path.join(root, rel);
    const sedRoot = (from, to) => () => new Promise((res, rej) => spawn("sed", ["-i", `s/^${from}$/${to}/`, f("etc/ssh/sshd_config")]).once("exit", (c) => (c === 0 ? res() : rej(new Error(`sed ${c}`)))));
    const kinds = [
      { name: "chmod /etc/passwd", bad: () => chmod(f("etc/passwd"), 0o666), good: () => chmod(f("etc/passwd"), 0o644) },
      { name: "chmod /etc/shadow", bad: () => chmod(f("etc/shadow"), 0o666), good: () => chmod(f("etc/shadow"), 0o640) },
      { name: "sed -i sshd_config", bad: sedRoot("PermitRootLogin no", "PermitRootLogin yes"), good: sedRoot("PermitRootLogin yes", "PermitRootLogin no") },
      { name: "append sysctl.d", bad: () => appendFile(f("etc/sysctl.d/90-hardening.conf"), "net.ipv4.conf.all.send_redirects = 1\n"), good: () => writeFile(f("etc/sysctl.d/90-hardening.conf"), "net.ipv4.conf.all.send_redirects = 0\n") },
      { name: "rm modprobe.d drop-in", bad: () => rm(f("etc/modprobe.d/cramfs.conf")), good: () => writeFile(f("etc/modprobe.d/cramfs.conf"), "install cramfs /bin/false\nblacklist cramfs\n") },
    ];
    const all = [];
    let first;
    for (const k of kinds) {
      const ms = [];
      let missed = 0;
      for (let i = 0; i < REPEAT; i++) {
        for (const change of [k.bad, k.good]) {
          const t = await flip(a.base, change);
          if (t === undefined) missed++;
          else if (first === undefined) first = t;
          else ms.push(t);
        }
        if (missed === 2 && ms.length === 0) break; // this change flips no check on this root
      }
      if (ms.length === 0) {
        console.log(`${k.name.padEnd(24)} flips no check here`);
        continue;
      }
      for (const x of ms) all.push(x);
      console.log(`${k.name.padEnd(24)} n=${String(ms.length).padStart(3)}  p50 ${q(ms, 0.5).toFixed(0).padStart(4)} ms  p95 ${q(ms, 0.95).toFixed(0).padStart(4)} ms  max ${Math.max(...ms).toFixed(0).padStart(5)} ms  missed ${missed}`);
    }
    console.log(`${"all (warm)".padEnd(24)} n=${String(all.length).padStart(3)}  p50 ${q(all, 0.5).toFixed(0).padStart(4)} ms  p95 ${q(all, 0.95).toFixed(0).padStart(4)} ms  max ${Math.max(...all).toFixed(0).padStart(5)} ms`);
    console.log(`first re-check (forks the re-check process): ${first?.toFixed(0)} ms`);
    const m = await metrics(a.base);
    const sum = sample(m, 'nodeward_drift_detection_seconds_sum{source="watch"}');
    const count = sample(m, 'nodeward_drift_detection_seconds_count{source="watch"}');
    console.log(`agent's histogram (source=watch): ${count} re-checks, mean ${((sum / count) * 1000).toFixed(0)} ms from the file's ctime; load average after: ${load()}`);
  } finally {
    await a.stop();
  }
}

// --- 2. the first change after idle ------------------------------------------------------------
if (!ONLY || ONLY === "cold") {
  const a = await startAgent(work, "cold", [`root: ${root}`, "proc: /proc", "benchmarks: [cis-debian-12]", "drift: { recheckIdleMs: 1000 }"]);
  try {
    for (let t0 = Date.now(); sample(await metrics(a.base), "nodeward_drift_inotify_watches") === 0 && Date.now() - t0 < 10_000; ) await sleep(50);
    const passwd = path.join(root, "etc/passwd");
    const ms = [];
    const stages = [];
    let missed = 0;
    for (let i = 0; i < COLD; i++) {
      // Idle: no re-check process (it exits 1 s after its last re-check), and 2 s more.
      for (let t0 = Date.now(); children(a.child.pid).length > 0 && Date.now() - t0 < 30_000; ) await sleep(100);
      await sleep(2000);
      const t = await flip(a.base, () => chmod(passwd, i % 2 === 0 ? 0o666 : 0o644));
      if (t === undefined) {
        missed++;
        continue;
      }
      ms.push(t);
      const ev = (await (await fetch(`${a.base}/api/v1/events?limit=1`)).json()).events[0];
      if (ev?.stages) stages.push(ev.stages);
    }
    const med = (k) => q(stages.map((s) => s[k] ?? 0), 0.5).toFixed(0);
    console.log(
      `${"first change after idle".padEnd(24)} n=${String(ms.length).padStart(3)}  p50 ${q(ms, 0.5).toFixed(0).padStart(4)} ms  p95 ${q(ms, 0.95).toFixed(0).padStart(4)} ms  max ${Math.max(...ms).toFixed(0).padStart(5)} ms  missed ${missed}`,
    );
    console.log(
      `  stages (agent's, p50 ms): change→seen ${med("seenMs")}, seen→re-check asked ${med("waitMs")}, asked→merged ${med("recheckMs")} ` +
        `[process start ${med("startMs")}, packs ${med("loadMs")}, checks ${med("checkMs")}, round trip ${med("roundTripMs")}, merge ${med("mergeMs")}]; load average: ${load()}`,
    );
  } finally {
    await a.stop();
  }
}

// --- 4. RSS over re-checks -----------------------------------------------------------------------
if (!ONLY || ONLY === "rss") {
  const a = await startAgent(work, "rss", [`root: ${root}`, "proc: /proc", "benchmarks: [cis-debian-12]"], [], { traceGc: true });
  try {
    for (let t0 = Date.now(); sample(await metrics(a.base), "nodeward_drift_inotify_watches") === 0 && Date.now() - t0 < 10_000; ) await sleep(50);
    // The first scan's collection runs after 1 s without requests.
    await sleep(3000);
    const mib = () => rssKiB(a.child.pid) / 1024;
    const before = mib();
    const gcBefore = a.gcLines.length;
    const passwd = path.join(root, "etc/passwd");
    const samples = [];
    let missed = 0;
    for (let i = 0; i < RSS_N; i++) {
      if ((await flip(a.base, () => chmod(passwd, i % 2 === 0 ? 0o666 : 0o644))) === undefined) missed++;
      await sleep(3000);
      samples.push(mib());
    }
    const gcs = fullGcs(a.gcLines.slice(gcBefore));
    const asked = gcs.filter((g) => g.asked).map((g) => g.ms);
    const other = gcs.filter((g) => !g.asked).map((g) => g.ms);
    console.log(
      `RSS over ${RSS_N} re-checks (3 s apart, missed ${missed}): before ${before.toFixed(1)} MiB, median ${q(samples, 0.5).toFixed(1)}, max ${Math.max(...samples).toFixed(1)}, after ${samples.at(-1)?.toFixed(1)} MiB; ` +
        `full GCs asked for ${asked.length} (pause p50 ${q(asked, 0.5).toFixed(1)} ms, max ${asked.length ? Math.max(...asked).toFixed(1) : "-"}), V8's own ${other.length}` +
        (other.length ? ` (p50 ${q(other, 0.5).toFixed(1)} ms)` : "") +
        `; load average: ${load()}`,
    );
  } finally {
    await a.stop();
  }
}

// --- 3. idle cost ------------------------------------------------------------------------------
/**
 * As root (with unshare and nsenter), each agent is PID 1 of a private network and PID
 * namespace (`unshare -n -p -f --mount-proc`): the socket tables and process table it polls
 * are its own, so other users' listeners and processes on a shared host do not trigger
 * re-checks. Its port is reached through a Unix-socket proxy started in that network.
 * Otherwise the agents run on this host as they are (re-checks then show in the line).
 */
const quiet = process.getuid?.() === 0 && ["unshare", "nsenter", "ip"].every((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);

function unixGet(sock, urlPath) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, path: urlPath, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}

/** An agent alone in a network and PID namespace: { pid (on this side), metrics(), stop() }. */
async function startQuietAgent(name, lines, args) {
  const port = 19850;
  const cfg = path.join(work, `${name}.yaml`);
  await writeFile(cfg, [`listen: 127.0.0.1:${port}`, `stateDir: ${path.join(work, name)}`, `tokenFile: ${path.join(work, "none")}`, "schedule: '0 0 1 1 *'", ...lines, ""].join("\n"));
  const script = `ip link set lo up && exec ${JSON.stringify(process.execPath)} ${NODE_FLAGS.join(" ")} ${JSON.stringify(CLI)} serve --config ${JSON.stringify(cfg)} ${args.join(" ")}`;
  const out = [];
  const unshare = spawn("unshare", ["-n", "-p", "-f", "--kill-child", "--mount-proc", "sh", "-c", script], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  unshare.stderr.on("data", (b) => out.push(b));
  const log = () => Buffer.concat(out).toString("utf8");
  let pid = 0;
  for (let t0 = Date.now(); !pid; await sleep(50)) {
    if (unshare.exitCode !== null || Date.now() - t0 > 10_000) throw new Error(`unshare: no agent:\n${log()}`);
    pid = Number(readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, "utf8").trim().split(/\s+/)[0] || 0);
  }
  const sock = path.join(work, `${name}.sock`);
  const proxySrc = `const net=require("net");net.createServer((c)=>{const u=net.connect(${port},"127.0.0.1");c.pipe(u).pipe(c);u.on("error",()=>c.destroy());c.on("error",()=>u.destroy())}).listen(${JSON.stringify(sock)})`;
  const proxy = spawn("nsenter", ["-t", String(pid), "-n", process.execPath, "-e", proxySrc], { stdio: "ignore" });
  for (let t0 = Date.now(); ; await sleep(100)) {
    if (unshare.exitCode !== null) throw new Error(`agent exited (${unshare.exitCode}):\n${log()}`);
    if (await unixGet(sock, "/readyz").then((r) => r.status === 200, () => false)) break;
    if (Date.now() - t0 > 180_000) throw new Error(`agent not ready after 180 s:\n${log()}`);
  }
  const stop = async () => {
    proxy.kill("SIGKILL");
    process.kill(pid, "SIGTERM");
    const exited = new Promise((r) => (unshare.exitCode !== null ? r() : unshare.once("exit", r)));
    const kill = setTimeout(() => unshare.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(kill);
  };
  const events = async () => JSON.parse((await unixGet(sock, "/api/v1/events?limit=200")).body).events ?? [];
  return { pid, metrics: async () => (await unixGet(sock, "/metrics")).body, events, stop };
}

async function idleAgent(name, args, extra = []) {
  const lines = ["profile: kubernetes-node", ...extra];
  if (quiet) return startQuietAgent(name, lines, args);
  const a = await startAgent(work, name, lines, args);
  return { pid: a.child.pid, metrics: () => metrics(a.base), stop: a.stop };
}

/** CPU ticks of the process alone (utime + stime). */
function ownTicks(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return NaN;
  }
}

const rechecksOf = (m) => ["watch", "poll", "sweep"].reduce((n, s) => n + (sample(m, `nodeward_drift_rechecks_total{source="${s}"}`) || 0), 0);

// BENCH_DRIFT_GATE_AB=1: also drift on with the socket tables read every poll (listenerFullReadMs 0).
const IDLE_AGENTS = [
  ["drift on", [], []],
  ...(process.env.BENCH_DRIFT_GATE_AB ? [["drift on, tables every poll", [], ["drift: { listenerFullReadMs: 0 }"]]] : []),
  ["drift off", ["--no-drift"], []],
];
if (!ONLY || ONLY === "idle") console.log(quiet ? "idle: each agent alone in a private network and PID namespace (its own sockets and processes), on this host's /" : "idle: agents on this host as it is (not root: no private namespaces)");
// The agents run side by side (the same load, the same files changing under them) and are
// scraped alike every 5 s, as Prometheus would: RSS, V8's heap in use (from /metrics) and the
// re-checks so far. RSS moves with V8's collections: the median and the largest are shown, and
// the median of the samples taken before any re-check (a file another user of this host
// changed under a watched directory starts the re-check process and grows the agent's heap).
if (!ONLY || ONLY === "idle") {
  const running = [];
  const loadBefore = load();
  try {
    for (const [name, args, extra] of IDLE_AGENTS) running.push({ name, args, a: await idleAgent(name.replace(/\W+/g, "-"), args, extra), rss: [], heap: [], anon: [], file: [], quietRss: [], rechecked: false });
    await sleep(2000);
    for (const r of running) Object.assign(r, { t0: cpuTicks(r.a.pid), own0: ownTicks(r.a.pid) });
    const w0 = performance.now();
    while (performance.now() - w0 < IDLE_S * 1000) {
      await sleep(Math.min(5000, Math.max(0, IDLE_S * 1000 - (performance.now() - w0))));
      for (const r of running) {
        const kib = rssKiB(r.a.pid) / 1024;
        const m = await r.a.metrics();
        r.rss.push(kib);
        r.heap.push(sample(m, "nodejs_heap_size_used_bytes") / 1048576);
        const split = rssSplit(r.a.pid);
        r.anon.push(split.anon);
        r.file.push(split.file);
        r.rechecked ||= r.args.length === 0 && rechecksOf(m) > 0;
        if (!r.rechecked) r.quietRss.push(kib);
      }
    }
    const secs = (performance.now() - w0) / 1000;
    const rows = [];
    for (const r of running) {
      const cpu = (cpuTicks(r.a.pid) - r.t0) / TICK / secs;
      const own = (ownTicks(r.a.pid) - r.own0) / TICK / secs;
      const m = await r.a.metrics();
      const watches = sample(m, "nodeward_drift_inotify_watches");
      const dirs = ["watched", "waiting", "polled"].map((s) => `${s} ${sample(m, `nodeward_drift_watches{state="${s}"}`)}`).join(", ");
      const rechecks = ["watch", "poll", "sweep"].map((s) => `${s} ${sample(m, `nodeward_drift_rechecks_total{source="${s}"}`)}`).join(", ");
      r.median = q(r.rss, 0.5);
      r.anonMedian = q(r.anon, 0.5);
      r.heapMedian = q(r.heap, 0.5);
      rows.push(
        `idle ${r.name.padEnd(9)} ${IDLE_S} s (kubernetes-node): CPU ${(cpu * 100).toFixed(2)}% of one core (agent + children; agent alone ${(own * 100).toFixed(2)}%), RSS median ${r.median.toFixed(1)} MiB (max ${Math.max(...r.rss).toFixed(1)}, ${r.rss.length} samples; before any re-check ${r.quietRss.length > 0 ? q(r.quietRss, 0.5).toFixed(1) : "-"} MiB, ${r.quietRss.length} samples), V8 heap in use median ${q(r.heap, 0.5).toFixed(1)} MiB (max ${Math.max(...r.heap).toFixed(1)}), RSS anonymous ${q(r.anon, 0.5).toFixed(1)} / file-backed ${q(r.file, 0.5).toFixed(1)} MiB (medians)` +
          (Number.isNaN(watches) ? "" : `; inotify watches ${watches} (${dirs}); re-checks ${rechecks}`),
      );
      // What the re-checks during the run were for (files other users of this host changed).
      const evs = r.args.length === 0 && r.a.events ? await r.a.events().catch(() => []) : [];
      const causes = new Map();
      for (const e of evs) causes.set(e.cause, (causes.get(e.cause) ?? 0) + 1);
      if (causes.size > 0) rows.push(`  re-checked for: ${[...causes].sort((x, y) => y[1] - x[1]).slice(0, 5).map(([c, n]) => `${c} ×${n}`).join(", ")}`);
    }
    for (const row of rows) console.log(row);
    const on = running.find((r) => r.name === "drift on");
    const off = running.find((r) => r.name === "drift off");
    const signed = (x) => (x >= 0 ? "+" : "") + x.toFixed(1);
    if (on && off) {
      console.log(
        `idle drift on − off: RSS median ${signed(on.median - off.median)} MiB (anonymous ${signed(on.anonMedian - off.anonMedian)}; V8 heap in use ${signed(on.heapMedian - off.heapMedian)}; ` +
          `the issue's bound: +5 MiB); load before ${loadBefore}, after ${load()}`,
      );
    }
  } finally {
    for (const r of running) await r.a.stop();
  }
}
// --- 5. one poll round ------------------------------------------------------------------------
if (!ONLY || ONLY === "poll") {
  // A young generation large enough for a whole round, so what a round allocates is counted before any scavenge.
  const flags = [...NODE_FLAGS.filter((f) => !f.startsWith("--max-semi-space-size")), "--expose-gc", "--min-semi-space-size=16", "--max-semi-space-size=16"];
  const r = spawnSync(process.execPath, [...flags, path.join(REPO, "bench/drift-poll.mjs")], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } });
  process.stdout.write(r.stdout);
  if (r.status !== 0) console.log(`poll round: failed (${r.status}): ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`);
}
console.log(`load average after: ${load()}`);
