/**
 * The CIS Kubernetes worker-node cases, shared by both editions' packs (v1.12.0:
 * cis-kubernetes-node; v2.0.1: cis-kubernetes-node-2.0 — section 4 is the same in both):
 * every check on a kubeadm-style node fixture whose kubelet version selects the edition.
 * Automated checks pass on the compliant node and fail with their violation (message and
 * evidence); manual checks are `manual` with the observed value; "if … exists" items skip
 * with the reason.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import type { Evidence } from "../../../src/probes/types.js";
import { BENCHMARKS_DIR, runCheckOn } from "../../helpers/check-fixture.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import { KUBEADM_DROPIN, KUBE_PROXY_PID, kubeadmNode, type KubeadmNodeOptions, expectPassThenViolation } from "../../helpers/kubeadm-node.js";

const DROPIN = "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf";
const CONFIG = "/var/lib/kubelet/config.yaml";

// Automated: [id, evidence the failing result must carry].
export const AUTOMATED: [string, Evidence][] = [
  ["4.1.1", { file: DROPIN }],
  ["4.1.2", { file: DROPIN }],
  ["4.1.5", { file: "/etc/kubernetes/kubelet.conf" }],
  ["4.1.6", { file: "/etc/kubernetes/kubelet.conf" }],
  ["4.1.9", { file: CONFIG }],
  ["4.1.10", { file: CONFIG }],
  ["4.2.1", { file: CONFIG, key: "authentication.anonymous.enabled" }],
  ["4.2.2", { file: CONFIG, key: "authorization.mode" }],
  ["4.2.3", { key: "authentication.x509.clientCAFile", detail: "not set by flag or config file" }],
  ["4.2.6", { file: CONFIG, key: "makeIPTablesUtilChains" }],
  ["4.2.10", { file: CONFIG, key: "rotateCertificates" }],
  ["4.3.1", { file: `/proc/${KUBE_PROXY_PID}/root/var/lib/kube-proxy/config.conf`, key: "metricsBindAddress" }],
];

/** Every case of section 4 against `pack`, on kubeadm nodes running kubelet `kubeletVersion`. */
export function kubernetesNodeSuite(pack: string, kubeletVersion: string): void {
  const packsDir = path.join(BENCHMARKS_DIR, pack);
  const run = (id: string, spec: FixtureSpec): Promise<CheckResult> => runCheckOn(`${pack}/${id}`, spec, { packsDir });
  const base: KubeadmNodeOptions = { kubeletVersion };
  const node = (o: KubeadmNodeOptions = {}): FixtureSpec => kubeadmNode({ ...base, ...o });

  describe(`${pack}: automated checks`, () => {
    it.each(AUTOMATED)("%s passes on the compliant kubeadm node and fails with its violation", async (id, evidence) => {
      await expectPassThenViolation(run, pack, id, evidence, { base, violationsOf: "cis-kubernetes-node" });
    });
  });

  // Manual: [id, compliant options, observed, other options, observed].
  const MANUAL: [string, KubeadmNodeOptions, string, KubeadmNodeOptions, string][] = [
    ["4.1.3", { proxyOnHost: true }, "mode=0600", { proxyOnHost: true, chmod: { "var/lib/kube-proxy/kubeconfig.conf": 0o644 } }, "mode=0644"],
    ["4.1.4", { proxyOnHost: true }, "owner=root, group=root", { proxyOnHost: true, chown: { "var/lib/kube-proxy/kubeconfig.conf": 1 } }, "owner=daemon, group=daemon"],
    ["4.1.7", {}, "exists=true, mode=0644", { chmod: { "etc/kubernetes/pki/ca.crt": 0o666 } }, "exists=true, mode=0666"],
    ["4.1.8", {}, "exists=true, owner=root, group=root", { chown: { "etc/kubernetes/pki/ca.crt": 1 } }, "exists=true, owner=daemon, group=daemon"],
    ["4.2.4", {}, "value=0", { kubeletConfig: { readOnlyPort: 10255 } }, "value=10255"],
    ["4.2.5", {}, "value=5m0s", { kubeletConfig: { streamingConnectionIdleTimeout: "0s" } }, "value=0s"],
    [
      "4.2.7",
      {},
      "value=(not set)",
      { files: { "etc/default/kubelet": "KUBELET_EXTRA_ARGS=--hostname-override=node-a\n" } },
      "value=node-a",
    ],
    ["4.2.8", {}, "value=50", { kubeletConfig: { eventRecordQPS: -1 } }, "value=-1"],
    [
      "4.2.9",
      {},
      "config.tlsCertFile=/var/lib/kubelet/pki/kubelet.crt",
      { kubeletConfig: { tlsCertFile: null, tlsPrivateKeyFile: null } },
      "config.tlsCertFile=(not set)",
    ],
    ["4.2.11", {}, "value=true", { kubeletConfig: { featureGates: { RotateKubeletServerCertificate: false } } }, "value=false"],
    [
      "4.2.12",
      {},
      'value=["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"',
      { kubeletConfig: { tlsCipherSuites: ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"] } },
      'value=["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256","TLS_RSA_WITH_AES_128_CBC_SHA"]',
    ],
    ["4.2.13", {}, "value=4096", { kubeletConfig: { podPidsLimit: null } }, "value=-1"],
    ["4.2.14", {}, "value=true", { kubeletConfig: { seccompDefault: null } }, "value=false"],
  ];

  describe(`${pack}: manual checks show the observed value`, () => {
    it.each(MANUAL)("%s", async (id, good, goodObserved, bad, badObserved) => {
      const a = await run(id, node(good));
      expect(a.status).toBe("manual");
      expect(a.observed).toContain(goodObserved);
      const b = await run(id, node(bad));
      expect(b.status).toBe("manual");
      expect(b.observed).toContain(badObserved);
    });
  });

  describe(`${pack}: where the benchmark says 'if … exists', and other nodes`, () => {
    it("4.1.3/4.1.4 skip on kubeadm: kube-proxy's kubeconfig lives only inside its pod", async () => {
      for (const id of ["4.1.3", "4.1.4"]) {
        const r = await run(id, node());
        expect(r.status).toBe("skip");
        expect(r.message).toContain("no kube-proxy kubeconfig file on this host");
        expect(r.message).toContain("/var/lib/kube-proxy/kubeconfig.conf is inside its container");
      }
    });

    it("4.1.3 and 4.3.1 skip without kube-proxy", async () => {
      const spec = node({ omit: [`proc/${KUBE_PROXY_PID}/cmdline`] });
      expect((await run("4.1.3", spec)).message).toContain("no kube-proxy on this node");
      const r = await run("4.3.1", spec);
      expect(r.status).toBe("skip");
      expect(r.message).toBe("no kube-proxy on this node (no kube-proxy process and no static pod manifest)");
    });

    it("4.3.1 reads a kube-proxy flag over its config file", async () => {
      const r = await run("4.3.1", node({ proxyFlags: { "metrics-bind-address": "0.0.0.0:10249" } }));
      expect(r.status).toBe("fail");
      expect(r.evidence).toContainEqual(expect.objectContaining({ pid: KUBE_PROXY_PID, key: "--metrics-bind-address" }));
    });

    it("4.2.10 'not set to false': unset passes as the benchmark's audit says (not present, or true), like the EKS and AKS packs; false fails", async () => {
      const unset = await run("4.2.10", node({ kubeletConfig: { rotateCertificates: null } }));
      expect([unset.status, unset.message]).toEqual(["pass", undefined]);
      const off = await run("4.2.10", node({ kubeletConfig: { rotateCertificates: null }, files: { "etc/default/kubelet": "KUBELET_EXTRA_ARGS=--rotate-certificates=false\n" } }));
      expect([off.status, off.message]).toEqual(["fail", "value is false, expected true or not set"]);
    });

    it("a kubelet without --config: 4.1.9/4.1.10 skip, and 4.2.1/4.2.2 fail on the legacy flag defaults", async () => {
      const spec = node({
        files: { "etc/systemd/system/kubelet.service.d/10-kubeadm.conf": { content: KUBEADM_DROPIN.replace("--config=/var/lib/kubelet/config.yaml", ""), mode: 0o600 } },
      });
      for (const id of ["4.1.9", "4.1.10"]) {
        const r = await run(id, spec);
        expect(r.status).toBe("skip");
        expect(r.message).toBe("the kubelet runs without a --config file (kubelet has no --config file)");
      }
      const anon = await run("4.2.1", spec);
      expect(anon.status).toBe("fail");
      expect(anon.message).toBe("value is true, expected false");
      expect(anon.evidence).toContainEqual(expect.objectContaining({ detail: "not set; kubelet default (flags only)" }));
      expect((await run("4.2.2", spec)).message).toBe("value is AlwaysAllow, expected not (contains AlwaysAllow)");
      expect((await run("4.2.4", spec)).observed).toBe("value=10255");
    });

    it("a kubeconfig the kubelet names but that is missing fails 4.1.5 (required), not skip", async () => {
      const r = await run("4.1.5", node({ omit: ["etc/kubernetes/kubelet.conf"] }));
      expect(r.status).toBe("fail");
      expect(r.message).toContain("exists is false, expected true");
    });

    it("a node without a kubelet skips every kubelet check with the reason", async () => {
      for (const id of ["4.1.1", "4.1.9", "4.2.1", "4.2.14"]) {
        const r = await run(id, { "etc/os-release": "ID=debian\n" });
        expect(r.status).toBe("skip");
        expect(r.message).toBe("no kubelet on this node (no kubelet process and no kubelet.service unit)");
      }
    });
  });
}
