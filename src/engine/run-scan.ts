/** A whole scan as the CLI and the agent see it: selection, results, inventory, summary. */
import { hostInventory } from "./inventory.js";
import type { HostRoot } from "../host/host-root.js";
import type { LoadedPack } from "../packs/load.js";
import { nodewardVersion } from "../paths.js";
import { countStatuses, type ScanReport } from "./result.js";
import { kubeletInfo, kubernetesInventory, type KubernetesInventory } from "../probes/k8s/kubelet-info.js";
import { createProbeContext, runChecks, type RunChecksOptions } from "./run-checks.js";
import { selectChecks, type CheckFilter } from "./select.js";
import { redactDeep } from "../util/redact.js";

export interface RunScanOptions extends Omit<RunChecksOptions, "host"> {
  host: HostRoot;
  packs: readonly LoadedPack[];
  filter?: CheckFilter;
  /** Formatted pack load errors, carried into the report. */
  loadErrors?: readonly string[];
  /**
   * Gather the host inventory (os-release and hostname files, and `os` for the live
   * host: a few reads). Default true; the terminal table does without it.
   */
  inventory?: boolean;
}

export async function runScan(options: RunScanOptions): Promise<ScanReport> {
  const startedAt = new Date();
  const started = performance.now();
  const checks = selectChecks(options.packs, options.filter);
  const inventory = options.inventory === false
    ? Promise.resolve({ root: options.host.root, live: options.host.isLive })
    : hostInventory(options.host);
  // One probe context for the checks and the Kubernetes inventory: the kubelet is resolved once.
  const ctx = options.ctx ?? createProbeContext(options.host, options.run, options.commandTimeoutMs);
  const [results, host] = await Promise.all([runChecks(checks, { ...options, ctx }), inventory]);
  let kubernetes: KubernetesInventory;
  try {
    kubernetes = kubernetesInventory(await kubeletInfo(ctx));
  } catch (e) {
    kubernetes = { distribution: "unknown", kubelet: "none", unknown: { distribution: e instanceof Error ? e.message : String(e) } };
  }
  const perPack = new Map<string, number>();
  for (const c of checks) perPack.set(c.pack.id, (perPack.get(c.pack.id) ?? 0) + 1);
  // Redacted where it is made: every reporter, the API, the state file and the logs get this copy.
  return redactDeep({
    tool: { name: "nodeward", version: nodewardVersion() },
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - started,
    host,
    kubernetes,
    packs: options.packs
      .filter((p) => perPack.has(p.meta.id))
      .map((p) => ({
        id: p.meta.id,
        title: p.meta.title,
        benchmark: p.meta.benchmark,
        version: p.meta.version,
        checks: perPack.get(p.meta.id) as number,
      })),
    summary: countStatuses(results),
    results,
    loadErrors: [...(options.loadErrors ?? [])],
  });
}
