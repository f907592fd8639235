import { afterAll, describe, expect, it } from "vitest";
import { AgentMetrics } from "../../../src/agent/metrics.js";
import { applyWaivers } from "../../../src/agent/waivers.js";
import type { ScanReport } from "../../../src/engine/result.js";
import { getReporter } from "../../../src/report/index.js";
import { prometheusReporter, renderFamilies, scanMetricFamilies } from "../../../src/report/prometheus.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { cleanupPackDirs } from "../../helpers/inline-pack.js";
import { cleanupTempDirs, makeAgent, report, result, samples } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await cleanupTempDirs();
});

describe("agent metrics", () => {
  it("after two scans where a check disappeared, its series are gone (no goss-style leftovers)", async () => {
    const reports: ScanReport[] = [
      report([result("p", "1", "pass"), result("p", "2", "fail"), result("p", "3", "error")]),
      report([result("p", "1", "fail"), result("p", "3", "skip")], { startedAt: "2026-11-22T11:00:00.000Z", durationMs: 1500 }),
    ];
    const { agent, app } = await makeAgent({ scan: async () => reports.shift() as ScanReport });
    await agent.triggerScan("start").run.done;
    let m = (await app.inject({ url: "/metrics" })).body;
    expect(samples(m, "nodeward_check_status")).toHaveLength(2);
    expect(m).toContain('nodeward_check_status{pack="p",benchmark="p Benchmark",id="2",severity="medium",level="",waived="false"} 0');
    expect(samples(m, "nodeward_check_result")).toHaveLength(15);

    await agent.triggerScan("schedule").run.done;
    m = (await app.inject({ url: "/metrics" })).body;
    expect(m).not.toContain('id="2"');
    expect(samples(m, "nodeward_check_status")).toEqual([
      'nodeward_check_status{pack="p",benchmark="p Benchmark",id="1",severity="medium",level="",waived="false"} 0',
    ]);
    // Check 3 went error → skip: no status series (neither pass nor fail); the one-hot says skip.
    expect(samples(m, "nodeward_check_result").filter((l) => l.includes('id="3"') && l.endsWith(" 1"))).toEqual([
      'nodeward_check_result{pack="p",benchmark="p Benchmark",id="3",severity="medium",level="",waived="false",status="skip"} 1',
    ]);
    expect(samples(m, "nodeward_check_result")).toHaveLength(10);
    expect(samples(m, "nodeward_checks")).toEqual([
      'nodeward_checks{status="pass"} 0',
      'nodeward_checks{status="fail"} 1',
      'nodeward_checks{status="manual"} 0',
      'nodeward_checks{status="skip"} 1',
      'nodeward_checks{status="error"} 0',
    ]);
    expect(samples(m, "nodeward_scan_duration_seconds")).toEqual(["nodeward_scan_duration_seconds 1.5"]);
    expect(samples(m, "nodeward_last_scan_timestamp_seconds")).toEqual([`nodeward_last_scan_timestamp_seconds ${Date.parse("2026-11-22T11:00:01.500Z") / 1000}`]);
    expect(samples(m, "nodeward_scans_total")).toContain('nodeward_scans_total{trigger="schedule"} 1');
    expect(samples(m, "nodeward_scan_errors_total")).toEqual(['nodeward_scan_errors_total{kind="scan"} 0', 'nodeward_scan_errors_total{kind="state"} 0']);
    expect(samples(m, "nodeward_scan_event_loop_delay_p99_seconds")[0]).toMatch(/^nodeward_scan_event_loop_delay_p99_seconds \d/);
  });

  it("a failed scan counts in nodeward_scan_errors_total and keeps the previous results", async () => {
    let n = 0;
    const { agent, app } = await makeAgent({
      scan: async () => {
        if (n++ === 1) throw new Error("disk on fire");
        return report([result("p", "1", "pass")]);
      },
    });
    await agent.triggerScan("start").run.done;
    await expect(agent.triggerScan("api").run.done).rejects.toThrow("disk on fire");
    const m = (await app.inject({ url: "/metrics" })).body;
    expect(samples(m, "nodeward_scan_errors_total")).toContain('nodeward_scan_errors_total{kind="scan"} 1');
    expect(samples(m, "nodeward_check_status")).toHaveLength(1);
    const ready = (await app.inject({ url: "/readyz" })).json() as { status: string; degraded: string[] };
    expect(ready.status).toBe("degraded");
    expect(ready.degraded.join()).toMatch(/disk on fire/);
  });

  it("before the first scan: no per-check series, counters at 0, build info present; process metrics lint-clean", async () => {
    const metrics = new AgentMetrics({ version: "1.2.3", node: "n1" });
    const m = await metrics.render();
    expect(samples(m, "nodeward_check_status")).toEqual([]);
    expect(samples(m, "nodeward_build_info")).toEqual(['nodeward_build_info{version="1.2.3",node="n1"} 1']);
    expect(m).toContain("process_resident_memory_bytes");
    // promtool rejects gauges named *_total; prom-client's defaults have three.
    expect(m).not.toMatch(/^# TYPE \S+_total gauge$/m);
    // A second agent in the same process has its own registry.
    expect(() => new AgentMetrics({ version: "1.2.3", node: "n2" })).not.toThrow();
  });

  it("`scan --format prometheus` prints the same lines as /metrics for the same report", async () => {
    const rep = report([result("p", "1", "pass", { level: 2 }), result("p", "2", "fail"), result("q", 'we"ird\\id', "manual")]);
    const metrics = new AgentMetrics({ version: rep.tool.version, node: "test-node", processMetrics: false });
    metrics.setScan(applyWaivers(rep, []));
    const agentText = await metrics.render();
    const textfile = getReporter("prometheus")?.render(rep) ?? "";
    expect(textfile).toBe(prometheusReporter.render(rep));
    for (const line of textfile.split("\n").filter((l) => l !== "")) expect(agentText.split("\n")).toContain(line);
    expect(textfile).toContain('id="we\\"ird\\\\id"');
  });

  it("families: status only for pass/fail, one-hot result for all five statuses", () => {
    const fam = scanMetricFamilies(report([result("p", "1", "error")]));
    expect(fam.find((f) => f.name === "nodeward_check_status")?.samples).toEqual([]);
    expect(fam.find((f) => f.name === "nodeward_check_result")?.samples.map((s) => `${s.labels.status}=${s.value}`)).toEqual([
      "pass=0",
      "fail=0",
      "manual=0",
      "skip=0",
      "error=1",
    ]);
    expect(renderFamilies([])).toBe("\n");
  });
});
