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
  const worker = async () => {
    for (let call = queue.shift(); call; call = queue.shift()) {
      const rec = options.recorder;
      const outcome = await collectOne(call, rec ? rec.wrap(call, ctx) : ctx, timeoutMs);
      into.set(call.factKey, outcome);
      await rec?.done(call, outcome, ctx);
      options.onFact?.(++done, total, call);
    }
  };
  const n = Math.max(1, Math.min(options.concurrency ?? 16, queue.length));
  await Promise.all(Array.from({ length: n }, worker));
  return into;
}

async function collectOne(call: ProbeCall, ctx: ProbeContext, timeoutMs: number): Promise<FactOutcome> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  // The timeout also aborts the probe's signal, so its loops stop instead of running on unseen.
  const controller = new AbortController();
  const stop = ctx.signal;
  const onStop = () => controller.abort(stop?.reason);
  stop?.addEventListener("abort", onStop, { once: true });
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new NodewardError("PROBE_TIMEOUT", { probe: call.probeId, ms: timeoutMs });
        controller.abort(e);
        reject(e);
      }, timeoutMs);
    });
    if (stop?.aborted) throw stop.reason;
    const fact = await Promise.race([call.probe.collect({ ...ctx, signal: controller.signal }, call.params), timeout]);
    return { ok: true, fact, durationMs: performance.now() - started };
  } catch (e) {
    return { ok: false, reason: `[probe:${call.probeId}] ${describeError(e)}`, durationMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener("abort", onStop);
  }
}
