/**
 * Acceptance: the compliant kubeadm node passes every automated check of the Kubernetes
 * packs, and each single violation planted in it fails exactly its own check and no other
 * (no error anywhere). Manual checks never fail; they show the observed value. Both CIS
 * Kubernetes editions, each on the kubelet version that selects it (the other edition's
 * packs then skip); the violations are the same in both (sections 1-4 share their items).
 */
import { afterAll, describe, expect, it } from "vitest";
import path from "node:path";
import type { CheckResult } from "../../../src/engine/result.js";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { formatPackError, type LoadedCheck } from "../../../src/packs/load.js";
import { BENCHMARKS_DIR, loadShippedPacks } from "../../helpers/check-fixture.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { KUBEADM_VIOLATIONS, kubeadmNode, type KubeadmNodeOptions } from "../../helpers/kubeadm-node.js";

afterAll(cleanupFixtures);

const ALL_PACKS = ["cis-kubernetes-node", "kubernetes-control-plane", "cis-kubernetes-node-2.0", "kubernetes-control-plane-2.0", "kubernetes-node-runtime"];

// Each pack loaded from its own directory: another pack's load error must not hide these.
async function kubernetesChecks(): Promise<LoadedCheck[]> {
  const checks = [];
  for (const id of ALL_PACKS) {
    const loaded = await loadShippedPacks(path.join(BENCHMARKS_DIR, id));
    expect(loaded.errors.map(formatPackError)).toEqual([]);
    checks.push(...loaded.packs.flatMap((p) => p.checks));
  }
  return checks;
}

const key = (r: CheckResult): string => `${r.pack}/${r.id}`;

const EDITIONS = [
  { edition: "v1.12.0", kubeletVersion: "1.33.5", suffix: "" },
  { edition: "v2.0.1", kubeletVersion: "1.34.2", suffix: "-2.0" },
];

describe.each(EDITIONS)("kubeadm node with kubelet $kubeletVersion (CIS Kubernetes $edition): compliant, then one violation at a time", ({ kubeletVersion, suffix }) => {
  const judged = new Set([`cis-kubernetes-node${suffix}`, `kubernetes-control-plane${suffix}`, "kubernetes-node-runtime"]);
  // The violation's key in this edition: the CIS packs' ids carry the edition suffix.
  const target = (k: string) => (k.startsWith("kubernetes-node-runtime/") ? k : k.replace("/", `${suffix}/`));
  const runAll = async (o: KubeadmNodeOptions = {}): Promise<CheckResult[]> =>
    runChecks(await kubernetesChecks(), { host: new HostRoot({ root: await fixtureRoot(kubeadmNode({ kubeletVersion, ...o })) }) });

  it("passes every automated check of its edition; manual ones are manual; the other edition skips", async () => {
    const checks = await kubernetesChecks();
    const manual = new Set(checks.filter((c) => c.manual).map((c) => c.key));
    for (const r of await runAll()) {
      const inPod = [`cis-kubernetes-node${suffix}/4.1.3`, `cis-kubernetes-node${suffix}/4.1.4`].includes(key(r));
      const want = !judged.has(r.pack) ? "skip" : manual.has(key(r)) ? (inPod ? "skip" : "manual") : "pass";
      expect({ check: key(r), status: r.status }).toEqual({ check: key(r), status: want });
    }
  });

  it("has a violation for every automated check, and none for a manual one", async () => {
    const checks = await kubernetesChecks();
    const automated = checks.filter((c) => !c.manual && judged.has(c.pack.id)).map((c) => c.key).sort();
    expect(Object.keys(KUBEADM_VIOLATIONS).map(target).sort()).toEqual(automated);
  });

  it.each(Object.entries(KUBEADM_VIOLATIONS))("%s: fails exactly that check (%s)", async (k, v) => {
    const results = await runAll(v.options);
    const failed = results.filter((r) => r.status === "fail" || r.status === "error").map((r) => `${key(r)} ${r.status}: ${r.message ?? ""}`);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(`${target(k)} fail: ${v.message}`);
  });
});
