import { MAX_PACK_FILE_BYTES, readYaml } from "../../util/yaml-source.js";
import { loadYaml } from "../../util/yaml.js";
import { runScan } from "../../engine/run-scan.js";
import { severityRank } from "../../engine/select.js";
import { countStatuses, type ScanReport, type Severity } from "../../engine/result.js";
import { getReporter, reporters } from "../../report/index.js";
import type { Reporter, ReportedResult } from "../../report/types.js";
import {
  EXIT,
  UsageError,
  loadPackPaths,
  parseColorMode,
  parseSeverity,
  parseStatuses,
  selectOrFail,
  useColor,
  writeFileAtomic,
  parseSelectionArgs,
  hostFromFlags,
  checkFilter,
  selectionFlags,
} from "../common.js";
import { didYouMean } from "../../util/suggest.js";

const FORMATS = Object.keys(reporters);

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
  An unknown pack, check, var or profile, or a selection that matches no check, is a
  usage error (exit 2) with the closest names.

Target:
  --root DIR            scan the system mounted at DIR (default /)
  --proc DIR            its procfs (default <root>/proc)

Output:
  --format FORMAT       ${FORMATS.join(", ")} (default table)
  -o, --output [FORMAT=]FILE write a report to FILE (atomically) instead of stdout;
                        repeat with FORMAT= for several reports of one scan, e.g.
                        -o json=report.json -o sarif=report.sarif (FILE "-" is stdout)
  --status LIST         only results with these statuses, in every format, e.g. fail,error
                        (pass, fail, manual, skip, error); the exit code still counts all
  --waivers FILE        accepted exceptions, in the agent's format (a YAML list, or a file
                        with "waivers:", of {check, reason, expires: YYYY-MM-DD}); a waived
                        result keeps its status, is marked (SARIF suppression, JUnit skip)
                        and does not fail the run
  --fail-on LEVEL       exit 1 only for fail/error results at or above LEVEL (default info = any)
  -v, --verbose         table: every result in full (why, evidence), also manual, skipped
                        and passed checks; without it the table fits in 200 lines (the
                        failures get less detail, then the largest sections are grouped)
  --color WHEN          auto (default: a terminal, unless NO_COLOR is set; FORCE_COLOR
                        forces it), always or never
  -q, --quiet           no progress on stderr

Exit codes: 0 nothing failed at or above --fail-on; 1 a check failed or could not be
evaluated (error) at or above it; 2 usage error or a check pack that did not load
(valid packs still run); 3 internal error.
`;

interface Output {
  reporter: Reporter;
  /** A file, or "-" for stdout. */
  file: string;
}

/** `-o FILE` (with --format) or `-o FORMAT=FILE`; stdout when no -o names it. */
export function parseOutputs(specs: readonly string[], format: string | undefined): Output[] {
  const reporterOf = (name: string, flag: string): Reporter => {
    const r = getReporter(name);
    if (!r) throw new UsageError("FLAG_ONE_OF", { flag, allowed: FORMATS.join(", "), got: name, hint: didYouMean(name, FORMATS) });
    return r;
  };
  const outputs: Output[] = [];
  let bare = 0;
  for (const spec of specs) {
    const m = /^([a-z]+)=(.+)$/.exec(spec);
    if (m) {
      outputs.push({ reporter: reporterOf(m[1] as string, `-o ${spec}: the format`), file: m[2] as string });
    } else {
      bare++;
      outputs.push({ reporter: reporterOf(format ?? "table", "--format"), file: spec });
    }
  }
  if (bare > 1) throw new UsageError("OUTPUT_FORMAT_NEEDED");
  if (outputs.length === 0 || (format !== undefined && bare === 0)) outputs.unshift({ reporter: reporterOf(format ?? "table", "--format"), file: "-" });
  const stdout = outputs.filter((o) => o.file === "-").length;
  if (stdout > 1) throw new UsageError("ONE_STDOUT_REPORT");
  return outputs;
}

export async function scanCommand(argv: string[]): Promise<number> {
  const values = parseSelectionArgs(argv, {
    format: { type: "string" },
    output: { type: "string", short: "o", multiple: true },
    status: { type: "string", multiple: true },
    waivers: { type: "string" },
    "fail-on": { type: "string", default: "info" },
    verbose: { type: "boolean", short: "v", default: false },
    color: { type: "string" },
    quiet: { type: "boolean", short: "q", default: false },
    deep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(scanHelp);
    return EXIT.OK;
  }
  const outputs = parseOutputs(values.output ?? [], values.format);
  const failOn = parseSeverity(values["fail-on"], "--fail-on") as Severity;
  const filter = checkFilter(values);
  const statuses = parseStatuses(values.status);
  const colorMode = parseColorMode(values.color);
  const host = await hostFromFlags(values);

  const timing = phaseTimer();
  const loaded = await loadPackPaths(values.packs ?? [], { ...selectionFlags(values) });
  for (const e of loaded.formatted) process.stderr.write(`nodeward: pack error: ${e}\n`);
  // Typos and empty selections are usage errors before anything is scanned.
  if (loaded.errors.length === 0) selectOrFail(loaded.packs, loaded.all, filter, loaded.profile);
  const waivers = values.waivers ? await readWaivers(values.waivers, loaded.all) : undefined;

  timing.mark("load");
  const progress = !values.quiet && process.stderr.isTTY === true;
  const scanned: ScanReport = await runScan({
    host,
    packs: loaded.packs,
    filter,
    loadErrors: loaded.formatted,
    deep: values.deep,
    // The terminal table shows no inventory; every machine-readable format carries it.
    inventory: outputs.some((o) => o.reporter.name !== "table"),
    ...(progress
      ? { onFact: (done: number, total: number, call: { probeId: string }) => process.stderr.write(`\r\u001b[2Kgathering facts ${done}/${total} (${call.probeId})`) }
      : {}),
  });
  if (progress) process.stderr.write("\r\u001b[2K");
  timing.mark("scan");

  // Where each check is defined: SARIF locates a result without file evidence there. The
  // results are the scan's own redacted copy: each gets its source in place, not copied again.
  const sources = new Map(loaded.packs.flatMap((p) => p.checks.map((c) => [c.key, { file: c.source.file, line: c.source.line }] as const)));
  for (const r of scanned.results as ReportedResult[]) {
    const source = sources.get(`${r.pack}/${r.id}`);
    if (source) r.source = source;
  }
  let report: ScanReport = scanned;
  if (waivers) {
    const { applyWaivers } = await import("../../agent/waivers.js");
    const waived = applyWaivers(report, waivers);
    for (const w of waived.waivers.filter((x) => x.state === "expired")) {
      process.stderr.write(`nodeward: waiver for ${w.check} expired on ${w.expires}; it no longer applies\n`);
    }
    report = waived;
  }
  const results = report.results as ReportedResult[];
  const shown = statuses ? { ...report, results: results.filter((r) => statuses.includes(r.status)), summary: countStatuses(results.filter((r) => statuses.includes(r.status))) } : report;

  for (const o of outputs) {
    const toStdout = o.file === "-";
    const color = toStdout && useColor(process.stdout, colorMode);
    const width = toStdout && process.stdout.isTTY ? process.stdout.columns : undefined;
    const options = { color, verbose: values.verbose, ...(width ? { width } : {}) };
    if (toStdout) {
      process.stdout.write(o.reporter.render(shown, options));
      continue;
    }
    try {
      // A file gets the report in pieces where the reporter can (JSON): never one big string.
      await writeFileAtomic(o.file, o.reporter.renderChunks?.(shown, options) ?? o.reporter.render(shown, options));
    } catch (e) {
      throw new UsageError("FLAG_FILE", { flag: "--output", file: o.file, reason: (e as Error).message });
    }
    if (!values.quiet) process.stderr.write(`nodeward: wrote ${o.reporter.name} report to ${o.file}\n`);
  }
  timing.mark("report");
  timing.print();

  if (loaded.formatted.length > 0) return EXIT.USAGE;
  const threshold = severityRank(failOn);
  const failed = results.some((r) => (r.status === "fail" || r.status === "error") && !r.waiver && severityRank(r.severity) >= threshold);
  return failed ? EXIT.FAILED : EXIT.OK;
}

/** `--waivers FILE`: the agent's waiver entries, as a YAML list or under `waivers:` (so an agent config works as is). */
async function readWaivers(file: string, packs: readonly { checks: readonly { id: string; key: string }[] }[]) {
  const [{ readTextCapped }, { WaiverSchema }, { z }] = await Promise.all([import("../../util/read-capped.js"), import("../../agent/config.js"), import("zod")]);
  let text: string;
  try {
    // Capped as the YAML reader caps it (/dev/zero or an endless FIFO is refused, not read until memory runs out).
    text = await readTextCapped(file, MAX_PACK_FILE_BYTES);
  } catch (e) {
    throw new UsageError("FLAG_FILE", { flag: "--waivers", file, reason: String((e as Error).message.split("\n")[0]) });
  }
  // As the agent reads its config (waivers included): size, nesting and alias caps checked
  // before and while parsing (a 300,000-deep flow sequence took 8.6 s and 400 MB to overflow the stack).
  await loadYaml();
  const read = readYaml(text, file);
  if ("issues" in read) {
    const i = read.issues[0];
    throw new UsageError("FLAG_FILE", { flag: "--waivers", file, reason: i ? `line ${i.line}, column ${i.column}: ${i.message}` : "not YAML" });
  }
  const data = read.data;
  const list = Array.isArray(data) ? data : (data as { waivers?: unknown } | null)?.waivers;
  const parsed = z.array(WaiverSchema).safeParse(list ?? []);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new UsageError("WAIVERS_INVALID", { file, problem: i ? `waivers[${i.path.join("].")}: ${i.message}` : "not a list of waivers", shape: "{check, reason, expires: YYYY-MM-DD}" });
  }
  const known = new Set(packs.flatMap((p) => p.checks.flatMap((c) => [c.id, c.key])));
  for (const w of parsed.data) {
    if (!known.has(w.check)) throw new UsageError("WAIVER_UNKNOWN_CHECK", { file, check: w.check, hint: didYouMean(w.check, known) });
  }
  return parsed.data;
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
