/** What a scan produces. Reporters render these; they never decide pass or fail. */
import type { Evidence } from "../probes/types.js";

export const STATUSES = ["pass", "fail", "manual", "skip", "error"] as const;
export type Status = (typeof STATUSES)[number];

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface KisaReference {
  edition: number;
  id: string;
}

export interface References {
  cis?: string;
  cce?: string[];
  kisa?: KisaReference[];
  /** Free-form others: `nist`, `stig`, `dev-sec`, URLs… */
  other?: Record<string, string>;
}

export interface CheckResult {
  /** The benchmark's own number, e.g. "4.2.1" or "U-01". */
  id: string;
  /** Pack id, e.g. "cis-kubernetes-node". */
  pack: string;
  /** Benchmark title and version, e.g. "CIS Kubernetes Benchmark v1.12.0". */
  benchmark: string;
  title: string;
  severity: Severity;
  level?: number;
  references: References;
  status: Status;
  /** What was seen, rendered for people. */
  observed?: string;
  /** What the check expects, rendered for people. */
  expected?: string;
  /** One sentence: why it failed, or the reason for skip/error/manual. */
  message?: string;
  evidence: Evidence[];
  remediation?: string;
  /** Name of the typed fix, when the check has one. */
  fix?: string;
  /** Set when a profile excluded the check or replaced its expectation: which, and why. */
  tailoring?: { profile: string; reason: string };
  durationMs: number;
}

export interface StatusCounts {
  pass: number;
  fail: number;
  manual: number;
  skip: number;
  error: number;
}

export interface PackInfo {
  id: string;
  title: string;
  benchmark: string;
  version: string;
  checks: number;
}

export interface HostInventory {
  hostname?: string;
  os?: string;
  osVersion?: string;
  kernel?: string;
  arch?: string;
  /** The root that was scanned, "/" for the live host. */
  root: string;
  live: boolean;
}

export interface ScanReport {
  tool: { name: "nodeward"; version: string };
  startedAt: string;
  durationMs: number;
  host: HostInventory;
  packs: PackInfo[];
  summary: StatusCounts;
  results: CheckResult[];
  /** Pack files that failed to load; their checks did not run. */
  loadErrors: string[];
}

export function countStatuses(results: readonly CheckResult[]): StatusCounts {
  const c: StatusCounts = { pass: 0, fail: 0, manual: 0, skip: 0, error: 0 };
  for (const r of results) c[r.status]++;
  return c;
}
