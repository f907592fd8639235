/**
 * The agent's model, shared by the HTTP API and the serve loop: the loaded packs, the
 * last scan (with waivers applied as of today), the history, the scheduler, metrics and
 * state persistence. No HTTP and no process wiring here (server.ts, serve.ts).
 */
import { runScan } from "../engine/run-scan.js";
import type { ScanReport } from "../engine/result.js";
import { selectChecks, type CheckFilter } from "../engine/select.js";
import type { HostRoot } from "../host/host-root.js";
import type { LoadedCheck, LoadedPack } from "../packs/load.js";
import type { AgentConfig } from "./config.js";
import type { AgentMetrics } from "./metrics.js";
import { Scheduler, type RunContext, type ScanRun } from "./scheduler.js";
import { HISTORY_LIMIT, type AgentState, type ScanSummary, type ScanTrigger, type StateStore, type StoredScan } from "./state.js";
import { applyWaivers, countWaived, utcDay, type WaivedReport } from "./waivers.js";
import { pushAll } from "../util/array.js";

export interface AgentLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export type ScanFunction = (packs: readonly LoadedPack[], filter: CheckFilter, loadErrors: readonly string[]) => Promise<ScanReport>;

export interface AgentOptions {
  config: AgentConfig;
  packs: LoadedPack[];
  /** Formatted pack load errors. */
  loadErrors: string[];
  host: HostRoot;
  store: StateStore;
  state: AgentState;
  metrics: AgentMetrics;
  log: AgentLogger;
  /** Replace the engine (tests). */
  scan?: ScanFunction;
  /** The clock for waiver expiry (tests). */
  now?: () => Date;
}

export interface Readiness {
  ready: boolean;
  status: "starting" | "ready" | "degraded";
  lastScan?: { id: string; startedAt: string; source: "scan" | "state" };
  scanning: boolean;
  degraded: string[];
}

export class Agent {
  readonly config: AgentConfig;
  readonly packs: LoadedPack[];
  readonly loadErrors: string[];
  readonly metrics: AgentMetrics;
  readonly scheduler: Scheduler<StoredScan>;
  private readonly opts: AgentOptions;
  private latestScan: StoredScan | undefined;
  private latestFromState: boolean;
  private readonly summaries: ScanSummary[];
  private lastError: string | undefined;
  private viewKey = "";
  private viewCache: WaivedReport | undefined;
  private metricsKey = "";
  private readonly checks: LoadedCheck[];

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.config = opts.config;
    this.packs = opts.packs;
    this.loadErrors = opts.loadErrors;
    this.metrics = opts.metrics;
    this.latestScan = opts.state.latest;
    this.latestFromState = opts.state.latest !== undefined;
    this.summaries = [...opts.state.history];
    this.checks = selectChecks(this.packs, this.filter());
    this.scheduler = new Scheduler<StoredScan>({
      schedule: opts.config.schedule,
      run: (ctx) => this.runOne(ctx),
      onError: (e, trigger) => opts.log.error(`scheduled scan (${trigger}) failed: ${(e as Error).message}`),
    });
    this.refreshMetrics();
  }

  private filter(): CheckFilter {
    return { benchmarks: this.config.benchmarks };
  }

  /** Start a scan or join the running one. */
  triggerScan(trigger: ScanTrigger): { run: ScanRun<StoredScan>; joined: boolean } {
    return this.scheduler.trigger(trigger);
  }

  private async runOne(ctx: RunContext): Promise<StoredScan> {
    const scan: ScanFunction =
      this.opts.scan ?? ((packs, filter, loadErrors) => runScan({ host: this.opts.host, packs, filter, loadErrors, deep: this.opts.config.deep }));
    let report: ScanReport;
    try {
      report = await scan(this.packs, this.filter(), this.loadErrors);
    } catch (e) {
      this.lastError = `scan ${ctx.id} failed: ${(e as Error).message}`;
      this.metrics.scanFailed("scan");
      throw e;
    }
    this.lastError = undefined;
    const stored: StoredScan = { id: ctx.id, trigger: ctx.trigger, report };
    this.latestScan = stored;
    this.latestFromState = false;
    const view = this.view() as WaivedReport;
    this.summaries.push({
      id: ctx.id,
      trigger: ctx.trigger,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      summary: report.summary,
      waived: countWaived(view),
      loadErrors: report.loadErrors.length,
      eventLoopDelayMs: ctx.loopDelay(),
    });
    this.summaries.splice(0, Math.max(0, this.summaries.length - HISTORY_LIMIT));
    this.refreshMetrics();
    this.metrics.scanCompleted(ctx.trigger, ctx.loopDelay());
    for (const w of view.waivers) {
      if (w.state === "expired") this.opts.log.warn(`waiver for ${w.check} expired on ${w.expires}; it no longer applies`);
      if (w.state === "unmatched") this.opts.log.warn(`waiver for ${w.check} matches no check of this scan`);
    }
    try {
      await this.opts.store.save({ latest: stored, history: this.summaries });
    } catch (e) {
      this.metrics.scanFailed("state");
      this.opts.log.error(`cannot save state to ${this.opts.store.file}: ${(e as Error).message}`);
    }
    return stored;
  }

  get latest(): StoredScan | undefined {
    return this.latestScan;
  }

  history(): ScanSummary[] {
    return [...this.summaries].reverse();
  }

  /** The last report with its id, trigger and the waivers of today (recomputed when the day or the scan changes). */
  view(): WaivedReport | undefined {
    const latest = this.latestScan;
    if (!latest) return undefined;
    const now = this.opts.now?.() ?? new Date();
    const key = `${latest.id}@${utcDay(now)}`;
    if (key !== this.viewKey || !this.viewCache) {
      this.viewCache = { ...applyWaivers(latest.report, this.config.waivers, now), id: latest.id, trigger: latest.trigger };
      this.viewKey = key;
    }
    return this.viewCache;
  }

  /** Bring the scan gauges up to date (a waiver may have expired since the scan). */
  refreshMetrics(): void {
    const v = this.view();
    const key = v ? this.viewKey : "none";
    if (key === this.metricsKey) return;
    this.metrics.setScan(v);
    this.metricsKey = key;
  }

  /** Checks the agent runs (after the benchmarks filter). */
  catalog(): LoadedCheck[] {
    return this.checks;
  }

  /** Checks matching a key ("pack/id") or a bare id (may match one per pack). */
  findChecks(idOrKey: string): LoadedCheck[] {
    return this.checks.filter((c) => c.key === idOrKey || c.id === idOrKey);
  }

  readiness(): Readiness {
    const latest = this.latestScan;
    const degraded: string[] = [];
    if (this.loadErrors.length > 0) pushAll(degraded, [`${this.loadErrors.length} check pack problem(s); affected checks do not run`, ...this.loadErrors]);
    if (this.lastError) degraded.push(this.lastError);
    const base = { scanning: this.scheduler.running !== undefined, degraded };
    if (!latest) return { ready: false, status: "starting", ...base };
    return {
      ready: true,
      status: degraded.length > 0 ? "degraded" : "ready",
      lastScan: { id: latest.id, startedAt: latest.report.startedAt, source: this.latestFromState ? "state" : "scan" },
      ...base,
    };
  }
}
