/** The README's examples match the shipped files, and it cites nothing outside the repository. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../helpers/cli.js";

const readme = readFileSync(path.join(REPO, "README.md"), "utf8");

describe("README", () => {
  it("the profile excerpt is the shipped benchmarks/profiles/kubernetes-node.yaml, line for line, in order", () => {
    const block = /```yaml\n# benchmarks\/profiles\/kubernetes-node\.yaml \(excerpt\)\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const shipped = readFileSync(path.join(REPO, "benchmarks/profiles/kubernetes-node.yaml"), "utf8").split("\n");
    let at = 0;
    for (const line of block!.trimEnd().split("\n")) {
      if (line.trim().startsWith("# …")) continue;
      const found = shipped.indexOf(line, at);
      expect(found, `README line not in the shipped profile (in order): ${JSON.stringify(line)}`).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
  });

  it("cites no file outside the repository, and docs/ neither", () => {
    for (const file of ["README.md", ...["contributing.md", "agent.md", "probes.md", "report-json.md"].map((f) => `docs/${f}`)]) {
      const text = readFileSync(path.join(REPO, file), "utf8");
      expect(text, file).not.toMatch(/\.\.\/shared|shared\/references|\/work\//);
    }
  });
});
