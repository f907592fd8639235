import type { CheckResult, ScanReport } from "../engine/result.js";
import { assertNever } from "../util/assert-never.js";
import { formatReferences, resultsByPack, seconds, stripControl } from "./format.js";
import { formatEvidence } from "./table.js";
import type { Reporter, ReportedResult } from "./types.js";
import { pushAll } from "../util/array.js";

/**
 * JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one testsuite per
 * pack, one testcase per check. `fail` is a <failure>, `error` (the check could not be
 * evaluated) an <error>, `skip` and `manual` are <skipped> with the reason. Pack files
 * that did not load become <error> testcases in a "nodeward/pack-load" suite, so CI
 * sees them instead of a silently shorter report. A waived result (`scan --waivers`) is
 * <skipped> with the waiver's reason: an accepted exception, not a failure.
 *
 * Valid against the Jenkins xunit plugin's junit-10.xsd (test/fixtures): <testsuites>
 * carries only name, time, tests, failures, errors. Checks share facts, so their own
 * durations overlap; when they add up to more than the scan took, they are scaled down
 * so every suite's time, and their sum, fits in the scan's.
 */
export const junitReporter: Reporter = {
  name: "junit",
  contentType: "application/xml",
  extension: "xml",
  render(report) {
    const suites: Suite[] = [];
    const total = report.results.reduce((t, r) => t + Math.max(0, r.durationMs), 0);
    const scale = total > report.durationMs && total > 0 ? report.durationMs / total : 1;
    for (const [pack, results] of resultsByPack(report)) suites.push(packSuite(report, pack, results, scale));
    if (report.loadErrors.length > 0) suites.push(loadErrorSuite(report));

    const sum = (k: keyof Counts) => suites.reduce((n, s) => n + s.counts[k], 0);
    const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
    out.push(
      `<testsuites${attrs({
        name: `${report.tool.name} ${report.tool.version}`,
        tests: sum("tests"),
        failures: sum("failures"),
        errors: sum("errors"),
        time: seconds(report.durationMs),
      })}>`,
    );
    for (const s of suites) pushAll(out, s.lines);
    out.push("</testsuites>");
    return out.join("\n") + "\n";
  },
};

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}
interface Suite {
  counts: Counts;
  lines: string[];
}

function packSuite(report: ScanReport, pack: string, results: ReportedResult[], scale: number): Suite {
  const info = report.packs.find((p) => p.id === pack);
  const counts: Counts = { tests: results.length, failures: 0, errors: 0, skipped: 0 };
  for (const r of results) {
    if (r.waiver || r.status === "skip" || r.status === "manual") counts.skipped++;
    else if (r.status === "fail") counts.failures++;
    else if (r.status === "error") counts.errors++;
  }
  const lines = [
    `  <testsuite${attrs({
      name: pack,
      tests: counts.tests,
      failures: counts.failures,
      errors: counts.errors,
      skipped: counts.skipped,
      time: seconds(results.reduce((t, r) => t + Math.max(0, r.durationMs) * scale, 0)),
      timestamp: report.startedAt,
      hostname: report.host.hostname ?? "",
    })}>`,
    "    <properties>",
    ...[
      ["benchmark", info?.benchmark ?? results[0]?.benchmark ?? ""],
      ["pack.version", info?.version ?? ""],
      ["host.root", report.host.root],
      ...(report.kubernetes
        ? [
            ["kubernetes.distribution", [report.kubernetes.distribution, report.kubernetes.variant].filter(Boolean).join(" ")],
            ["kubernetes.kubelet.version", report.kubernetes.version ?? ""],
          ]
        : []),
    ].map(([name, value]) => `      <property${attrs({ name: name ?? "", value: value ?? "" })}/>`),
    "    </properties>",
  ];
  for (const r of results) pushAll(lines, testcase(r, scale));
  lines.push("  </testsuite>");
  return { counts, lines };
}

function testcase(r: ReportedResult, scale: number): string[] {
  const open = `    <testcase${attrs({ classname: r.pack, name: `${r.id} ${r.title}`, time: seconds(Math.max(0, r.durationMs) * scale) })}`;
  const reason = r.message ?? r.status;
  if (r.waiver) {
    return [open + ">", `      <skipped${attrs({ message: `waived (${r.status}) until ${r.waiver.expires}: ${r.waiver.reason}`, type: "waived" })}>${text(body(r))}</skipped>`, "    </testcase>"];
  }
  switch (r.status) {
    case "pass":
      return [`${open}/>`];
    case "fail":
      return [open + ">", `      <failure${attrs({ message: reason, type: "fail" })}>${text(body(r))}</failure>`, "    </testcase>"];
    case "error":
      return [open + ">", `      <error${attrs({ message: reason, type: "error" })}>${text(body(r))}</error>`, "    </testcase>"];
    case "skip":
    case "manual":
      return [open + ">", `      <skipped${attrs({ message: `${r.status}: ${reason}` })}/>`, "    </testcase>"];
    default:
      return assertNever(r.status, "status");
  }
}

/** The failure body: everything a reader needs without opening the JSON report. */
function body(r: CheckResult): string {
  const lines: string[] = [];
  if (r.message) lines.push(r.message);
  if (r.observed !== undefined) lines.push(`observed: ${r.observed}`);
  if (r.expected !== undefined) lines.push(`expected: ${r.expected}`);
  for (const e of r.evidence) {
    const s = formatEvidence(e);
    if (s) lines.push(`evidence: ${s}`);
  }
  lines.push(`severity: ${r.severity}`);
  const refs = formatReferences(r.references);
  if (refs.length > 0) lines.push(`references: ${refs.join(", ")}`);
  if (r.tailoring) lines.push(`tailoring: profile ${r.tailoring.profile}: ${r.tailoring.reason}`);
  if (r.remediation) lines.push(`remediation:\n${r.remediation.trimEnd()}`);
  return lines.join("\n");
}

function loadErrorSuite(report: ScanReport): Suite {
  const n = report.loadErrors.length;
  const lines = [`  <testsuite${attrs({ name: "nodeward/pack-load", tests: n, failures: 0, errors: n, skipped: 0, time: "0.000", timestamp: report.startedAt })}>`];
  report.loadErrors.forEach((e, i) => {
    lines.push(
      `    <testcase${attrs({ classname: "nodeward/pack-load", name: `pack load error ${i + 1}`, time: "0.000" })}>`,
      `      <error${attrs({ message: e.split("\n", 1)[0] ?? e, type: "pack-load" })}>${text(e)}</error>`,
      "    </testcase>",
    );
  });
  lines.push("  </testsuite>");
  return { counts: { tests: n, failures: 0, errors: n, skipped: 0 }, lines };
}

// --- Internal helpers ---

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${attr(String(v))}"`)
    .join("");
}

/** Attribute value: newlines and tabs as character references, or parsers fold them to spaces. */
function attr(s: string): string {
  return text(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function text(s: string): string {
  return stripControl(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
