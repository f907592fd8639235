/**
 * Acceptance (issue 12 item 4): a hardened worker node of each Kubernetes distribution,
 * laid out as that distribution lays it out, passes every automated check of the node
 * packs it is subject to, skips only what does not exist there (with the reason), and
 * fails exactly the check whose violation is planted, the way an operator of that
 * distribution would plant it. The kubelet is resolved to the distribution's real paths.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { kubeletInfo } from "../../../src/probes/k8s/kubelet-info.js";
import { formatPackError, type LoadedCheck } from "../../../src/packs/load.js";
import { BENCHMARKS_DIR, loadShippedPacks } from "../../helpers/check-fixture.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { DISTRO_NODES } from "../../helpers/k8s-distributions.js";

afterAll(cleanupFixtures);

const PACKS = ["cis-kubernetes-node", "kubernetes-node-runtime", "kubernetes-control-plane"];

/**
 * Which benchmark judges a node (CIS Kubernetes 1.12 or 2.0.1 by the kubelet's version, the
 * EKS/AKS/GKE benchmarks on those platforms) is kubernetes-benchmark-selection.test.ts's
 * subject. Here the CIS Kubernetes checks run on every distribution, without the packs'
 * selection conditions (on distribution and version), to prove the resolver finds each
 * distribution's real files and settings.
 */
const withoutSelection = (c: LoadedCheck): LoadedCheck => ({
  ...c,
  applies: c.applies.filter((a) => !a.expect.fields.some((f) => f === "version" || f === "distribution")),
});

async function checks(): Promise<LoadedCheck[]> {
  const out = [];
  for (const id of PACKS) {
    const loaded = await loadShippedPacks(path.join(BENCHMARKS_DIR, id));
    expect(loaded.errors.map(formatPackError)).toEqual([]);
    out.push(...loaded.packs.flatMap((p) => p.checks).map(withoutSelection));
  }
  return out;
}

async function runAll(root: string): Promise<CheckResult[]> {
  return runChecks(await checks(), { host: new HostRoot({ root }) });
}

const short = (r: CheckResult): string => r.id;
const nodes = Object.entries(DISTRO_NODES);

describe.each(nodes)("%s", (name, d) => {
  it("resolves the distribution, its kubelet and the kubelet's real files", async () => {
    const info = await kubeletInfo(probeContext(await fixtureRoot(d.node())));
    expect(info).toMatchObject({
      present: true,
      distribution: d.distribution,
      ...(d.variant ? { variant: d.variant } : {}),
      source: d.expect.source,
      kubeconfig: d.expect.kubeconfig,
      clientCAFile: d.expect.clientCAFile,
    });
    expect(info.serviceFile).toBe(d.expect.serviceFile);
    expect(info.configFile).toBe(d.expect.configFile);
    expect(info.configDir).toBe(d.expect.configDir);
    expect(info.flagsUnobserved).toBeUndefined();
    expect(info.configUnobserved).toBeUndefined();
    if (d.version) expect({ version: info.version, minor: info.versionMinor }).toEqual({ version: d.version, minor: Number(d.version.split(".")[1]) });
    else expect(info.unobserved?.version).toMatch(/only on the live host/);
  });

  it("hardened: every automated check passes, or skips where the thing does not exist on this distribution", async () => {
    const all = await checks();
    const manual = new Set(all.filter((c) => c.manual).map((c) => c.key));
    const results = await runAll(await fixtureRoot(d.node()));
    for (const r of results) {
      const k = `${r.pack}/${r.id}`;
      const got = { check: k, status: r.status, message: r.message };
      if (r.pack === "kubernetes-control-plane" || (k === "cis-kubernetes-node/4.3.1" && !d.kubeProxy)) {
        // A worker: no control plane, no kube-proxy process here.
        expect(got).toEqual({ ...got, status: "skip" });
      } else if (manual.has(k)) {
        expect(["manual", "skip"]).toContain(r.status);
      } else if (Object.hasOwn(d.skips, short(r))) {
        expect(got).toEqual({ ...got, status: "skip" });
        expect(r.message).toContain(d.skips[short(r)]);
      } else {
        expect(got).toEqual({ ...got, status: "pass" });
      }
    }
  });

  it("has a violation for every automated node check it does not skip", async () => {
    const all = await checks();
    const automated = all
      .filter((c) => !c.manual && c.pack.id !== "kubernetes-control-plane" && (d.kubeProxy || c.key !== "cis-kubernetes-node/4.3.1"))
      .map((c) => c.id)
      .filter((id) => !Object.hasOwn(d.skips, id))
      .sort();
    expect(Object.keys(d.violations).sort()).toEqual(automated);
  });

  it.each(Object.entries(d.violations))(`${name} %s: fails exactly that check`, async (id, v) => {
    const results = await runAll(await fixtureRoot(d.node(v.options)));
    const bad = results.filter((r) => r.status === "fail" || r.status === "error");
    expect(bad.map((r) => `${r.id} ${r.status}: ${r.message ?? ""}`)).toEqual([expect.stringContaining(`${id} fail: ${v.message}`)]);
    if (v.evidence) expect(bad[0]?.evidence).toContainEqual(expect.objectContaining(v.evidence));
  });
});

describe("the report and the metrics name the distribution and the kubelet version", () => {
  it("JSON report: kubernetes {distribution, variant, version, kubelet}; Prometheus: nodeward_kubernetes_info", async () => {
    const { runScan } = await import("../../../src/engine/run-scan.js");
    const { prometheusReporter } = await import("../../../src/report/prometheus.js");
    const loaded = await loadShippedPacks(path.join(BENCHMARKS_DIR, "cis-kubernetes-node"));
    const rke2 = DISTRO_NODES["rke2-agent"];
    if (!rke2) throw new Error("no rke2 fixture");
    const report = await runScan({ host: new HostRoot({ root: await fixtureRoot(rke2.node()) }), packs: loaded.packs, inventory: false });
    expect(report.kubernetes).toEqual({
      distribution: "rke2",
      variant: "agent",
      version: "1.33.5",
      versionSource: "kubelet executable /var/lib/rancher/rke2/data/v1.33.5-rke2r1-1b2872361ec5/bin/kubelet: v1.33.5-rke2r1-1b2872361ec5",
      kubelet: "process",
    });
    expect(prometheusReporter.render(report)).toContain('nodeward_kubernetes_info{distribution="rke2",variant="agent",version="1.33.5"} 1\n');

    const k3s = DISTRO_NODES["k3s-agent"];
    if (!k3s) throw new Error("no k3s fixture");
    const r2 = await runScan({ host: new HostRoot({ root: await fixtureRoot(k3s.node()) }), packs: loaded.packs, inventory: false });
    expect(r2.kubernetes).toMatchObject({ distribution: "k3s", variant: "agent", kubelet: "embedded", unknown: { version: expect.stringContaining("only on the live host") } });
    expect(prometheusReporter.render(r2)).toContain('nodeward_kubernetes_info{distribution="k3s",variant="agent",version=""} 1\n');

    const { reporters } = await import("../../../src/report/index.js");
    const html = reporters.html.render(report);
    expect(html).toContain("<dt>Kubernetes</dt><dd>rke2 agent, kubelet 1.33.5</dd>");
    const table = reporters.table.render(r2);
    expect(table).toContain(", k3s agent, kubelet version unknown)");
    const junit = reporters.junit.render(report);
    expect(junit).toContain('<property name="kubernetes.distribution" value="rke2 agent"/>');

    const plain = await runScan({ host: new HostRoot({ root: await fixtureRoot({ "etc/hostname": "x\n" }) }), packs: loaded.packs, inventory: false });
    expect(plain.kubernetes).toEqual({ distribution: "none", kubelet: "none" });
  });
});

describe("k3s server: the control plane runs inside k3s", () => {
  it("its checks are errors saying the flags are not visible, never a silent skip; kube-proxy is modelled", async () => {
    const { K3S_SERVER } = await import("../../helpers/k8s-distributions.js");
    const root = await fixtureRoot(K3S_SERVER);
    const info = await kubeletInfo(probeContext(root));
    expect(info).toMatchObject({ distribution: "k3s", variant: "server", source: "embedded", hostUnit: "k3s.service" });
    const results = await runAll(root);
    const cp = results.filter((r) => r.pack === "kubernetes-control-plane");
    expect(cp.length).toBeGreaterThan(20);
    for (const r of cp) {
      if (r.status === "skip") continue; // items about files k3s does not have (static pod manifests)
      expect({ id: r.id, status: r.status }).toEqual({ id: r.id, status: "error" });
      expect(r.message).toContain("inside the k3s server process");
    }
    expect(cp.filter((r) => r.status === "error").length).toBeGreaterThan(10);
    expect(results.find((r) => r.id === "4.3.1")).toMatchObject({ status: "pass" });
  });
});

describe("RKE2 server: the control plane is static pods in RKE2's own manifest directory", () => {
  it("kube-apiserver is read from /var/lib/rancher/rke2/agent/pod-manifests (the kubelet's staticPodPath)", async () => {
    const { staticPod } = await import("../../helpers/kubeadm-node.js");
    const { componentInfo } = await import("../../../src/probes/k8s/components.js");
    const rke2 = DISTRO_NODES["rke2-agent"];
    if (!rke2) throw new Error("no rke2 fixture");
    const manifests = "var/lib/rancher/rke2/agent/pod-manifests";
    const spec = rke2.node({
      files: {
        "usr/local/lib/systemd/system/rke2-server.service": { content: "[Service]\nExecStart=/usr/local/bin/rke2 server\n", mode: 0o644, uid: 0, gid: 0 },
        "proc/6453/cmdline": "/usr/local/bin/rke2 server\0",
        [`${manifests}/kube-apiserver.yaml`]: {
          content: staticPod(
            "kube-apiserver",
            ["kube-apiserver", "--audit-log-path=/var/lib/rancher/rke2/server/logs/audit.log", "--audit-policy-file=/etc/rancher/rke2/audit-policy.yaml", "--profiling=false"],
            [
              { name: "dir0", mountPath: "/var/lib/rancher/rke2/server/logs", hostPath: "/var/lib/rancher/rke2/server/logs" },
              { name: "file0", mountPath: "/etc/rancher/rke2/audit-policy.yaml", hostPath: "/etc/rancher/rke2/audit-policy.yaml", type: "File" },
            ],
          ),
          mode: 0o600,
          uid: 0,
          gid: 0,
        },
      },
      omit: ["usr/local/lib/systemd/system/rke2-agent.service"],
    });
    const ctx = probeContext(await fixtureRoot(spec));
    expect(await kubeletInfo(ctx)).toMatchObject({ distribution: "rke2", variant: "server", source: "process" });
    const api = await componentInfo(ctx, "kube-apiserver");
    expect(api).toMatchObject({
      present: true,
      source: "manifest",
      manifest: "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml",
      flags: { profiling: "false" },
      files: { "audit-policy-file": "/etc/rancher/rke2/audit-policy.yaml", "audit-log-path": "/var/lib/rancher/rke2/server/logs/audit.log" },
    });
    expect(api.unobserved).toBeUndefined();
  });
});
