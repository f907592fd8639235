/**
 * Apply a plan: one run (journal + backups), check by check, change by change, then
 * re-scan the affected checks with fresh facts and report which now pass. Stops at the
 * first change that fails (the run is `failed`; `nodeward rollback` undoes what was done).
 */
import { runCommand, type CommandRunner } from "../host/exec.js";
import type { CheckResult } from "../engine/result.js";
import { runChecks } from "../engine/run-checks.js";
import { describeError } from "../errors.js";
import { applyChange } from "./changes.js";
import { RunStore, stepsSoFar } from "./journal.js";
import type { PlannedFix, RemediationPlan } from "./plan.js";

export interface ApplyProgress {
  done: number;
  total: number;
  check: string;
}

export interface AppliedFix {
  fix: PlannedFix;
  /** Changes made (0: everything was already in place). */
  applied: number;
  error?: string;
}

export interface ApplyResult {
  /** undefined when there was nothing to change (no run is recorded). */
  runId?: string;
  status: "complete" | "failed" | "nothing-to-do";
  fixes: AppliedFix[];
  /** Re-scan of the checks that had changes, after the run. */
  rescan: CheckResult[];
}

export interface ApplyOptions {
  plan: RemediationPlan;
  store: RunStore;
  run?: CommandRunner;
  onProgress?: (p: ApplyProgress) => void;
}

export async function applyPlan(o: ApplyOptions): Promise<ApplyResult> {
  const run = o.run ?? runCommand;
  const todo = o.plan.fixes.filter((f) => f.changes.length > 0 && !f.error);
  if (todo.length === 0) return { status: "nothing-to-do", fixes: [], rescan: [] };
  const unlock = await o.store.lock();
  try {
    const journal = await o.store.create(o.plan.host.root);
    await journal.setStatus("running", { checks: todo.map((f) => f.check.key) });
    const total = todo.reduce((n, f) => n + f.changes.length, 0);
    let done = 0;
    let failed = false;
    const out: AppliedFix[] = [];
    for (const fix of todo) {
      const r: AppliedFix = { fix, applied: 0 };
      out.push(r);
      for (const change of fix.changes) {
        o.onProgress?.({ done, total, check: fix.check.key });
        try {
          if (await applyChange(change, { host: o.plan.host, run, journal, check: fix.check.key, action: fix.action })) r.applied++;
        } catch (e) {
          r.error = describeError(e);
          await journal.append({ t: "failed", step: journal.nextStep(), check: fix.check.key, action: fix.action, change, error: r.error });
          failed = true;
          break;
        }
        done++;
      }
      if (failed) break;
    }
    o.onProgress?.({ done, total, check: "" });
    const changes = out.reduce((n, f) => n + f.applied, 0);
    const rescanChecks = out.filter((f) => f.applied > 0 || f.error).map((f) => f.fix.check);
    const rescan = rescanChecks.length ? await runChecks(rescanChecks, { host: o.plan.host, run }) : [];
    const status = failed ? "failed" : "complete";
    await journal.setStatus(status, {
      finishedAt: new Date().toISOString(),
      changes,
      steps: stepsSoFar(),
      ...(failed ? { message: out.find((f) => f.error)?.error ?? "a change failed" } : {}),
    });
    return { runId: journal.runId, status, fixes: out, rescan };
  } finally {
    await unlock();
  }
}
