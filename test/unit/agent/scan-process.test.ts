import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { inProcessScan } from "../../../src/agent/agent.js";
import { childProcessScan } from "../../../src/agent/scan-process.js";
// Not from scan-child.ts: importing it would install its process message handlers in this worker.
import { RESULTS_PER_MESSAGE } from "../../../src/agent/child-messages.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { loadPacks } from "../../../src/packs/load.js";
import { ensureCliBuilt, REPO } from "../../helpers/cli.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { cleanupPackDirs, packDir } from "../../helpers/inline-pack.js";

beforeAll(ensureCliBuilt, 300_000);
afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
}, 60_000);

/** A pack of `n` checks, alternately passing and failing on the fixture root. */
function bigPack(n: number): string {
  const checks = Array.from({ length: n }, (_, i) =>
    [
      `  - id: "${i + 1}"`,
      `    title: check number ${i + 1}`,
      "    severity: medium",
      `    audit: { probe: file, params: { path: ${i % 2 ? "/etc/passwd" : "/etc/missing"} }, expect: { exists: true } }`,
    ].join("\n"),
  );
  return `pack: { id: big, title: Big, benchmark: Big Benchmark v1, version: "1" }\nchecks:\n${checks.join("\n")}\n`;
}

describe("a scan in the child process", () => {
  it("sends its results in parts before the report; the agent gets the report whole, in the same order, with the same keys in the same order", async () => {
    const n = RESULTS_PER_MESSAGE * 2 + 37;
    const root = await fixtureRoot({ "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n" });
    const packs = await packDir({ "big/pack.yaml": bigPack(n) });
    const job = { packs: [packs], vars: {}, benchmarks: [], root, deep: false };
    const stats: number[] = [];
    const scan = childProcessScan(job, { module: path.join(REPO, "dist/agent/scan-child.js"), onStats: (s) => stats.push(s.maxRssKiB) });
    const viaChild = await scan({ packs: [], filter: { benchmarks: [] }, loadErrors: [] });
    const loaded = await loadPacks([packs]);
    const inProcess = await inProcessScan(new HostRoot({ root }), false)({ packs: loaded.packs, filter: { benchmarks: [] }, loadErrors: [] });

    expect(viaChild.results).toHaveLength(n);
    expect(Object.keys(viaChild)).toEqual(Object.keys(inProcess));
    expect(viaChild.results.map((r) => `${r.pack}/${r.id}:${r.status}`)).toEqual(inProcess.results.map((r) => `${r.pack}/${r.id}:${r.status}`));
    expect(viaChild.results.slice(0, 2).map((r) => r.status)).toEqual(["fail", "pass"]);
    expect(viaChild.summary).toEqual({ pass: (n - 1) / 2, fail: (n + 1) / 2, manual: 0, skip: 0, error: 0 });
    // Same keys in the same order on every result (JSON of the two differs only in times).
    const shape = (r: object) => Object.keys(r).join(",");
    expect(viaChild.results.map(shape)).toEqual(inProcess.results.map(shape));
    expect(stats).toHaveLength(1);
  }, 60_000);
});
