import path from "node:path";
import { pathToFileURL } from "node:url";
import type { CheckResult, Severity, Status } from "../engine/result.js";
import { PACKAGE_ROOT } from "../paths.js";
import type { Evidence } from "../model/evidence.js";
import { formatReferences, stripControl } from "./format.js";
import type { Reporter, ReportedResult } from "./types.js";

/** uriBaseId of locations in nodeward's own files (a check's line in its pack file). */
const PACKS_BASE = "NODEWARD";


const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

type SarifLevel = "error" | "warning" | "note" | "none";
type SarifKind = "pass" | "fail" | "review" | "notApplicable" | "open" | "informational";

const LEVEL: Record<Severity, SarifLevel> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };
/** GitHub code scanning ranks by this CVSS-like score (>= 9 critical, >= 7 high, >= 4 medium). */
const SECURITY_SEVERITY: Record<Severity, string | undefined> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: undefined };

/**
 * Every check is a result, its `kind` saying what happened, so a viewer sees the full
 * coverage and not only the findings. `fail` and `error` are kind "fail" with a level by
 * severity: an `error` is a check nodeward could not evaluate, which a gate must not
 * read as passed (the CLI's exit code treats it the same way; properties.status tells
 * them apart). `manual` is "review", `skip` "notApplicable", `pass` "pass"; SARIF
 * requires level "none" for those.
 */
const KIND: Record<Status, SarifKind> = { pass: "pass", fail: "fail", error: "fail", manual: "review", skip: "notApplicable" };

export const sarifReporter: Reporter = {
  name: "sarif",
  contentType: "application/sarif+json",
  extension: "sarif",
  render(report) {
    const ruleIndex = new Map<string, number>();
    const rules: SarifRule[] = [];
    for (const r of report.results) {
      const id = ruleId(r);
      if (ruleIndex.has(id)) continue;
      ruleIndex.set(id, rules.length);
      rules.push(rule(r));
    }
    const started = Date.parse(report.startedAt);
    const log = {
      $schema: SARIF_SCHEMA,
      version: "2.1.0",
      runs: [
        {
          tool: {
            driver: {
              name: report.tool.name,
              version: report.tool.version,
              // The README that ships with the program: an absolute URI that documents the tool.
              informationUri: pathToFileURL(path.join(PACKAGE_ROOT, "README.md")).href,
              rules,
            },
          },
          originalUriBaseIds: { [PACKS_BASE]: { uri: pathToFileURL(PACKAGE_ROOT).href.replace(/\/?$/, "/") } },
          invocations: [
            {
              executionSuccessful: report.loadErrors.length === 0,
              startTimeUtc: report.startedAt,
              ...(Number.isFinite(started) ? { endTimeUtc: new Date(started + report.durationMs).toISOString() } : {}),
              ...(report.loadErrors.length > 0
                ? { toolConfigurationNotifications: report.loadErrors.map((e) => ({ level: "error", message: { text: clean(e) } })) }
                : {}),
            },
          ],
          results: report.results.map((r) => result(r, ruleIndex.get(ruleId(r)) ?? -1)),
          properties: {
            host: report.host,
            ...(report.kubernetes ? { kubernetes: report.kubernetes } : {}),
            packs: report.packs,
            summary: report.summary,
            durationMs: report.durationMs,
          },
        },
      ],
    };
    return JSON.stringify(log, null, 2) + "\n";
  },
};

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string };
  defaultConfiguration: { level: SarifLevel };
  properties: Record<string, unknown>;
}

function ruleId(r: CheckResult): string {
  return `${r.pack}/${r.id}`;
}

function rule(r: CheckResult): SarifRule {
  const refs = formatReferences(r.references);
  const tags = ["security", "compliance", r.pack, r.severity, ...refs];
  const securitySeverity = SECURITY_SEVERITY[r.severity];
  return {
    id: ruleId(r),
    name: r.id,
    shortDescription: { text: clean(r.title) },
    // CheckResult carries no description or rationale; the benchmark and number are what we have.
    fullDescription: { text: clean(`${r.benchmark} ${r.id}: ${r.title}`) },
    help: { text: clean(r.remediation?.trimEnd() || "The benchmark pack gives no remediation for this check.") },
    defaultConfiguration: { level: LEVEL[r.severity] },
    properties: {
      references: {
        ...(r.references.cis ? { cis: r.references.cis } : {}),
        ...(r.references.cce?.length ? { cce: r.references.cce } : {}),
        ...(r.references.kisa?.length ? { kisa: r.references.kisa } : {}),
        ...(r.references.other && Object.keys(r.references.other).length > 0 ? { other: r.references.other } : {}),
      },
      benchmark: r.benchmark,
      severity: r.severity,
      ...(r.level !== undefined ? { level: r.level } : {}),
      ...(r.fix ? { fix: r.fix } : {}),
      ...(securitySeverity ? { "security-severity": securitySeverity } : {}),
      tags: [...new Set(tags.map(clean))],
    },
  };
}

function result(r: ReportedResult, index: number) {
  const kind = KIND[r.status];
  const files = r.evidence.filter((e): e is Evidence & { file: string } => !!e.file && e.file.startsWith("/")).map(location);
  // GitHub code scanning rejects a result without a location: one with no file in its
  // evidence (a port, a process, a skip) points at the check's definition in its pack.
  const locations = files.length > 0 ? files : [definition(r)];
  return {
    ruleId: ruleId(r),
    ruleIndex: index,
    kind,
    level: kind === "fail" ? LEVEL[r.severity] : "none",
    message: { text: clean(message(r)) },
    locations,
    ...(r.waiver ? { suppressions: [{ kind: "external", status: "accepted", justification: clean(`${r.waiver.reason} (waived until ${r.waiver.expires})`) }] } : {}),
    properties: {
      status: r.status,
      severity: r.severity,
      ...(r.observed !== undefined ? { observed: clean(r.observed) } : {}),
      ...(r.expected !== undefined ? { expected: clean(r.expected) } : {}),
      evidence: r.evidence.map(cleanEvidence),
      ...(r.tailoring ? { tailoring: { profile: clean(r.tailoring.profile), reason: clean(r.tailoring.reason) } } : {}),
      durationMs: r.durationMs,
    },
  };
}

function message(r: CheckResult): string {
  const head = r.message ?? (r.status === "pass" ? `${r.id} passed: ${r.title}` : `${r.id} ${r.status}: ${r.title}`);
  const parts = [head];
  // The matcher's message usually restates both; repeat them only when it does not.
  if (r.observed !== undefined && !head.includes(r.observed)) parts.push(`observed: ${r.observed}`);
  if (r.expected !== undefined && !head.includes(r.expected)) parts.push(`expected: ${r.expected}`);
  if (r.status === "error") parts[0] = `could not evaluate: ${head}`;
  return parts.join("; ");
}

/** The path on the scanned system (not under --root), percent-encoded as a file: URI. */
function location(e: Evidence & { file: string }) {
  return {
    physicalLocation: {
      artifactLocation: { uri: pathToFileURL(e.file).href },
      ...(e.line !== undefined && e.line >= 1 ? { region: { startLine: e.line } } : {}),
    },
  };
}

/** Where the check is defined: its line in the pack file, relative to the program's directory. */
function definition(r: ReportedResult) {
  const src = r.source;
  const rel = src ? path.relative(PACKAGE_ROOT, src.file) : "";
  const inside = src !== undefined && rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
  const artifactLocation = inside
    ? { uri: rel.split(path.sep).map(encodeURIComponent).join("/"), uriBaseId: PACKS_BASE }
    : src
      ? { uri: pathToFileURL(src.file).href }
      : { uri: `benchmarks/${encodeURIComponent(r.pack)}`, uriBaseId: PACKS_BASE };
  return {
    physicalLocation: { artifactLocation, ...(src && src.line >= 1 ? { region: { startLine: src.line } } : {}) },
    message: { text: `check ${r.pack}/${r.id} as defined in its pack` },
  };
}

function cleanEvidence(e: Evidence): Evidence {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(e)) if (v !== undefined) out[k] = typeof v === "string" ? clean(v) : v;
  return out as Evidence;
}

/** JSON escapes control characters itself, but viewers render them as garbage. */
function clean(s: string): string {
  return stripControl(s);
}
