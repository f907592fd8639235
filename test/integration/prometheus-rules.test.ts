/**
 * The PrometheusRule's alerts, tested by Prometheus itself (`promtool test rules`; the
 * Debian package `prometheus` that test/integration/setup.sh installs brings promtool).
 *
 * Cases: a node failing a high and a critical check (two alerts, one per check
 * severity — the rule used to collide on its own `severity` label and fire nothing); a
 * waived failure (silent); an expired waiver (the check counts again, and the expiry
 * is an alert of its own); a stale scan; a node that never finished a scan; a node whose
 * scans fail. Nodes without the ServiceMonitor's `node` relabeling (the node comes from
 * nodeward_build_info) and with it (the target's `node` wins, build_info's own becomes
 * `exported_node`) are both named right.
 *
 * Annotations are templated text and are left out of the copy under test (promtool
 * compares them verbatim); `promtool check rules` checks their templates.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { inCI, REPO_ROOT } from "./helpers.js";

const havePromtool = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).status === 0;
if (!havePromtool && inCI()) throw new Error("promtool is not installed: test/integration/setup.sh installs it (Debian package `prometheus`)");
const maybe = havePromtool ? describe : describe.skip;

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Group {
  name: string;
  rules: Rule[];
}

let work = "";
let groups: Group[] = [];

/** A target's labels: `a` has no node label (plain static config); `b`/`c` got the relabel. */
const target = (n: string, relabel = false) => `instance="${n}:9850",job="nodeward"${relabel ? `,node="${n}-k8s"` : ""}`;
const buildInfo = (n: string, relabel = false, values = "1x180") => ({
  series: relabel ? `nodeward_build_info{${target(n, true)},exported_node="${n}-host",version="0.1.0"}` : `nodeward_build_info{${target(n)},node="${n}",version="0.1.0"}`,
  values,
});
const check = (n: string, id: string, severity: string, waived: boolean, values: string, relabel = false) => ({
  series: `nodeward_check_status{${target(n, relabel)},pack="cis-debian-12",id="${id}",severity="${severity}",level="1",waived="${waived}"}`,
  values,
});

const TESTS = {
  rule_files: ["rules.yml"],
  evaluation_interval: "1m",
  tests: [
    {
      name: "a high and a critical failure on one node: two alerts, one per check severity",
      interval: "1m",
      input_series: [
        buildInfo("a"),
        check("a", "1.1", "high", false, "0x180"),
        check("a", "1.2", "critical", false, "0x180"),
        check("a", "1.3", "high", false, "1x180"),
        check("a", "1.4", "medium", false, "0x180"),
        buildInfo("b", true),
        check("b", "5.1", "critical", false, "0x180", true),
        { series: `nodeward_last_scan_timestamp_seconds{${target("a")}}`, values: "60+60x180" },
      ],
      alert_rule_test: [
        { eval_time: "10m", alertname: "NodewardHighSeverityCheckFailing", exp_alerts: [] },
        {
          eval_time: "20m",
          alertname: "NodewardHighSeverityCheckFailing",
          exp_alerts: [
            { exp_labels: { severity: "critical", node: "a", check_severity: "high" } },
            { exp_labels: { severity: "critical", node: "a", check_severity: "critical" } },
            // With the ServiceMonitor's relabeling: the Kubernetes node name.
            { exp_labels: { severity: "critical", node: "b-k8s", check_severity: "critical" } },
          ],
        },
        { eval_time: "20m", alertname: "NodewardScansStale", exp_alerts: [] },
        { eval_time: "20m", alertname: "NodewardNeverScanned", exp_alerts: [] },
      ],
    },
    {
      name: "a waived failure is silent; when its waiver expires the check counts again",
      interval: "1m",
      input_series: [
        buildInfo("c", true),
        // Waived for the first 30 minutes; the waiver expires: the same check, waived="false".
        check("c", "2.1", "high", true, "0x30", true),
        check("c", "2.1", "high", false, "_x30 0x90", true),
        { series: `nodeward_expired_waivers{${target("c", true)}}`, values: "0x30 1x90" },
      ],
      alert_rule_test: [
        { eval_time: "29m", alertname: "NodewardHighSeverityCheckFailing", exp_alerts: [] },
        { eval_time: "29m", alertname: "NodewardWaiverExpired", exp_alerts: [] },
        { eval_time: "35m", alertname: "NodewardWaiverExpired", exp_alerts: [{ exp_labels: { severity: "info", node: "c-k8s" } }] },
        { eval_time: "40m", alertname: "NodewardHighSeverityCheckFailing", exp_alerts: [] },
        {
          eval_time: "50m",
          alertname: "NodewardHighSeverityCheckFailing",
          exp_alerts: [{ exp_labels: { severity: "critical", node: "c-k8s", check_severity: "high" } }],
        },
      ],
    },
    {
      name: "a stale scan, and a node that never finished one",
      interval: "1m",
      input_series: [
        buildInfo("d", false, "1x800"),
        // The last scan finished at t=0 and nothing since.
        { series: `nodeward_last_scan_timestamp_seconds{${target("d")}}`, values: "0x800" },
        buildInfo("e", false, "1x800"),
      ],
      alert_rule_test: [
        { eval_time: "11h", alertname: "NodewardScansStale", exp_alerts: [] },
        { eval_time: "13h", alertname: "NodewardScansStale", exp_alerts: [{ exp_labels: { severity: "warning", node: "d" } }] },
        { eval_time: "30m", alertname: "NodewardNeverScanned", exp_alerts: [] },
        { eval_time: "2h", alertname: "NodewardNeverScanned", exp_alerts: [{ exp_labels: { severity: "warning", node: "e" } }] },
      ],
    },
    {
      name: "a node whose scans fail",
      interval: "1m",
      input_series: [
        buildInfo("f"),
        { series: `nodeward_scan_errors_total{${target("f")},kind="scan"}`, values: "0 0 0 1 1 2 2 3x60" },
        { series: `nodeward_scan_errors_total{${target("f")},kind="state"}`, values: "0x60" },
        buildInfo("g"),
        { series: `nodeward_scan_errors_total{${target("g")},kind="scan"}`, values: "0x60" },
      ],
      alert_rule_test: [
        { eval_time: "2m", alertname: "NodewardScanErrors", exp_alerts: [] },
        { eval_time: "10m", alertname: "NodewardScanErrors", exp_alerts: [{ exp_labels: { severity: "warning", node: "f", kind: "scan" } }] },
      ],
    },
  ],
};

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { cwd: work, encoding: "utf8" });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function writeRules(gs: Group[]): Promise<void> {
  await writeFile(path.join(work, "rules.yml"), stringify({ groups: gs.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _a, ...r }) => r) })) }));
}

maybe("PrometheusRule (promtool test rules)", () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), "nodeward-rules-"));
    const doc = parse(await readFile(path.join(REPO_ROOT, "deploy/kubernetes/prometheusrule.yaml"), "utf8")) as { spec: { groups: Group[] } };
    groups = doc.spec.groups;
    await writeFile(path.join(work, "full-rules.yml"), stringify({ groups }));
    await writeFile(path.join(work, "tests.yml"), stringify(TESTS));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("`promtool check rules` is clean, annotations included", () => {
    const r = promtool(["check", "rules", "full-rules.yml"]);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status, r.out).toBe(0);
  });

  it("every case passes", async () => {
    await writeRules(groups);
    const r = promtool(["test", "rules", "tests.yml"]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain("SUCCESS");
  });

  it("the cases catch the old rule: `count by (node, severity)` with severity: critical fires nothing for node a", async () => {
    const old = groups.map((g) => ({
      ...g,
      rules: g.rules.map((r) =>
        r.alert === "NodewardHighSeverityCheckFailing"
          ? { ...r, expr: 'count by (node, severity) (nodeward_check_status{severity=~"high|critical", waived="false"} == 0) > 0' }
          : r,
      ),
    }));
    await writeRules(old);
    const r = promtool(["test", "rules", "tests.yml"]);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain("NodewardHighSeverityCheckFailing");
  });
});
