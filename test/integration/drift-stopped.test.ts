/**
 * Drift's safety net through the real agent (issue 16 acceptance): `nodeward serve` is
 * stopped (SIGSTOP) while 30,000 files are created in a directory it watches and an
 * audited file is chmod'ed after them; the kernel's inotify queue (16,384 events by
 * default) overflows meanwhile and the chmod's event is lost (Node drops the overflow
 * notice). After SIGCONT the agent must notice that it did not run (or the burst), sweep,
 * and flip the check, with `source="sweep"`.
 *
 * The one timing bound is the acceptance: detected within the sweep interval + 1 s
 * of SIGCONT (the periodic sweep alone would meet it; the stall detector sweeps at once).
 * The sweep interval is set to 20 s here so a miss shows as a failure, not as a slow pass;
 * the bound is generous for this loaded 2-core machine, where a sweep takes well under 1 s.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compliantDebianNode } from "../helpers/compliant-debian-node.js";
import { cleanupFixtures, fixtureRoot } from "../helpers/fixture-root.js";
import { CLI_PATH, ensureBuilt } from "./helpers.js";
import { gauge, sample } from "./agent-text.js";

const SWEEP_MS = 20_000;
// The kubelet's --kubeconfig file: its directory is watched for that name only (no check
// lists /etc/kubernetes), so the flood's events are no cause of their own and only the
// sweep can find the chmod lost behind them.
const CHECK = "cis-kubernetes-node/4.1.5";
const KUBECONFIG = "etc/kubernetes/kubelet.conf";

let agent: ChildProcess | undefined;
let agentLog = "";

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    agent.kill("SIGCONT");
    const exited = new Promise((r) => agent?.once("exit", r));
    agent.kill("SIGTERM");
    await exited;
  }
  await cleanupFixtures();
});

async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 19500 + Math.floor(Math.random() * 500);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error("no free port in 19500-19999");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("nodeward serve stopped through an inotify queue overflow", () => {
  it("finds the chmod lost in the overflow within the sweep interval + 1 s of SIGCONT, source=sweep", async () => {
    ensureBuilt();
    const root = await fixtureRoot(compliantDebianNode());
    const state = await fixtureRoot({ "config.yaml": "" });
    const port = await freePort();
    await writeFile(
      path.join(state, "config.yaml"),
      [`root: ${root}`, `stateDir: ${state}/state`, `tokenFile: ${state}/none`, "benchmarks: [cis-kubernetes-node]", `drift: { safetyNetIntervalMs: ${SWEEP_MS} }`, ""].join("\n"),
    );
    agent = spawn(process.execPath, [CLI_PATH, "serve", "--config", path.join(state, "config.yaml"), "--listen", `127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
    agent.stderr?.setEncoding("utf8");
    agent.stderr?.on("data", (c: string) => (agentLog += c));
    const url = `http://127.0.0.1:${port}`;
    const metrics = async () => (await fetch(`${url}/metrics`)).text();
    for (const until = Date.now() + 120_000; ; ) {
      const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
      if (ready && sample(await metrics(), "nodeward_drift_inotify_watches") > 0) break;
      if (Date.now() > until) throw new Error(`the agent did not get ready:\n${agentLog}`);
      await sleep(100);
    }
    const before = await metrics();
    expect(gauge(before, CHECK)).toBe(1);
    const sweeps = sample(before, 'nodeward_drift_rechecks_total{source="sweep"}');
    expect(await readFile(path.join(root, KUBECONFIG), "utf8")).toContain("kind: Config");

    // Stopped: 30,000 creates in the watched directory (twice the kernel's queue), then the chmod.
    const stoppedAt = Date.now();
    agent.kill("SIGSTOP");
    const dir = path.join(root, "etc/kubernetes");
    for (let i = 0; i < 30_000; i++) writeFileSync(path.join(dir, `flood-${i}`), "");
    await chmod(path.join(root, KUBECONFIG), 0o666);
    // Stopped long enough that the agent can tell it did not run (its 1 s tick), whatever the machine's speed.
    await sleep(Math.max(0, 4000 - (Date.now() - stoppedAt)));
    agent.kill("SIGCONT");
    const resumed = performance.now();
    let flippedMs: number | undefined;
    while (performance.now() - resumed < SWEEP_MS + 30_000) {
      if (gauge(await metrics().catch(() => ""), CHECK) === 0) {
        flippedMs = performance.now() - resumed;
        break;
      }
      await sleep(10);
    }
    process.stdout.write(`overflow while stopped: ${CHECK} flipped ${flippedMs?.toFixed(0) ?? "never"} ms after SIGCONT (bound ${SWEEP_MS + 1000} ms)\n`);
    expect(flippedMs, agentLog.slice(-3000)).toBeDefined();
    expect(flippedMs).toBeLessThanOrEqual(SWEEP_MS + 1000);
    // The counters follow the merged report (the gauge) within the same re-check's completion.
    let after = await metrics();
    for (const until = Date.now() + 10_000; sample(after, 'nodeward_drift_rechecks_total{source="sweep"}') <= sweeps && Date.now() < until; ) {
      await sleep(50);
      after = await metrics();
    }
    const events = (await (await fetch(`${url}/api/v1/events?limit=20`)).json()) as { events: { source: string; cause: string; changes: { key: string; to: string }[] }[] };
    expect(sample(after, 'nodeward_drift_rechecks_total{source="sweep"}'), `${JSON.stringify(events.events)}\n${agentLog.slice(-3000)}`).toBeGreaterThan(sweeps);
    const flip = events.events.find((e) => e.changes.some((c) => c.key === CHECK && c.to === "fail"));
    expect(flip, JSON.stringify(events.events)).toMatchObject({ source: "sweep", cause: `/${KUBECONFIG}` });
    expect(agentLog).toMatch(/inotify events may have been lost: sweeping|the kernel's queue may have overflowed: sweeping/);
  }, 300_000);
});
