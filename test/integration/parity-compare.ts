/**
 * Check-by-check comparison of two scan reports (`nodeward scan --format json`, or the
 * agent's state.json): status, observed value, message and evidence must be equal. The
 * verdict alone is not enough: on a kernel without module support a hidden module tree
 * still passes, but its evidence (the module file) is gone. Only wall-clock figures in
 * evidence ("… in 812 ms") are masked.
 */
import { readFile } from "node:fs/promises";

export interface ComparedResult {
  id: string;
  pack: string;
  status: string;
  observed?: string;
  message?: string;
  evidence: unknown[];
}

export interface ComparedReport {
  results: ComparedResult[];
  summary: Record<string, number>;
  host?: { root?: string; live?: boolean };
}

/** A report from a JSON file: a scan report, or the agent's state file (its latest report). */
export async function loadReport(file: string): Promise<ComparedReport> {
  const j = JSON.parse(await readFile(file, "utf8")) as ComparedReport & { latest?: { report: ComparedReport } };
  const report = j.latest ? j.latest.report : j;
  if (!Array.isArray(report.results)) throw new Error(`${file}: no results in it`);
  return report;
}

const FIELDS = ["status", "observed", "message", "evidence"] as const;

/**
 * Evidence with what legitimately varies between runs made uniform: timings, and the
 * number of entries a deep walk counted — each way of running writes its own files between
 * the scans (the agent its state.json, the scan service its report.json, journald its
 * journal), so the count moves by those while every file the walk reports is compared.
 */
function norm(field: (typeof FIELDS)[number], v: unknown): string {
  const s = JSON.stringify(v ?? null);
  return field === "evidence" ? s.replace(/\b\d+(\.\d+)? ?ms\b/g, "N ms").replace(/: \d+ entries in /g, ": N entries in ") : s;
}

/**
 * What the DaemonSet cannot see, by design: it runs in the pod's network namespace without
 * CAP_NET_ADMIN (which would also let it change the rules), so the node's live packet filter
 * rules are out of its reach. Those checks must say so — `error` with this reason, never a
 * verdict — where the CLI as root judges them.
 */
export const DAEMONSET_UNSEEN = /the live ruleset of a mounted host \(\/host\) cannot be read from here|is this process's network namespace, not the host's|the loaded rules of a mounted host cannot be asked from here/;

/**
 * The results that may be unseen: CIS section 4 (the live packet filter) and the audit rules
 * items that also judge the rules loaded in the node's kernel (`auditctl -l`, which needs
 * CAP_AUDIT_CONTROL — not given to the DaemonSet; Debian 12 and Ubuntu 24.04 6.2.3.x, Ubuntu
 * 22.04 and RHEL 9 6.3.3.x). Nothing else.
 */
export const DAEMONSET_MAY_NOT_SEE = /^cis-[a-z0-9.-]+\/(4\.|6\.[23]\.3\.)/;

/**
 * For the same reason the node's network sysctls are out of its reach: /proc/sys/net shows
 * the reader's network namespace (the pod's), so whether IPv6 is on is unknown there and the
 * DaemonSet shows no /proc/sys/net evidence where the CLI shows the node's values. A result
 * may lack those evidence entries; everything else about it is still compared.
 */
export const DAEMONSET_UNSEEN_EVIDENCE = /^\/proc\/sys\/net\//;

/** How the DaemonSet's report is compared with the CLI's. */
export const DAEMONSET_DIFF: DiffOptions = { unseenBy: DAEMONSET_UNSEEN, unseenEvidence: DAEMONSET_UNSEEN_EVIDENCE };

export interface DiffOptions {
  /**
   * `b` may fail to see these: a result of `b` whose message or observed value matches is
   * not compared when it is `error`, or when its status is `a`'s anyway (a check skipped for
   * another reason that still shows the unseen fact).
   */
  unseenBy?: RegExp;
  /** Evidence entries (by `file`) that `b` may lack: removed from `a`'s evidence when `b` has none of them. */
  unseenEvidence?: RegExp;
}

type EvidenceEntry = { file?: unknown };

function withoutUnseen(a: unknown, b: unknown, re: RegExp | undefined): unknown {
  if (!re || !Array.isArray(a) || !Array.isArray(b)) return a;
  const unseen = (e: EvidenceEntry) => typeof e?.file === "string" && re.test(e.file);
  if ((b as EvidenceEntry[]).some(unseen)) return a;
  return (a as EvidenceEntry[]).filter((e) => !unseen(e));
}

/** Results of `b` left out of the comparison by `options.unseenBy`, as `pack/id`. */
export function unseenResults(a: ComparedReport, b: ComparedReport, options: DiffOptions): string[] {
  const re = options.unseenBy;
  if (!re) return [];
  const statusOf = new Map(a.results.map((r) => [`${r.pack}/${r.id}`, r.status]));
  return b.results
    .filter((r) => re.test(`${r.message ?? ""}\n${r.observed ?? ""}`) && (r.status === "error" || r.status === statusOf.get(`${r.pack}/${r.id}`)))
    .map((r) => `${r.pack}/${r.id}`);
}

/** Every difference between `a` and `b`, one line each (empty when they agree). */
export function diffReports(a: ComparedReport, b: ComparedReport, names: [string, string] = ["a", "b"], options: DiffOptions = {}): string[] {
  const unseen = new Set(unseenResults(a, b, options));
  const key = (r: ComparedResult) => `${r.pack}/${r.id}`;
  const ma = new Map(a.results.map((r) => [key(r), r]));
  const mb = new Map(b.results.map((r) => [key(r), r]));
  const out: string[] = [];
  for (const k of [...new Set([...ma.keys(), ...mb.keys()])].sort()) {
    const x = ma.get(k);
    const y = mb.get(k);
    if (!x || !y) {
      out.push(`${k}: only in ${x ? names[0] : names[1]}`);
      continue;
    }
    if (unseen.has(k)) continue;
    for (const f of FIELDS) {
      const vx = norm(f, f === "evidence" ? withoutUnseen(x[f], y[f], options.unseenEvidence) : x[f]);
      const vy = norm(f, y[f]);
      if (vx !== vy) out.push(`${k} ${f}:\n    ${names[0]}: ${vx.slice(0, 400)}\n    ${names[1]}: ${vy.slice(0, 400)}`);
    }
  }
  return out;
}
