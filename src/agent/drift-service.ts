/**
 * Drift in the running agent: wires the controller (drift.ts) to the agent's scans, its
 * re-check path (the scan child, or in-process for `serve --once`-style agents and tests),
 * its merged report, its metrics and its log. serve.ts starts it when `drift.enabled`.
 *
 * Metrics (rendered with the agent's own series):
 *   nodeward_drift_detection_seconds{source}  histogram: from the change (a watched file's
 *       ctime; else when it was seen) to the re-checked status merged into the report,
 *   nodeward_drift_rechecks_total{source}, nodeward_drift_status_changes_total,
 *   nodeward_drift_watches{state}  directories watched / waiting for a missing one / polled,
 *   nodeward_drift_inotify_watches  inotify watches held,
 *   nodeward_drift_watch_fallbacks_total{cause}  directories that fell back to polling
 *       (ENOSPC: no inotify watch left; EMFILE: no inotify instance left; EACCES; other).
 */
import { getHeapSpaceStatistics, getHeapStatistics } from "node:v8";
import type { DriftPlan } from "../engine/drift-plan.js";
import type { Recheck } from "../engine/recheck.js";
import type { CheckFilter } from "../engine/select.js";
import type { HostRoot } from "../host/host-root.js";
import type { LoadedPack } from "../packs/load.js";
import type { Agent } from "./agent.js";
import type { AgentConfig } from "./config.js";
import type { DriftConfig } from "./drift-config.js";
import { WATCH_FALLBACK_CAUSES, type WatchFallbackCause } from "../host/watcher.js";
import { DRIFT_SOURCES, DriftController, type DriftMetricsSink, type DriftSource } from "./drift.js";
import type { AgentLogger } from "./log.js";

/** Re-check these checks (`pack/id`) where scans run. */
export type RecheckFunction = (keys: readonly string[]) => Promise<Recheck>;

/** The in-process re-check (tests, agents that scan in-process). */
export function inProcessRecheck(host: HostRoot, packs: readonly LoadedPack[], filter: CheckFilter, deep: boolean): RecheckFunction {
  return async (keys) => {
    const { recheck } = await import("../engine/recheck.js");
    return recheck({ host, packs, filter, keys, deep });
  };
}

/** Upper bounds of nodeward_drift_detection_seconds (the target is p95 ≤ 0.3 s, max ≤ 1 s). */
export const DETECTION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30, 60, 300] as const;

export class DriftMetrics implements DriftMetricsSink {
  private readonly buckets = new Map<DriftSource, number[]>(DRIFT_SOURCES.map((s) => [s, DETECTION_BUCKETS.map(() => 0)]));
  private readonly sums = new Map<DriftSource, number>(DRIFT_SOURCES.map((s) => [s, 0]));
  private readonly counts = new Map<DriftSource, number>(DRIFT_SOURCES.map((s) => [s, 0]));
  private changes = 0;
  private watch = { watched: 0, waiting: 0, polled: 0, inotify: 0 };
  private readonly fallbacks = new Map<WatchFallbackCause, number>(WATCH_FALLBACK_CAUSES.map((c) => [c, 0]));
  private readonly onChange: () => void;

  constructor(onChange: () => void = () => undefined) {
    this.onChange = onChange;
  }

  recheck(source: DriftSource, detectionSeconds: number, changes: number): void {
    const b = this.buckets.get(source) as number[];
    DETECTION_BUCKETS.forEach((le, i) => {
      if (detectionSeconds <= le) b[i] = (b[i] ?? 0) + 1;
    });
    this.sums.set(source, (this.sums.get(source) ?? 0) + detectionSeconds);
    this.counts.set(source, (this.counts.get(source) ?? 0) + 1);
    this.changes += changes;
    this.onChange();
  }

  watches(counts: { watched: number; waiting: number; polled: number; inotify: number }): void {
    this.watch = counts;
    this.onChange();
  }

  watchFallback(cause: WatchFallbackCause): void {
    this.fallbacks.set(cause, (this.fallbacks.get(cause) ?? 0) + 1);
    this.onChange();
  }

  render(): string {
    const h = "nodeward_drift_detection_seconds";
    const lines = [
      `# HELP ${h} From a change (a watched file's ctime, else when it was seen) to its checks' re-checked status in the report.`,
      `# TYPE ${h} histogram`,
    ];
    for (const s of DRIFT_SOURCES) {
      const b = this.buckets.get(s) as number[];
      DETECTION_BUCKETS.forEach((le, i) => lines.push(`${h}_bucket{source="${s}",le="${le}"} ${b[i] ?? 0}`));
      lines.push(`${h}_bucket{source="${s}",le="+Inf"} ${this.counts.get(s) ?? 0}`);
      lines.push(`${h}_sum{source="${s}"} ${Number((this.sums.get(s) ?? 0).toFixed(6))}`);
      lines.push(`${h}_count{source="${s}"} ${this.counts.get(s) ?? 0}`);
    }
    lines.push(
      "# HELP nodeward_drift_rechecks_total Re-checks of the checks whose watched files, listings or polled facts changed, by what noticed the change.",
      "# TYPE nodeward_drift_rechecks_total counter",
    );
    for (const s of DRIFT_SOURCES) lines.push(`nodeward_drift_rechecks_total{source="${s}"} ${this.counts.get(s) ?? 0}`);
    lines.push(
      "# HELP nodeward_drift_status_changes_total Checks whose status a drift re-check changed.",
      "# TYPE nodeward_drift_status_changes_total counter",
      `nodeward_drift_status_changes_total ${this.changes}`,
      "# HELP nodeward_drift_watches Directories drift follows: watched, waiting (missing: its nearest ancestor is watched) or polled (no watch could be set).",
      "# TYPE nodeward_drift_watches gauge",
      `nodeward_drift_watches{state="watched"} ${this.watch.watched}`,
      `nodeward_drift_watches{state="waiting"} ${this.watch.waiting}`,
      `nodeward_drift_watches{state="polled"} ${this.watch.polled}`,
      "# HELP nodeward_drift_inotify_watches inotify watches the agent holds for drift.",
      "# TYPE nodeward_drift_inotify_watches gauge",
      `nodeward_drift_inotify_watches ${this.watch.inotify}`,
      "# HELP nodeward_drift_watch_fallbacks_total Directories that fell back to polling because no watch could be set, by cause (ENOSPC: fs.inotify.max_user_watches reached; EMFILE: max_user_instances reached).",
      "# TYPE nodeward_drift_watch_fallbacks_total counter",
    );
    for (const c of WATCH_FALLBACK_CAUSES) lines.push(`nodeward_drift_watch_fallbacks_total{cause="${c}"} ${this.fallbacks.get(c) ?? 0}`);
    return lines.join("\n") + "\n";
  }
}

export interface DriftServiceOptions {
  agent: Agent;
  host: HostRoot;
  config: DriftConfig;
  recheck: RecheckFunction;
  /** A change was seen: get the re-check path ready for these checks (fork the re-check process, load their packs). */
  prepare?: (keys: string[]) => void;
  log: AgentLogger;
  /** Called when the service stops (the re-check process goes). */
  onStop?: () => void;
  /**
   * Ask for a full garbage collection at the next quiet moment (serve.ts: its IdleCollector,
   * as after each scan): after each merged re-check (it deserialised the results, rebuilt the
   * view and saved the whole state) and when the polls' garbage piled up.
   */
  collect?: () => void;
}

/**
 * The polls' garbage (procfs reads, the process table every `pollIntervalMs`) outlives
 * the young generation and piles up in V8's old space, which V8 collects only when it has
 * grown well past the live size: +7 MiB of RSS idle on this host. The polls also keep the
 * young generation busy: every scavenge promotes what is alive at that moment, such as
 * the /metrics exposition buffer cached between two scrapes (~200 KB of external memory
 * apiece, metrics.ts), and a promoted buffer is freed only by a full collection, which V8's
 * memory reducer does not start while allocation goes on. Measured (10 idle minutes, a
 * scrape every 5 s, side by side): the drift agent's external memory climbed 3 → 10 MB
 * between V8's own collections while the --no-drift agent's stayed at 3-5, and malloc kept
 * the peak: RSS +5..+8 MiB over --no-drift. So once V8's old space in use plus its
 * external memory has grown this much past its low point, the service asks for a
 * collection (a few milliseconds of CPU). The young generation is left out: it is
 * collected on its own.
 */
export const POLL_GARBAGE_BYTES = 1024 * 1024;

/** V8's old space in use plus the external memory (ArrayBuffers) its objects hold. */
export function oldSpaceAndExternal(): number {
  const old = getHeapSpaceStatistics().find((s) => s.space_name === "old_space")?.space_used_size ?? 0;
  return old + getHeapStatistics().external_memory;
}

/** A `polled` hook that asks for a collection once the old space and external memory grew POLL_GARBAGE_BYTES past their low point. */
export function pollGarbageCollector(collect: () => void, usedHeap: () => number = oldSpaceAndExternal): () => void {
  let low = Infinity;
  return () => {
    const used = usedHeap();
    if (used < low) low = used;
    else if (used - low > POLL_GARBAGE_BYTES) {
      low = Infinity;
      collect();
    }
  };
}

export interface DriftService {
  controller: DriftController;
  metrics: DriftMetrics;
  stop(): void;
}

/** Start drift for a running agent: every scan's plan is watched from then on. */
export function startDrift(opts: DriftServiceOptions): DriftService {
  const { agent, config } = opts;
  const metrics = new DriftMetrics(() => agent.metrics.invalidate());
  agent.metrics.addSection(() => metrics.render());
  const controller = new DriftController({
    host: opts.host,
    settings: { debounceMs: config.debounceMs, maxDelayMs: config.maxDelayMs, pollIntervalMs: config.pollIntervalMs, safetyNetIntervalMs: config.safetyNetIntervalMs, listenerFullReadMs: config.listenerFullReadMs },
    log: opts.log,
    metrics,
    recheck: async (keys) => {
      const r = await opts.recheck(keys);
      const merging = performance.now();
      const m = await agent.mergeRecheck(r.results, r.observedAt);
      if (m.merged) opts.collect?.();
      return { changes: m.changes, plan: r.plan, merged: m.merged, timing: { ...r.timing, mergeMs: Math.round(performance.now() - merging) } };
    },
    ...(opts.prepare ? { prepare: opts.prepare } : {}),
    ...(opts.collect ? { polled: pollGarbageCollector(opts.collect) } : {}),
  });
  agent.observeScans({
    scanStarted: () => controller.scanStarted(),
    scanEnded: (plan: DriftPlan | undefined) => void controller.scanEnded(plan),
  });
  controller.start();
  return {
    controller,
    metrics,
    stop: () => {
      controller.stop();
      opts.onStop?.();
    },
  };
}

/** Drift for `nodeward serve`: re-checks in a scan child that lingers `recheckIdleMs` after its last one. */
export async function startServeDrift(opts: { agent: Agent; host: HostRoot; config: AgentConfig; log: AgentLogger; collect?: () => void }): Promise<DriftService> {
  const { RecheckProcess } = await import("./recheck-process.js");
  const { scanJob } = await import("./scan-process.js");
  const child = new RecheckProcess(scanJob(opts.config), { idleMs: opts.config.drift.recheckIdleMs, onStderr: (line) => opts.log.warn(`re-check process: ${line}`) });
  const service = startDrift({ agent: opts.agent, host: opts.host, config: opts.config.drift, log: opts.log, recheck: (keys) => child.run(keys), prepare: (keys) => child.warm(keys), onStop: () => child.close(), ...(opts.collect ? { collect: opts.collect } : {}) });
  const s = opts.config.drift;
  opts.log.info(`drift: on (re-check ${s.debounceMs} ms after a change, at most ${s.maxDelayMs} ms; polls every ${s.pollIntervalMs} ms; safety net every ${Math.round(s.safetyNetIntervalMs / 1000)} s)`);
  return service;
}
