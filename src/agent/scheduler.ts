/**
 * When scans run: on a cron schedule (./cron.ts), at start, and on demand. One scan at a time:
 * a trigger while a scan is still gathering joins it (gets the same run and promise) instead
 * of queueing another. Once the running scan has published its results (its verdicts are
 * final; it is only saving state), a trigger gets a new scan that starts right after it: a
 * request made after results were decided must not be answered with them. The event-loop delay is measured while each scan runs, so "a scan
 * never blocks the event loop for long" is a number, not a hope.
 */
import { randomUUID } from "node:crypto";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { ScanTrigger } from "../model/vocabulary.js";
import { CronTimer, parseCron } from "./cron.js";

export interface LoopDelay {
  /** Milliseconds of delay beyond the sampling interval (0 = the loop was never late). */
  p50: number;
  p99: number;
  max: number;
}

export interface RunContext {
  id: string;
  trigger: ScanTrigger;
  startedAt: Date;
  /** Event-loop delay since this scan started. */
  loopDelay(): LoopDelay;
  /** The scan's results are final and visible: later triggers get a new scan, not this one. */
  published(): void;
}

export interface ScanRun<T> {
  id: string;
  trigger: ScanTrigger;
  startedAt: Date;
  done: Promise<T>;
}

export interface SchedulerOptions<T> {
  /** Cron expression; undefined = no schedule (on-demand only). */
  schedule?: string;
  run: (ctx: RunContext) => Promise<T>;
  onError?: (e: unknown, trigger: ScanTrigger) => void;
  /** Resolution of the event-loop delay histogram in ms (default 10, Node's default). */
  loopResolutionMs?: number;
  /** The schedule's own messages (a tick skipped because a scan still runs). */
  log?: { debug?(msg: string): void; info(msg: string): void; error(msg: string): void };
}

export class Scheduler<T> {
  private readonly opts: SchedulerOptions<T>;
  private task: CronTimer | undefined;
  private current: ScanRun<T> | undefined;
  /** The running scan has published its results (see RunContext.published). */
  private currentPublished = false;
  /** A scan asked for after the running one published; it starts when that one ends. */
  private queued: ScanRun<T> | undefined;
  private last: LoopDelay | undefined;
  private started = 0;

  constructor(opts: SchedulerOptions<T>) {
    this.opts = opts;
  }

  /** The scan in progress, if any. */
  get running(): ScanRun<T> | undefined {
    return this.current;
  }

  /** Event-loop delay measured during the last finished scan. */
  get lastLoopDelay(): LoopDelay | undefined {
    return this.last;
  }

  /** Scans actually started (joins do not count). */
  get scansStarted(): number {
    return this.started;
  }

  /** Start a scan, join the one still gathering, or queue one after a scan that already published. */
  trigger(trigger: ScanTrigger): { run: ScanRun<T>; joined: boolean } {
    if (this.queued) return { run: this.queued, joined: true };
    if (this.current && !this.currentPublished) return { run: this.current, joined: true };
    if (this.current) {
      const after = this.current.done.then(
        () => undefined,
        () => undefined,
      );
      this.queued = this.begin(trigger, after);
      return { run: this.queued, joined: false };
    }
    return { run: this.begin(trigger, undefined), joined: false };
  }

  private begin(trigger: ScanTrigger, after: Promise<void> | undefined): ScanRun<T> {
    const run: ScanRun<T> = { id: randomUUID(), trigger, startedAt: new Date(), done: Promise.resolve() as Promise<never> };
    const resolution = this.opts.loopResolutionMs ?? 10;
    let h: IntervalHistogram | undefined;
    // The histogram records the whole timer interval; report only the delay beyond it.
    const ms = (ns: number) => (h && h.count > 0 ? Math.max(0, ns / 1e6 - resolution) : 0);
    const loopDelay = (): LoopDelay => ({ p50: ms(h?.percentile(50) ?? 0), p99: ms(h?.percentile(99) ?? 0), max: ms(h?.max ?? 0) });
    run.done = (async () => {
      if (after) {
        await after;
        if (this.queued === run) this.queued = undefined;
        run.startedAt = new Date();
      }
      // Set before the first await when nothing runs, so a second trigger in the same turn joins.
      this.current = run;
      this.currentPublished = false;
      h = monitorEventLoopDelay({ resolution });
      h.enable();
      this.started++;
      try {
        // Yield once so the caller (an HTTP handler) can answer before the scan takes the CPU.
        await new Promise((r) => setImmediate(r));
        return await this.opts.run({
          id: run.id,
          trigger,
          startedAt: run.startedAt,
          loopDelay,
          published: () => {
            if (this.current === run) this.currentPublished = true;
          },
        });
      } finally {
        this.last = loopDelay();
        h.disable();
        if (this.current === run) this.current = undefined;
      }
    })();
    return run;
  }

  /** Start the cron schedule (if one is configured). */
  start(): void {
    if (!this.opts.schedule || this.task) return;
    const schedule = parseCron(this.opts.schedule);
    if (!schedule) {
      this.opts.log?.error(`schedule: "${this.opts.schedule}" is not a cron expression; scans run only on demand`);
      return;
    }
    this.task = new CronTimer(
      schedule,
      async () => {
        try {
          await this.trigger("schedule").run.done;
        } catch (e) {
          this.opts.onError?.(e, "schedule");
        }
      },
      () => this.opts.log?.info("schedule: tick skipped, the previous scan still runs"),
    );
    this.task.start();
  }

  /** Stop the schedule; a running scan is not interrupted (see waitForRunning). */
  async stop(): Promise<void> {
    this.task?.stop();
    this.task = undefined;
    return Promise.resolve();
  }

  /** Wait for the running scan, at most `timeoutMs`. True if nothing is left running. */
  async waitForRunning(timeoutMs: number): Promise<boolean> {
    const cur = this.current;
    if (!cur) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    try {
      return await Promise.race([cur.done.then(() => true, () => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
