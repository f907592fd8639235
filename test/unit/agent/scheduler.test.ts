import { describe, expect, it, vi } from "vitest";
import { Scheduler, type RunContext } from "../../../src/agent/scheduler.js";

function gated() {
  let release!: (v: string) => void;
  let fail!: (e: Error) => void;
  const gate = new Promise<string>((res, rej) => {
    release = res;
    fail = rej;
  });
  gate.catch(() => undefined); // rejected before the scan awaits it (it starts after setImmediate)
  return { gate, release, fail };
}

describe("scheduler", () => {
  it("two triggers during one scan run one scan and share its promise", async () => {
    const g = gated();
    const run = vi.fn(async (_ctx: RunContext) => g.gate);
    const s = new Scheduler<string>({ run });
    const a = s.trigger("api");
    const b = s.trigger("schedule");
    expect(a.joined).toBe(false);
    expect(b.joined).toBe(true);
    expect(b.run).toBe(a.run);
    expect(b.run.done).toBe(a.run.done);
    expect(s.running?.id).toBe(a.run.id);
    g.release("done");
    expect(await a.run.done).toBe("done");
    expect(await b.run.done).toBe("done");
    expect(run).toHaveBeenCalledTimes(1);
    expect(s.scansStarted).toBe(1);
    expect(s.running).toBeUndefined();
    // After it finished, a trigger starts a new scan.
    g.release("x");
    const c = s.trigger("api");
    expect(c.joined).toBe(false);
    expect(c.run.id).not.toBe(a.run.id);
    await c.run.done;
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("a trigger after the running scan published its results gets a new scan, started after it; later triggers join that one", async () => {
    const saving = gated();
    const order: string[] = [];
    let calls = 0;
    const s = new Scheduler<number>({
      run: async (ctx) => {
        const n = ++calls;
        order.push(`start ${n}`);
        ctx.published();
        if (n === 1) await saving.gate; // still saving state after publishing
        order.push(`end ${n}`);
        return n;
      },
    });
    const a = s.trigger("start");
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(["start 1"]);
    const b = s.trigger("api");
    const c = s.trigger("api");
    expect(b.joined).toBe(false);
    expect(b.run.id).not.toBe(a.run.id);
    expect(c).toEqual({ run: b.run, joined: true });
    expect(s.running?.id).toBe(a.run.id);
    saving.release("saved");
    expect(await a.run.done).toBe(1);
    expect(await b.run.done).toBe(2);
    expect(await c.run.done).toBe(2);
    expect(order).toEqual(["start 1", "end 1", "start 2", "end 2"]);
    expect(s.scansStarted).toBe(2);
    expect(s.running).toBeUndefined();
  });

  it("a failing scan rejects every joiner and frees the slot", async () => {
    const g = gated();
    const s = new Scheduler<string>({ run: async () => g.gate });
    const a = s.trigger("api");
    const b = s.trigger("api");
    g.fail(new Error("boom"));
    await expect(a.run.done).rejects.toThrow("boom");
    await expect(b.run.done).rejects.toThrow("boom");
    expect(s.running).toBeUndefined();
  });

  it("measures the event-loop delay during a scan (a 60 ms block shows up)", async () => {
    const s = new Scheduler<void>({
      loopResolutionMs: 1,
      run: async (ctx) => {
        await new Promise((r) => setTimeout(r, 20));
        const end = Date.now() + 60;
        while (Date.now() < end) {
          /* block the loop on purpose */
        }
        await new Promise((r) => setTimeout(r, 20));
        expect(ctx.loopDelay().max).toBeGreaterThan(40);
      },
    });
    await s.trigger("api").run.done;
    expect(s.lastLoopDelay?.max).toBeGreaterThan(40);
    expect(s.lastLoopDelay?.p50).toBeLessThan(40);
  });

  it("runs on its cron schedule, skips overlapping ticks, and stops", async () => {
    let calls = 0;
    const s = new Scheduler<void>({
      schedule: "* * * * * *", // every second
      run: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 2000)); // spans the next tick
      },
    });
    s.start();
    const t0 = Date.now();
    while (calls === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);
    await new Promise((r) => setTimeout(r, 1300)); // at least one tick fell inside the running scan
    expect(calls).toBe(1);
    await s.stop();
    expect(await s.waitForRunning(3000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1200));
    expect(calls).toBe(1);
  });

  it("waitForRunning gives up after the deadline", async () => {
    const g = gated();
    const s = new Scheduler<string>({ run: async () => g.gate });
    s.trigger("api");
    expect(await s.waitForRunning(30)).toBe(false);
    g.release("ok");
    expect(await s.waitForRunning(1000)).toBe(true);
    expect(await s.waitForRunning(0)).toBe(true);
  });
});
