import { describe, expect, it } from "vitest";
import { pathToFileURL } from "node:url";
import { PACKAGE_ROOT } from "../../../src/paths.js";
import { getReporter } from "../../../src/report/index.js";
import { sarifReporter } from "../../../src/report/sarif.js";
import { expectGolden } from "../../helpers/golden.js";
import { sampleReport } from "../../helpers/sample-report.js";
import { sarifValidator } from "../../helpers/sarif-schema.js";
import type { ReportedResult } from "../../../src/report/types.js";

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  kind: string;
  level: string;
  message: { text: string };
  locations?: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[];
  properties: { status: string; evidence: Record<string, unknown>[] };
}
interface SarifLog {
  runs: {
    tool: { driver: { name: string; version: string; informationUri: string; rules: { id: string; name: string; help: { text: string }; properties: Record<string, unknown> }[] } };
    results: SarifResult[];
    invocations: { executionSuccessful: boolean; toolConfigurationNotifications?: unknown[] }[];
  }[];
}

describe("sarif reporter", () => {
  const report = sampleReport();
  const text = sarifReporter.render(report);
  const log = JSON.parse(text) as SarifLog;
  const run = log.runs[0]!;
  const byRule = (id: string) => run.results.find((r) => r.ruleId === id)!;

  // The program's own directory (informationUri, the packs' base) differs per checkout.
  it("matches the golden file", () => expectGolden("sample.sarif", text.replaceAll(pathToFileURL(PACKAGE_ROOT).href.replace(/\/$/, ""), "file:///PACKAGE_ROOT")));

  it("is registered for --format sarif as application/sarif+json", () => {
    expect(getReporter("sarif")).toBe(sarifReporter);
    expect(sarifReporter.contentType).toBe("application/sarif+json");
  });

  it("validates against the official SARIF 2.1.0 schema", () => {
    const validate = sarifValidator();
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("the schema check has teeth: a broken log is rejected", () => {
    const validate = sarifValidator();
    const broken = structuredClone(log) as unknown as { runs: { results: Record<string, unknown>[] }[] };
    broken.runs[0]!.results[0]!.kind = "passed";
    delete broken.runs[0]!.results[1]!.message;
    expect(validate(broken)).toBe(false);
    const badRegion = structuredClone(log);
    badRegion.runs[0]!.results.find((r) => r.locations)!.locations![0]!.physicalLocation.region = {} as { startLine: number };
    expect(validate(badRegion)).toBe(false);
  });

  it("has one rule per check with references, severity and remediation as help", () => {
    expect(run.tool.driver.name).toBe("nodeward");
    expect(run.tool.driver.version).toBe("0.1.0-test");
    const rules = run.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(report.results.map((r) => `${r.pack}/${r.id}`));
    const u01 = rules.find((r) => r.id === "kisa-u-linux/U-01")!;
    expect(u01.properties.references).toEqual({ kisa: [{ edition: 2021, id: "U-01" }], other: { "dev-sec": "https://dev-sec.io/baselines/ssh/" } });
    expect(u01.properties.severity).toBe("high");
    expect(u01.properties.tags).toContain("KISA U-01 (2021)");
    expect(u01.help.text).toContain("PermitRootLogin no");
    const k = rules.find((r) => r.id === "cis-kubernetes-node/4.2.1")!;
    expect(k.properties).toMatchObject({ references: { cis: "4.2.1", cce: ["CCE-83815-1"] }, level: 1, "security-severity": "9.5" });
    for (const r of run.results) expect(rules[r.ruleIndex]!.id).toBe(r.ruleId);
  });

  it("reports every check with a kind; level by severity for fail and error, none otherwise", () => {
    expect(run.results).toHaveLength(report.results.length);
    expect([byRule("cis-kubernetes-node/4.2.1").kind, byRule("cis-kubernetes-node/4.2.1").level]).toEqual(["fail", "error"]);
    expect([byRule("cis-debian-12/2.1.22").kind, byRule("cis-debian-12/2.1.22").level]).toEqual(["fail", "warning"]);
    expect([byRule("cis-debian-12/1.6.1").kind, byRule("cis-debian-12/1.6.1").level]).toEqual(["fail", "note"]);
    expect(byRule("cis-kubernetes-node/4.2.6")).toMatchObject({ kind: "fail", level: "error", properties: { status: "error" } });
    expect(byRule("cis-kubernetes-node/4.2.6").message.text).toMatch(/^could not evaluate: \[probe:kubelet\]/);
    expect([byRule("cis-kubernetes-node/4.1.1").kind, byRule("cis-kubernetes-node/4.1.1").level]).toEqual(["pass", "none"]);
    expect([byRule("cis-debian-12/1.1.1.1").kind, byRule("cis-debian-12/1.1.1.1").level]).toEqual(["notApplicable", "none"]);
    expect([byRule("kisa-u-linux/U-05").kind, byRule("kisa-u-linux/U-05").level]).toEqual(["review", "none"]);
  });

  it("gives file evidence as file: URIs with the line as region; keeps all evidence in properties", () => {
    const f = byRule("cis-kubernetes-node/4.2.1");
    expect(f.locations).toEqual([{ physicalLocation: { artifactLocation: { uri: "file:///var/lib/kubelet/config.yaml" }, region: { startLine: 12 } } }]);
    expect(f.properties.evidence).toHaveLength(2);
    expect(f.properties.evidence[1]).toMatchObject({ pid: 1234, process: "kubelet", exe: "/usr/bin/kubelet" });
    expect(byRule("kisa-u-linux/U-01").locations![0]!.physicalLocation.artifactLocation.uri).toBe("file:///etc/ssh/sshd_config.d/10%20root%20login.conf");
    // Ports have no file: the result points at the check's pack (GitHub rejects a result without a location).
    expect(byRule("cis-debian-12/2.1.22").locations).toEqual([
      { physicalLocation: { artifactLocation: { uri: "benchmarks/cis-debian-12", uriBaseId: "NODEWARD" } }, message: { text: "check cis-debian-12/2.1.22 as defined in its pack" } },
    ]);
    for (const r of run.results) expect(r.locations?.length, r.ruleId).toBeGreaterThan(0);
    expect(byRule("cis-debian-12/2.1.22").properties.evidence[0]).toMatchObject({ port: 2024, unit: "backdoor<1>.service" });
  });

  it("message carries observed/expected when the check's message does not; control characters stripped", () => {
    expect(byRule("kisa-u-linux/U-01").message.text).toBe(
      "PermitRootLogin is yes, expected one of [no, prohibit-password]; observed: PermitRootLogin=yes[31m (bell and ANSI escape from the file); expected: PermitRootLogin one of [no, prohibit-password]",
    );
    // The matcher message of 4.2.1 already says both; they are not repeated.
    expect(byRule("cis-kubernetes-node/4.2.1").message.text).toBe("value is true, expected false; observed: value=true (config file); expected: value = false");
    expect(text).not.toMatch(/\\u00(0[0-8bcef]|1[0-9a-f])/);
  });

  it("reports pack load errors as configuration notifications and an unsuccessful execution", () => {
    expect(run.invocations[0]!.executionSuccessful).toBe(false);
    expect(run.invocations[0]!.toolConfigurationNotifications).toHaveLength(1);
  });

  it("locates a result without file evidence at its check's line in the pack; a waiver is an accepted suppression", () => {
    const base = sampleReport();
    const results: ReportedResult[] = base.results.map((r) =>
      r.id === "2.1.22" ? { ...r, source: { file: `${PACKAGE_ROOT}/benchmarks/cis-debian-12/2-services.yaml`, line: 40 }, waiver: { reason: "the <backdoor> is a honeypot", expires: "2999-01-01" } } : r,
    );
    const out = JSON.parse(sarifReporter.render({ ...base, results })) as SarifLog & { runs: { originalUriBaseIds: Record<string, { uri: string }> }[] };
    const r = out.runs[0]!.results.find((x) => x.ruleId === "cis-debian-12/2.1.22")! as SarifResult & { suppressions?: unknown[] };
    expect(r.locations).toEqual([
      {
        physicalLocation: { artifactLocation: { uri: "benchmarks/cis-debian-12/2-services.yaml", uriBaseId: "NODEWARD" }, region: { startLine: 40 } },
        message: { text: "check cis-debian-12/2.1.22 as defined in its pack" },
      },
    ]);
    expect(out.runs[0]!.originalUriBaseIds.NODEWARD!.uri).toBe(pathToFileURL(PACKAGE_ROOT).href.replace(/\/?$/, "/"));
    expect(r.suppressions).toEqual([{ kind: "external", status: "accepted", justification: "the <backdoor> is a honeypot (waived until 2999-01-01)" }]);
    expect(r.kind).toBe("fail"); // the waiver never changes what was observed
    expect(out.runs[0]!.tool.driver.informationUri).toBe(pathToFileURL(`${PACKAGE_ROOT}/README.md`).href);
    const validate = sarifValidator();
    expect(validate(out) ? [] : validate.errors).toEqual([]);
  });
});
