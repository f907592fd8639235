/**
 * Never pass what could not be seen — the hidden-fact table (hidden-facts.test.ts) over
 * every Kubernetes distribution's hardened worker (test/helpers/k8s-distributions.ts: k3s,
 * RKE2, k0s, EKS AL2023 and AL2, AKS, GKE), with every shipped pack (the Kubernetes packs,
 * their selection included, the CIS Debian/Ubuntu/RHEL packs and both KISA editions, each
 * judging what the node's OS gives it): each fact source the passing checks read (the distribution's unit,
 * config files and drop-ins, its markers, the process table, the version's source) is
 * hidden in turn, unreadable and masked, and no dependent check may pass without saying
 * so: each errors, or skips as its benchmark documents (the edition fallback), or passes
 * on facts that were seen while reporting the hidden one. Missing sources must not crash.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { formatPackError, type LoadedCheck } from "../../../src/packs/load.js";
import { BENCHMARKS_DIR, loadShippedPacks } from "../../helpers/check-fixture.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { buildPlan, describeResult, evaluate, hiddenSourceProblems, TableHost, type HideMode, type Plan } from "../../helpers/hidden-sources.js";
import { DISTRO_NODES, KUBERNETES_PACKS } from "../../helpers/k8s-distributions.js";

afterAll(cleanupFixtures);

/** Hidden sources whose checks may still end `skip`, with why the benchmark allows it. Key: `<pack>/<id>`. */
const JUSTIFIED_SKIPS: Record<string, RegExp> = {};

/** Known gaps (source pattern, distribution, why); the test fails when one no longer occurs. */
const KNOWN_GAPS: { sources: RegExp; distribution: RegExp; modes?: readonly HideMode[]; why: string }[] = [];

const plans = new Map<string, Plan>();

beforeAll(async () => {
  // Every shipped pack: the Kubernetes packs, the OS packs (CIS Debian/Ubuntu/RHEL) and both
  // KISA editions, each judging what it finds on the distribution's node.
  const loaded = await loadShippedPacks(BENCHMARKS_DIR);
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map(formatPackError).join("\n"));
  const checks: LoadedCheck[] = loaded.packs.flatMap((p) => p.checks);
  for (const id of KUBERNETES_PACKS) if (!loaded.packs.some((p) => p.meta.id === id)) throw new Error(`pack ${id} not shipped`);
  for (const [name, d] of Object.entries(DISTRO_NODES)) plans.set(name, await buildPlan(checks, d.node()));
}, 300_000);

describe("hidden facts on every distribution's hardened worker", () => {
  it("each distribution passes checks that read its own sources", () => {
    // Its benchmark's automated items: 5 (GKE's worker section) to 16 (AKS), on 37 to 49 sources.
    for (const [name, plan] of plans) {
      expect({ name, passing: plan.passing.length >= 5 }).toEqual({ name, passing: true });
      expect({ name, sources: plan.dependents.size > 20 }).toEqual({ name, sources: true });
    }
  });

  for (const mode of ["unreadable", "masked", "fifo", "dangling", "outside"] as const) {
    it(`${mode}: no check passes on a hidden source without saying so`, { timeout: 600_000 }, async () => {
      const problems: string[] = [];
      const gapsSeen = new Set<number>();
      for (const [name, plan] of plans) {
        const run = await hiddenSourceProblems(plan, mode, JUSTIFIED_SKIPS, (hostPath, _c, m) =>
          KNOWN_GAPS.findIndex((g) => g.sources.test(hostPath) && g.distribution.test(name) && (g.modes === undefined || g.modes.includes(m))),
        );
        problems.push(...run.problems.map((p) => `${name}: ${p}`));
        for (const g of run.gapsSeen) gapsSeen.add(g);
      }
      const closed = KNOWN_GAPS.filter((g, i) => (g.modes === undefined || g.modes.includes(mode)) && !gapsSeen.has(i)).map((g) => g.why);
      expect(closed, "known gaps that no longer occur: remove them from KNOWN_GAPS").toEqual([]);
      expect(problems, `${problems.length} checks did not error with their source hidden:\n  ${problems.join("\n  ")}`).toEqual([]);
    });
  }

  it("missing: every source's absence is answered, never with a crash", { timeout: 600_000 }, async () => {
    const crashes: string[] = [];
    for (const [name, plan] of plans) {
      for (const [source, checks] of plan.dependents) {
        const { results } = await evaluate(checks, new TableHost({ root: plan.root, hide: { source, mode: "missing" } }));
        checks.forEach((c, i) => {
          const r = results[i] as CheckResult;
          if (r.status === "error" && /\b(TypeError|RangeError|ReferenceError|SyntaxError)\b|internal:/.test(r.message ?? "")) {
            crashes.push(`${name}: ${source} missing → ${describeResult(c, r)}`);
          }
        });
      }
    }
    expect(crashes).toEqual([]);
  });
});
