/**
 * Gather facts: each distinct probe call (factKey) runs once per scan, with bounded
 * parallelism and a timeout; a probe that throws or hangs becomes a failed outcome
 * with the reason, never an exception past the engine (node_exporter's execute()).
 */
import { NodewardError, describeError } from "../errors.js";
import type { LoadedCheck, ProbeCall } from "../packs/load.js";
import type { Fact, ProbeContext } from "../probes/types.js";

export type FactOutcome =
  | { ok: true; fact: Fact; durationMs: number }
  | { ok: false; reason: string; durationMs: number };

export interface GatherOptions {
  /** Most probe calls in flight at once. Reads are cheap; this bounds open files. */
  concurrency?: number;
  /** A probe call still running after this is abandoned as an error. */
  probeTimeoutMs?: number;
  /** Called after each fact is gathered. */
  onFact?: (done: number, total: number, call: ProbeCall) => void;
  /** Records what each probe call reads and asks it what can change its fact (the agent's drift plan). */
  recorder?: FactRecorder;
}

/** What gathering reports to a drift-plan recorder (drift-plan.ts). */
export interface FactRecorder {
  /** The context one probe call collects with. */
  wrap(call: ProbeCall, ctx: ProbeContext): ProbeContext;
  /** After the call (its fact, or why it failed). */
  done(call: ProbeCall, outcome: FactOutcome, ctx: ProbeContext): Promise<void>;
  /** The checks of the run (not excluded, not deferred): which facts each was decided from. */
  decided?(checks: readonly LoadedCheck[]): void;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;

export async function gatherFacts(
  calls: readonly ProbeCall[],
  ctx: ProbeContext,
  options: GatherOptions = {},
  into: Map<string, FactOutcome> = new Map(),
): Promise<Map<string, FactOutcome>> {
  const unique = new Map<string, ProbeCall>();
  for (const c of calls) if (!into.has(c.factKey) && !unique.has(c.factKey)) unique.set(c.factKey, c);
  const queue = [...unique.values()];
  const total = queue.length;
  let done = 0;
  const timeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const deadlines = new Deadlines(timeoutMs);
  const worker = async () => {
    for (let call = queue.shift(); call; call = queue.shift()) {
      const rec = options.recorder;
      const outcome = await collectOne(call, rec ? rec.wrap(call, ctx) : ctx, deadlines);
      into.set(call.factKey, outcome);
      await rec?.done(call, outcome, ctx);
      options.onFact?.(++done, total, call);
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 16, queue.length));
  await Promise.all(Array.from({ length: n }, worker));
  return into;
}

interface Deadline {
  at: number;
  expire: () => void;
  done: boolean;
}

/**
 * The timeouts of one gather run. Every call of a run has the same timeout and they start in
 * order, so their deadlines come in the order they were added: one timer, armed for the
 * earliest call still in flight, instead of a timer, its clearTimeout and a Promise.race per
 * call (~520 calls a full scan; ~4 ms). The timer is cleared once no call is in flight.
 */
export class Deadlines {
  private readonly queue: Deadline[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly ms: number) {}

  /** `expire` runs once, when this call has been in flight for the timeout, unless it finished first. */
  add(expire: () => void): Deadline {
    const d: Deadline = { at: performance.now() + this.ms, expire, done: false };
    this.queue.push(d);
    if (this.timer === undefined) this.arm();
    return d;
  }

  finish(d: Deadline): void {
    d.done = true;
    while (this.queue.length > 0 && (this.queue[0] as Deadline).done) this.queue.shift();
    if (this.queue.length === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private arm(): void {
    while (this.queue.length > 0 && (this.queue[0] as Deadline).done) this.queue.shift();
    const head = this.queue[0];
    this.timer = head ? setTimeout(this.fire, Math.max(1, head.at - performance.now())) : undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.queue.length > 0) {
      const d = this.queue[0] as Deadline;
      if (!d.done && d.at > now) break;
      this.queue.shift();
      if (!d.done) {
        d.done = true;
        d.expire();
      }
    }
    this.arm();
  };
}

async function collectOne(call: ProbeCall, ctx: ProbeContext, deadlines: Deadlines): Promise<FactOutcome> {
  const started = performance.now();
  let deadline: Deadline | undefined;
  // The timeout also aborts the probe's signal, so its loops stop instead of running on unseen.
  const controller = new AbortController();
  const stop = ctx.signal;
  const onStop = () => controller.abort(stop?.reason);
  stop?.addEventListener("abort", onStop, { once: true });
  try {
    if (stop?.aborted) throw stop.reason;
    const fact = await new Promise<Fact>((resolve, reject) => {
      deadline = deadlines.add(() => {
        const e = new NodewardError("PROBE_TIMEOUT", { probe: call.probeId, ms: deadlines.ms });
        controller.abort(e);
        reject(e);
      });
      // Settled by whichever comes first, the answer or the timeout. (Not resolve(promise): that
      // would lock this promise to the probe's, and a timeout could no longer reject it.)
      Promise.resolve(call.probe.collect({ ...ctx, signal: controller.signal }, call.params)).then(resolve, reject);
    });
    return { ok: true, fact, durationMs: performance.now() - started };
  } catch (e) {
    return { ok: false, reason: `[probe:${call.probeId}] ${describeError(e)}`, durationMs: performance.now() - started };
  } finally {
    if (deadline) deadlines.finish(deadline);
    stop?.removeEventListener("abort", onStop);
  }
}
