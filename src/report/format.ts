/** Small text helpers shared by the file-format reporters (JUnit, SARIF, HTML). */
import type { CheckResult, References, ScanReport } from "../engine/result.js";

/**
 * Characters XML 1.0 forbids outright (C0 controls other than tab/LF/CR, lone
 * surrogates, U+FFFE/U+FFFF) plus DEL and C1 controls, which are legal but only ever
 * garbage from a binary file or a terminal. HTML and SARIF viewers choke on the same set.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function stripControl(s: string): string {
  return s.replace(CONTROL, "");
}

/** References as people cite them: "CIS 4.2.1", "CCE-83815-1", "KISA U-01 (2021)", "nist: AC-3". */
export function formatReferences(refs: References): string[] {
  const out: string[] = [];
  if (refs.cis) out.push(`CIS ${refs.cis}`);
  for (const c of refs.cce ?? []) out.push(c);
  for (const k of refs.kisa ?? []) out.push(`KISA ${k.id} (${k.edition})`);
  for (const [name, value] of Object.entries(refs.other ?? {})) out.push(`${name}: ${value}`);
  return out;
}

/** Results grouped by pack, in report order (packs first as listed, then any stragglers). */
export function resultsByPack(report: ScanReport): Map<string, CheckResult[]> {
  const groups = new Map<string, CheckResult[]>();
  for (const p of report.packs) groups.set(p.id, []);
  for (const r of report.results) {
    let g = groups.get(r.pack);
    if (!g) groups.set(r.pack, (g = []));
    g.push(r);
  }
  for (const [k, v] of groups) if (v.length === 0) groups.delete(k);
  return groups;
}

/** Seconds with millisecond precision, as JUnit and people read them. */
export function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
