/**
 * The node picks its benchmark: every Kubernetes pack runs on each node, and only the
 * node's own edition judges it. kubeadm with kubelet 1.34 → CIS Kubernetes v2.0.1; 1.31 →
 * v1.12.0; a kubelet whose version cannot be read → v2.0.1 as the documented fallback, said
 * on every result; EKS, AKS and GKE nodes → their platform's CIS benchmark.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { runChecks } from "../../../src/engine/run-checks.js";
import { selectChecks } from "../../../src/engine/select.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { formatPackError, type LoadedCheck } from "../../../src/packs/load.js";
import { BENCHMARKS_DIR, loadShippedPacks } from "../../helpers/check-fixture.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { DISTRO_NODES, KUBERNETES_PACKS, type KubernetesPack } from "../../helpers/k8s-distributions.js";
import { kubeadmNode } from "../../helpers/kubeadm-node.js";
import { aksNode, eksNode, gkeNode } from "../../helpers/managed-nodes.js";

afterAll(cleanupFixtures);

const PACKS = KUBERNETES_PACKS;
type Pack = KubernetesPack;

async function kubernetesChecks(): Promise<LoadedCheck[]> {
  const checks = [];
  for (const id of PACKS) {
    const loaded = await loadShippedPacks(path.join(BENCHMARKS_DIR, id));
    expect(loaded.errors.map(formatPackError)).toEqual([]);
    checks.push(...loaded.packs.flatMap((p) => p.checks));
  }
  return checks;
}

async function scan(spec: FixtureSpec): Promise<Map<Pack, CheckResult[]>> {
  const results = await runChecks(await kubernetesChecks(), { host: new HostRoot({ root: await fixtureRoot(spec) }) });
  const by = new Map<Pack, CheckResult[]>(PACKS.map((p) => [p, []]));
  for (const r of results) by.get(r.pack as Pack)?.push(r);
  return by;
}

/** The one skip message of a pack that does not judge this node (every check says it). */
function skippedWith(results: CheckResult[] | undefined): string {
  const messages = new Set((results ?? []).map((r) => `${r.status}: ${r.message ?? ""}`));
  expect(messages.size).toBe(1);
  return [...messages][0] as string;
}

/** A pack that judges this node: something other than skip, and no error. */
function judges(results: CheckResult[] | undefined): boolean {
  const rs = results ?? [];
  expect(rs.filter((r) => r.status === "error").map((r) => `${r.id}: ${r.message ?? ""}`)).toEqual([]);
  return rs.some((r) => r.status !== "skip");
}

const judging = (by: Map<Pack, CheckResult[]>): Pack[] => PACKS.filter((p) => judges(by.get(p)));

const NOT_EKS = "skip: not an Amazon EKS node (this pack judges EKS worker nodes; others run the CIS Kubernetes packs)";
const NOT_AKS = "skip: not an Azure AKS node (this pack judges AKS worker nodes; others run the CIS Kubernetes packs)";
const NOT_GKE = "skip: not a Google GKE node (this pack judges GKE worker nodes; others run the CIS Kubernetes packs)";
const PLATFORM = "skip: an EKS, AKS or GKE node is judged by its platform's CIS benchmark (packs cis-eks-node, cis-aks-node, cis-gke-node)";

describe("kubeadm nodes: the kubelet's version picks the CIS Kubernetes edition", () => {
  it("kubelet 1.34 → CIS Kubernetes Benchmark v2.0.1; the v1.12.0 packs skip, saying why", async () => {
    const by = await scan(kubeadmNode({ kubeletVersion: "1.34.2" }));
    expect(judging(by)).toEqual(["cis-kubernetes-node-2.0", "kubernetes-control-plane-2.0", "kubernetes-node-runtime"]);
    expect(skippedWith(by.get("cis-kubernetes-node"))).toBe(
      "skip: the kubelet is 1.34 or newer; CIS Kubernetes Benchmark v2.0.1 (pack cis-kubernetes-node-2.0) judges this node",
    );
    expect(skippedWith(by.get("kubernetes-control-plane"))).toBe(
      "skip: the kubelet is 1.34 or newer, or there is none; CIS Kubernetes Benchmark v2.0.1 (pack kubernetes-control-plane-2.0) judges this node",
    );
    expect(skippedWith(by.get("cis-eks-node"))).toBe(NOT_EKS);
    // The results name the edition that judged them, with no fallback note.
    const r = by.get("cis-kubernetes-node-2.0")?.find((x) => x.id === "4.2.1");
    expect([r?.status, r?.benchmark, r?.message]).toEqual(["pass", "CIS Kubernetes Benchmark v2.0.1", undefined]);
    // The skip shows the distribution and version it was decided on.
    expect(by.get("cis-kubernetes-node")?.[0]?.evidence).toContainEqual(expect.objectContaining({ detail: "distribution: kubeadm, kubelet 1.34.2" }));
  });

  it("kubelet 1.31 → CIS Kubernetes Benchmark v1.12.0; the v2.0.1 packs skip", async () => {
    const by = await scan(kubeadmNode({ kubeletVersion: "1.31.4" }));
    expect(judging(by)).toEqual(["cis-kubernetes-node", "kubernetes-control-plane", "kubernetes-node-runtime"]);
    expect(skippedWith(by.get("cis-kubernetes-node-2.0"))).toBe(
      "skip: the kubelet is older than 1.34; CIS Kubernetes Benchmark v1.12.0 (pack cis-kubernetes-node) judges this node",
    );
    expect(by.get("cis-kubernetes-node")?.find((x) => x.id === "4.2.1")?.benchmark).toBe("CIS Kubernetes Benchmark v1.12.0");
  });

  it("kubelet 1.36 (newer than any edition) → v2.0.1, the newest", async () => {
    const by = await scan(kubeadmNode({ kubeletVersion: "1.36.0" }));
    expect(judging(by)).toEqual(["cis-kubernetes-node-2.0", "kubernetes-control-plane-2.0", "kubernetes-node-runtime"]);
  });

  it("an unknown kubelet version → v2.0.1 as the fallback, said on every result; never a silent all-skip", async () => {
    const by = await scan(kubeadmNode({ kubeletVersion: null }));
    expect(judging(by)).toEqual(["cis-kubernetes-node-2.0", "kubernetes-control-plane-2.0", "kubernetes-node-runtime"]);
    // Offline, the kubeadm kubelet's version comes from its package only; without it, nothing tells it.
    const r421 = by.get("cis-kubernetes-node-2.0")?.find((r) => r.id === "4.2.1");
    expect(r421?.status).toBe("pass");
    const note = r421?.message ?? "";
    expect(note).toMatch(/^kubelet version unknown; judged by CIS Kubernetes Benchmark v2\.0\.1, the newest edition, as the fallback \(cannot determine version: .+\)$/);
    const why = note.slice(note.indexOf("(cannot determine version: ") + 1, -1);
    const node20 = by.get("cis-kubernetes-node-2.0") ?? [];
    // Every result of the edition says so: passes, manual ones and its own skips alike.
    for (const r of [...node20, ...(by.get("kubernetes-control-plane-2.0") ?? [])]) expect(r.message).toContain(note);
    expect(skippedWith(by.get("cis-kubernetes-node"))).toBe(
      `skip: kubelet version unknown; CIS Kubernetes Benchmark v2.0.1 (pack cis-kubernetes-node-2.0) judges this node as the fallback (${why})`,
    );
  });

  it("a failing check under the fallback keeps its finding first, then the note", async () => {
    const by = await scan(kubeadmNode({ kubeletVersion: null, kubeletConfig: { readOnlyPort: 10255, authentication: { anonymous: { enabled: true } } } }));
    const r = by.get("cis-kubernetes-node-2.0")?.find((x) => x.id === "4.2.1");
    expect(r?.status).toBe("fail");
    expect(r?.message).toMatch(/^value is true, expected false; kubelet version unknown; judged by CIS Kubernetes Benchmark v2\.0\.1/);
  });

  it("with v2.0.1 not selected (--benchmark cis-kubernetes-node), v1.12.0 judges and says why rather than nothing judging", async () => {
    const loaded = await loadShippedPacks(path.join(BENCHMARKS_DIR, "cis-kubernetes-node"));
    const checks = selectChecks(loaded.packs, { benchmarks: ["cis-kubernetes-node"] });
    const results = await runChecks(checks, { host: new HostRoot({ root: await fixtureRoot(kubeadmNode({ kubeletVersion: null })) }) });
    const r421 = results.find((r) => r.id === "4.2.1");
    expect(r421?.status).toBe("pass");
    expect(r421?.message).toMatch(
      /^kubelet version unknown and pack cis-kubernetes-node-2\.0 \(CIS Kubernetes Benchmark v2\.0\.1\) not selected; judged by v1\.12\.0 \(cannot determine version: .+\)$/,
    );
    // No result steps aside for an edition that does not run.
    expect(results.filter((r) => r.message?.includes("judges this node as the fallback")).map((r) => r.id)).toEqual([]);
  });
});

describe("managed platforms: their own CIS benchmark", () => {
  it.each([
    ["EKS", "cis-eks-node", eksNode, "CIS Amazon Elastic Kubernetes Service (EKS) Benchmark v1.8.0", [NOT_AKS, NOT_GKE]],
    ["AKS", "cis-aks-node", aksNode, "CIS Azure Kubernetes Service (AKS) Benchmark v1.8.0", [NOT_EKS, NOT_GKE]],
    ["GKE", "cis-gke-node", gkeNode, "CIS Google Kubernetes Engine (GKE) Benchmark v1.9.0", [NOT_EKS, NOT_AKS]],
  ] as const)("an %s worker node → %s", async (_name, pack, node, benchmark, others) => {
    const by = await scan(node());
    // The control-plane packs skip for the component, never for the version (the platform runs it).
    expect(judging(by)).toEqual([pack, "kubernetes-node-runtime"]);
    const own = by.get(pack) ?? [];
    expect(own.every((r) => r.status === "pass" && r.benchmark === benchmark)).toBe(true);
    // Every kubelet item of the CIS Kubernetes packs says why (kube-proxy's 4.3.1 says there is no kube-proxy).
    for (const p of ["cis-kubernetes-node", "cis-kubernetes-node-2.0"] as const) {
      expect(new Set(by.get(p)?.map((r) => `${r.status}: ${r.message ?? ""}`))).toEqual(
        new Set([PLATFORM, "skip: no kube-proxy on this node (no kube-proxy process and no static pod manifest)"]),
      );
    }
    const otherPlatforms = PACKS.filter((p) => p.startsWith("cis-") && p.endsWith("-node") && p !== pack && !p.startsWith("cis-kubernetes"));
    expect(otherPlatforms.map((p) => skippedWith(by.get(p)))).toEqual(others);
    expect(by.get("kubernetes-control-plane-2.0")?.find((r) => r.id === "1.2.1")?.message).toContain("no kube-apiserver on this node");
  });
});

describe("the two CIS Kubernetes editions", () => {
  // v2.0.1 keeps v1.12.0's numbers, titles and audits in sections 1-4 (kube-bench cfg/cis-2.0
  // and cfg/cis-1.12); the only wording it changes is 3.2.2's review list (and nodeward's own
  // NW items name the edition they relate to). A change to one edition's pack that the
  // benchmark did not make shows up here.
  const DIFFERS: Record<string, readonly string[]> = { "3.2.2": ["rationale", "remediation"], "NW-K8S-1": ["references"], "NW-K8S-2": ["references"] };
  const shape = (c: LoadedCheck) => ({
    title: c.title,
    rationale: c.rationale,
    severity: c.severity,
    level: c.level,
    manual: c.manual,
    references: c.references,
    remediation: c.remediation,
    fix: c.fix,
    audit: c.audit && { probe: c.audit.probeId, params: c.audit.params, expect: c.audit.expect.expected, precondition: c.audit.precondition?.expected },
    applies: c.applies.slice(0, -1).map((a) => a.factKey),
  });
  it.each([
    ["cis-kubernetes-node", "cis-kubernetes-node-2.0"],
    ["kubernetes-control-plane", "kubernetes-control-plane-2.0"],
  ])("%s and %s hold the same items", async (v112, v201) => {
    const checks = await kubernetesChecks();
    const of = (pack: string) => new Map(checks.filter((c) => c.pack.id === pack).map((c) => [c.id, c]));
    const a = of(v112);
    const b = of(v201);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [id, c] of a) {
      const x = shape(c) as Record<string, unknown>;
      const y = shape(b.get(id) as LoadedCheck) as Record<string, unknown>;
      for (const field of DIFFERS[id] ?? []) {
        expect(y[field]).not.toEqual(x[field]);
        delete x[field];
        delete y[field];
      }
      expect({ id, ...y }).toEqual({ id, ...x });
    }
  });
});

describe("every distribution's hardened worker (the resolver's fixtures): the benchmark it is judged by", () => {
  const PICKS: Record<string, Pack> = {
    // Where the node's files do not tell the kubelet's version offline: the v2.0.1 fallback.
    "k3s-agent": "cis-kubernetes-node-2.0",
    "rke2-agent": "cis-kubernetes-node-2.0",
    "k0s-worker": "cis-kubernetes-node-2.0",
    "eks-al2023": "cis-eks-node",
    "eks-al2": "cis-eks-node",
    aks: "cis-aks-node",
    gke: "cis-gke-node",
  };
  it.each(Object.entries(DISTRO_NODES))("%s", async (name, d) => {
    const by = await scan(d.node());
    const platform = ["eks", "aks", "gke"].includes(d.distribution);
    const want = !platform && d.version ? ((Number(d.version.split(".")[1]) >= 34 ? "cis-kubernetes-node-2.0" : "cis-kubernetes-node") as Pack) : PICKS[name];
    expect(judging(by).filter((p) => p !== "kubernetes-node-runtime")).toEqual([want]);
    // A platform benchmark's items all pass on the platform's hardened node.
    if (want?.startsWith("cis-") && !want.startsWith("cis-kubernetes")) {
      expect((by.get(want) ?? []).filter((r) => r.status !== "pass").map((r) => `${r.id} ${r.status}: ${r.message ?? ""}`)).toEqual([]);
    }
  });
});
