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
});
