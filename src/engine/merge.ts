/**
 * Merge re-checked results into a report (the agent's drift re-checks): light on purpose,
 * the agent process imports it without the engine.
 */
import { countStatuses, type CheckResult, type ScanReport, type Status } from "./result.js";

export interface StatusChange {
  /** `pack/id`. */
  key: string;
  from: Status | undefined;
  to: Status;
}

export function resultKey(r: Pick<CheckResult, "pack" | "id">): string {
  return `${r.pack}/${r.id}`;
}

/**
 * The report with these results in place of the same checks' (a check the report did
 * not have is added), the summary recounted; and which checks changed status.
 */
export function mergeResults(report: ScanReport, results: readonly CheckResult[], at: Date = new Date()): { report: ScanReport; changes: StatusChange[] } {
  const fresh = new Map(results.map((r) => [resultKey(r), r]));
  const changes: StatusChange[] = [];
  const seen = new Set<string>();
  const merged = report.results.map((r) => {
    const key = resultKey(r);
    const next = fresh.get(key);
    if (!next) return r;
    seen.add(key);
    if (next.status !== r.status) changes.push({ key, from: r.status, to: next.status });
    return next;
  });
  for (const [key, r] of fresh) {
    if (seen.has(key)) continue;
    merged.push(r);
    changes.push({ key, from: undefined, to: r.status });
  }
  return {
    report: {
      ...report,
      results: merged,
      summary: countStatuses(merged),
      drift: { updatedAt: at.toISOString(), rechecks: (report.drift?.rechecks ?? 0) + 1 },
    },
    changes,
  };
}
