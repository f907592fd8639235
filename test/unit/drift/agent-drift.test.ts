/**
 * Drift in the agent, end to end in-process: a real agent (demo packs, fixture root) with
 * drift started scans; a chmod of a file one check reads flips that check in the served
 * report, the gauges and the saved state together, re-checking only that check; the
 * drift metrics count it. The child-process path is covered by test:integration.
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { inProcessRecheck, startDrift, type DriftService } from "../../../src/agent/drift-service.js";
import { DRIFT_DEFAULTS, type DriftConfig } from "../../../src/agent/drift-config.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { waitFor } from "../../helpers/wait-for.js";
import { buildServer } from "../../../src/agent/server.js";
import { cleanupTempDirs, makeAgent, samples, TOKEN } from "../agent/helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupTempDirs();
});

const services: DriftService[] = [];
afterEach(() => {
  for (const s of services.splice(0)) s.stop();
});

async function agentWithDrift(settings: Partial<DriftConfig> = {}) {
  const t = await makeAgent();
  const host = new HostRoot({ root: t.root });
  const rechecked: string[][] = [];
  const collections = { asked: 0 };
  const base = inProcessRecheck(host, t.agent.packs, { benchmarks: t.config.benchmarks }, false);
  const service = startDrift({
    agent: t.agent,
    host,
    config: { ...DRIFT_DEFAULTS, debounceMs: 20, safetyNetIntervalMs: 600_000, ...settings },
    log: { info: () => undefined, warn: (m) => void t.warnings.push(m), error: (m) => void t.warnings.push(m) },
    recheck: (keys) => {
      rechecked.push([...keys]);
      return base(keys);
    },
    collect: () => void collections.asked++,
  });
  services.push(service);
  await t.agent.triggerScan("api").run.done;
  // The scan's plan is applied (watches armed) asynchronously after the scan.
  await waitFor(() => service.controller.status().watches.inotify > 0, "the watches");
  const status = (id: string) => t.agent.view()?.results.find((r) => r.pack === "demo" && r.id === id)?.status;
  return { ...t, service, rechecked, status, collections };
}

describe("drift in the agent", () => {
  it("a chmod flips the check that reads the file in the report, the gauges and the saved state; only that check is re-checked", async () => {
    const t = await agentWithDrift();
    expect(t.status("1.1")).toBe("pass");
    const before = await t.agent.metrics.render();
    expect(samples(before, "nodeward_check_status").find((l) => l.includes('pack="demo",id="1.1"'))).toMatch(/ 1$/);

    await chmod(path.join(t.root, "etc/shadow"), 0o666);
    await waitFor(() => t.status("1.1") === "fail", "1.1 to fail");

    // Only demo/1.1 reads /etc/shadow (every file check reads /etc/passwd and /etc/group, for owner names).
    expect(t.rechecked).toEqual([["demo/1.1"]]);
    expect(t.status("1.2")).toBe("fail");
    expect(t.agent.view()?.summary).toMatchObject({ pass: 1, fail: 2 });
    expect(t.agent.view()?.drift).toMatchObject({ rechecks: 1 });
    await waitFor(() => t.service.controller.status().events.length === 1, "the drift event");
    const after = await t.agent.metrics.render();
    expect(samples(after, "nodeward_check_status").find((l) => l.includes('pack="demo",id="1.1"'))).toMatch(/ 0$/);
    expect(samples(after, "nodeward_drift_rechecks_total")).toContain('nodeward_drift_rechecks_total{source="watch"} 1');
    expect(samples(after, "nodeward_drift_status_changes_total")).toEqual(["nodeward_drift_status_changes_total 1"]);
    expect(samples(after, "nodeward_drift_detection_seconds_count")).toContain('nodeward_drift_detection_seconds_count{source="watch"} 1');
    expect(samples(after, "nodeward_drift_inotify_watches")).toEqual(["nodeward_drift_inotify_watches 1"]);
    await t.store.flush();
    const saved = JSON.parse(await readFile(path.join(t.stateDir, "state.json"), "utf8")) as { latest: { report: { results: { id: string; status: string }[] } } };
    expect(saved.latest.report.results.find((r) => r.id === "1.1")?.status).toBe("fail");

    const ev = t.service.controller.status().events[0];
    expect(ev).toMatchObject({ source: "watch", cause: "/etc/shadow", rechecked: 1, changes: [{ key: "demo/1.1", from: "pass", to: "fail" }] });
  });

  it("writes to a file no check reads in a watched directory re-check nothing", async () => {
    const t = await agentWithDrift();
    for (let i = 0; i < 100; i++) await writeFile(path.join(t.root, "etc", `unrelated-${i}`), "x");
    await chmod(path.join(t.root, "etc/shadow"), 0o600);
    await waitFor(() => t.rechecked.length > 0, "a re-check");
    await waitFor(() => !t.service.controller.status().rechecking, "the re-check to finish");
    expect(t.rechecked).toEqual([["demo/1.1"]]);
    expect(t.status("1.1")).toBe("pass");
    expect(t.service.controller.status().events).toHaveLength(1);
  });

  it("GET /api/v1/events lists the change and the check it flipped; 404 when drift is off", async () => {
    const t = await agentWithDrift();
    await chmod(path.join(t.root, "etc/shadow"), 0o666);
    await waitFor(() => t.service.controller.status().events.length === 1, "the drift event");
    const app = buildServer({ agent: t.agent, token: TOKEN, logger: false, drift: t.service.controller });
    const res = await app.inject({ method: "GET", url: "/api/v1/events?limit=5" });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ watching: boolean; rechecks: number; watches: { inotify: number }; events: { source: string; cause: string; rechecked: number; changes: unknown[] }[] }>();
    expect(body).toMatchObject({ watching: true, rechecks: 1, watches: { inotify: 1 } });
    expect(body.events).toEqual([expect.objectContaining({ source: "watch", cause: "/etc/shadow", rechecked: 1, changes: [{ key: "demo/1.1", from: "pass", to: "fail" }] })]);
    // Where the time went: each stage in milliseconds (in-process here: no process start, no pack load).
    const stages = (body.events[0] as unknown as { stages: Record<string, unknown> }).stages;
    expect(Object.keys(stages).sort()).toEqual(["checkMs", "mergeMs", "recheckMs", "seenMs", "waitMs"]);
    for (const v of Object.values(stages)) expect(v).toBeTypeOf("number");
    const off = await t.app.inject({ method: "GET", url: "/api/v1/events" });
    expect(off.statusCode).toBe(404);
    expect(off.json<{ message: string }>().message).toBe("drift is off (config drift.enabled: false, or serve --no-drift)");
    await app.close();
  });

  it("a merged re-check asks for a full collection (as a scan taken in does)", async () => {
    // No poll round in the test's time (they ask too, once their garbage piled up).
    const t = await agentWithDrift({ pollIntervalMs: 600_000 });
    const asked = t.collections.asked;
    await chmod(path.join(t.root, "etc/shadow"), 0o666);
    await waitFor(() => t.status("1.1") === "fail", "1.1 to fail");
    await waitFor(() => t.collections.asked === asked + 1, "a collection asked for");
    expect(t.rechecked).toEqual([["demo/1.1"]]);
  });

  it("a re-check that started before a newer scan is not merged over it", async () => {
    const t = await agentWithDrift();
    const old = Date.now() - 60_000;
    const r = await t.agent.mergeRecheck([], old);
    expect(r).toEqual({ merged: false, changes: [] });
  });
});
