/**
 * Acceptance test of the agent (issues 6 and 13): `nodeward serve` on a loopback port,
 * scraped by a real Prometheus (Debian's package) through a recording proxy that shows
 * the scrape asked for gzip and got it. The per-check series Prometheus stores must
 * match what `nodeward scan` says for this machine (checks of packs that apply to it);
 * `promtool check metrics` must be clean; the PromQL of every Grafana panel and every
 * alert must return data, from a Prometheus without and one with the ServiceMonitor's
 * `node` relabeling; and an agent killed with SIGKILL mid-scan must, once restarted,
 * serve the previous results at once from a state file that was never half-written.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CLI_PATH, ensureBuilt, inCI, REPO_ROOT, runCli } from "./helpers.js";

const haveProm = spawnSync("sh", ["-c", "command -v prometheus && command -v promtool"], { encoding: "utf8" }).status === 0;
if (!haveProm && inCI()) {
  throw new Error("prometheus/promtool are not installed: test/integration/setup.sh installs them (Debian package `prometheus`)");
}
const maybe = haveProm ? describe : describe.skip;
if (!haveProm) {
  process.stderr.write("agent-prometheus.test.ts: SKIPPED — `prometheus` is not on PATH (apt-get install --no-install-recommends prometheus, or run test/integration/setup.sh)\n");
}

const PACKS = ["cis-debian-12", "cis-kubernetes-node", "it-extra"];
/** Two checks with a known outcome on any host: a critical failure and an error. */
const EXTRA_PACK = `pack: { id: it-extra, title: Integration extras, benchmark: nodeward integration v1, version: "1" }
checks:
  - id: "1"
    title: passwd has no permission bits (it has)
    severity: critical
    audit: { probe: file, params: { path: /etc/passwd }, expect: { mode: { mode-at-most: "0000" } } }
  - id: "2"
    title: a command that cannot be run
    severity: high
    audit: { probe: command, params: { argv: [/nonexistent/nodeward-it] }, expect: { exitCode: 0 } }
`;
const children: ChildProcess[] = [];
const servers: Server[] = [];
let work = "";

type Sample = { metric: Record<string, string>; value: [number, string] };
interface Prom {
  name: string;
  child: ChildProcess;
  query(q: string): Promise<Sample[]>;
}

/** A Prometheus scraping the given static target every second; `extra` lines go under the job. */
async function startPrometheus(name: string, target: string[], extra = ""): Promise<Prom> {
  const port = await freePort();
  const yml = path.join(work, `prometheus-${name}.yml`);
  await writeFile(
    yml,
    ["global: {scrape_interval: 1s, evaluation_interval: 1s}", "scrape_configs:", "  - job_name: nodeward", `    static_configs: [{${target.join(", ")}}]`, extra, ""].join("\n"),
  );
  const check = spawnSync("promtool", ["check", "config", yml], { encoding: "utf8" });
  expect(check.status, check.stdout + check.stderr).toBe(0);
  const child = start(
    ["prometheus", `--config.file=${yml}`, `--storage.tsdb.path=${path.join(work, `tsdb-${name}`)}`, `--web.listen-address=127.0.0.1:${port}`],
    path.join(work, `prometheus-${name}.log`),
  );
  const query = async (q: string): Promise<Sample[]> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?${new URLSearchParams({ query: q })}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: Sample[] | [number, string] } };
    if (body.status !== "success") throw new Error(`${q}: ${body.error ?? JSON.stringify(body)}`);
    return Array.isArray(body.data.result[0]) || typeof body.data.result[0] !== "object" ? [] : (body.data.result as Sample[]);
  };
  return { name, child, query };
}

/** Every Grafana panel query, with the variables as Grafana would set them for one node. */
function dashboardQueries(node: string): { where: string; expr: string }[] {
  const dash = JSON.parse(readFileSync(path.join(REPO_ROOT, "deploy/grafana/nodeward-dashboard.json"), "utf8")) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  const esc = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // $instance is the hidden variable label_values(nodeward_build_info{node=~"$node"}, instance): ".*" selects the same target here.
  const vars: Record<string, string> = { node: esc(node), instance: ".*", severity: ".*" };
  return dash.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr.replace(/\$\{?(\w+)\}?/g, (m, v: string) => vars[v] ?? m) })),
  );
}

/** Every alert's expression without its threshold, and every metric selector in it. */
function alertQueries(): { where: string; expr: string }[] {
  const doc = parse(readFileSync(path.join(REPO_ROOT, "deploy/kubernetes/prometheusrule.yaml"), "utf8")) as { spec: { groups: { rules: { alert: string; expr: string }[] }[] } };
  const out: { where: string; expr: string }[] = [];
  for (const r of doc.spec.groups.flatMap((g) => g.rules)) {
    const expr = r.expr.trim();
    const left = expr.replace(/\s*(==|!=|>=|<=|>|<)\s*[0-9.*+ ]+$/, "");
    if (left !== expr) out.push({ where: `alert ${r.alert} (without its threshold)`, expr: left });
    for (const m of expr.matchAll(/\b((?:nodeward_\w+|up))(\{[^}]*\})?/g)) out.push({ where: `alert ${r.alert} selector`, expr: m[0] });
  }
  return out;
}

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
    stateDir = path.join(work, "state");
    await writeFile(path.join(work, "token"), "integration-token-0123456789abcdef\n", { mode: 0o600 });
    configFile = path.join(work, "config.yaml");
    await mkdir(path.join(work, "extra"));
    await writeFile(path.join(work, "extra/pack.yaml"), EXTRA_PACK);
    await writeFile(
      configFile,
      [
        `listen: 127.0.0.1:${agentPort}`,
        `stateDir: ${stateDir}`,
        `tokenFile: ${path.join(work, "token")}`,
        `packs: [${path.join(REPO_ROOT, "benchmarks")}, ${path.join(work, "extra")}]`,
        // The CIS packs: quick and stable. (KISA's whole-filesystem walks take seconds and
        // see files other tests create, so two scans a minute apart can disagree.)
        `benchmarks: [${PACKS.join(", ")}]`,
        "",
      ].join("\n"),
    );
    // What the one-shot CLI says about this machine: the reference for the agent's series.
    const scan = await runCli(["scan", "--format", "json", "--quiet", "--packs", path.join(REPO_ROOT, "benchmarks"), "--packs", path.join(work, "extra"), "--benchmark", PACKS.join(",")]);
    expect([0, 1], scan.stderr).toContain(scan.exitCode);
    expect((JSON.parse(scan.stdout) as { results: Result[] }).results.filter((r) => r.pack === "it-extra").map((r) => r.status)).toEqual(["fail", "error"]);
    cliResults = (JSON.parse(scan.stdout) as { results: Result[] }).results;
    expect(cliResults.find((r) => r.pack === "cis-debian-12" && r.id === "7.1.5")?.status).toBe("pass");

    agent = start([process.execPath, CLI_PATH, "serve", "--config", configFile], path.join(work, "agent.log"));
    await waitFor("the agent's /readyz", async () => ((await fetch(`${base()}/readyz`)).status === 200 ? true : undefined), 120_000, () => output(agent));
    agentResults = ((await (await fetch(`${base()}/api/v1/scans/latest`)).json()) as { results: Result[] }).results;
  });

  afterAll(async () => {
    for (const c of children.splice(0)) await stopChild(c);
    for (const srv of servers.splice(0)) await new Promise((r) => srv.close(r));
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

  it("a real Prometheus scrapes it with gzip; PromQL returns the exported per-check series with the expected values", async () => {
    // A proxy between Prometheus and the agent, to see what the scrape asked for and got.
    const seen: { acceptEncoding: string; contentEncoding: string; bytes: number }[] = [];
    const proxyPort = await freePort();
    const proxy = createHttpServer((req, res) => {
      const up = httpRequest({ host: "127.0.0.1", port: agentPort, path: req.url, method: req.method, headers: req.headers }, (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => {
          const body = Buffer.concat(chunks);
          seen.push({ acceptEncoding: String(req.headers["accept-encoding"] ?? ""), contentEncoding: String(r.headers["content-encoding"] ?? ""), bytes: body.length });
          res.writeHead(r.statusCode ?? 502, r.headers);
          res.end(body);
        });
      });
      up.on("error", () => res.writeHead(502).end());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", r));
    servers.push(proxy);

    const plain = await startPrometheus("plain", [`targets: ['127.0.0.1:${proxyPort}']`]);
    const relabeled = await startPrometheus("relabel", [`targets: ['127.0.0.1:${agentPort}']`], "    relabel_configs: [{target_label: node, replacement: k8s-node-1}]");
    const query = plain.query;
    const one = await waitFor(
      "nodeward_check_status for cis-debian-12/7.1.5 in Prometheus",
      async () => {
        const r = await query('nodeward_check_status{job="nodeward",pack="cis-debian-12",id="7.1.5"}');
        return r.length > 0 ? r : undefined;
      },
      30_000,
      () => output(plain.child),
    );
    expect(one).toHaveLength(1);
    expect(one[0]?.value[1]).toBe("1");
    expect(one[0]?.metric).toEqual({ __name__: "nodeward_check_status", instance: `127.0.0.1:${proxyPort}`, job: "nodeward", pack: "cis-debian-12", id: "7.1.5", severity: "high", level: "1", waived: "false" });
    const packInfo = await query('nodeward_pack_info{job="nodeward",pack="cis-debian-12"}');
    expect(packInfo[0]?.metric).toMatchObject({ applies: "true", benchmark: expect.stringContaining("CIS Debian") });

    // Prometheus asked for gzip and the agent answered with it.
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s).toMatchObject({ acceptEncoding: expect.stringContaining("gzip"), contentEncoding: "gzip" });

    // Exported: the checks of packs where not everything was skipped.
    const applies = new Set(agentResults.filter((r) => r.status !== "skip").map((r) => r.pack));
    const exported = agentResults.filter((r) => applies.has(r.pack));
    expect(applies.has("cis-debian-12")).toBe(true);
    // Every pass/fail check has a series with 1/0; manual/skip/error ones have none.
    const all = await query('nodeward_check_status{job="nodeward"}');
    const got = Object.fromEntries(all.map((s) => [`${s.metric.pack}/${s.metric.id}`, s.value[1]]));
    const want = Object.fromEntries(exported.filter((r) => r.status === "pass" || r.status === "fail").map((r) => [`${r.pack}/${r.id}`, r.status === "pass" ? "1" : "0"]));
    expect(got).toEqual(want);
    // One result series per exported check, labelled with its status.
    const current = await query('nodeward_check_result{job="nodeward"} == 1');
    expect(current).toHaveLength(exported.length);
    expect(Object.fromEntries(current.map((s) => [`${s.metric.pack}/${s.metric.id}`, s.metric.status]))).toEqual(
      Object.fromEntries(exported.map((r) => [`${r.pack}/${r.id}`, r.status])),
    );
    const total = await query('sum(nodeward_checks{job="nodeward"})');
    expect(total[0]?.value[1]).toBe(String(agentResults.length));
    const up = await query('up{job="nodeward"}');
    expect(up[0]?.value[1]).toBe("1");

    // Every dashboard panel and alert, with and without the ServiceMonitor's node relabeling.
    await waitFor("the relabeled Prometheus's first scrape", async () => ((await relabeled.query("nodeward_build_info")).length > 0 ? true : undefined), 30_000, () => output(relabeled.child));
    const node = (await query("nodeward_build_info"))[0]?.metric.node;
    expect(node).toBeTruthy();
    const relabeledNode = await relabeled.query("nodeward_build_info");
    expect(relabeledNode[0]?.metric).toMatchObject({ node: "k8s-node-1", exported_node: node });
    // increase() and rate() need two samples in their window.
    for (const prom of [plain, relabeled]) {
      await waitFor(`three scrapes by ${prom.name}`, async () => ((await prom.query('count_over_time(up{job="nodeward"}[1m]) >= 3')).length > 0 ? true : undefined), 30_000);
    }
    for (const [prom, nodeName] of [
      [plain, node],
      [relabeled, "k8s-node-1"],
    ] as const) {
      const empty: string[] = [];
      for (const { where, expr } of dashboardQueries(nodeName as string)) if ((await prom.query(expr)).length === 0) empty.push(`${where}: ${expr}`);
      for (const { where, expr } of alertQueries()) if ((await prom.query(expr)).length === 0) empty.push(`${where}: ${expr}`);
      expect(empty, prom.name).toEqual([]);
      // A panel that groups by node names the node: build_info's, or the relabeled one.
      const byNode = await prom.query(dashboardQueries(nodeName as string).find((q) => q.where.startsWith("panel \"Compliance by node\""))?.expr ?? "");
      expect(byNode.map((r) => r.metric.node), prom.name).toEqual([nodeName]);
    }
    await stopChild(plain.child);
    await stopChild(relabeled.child);
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
