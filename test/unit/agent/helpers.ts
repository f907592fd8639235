/**
 * Build an agent for unit tests: real packs (YAML in temp dirs, loaded by the real
 * loader), a fixture host root, a temp state dir, a private metrics registry, and an
 * optional fake scan function when a test needs to control results or timing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, type AgentLogger, type ScanFunction } from "../../../src/agent/agent.js";
import { catalogOf } from "../../../src/agent/catalog.js";
import { selectChecks } from "../../../src/engine/select.js";
import { parseConfig } from "../../../src/agent/config.js";
import { loadYaml } from "../../../src/util/yaml.js";
import { AgentMetrics } from "../../../src/agent/metrics.js";
import { buildServer, type ServerDeps } from "../../../src/agent/server.js";
import { StateStore } from "../../../src/agent/state.js";
import { countStatuses, type CheckResult, type ScanReport } from "../../../src/engine/result.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { formatPackError, loadPacks } from "../../../src/packs/load.js";
import { fixtureRoot } from "../../helpers/fixture-root.js";
import { packDir } from "../../helpers/inline-pack.js";

export const TOKEN = "test-token-0123456789abcdef";

const tmpDirs: string[] = [];
export async function tempDir(prefix = "nodeward-agent-"): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
export async function cleanupTempDirs(): Promise<void> {
  await Promise.all(tmpDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Pack "demo": 1.1 passes (shadow 0640), 1.2 fails (passwd 0666), 2.1 manual; 1.1 has a typed fix. */
export const DEMO_PACK = `pack: { id: demo, title: Demo, benchmark: Demo Benchmark v1, version: "1" }
checks:
  - id: "1.1"
    title: shadow is private
    severity: high
    level: 1
    audit: { probe: file, params: { path: /etc/shadow }, expect: { mode: { mode-at-most: "0640" } } }
    fix: { action: file-mode, params: { path: /etc/shadow, max: "0640" } }
  - id: "1.2"
    title: passwd is not world-writable
    severity: medium
    audit: { probe: file, params: { path: /etc/passwd }, expect: { mode: { mode-at-most: "0644" } } }
  - id: "2.1"
    title: a person looks
    severity: low
    manual: true
`;

/** Pack "other" reuses id 1.1 (ambiguous bare id). */
export const OTHER_PACK = `pack: { id: other, title: Other, benchmark: Other Benchmark v2, version: "2" }
checks:
  - id: "1.1"
    title: group file exists
    severity: low
    audit: { probe: file, params: { path: /etc/group }, expect: { exists: true } }
`;

export interface TestAgentOptions {
  /** Extra YAML appended to the generated config. */
  configYaml?: string;
  packs?: Record<string, string>;
  scan?: ScanFunction;
  now?: () => Date;
  stateDir?: string;
  server?: Partial<ServerDeps>;
  /** The agent's logger (default: warnings and errors collected in `warnings`). */
  log?: AgentLogger;
}

export async function makeAgent(opts: TestAgentOptions = {}) {
  const root = await fixtureRoot({
    "etc/shadow": { content: "root:*:1::::::\n", mode: 0o640 },
    "etc/passwd": { content: "root:x:0:0:root:/root:/bin/bash\n", mode: 0o666 },
    "etc/group": "root:x:0:\n",
  });
  const packsRoot = await packDir(opts.packs ?? { "demo/pack.yaml": DEMO_PACK, "other/pack.yaml": OTHER_PACK });
  const stateDir = opts.stateDir ?? path.join(await tempDir(), "state");
  const yaml = `stateDir: ${stateDir}\nroot: ${root}\npacks: ${packsRoot}\n${opts.configYaml ?? ""}`;
  await loadYaml();
  const config = parseConfig(yaml, "test-config.yaml");
  const loaded = await loadPacks(config.packs);
  const warnings: string[] = [];
  const log = opts.log ?? { info: () => undefined, warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m) };
  const store = new StateStore(stateDir, log);
  const state = await store.load();
  const metrics = new AgentMetrics({ version: "9.9.9", node: "test-node", processMetrics: false });
  const agent = new Agent({
    config,
    catalog: catalogOf(selectChecks(loaded.packs, { benchmarks: config.benchmarks })),
    packs: loaded.packs,
    loadErrors: loaded.errors.map(formatPackError),
    host: new HostRoot({ root }),
    store,
    state,
    metrics,
    log,
    ...(opts.scan ? { scan: opts.scan } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const app = buildServer({ agent, token: TOKEN, logger: false, ...opts.server });
  return { agent, app, store, stateDir, root, warnings, config };
}

export function result(pack: string, id: string, status: CheckResult["status"], extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    pack,
    benchmark: `${pack} Benchmark`,
    title: `check ${id}`,
    severity: "medium",
    references: {},
    status,
    evidence: [],
    durationMs: 1,
    ...extra,
  };
}

export function report(results: CheckResult[], extra: Partial<ScanReport> = {}): ScanReport {
  return {
    tool: { name: "nodeward", version: "9.9.9" },
    startedAt: "2026-11-22T10:00:00.000Z",
    durationMs: 250,
    host: { root: "/", live: true, hostname: "test-node" },
    packs: [],
    summary: countStatuses(results),
    results,
    loadErrors: [],
    ...extra,
  };
}

/** Lines of an exposition for one metric name (samples only). */
export function samples(text: string, name: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}
