/** What a scan produces. Reporters render these; they never decide pass or fail. */
import type { Evidence } from "../model/evidence.js";
import { emptyStatusCounts, type References, type ScanTrigger, type Severity, type Status, type StatusCounts } from "../model/vocabulary.js";
import type { KubernetesInventory } from "../probes/k8s/kubelet-info.js";

// The vocabulary lives at the bottom layer (src/model/); re-exported for the engine's users.
export { SCAN_TRIGGERS, SEVERITIES, STATUSES, type KisaReference, type References, type ScanTrigger, type Severity, type Status, type StatusCounts } from "../model/vocabulary.js";

/** What a check is, as every result and the agent's catalog (agent/catalog.ts) carry it. */
export interface CheckHeader {
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
  remediation?: string;
  /** Name of the typed fix, when the check has one. */
  fix?: string;
}

export interface CheckResult extends CheckHeader {
  status: Status;
  /** What was seen, rendered for people. */
  observed?: string;
  /** What the check expects, rendered for people. */
  expected?: string;
  /** One sentence: why it failed, or the reason for skip/error/manual. */
  message?: string;
  evidence: Evidence[];
  /** Set when a profile excluded the check or replaced its expectation: which, and why. */
  tailoring?: { profile: string; reason: string };
  /** Set by the agent when a configured waiver covers this result (its status is unchanged). */
  waiver?: WaiverNote;
  durationMs: number;
}

/** An accepted exception for a check, as it applies to one result. */
export interface WaiverNote {
  reason: string;
  /** Last day it applies (YYYY-MM-DD, inclusive, UTC). */
  expires: string;
}

/** A configured waiver and whether it applied to this report. */
export interface WaiverStatus extends WaiverNote {
  /** A check key ("pack/id") or a bare id. */
  check: string;
  state: "active" | "expired" | "unmatched";
  /** Keys of the results it covers (active waivers only). */
  applied: string[];
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
  /** The node's Kubernetes: distribution and kubelet version (`distribution: none` without one). */
  kubernetes?: KubernetesInventory;
  /** The agent's scan id and trigger (absent from a one-shot `nodeward scan`). */
  id?: string;
  trigger?: ScanTrigger;
  /**
   * Set by the agent when drift re-checks (checks re-run because something they read
   * changed) were merged into this scan's results since it finished: when the last was, and how many.
   */
  drift?: { updatedAt: string; rechecks: number };
  /** The agent's configured waivers as of the day the report is served. */
  waivers?: WaiverStatus[];
}

export function countStatuses(results: readonly CheckResult[]): StatusCounts {
  const c = emptyStatusCounts();
  for (const r of results) c[r.status]++;
  return c;
}
