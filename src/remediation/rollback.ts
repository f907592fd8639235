/**
 * Roll a run back: every journal intent (done or not: a killed run counts too), newest
 * first, restored from its backup — files byte-identical with mode and owner, unit
 * enablement links exactly as they were — and what cannot be undone by nodeward (a
 * purged package) listed with the exact command to undo it.
 */
import { runCommand, type CommandRunner } from "../host/exec.js";
import { HostRoot } from "../host/host-root.js";
import { NodewardError, describeError } from "../errors.js";
import { assertNever } from "../util/assert-never.js";
import { rollbackEntry, type RollbackOutcome } from "./changes.js";
import type { RunInfo, RunStore } from "./journal.js";

export interface RollbackResult extends RollbackOutcome {
  runId: string;
  /** Status before the rollback (`running` = an unfinished, killed run). */
  previous: RunInfo["status"];
  alreadyRolledBack: boolean;
}

export interface RollbackOptions {
  store: RunStore;
  /** Default: the latest run. */
  runId?: string;
  run?: CommandRunner;
  /** Run the reinstall commands of purged packages (live host only). */
  reinstall?: boolean;
  /** Roll back a run that is already rolled back (harmless: restores are idempotent). */
  force?: boolean;
}

export async function latestRunId(store: RunStore): Promise<string | undefined> {
  return (await store.list()).at(-1)?.runId;
}

export async function rollbackRun(o: RollbackOptions): Promise<RollbackResult> {
  const runId = o.runId ?? (await latestRunId(o.store));
  if (!runId) throw new NodewardError("NO_RUNS", { dir: o.store.runsDir });
  const unlock = await o.store.lock();
  try {
    const journal = await o.store.open(runId);
    const previous = journal.info.status;
    const out: RollbackResult = { runId, previous, alreadyRolledBack: false, restored: [], manual: [], failed: [] };
    if (previous === "rolled-back" && !o.force) {
      out.alreadyRolledBack = true;
      return out;
    }
    const host = new HostRoot({ root: journal.info.root });
    await journal.setStatus("rolling-back", { pid: process.pid });
    const entries = (await o.store.journal(runId)).filter((e) => e.t === "intent").sort((a, b) => b.step - a.step);
    for (const e of entries) {
      try {
        await rollbackEntry(e, {
          host,
          run: o.run ?? runCommand,
          readBackup: (rel) => o.store.readBackup(runId, rel),
          reinstall: o.reinstall === true,
        }, out);
      } catch (err) {
        out.failed.push(`${describeChange(e.change)}: ${describeError(err)}`);
      }
    }
    await journal.setStatus(out.failed.length ? "failed" : "rolled-back", {
      rolledBackAt: new Date().toISOString(),
      ...(out.failed.length ? { message: `rollback incomplete: ${out.failed.join("; ")}` } : {}),
    });
    return out;
  } finally {
    await unlock();
  }
}

function describeChange(c: import("./types.js").Change): string {
  switch (c.kind) {
    case "write-file":
    case "chmod":
    case "chown":
      return c.path;
    case "unit":
      return c.unit;
    case "command":
      return c.argv.join(" ");
    default:
      return assertNever(c, "change kind");
  }
}
