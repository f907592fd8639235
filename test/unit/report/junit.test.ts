import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/engine/result.js";
import { getReporter } from "../../../src/report/index.js";
import { junitReporter } from "../../../src/report/junit.js";
import { expectGolden } from "../../helpers/golden.js";
import { junitSchemaErrors } from "../../helpers/junit-xsd.js";
import { sampleReport } from "../../helpers/sample-report.js";
import type { ReportedResult } from "../../../src/report/types.js";

type Node = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function parse(xml: string): Node {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`invalid XML: ${JSON.stringify(valid.err)}`);
  return new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseAttributeValue: false, trimValues: false }).parse(xml) as Node;
}

describe("junit reporter", () => {
  const report = sampleReport();
  const xml = junitReporter.render(report);

  it("matches the golden file", () => expectGolden("sample.junit", xml));

  it("is registered for --format junit as application/xml", () => {
    expect(getReporter("junit")).toBe(junitReporter);
    expect(junitReporter.contentType).toBe("application/xml");
  });

  it("parses as XML (validation on) with counts that match the report", () => {
    const doc = parse(xml);
    const root = doc.testsuites as Node;
    const suites = asArray(root.testsuite as Node | Node[]);
    expect(suites.map((s) => s["@name"])).toEqual(["cis-kubernetes-node", "cis-debian-12", "kisa-u-linux", "nodeward/pack-load"]);
    const s = report.summary;
    expect(root["@tests"]).toBe(String(report.results.length + report.loadErrors.length));
    expect(root["@failures"]).toBe(String(s.fail));
    expect(root["@errors"]).toBe(String(s.error + report.loadErrors.length));
    // junit-10.xsd allows no skipped/timestamp on <testsuites>; the suites carry skipped.
    expect(root["@skipped"]).toBeUndefined();
    expect(suites.reduce((n, x) => n + Number(x["@skipped"]), 0)).toBe(s.skip + s.manual);
    for (const suite of suites) {
      const cases = asArray(suite.testcase as Node | Node[]);
      expect(suite["@tests"]).toBe(String(cases.length));
      expect(suite["@failures"]).toBe(String(cases.filter((c) => c.failure !== undefined).length));
      expect(suite["@errors"]).toBe(String(cases.filter((c) => c.error !== undefined).length));
      expect(suite["@skipped"]).toBe(String(cases.filter((c) => c.skipped !== undefined).length));
      for (const c of cases) expect(c["@classname"]).toBe(suite["@name"]);
    }
  });

  it("puts message, observed, expected and evidence in a failure; escapes markup; strips control characters", () => {
    const doc = parse(xml);
    const kisa = asArray((doc.testsuites as Node).testsuite as Node[]).find((x) => x["@name"] === "kisa-u-linux") as Node;
    const u01 = asArray(kisa.testcase as Node[]).find((c) => String(c["@name"]).startsWith("U-01 ")) as Node;
    expect(u01["@name"]).toBe(`U-01 root 계정 원격 접속 제한 <script>alert("x")</script> & 'quotes'`);
    const failure = u01.failure as Node;
    expect(failure["@type"]).toBe("fail");
    expect(failure["@message"]).toBe("PermitRootLogin is yes, expected one of [no, prohibit-password]");
    const body = String(failure["#text"]);
    expect(body).toContain("observed: PermitRootLogin=yes[31m (bell and ANSI escape from the file)");
    expect(body).toContain("expected: PermitRootLogin one of [no, prohibit-password]");
    expect(body).toContain("evidence: /etc/ssh/sshd_config.d/10 root login.conf:2 unit ssh.service");
    expect(body).toContain("references: KISA U-01 (2021), dev-sec: https://dev-sec.io/baselines/ssh/");
    // eslint-disable-next-line no-control-regex -- asserting they are gone
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(xml).toContain("&lt;script&gt;");
  });

  it("maps error to <error>, skip and manual to <skipped> with the reason", () => {
    const doc = parse(xml);
    const cases = asArray((doc.testsuites as Node).testsuite as Node[]).flatMap((s) => asArray(s.testcase as Node | Node[]));
    const byId = (id: string) => cases.find((c) => String(c["@name"]).startsWith(`${id} `)) as Node;
    expect((byId("4.2.6").error as Node)["@message"]).toContain("[probe:kubelet] cannot parse");
    expect((byId("1.1.1.1").skipped as Node)["@message"]).toBe("skip: module cramfs is not built for this kernel");
    expect((byId("U-05").skipped as Node)["@message"]).toMatch(/^manual: PATH of interactive shells/);
    expect(byId("4.1.1").failure).toBeUndefined();
    expect(byId("4.1.1")["@time"]).toBe("0.001");
  });

  it("keeps newlines inside attributes as character references", () => {
    const r: ScanReport = { ...sampleReport(), loadErrors: [] };
    r.results = [{ ...r.results[1]!, message: "line one\nline two" }];
    const out = junitReporter.render(r);
    expect(out).toContain('message="line one&#10;line two"');
    expect(((parse(out).testsuites as Node).testsuite as Node).testcase).toBeDefined();
  });

  it("validates against the Jenkins xunit junit-10.xsd; the schema check has teeth", async () => {
    expect(await junitSchemaErrors(xml)).toEqual([]);
    const bad = await junitSchemaErrors(xml.replace("<testsuites ", '<testsuites skipped="1" '));
    expect(bad).toEqual([expect.stringContaining("Element 'testsuites', attribute 'skipped': The attribute 'skipped' is not allowed.")]);
  });

  it("suite times never add up to more than the scan took (checks share facts)", () => {
    const base = sampleReport();
    const slow = { ...base, durationMs: 10, results: base.results.map((r) => ({ ...r, durationMs: 100 })) };
    const out = parse(junitReporter.render(slow));
    const suites = asArray((out.testsuites as Node).testsuite as Node | Node[]);
    const sum = suites.reduce((t, s) => t + Number(s["@time"]), 0);
    expect(sum).toBeLessThanOrEqual(0.0105);
    expect((out.testsuites as Node)["@time"]).toBe("0.010");
  });

  it("a waived result is a <skipped> with the waiver's reason, whatever its status", async () => {
    const base = sampleReport();
    const results: ReportedResult[] = base.results.map((r) => (r.id === "4.2.1" ? { ...r, waiver: { reason: "vendor appliance", expires: "2999-12-31" } } : r));
    const out = junitReporter.render({ ...base, results });
    const k8s = asArray((parse(out).testsuites as Node).testsuite as Node[]).find((x) => x["@name"] === "cis-kubernetes-node") as Node;
    const c = asArray(k8s.testcase as Node[]).find((x) => String(x["@name"]).startsWith("4.2.1 ")) as Node;
    expect(c.failure).toBeUndefined();
    expect((c.skipped as Node)["@message"]).toBe("waived (fail) until 2999-12-31: vendor appliance");
    expect(await junitSchemaErrors(out)).toEqual([]);
  });
});
