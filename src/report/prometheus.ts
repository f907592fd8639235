/**
 * Prometheus exposition of a scan: the one definition of nodeward's per-scan metrics.
 * The agent renders these families once per scan (and once a day, for waiver expiry)
 * into a cached buffer; this reporter renders the same bytes for node_exporter's
 * textfile collector (`scan --format prometheus`).
 *
 * Lean by design (docs/agent.md "Series budget"):
 *   - only checks of packs that apply to the node are exported: a pack applies when at
 *     least one of its checks was not skipped (a RHEL pack on Debian is all skip, and 130
 *     series saying "skip" tell nobody anything); nodeward_pack_info says which applied;
 *   - per check, labels hold identity (pack, id), severity, level and waived — constant
 *     metadata (benchmark title, version) is in nodeward_pack_info, titles and references
 *     stay in the API;
 *   - nodeward_check_status{…} 1 pass / 0 fail, for decided checks only, so `avg()` is the
 *     compliance ratio and `== 0` means "fails";
 *   - nodeward_check_result{…,status} 1, one series per check whose `status` label is the
 *     current status (not one-hot: five series per check for a value that changes rarely).
 *   - nodeward_kubernetes_info{distribution,variant,version} names the node's Kubernetes.
 * Series per node: pass + fail + exported checks + packs + 11.
 */
import { STATUSES, type CheckResult, type ScanReport } from "../engine/result.js";
import type { Reporter } from "./types.js";

export type Labels = Record<string, string>;

export interface MetricDef {
  name: string;
  help: string;
  type: "gauge" | "counter";
  labelNames: readonly string[];
}

export interface Sample {
  labels: Labels;
  value: number;
}

export interface MetricFamily extends MetricDef {
  samples: Sample[];
}

const CHECK_LABELS = ["pack", "id", "severity", "level", "waived"] as const;

/** The per-scan metrics, in exposition order. */
export const SCAN_METRICS = {
  checkStatus: {
    name: "nodeward_check_status",
    help: "Result of a check in the last scan: 1 pass, 0 fail (no series for manual, skip or error; see nodeward_check_result).",
    type: "gauge",
    labelNames: CHECK_LABELS,
  },
  checkResult: {
    name: "nodeward_check_result",
    help: "Status of a check in the last scan: one series per check, value 1, its status label the current status.",
    type: "gauge",
    labelNames: [...CHECK_LABELS, "status"],
  },
  packInfo: {
    name: "nodeward_pack_info",
    help: "Always 1: a pack of the last scan, its benchmark and version; applies=false when every check of it was skipped (its checks are not exported).",
    type: "gauge",
    labelNames: ["pack", "benchmark", "version", "applies"],
  },
  checks: {
    name: "nodeward_checks",
    help: "Number of checks per status in the last scan (every pack, as in the report's summary).",
    type: "gauge",
    labelNames: ["status"],
  },
  waived: {
    name: "nodeward_waived_checks",
    help: "Checks in the last scan covered by an active waiver (their status is unchanged).",
    type: "gauge",
    labelNames: [],
  },
  expiredWaivers: {
    name: "nodeward_expired_waivers",
    help: "Configured waivers past their expiry date; they no longer apply.",
    type: "gauge",
    labelNames: [],
  },
  packErrors: {
    name: "nodeward_pack_load_errors",
    help: "Check pack problems at load time; the affected checks did not run.",
    type: "gauge",
    labelNames: [],
  },
  duration: {
    name: "nodeward_scan_duration_seconds",
    help: "Wall-clock duration of the last scan.",
    type: "gauge",
    labelNames: [],
  },
  kubernetes: {
    name: "nodeward_kubernetes_info",
    help: "Always 1; labels give the node's Kubernetes distribution (kubeadm, k3s, rke2, k0s, eks, aks, gke, unknown, none), its variant and the kubelet version (empty when it could not be observed).",
    type: "gauge",
    labelNames: ["distribution", "variant", "version"],
  },
  lastScan: {
    name: "nodeward_last_scan_timestamp_seconds",
    help: "Unix time at which the last scan finished.",
    type: "gauge",
    labelNames: [],
  },
} as const satisfies Record<string, MetricDef>;

export const BUILD_INFO: MetricDef = {
  name: "nodeward_build_info",
  help: "Always 1; labels give the nodeward version and the node name (the scanned root's hostname).",
  type: "gauge",
  labelNames: ["version", "node"],
};

export function checkLabels(r: CheckResult): Labels {
  return {
    pack: r.pack,
    id: r.id,
    severity: r.severity,
    level: r.level === undefined ? "" : String(r.level),
    waived: r.waiver !== undefined ? "true" : "false",
  };
}

/** Packs with at least one check that was not skipped: their checks are exported. */
export function applyingPacks(report: ScanReport): Set<string> {
  const applies = new Set<string>();
  for (const r of report.results) if (r.status !== "skip") applies.add(r.pack);
  return applies;
}

/** Every per-scan family with its samples for `report` (waivers as carried by its results). */
export function scanMetricFamilies(report: ScanReport): MetricFamily[] {
  const m = SCAN_METRICS;
  const applies = applyingPacks(report);
  const status: Sample[] = [];
  const result: Sample[] = [];
  let waived = 0;
  for (const r of report.results) {
    if (r.waiver !== undefined) waived++;
    if (!applies.has(r.pack)) continue;
    const labels = checkLabels(r);
    if (r.status === "pass" || r.status === "fail") status.push({ labels, value: r.status === "pass" ? 1 : 0 });
    result.push({ labels: { ...labels, status: r.status }, value: 1 });
  }
  const packs = new Map(report.packs.map((p) => [p.id, p]));
  for (const r of report.results) if (!packs.has(r.pack)) packs.set(r.pack, { id: r.pack, title: r.pack, benchmark: r.benchmark, version: "", checks: 0 });
  const finished = Date.parse(report.startedAt) + report.durationMs;
  const expired = (report.waivers ?? []).filter((w) => w.state === "expired").length;
  return [
    { ...m.checkStatus, samples: status },
    { ...m.checkResult, samples: result },
    {
      ...m.packInfo,
      samples: [...packs.values()].map((p) => ({ labels: { pack: p.id, benchmark: p.benchmark, version: p.version, applies: String(applies.has(p.id)) }, value: 1 })),
    },
    { ...m.checks, samples: STATUSES.map((s) => ({ labels: { status: s }, value: report.summary[s] })) },
    { ...m.waived, samples: [{ labels: {}, value: waived }] },
    { ...m.expiredWaivers, samples: [{ labels: {}, value: expired }] },
    { ...m.packErrors, samples: [{ labels: {}, value: report.loadErrors.length }] },
    { ...m.duration, samples: [{ labels: {}, value: report.durationMs / 1000 }] },
    {
      ...m.kubernetes,
      samples: report.kubernetes
        ? [{ labels: { distribution: report.kubernetes.distribution, variant: report.kubernetes.variant ?? "", version: report.kubernetes.version ?? "" }, value: 1 }]
        : [],
    },
    { ...m.lastScan, samples: [{ labels: {}, value: Number.isFinite(finished) ? finished / 1000 : 0 }] },
  ];
}

export function buildInfoFamily(version: string, node: string): MetricFamily {
  return { ...BUILD_INFO, samples: [{ labels: { version, node }, value: 1 }] };
}

/** The node a report describes: the scanned root's hostname ("" when the root has none). */
export function reportNode(report: ScanReport): string {
  return report.host.hostname ?? "";
}

// Text format 0.0.4.
const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return String(v);
}

export function renderFamilies(families: readonly MetricFamily[]): string {
  const blocks = families.map((f) => {
    const lines = [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`];
    for (const s of f.samples) {
      const ls = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      lines.push(`${f.name}${ls.length ? `{${ls.join(",")}}` : ""} ${formatValue(s.value)}`);
    }
    return lines.join("\n");
  });
  return blocks.join("\n") + "\n";
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** For node_exporter's textfile collector: write with `--output /var/lib/node_exporter/textfile/nodeward.prom`. */
export const prometheusReporter: Reporter = {
  name: "prometheus",
  contentType: PROMETHEUS_CONTENT_TYPE,
  extension: "prom",
  render(report) {
    return renderFamilies([buildInfoFamily(report.tool.version, reportNode(report)), ...scanMetricFamilies(report)]);
  },
};
