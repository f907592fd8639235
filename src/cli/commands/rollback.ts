import { parseArgs } from "node:util";
import { DEFAULT_STATE_DIR, RunStore } from "../../remediation/journal.js";
import { latestRunId, rollbackRun } from "../../remediation/rollback.js";
import { EXIT, UsageError } from "../common.js";
import { warnUnfinished } from "./remediate.js";

export const rollbackHelp = `Usage: nodeward rollback [RUN-ID] [options]

Undo a remediation run (default: the latest): every file it changed is restored
byte-identical with its mode and owner, units it disabled or masked are re-enabled and
unmasked, and what nodeward cannot undo itself (a purged package) is printed as the exact
command to run. Works on an unfinished (killed) run too.

Options:
  --state-dir DIR   where the runs are (default ${DEFAULT_STATE_DIR})
  --reinstall       also run the reinstall command of purged packages (live host)
  --force           roll back again a run that is already rolled back

Exit codes: 0 rolled back; 1 something could not be restored (listed); 2 usage error.
`;

export async function rollbackCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      "state-dir": { type: "string", default: DEFAULT_STATE_DIR },
      reinstall: { type: "boolean", default: false },
      force: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(rollbackHelp);
    return EXIT.OK;
  }
  if (positionals.length > 1) throw new UsageError("RUN_ID_ONE");
  const store = new RunStore(values["state-dir"]);
  warnUnfinished(await store.unfinished());
  const runId = positionals[0];
  if (runId !== undefined && !(await store.list()).some((r) => r.runId === runId)) {
    throw new UsageError("RUN_UNKNOWN", { run: runId, dir: store.runsDir });
  }
  if (runId === undefined && (await latestRunId(store)) === undefined) {
    process.stderr.write(`nodeward rollback: nothing to roll back: there are no remediation runs in ${store.runsDir}.\n`);
    return EXIT.USAGE;
  }
  const r = await rollbackRun({ store, ...(runId ? { runId } : {}), reinstall: values.reinstall, force: values.force });
  const out = (s: string) => process.stdout.write(s);
  if (r.alreadyRolledBack) {
    out(`Run ${r.runId} is already rolled back (use --force to restore again).\n`);
    return EXIT.OK;
  }
  out(`Rolling back run ${r.runId} (was ${r.previous}${r.previous === "running" ? ": unfinished" : ""}):\n`);
  for (const s of r.restored) out(`  restored  ${s}\n`);
  for (const s of r.manual) out(`  MANUAL    ${s}\n`);
  for (const s of r.failed) out(`  FAILED    ${s}\n`);
  if (r.restored.length + r.manual.length + r.failed.length === 0) out("  (the run changed nothing)\n");
  if (r.manual.length > 0) out(`\nnodeward cannot undo ${r.manual.length} change(s) by itself; run the command(s) above (or rollback --reinstall).\n`);
  return r.failed.length > 0 ? EXIT.FAILED : EXIT.OK;
}
