/**
 * A full garbage collection when the HTTP side is quiet, after a scan was taken in.
 *
 * Taking in a scan (the report from the scan process, the state file's JSON, the
 * metrics) leaves garbage that V8's memory reducer returns to the system only
 * "eventually" (measured: after 30 s, or not before the next scan), so the agent asks
 * for one full collection after each scan. That collection is one atomic pause of
 * 20–85 ms on this jitless agent (it marks the whole ~19 MB heap, mostly module code):
 * a scrape that arrives during it waits. So it runs only once no request has arrived for
 * `quietMs`; when requests keep coming for `giveUpMs`, it is dropped and V8's own
 * incremental collector, whose pauses are short, takes care of the heap.
 *
 * V8's gc() is reached through --expose-gc set at run time (its hook appears in new
 * contexts), not from the command line.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export type GcFunction = () => void;

export interface IdleCollectorOptions {
  /** How long no request may arrive before collecting (default 1000 ms). */
  quietMs?: number;
  /** How long to wait for a quiet moment before giving up (default 60 s). */
  giveUpMs?: number;
  /** How often to look (default quietMs / 2). */
  pollMs?: number;
  /** The collection (default V8's full GC). */
  gc?: GcFunction;
  now?: () => number;
}

export class IdleCollector {
  private readonly quietMs: number;
  private readonly giveUpMs: number;
  private readonly pollMs: number;
  private readonly gc: GcFunction | undefined;
  private readonly now: () => number;
  private requests = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Collections run (tests, bench). */
  collections = 0;
  /** Collections dropped because requests never stopped. */
  dropped = 0;

  constructor(options: IdleCollectorOptions = {}) {
    this.quietMs = options.quietMs ?? 1000;
    this.giveUpMs = options.giveUpMs ?? 60_000;
    this.pollMs = options.pollMs ?? Math.max(10, Math.floor(this.quietMs / 2));
    this.gc = options.gc ?? v8FullGc();
    this.now = options.now ?? Date.now;
  }

  /** A request arrived (the HTTP app's first hook): one increment, no clock. */
  noteRequest(): void {
    this.requests++;
  }

  /** A scan was taken in: collect at the next quiet moment (a pending collection is kept). */
  scanTakenIn(): void {
    if (!this.gc || this.timer) return;
    const armedAt = this.now();
    let seen = this.requests;
    let quietSince = armedAt;
    this.timer = setInterval(() => {
      const now = this.now();
      if (this.requests !== seen) {
        seen = this.requests;
        quietSince = now;
      }
      if (now - quietSince >= this.quietMs) {
        this.stop();
        this.collections++;
        this.gc?.();
      } else if (now - armedAt >= this.giveUpMs) {
        this.stop();
        this.dropped++;
      }
    }, this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** V8's full collection, or undefined when the flag cannot be set. */
function v8FullGc(): GcFunction | undefined {
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as (options?: { type: "major"; execution: "sync" | "async" }) => void;
    return () => gc({ type: "major", execution: "async" });
  } catch {
    return undefined;
  }
}
