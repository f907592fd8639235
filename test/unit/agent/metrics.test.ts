import { afterAll, describe, expect, it } from "vitest";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { acceptsGzip, AgentMetrics } from "../../../src/agent/metrics.js";
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
    expect(m).toContain('nodeward_check_status{pack="p",id="2",severity="medium",level="",waived="false"} 0');
    expect(samples(m, "nodeward_check_result")).toHaveLength(3);

    await agent.triggerScan("schedule").run.done;
    m = (await app.inject({ url: "/metrics" })).body;
    expect(m).not.toContain('id="2"');
    expect(samples(m, "nodeward_check_status")).toEqual([
      'nodeward_check_status{pack="p",id="1",severity="medium",level="",waived="false"} 0',
    ]);
    // Check 3 went error → skip: no status series (neither pass nor fail); its result series says skip.
    expect(samples(m, "nodeward_check_result").filter((l) => l.includes('id="3"'))).toEqual([
      'nodeward_check_result{pack="p",id="3",severity="medium",level="",waived="false",status="skip"} 1',
    ]);
    expect(samples(m, "nodeward_check_result")).toHaveLength(2);
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
    expect(samples(m, "process_resident_memory_bytes")[0]).toMatch(/^process_resident_memory_bytes \d+$/);
    expect(samples(m, "process_open_fds")[0]).toMatch(/^process_open_fds \d+$/);
    // promtool rejects gauges named *_total.
    expect(m).not.toMatch(/^# TYPE \S+_total gauge$/m);
    expect(samples(m, "nodeward_scans_total")).toEqual(['nodeward_scans_total{trigger="start"} 0', 'nodeward_scans_total{trigger="schedule"} 0', 'nodeward_scans_total{trigger="api"} 0']);
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

  it("families: status only for pass/fail, one result series per check carrying its status", () => {
    const fam = scanMetricFamilies(report([result("p", "1", "error")]));
    expect(fam.find((f) => f.name === "nodeward_check_status")?.samples).toEqual([]);
    expect(fam.find((f) => f.name === "nodeward_check_result")?.samples.map((s) => `${s.labels.status}=${s.value}`)).toEqual(["error=1"]);
    expect(renderFamilies([])).toBe("\n");
  });

  it("checks of a pack that does not apply (every check skipped) are not exported; pack_info says so", () => {
    const rep = report(
      [result("deb", "1", "pass"), result("deb", "2", "skip"), result("rhel", "1", "skip"), result("rhel", "2", "skip")],
      {
        packs: [
          { id: "deb", title: "Deb", benchmark: "CIS Debian", version: "1.1.0", checks: 2 },
          { id: "rhel", title: "RHEL", benchmark: "CIS RHEL 9", version: "2.0.0", checks: 2 },
        ],
      },
    );
    const text = prometheusReporter.render(rep);
    expect(samples(text, "nodeward_check_result")).toEqual([
      'nodeward_check_result{pack="deb",id="1",severity="medium",level="",waived="false",status="pass"} 1',
      'nodeward_check_result{pack="deb",id="2",severity="medium",level="",waived="false",status="skip"} 1',
    ]);
    expect(samples(text, "nodeward_pack_info")).toEqual([
      'nodeward_pack_info{pack="deb",benchmark="CIS Debian",version="1.1.0",applies="true"} 1',
      'nodeward_pack_info{pack="rhel",benchmark="CIS RHEL 9",version="2.0.0",applies="false"} 1',
    ]);
    // The counts still cover every result, as the report's summary does.
    expect(samples(text, "nodeward_checks")).toContain('nodeward_checks{status="skip"} 3');
  });

  it("renders the per-scan part once per scan and once per day, whatever the number of scrapes; gzip on request", async () => {
    let now = new Date("2026-11-22T12:00:00Z");
    const t = await makeAgent({ configYaml: 'waivers:\n  - { check: demo/1.2, reason: "r", expires: 2026-11-22 }\n', now: () => now });
    await t.agent.triggerScan("start").run.done;
    const renders = t.agent.metrics.scanRenders;
    for (let i = 0; i < 20; i++) await t.app.inject({ url: "/metrics" });
    expect(t.agent.metrics.scanRenders).toBe(renders);
    now = new Date("2026-11-23T00:00:01Z");
    const plain = await t.app.inject({ url: "/metrics" });
    expect(t.agent.metrics.scanRenders).toBe(renders + 1);
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("Accept-Encoding");
    const gz = await t.app.inject({ url: "/metrics", headers: { "accept-encoding": "gzip, deflate" } });
    expect(gz.headers["content-encoding"]).toBe("gzip");
    expect(gz.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(gz.rawPayload.length).toBeLessThan(plain.rawPayload.length);
    expect(gunzipSync(gz.rawPayload).toString("utf8")).toBe(plain.body);
    const refused = await t.app.inject({ url: "/metrics", headers: { "accept-encoding": "gzip;q=0, identity" } });
    expect(refused.headers["content-encoding"]).toBeUndefined();
  });

  it("two scrapes with nothing changed get the same exposition (the same bytes, not a new buffer), even past the second; a changed gauge shows at once", () => {
    let now = 1_000_000;
    let value = 1;
    const metrics = new AgentMetrics({ version: "1", node: "n", now: () => now, processMetrics: false });
    metrics.setScan(applyWaivers(report([result("p", "1", "pass")]), []));
    metrics.addSection(() => `# HELP drift_test A test gauge.\n# TYPE drift_test gauge\ndrift_test ${value}\n`);
    const a = metrics.exposition();
    expect(metrics.exposition()).toBe(a);
    now += 1500;
    // Re-rendered past the TTL, byte-identical: the previous exposition, its buffers and gzip as they were.
    const again = metrics.exposition();
    expect(again).toBe(a);
    expect(again.body.equals(a.body)).toBe(true);
    // A section's value changed (invalidate): the very next scrape has it, plain and gzipped.
    value = 2;
    metrics.invalidate();
    const b = metrics.exposition();
    expect(b).not.toBe(a);
    expect(b.body.toString("utf8")).toContain("\ndrift_test 2\n");
    expect(gunzipSync(b.gzip).toString("utf8")).toBe(b.body.toString("utf8"));
    // A counter of the agent's own moved: at once too.
    metrics.scanCompleted("api", undefined);
    expect(metrics.exposition().body.toString("utf8")).toContain('nodeward_scans_total{trigger="api"} 1');
  });

  it("a refresh renders the own series only: the per-scan part is the same Buffer, its compressed form too; the gzip stream is one member that decodes to the body", () => {
    let now = 1_000_000;
    let renders = 0;
    const metrics = new AgentMetrics({ version: "1", node: "n", now: () => now });
    metrics.setScan(applyWaivers(report([result("p", "1", "pass"), result("p", "2", "fail")]), []));
    metrics.addSection(() => `# HELP drift_renders Renders.\n# TYPE drift_renders counter\ndrift_renders_total ${++renders}\n`);
    const a = metrics.exposition();
    now += 1500;
    const b = metrics.exposition();
    expect(b).not.toBe(a);
    expect(b.parts).toHaveLength(2);
    expect(b.parts[1]).toBe(a.parts[1]);
    expect(b.gzipParts[2]).toBe(a.gzipParts[2]);
    expect(b.parts[1]?.toString("utf8")).toContain('nodeward_check_status{');
    for (const e of [a, b]) {
      expect(Buffer.concat(e.parts).equals(e.body)).toBe(true);
      expect(Buffer.concat(e.gzipParts).equals(e.gzip)).toBe(true);
      // gunzip checks the CRC-32 and the length in the trailer; one member (curl reads no more).
      expect(gunzipSync(e.gzip).toString("utf8")).toBe(e.body.toString("utf8"));
      expect(gzipMembers(e.gzip)).toBe(1);
    }
    expect(b.body.toString("utf8")).toContain(`drift_renders_total ${renders}\n`);
    // No scan: an empty per-scan part, still one valid stream.
    metrics.setScan(undefined);
    const c = metrics.exposition();
    expect(gunzipSync(c.gzip).toString("utf8")).toBe(c.body.toString("utf8"));
    expect(c.body.toString("utf8")).not.toContain("nodeward_check_status");
  });

  it("acceptsGzip reads q-values", () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip("gzip")).toBe(true);
    expect(acceptsGzip("deflate, GZIP;q=0.5")).toBe(true);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip("*")).toBe(true);
  });
});

/**
 * How many gzip members `gz` holds, each read exactly: a 10-byte header without optional fields
 * (what zlib writes), the deflate stream (its end found by inflating it), an 8-byte trailer.
 */
function gzipMembers(gz: Buffer): number {
  let n = 0;
  for (let at = 0; at < gz.length; n++) {
    expect([gz[at], gz[at + 1], gz[at + 2], gz[at + 3]]).toEqual([0x1f, 0x8b, 8, 0]);
    const { engine } = inflateRawSync(gz.subarray(at + 10), { info: true }) as unknown as { engine: { bytesWritten: number } };
    at += 10 + engine.bytesWritten + 8;
    expect(at).toBeLessThanOrEqual(gz.length);
  }
  return n;
}
