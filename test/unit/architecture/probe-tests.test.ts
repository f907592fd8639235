/** Every registered probe has a test file that runs the conformance suite on it. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { probes } from "../../../src/probes/index.js";
import { REPO } from "../../helpers/import-graph.js";

describe("probe tests", () => {
  for (const id of Object.keys(probes)) {
    it(`test/unit/probes/${id}.test.ts runs probeConformance`, () => {
      const file = path.join(REPO, "test/unit/probes", `${id}.test.ts`);
      expect(readFileSync(file, "utf8")).toMatch(/^probeConformance\(\w+, \{/m);
    });
  }
});
