/**
 * When scans run: on a cron schedule (./cron.ts), at start, and on demand. One scan at a time:
 * a trigger while a scan runs joins it (gets the same run and promise) instead of
 * queueing another. The event-loop delay is measured while each scan runs, so "a scan
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

  /** Start a scan, or join the one running. */
  trigger(trigger: ScanTrigger): { run: ScanRun<T>; joined: boolean } {
    if (this.current) return { run: this.current, joined: true };
    const id = randomUUID();
    const startedAt = new Date();
    const resolution = this.opts.loopResolutionMs ?? 10;
    const h: IntervalHistogram = monitorEventLoopDelay({ resolution });
    h.enable();
    // The histogram records the whole timer interval; report only the delay beyond it.
    const ms = (ns: number) => (h.count > 0 ? Math.max(0, ns / 1e6 - resolution) : 0);
    const loopDelay = (): LoopDelay => ({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) });
    this.started++;
    const done = (async () => {
      // Yield once so the caller (an HTTP handler) can answer before the scan takes the CPU.
      await new Promise((r) => setImmediate(r));
      return this.opts.run({ id, trigger, startedAt, loopDelay });
    })().finally(() => {
      this.last = loopDelay();
      h.disable();
      this.current = undefined;
    });
    this.current = { id, trigger, startedAt, done };
    return { run: this.current, joined: false };
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
