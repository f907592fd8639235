/**
 * The agent's /metrics: a prom-client Registry of its own (never the global default, so
 * two agents in one process — tests — do not collide), holding
 *   - the per-scan families defined once in src/report/prometheus.ts, rendered to text once
 *     per scan and replaced whole (a check that disappeared leaves no series; a scrape
 *     costs a string concatenation, not ~2,000 label formats),
 *   - agent-lifetime counters (scans, scan errors) and the scan's event-loop delay,
 *   - nodeward_build_info and prom-client's default process / Node.js metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { BUILD_INFO, renderFamilies, scanMetricFamilies } from "../report/prometheus.js";
import type { LoopDelay } from "./scheduler.js";
import { SCAN_TRIGGERS, type ScanTrigger } from "../model/vocabulary.js";
import type { WaivedReport } from "./waivers.js";

const LINT_FAILING_DEFAULTS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/** `serve --once` is not counted: a one-shot process has no scrape to show it to. */
const COUNTED_TRIGGERS: readonly ScanTrigger[] = SCAN_TRIGGERS.filter((t) => t !== "once");

export const SCAN_ERROR_KINDS = ["scan", "state"] as const;
export type ScanErrorKind = (typeof SCAN_ERROR_KINDS)[number];

export interface AgentMetricsOptions {
  version: string;
  node: string;
  /** prom-client's default process and Node.js metrics (default true). */
  processMetrics?: boolean;
}

export class AgentMetrics {
  readonly registry: Registry;
  /** Exposition text of the last scan's families; replaced whole by setScan. */
  private scanText = "";
  private readonly scanErrors: Counter<string>;
  private readonly scans: Counter<string>;
  private readonly loopP99: Gauge;
  private readonly loopMax: Gauge;

  constructor(options: AgentMetricsOptions) {
    this.registry = new Registry();
    const registers = [this.registry];
    const buildInfo = new Gauge({ name: BUILD_INFO.name, help: BUILD_INFO.help, labelNames: [...BUILD_INFO.labelNames], registers });
    buildInfo.set({ version: options.version, node: options.node }, 1);
    this.scans = new Counter({ name: "nodeward_scans_total", help: "Scans completed since the agent started, by trigger.", labelNames: ["trigger"], registers });
    this.scanErrors = new Counter({
      name: "nodeward_scan_errors_total",
      help: "Scans that failed (kind=scan) or whose results could not be saved (kind=state) since the agent started.",
      labelNames: ["kind"],
      registers,
    });
    // Start every labelled counter at 0 so rate() and increase() see the first error.
    for (const k of SCAN_ERROR_KINDS) this.scanErrors.inc({ kind: k }, 0);
    for (const t of COUNTED_TRIGGERS) this.scans.inc({ trigger: t }, 0);
    this.loopP99 = new Gauge({
      name: "nodeward_scan_event_loop_delay_p99_seconds",
      help: "99th percentile of the event-loop delay while the last scan ran.",
      registers,
    });
    this.loopMax = new Gauge({ name: "nodeward_scan_event_loop_delay_max_seconds", help: "Largest event-loop delay while the last scan ran.", registers });
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named *_total fail `promtool check metrics`; the per-type gauges without
      // the suffix (nodejs_active_handles{type}…) carry the same numbers.
      for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Replace every per-scan series with those of `report` (undefined: clear them). */
  setScan(report: WaivedReport | undefined): void {
    if (!report) {
      this.scanText = "";
      return;
    }
    const families = scanMetricFamilies(report, {
      isWaived: (r) => r.waiver !== undefined,
      expiredWaivers: report.waivers.filter((w) => w.state === "expired").length,
    });
    this.scanText = renderFamilies(families);
  }

  scanCompleted(trigger: ScanTrigger, loop: LoopDelay | undefined): void {
    if (COUNTED_TRIGGERS.includes(trigger)) this.scans.inc({ trigger });
    if (loop) {
      this.loopP99.set(loop.p99 / 1000);
      this.loopMax.set(loop.max / 1000);
    }
  }

  scanFailed(kind: ScanErrorKind): void {
    this.scanErrors.inc({ kind });
  }

  async render(): Promise<string> {
    const base = await this.registry.metrics();
    return this.scanText === "" ? base : `${base.trimEnd()}\n\n${this.scanText}`;
  }
}
