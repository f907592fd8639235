import type { CheckResult, ScanReport, Status } from "../engine/result.js";
import type { Evidence } from "../model/evidence.js";
import type { RenderOptions, Reporter, ReportedResult } from "./types.js";

const COLORS: Record<Status, string> = { pass: "32", fail: "31", error: "35", skip: "90", manual: "33" };
const LABEL: Record<Status, string> = { pass: "PASS", fail: "FAIL", error: "ERROR", skip: "SKIP", manual: "MANUAL" };
/** Failures and errors first: what needs action. The rest follow with -v. */
const ACTION: readonly Status[] = ["fail", "error"];
const REST: readonly Status[] = ["manual", "skip", "pass"];
const INDENT = " ".repeat(8);
/** The start of the skip message of a deep check left out (engine/run-checks.ts). */
const DEEP_REASON = "walks the whole filesystem";

/**
 * For people at a terminal. By default: every failure and error, each with why, the
 * tailoring note and the one-line remediation; then one line per pack that does not
 * apply to this system; then a count of what was left out. `verbose` adds every other
 * result (manual, skip, pass) grouped by pack. Lines are cut to `width` when given.
 */
export const tableReporter: Reporter = {
  name: "table",
  contentType: "text/plain; charset=utf-8",
  extension: "txt",
  render(report, options: RenderOptions = {}) {
    const paint = (code: string, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
    const fit = (s: string, indent = 0) => truncate(s, options.width === undefined ? undefined : options.width - indent);
    const lines: string[] = [];
    const results = report.results as ReportedResult[];
    // Columns as wide as most of what is shown: a rare long id pushes its own title along.
    const shownRows = options.verbose ? results : results.filter((r) => ACTION.includes(r.status));
    const idWidth = Math.min(12, shownRows.reduce((m, r) => Math.max(m, r.id.length), 4));
    const packWidth = Math.min(24, shownRows.reduce((m, r) => Math.max(m, r.pack.length), 4));
    const row = (r: ReportedResult) => {
      const status = paint(COLORS[r.status], LABEL[r.status].padEnd(6));
      const head = `${r.severity.padEnd(8)}  ${r.pack.padEnd(packWidth)}  ${r.id.padEnd(idWidth)}  ${r.title}`;
      lines.push(`${status}  ${fit(head, 8)}`);
      for (const d of details(r, options.verbose)) lines.push(INDENT + paint("2", fit(d, INDENT.length)));
    };

    const action = results.filter((r) => ACTION.includes(r.status)).sort((a, b) => ACTION.indexOf(a.status) - ACTION.indexOf(b.status));
    for (const r of action) row(r);

    const inapplicable = inapplicablePacks(report);
    if (inapplicable.length > 0) {
      if (lines.length > 0) lines.push("");
      lines.push(paint("1", "Not applicable to this system:"));
      for (const p of inapplicable) lines.push(fit(`  ${p.pack}: ${p.reason}, ${p.count} check${p.count === 1 ? "" : "s"} not run`));
    }

    const skippedPacks = new Set(inapplicable.map((p) => p.pack));
    const rest = results.filter((r) => REST.includes(r.status) && !skippedPacks.has(r.pack));
    if (options.verbose) {
      let currentPack = "";
      for (const r of [...rest].sort((a, b) => a.pack.localeCompare(b.pack) || REST.indexOf(a.status) - REST.indexOf(b.status))) {
        if (r.pack !== currentPack) {
          currentPack = r.pack;
          lines.push("", paint("1", `${r.benchmark} (${r.pack})`));
        }
        row(r);
      }
    } else if (rest.length > 0) {
      const counts = REST.map((s) => [s, rest.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0);
      const tailored = rest.filter((r) => r.tailoring).length;
      lines.push(
        "",
        fit(`Not shown: ${counts.map(([s, n]) => `${n} ${s}`).join(", ")}${tailored > 0 ? ` (${tailored} tailored by a profile)` : ""}; -v shows them.`),
      );
    }

    if (lines.length > 0) lines.push("");
    for (const e of report.loadErrors) lines.push(paint("31", `pack error: ${e}`));
    lines.push(summaryLine(report, options));
    return lines.join("\n") + "\n";
  },
};

/** Packs whose every result is `skip`: one line each, with the most common reason. */
export function inapplicablePacks(report: ScanReport): { pack: string; reason: string; count: number }[] {
  const byPack = new Map<string, CheckResult[]>();
  for (const r of report.results) {
    let g = byPack.get(r.pack);
    if (!g) byPack.set(r.pack, (g = []));
    g.push(r);
  }
  const out: { pack: string; reason: string; count: number }[] = [];
  for (const [pack, rs] of byPack) {
    if (!rs.every((r) => r.status === "skip")) continue;
    const reasons = new Map<string, number>();
    for (const r of rs) {
      // "not a RHEL-family system (this pack is …)": the sentence without its aside.
      const reason = (r.message ?? "not applicable").replace(/\s*\([^()]*\)$/, "");
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    // Checks left out until --deep are not a reason the pack does not apply.
    const sorted = [...reasons].sort((a, b) => b[1] - a[1]).filter(([m], i) => i === 0 || !m.startsWith(DEEP_REASON));
    const others = sorted.length - 1;
    const top = sorted[0]?.[0] ?? "not applicable";
    out.push({ pack, reason: others > 0 ? `${top} (and ${others} other reason${others === 1 ? "" : "s"})` : top, count: rs.length });
  }
  return out;
}

function details(r: ReportedResult, verbose = false): string[] {
  const out: string[] = [];
  if (r.message) out.push(r.message);
  // The failure's message already says what was seen ("runtime is 1, expected 0"); the
  // observed line repeats it, so only -v shows it, and always for manual checks (no message).
  if (r.status === "manual" || (r.status === "fail" && (verbose || !r.message))) {
    if (r.observed && !(r.message ?? "").includes(r.observed)) out.push(`observed: ${r.observed}`);
  }
  const ev = r.evidence.slice(0, 5).map(formatEvidence).filter((s) => s !== "");
  if (ev.length > 0 && r.status !== "skip") out.push(`evidence: ${ev.join("; ")}${r.evidence.length > 5 ? `; … ${r.evidence.length - 5} more` : ""}`);
  if (r.tailoring) out.push(`tailored by profile ${r.tailoring.profile}: ${r.tailoring.reason}`);
  if (r.waiver) out.push(`waived until ${r.waiver.expires}: ${r.waiver.reason}`);
  if ((r.status === "fail" || r.status === "error") && r.remediation) out.push(`fix: ${firstLine(r.remediation)}`);
  return out;
}

/** The first sentence-bearing line of a remediation text, for one line under a failure. */
function firstLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const first = lines[0] ?? "";
  return lines.length > 1 ? `${first} …` : first;
}

function truncate(s: string, width: number | undefined): string {
  if (width === undefined || width < 20 || [...s].length <= width) return s;
  return `${[...s].slice(0, width - 1).join("")}…`;
}

export function formatEvidence(e: Evidence): string {
  const parts: string[] = [];
  if (e.file) parts.push(e.line ? `${e.file}:${e.line}` : e.file);
  if (e.port !== undefined) parts.push(`${e.protocol ?? ""}${e.protocol ? " " : ""}${e.address ?? ""}:${e.port}`);
  if (e.pid !== undefined) parts.push(`pid ${e.pid}${e.process ? ` (${e.process})` : ""}`);
  else if (e.process) parts.push(e.process);
  if (e.exe) parts.push(e.exe);
  if (e.unit) parts.push(`unit ${e.unit}`);
  if (e.package) parts.push(`package ${e.package}`);
  if (e.module && !e.file) parts.push(`module ${e.module}`);
  if (e.command) parts.push(`$ ${e.command}`);
  if (e.detail) parts.push(e.detail);
  return parts.join(" ");
}

export function summaryLine(report: ScanReport, options: RenderOptions = {}): string {
  const s = report.summary;
  const paint = (status: Status, n: number) => {
    const text = `${n} ${status}`;
    return options.color && n > 0 ? `\u001b[${COLORS[status]}m${text}\u001b[0m` : text;
  };
  const total = report.results.length;
  return `${total} checks: ${paint("pass", s.pass)}, ${paint("fail", s.fail)}, ${paint("manual", s.manual)}, ${paint("skip", s.skip)}, ${paint("error", s.error)} in ${(report.durationMs / 1000).toFixed(2)}s (root ${report.host.root}${kube(report)})`;
}

/** ", k3s agent, kubelet 1.30.2" when the node runs Kubernetes; nothing otherwise. */
function kube(report: ScanReport): string {
  const k = report.kubernetes;
  if (!k || k.distribution === "none") return "";
  return `, ${[k.distribution, k.variant].filter(Boolean).join(" ")}, kubelet ${k.version ?? "version unknown"}`;
}
