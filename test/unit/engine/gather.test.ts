/**
 * gatherFacts' containment: each call gets its own full timeout (one timer serves a whole
 * run, armed for the earliest call in flight), the timeout aborts the probe's signal, a
 * probe that throws or answers without a promise is contained, and no timer is left behind.
 */
import { describe, expect, it } from "vitest";
import { gatherFacts, type FactOutcome } from "../../../src/engine/gather.js";
import type { ProbeCall } from "../../../src/packs/load.js";
import type { Fact, ProbeContext } from "../../../src/probes/types.js";
import { probes } from "../../../src/probes/index.js";

const ctx = { once: () => Promise.reject(new Error("unused")) } as unknown as ProbeContext;
const fact = (v: string): Fact => ({ value: { v }, evidence: [] }) as unknown as Fact;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A call whose probe runs `collect`. */
function call(id: string, collect: (c: ProbeContext) => unknown): ProbeCall {
  return { probeId: id, probe: { ...probes.file, id, collect: collect as never }, params: {}, factKey: `${id}:{}` };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("gatherFacts", () => {
  it("each call gets its own full timeout: a later one is not cut at the first one's deadline", async () => {
    const signals: AbortSignal[] = [];
    const started: Record<string, number> = {};
    const t0 = performance.now();
    const hang = (id: string) =>
      call(id, (c) => {
        started[id] = performance.now() - t0;
        signals.push(c.signal as AbortSignal);
        return new Promise(() => {});
      });
    const after = (id: string, ms: number) =>
      call(id, async () => {
        started[id] = performance.now() - t0;
        await sleep(ms);
        return fact(id);
      });
    const before = timers();
    // Two in flight: a hangs from 0; b answers at ~100 ms; c starts then and answers ~250 ms
    // later (at ~350, before its own deadline at ~400, after a's at 300); d starts when c ends and hangs.
    const out = await gatherFacts([hang("a"), after("b", 100), after("c", 250), hang("d")], ctx, { concurrency: 2, probeTimeoutMs: 300 });
    const get = (id: string) => out.get(`${id}:{}`) as FactOutcome;
    expect([get("a"), get("d")].map((o) => (o.ok ? "ok" : o.reason))).toEqual([
      "[probe:a] probe a gave no answer within 300 ms",
      "[probe:d] probe d gave no answer within 300 ms",
    ]);
    expect([get("b").ok, get("c").ok]).toEqual([true, true]);
    const c = get("c");
    expect(c.ok ? c.fact : c.reason).toEqual(fact("c"));
    expect(get("a").durationMs).toBeGreaterThanOrEqual(295);
    expect(get("d").durationMs).toBeGreaterThanOrEqual(295);
    expect(started.d).toBeGreaterThanOrEqual(started.c as number);
    // The timeout aborts the probe's own signal, with the timeout as the reason.
    expect(signals.map((s) => [s.aborted, (s.reason as Error).message])).toEqual([
      [true, "probe a gave no answer within 300 ms"],
      [true, "probe d gave no answer within 300 ms"],
    ]);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("a probe that throws, rejects, or answers without a promise is contained; no timer is left", async () => {
    const before = timers();
    const out = await gatherFacts(
      [
        call("sync-throw", () => {
          throw new Error("boom");
        }),
        call("rejects", () => Promise.reject(new Error("nope"))),
        call("plain", () => fact("plain")),
        call("quick", async () => fact("quick")),
      ],
      ctx,
      { probeTimeoutMs: 30_000 },
    );
    expect(["sync-throw", "rejects", "plain", "quick"].map((id) => out.get(`${id}:{}`)).map((o) => (o?.ok ? (o.fact.value as { v: string }).v : o?.reason))).toEqual([
      "[probe:sync-throw] boom",
      "[probe:rejects] nope",
      "plain",
      "quick",
    ]);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("a scan's stop signal aborts the calls in flight and fails those not started", async () => {
    const stop = new AbortController();
    const seen: AbortSignal[] = [];
    const out = await gatherFacts(
      [
        call("first", async (c) => {
          seen.push(c.signal as AbortSignal);
          stop.abort(new Error("scan cancelled"));
          await sleep(10);
          return fact("first");
        }),
        call("second", async () => fact("second")),
      ],
      { ...ctx, signal: stop.signal },
      { concurrency: 1, probeTimeoutMs: 30_000 },
    );
    expect(seen[0]?.aborted).toBe(true);
    expect((out.get("second:{}") as FactOutcome).ok ? "ok" : (out.get("second:{}") as { reason: string }).reason).toBe("[probe:second] scan cancelled");
  });
});
