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
import { redactDeep } from "../util/redact.js";

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
  /** Where the time went (milliseconds), for GET /api/v1/events and the bench. */
  timing: RecheckTiming;
}

export interface RecheckTiming {
  /** Gathering and evaluating the checks. */
  checkMs: number;
  /** Loading the packs for this re-check (0 when they were kept from an earlier one). */
  loadMs?: number;
  /** A re-check process started for this re-check: from its fork to this request read (Node's start, its modules). */
  startMs?: number;
  /** Asking to answer, where re-checks run in another process (includes the above and the message passing). */
  roundTripMs?: number;
}

export async function recheck(options: RecheckOptions): Promise<Recheck> {
  const started = performance.now();
  const recorder = new PlanRecorder(options.host);
  const checks = selectChecks(options.packs, { ...options.filter, checks: [...options.keys] }).filter((c) => options.keys.includes(c.key));
  const results = await runChecks(checks, {
    host: options.host,
    recorder,
    ...(options.deep !== undefined ? { deep: options.deep } : {}),
    ...(options.run ? { run: options.run } : {}),
    ...(options.commandTimeoutMs !== undefined ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
  });
  const plan = await recorder.plan();
  // Redacted where they are made, as runScan's report is: the agent merges these results into
  // its report, API, state file, events and dashboard without going through runScan.
  return { observedAt: recorder.observedAt, results: redactDeep(results), plan, timing: { checkMs: Math.round(performance.now() - started) } };
}

export { mergeResults, resultKey, type StatusChange } from "./merge.js";
