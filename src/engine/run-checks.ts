/**
 * Run a set of checks: plan the facts they need, gather each once, evaluate, return typed
 * results. runScan (run-scan.ts) wraps it into a whole scan (selection, inventory, summary)
 * for the CLI and the agent; remediation calls it to re-check what it changed.
 * Applicability facts are gathered first so an audit is never run for a check that
 * does not apply (no rpm on Debian, no kubelet reads on a plain host).
 */
import { runCommand, type CommandRunner } from "../host/exec.js";
import type { HostRoot } from "../host/host-root.js";
import type { LoadedCheck } from "../packs/load.js";
import type { ProbeContext } from "../probes/types.js";
import { evaluateCheck, judgeCondition, skippedResult } from "./evaluate.js";
import { gatherFacts, type FactOutcome, type GatherOptions } from "./gather.js";
import type { CheckResult } from "./result.js";

/** Checks tagged `deep` walk whole filesystems (seconds, not milliseconds): opt-in. */
export const DEEP_TAG = "deep";

export interface RunChecksOptions extends GatherOptions {
  host: HostRoot;
  /** Run checks tagged `deep` (filesystem walks). Off by default: a scan stays sub-second. */
  deep?: boolean;
  run?: CommandRunner;
  commandTimeoutMs?: number;
  /** The per-scan probe context, when the caller reads facts of its own after the checks (the report's inventory). */
  ctx?: ProbeContext;
}

export function createProbeContext(host: HostRoot, run: CommandRunner = runCommand, commandTimeoutMs = 10_000): ProbeContext {
  const memo = new Map<string, Promise<unknown>>();
  return {
    host,
    run,
    commandTimeoutMs,
    once<T>(key: string, load: () => Promise<T>): Promise<T> {
      let p = memo.get(key) as Promise<T> | undefined;
      if (!p) {
        p = load();
        memo.set(key, p);
      }
      return p;
    },
  };
}

export async function runChecks(allChecks: readonly LoadedCheck[], options: RunChecksOptions): Promise<CheckResult[]> {
  // A deep check left out is still reported (skip, with how to include it), never silently dropped.
  const deferred = (c: LoadedCheck) => !options.deep && c.tags.includes(DEEP_TAG);
  const checks = allChecks.filter((c) => !deferred(c));
  const ctx = options.ctx ?? createProbeContext(options.host, options.run, options.commandTimeoutMs);
  const facts = new Map<string, FactOutcome>();
  await gatherFacts(checks.filter((c) => !c.tailoring?.exclude).flatMap((c) => c.applies), ctx, options, facts);
  const applicable = checks.filter((c) => !c.tailoring?.exclude && c.applies.every((cond) => judgeCondition(cond, facts.get(cond.factKey)).holds));
  await gatherFacts(applicable.flatMap((c) => (c.audit ? [c.audit] : [])), ctx, options, facts);
  options.recorder?.decided?.(checks.filter((c) => !c.tailoring?.exclude));
  return allChecks.map((c) =>
    deferred(c)
      ? skippedResult(c, "walks the whole filesystem (seconds per 100k files); run with --deep to include it")
      : evaluateCheck(c, facts),
  );
}
