/**
 * A re-check says what a full scan says: re-checking every check of an unchanged node
 * changes no status (the drift re-check path is the scan path, nothing report-level missing).
 */
import { afterAll, describe, expect, it } from "vitest";
import { mergeResults, recheck } from "../../../src/engine/recheck.js";
import { runScan } from "../../../src/engine/run-scan.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { loadShippedPacks } from "../../helpers/check-fixture.js";
import { compliantDebianNode } from "../../helpers/compliant-debian-node.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

describe("re-check consistency", () => {
  it("re-checking every check of an unchanged compliant node changes no status", async () => {
    const packs = (await loadShippedPacks()).packs;
    const host = new HostRoot({ root: await fixtureRoot(compliantDebianNode()) });
    const report = await runScan({ host, packs, inventory: false });
    const keys = report.results.map((r) => `${r.pack}/${r.id}`);
    const r = await recheck({ host, packs, keys });
    expect(r.results).toHaveLength(report.results.length);
    expect(mergeResults(report, r.results).changes).toEqual([]);
  }, 60_000);
});
