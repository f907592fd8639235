import { SEVERITIES, type CheckResult, type ScanReport, type Status } from "../engine/result.js";
import type { Evidence } from "../model/evidence.js";
import { pushAll } from "../util/array.js";
import type { RenderOptions, Reporter, ReportedResult } from "./types.js";

const COLORS: Record<Status, string> = { pass: "32", fail: "31", error: "35", skip: "90", manual: "33" };
const LABEL: Record<Status, string> = { pass: "PASS", fail: "FAIL", error: "ERROR", skip: "SKIP", manual: "MANUAL" };
/** Failures and errors first: what needs action. The rest follow with -v. */
const ACTION: readonly Status[] = ["fail", "error"];
const REST: readonly Status[] = ["manual", "skip", "pass"];
const INDENT = " ".repeat(8);
/** The start of the skip message of a deep check left out (engine/run-checks.ts). */
const DEEP_REASON = "walks the whole filesystem";

/** The default view's bound (issue 14): a full scan of an unhardened host fits in it. */
export const DEFAULT_MAX_LINES = 200;

/**
 * For people at a terminal. By default: every failure and error, each with why, the
 * tailoring note and the one-line remediation; then one line per pack that does not
 * apply to this system; then a count of what was left out. When that is longer than
 * `maxLines` (200), failures and errors get less detail until they fit: first a row and
 * their one-line fix each (why and evidence only with -v), then the sections with the most
 * failures become two lines each (counts, titles, ids), the largest first; a closing line
 * then says how to see each one. `verbose` shows every result in full, grouped by pack.
 * Lines are cut to `width` when given.
 */
export const tableReporter: Reporter = {
  name: "table",
  contentType: "text/plain; charset=utf-8",
  extension: "txt",
  render(report, options: RenderOptions = {}) {
    const paint = (code: string, s: string) => (options.color ? `\u001b[${code}m${s}\u001b[0m` : s);
    const fit = (s: string, indent = 0) => truncate(s, options.width === undefined ? undefined : options.width - indent);
    const verbose = options.verbose === true;
    const results = report.results as ReportedResult[];
    const action = results.filter((r) => ACTION.includes(r.status)).sort((a, b) => ACTION.indexOf(a.status) - ACTION.indexOf(b.status));
    // Columns as wide as most of what is shown: a rare long id pushes its own title along.
    const shownRows = verbose ? results : action;
    const idWidth = Math.min(12, shownRows.reduce((m, r) => Math.max(m, r.id.length), 4));
    const packWidth = Math.min(24, shownRows.reduce((m, r) => Math.max(m, r.pack.length), 4));
    const head = (status: Status, severity: string, pack: string, id: string, title: string) =>
      `${paint(COLORS[status], LABEL[status].padEnd(6))}  ${fit(`${severity.padEnd(8)}  ${pack.padEnd(packWidth)}  ${id.padEnd(idWidth)}  ${title}`, 8)}`;
    const block = (r: ReportedResult, notes: readonly string[]) => [
      head(r.status, r.severity, r.pack, r.id, r.title),
      ...notes.map((d) => INDENT + paint("2", fit(d, INDENT.length))),
    ];

    // Everything but the failures and errors, as parts separated by one blank line.
    const parts: string[][] = [];
    const inapplicable = inapplicablePacks(report);
    if (inapplicable.length > 0) {
      parts.push([
        paint("1", "Not applicable to this system:"),
        ...inapplicable.map((p) => fit(`  ${p.pack}: ${p.reason}, ${p.count} check${p.count === 1 ? "" : "s"} not run`)),
      ]);
    }
    const skippedPacks = new Set(inapplicable.map((p) => p.pack));
    const rest = results.filter((r) => REST.includes(r.status) && !skippedPacks.has(r.pack));
    if (verbose) {
      const byPack = new Map<string, ReportedResult[]>();
      for (const r of [...rest].sort((a, b) => a.pack.localeCompare(b.pack) || REST.indexOf(a.status) - REST.indexOf(b.status))) {
        let g = byPack.get(r.pack);
        if (!g) byPack.set(r.pack, (g = []));
        g.push(r);
      }
      for (const rs of byPack.values()) {
        parts.push([paint("1", `${rs[0]?.benchmark} (${rs[0]?.pack})`), ...rs.flatMap((r) => block(r, details(r, true)))]);
      }
    } else if (rest.length > 0) {
      const counts = REST.map((s) => [s, rest.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0);
      const tailored = rest.filter((r) => r.tailoring).length;
      parts.push([fit(`Not shown: ${counts.map(([s, n]) => `${n} ${s}`).join(", ")}${tailored > 0 ? ` (${tailored} tailored by a profile)` : ""}; -v shows them.`)]);
    }
    const end = [...report.loadErrors.map((e) => paint("31", `pack error: ${e}`)), summaryLine(report, options)];

    let actionParts: string[][] = [];
    if (action.length > 0) {
      if (verbose) {
        actionParts = [action.flatMap((r) => block(r, details(r, true)))];
      } else {
        const maxLines = options.maxLines ?? DEFAULT_MAX_LINES;
        // What the rest takes: its parts, a blank line before each and before the summary.
        const other = parts.reduce((n, p) => n + p.length + 1, 0) + 1 + end.length;
        actionParts = compactAction(action, maxLines - other, maxLines, {
          block,
          group: (g) => groupBlock(g, head, (d) => INDENT + paint("2", fit(d, INDENT.length))),
          hint: (s) => fit(s),
        });
      }
    }

    const lines = [...actionParts, ...parts].flatMap((p, i) => (i === 0 ? p : ["", ...p]));
    if (lines.length > 0) lines.push("");
    pushAll(lines, end);
    return lines.join("\n") + "\n";
  },
};

interface CompactRender {
  /** A result's row and its notes, indented. */
  block: (r: ReportedResult, notes: readonly string[]) => string[];
  /** Several results of one section (or pack) in two lines. */
  group: (g: Group) => string[];
  /** A closing line, cut to the width. */
  hint: (s: string) => string;
}

interface Group {
  /** "3.3.*", "U-*", or "*" for a whole pack. */
  label: string;
  results: ReportedResult[];
}

/**
 * Failures and errors in at most `budget` lines, with as much detail as fits: each in full
 * (why, evidence, tailoring, waiver, fix); else a row and one line each (the fix, or why for
 * an error or a failure without one; tailoring and waiver notes kept); else the sections
 * that save the most lines collapse to two lines each, then whole packs. Returns the parts
 * to print: the results, and a closing line when anything was left out.
 */
function compactAction(action: readonly ReportedResult[], budget: number, maxLines: number, out: CompactRender): string[][] {
  const full = action.map((r) => out.block(r, details(r)));
  if (count(full) <= budget) return [full.flat()];
  const every = "--status fail,error -v; every result: -o json=FILE.";
  // The closing line and the blank line before it.
  const room = budget - 2;
  const brief = action.map((r) => out.block(r, briefNotes(r)));
  if (count(brief) <= room) return [brief.flat(), [out.hint(`Shortened to fit ${maxLines} lines. Why and evidence for each: ${every}`)]];

  const levels = [
    { by: "section", key: (r: ReportedResult) => `${r.pack}\u0000${sectionOf(r.id)}`, label: (r: ReportedResult) => sectionLabel(r.id) },
    { by: "pack", key: (r: ReportedResult) => r.pack, label: () => "*" },
  ];
  for (const [li, level] of levels.entries()) {
    const groups = new Map<string, number[]>();
    action.forEach((r, i) => {
      const k = level.key(r);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(i);
    });
    // Collapse the group that saves the most lines until the rest fits.
    const collapsed = new Set<string>();
    let total = count(brief);
    while (total > room) {
      let best: [string, number] | undefined;
      for (const [k, members] of groups) {
        if (collapsed.has(k)) continue;
        const saves = members.reduce((n, i) => n + (brief[i] as string[]).length, 0) - 2;
        if (saves > 0 && (!best || saves > best[1])) best = [k, saves];
      }
      if (!best) break;
      collapsed.add(best[0]);
      total -= best[1];
    }
    if (total > room && li < levels.length - 1) continue;
    const lines: string[] = [];
    const done = new Set<string>();
    let grouped = 0;
    action.forEach((r, i) => {
      const k = level.key(r);
      if (!collapsed.has(k)) {
        pushAll(lines, brief[i] as string[]);
        return;
      }
      if (done.has(k)) return;
      done.add(k);
      const members = (groups.get(k) ?? []).map((j) => action[j] as ReportedResult);
      grouped += members.length;
      pushAll(lines, out.group({ label: level.label(r), results: members }));
    });
    return [lines, [out.hint(`${grouped} of ${action.length} failures and errors are grouped by ${level.by} to fit ${maxLines} lines. Each with why, evidence and fix: ${every}`)]];
  }
  return [brief.flat()];
}

function count(blocks: readonly (readonly string[])[]): number {
  return blocks.reduce((n, b) => n + b.length, 0);
}

/**
 * The section a check id belongs to, for grouping: the first two numbers of a CIS id
 * ("5.3.3.2.1" → "5.3"), or the letters before a KISA-style number ("U-02.dcredit" → "U").
 */
export function sectionOf(id: string): string {
  const numbered = /^\d+(?:\.\d+)?/.exec(id);
  if (numbered) return numbered[0];
  const lettered = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z][A-Za-z0-9]*)*(?=-?\d)/.exec(id);
  return lettered ? lettered[0] : id;
}

/** "5.3.*" for a section of numbered checks, "U-*" for lettered ones. */
function sectionLabel(id: string): string {
  const s = sectionOf(id);
  if (s === id) return id;
  return /^\d/.test(s) ? `${s}.*` : `${s}-*`;
}

/** Two lines for a collapsed section: the worst status and severity, counts and titles; then the ids. */
function groupBlock(
  g: Group,
  head: (status: Status, severity: string, pack: string, id: string, title: string) => string,
  note: (s: string) => string,
): string[] {
  const first = g.results[0] as ReportedResult;
  const fails = g.results.filter((r) => r.status === "fail").length;
  const errors = g.results.length - fails;
  const severity = g.results.reduce((s, r) => (SEVERITIES.indexOf(r.severity) > SEVERITIES.indexOf(s) ? r.severity : s), first.severity);
  const counts = [fails > 0 ? `${fails} fail` : "", errors > 0 ? `${errors} error` : ""].filter(Boolean).join(", ");
  const titles = [...new Set(g.results.map((r) => r.title))];
  const tailored = g.results.filter((r) => r.tailoring).length;
  const waived = g.results.filter((r) => r.waiver).length;
  const marks = [tailored > 0 ? `${tailored} tailored by a profile` : "", waived > 0 ? `${waived} waived` : ""].filter(Boolean).join(", ");
  return [
    head(fails > 0 ? "fail" : "error", severity, first.pack, g.label, `${counts}: ${titles.join("; ")}`),
    note(`${g.results.map((r) => r.id).join(", ")}${marks ? ` (${marks})` : ""}`),
  ];
}

/** One line under a result in the shortened view (plus its tailoring and waiver notes). */
function briefNotes(r: ReportedResult): string[] {
  const out: string[] = [];
  if (r.status === "fail" && r.remediation) out.push(`fix: ${firstLine(r.remediation)}`);
  else if (r.message) out.push(r.message);
  if (r.tailoring) out.push(`tailored by profile ${r.tailoring.profile}: ${r.tailoring.reason}`);
  if (r.waiver) out.push(`waived until ${r.waiver.expires}: ${r.waiver.reason}`);
  return out;
}

/**
 * A message without its final parenthesised aside (no parenthesis inside it) and the blanks
 * before it. By hand: `/\s*\([^()]*\)$/` restarted at each blank of a long run (quadratic;
 * a skip reason can quote a probe's reason, which can hold host text).
 */
export function withoutAside(message: string): string {
  if (!message.endsWith(")")) return message;
  const open = message.lastIndexOf("(");
  if (open < 0 || message.indexOf(")", open) !== message.length - 1) return message;
  return message.slice(0, open).trimEnd();
}

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
      const reason = withoutAside(r.message ?? "not applicable");
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
