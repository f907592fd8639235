/**
 * cis-eks-node, cis-aks-node, cis-gke-node: every automated check passes on its platform's
 * hardened worker node (laid out as the platform's node image does) and fails with one
 * planted violation — message and evidence; and the "if … exists" skips.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import type { Evidence } from "../../../src/probes/types.js";
import { BENCHMARKS_DIR, runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures, type FixtureSpec } from "../../helpers/fixture-root.js";
import { aksNode, eksNode, gkeNode, type ManagedNodeOptions } from "../../helpers/managed-nodes.js";

afterAll(cleanupFixtures);

const runner = (pack: string) => {
  const packsDir = path.join(BENCHMARKS_DIR, pack);
  return (id: string, spec: FixtureSpec): Promise<CheckResult> => runCheckOn(`${pack}/${id}`, spec, { packsDir });
};

/** [id, violation, start of the fail message, evidence the failing result carries]. */
type Case = [string, ManagedNodeOptions, string, Partial<Evidence>];

const EKS_CONFIG = "/etc/kubernetes/kubelet/config.json";
const EKS_ENV = "/etc/eks/kubelet/environment";
const KUBECONFIG = "/var/lib/kubelet/kubeconfig";

const EKS: Case[] = [
  ["3.1.1", { chmod: { "var/lib/kubelet/kubeconfig": 0o664 } }, "mode is 0664, expected 0644 or more restrictive", { file: KUBECONFIG }],
  ["3.1.2", { chown: { "var/lib/kubelet/kubeconfig": 1 } }, "owner is daemon, expected root; group is daemon, expected root", { file: KUBECONFIG }],
  ["3.1.3", { chmod: { "etc/kubernetes/kubelet/config.json": 0o666 } }, "mode is 0666, expected 0644 or more restrictive", { file: EKS_CONFIG }],
  ["3.1.4", { chown: { "etc/kubernetes/kubelet/config.json": 1 } }, "owner is daemon, expected root", { file: EKS_CONFIG }],
  ["3.2.1", { kubeletConfig: { authentication: { anonymous: { enabled: true } } } }, "value is true, expected false", { file: EKS_CONFIG, key: "authentication.anonymous.enabled" }],
  ["3.2.2", { kubeletConfig: { authorization: { mode: "AlwaysAllow" } } }, "value is AlwaysAllow, expected not (contains AlwaysAllow)", { file: EKS_CONFIG, key: "authorization.mode" }],
  ["3.2.3", { kubeletConfig: { authentication: { x509: { clientCAFile: null } } } }, "value is (not set), expected set", { key: "authentication.x509.clientCAFile" }],
  // A flag in nodeadm's environment file wins over the config file.
  ["3.2.4", { flags: { "read-only-port": "10255" } }, "value is 10255, expected 0", { file: EKS_ENV, key: "--read-only-port" }],
  ["3.2.5", { kubeletConfig: { streamingConnectionIdleTimeout: "0s" } }, "value is 0s, expected not (one of [0, 0s, 0m0s, 0h0m0s])", { file: EKS_CONFIG, key: "streamingConnectionIdleTimeout" }],
  ["3.2.6", { kubeletConfig: { makeIPTablesUtilChains: false } }, "value is false, expected true", { file: EKS_CONFIG, key: "makeIPTablesUtilChains" }],
  ["3.2.7", { kubeletConfig: { eventRecordQPS: -1 } }, "value is -1, expected >= 0", { file: EKS_CONFIG, key: "eventRecordQPS" }],
  ["3.2.8", { kubeletConfig: { rotateCertificates: false } }, "value is false, expected true or not set", { file: EKS_CONFIG, key: "rotateCertificates" }],
  ["3.2.9", { kubeletConfig: { featureGates: { RotateKubeletServerCertificate: false } } }, "value is false, expected true", { file: EKS_CONFIG, key: "featureGates.RotateKubeletServerCertificate" }],
];

const AKS_ENV = "/etc/default/kubelet";
const AZURE = "/etc/kubernetes/azure.json";

// AKS runs the kubelet on flags only (no --config): every violation is a flag in KUBELET_FLAGS.
const AKS: Case[] = [
  ["3.1.1", { chmod: { "var/lib/kubelet/kubeconfig": 0o646 } }, "mode is 0646, expected 0644 or more restrictive", { file: KUBECONFIG }],
  ["3.1.2", { chown: { "var/lib/kubelet/kubeconfig": 1 } }, "owner is daemon, expected root", { file: KUBECONFIG }],
  ["3.1.3", { chmod: { "etc/kubernetes/azure.json": 0o666 } }, "mode is 0666, expected 0644 or more restrictive", { file: AZURE }],
  ["3.1.4", { chown: { "etc/kubernetes/azure.json": 1 } }, "owner is daemon, expected root", { file: AZURE }],
  ["3.2.1", { flags: { "anonymous-auth": "true" } }, "value is true, expected false", { file: AKS_ENV, key: "--anonymous-auth" }],
  // Removing the flag leaves the kubelet's flags-only default, AlwaysAllow.
  ["3.2.2", { flags: { "authorization-mode": null } }, "value is AlwaysAllow, expected not (contains AlwaysAllow)", { key: "authorization.mode", detail: "not set; kubelet default (flags only)" }],
  ["3.2.3", { flags: { "client-ca-file": null } }, "value is (not set), expected set", { key: "authentication.x509.clientCAFile" }],
  ["3.2.4", { flags: { "read-only-port": null } }, "value is 10255, expected 0", { key: "readOnlyPort", detail: "not set; kubelet default (flags only)" }],
  ["3.2.5", { flags: { "streaming-connection-idle-timeout": "0" } }, "value is 0, expected not (one of [0, 0s, 0m0s, 0h0m0s])", { file: AKS_ENV, key: "--streaming-connection-idle-timeout" }],
  ["3.2.6", { flags: { "make-iptables-util-chains": "false" } }, "value is false, expected true", { file: AKS_ENV, key: "--make-iptables-util-chains" }],
  ["3.2.7", { flags: { "event-qps": "-5" } }, "value is -5, expected >= 0", { file: AKS_ENV, key: "--event-qps" }],
  ["3.2.8", { flags: { "rotate-certificates": "false" } }, "value is false, expected true or not set", { file: AKS_ENV, key: "--rotate-certificates" }],
  ["3.2.9", { flags: { "feature-gates": "RotateKubeletServerCertificate=false" } }, "value is false, expected true", { file: AKS_ENV }],
];

const GKE_CONFIG = "/home/kubernetes/kubelet-config.yaml";

const GKE: Case[] = [
  ["3.1.1", { chmod: { "var/lib/kubelet/kubeconfig": 0o666 } }, "mode is 0666, expected 0644 or more restrictive", { file: KUBECONFIG }],
  ["3.1.2", { chown: { "var/lib/kubelet/kubeconfig": 1 } }, "owner is daemon, expected root", { file: KUBECONFIG }],
  ["3.1.3", { chmod: { "home/kubernetes/kubelet-config.yaml": 0o664 } }, "mode is 0664, expected 0644 or more restrictive", { file: GKE_CONFIG }],
  ["3.1.4", { chown: { "home/kubernetes/kubelet-config.yaml": 1 } }, "owner is daemon, expected root", { file: GKE_CONFIG }],
];

describe.each([
  ["cis-eks-node", eksNode, EKS],
  ["cis-aks-node", aksNode, AKS],
  ["cis-gke-node", gkeNode, GKE],
] as const)("%s", (pack, node, cases) => {
  const run = runner(pack);
  it.each(cases)("%s passes on the hardened node and fails with its violation", async (id, violation, message, evidence) => {
    const good = await run(id, node());
    expect([good.status, good.message]).toEqual(["pass", undefined]);
    const bad = await run(id, node(violation));
    expect(bad.status).toBe("fail");
    expect(bad.message).toContain(message);
    expect(bad.evidence).toContainEqual(expect.objectContaining(evidence));
  });

  it("a node of the platform whose kubelet cannot be resolved is an error, never a silent skip", async () => {
    for (const [id] of cases) {
      const r = await run(id, node({ omit: ["etc/systemd/system/kubelet.service"] }));
      expect(r.status).toBe("error");
      expect(r.message).toMatch(/^cannot tell whether the check applies: cannot determine present: the node runs (eks|aks|gke) .* but its kubelet could not be resolved/);
    }
  });
});

describe("the benchmarks' own exceptions", () => {
  it("EKS 3.2.8: an unset rotateCertificates passes ('not present or is set to true')", async () => {
    const r = await runner("cis-eks-node")("3.2.8", eksNode());
    expect([r.status, r.observed]).toEqual(["pass", "value=(not set)"]);
  });

  it("AKS 3.1.3/3.1.4 skip where there is no azure.json ('if test -e' in the benchmark's audit)", async () => {
    for (const id of ["3.1.3", "3.1.4"]) {
      const r = await runner("cis-aks-node")(id, aksNode({ omit: ["etc/kubernetes/azure.json"] }));
      expect([r.status, r.message]).toEqual(["skip", "no /etc/kubernetes/azure.json on this node"]);
    }
  });

  it("EKS 3.1.3/3.1.4 skip on a kubelet without --config; 3.1.1 fails when the named kubeconfig is missing", async () => {
    const noConfig = eksNode({ flags: { config: null } });
    const r = await runner("cis-eks-node")("3.1.3", noConfig);
    expect([r.status, r.message]).toEqual(["skip", "the kubelet runs without a --config file (kubelet has no --config file)"]);
    const missing = await runner("cis-eks-node")("3.1.1", eksNode({ omit: ["var/lib/kubelet/kubeconfig"] }));
    expect(missing.status).toBe("fail");
    expect(missing.message).toContain("exists is false, expected true");
  });
});
