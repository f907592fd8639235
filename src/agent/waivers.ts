/**
 * Waivers: an accepted exception for one check, with a reason and an expiry date.
 * A waived result keeps its real status (a waiver never turns a fail into a pass, so
 * the evidence stays honest) and carries `waiver: {reason, expires}`; metrics count it
 * in nodeward_waived_checks and label it `waived="true"`. An expired waiver stops
 * applying and is listed with state "expired"; one naming no loaded check is "unmatched".
 */
import type { CheckResult, ScanReport, WaiverStatus } from "../engine/result.js";
import type { WaiverDef } from "./config.js";

export type { WaiverNote, WaiverStatus } from "../engine/result.js";
export type WaiverState = WaiverStatus["state"];

/** A report with the waivers of the day applied: every reporter sees `waiver` on results and the `waivers` list. */
export interface WaivedReport extends ScanReport {
  waivers: WaiverStatus[];
}

/** "YYYY-MM-DD" of `now` in UTC. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** A waiver applies through the end of its `expires` day (UTC). */
export function isExpired(w: WaiverDef, now: Date): boolean {
  return utcDay(now) > w.expires;
}

function matches(w: WaiverDef, r: CheckResult): boolean {
  return w.check === `${r.pack}/${r.id}` || w.check === r.id;
}

/** Annotate a report's results with the waivers in force on `now`. Pure: the input is not changed. */
export function applyWaivers(report: ScanReport, waivers: readonly WaiverDef[], now: Date = new Date()): WaivedReport {
  const statuses: WaiverStatus[] = waivers.map((w) => ({ ...w, state: isExpired(w, now) ? "expired" : "unmatched", applied: [] }));
  const results = report.results.map((r): CheckResult => {
    // The first active waiver that names the check wins (a pack-qualified one is more specific).
    const order = statuses
      .filter((s) => s.state !== "expired" && matches(s, r))
      .sort((a, b) => Number(b.check.includes("/")) - Number(a.check.includes("/")));
    const w = order[0];
    if (!w) return r;
    w.state = "active";
    w.applied.push(`${r.pack}/${r.id}`);
    for (const other of order.slice(1)) if (other.state === "unmatched") other.state = "active";
    return { ...r, waiver: { reason: w.reason, expires: w.expires } };
  });
  return { ...report, results, waivers: statuses };
}

export function countWaived(report: WaivedReport): number {
  return report.results.filter((r) => r.waiver !== undefined).length;
}
