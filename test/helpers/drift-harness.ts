/**
 * A drift controller watching a scanned fixture root, re-checking in-process (the agent
 * runs the same re-check in its scan process): the unit and integration drift tests' harness.
 */
import { DriftController, type DriftEvent, type DriftSettings } from "../../src/agent/drift.js";
import { PlanRecorder } from "../../src/engine/drift-plan.js";
import { mergeResults, recheck } from "../../src/engine/recheck.js";
import type { ScanReport, Status } from "../../src/engine/result.js";
import { runScan } from "../../src/engine/run-scan.js";
import { HostRoot } from "../../src/host/host-root.js";
import type { LoadedPack } from "../../src/packs/load.js";
import { loadShippedPacks } from "./check-fixture.js";
import { fixtureRoot, type FixtureSpec } from "./fixture-root.js";

export const DRIFT_TEST_SETTINGS: DriftSettings = { debounceMs: 50, maxDelayMs: 500, pollIntervalMs: 200, safetyNetIntervalMs: 600_000 };
const PACK_IDS = ["cis-debian-12", "cis-kubernetes-node"];

let shipped: LoadedPack[] | undefined;
async function packs(): Promise<LoadedPack[]> {
  shipped ??= (await loadShippedPacks()).packs.filter((p) => PACK_IDS.includes(p.meta.id));
  return shipped;
}

export interface DriftHarness {
  root: string;
  drift: DriftController;
  status(key: string): Status | undefined;
  /** Checks re-checked, per re-check. */
  rechecked: string[][];
  events(): DriftEvent[];
  logs: string[];
}

const controllers: DriftController[] = [];

/** Stop every controller `watched` started (afterEach). */
export function stopControllers(): void {
  for (const c of controllers.splice(0)) c.stop();
}

/** Scan a fixture node with a plan, and watch it. */
export async function watched(spec: FixtureSpec, settings: DriftSettings = DRIFT_TEST_SETTINGS): Promise<DriftHarness> {
  const root = await fixtureRoot(spec);
  const host = new HostRoot({ root });
  const rec = new PlanRecorder(host);
  let report: ScanReport = await runScan({ host, packs: await packs(), inventory: false, recorder: rec });
  const rechecked: string[][] = [];
  const logs: string[] = [];
  const drift = new DriftController({
    host,
    settings,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`), error: (m) => logs.push(`error: ${m}`) },
    recheck: async (keys) => {
      rechecked.push(keys);
      const r = await recheck({ host, packs: await packs(), keys });
      const merged = mergeResults(report, r.results);
      report = merged.report;
      return { changes: merged.changes, plan: r.plan, merged: true };
    },
  });
  controllers.push(drift);
  await drift.scanEnded(await rec.plan());
  drift.start();
  const status = (key: string) => report.results.find((r) => `${r.pack}/${r.id}` === key)?.status;
  return { root, drift, status, rechecked, events: () => drift.status(200).events, logs };
}
