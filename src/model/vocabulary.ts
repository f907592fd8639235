/**
 * The shared vocabulary of results — statuses, severities, references, scan triggers —
 * at the bottom of the layers, so the pack schema, probes, the engine, reporters and
 * the agent all name the same words from one place. This module imports nothing.
 */

/** A check's outcome. `error`: the probe could not tell (never counted as a pass). */
export const STATUSES = ["pass", "fail", "manual", "skip", "error"] as const;
export type Status = (typeof STATUSES)[number];

/** How many results have each status (keys in STATUSES order). */
export type StatusCounts = Record<Status, number>;

export function emptyStatusCounts(): StatusCounts {
  return { pass: 0, fail: 0, manual: 0, skip: 0, error: 0 };
}

/** nodeward's judgement of a check's weight (CIS has none), lowest first. */
export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface KisaReference {
  edition: number;
  id: string;
}

/** The benchmark's own numbers for a check. */
export interface References {
  cis?: string;
  cce?: string[];
  kisa?: KisaReference[];
  /** Free-form others: `nist`, `stig`, `dev-sec`, URLs… */
  other?: Record<string, string>;
}

/**
 * What started a scan: the agent's start-up scan, its cron schedule, an API request, or
 * `nodeward serve --once`.
 */
export const SCAN_TRIGGERS = ["start", "schedule", "api", "once"] as const;
export type ScanTrigger = (typeof SCAN_TRIGGERS)[number];
