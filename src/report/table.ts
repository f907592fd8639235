import type { CheckResult, ScanReport, Status } from "../engine/result.js";
import type { Evidence } from "../model/evidence.js";
import type { RenderOptions, Reporter } from "./types.js";

const COLORS: Record<Status, string> = { pass: "32", fail: "31", error: "35", skip: "90", manual: "33" };
const LABEL: Record<Status, string> = { pass: "PASS", fail: "FAIL", error: "ERROR", skip: "SKIP", manual: "MANUAL" };

/** For people at a terminal: one line per check, the reason under anything not passing. */
export const tableReporter: Reporter = {
  name: "table",
  contentType: "text/plain; charset=utf-8",
  extension: "txt",
  render(report, options: RenderOptions = {}) {
    const paint = (code: string, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
    const lines: string[] = [];
    const idWidth = Math.min(14, report.results.reduce((m, r) => Math.max(m, r.id.length), 4));
    let currentPack = "";
    for (const r of report.results) {
      if (r.pack !== currentPack) {
        currentPack = r.pack;
        if (lines.length > 0) lines.push("");
        lines.push(paint("1", `${r.benchmark} (${r.pack})`));
      }
      const status = paint(COLORS[r.status], LABEL[r.status].padEnd(6));
      lines.push(`${status}  ${r.severity.padEnd(8)}  ${r.id.padEnd(idWidth)}  ${r.title}`);
      if (r.status !== "pass") for (const d of details(r)) lines.push(" ".repeat(8) + paint("2", d));
    }
    if (lines.length > 0) lines.push("");
    for (const e of report.loadErrors) lines.push(paint("31", `pack error: ${e}`));
    lines.push(summaryLine(report, options));
    return lines.join("\n") + "\n";
  },
};

function details(r: CheckResult): string[] {
  const out: string[] = [];
  if (r.message) out.push(r.message);
  if (r.status === "fail" || r.status === "manual") {
    if (r.observed && !(r.message ?? "").includes(r.observed)) out.push(`observed: ${r.observed}`);
  }
  const ev = r.evidence.slice(0, 5).map(formatEvidence).filter((s) => s !== "");
  if (ev.length > 0 && r.status !== "skip") out.push(`evidence: ${ev.join("; ")}${r.evidence.length > 5 ? `; … ${r.evidence.length - 5} more` : ""}`);
  return out;
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
  return `${total} checks: ${paint("pass", s.pass)}, ${paint("fail", s.fail)}, ${paint("manual", s.manual)}, ${paint("skip", s.skip)}, ${paint("error", s.error)} in ${(report.durationMs / 1000).toFixed(2)}s (root ${report.host.root})`;
}
