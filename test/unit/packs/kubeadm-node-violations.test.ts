/**
 * Acceptance: the compliant kubeadm node passes every automated check of the Kubernetes
 * packs, and each single violation planted in it fails exactly its own check and no other
 * (no error anywhere). Manual checks never fail; they show the observed value.
 */
import { afterAll, describe, expect, it } from "vitest";
import path from "node:path";
import type { CheckResult } from "../../../src/engine/result.js";
import { runChecks } from "../../../src/engine/scan.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { formatPackError } from "../../../src/packs/load.js";
import { BENCHMARKS_DIR, loadShippedPacks } from "../../helpers/check-fixture.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { KUBEADM_VIOLATIONS, kubeadmNode } from "../../helpers/kubeadm-node.js";

afterAll(cleanupFixtures);

const PACKS = ["cis-kubernetes-node", "kubernetes-control-plane", "kubernetes-node-runtime"];

// Each pack loaded from its own directory: another pack's load error must not hide these.
async function kubernetesChecks() {
  const checks = [];
  for (const id of PACKS) {
    const loaded = await loadShippedPacks(path.join(BENCHMARKS_DIR, id));
    expect(loaded.errors.map(formatPackError)).toEqual([]);
    checks.push(...loaded.packs.flatMap((p) => p.checks));
  }
  return checks;
}

async function runAll(root: string): Promise<CheckResult[]> {
  return runChecks(await kubernetesChecks(), { host: new HostRoot({ root }) });
}

const key = (r: CheckResult): string => `${r.pack}/${r.id}`;

describe("kubeadm node: compliant, then one violation at a time", () => {
  it("the compliant node passes every automated check; manual ones are manual; only the in-pod kube-proxy kubeconfig items skip", async () => {
    const checks = await kubernetesChecks();
    const results = await runAll(await fixtureRoot(kubeadmNode()));
    const manual = new Set(checks.filter((c) => c.manual).map((c) => c.key));
    for (const r of results) {
      const want = manual.has(key(r))
        ? ["cis-kubernetes-node/4.1.3", "cis-kubernetes-node/4.1.4"].includes(key(r)) ? "skip" : "manual"
        : "pass";
      expect({ check: key(r), status: r.status, message: r.message }).toEqual({ check: key(r), status: want, message: r.message });
    }
  });

  it("has a violation for every automated check, and none for a manual one", async () => {
    const checks = await kubernetesChecks();
    const automated = checks.filter((c) => !c.manual).map((c) => c.key).sort();
    expect(Object.keys(KUBEADM_VIOLATIONS).sort()).toEqual(automated);
  });

  it.each(Object.entries(KUBEADM_VIOLATIONS))("%s: fails exactly that check (%s)", async (target, v) => {
    const results = await runAll(await fixtureRoot(kubeadmNode(v.options)));
    const failed = results.filter((r) => r.status === "fail" || r.status === "error").map((r) => `${key(r)} ${r.status}: ${r.message ?? ""}`);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(`${target} fail: ${v.message}`);
  });
});
