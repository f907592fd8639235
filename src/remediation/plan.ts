/**
 * Dry run: scan the selected checks, and for each failing check with a `fix`, ask its
 * action for the changes. Changes no byte. Plans see earlier plans' writes through an
 * overlay, so two fixes editing one file (two sysctls in 60-nodeward.conf) chain.
 */
import { runCommand, type CommandRunner } from "../host/exec.js";
import type { HostRoot } from "../host/host-root.js";
import type { CheckResult } from "../engine/result.js";
import { createProbeContext, runChecks } from "../engine/run-checks.js";
import type { LoadedCheck } from "../packs/load.js";
import { describeError } from "../errors.js";
import { readFileState } from "./atomic.js";
import { getFix } from "./index.js";
import { FixRefused, type Change, type FileState, type FixContext, type Needs } from "./types.js";

export interface PlannedFix {
  check: LoadedCheck;
  result: CheckResult;
  action: string;
  /** Changes to make (empty: nothing to do, or everything was skipped). */
  changes: Change[];
  /** Changes that cannot be made here (live-only on an offline root), with the reason. */
  skipped: { change: Change; reason: string }[];
  /** The action refused or failed to plan: the check stays as it is. */
  error?: string;
  needs?: Needs;
}

export interface RemediationPlan {
  host: HostRoot;
  results: CheckResult[];
  checks: LoadedCheck[];
  fixes: PlannedFix[];
  /** Failing checks with no `fix` in their pack: a person has to do them. */
  noFix: CheckResult[];
}

export interface PlanOptions {
  host: HostRoot;
  checks: readonly LoadedCheck[];
  run?: CommandRunner;
  /** Results of a scan already made of these checks (else they are scanned now). */
  results?: readonly CheckResult[];
}

export function overlayReader(host: HostRoot, overlay: Map<string, FileState | null>): (p: string) => Promise<FileState | null> {
  return async (p) => (overlay.has(p) ? (overlay.get(p) ?? null) : readFileState(host, p));
}

function applyToOverlay(overlay: Map<string, FileState | null>, cur: FileState | null, c: Change): void {
  if (c.kind === "write-file") overlay.set(c.path, c.after);
  else if (c.kind === "chmod" && cur) overlay.set(c.path, { ...cur, mode: c.to });
  else if (c.kind === "chown" && cur) overlay.set(c.path, { ...cur, ...c.to });
}

export async function planRemediation(o: PlanOptions): Promise<RemediationPlan> {
  const run = o.run ?? runCommand;
  const checks = [...o.checks];
  const results = o.results ? [...o.results] : await runChecks(checks, { host: o.host, run });
  const overlay = new Map<string, FileState | null>();
  const ctx: FixContext = {
    host: o.host,
    probe: createProbeContext(o.host, run),
    run,
    readFile: overlayReader(o.host, overlay),
  };
  const fixes: PlannedFix[] = [];
  const noFix: CheckResult[] = [];
  for (const [i, check] of checks.entries()) {
    const result = results[i] as CheckResult;
    if (result.status !== "fail") continue;
    if (!check.fix) {
      noFix.push(result);
      continue;
    }
    const action = getFix(check.fix.action);
    const planned: PlannedFix = { check, result, action: check.fix.action, changes: [], skipped: [] };
    fixes.push(planned);
    if (!action) {
      planned.error = `unknown fix action "${check.fix.action}"`;
      continue;
    }
    try {
      const params: unknown = action.params.parse(check.fix.params ?? {});
      // A per-check `needs` (config-line on a kubelet key) overrides the action's own.
      const needs = (params as { needs?: Needs }).needs ?? action.needs;
      if (needs) planned.needs = needs;
      const changes = await action.plan(ctx, params, check);
      for (const c of changes) {
        if ((c.kind === "command" || action.liveOnly) && !o.host.isLive) {
          planned.skipped.push({ change: c, reason: `runs only on the live host (this is --root ${o.host.root})` });
          continue;
        }
        const cur = c.kind === "chmod" || c.kind === "chown" ? await ctx.readFile(c.path) : null;
        applyToOverlay(overlay, cur, c);
        planned.changes.push(c);
      }
    } catch (e) {
      planned.error = e instanceof FixRefused ? e.message : describeError(e);
    }
  }
  return { host: o.host, results, checks, fixes, noFix };
}
