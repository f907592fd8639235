/**
 * "Failing since": the agent keeps, per failing check, when it was first seen failing in its
 * current run of failures — carried across scans and drift re-checks, ended by a pass, kept
 * through an error, saved with the state file — and the dashboard shows it.
 */
import { readFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { FAILING_SINCE_LIMIT, StateStore } from "../../../src/agent/state.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { cleanupPackDirs } from "../../helpers/inline-pack.js";
import { cleanupTempDirs, makeAgent, report, result, tempDir } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await cleanupTempDirs();
});

const T1 = "2026-12-01T08:00:00.000Z";
const T2 = "2026-12-02T08:00:00.000Z";
const T3 = "2026-12-03T08:00:00.000Z";
const NOW = new Date("2026-12-03T09:30:00.000Z");

/** An agent whose next scan returns `next` (results and start time), as many times as the test sets it. */
async function scripted(stateDir?: string) {
  let next: { startedAt: string; results: CheckResult[] } = { startedAt: T1, results: [] };
  const t = await makeAgent({ scan: async () => report(next.results, { startedAt: next.startedAt }), now: () => NOW, ...(stateDir ? { stateDir } : {}) });
  const scan = async (startedAt: string, results: CheckResult[]) => {
    next = { startedAt, results };
    await t.agent.triggerScan("api").run.done;
  };
  return { ...t, scan };
}

describe("failing since", () => {
  it("is the first scan of an unbroken run of failures; a pass ends it, an error does not; saved with the state", async () => {
    const t = await scripted();
    await t.scan(T1, [result("demo", "1.1", "fail"), result("demo", "1.2", "pass"), result("demo", "2.1", "fail")]);
    expect(t.agent.failingSince()).toEqual({ "demo/1.1": T1, "demo/2.1": T1 });
    await t.scan(T2, [result("demo", "1.1", "fail"), result("demo", "1.2", "fail"), result("demo", "2.1", "error")]);
    // 1.1 still fails since T1; 1.2 starts failing at T2; 2.1 is in error: not listed, but its run is kept.
    expect(t.agent.failingSince()).toEqual({ "demo/1.1": T1, "demo/1.2": T2 });
    await t.scan(T3, [result("demo", "1.1", "pass"), result("demo", "1.2", "fail"), result("demo", "2.1", "fail")]);
    expect(t.agent.failingSince()).toEqual({ "demo/1.2": T2, "demo/2.1": T1 });
    // Durable: written with the state, read back by a restarted agent.
    const saved = JSON.parse(await readFile(t.store.file, "utf8")) as { failingSince: Record<string, string> };
    expect(saved.failingSince).toEqual({ "demo/1.2": T2, "demo/2.1": T1 });
    const again = await makeAgent({ stateDir: t.stateDir, now: () => NOW });
    expect(again.agent.failingSince()).toEqual({ "demo/1.2": T2, "demo/2.1": T1 });
    // A check that passes after the restart ends its run.
    const r = await scripted(t.stateDir);
    await r.scan("2026-12-04T08:00:00.000Z", [result("demo", "1.2", "pass"), result("demo", "2.1", "fail")]);
    expect(r.agent.failingSince()).toEqual({ "demo/2.1": T1 });
  });

  it("drift re-checks carry it: a re-check that finds a check failing starts its run at the re-check; one that finds it passing ends it", async () => {
    const t = await scripted();
    await t.scan(T1, [result("demo", "1.1", "fail"), result("demo", "1.2", "pass")]);
    const at = Date.parse("2026-12-01T09:15:00.000Z");
    const m = await t.agent.mergeRecheck([result("demo", "1.1", "pass"), result("demo", "1.2", "fail")], at);
    expect(m.merged).toBe(true);
    expect(t.agent.failingSince()).toEqual({ "demo/1.2": "2026-12-01T09:15:00.000Z" });
    const saved = JSON.parse(await readFile(t.store.file, "utf8")) as { failingSince: Record<string, string> };
    expect(saved.failingSince).toEqual({ "demo/1.2": "2026-12-01T09:15:00.000Z" });
    // The next scan keeps the re-check's time.
    await t.scan(T2, [result("demo", "1.1", "pass"), result("demo", "1.2", "fail")]);
    expect(t.agent.failingSince()).toEqual({ "demo/1.2": "2026-12-01T09:15:00.000Z" });
  });

  it("a state file written before failing-since was kept: each saved failure fails since that scan", async () => {
    const dir = await tempDir();
    const store = new StateStore(dir);
    await store.load();
    await store.save({ latest: { id: "old", trigger: "schedule", report: report([result("demo", "1.2", "fail"), result("demo", "1.1", "pass")], { startedAt: T1 }) }, history: [] });
    expect(JSON.parse(await readFile(store.file, "utf8"))).not.toHaveProperty("failingSince");
    const t = await makeAgent({ stateDir: dir, now: () => NOW });
    expect(t.agent.failingSince()).toEqual({ "demo/1.2": T1 });
  });

  it(`the saved map is bounded (${FAILING_SINCE_LIMIT} entries, the longest-failing kept)`, async () => {
    const dir = await tempDir();
    const store = new StateStore(dir);
    await store.load();
    const big: Record<string, string> = {};
    for (let i = 0; i < FAILING_SINCE_LIMIT + 5; i++) big[`p/${i}`] = new Date(Date.UTC(2026, 0, 1) + (FAILING_SINCE_LIMIT + 5 - i) * 1000).toISOString();
    await store.save({ history: [], failingSince: big });
    const loaded = await store.load();
    const keys = Object.keys(loaded.failingSince ?? {});
    expect(keys).toHaveLength(FAILING_SINCE_LIMIT);
    // p/0 … p/4 started failing last: they were dropped.
    expect(keys.filter((k) => Number(k.slice(2)) < 5)).toEqual([]);
    expect(keys).toContain("p/10004");
  });

  it("the pages say it: the overview and the check page give the time and how long, or 'this scan'", async () => {
    const t = await scripted();
    await t.scan(T1, [result("demo", "1.2", "fail")]);
    await t.scan(T3, [result("demo", "1.2", "fail"), result("demo", "1.1", "fail", { severity: "high" })]);
    const o = (await t.app.inject({ url: "/ui" })).body;
    expect(o).toContain(`<span class="since">failing since 2026-12-01 08:00 UTC (2 d 1 h)</span>`);
    expect(o).toContain(`<span class="since">failing since 2026-12-03 08:00 UTC (this scan)</span>`);
    const page = (await t.app.inject({ url: "/ui/checks/demo/1.2" })).body;
    expect(page).toContain(`<dt>Failing</dt><dd><span class="since">failing since 2026-12-01 08:00 UTC (2 d 1 h)</span></dd>`);
    const passing = await t.scan("2026-12-03T09:00:00.000Z", [result("demo", "1.2", "pass")]).then(() => t.app.inject({ url: "/ui/checks/demo/1.2" }));
    expect(passing.body).not.toContain("failing since");
  });
});
