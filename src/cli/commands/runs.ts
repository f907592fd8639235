import { parseArgs } from "node:util";
import { DEFAULT_STATE_DIR, processAlive, RunStore } from "../../remediation/journal.js";
import { EXIT, UsageError } from "../common.js";
import { didYouMean } from "../../util/suggest.js";

export const runsHelp = `Usage: nodeward runs [--state-dir DIR] [--format table|json]

List remediation runs (newest last): id, status, root, changes, checks. A run whose
process ended while it was running is shown as UNFINISHED; "nodeward rollback RUN-ID"
undoes it.
`;

export async function runsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      "state-dir": { type: "string", default: DEFAULT_STATE_DIR },
      format: { type: "string", default: "table" },
      // The old spelling, kept working: --format json is the one every command takes.
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(runsHelp);
    return EXIT.OK;
  }
  if (values.format !== "table" && values.format !== "json") {
    throw new UsageError("FLAG_MUST_BE", { flag: "--format", allowed: "table or json", got: values.format, hint: didYouMean(values.format, ["table", "json"]) });
  }
  const json = values.format === "json" || values.json;
  if (values.json) process.stderr.write("nodeward runs: --json is deprecated; use --format json\n");
  const store = new RunStore(values["state-dir"]);
  const runs = await store.list();
  const unfinished = new Set((await store.unfinished()).map((r) => r.runId));
  if (json) {
    process.stdout.write(JSON.stringify(runs.map((r) => ({ ...r, unfinished: unfinished.has(r.runId) })), null, 2) + "\n");
    return EXIT.OK;
  }
  if (runs.length === 0) {
    process.stdout.write(`no remediation runs in ${store.runsDir}\n`);
    return EXIT.OK;
  }
  for (const r of runs) {
    const status = unfinished.has(r.runId) ? `UNFINISHED (${r.status}, pid ${r.pid} gone)` : r.status === "running" && processAlive(r.pid, r.pidStart) ? "running now" : r.status;
    process.stdout.write(`${r.runId}  ${status.padEnd(12)}  root ${r.root}  ${r.changes} change(s)  ${r.checks.join(", ")}${r.message ? `  — ${r.message}` : ""}\n`);
  }
  if (unfinished.size > 0) process.stdout.write(`\n${unfinished.size} unfinished run(s): undo with "nodeward rollback RUN-ID".\n`);
  return EXIT.OK;
}
