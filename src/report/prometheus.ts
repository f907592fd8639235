/**
 * Prometheus exposition of a scan: the one definition of nodeward's per-scan metrics.
 * The agent's /metrics feeds these same families into prom-client gauges (reset before
 * each scan so a check that disappeared leaves no series behind); this reporter renders
 * them directly for node_exporter's textfile collector (`scan --format prometheus`).
 * Rendering is synchronous because reporters are; prom-client's registry is async only.
 *
 * Per-check encoding (kube-state-metrics style, documented in the README):
 *   nodeward_check_status{pack,benchmark,id,severity,level,waived} 1 pass / 0 fail;
 *     no series for manual/skip/error, so `avg()` is the compliance ratio of what was decided.
 *   nodeward_check_result{pack,benchmark,id,severity,level,waived,status} one-hot over all
 *     five statuses: 1 for the current one, 0 for the other four.
 * Series per node: 6 × checks + 14 fixed (+ process metrics in the agent).
 */
import { hostname } from "node:os";
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

const CHECK_LABELS = ["pack", "benchmark", "id", "severity", "level", "waived"] as const;

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
    help: "Status of a check in the last scan, one-hot: 1 for the current status, 0 for the other four.",
    type: "gauge",
    labelNames: [...CHECK_LABELS, "status"],
  },
  checks: {
    name: "nodeward_checks",
    help: "Number of checks per status in the last scan.",
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
  help: "Always 1; labels give the nodeward version and the node name.",
  type: "gauge",
  labelNames: ["version", "node"],
};

export interface ScanMetricsOptions {
  /** Whether a result is covered by an active waiver (the agent applies waivers; the CLI has none). */
  isWaived?: (r: CheckResult) => boolean;
  expiredWaivers?: number;
}

export function checkLabels(r: CheckResult, waived: boolean): Labels {
  return {
    pack: r.pack,
    benchmark: r.benchmark,
    id: r.id,
    severity: r.severity,
    level: r.level === undefined ? "" : String(r.level),
    waived: waived ? "true" : "false",
  };
}

/** Every per-scan family with its samples for `report`. */
export function scanMetricFamilies(report: ScanReport, options: ScanMetricsOptions = {}): MetricFamily[] {
  const m = SCAN_METRICS;
  const status: Sample[] = [];
  const result: Sample[] = [];
  let waived = 0;
  for (const r of report.results) {
    const w = options.isWaived?.(r) ?? false;
    if (w) waived++;
    const labels = checkLabels(r, w);
    if (r.status === "pass" || r.status === "fail") status.push({ labels, value: r.status === "pass" ? 1 : 0 });
    for (const s of STATUSES) result.push({ labels: { ...labels, status: s }, value: r.status === s ? 1 : 0 });
  }
  const finished = Date.parse(report.startedAt) + report.durationMs;
  return [
    { ...m.checkStatus, samples: status },
    { ...m.checkResult, samples: result },
    { ...m.checks, samples: STATUSES.map((s) => ({ labels: { status: s }, value: report.summary[s] })) },
    { ...m.waived, samples: [{ labels: {}, value: waived }] },
    { ...m.expiredWaivers, samples: [{ labels: {}, value: options.expiredWaivers ?? 0 }] },
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

// Text format 0.0.4, escaped as prom-client does, so both paths print the same bytes.
const escapeHelp = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (s: string) => s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
function formatValue(v: number): string {
  if (Number.isNaN(v)) return "Nan";
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
  return blocks.join("\n\n") + "\n";
}

/** For node_exporter's textfile collector: write with `--output /var/lib/node_exporter/textfile/nodeward.prom`. */
export const prometheusReporter: Reporter = {
  name: "prometheus",
  contentType: "text/plain; version=0.0.4; charset=utf-8",
  extension: "prom",
  render(report) {
    const node = report.host.hostname ?? hostname();
    return renderFamilies([buildInfoFamily(report.tool.version, node), ...scanMetricFamilies(report)]);
  },
};
