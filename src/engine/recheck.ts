/**
 * Re-check a few checks and merge their results into the last report: what the agent's
 * drift watcher does when something a check read has changed. The same scan path as a
 * full scan (select → gather only these checks' facts → evaluate), so a re-checked result
 * is exactly what a full scan would say now; the plan of the re-gathered facts comes back
 * with it, since what a fact depends on can move (the kubelet's config path).
 */
import type { CommandRunner } from "../host/exec.js";
import type { HostRoot } from "../host/host-root.js";
import type { LoadedPack } from "../packs/load.js";
import { PlanRecorder, type DriftPlan } from "./drift-plan.js";
import type { CheckResult } from "./result.js";
import { runChecks } from "./run-checks.js";
import { selectChecks, type CheckFilter } from "./select.js";

export interface RecheckOptions {
  host: HostRoot;
  packs: readonly LoadedPack[];
  /** The agent's own selection (its benchmarks); `keys` narrows it. */
  filter?: CheckFilter;
  /** Check keys (`pack/id`) to re-check. */
  keys: readonly string[];
  deep?: boolean;
  run?: CommandRunner;
  commandTimeoutMs?: number;
}

export interface Recheck {
  /** Date.now() when the re-check started reading. */
  observedAt: number;
  results: CheckResult[];
  plan: DriftPlan;
}

export async function recheck(options: RecheckOptions): Promise<Recheck> {
  const recorder = new PlanRecorder(options.host);
  const checks = selectChecks(options.packs, { ...options.filter, checks: [...options.keys] }).filter((c) => options.keys.includes(c.key));
  const results = await runChecks(checks, {
    host: options.host,
    recorder,
    ...(options.deep !== undefined ? { deep: options.deep } : {}),
    ...(options.run ? { run: options.run } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
  });
  return { observedAt: recorder.observedAt, results, plan: await recorder.plan() };
}

export { mergeResults, resultKey, type StatusChange } from "./merge.js";
