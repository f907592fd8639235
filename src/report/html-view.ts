/**
 * The HTML reporter's view-model, shared by the one-file report (html.ts) and the
 * agent's server-rendered dashboard (/ui): what a person reads about a scan — the node,
 * the counts, the checks in "fails first" order with their references and evidence
 * already in people's words — and the few HTML fragments both pages draw the same way.
 * Everything that reaches markup goes through `esc` (control characters stripped, the
 * five HTML specials escaped), so report text can never become an element or attribute.
 */
import type { CheckResult, ScanReport, Severity, Status, StatusCounts } from "../engine/result.js";
import { SEVERITIES } from "../engine/result.js";
import type { Evidence } from "../model/evidence.js";
import { formatReferences, stripControl } from "./format.js";

export const STATUS_LABEL: Record<Status, string> = { pass: "PASS", fail: "FAIL", error: "ERROR", skip: "SKIP", manual: "MANUAL" };
/** Display order: what needs action first. */
export const STATUS_ORDER: readonly Status[] = ["fail", "error", "manual", "skip", "pass"];
/** Most severe first. */
export const SEVERITY_ORDER: readonly Severity[] = [...SEVERITIES].reverse();
/** Headings of the status groups, in the plural a list reads with. */
export const STATUS_GROUP: Record<Status, string> = { fail: "Failing", error: "Errors", manual: "Manual review", skip: "Not applicable", pass: "Passing" };

/** Text for HTML: control characters removed, `& < > " '` escaped (safe in text and quoted attributes). */
export function esc(s: string): string {
  return stripControl(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** An element id for a check: `check-<pack>-<id>` with anything but [A-Za-z0-9_.-] as `_`. */
export function checkAnchor(r: Pick<CheckResult, "pack" | "id">): string {
  return `check-${r.pack}-${r.id}`.replace(/[^A-Za-z0-9_.-]/g, "_");
}

const statusRank = new Map(STATUS_ORDER.map((s, i) => [s, i]));
const severityRank = new Map(SEVERITY_ORDER.map((s, i) => [s, i]));

/** failsFirst's answer per results array (a report is not changed once made; the dashboard asks for each page). */
const ordered = new WeakMap<readonly CheckResult[], readonly CheckResult[]>();

/**
 * Fails first: by status (fail, error, manual, skip, pass), then severity (critical
 * first), then pack in report order, then the pack's own order. Stable and total.
 * A bucket sort (status × severity × pack, each bucket in report order): linear, with no
 * comparator calls, which an interpreted (--jitless) agent pays dearly for on 1,300 results.
 * The returned array is shared: callers must not change it.
 */
export function failsFirst(report: Pick<ScanReport, "packs" | "results">): readonly CheckResult[] {
  const hit = ordered.get(report.results);
  if (hit) return hit;
  const packRank = new Map(report.packs.map((p, i) => [p.id, i]));
  const packs = report.packs.length + 1;
  const buckets: CheckResult[][] = [];
  for (const r of report.results) {
    const k = ((statusRank.get(r.status) ?? 5) * 6 + (severityRank.get(r.severity) ?? 5)) * packs + (packRank.get(r.pack) ?? packs - 1);
    (buckets[k] ??= []).push(r);
  }
  const out: CheckResult[] = [];
  for (const b of buckets) if (b) for (const r of b) out.push(r);
  ordered.set(report.results, out);
  return out;
}

/** "k3s agent, kubelet 1.30.2" / "none" / "eks al2023, kubelet version unknown (why)". */
export function kubernetesText(k: NonNullable<ScanReport["kubernetes"]>): string {
  if (k.distribution === "none") return "none (no kubelet on this node)";
  const name = [k.distribution, k.variant].filter(Boolean).join(" ");
  const version = k.version ? `kubelet ${k.version}` : `kubelet version unknown${k.unknown?.version ? ` (${k.unknown.version})` : ""}`;
  return `${name}, ${version}`;
}

export interface SeverityRow {
  severity: Severity;
  counts: StatusCounts;
  total: number;
}

/** Results counted by severity (most severe first) and status. */
export function bySeverity(results: readonly CheckResult[]): SeverityRow[] {
  const rows = new Map<Severity, SeverityRow>(SEVERITY_ORDER.map((s) => [s, { severity: s, counts: { pass: 0, fail: 0, manual: 0, skip: 0, error: 0 }, total: 0 }]));
  for (const r of results) {
    const row = rows.get(r.severity);
    if (!row) continue;
    row.counts[r.status]++;
    row.total++;
  }
  return [...rows.values()];
}

/** The report's header as label/value pairs, in reading order. */
export function hostRows(report: ScanReport): [string, string][] {
  const h = report.host;
  return [
    ["Host", h.hostname ?? "(unknown)"],
    ["Root", h.live ? `${h.root} (live system)` : `${h.root} (mounted root)`],
    ["System", [h.os, h.osVersion].filter(Boolean).join(" ") || "(unknown)"],
    ["Kernel", [h.kernel, h.arch].filter(Boolean).join(" ") || "(unknown)"],
    ...(report.kubernetes ? ([["Kubernetes", kubernetesText(report.kubernetes)]] as [string, string][]) : []),
  ];
}

/** One evidence item with its parts labelled: where (file:line), what listens, which process, unit… */
export function evidenceHtml(e: Evidence): string {
  const parts: string[] = [];
  const part = (label: string, value: string) => parts.push(`<span class="ev-label">${esc(label)}</span> <code>${esc(value)}</code>`);
  if (e.file) part("file", e.line !== undefined ? `${e.file}:${e.line}` : e.file);
  if (e.key) part("key", e.key);
  if (e.port !== undefined) part("listening", `${e.protocol ? `${e.protocol} ` : ""}${e.address ?? ""}:${e.port}`);
  if (e.pid !== undefined || e.process) part("process", `${e.process ?? "?"}${e.pid !== undefined ? ` (pid ${e.pid})` : ""}`);
  if (e.exe) part("exe", e.exe);
  if (e.unit) part("unit", e.unit);
  if (e.package) part("package", e.package);
  if (e.module) part("module", e.module);
  if (e.command) part("command", e.command);
  if (e.detail) parts.push(`<span class="ev-detail">${esc(e.detail)}</span>`);
  return parts.join(" · ");
}

/** References as chips: CIS, CCE, KISA, others. */
export function referencesHtml(r: Pick<CheckResult, "references">): string {
  return formatReferences(r.references)
    .map((x) => `<span class="ref">${esc(x)}</span>`)
    .join(" ");
}
