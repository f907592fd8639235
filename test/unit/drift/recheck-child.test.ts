/**
 * The re-check process's side (src/agent/recheck-child.ts), in-process: with the bundled
 * packs it loads only the packs of the checks asked for, and what it answers is what a
 * re-check over the whole selection says (same profile, same vars); a warm-up request
 * (`preload`, no keys) loads those packs and re-checks nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { answerRecheck, loadedPacks } from "../../../src/agent/recheck-child.js";
import type { ChildRequest } from "../../../src/agent/scan-process.js";
import { recheck } from "../../../src/engine/recheck.js";
import type { CheckResult } from "../../../src/engine/result.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { loadSelection } from "../../../src/packs/selection.js";
import { compliantDebianNode } from "../../helpers/compliant-debian-node.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

/** Results without their timings (durationMs, and evidence like "3 entries in 5 ms"). */
const comparable = (rs: readonly CheckResult[]) =>
  rs
    .map((r) => ({ key: `${r.pack}/${r.id}`, status: r.status, message: r.message, observed: r.observed, expected: r.expected, tailoring: r.tailoring, evidence: JSON.stringify(r.evidence).replace(/ in \d+ ms/g, " in N ms") }))
    .sort((a, b) => a.key.localeCompare(b.key));

describe("re-check process: packs loaded per need", () => {
  it("a warm-up loads the packs of the checks to come; the re-check then says what one over the whole selection says", async () => {
    const root = await fixtureRoot(compliantDebianNode());
    const job = { packs: [], profile: "kubernetes-node", vars: { "allowed-ports": [22, 10250] }, benchmarks: [], root, deep: false };
    const full = await loadSelection({ profile: job.profile, vars: job.vars });
    const all = full.packs.flatMap((p) => p.checks.map((c) => c.key));
    // Every check of two packs: the Debian host pack (ip_forward tailored by the profile) and the kubelet's.
    const keys = all.filter((k) => k.startsWith("cis-debian-12/") || k.startsWith("cis-kubernetes-node/"));
    expect(new Set(keys.map((k) => k.split("/")[0]))).toEqual(new Set(["cis-debian-12", "cis-kubernetes-node"]));

    const warm = await answerRecheck({ kind: "recheck", id: 1, keys: [], preload: keys, ...job } satisfies ChildRequest);
    expect(warm).toMatchObject({ ok: true, kind: "recheck", id: 1 });
    if (!warm.ok || warm.kind !== "recheck") throw new Error("no answer");
    expect(warm.recheck.results).toEqual([]);
    expect(warm.recheck.timing.startMs).toBeTypeOf("number");
    expect(loadedPacks()).toEqual({ alone: ["cis-debian-12", "cis-kubernetes-node"], all: false });

    const answer = await answerRecheck({ kind: "recheck", id: 2, keys, ...job });
    if (!answer.ok || answer.kind !== "recheck") throw new Error(`re-check failed: ${JSON.stringify(answer)}`);
    // Start-up is reported once, with the first answer only.
    expect(answer.recheck.timing.startMs).toBeUndefined();
    const expected = await recheck({ host: new HostRoot({ root }), packs: full.packs, keys });
    expect(answer.recheck.results).toHaveLength(keys.length);
    expect(comparable(answer.recheck.results)).toEqual(comparable(expected.results));
    // The profile's tailoring reached the pack loaded alone.
    expect(answer.recheck.results.some((r) => r.tailoring?.profile === "kubernetes-node")).toBe(true);
    expect(loadedPacks()).toEqual({ alone: ["cis-debian-12", "cis-kubernetes-node"], all: false });
  }, 120_000);

  it("a pack the bundled benchmarks do not hold under its id makes the whole selection load (and the re-check still answers)", async () => {
    const root = await fixtureRoot(compliantDebianNode());
    const job = { packs: [], vars: {}, benchmarks: [], root, deep: false };
    const answer = await answerRecheck({ kind: "recheck", id: 3, keys: ["cis-debian-12/7.1.1", "no-such-pack/1.1"], ...job });
    if (!answer.ok || answer.kind !== "recheck") throw new Error(`re-check failed: ${JSON.stringify(answer)}`);
    expect(answer.recheck.results.map((r) => `${r.pack}/${r.id}`)).toEqual(["cis-debian-12/7.1.1"]);
    expect(loadedPacks().all).toBe(true);
  }, 120_000);
});
