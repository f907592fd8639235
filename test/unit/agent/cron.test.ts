import { describe, expect, it, vi } from "vitest";
import { CronTimer, isValidCron, nextRun, parseCron, type CronSchedule } from "../../../src/agent/cron.js";

const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s);
function next(expr: string, from: Date): Date | undefined {
  const s = parseCron(expr);
  expect(s, expr).toBeDefined();
  return nextRun(s as CronSchedule, from);
}

describe("cron expressions", () => {
  it.each([
    ["0 */6 * * *", at(2026, 12, 5, 1, 30), at(2026, 12, 5, 6, 0)],
    ["0 */6 * * *", at(2026, 12, 5, 6, 0), at(2026, 12, 5, 12, 0)], // strictly after
    ["*/15 * * * *", at(2026, 12, 5, 1, 46, 10), at(2026, 12, 5, 2, 0)],
    ["* * * * * *", at(2026, 12, 5, 1, 0, 0), at(2026, 12, 5, 1, 0, 1)],
    ["30 2 * * mon-fri", at(2026, 12, 5, 3, 0), at(2026, 12, 7, 2, 30)], // Sat → Mon
    ["0 0 * * 7", at(2026, 12, 5), at(2026, 12, 6)], // 7 = Sunday
    ["0 0 1 jan,jul *", at(2026, 2, 1), at(2026, 7, 1)],
    ["0 0 L * *", at(2026, 2, 3), at(2026, 2, 28)],
    ["0 0 L 2 *", at(2027, 3, 1), at(2028, 2, 29)], // leap year
    ["0 0 13 * fri", at(2026, 1, 1), at(2026, 2, 13)], // both fields must match
    ["5-10/5 1 * * *", at(2026, 12, 5, 1, 6), at(2026, 12, 5, 1, 10)],
    ["@daily", at(2026, 12, 5, 13, 0), at(2026, 12, 6)],
    ["@hourly", at(2026, 12, 5, 13, 20), at(2026, 12, 5, 14)],
    ["0 0 1 1 *", at(2026, 12, 5), at(2027, 1, 1)],
    ["0 12 ? * *", at(2026, 12, 5, 13), at(2026, 12, 6, 12)],
  ])("%s after %s is %s", (expr, from, want) => {
    expect(next(expr, from)?.getTime()).toBe(want.getTime());
  });

  it("an impossible date never matches (30 February), within five years", () => {
    expect(next("0 0 30 2 *", at(2026, 1, 1))).toBeUndefined();
  });

  it.each(["every day", "", "* * * *", "* * * * * * *", "60 * * * *", "* 24 * * *", "0 0 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "1-2-3 * * * *", "L * * * *", "foo * * * *"])(
    "%j is refused",
    (expr) => {
      expect(isValidCron(expr)).toBe(false);
    },
  );

  it("a yearly schedule is a few hundred steps, not a walk over every second", () => {
    const s = parseCron("0 0 29 2 *") as CronSchedule;
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) nextRun(s, at(2026, 3, 1));
    // Generous: a per-second walk would take minutes.
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(nextRun(s, at(2026, 3, 1))?.getTime()).toBe(at(2028, 2, 29).getTime());
  });
});

describe("CronTimer", () => {
  it("fires at each match, skips a tick while the previous one runs, stops", async () => {
    vi.useFakeTimers({ now: at(2026, 12, 5, 1, 0, 0) });
    try {
      let calls = 0;
      let release: () => void = () => undefined;
      let skips = 0;
      const timer = new CronTimer(
        parseCron("*/10 * * * * *") as CronSchedule,
        async () => {
          calls++;
          await new Promise<void>((r) => (release = r));
        },
        () => skips++,
      );
      timer.start();
      await vi.advanceTimersByTimeAsync(9_999);
      expect(calls).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(10_000); // 01:00:20, the first still runs
      expect([calls, skips]).toEqual([1, 1]);
      release();
      await vi.advanceTimersByTimeAsync(10_000); // 01:00:30
      expect([calls, skips]).toEqual([2, 1]);
      release();
      timer.stop();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a match days away is reached through re-armed timers (no setTimeout overflow)", async () => {
    vi.useFakeTimers({ now: at(2026, 12, 5, 1, 0, 0) });
    try {
      let calls = 0;
      const timer = new CronTimer(parseCron("0 0 1 * *") as CronSchedule, async () => void calls++);
      timer.start();
      await vi.advanceTimersByTimeAsync(at(2027, 1, 1).getTime() - Date.now() - 1000);
      expect(calls).toBe(0);
      await vi.advanceTimersByTimeAsync(1000);
      expect(calls).toBe(1);
      timer.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
