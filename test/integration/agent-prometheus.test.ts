/**
 * Acceptance test of the agent (issue 6): `nodeward serve` on a loopback port, scraped
 * by a real Prometheus (Debian's package). The per-check series Prometheus stores must
 * match what `nodeward scan` says for this machine; `promtool check metrics` must be
 * clean; and an agent killed with SIGKILL mid-scan must, once restarted, serve the
 * previous results at once from a state file that was never half-written.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_PATH, ensureBuilt, inCI, REPO_ROOT, runCli } from "./helpers.js";

const haveProm = spawnSync("sh", ["-c", "command -v prometheus && command -v promtool"], { encoding: "utf8" }).status === 0;
if (!haveProm && inCI()) {
  throw new Error("prometheus/promtool are not installed: test/integration/setup.sh installs them (Debian package `prometheus`)");
}
const maybe = haveProm ? describe : describe.skip;
if (!haveProm) {
  process.stderr.write("agent-prometheus.test.ts: SKIPPED — `prometheus` is not on PATH (apt-get install --no-install-recommends prometheus, or run test/integration/setup.sh)\n");
}

const PACKS = ["cis-debian-12", "cis-kubernetes-node"];
const children: ChildProcess[] = [];
let work = "";

/** A free TCP port in 19000–19899 on 127.0.0.1. */
async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 19000 + Math.floor(Math.random() * 900);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error("no free port in 19000-19899");
}

function start(argv: string[], logFile: string): ChildProcess {
  const [file, ...args] = argv;
  const child = spawn(file as string, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (b: Buffer) => chunks.push(b));
  child.stderr?.on("data", (b: Buffer) => chunks.push(b));
  child.on("exit", () => void writeFile(logFile, Buffer.concat(chunks)).catch(() => undefined));
  (child as ChildProcess & { output: () => string }).output = () => Buffer.concat(chunks).toString("utf8");
  children.push(child);
  return child;
}
const output = (c: ChildProcess) => (c as ChildProcess & { output: () => string }).output();

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, context: () => string = () => ""): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}\n${context()}`);
}

async function stopChild(c: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  if (c.exitCode !== null || c.signalCode !== null) return c.exitCode;
  const exited = new Promise<number | null>((r) => c.once("exit", (code) => r(code)));
  c.kill(signal);
  const t = setTimeout(() => c.kill("SIGKILL"), 10_000);
  const code = await exited;
  clearTimeout(t);
  return code;
}

interface Result {
  id: string;
  pack: string;
  status: string;
}

maybe("agent + real Prometheus", () => {
  let agentPort = 0;
  let promPort = 0;
  let stateDir = "";
  let configFile = "";
  let agent: ChildProcess;
  let cliResults: Result[] = [];
  /** The agent's own first scan: what Prometheus must show. */
  let agentResults: Result[] = [];
  const base = () => `http://127.0.0.1:${agentPort}`;

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(tmpdir(), "nodeward-agent-it-"));
    agentPort = await freePort();
    promPort = await freePort();
    stateDir = path.join(work, "state");
    await writeFile(path.join(work, "token"), "integration-token-0123456789abcdef\n", { mode: 0o600 });
    configFile = path.join(work, "config.yaml");
    await writeFile(
      configFile,
      [
        `listen: 127.0.0.1:${agentPort}`,
        `stateDir: ${stateDir}`,
        `tokenFile: ${path.join(work, "token")}`,
        `packs: ${path.join(REPO_ROOT, "benchmarks")}`,
        // The CIS packs: quick and stable. (KISA's whole-filesystem walks take seconds and
        // see files other tests create, so two scans a minute apart can disagree.)
        `benchmarks: [${PACKS.join(", ")}]`,
        "",
      ].join("\n"),
    );
    // What the one-shot CLI says about this machine: the reference for the agent's series.
    const scan = await runCli(["scan", "--format", "json", "--quiet", "--packs", path.join(REPO_ROOT, "benchmarks"), "--benchmark", PACKS.join(",")]);
    expect([0, 1], scan.stderr).toContain(scan.exitCode);
    cliResults = (JSON.parse(scan.stdout) as { results: Result[] }).results;
    expect(cliResults.find((r) => r.pack === "cis-debian-12" && r.id === "7.1.5")?.status).toBe("pass");

    agent = start([process.execPath, CLI_PATH, "serve", "--config", configFile], path.join(work, "agent.log"));
    await waitFor("the agent's /readyz", async () => ((await fetch(`${base()}/readyz`)).status === 200 ? true : undefined), 120_000, () => output(agent));
    agentResults = ((await (await fetch(`${base()}/api/v1/scans/latest`)).json()) as { results: Result[] }).results;
  });

  afterAll(async () => {
    for (const c of children.splice(0)) await stopChild(c);
    if (work && !process.env.NODEWARD_KEEP_TMP) await rm(work, { recursive: true, force: true });
  });

  it("serves the same statuses as `nodeward scan`", async () => {
    const latest = (await (await fetch(`${base()}/api/v1/scans/latest`)).json()) as { results: Result[] };
    const key = (r: Result) => `${r.pack}/${r.id}=${r.status}`;
    expect(latest.results.map(key).sort()).toEqual(cliResults.map(key).sort());
  });

  it("`promtool check metrics` is clean on /metrics", async () => {
    const text = await (await fetch(`${base()}/metrics`)).text();
    const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("a real Prometheus scrapes it and PromQL returns the per-check series with the expected values", async () => {
    const promYml = path.join(work, "prometheus.yml");
    await writeFile(
      promYml,
      ["global: {scrape_interval: 1s, evaluation_interval: 1s}", "scrape_configs:", "  - job_name: nodeward", `    static_configs: [{targets: ['127.0.0.1:${agentPort}']}]`, ""].join("\n"),
    );
    const check = spawnSync("promtool", ["check", "config", promYml], { encoding: "utf8" });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const prom = start(
      ["prometheus", `--config.file=${promYml}`, `--storage.tsdb.path=${path.join(work, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`],
      path.join(work, "prometheus.log"),
    );
    const query = async (q: string) => {
      const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?${new URLSearchParams({ query: q })}`);
      const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== "success") throw new Error(JSON.stringify(body));
      return body.data.result;
    };
    const one = await waitFor(
      "nodeward_check_status for cis-debian-12/7.1.5 in Prometheus",
      async () => {
        const r = await query('nodeward_check_status{job="nodeward",pack="cis-debian-12",id="7.1.5"}');
        return r.length > 0 ? r : undefined;
      },
      30_000,
      () => output(prom),
    );
    expect(one).toHaveLength(1);
    expect(one[0]?.value[1]).toBe("1");
    expect(one[0]?.metric).toMatchObject({ severity: "high", level: "1", waived: "false", benchmark: expect.stringContaining("CIS Debian") });

    // Every pass/fail check the CLI saw has a series with 1/0; manual/skip/error ones have none.
    const all = await query('nodeward_check_status{job="nodeward"}');
    const got = Object.fromEntries(all.map((s) => [`${s.metric.pack}/${s.metric.id}`, s.value[1]]));
    const want = Object.fromEntries(agentResults.filter((r) => r.status === "pass" || r.status === "fail").map((r) => [`${r.pack}/${r.id}`, r.status === "pass" ? "1" : "0"]));
    expect(got).toEqual(want);
    // The one-hot series agree for every check, whatever its status.
    const current = await query('nodeward_check_result{job="nodeward"} == 1');
    expect(Object.fromEntries(current.map((s) => [`${s.metric.pack}/${s.metric.id}`, s.metric.status]))).toEqual(
      Object.fromEntries(agentResults.map((r) => [`${r.pack}/${r.id}`, r.status])),
    );
    const total = await query('sum(nodeward_checks{job="nodeward"})');
    expect(total[0]?.value[1]).toBe(String(agentResults.length));
    const up = await query('up{job="nodeward"}');
    expect(up[0]?.value[1]).toBe("1");
    await stopChild(prom);
  });

  it("SIGKILL mid-scan, restart: the previous results are served at once; the state file is never half-written", async () => {
    const token = "integration-token-0123456789abcdef";
    const restartConfig = path.join(work, "config-restart.yaml");
    await writeFile(restartConfig, (await readFile(configFile, "utf8")) + "scanOnStart: false\n");
    let current = agent;
    for (let round = 0; round < 4; round++) {
      const before = (await (await fetch(`${base()}/api/v1/scans/latest`)).json()) as { id: string };
      const post = await fetch(`${base()}/api/v1/scans`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      expect(post.status).toBe(202);
      const { id: runningId } = (await post.json()) as { id: string };
      // Kill at a different point of the scan each round (0–150 ms in).
      await new Promise((r) => setTimeout(r, round * 50));
      const scans = (await (await fetch(`${base()}/api/v1/scans`)).json()) as { running: { id: string } | null };
      const midScan = scans.running?.id === runningId;
      await stopChild(current, "SIGKILL");

      // Whatever moment the kill hit, state.json is whole JSON (temp files aside).
      const state = JSON.parse(await readFile(path.join(stateDir, "state.json"), "utf8")) as { latest: { id: string } };
      expect([before.id, runningId]).toContain(state.latest.id);
      if (midScan) expect(state.latest.id).toBe(before.id);

      current = start([process.execPath, CLI_PATH, "serve", "--config", restartConfig], path.join(work, `agent-${round}.log`));
      const t0 = Date.now();
      const latest = await waitFor(
        "the restarted agent's /api/v1/scans/latest",
        async () => {
          const res = await fetch(`${base()}/api/v1/scans/latest`);
          return res.status === 200 ? ((await res.json()) as { id: string; results: unknown[] }) : undefined;
        },
        30_000,
        () => output(current),
      );
      expect(latest.id).toBe(state.latest.id);
      expect(latest.results.length).toBe(cliResults.length);
      const ready = (await (await fetch(`${base()}/readyz`)).json()) as { ready: boolean; lastScan: { source: string } };
      expect(ready).toMatchObject({ ready: true, lastScan: { source: "state" } });
      // "At once": well before a scan of these packs could have finished (scanOnStart is off anyway).
      expect(Date.now() - t0).toBeLessThan(30_000);
      expect((await readdir(stateDir)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    }
    // SIGTERM: a clean exit (code 0).
    expect(await stopChild(current, "SIGTERM")).toBe(0);
  });
});
