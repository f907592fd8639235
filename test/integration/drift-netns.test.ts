/**
 * Drift's pollers on a real kernel (issue 16 acceptance): `nodeward serve` runs as PID 1 of
 * a private network and PID namespace (`unshare -n -p -f --mount-proc`, as root), so the
 * sysctl values under /proc/sys/net and the socket tables (PID 1's net/) it reads are that
 * namespace's alone and nothing else on this shared machine moves them. Toggling
 * net.ipv4.ip_forward and opening an unlisted listener there must flip their checks
 * (cis-debian-12 3.3.1 and 2.1.22) within the poll interval + 1 s.
 *
 * That bound is the issue's acceptance, measured from the change to the gauge on /metrics.
 * It is kept generous for this loaded 2-core machine by timing only changes made while the
 * re-check process runs (one untimed flip first starts it): the first change after an idle
 * period also starts that process, which `npm run bench` measures instead.
 * The agent's HTTP port lives in the private namespace: a small proxy started there
 * forwards a Unix socket (namespace-free) to it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compliantDebianNode, SYSCTL_CONF } from "../helpers/compliant-debian-node.js";
import { cleanupFixtures, fixtureRoot } from "../helpers/fixture-root.js";
import { CLI_PATH, ensureBuilt, isRoot } from "./helpers.js";
import { gauge, getOverSocket } from "./agent-text.js";

const POLL_MS = 2000;
const BOUND_MS = POLL_MS + 1000;
const FORWARDING = "cis-debian-12/3.3.1";
const LISTENERS = "cis-debian-12/2.1.22";
const K8S_CONF = "etc/sysctl.d/k8s.conf";

const spawned: ChildProcess[] = [];
let agentLog = "";
/** The agent's pid on this side (PID 1 in its namespace: only a signal it handles reaches it). */
let agentPid = 0;

afterAll(async () => {
  const [unshare, ...listeners] = spawned;
  for (const c of listeners) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (agentPid > 0) {
    try {
      process.kill(agentPid, "SIGTERM"); // the proxy in its namespace goes with it
    } catch {
      /* gone */
    }
  }
  if (unshare && unshare.exitCode === null && unshare.signalCode === null) {
    // unshare exits with its child; if it does not, --kill-child takes the agent with it.
    const exited = new Promise((r) => unshare.once("exit", r));
    const kill = setTimeout(() => unshare.kill("SIGKILL"), 20_000);
    if (agentPid === 0) unshare.kill("SIGKILL");
    await exited;
    clearTimeout(kill);
  }
  await cleanupFixtures();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run a command in the agent's network namespace (nsenter), synchronously. */
function inNetns(pid: number, cmd: string[]): void {
  const r = spawnSync("nsenter", ["-t", String(pid), "-n", ...cmd], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`nsenter ${cmd.join(" ")}: ${r.stderr}`);
}

describe.skipIf(!isRoot())("drift's pollers in a private network namespace", () => {
  it(`flip ip_forward's and the listeners' checks within the poll interval + 1 s (${BOUND_MS} ms)`, async () => {
    ensureBuilt();
    const root = await fixtureRoot(compliantDebianNode());
    // Forwarding off in the persisted settings, so 3.3.1 follows the running value alone.
    for (const rel of [K8S_CONF, SYSCTL_CONF]) {
      const conf = path.join(root, rel);
      await writeFile(conf, (await readFile(conf, "utf8")).replace(/^net\.ipv4\.ip_forward\s*=.*$/m, "net.ipv4.ip_forward = 0"));
    }
    const state = await fixtureRoot({ "config.yaml": "" });
    const sock = path.join(state, "agent.sock");
    const port = 19500 + Math.floor(Math.random() * 500); // a namespace of its own: no other listener there
    await writeFile(
      path.join(state, "config.yaml"),
      [`root: ${root}`, "proc: /proc", `stateDir: ${state}/state`, `tokenFile: ${state}/none`, `listen: 127.0.0.1:${port}`, "benchmarks: [cis-debian-12]", `drift: { pollIntervalMs: ${POLL_MS} }`, ""].join("\n"),
    );
    const proxy = `const net=require("net");net.createServer((c)=>{const u=net.connect(${port},"127.0.0.1");c.pipe(u).pipe(c);u.on("error",()=>c.destroy());c.on("error",()=>u.destroy())}).listen(${JSON.stringify(sock)})`;
    const script = `ip link set lo up && { ${JSON.stringify(process.execPath)} -e '${proxy}' & } && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_PATH)} serve --config ${JSON.stringify(path.join(state, "config.yaml"))}`;
    const unshare = spawn("unshare", ["-n", "-p", "-f", "--kill-child", "--mount-proc", "sh", "-c", script], { stdio: ["ignore", "ignore", "pipe"] });
    spawned.push(unshare);
    unshare.stderr?.setEncoding("utf8");
    unshare.stderr?.on("data", (c: string) => (agentLog += c));
    const metrics = async () => (await getOverSocket(sock, "/metrics").catch(() => ({ status: 0, body: "" }))).body;
    for (const until = Date.now() + 120_000; ; ) {
      const ready = await getOverSocket(sock, "/readyz").then((r) => r.status === 200, () => false);
      if (ready && /^nodeward_drift_inotify_watches [1-9]/m.test(await metrics())) break;
      if (Date.now() > until || unshare.exitCode !== null) throw new Error(`the agent did not get ready:\n${agentLog}`);
      await sleep(100);
    }
    // The agent's pid on this side: the child unshare forked (PID 1 over there).
    agentPid = Number(readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, "utf8").trim().split(/\s+/)[0]);
    expect(agentPid).toBeGreaterThan(0);

    /** Change, then read /metrics every 10 ms until the check's gauge is `want`: milliseconds, or undefined after 30 s. */
    const flip = async (key: string, change: () => void, want: number): Promise<number | undefined> => {
      const t0 = performance.now();
      change();
      while (performance.now() - t0 < 30_000) {
        if (gauge(await metrics(), key) === want) return performance.now() - t0;
        await sleep(10);
      }
      return undefined;
    };
    const forward = (v: 0 | 1) => () => inNetns(agentPid, ["sysctl", "-qw", `net.ipv4.ip_forward=${v}`]);
    // Untimed: the namespace's starting value (it may inherit the host's 1), and the re-check process started.
    expect(await flip(FORWARDING, forward(0), 1), agentLog.slice(-3000)).toBeDefined();
    expect(gauge(await metrics(), LISTENERS)).toBe(1);

    const timed: string[] = [];
    const record = (what: string, ms: number | undefined) => {
      timed.push(`${what}: ${ms === undefined ? "missed" : `${ms.toFixed(0)} ms`}`);
      return ms;
    };
    for (let i = 0; i < 3; i++) {
      expect(record(`ip_forward=1 #${i}`, await flip(FORWARDING, forward(1), 0)), agentLog.slice(-3000)).toBeLessThanOrEqual(BOUND_MS);
      expect(record(`ip_forward=0 #${i}`, await flip(FORWARDING, forward(0), 1))).toBeLessThanOrEqual(BOUND_MS);
    }
    for (let i = 0; i < 2; i++) {
      let listener: ChildProcess | undefined;
      const open = () => {
        listener = spawn("nsenter", ["-t", String(agentPid), "-n", process.execPath, "-e", `require("net").createServer().listen(${4444 + i}, "0.0.0.0"); setInterval(() => {}, 1 << 30)`], { stdio: "ignore" });
        spawned.push(listener);
      };
      expect(record(`listener 0.0.0.0:${4444 + i} opened`, await flip(LISTENERS, open, 0)), agentLog.slice(-3000)).toBeLessThanOrEqual(BOUND_MS);
      expect(record(`listener closed`, await flip(LISTENERS, () => listener?.kill("SIGKILL"), 1))).toBeLessThanOrEqual(BOUND_MS);
    }
    process.stdout.write(`private network namespace, change → gauge (poll every ${POLL_MS} ms, bound ${BOUND_MS} ms):\n  ${timed.join("\n  ")}\n`);
  }, 300_000);
});
