import { describe, expect, it } from "vitest";
import { jsonReporter } from "../../../src/report/json.js";
import { tableReporter } from "../../../src/report/table.js";
import { expectGolden } from "../../helpers/golden.js";
import { sampleReport } from "../../helpers/sample-report.js";

describe("json and table reporters on the sample report", () => {
  it("json matches the golden file and round-trips", () => {
    const text = jsonReporter.render(sampleReport());
    expectGolden("sample.json", text);
    expect(JSON.parse(text)).toEqual({ schemaVersion: 1, ...sampleReport() });
    expect(text.startsWith('{\n  "schemaVersion": 1,\n')).toBe(true);
  });

  it("table (no color) matches the golden file", () => {
    expectGolden("sample.table", tableReporter.render(sampleReport(), { color: false }));
  });

  it("table: lines fit the given terminal width (cut with …); the summary and counts stay whole", () => {
    const text = tableReporter.render(sampleReport(), { width: 60 });
    const lines = text.trimEnd().split("\n");
    const summary = lines.at(-1)!;
    for (const l of lines.slice(0, -1)) {
      if (l.startsWith("pack error:")) continue;
      expect([...l].length, l).toBeLessThanOrEqual(60);
    }
    expect(lines).toContain("FAIL    critical  cis-kubernetes-node  4.2.1   Ensure that …");
    expect(summary).toMatch(/^9 checks: 2 pass, 4 fail, 1 manual, 1 skip, 1 error in /);
  });

  it("table -v: every result, grouped by pack, after the failures; tailoring shown on each tailored result", () => {
    const text = tableReporter.render(sampleReport(), { verbose: true });
    expect(text).not.toContain("Not shown:");
    const tailored = sampleReport().results.filter((r) => r.tailoring);
    expect(tailored.length).toBeGreaterThan(0);
    for (const r of tailored) expect(text).toContain(`tailored by profile ${r.tailoring!.profile}: ${r.tailoring!.reason}`);
    expect(text.indexOf("PASS ")).toBeGreaterThan(text.lastIndexOf("ERROR "));
  });
});
