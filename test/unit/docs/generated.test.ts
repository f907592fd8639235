/**
 * Documentation generated from the code is in step with it. When this fails, run
 * `npm run docs` (UPDATE_DOCS=1) and commit the result.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED, probeTable, withGenerated, writeGenerated } from "../../helpers/generated-docs.js";
import { REPO } from "../../helpers/import-graph.js";

describe("generated documentation", () => {
  if (process.env.UPDATE_DOCS === "1") {
    it("is rewritten", () => {
      writeGenerated();
    });
  }

  for (const g of GENERATED) {
    it(`${g.file} is in step with the code (npm run docs)`, () => {
      expect(readFileSync(path.join(REPO, g.file), "utf8")).toBe(g.expected());
    });
  }

  it("replaces only the block between its markers", () => {
    const text = "a\n<!-- generated: x (npm run docs) -->\nold\n<!-- end generated: x -->\nb\n";
    expect(withGenerated(text, "x", "new")).toBe("a\n<!-- generated: x (npm run docs) -->\nnew\n<!-- end generated: x -->\nb\n");
    expect(() => withGenerated("no markers", "x", "new")).toThrow(/no generated block "x"/);
  });

  it("lists every probe of the registry with its summary", () => {
    expect(probeTable()).toContain("| `sysctl` | A kernel parameter's runtime value (/proc/sys)");
  });
});
