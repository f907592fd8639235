/**
 * The agent's model, shared by the HTTP API and the serve loop: the loaded packs, the
 * last scan (with waivers applied as of today), the history, the scheduler, metrics and
 * state persistence. No HTTP and no process wiring here (server.ts, serve.ts).
 */
import type { DriftPlan } from "../engine/drift-plan.js";
import { mergeResults, type StatusChange } from "../engine/merge.js";
import type { CheckResult, ScanReport } from "../engine/result.js";
import type { CheckFilter } from "../engine/select.js";
import type { HostRoot } from "../host/host-root.js";
import type { LoadedPack } from "../packs/load.js";
import type { FixPreview } from "../remediation/preview.js";
import type { CatalogEntry } from "./catalog.js";
import type { AgentLogger } from "./log.js";
import type { AgentConfig } from "./config.js";
import type { AgentMetrics } from "./metrics.js";
import { Scheduler, type RunContext, type ScanRun } from "./scheduler.js";
import { HISTORY_LIMIT, type AgentState, type ScanSummary, type ScanTrigger, type StateStore, type StoredScan } from "./state.js";
import { applyWaivers, countWaived, utcDay, type WaivedReport } from "./waivers.js";
import { pushAll } from "../util/array.js";

export type { AgentLogger } from "./log.js";

/** Let the requests that arrived meanwhile be served (a macrotask turn: setImmediate). */
const yieldToRequests = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface ScanRequest {
  packs: readonly LoadedPack[];
  filter: CheckFilter;
  loadErrors: readonly string[];
  /** Aborted when the agent gives up on the scan (shutdown timeout). */
  signal?: AbortSignal;
  /** When drift is on: receives the scan's drift plan (what each fact depends on). */
  onPlan?: (plan: DriftPlan) => void;
  /** Receives the dry run of each failing check's typed fix (the dashboard's previews), planned where the packs are loaded. */
  onPreviews?: (previews: FixPreview[]) => void;
}

/** Runs one scan: in a child process in `serve` (scan-process.ts), in-process for `serve --once` and tests. */
export type ScanFunction = (request: ScanRequest) => Promise<ScanReport>;

/** The in-process scan (imports the engine only when used). */
export function inProcessScan(host: HostRoot, deep: boolean): ScanFunction {
  return async ({ packs, filter, loadErrors, onPlan, onPreviews }) => {
    const { runScan } = await import("../engine/run-scan.js");
    const recorder = onPlan ? new (await import("../engine/drift-plan.js")).PlanRecorder(host) : undefined;
    const report = await runScan({ host, packs, filter, loadErrors, deep, ...(recorder ? { recorder } : {}) });
    if (recorder) onPlan?.(await recorder.plan());
    if (onPreviews) {
      const [{ scanPreviews }, { selectChecks }] = await Promise.all([import("../remediation/preview.js"), import("../engine/select.js")]);
      onPreviews(await scanPreviews({ host, checks: selectChecks(packs, filter), results: report.results }));
    }
    return report;
  };
}

/** A state file from before failing-since was kept: each check failing in the saved report fails since that scan at least. */
function seedSince(latest: StoredScan | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of latest?.report.results ?? []) if (r.status === "fail") out[`${r.pack}/${r.id}`] = latest?.report.startedAt ?? "";
  return out;
}

/** "89 pass, 35 fail, 15 manual, 540 skip, 0 error" */
export function formatCounts(c: ScanReport["summary"]): string {
  return `${c.pass} pass, ${c.fail} fail, ${c.manual} manual, ${c.skip} skip, ${c.error} error`;
}

/** Told of every scan (the drift controller: re-checks wait for a running scan; a scan's plan replaces the watches). */
export interface ScanObserver {
  scanStarted(): void;
  /** With the scan's drift plan when it succeeded. */
  scanEnded(plan: DriftPlan | undefined): void;
}

export interface AgentOptions {
  config: AgentConfig;
  /** The checks the agent runs (after the benchmarks filter). */
  catalog: CatalogEntry[];
  /** The loaded packs, for an in-process scan; empty when scans load them in a child process. */
  packs?: LoadedPack[];
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
  /** Called after each finished scan was taken in and saved (serve: a garbage-collection hint). */
  afterScan?: () => void;
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
  /** What the metrics were last brought up to date for, and until when that holds (the next UTC midnight). */
  private metricsFor: { scan: StoredScan | undefined; revision: number; until: number } = { scan: undefined, revision: -1, until: 0 };
  private previewsKey = "";
  /** Check key → first seen failing in its current run of failures (AgentState.failingSince). */
  private readonly since: Map<string, string>;
  private sinceView: Readonly<Record<string, string>> | undefined;
  private previewsCache: ReadonlyMap<string, FixPreview> = new Map();
  private readonly checks: CatalogEntry[];
  private abort: AbortController | undefined;
  private observer: ScanObserver | undefined;
  /** Bumped when re-checked results are merged into the last scan (the view and gauges follow). */
  private revision = 0;

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.config = opts.config;
    this.packs = opts.packs ?? [];
    this.loadErrors = opts.loadErrors;
    this.metrics = opts.metrics;
    this.latestScan = opts.state.latest;
    this.latestFromState = opts.state.latest !== undefined;
    this.summaries = [...opts.state.history];
    this.since = new Map(Object.entries(opts.state.failingSince ?? seedSince(opts.state.latest)));
    this.checks = opts.catalog;
    this.scheduler = new Scheduler<StoredScan>({
      schedule: opts.config.schedule,
      run: (ctx) => this.runOne(ctx),
      // A failed scan is logged and counted in runOne.
      onError: () => undefined,
      log: opts.log,
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

  /** Give up on the running scan (its results are dropped); a no-op when none runs. */
  abandonScan(reason: string): void {
    this.abort?.abort(reason);
  }

  /** Tell `observer` of every scan from now on (the drift controller). */
  observeScans(observer: ScanObserver): void {
    this.observer = observer;
  }

  /**
   * Merge re-checked results into the last scan — the report, the view, the gauges and the
   * saved state together — unless a scan that started after the re-check began reading
   * (`observedAt`) has replaced it. Returns the checks whose status changed.
   */
  async mergeRecheck(results: readonly CheckResult[], observedAt: number): Promise<{ merged: boolean; changes: StatusChange[] }> {
    const latest = this.latestScan;
    if (!latest || Date.parse(latest.report.startedAt) > observedAt) return { merged: false, changes: [] };
    const { report, changes } = mergeResults(latest.report, results);
    this.latestScan = { ...latest, report };
    this.revision++;
    this.trackFailing(results, new Date(observedAt).toISOString(), false);
    this.refreshMetrics();
    try {
      await this.opts.store.save(this.state());
    } catch (e) {
      this.metrics.scanFailed("state");
      this.opts.log.error(`cannot save state to ${this.opts.store.file}: ${(e as Error).message}`);
    }
    return { merged: true, changes };
  }

  private async runOne(ctx: RunContext): Promise<StoredScan> {
    const scan: ScanFunction = this.opts.scan ?? inProcessScan(this.opts.host, this.opts.config.deep);
    const abort = new AbortController();
    this.abort = abort;
    const observer = this.observer;
    let plan: DriftPlan | undefined;
    let previews: FixPreview[] | undefined;
    let report: ScanReport;
    observer?.scanStarted();
    try {
      report = await scan({
        packs: this.packs,
        filter: this.filter(),
        loadErrors: this.loadErrors,
        signal: abort.signal,
        ...(observer ? { onPlan: (p: DriftPlan) => (plan = p) } : {}),
        onPreviews: (p: FixPreview[]) => (previews = p),
      });
    } catch (e) {
      observer?.scanEnded(undefined);
      this.lastError = `scan ${ctx.id} failed: ${(e as Error).message}`;
      this.metrics.scanFailed("scan");
      this.opts.log.error(`scan ${ctx.id} (${ctx.trigger}) failed after ${Math.round(Date.now() - ctx.startedAt.getTime())} ms: ${(e as Error).message}`);
      throw e;
    } finally {
      if (this.abort === abort) this.abort = undefined;
    }
    // Taking in a scan is three turns of the event loop, not one: receiving the report
    // (deserialising it), taking it in (waivers, metrics, drift's plan), saving it
    // (JSON.stringify). A scrape that arrives meanwhile waits for one of them, not all three.
    await yieldToRequests();
    this.lastError = undefined;
    const stored: StoredScan = { id: ctx.id, trigger: ctx.trigger, report, ...(previews ? { previews } : {}) };
    this.latestScan = stored;
    this.trackFailing(report.results, report.startedAt, true);
    this.latestFromState = false;
    observer?.scanEnded(plan);
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
    // From here on a scan request must get a new scan: these results are already out.
    ctx.published();
    this.metrics.scanCompleted(ctx.trigger, ctx.loopDelay());
    const waived = countWaived(view);
    this.opts.log.info(
      `scan ${ctx.id} (${ctx.trigger}) finished in ${Math.round(report.durationMs)} ms: ${formatCounts(report.summary)}` +
        `${waived > 0 ? `; ${waived} waived` : ""}${report.loadErrors.length > 0 ? `; ${report.loadErrors.length} pack error(s)` : ""}`,
    );
    for (const w of view.waivers) {
      if (w.state === "expired") this.opts.log.warn(`waiver for ${w.check} expired on ${w.expires}; it no longer applies`);
      if (w.state === "unmatched") this.opts.log.warn(`waiver for ${w.check} matches no check of this scan`);
    }
    await yieldToRequests();
    try {
      await this.opts.store.save(this.state());
    } catch (e) {
      this.metrics.scanFailed("state");
      this.opts.log.error(`cannot save state to ${this.opts.store.file}: ${(e as Error).message}`);
    }
    this.opts.afterScan?.();
    return stored;
  }

  /** The agent's clock (waiver expiry, the pages' ages). */
  now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** What the state file holds. */
  private state(): AgentState {
    return { ...(this.latestScan ? { latest: this.latestScan } : {}), history: this.summaries, failingSince: Object.fromEntries(this.since) };
  }

  /**
   * Carry the failing-since times over `results`: a failing check keeps its time or gets
   * `at`; one in error keeps its time (an error is no proof the failure ended); any other
   * status ends the run. A full scan (`whole`) also forgets checks it did not run.
   */
  private trackFailing(results: readonly CheckResult[], at: string, whole: boolean): void {
    const seen = whole ? new Set<string>() : undefined;
    for (const r of results) {
      const key = `${r.pack}/${r.id}`;
      seen?.add(key);
      if (r.status === "fail") {
        if (!this.since.has(key)) this.since.set(key, at);
      } else if (r.status !== "error") this.since.delete(key);
    }
    if (seen) for (const key of [...this.since.keys()]) if (!seen.has(key)) this.since.delete(key);
    this.sinceView = undefined;
  }

  /** Check key → when the check was first seen failing in its current run of failures (failing checks only). */
  failingSince(): Readonly<Record<string, string>> {
    if (!this.sinceView) {
      const failing = new Set<string>();
      for (const r of this.latestScan?.report.results ?? []) if (r.status === "fail") failing.add(`${r.pack}/${r.id}`);
      this.sinceView = Object.fromEntries([...this.since].filter(([k]) => failing.has(k)));
    }
    return this.sinceView;
  }

  get latest(): StoredScan | undefined {
    return this.latestScan;
  }

  /**
   * The dry run of the fix of each check that fails now, as of the scan that found it
   * failing (a check a drift re-check found passing has none; one a re-check found
   * failing has none until the next scan). Keyed by check key.
   */
  previews(): ReadonlyMap<string, FixPreview> {
    const latest = this.latestScan;
    const key = latest ? `${latest.id}#${this.revision}` : "none";
    if (key !== this.previewsKey) {
      const failing = new Set<string>();
      for (const r of latest?.report.results ?? []) if (r.status === "fail") failing.add(`${r.pack}/${r.id}`);
      this.previewsCache = new Map((latest?.previews ?? []).filter((p) => failing.has(p.check)).map((p) => [p.check, p]));
      this.previewsKey = key;
    }
    return this.previewsCache;
  }

  history(): ScanSummary[] {
    return [...this.summaries].reverse();
  }

  /** The last report with its id, trigger and the waivers of today (recomputed when the day or the scan changes). */
  view(): WaivedReport | undefined {
    const latest = this.latestScan;
    if (!latest) return undefined;
    const now = this.now();
    const key = `${latest.id}#${this.revision}@${utcDay(now)}`;
    if (key !== this.viewKey || !this.viewCache) {
      this.viewCache = { ...applyWaivers(latest.report, this.config.waivers, now), id: latest.id, trigger: latest.trigger };
      this.viewKey = key;
    }
    return this.viewCache;
  }

  /** Bring the scan gauges up to date (a waiver may have expired since the scan). */
  refreshMetrics(): void {
    // Every scrape asks: the same scan and revision before the next UTC midnight need no key.
    const nowMs = this.opts.now ? this.opts.now().getTime() : Date.now();
    if (this.metricsFor.scan === this.latestScan && this.metricsFor.revision === this.revision && nowMs < this.metricsFor.until) return;
    const v = this.view();
    const key = v ? this.viewKey : "none";
    const d = new Date(nowMs);
    this.metricsFor = { scan: this.latestScan, revision: this.revision, until: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) };
    if (key === this.metricsKey) return;
    this.metrics.setScan(v);
    this.metricsKey = key;
  }

  /** Checks the agent runs (after the benchmarks filter). */
  catalog(): CatalogEntry[] {
    return this.checks;
  }

  /** Checks matching a key ("pack/id") or a bare id (may match one per pack). */
  findChecks(idOrKey: string): CatalogEntry[] {
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
