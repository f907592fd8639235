import { parseArgs } from "node:util";
import { runScan } from "../../engine/run-scan.js";
import { severityRank } from "../../engine/select.js";
import type { ScanReport, Severity } from "../../engine/result.js";
import { HostRoot } from "../../host/host-root.js";
import { getReporter, reporters } from "../../report/index.js";
import { EXIT, UsageError, loadPackPaths, parsePositiveInt, parseSeverity, splitList, useColor, writeFileAtomic, SELECTION_OPTIONS } from "../common.js";

export const scanHelp = `Usage: nodeward scan [options]

Run the checks of the loaded packs against this host (or another root) and report.
Scans only read; they never change the host.

Selection:
  --benchmark ID        only this pack (repeatable or comma-separated), e.g. cis-kubernetes-node
  --check ID            only this check (repeatable); "4.2.1" or "cis-kubernetes-node/4.2.1"
  --severity LEVEL      only checks at or above: ${["info", "low", "medium", "high", "critical"].join(", ")}
  --level N             only checks of CIS level N or below (1 = baseline)
  --deep                also run checks that walk whole filesystems (SUID, world-writable,
                        unowned files: seconds, not milliseconds); reported skip otherwise
  --packs PATH          load packs from PATH instead of the bundled benchmarks/ (repeatable)
  --profile NAME        tailor the packs for a kind of node, e.g. kubernetes-node
                        (benchmarks/profiles/NAME.yaml, or a path to a profile file)
  --var NAME=VALUE      set a pack var (VALUE is YAML), e.g. --var 'allowed-ports=[22, 10250]'

Target:
  --root DIR            scan the system mounted at DIR (default /)
  --proc DIR            its procfs (default <root>/proc)

Output:
  --format FORMAT       ${Object.keys(reporters).join(", ")} (default table)
  -o, --output FILE     write the report to FILE (atomically) instead of stdout
  --fail-on LEVEL       exit 1 only for fail/error results at or above LEVEL (default info = any)
  -q, --quiet           no progress on stderr

Exit codes: 0 nothing failed at or above --fail-on; 1 a check failed or could not be
evaluated (error) at or above it; 2 usage error or a check pack that did not load
(valid packs still run); 3 internal error.
`;

export async function scanCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...SELECTION_OPTIONS,
      format: { type: "string", default: "table" },
      output: { type: "string", short: "o" },
      "fail-on": { type: "string", default: "info" },
      quiet: { type: "boolean", short: "q", default: false },
      deep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(scanHelp);
    return EXIT.OK;
  }
  const reporter = getReporter(values.format);
  if (!reporter) throw new UsageError(`--format must be one of ${Object.keys(reporters).join(", ")} (got "${values.format}")`);
  const failOn = parseSeverity(values["fail-on"], "--fail-on") as Severity;
  const minSeverity = parseSeverity(values.severity, "--severity");
  const maxLevel = parsePositiveInt(values.level, "--level");
  const host = new HostRoot({ ...(values.root ? { root: values.root } : {}), ...(values.proc ? { proc: values.proc } : {}) });
  await assertDirectory(host.root, "--root");

  const timing = phaseTimer();
  const loaded = await loadPackPaths(values.packs ?? [], {
    ...(values.profile ? { profile: values.profile } : {}),
    ...(values.var ? { vars: values.var } : {}),
  });
  for (const e of loaded.formatted) process.stderr.write(`nodeward: pack error: ${e}\n`);

  timing.mark("load");
  const progress = !values.quiet && process.stderr.isTTY === true;
  const report: ScanReport = await runScan({
    host,
    packs: loaded.packs,
    filter: {
      benchmarks: splitList(values.benchmark),
      checks: splitList(values.check),
      ...(minSeverity ? { minSeverity } : {}),
      ...(maxLevel !== undefined ? { maxLevel } : {}),
    },
    loadErrors: loaded.formatted,
    deep: values.deep,
    // The terminal table shows no inventory; every machine-readable format carries it.
    inventory: reporter.name !== "table",
    ...(progress
      ? { onFact: (done: number, total: number, call: { probeId: string }) => process.stderr.write(`\r\u001b[2Kgathering facts ${done}/${total} (${call.probeId})`) }
      : {}),
  });
  if (progress) process.stderr.write("\r\u001b[2K");
  if (report.results.length === 0 && loaded.formatted.length === 0) {
    process.stderr.write("nodeward: no checks matched the selection\n");
  }

  timing.mark("scan");
  const color = !values.output && useColor(process.stdout);
  const text = reporter.render(report, { color });
  if (values.output) {
    try {
      await writeFileAtomic(values.output, text);
    } catch (e) {
      throw new UsageError(`--output ${values.output}: ${(e as Error).message}`);
    }
    if (!values.quiet) process.stderr.write(`nodeward: wrote ${reporter.name} report to ${values.output}\n`);
  } else {
    process.stdout.write(text);
  }

  timing.mark("report");
  timing.print();
  if (loaded.formatted.length > 0) return EXIT.USAGE;
  const threshold = severityRank(failOn);
  const failed = report.results.some((r) => (r.status === "fail" || r.status === "error") && severityRank(r.severity) >= threshold);
  return failed ? EXIT.FAILED : EXIT.OK;
}

async function assertDirectory(dir: string, flag: string): Promise<void> {
  const { stat } = await import("node:fs/promises");
  try {
    if (!(await stat(dir)).isDirectory()) throw new UsageError(`${flag} ${dir} is not a directory`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${flag} ${dir}: ${(e as Error).message}`);
  }
}

/** NODEWARD_TIMING=1: where a scan's time went (CPU and wall ms per phase) on stderr, for npm run bench. */
function phaseTimer() {
  const on = process.env.NODEWARD_TIMING !== undefined;
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const phases: Record<string, { cpu: number; wall: number }> = { start: { cpu: cpu(), wall: performance.now() } };
  let last = phases.start as { cpu: number; wall: number };
  return {
    mark(name: string) {
      if (!on) return;
      const now = { cpu: cpu(), wall: performance.now() };
      phases[name] = { cpu: now.cpu - last.cpu, wall: now.wall - last.wall };
      last = now;
    },
    print() {
      if (on) process.stderr.write(`nodeward-timing ${JSON.stringify(phases)}\n`);
    },
  };
}
