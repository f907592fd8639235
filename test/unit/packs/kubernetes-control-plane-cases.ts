/**
 * The control-plane cases, shared by both editions' packs (CIS Kubernetes v1.12.0:
 * kubernetes-control-plane; v2.0.1: kubernetes-control-plane-2.0 — sections 1-3 keep their
 * numbers and audits): every check on the kubeadm control-plane fixture (static pod
 * manifests with hostPath volumes) whose kubelet version selects the edition. Automated
 * checks pass on the compliant node and fail with their violation; manual ones show the
 * observed value; a worker skips them all.
 *
 * Run against v1.12.0 (kubernetes-control-plane.test.ts). The v2.0.1 pack holds the same
 * items (kubernetes-benchmark-selection.test.ts compares them item by item) and every one of
 * its automated checks passes and fails on the kubelet-1.34 node in
 * kubeadm-node-violations.test.ts, so this suite is not run twice.
 */
import path from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import type { Evidence } from "../../../src/probes/types.js";
import { BENCHMARKS_DIR, runCheckOn } from "../../helpers/check-fixture.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import { APISERVER_FLAGS, KUBEADM_VIOLATIONS, STRONG_CIPHERS, kubeadmNode, type KubeadmNodeOptions, expectPassThenViolation } from "../../helpers/kubeadm-node.js";

const M = "/etc/kubernetes/manifests";
const API = `${M}/kube-apiserver.yaml`;
const KCM = `${M}/kube-controller-manager.yaml`;
const SCHED = `${M}/kube-scheduler.yaml`;
const ETCD = `${M}/etcd.yaml`;

export const AUTOMATED: [string, Evidence][] = [
  ["1.1.1", { file: API }],
  ["1.1.2", { file: API }],
  ["1.1.3", { file: `${M}/kube-controller-manager.yaml` }],
  ["1.1.4", { file: `${M}/kube-controller-manager.yaml` }],
  ["1.1.5", { file: `${M}/kube-scheduler.yaml` }],
  ["1.1.6", { file: `${M}/kube-scheduler.yaml` }],
  ["1.1.7", { file: `${M}/etcd.yaml` }],
  ["1.1.8", { file: `${M}/etcd.yaml` }],
  ["1.1.11", { file: "/var/lib/etcd" }],
  ["1.1.12", { file: "/var/lib/etcd" }],
  ["1.1.13", { file: "/etc/kubernetes/super-admin.conf" }],
  ["1.1.14", { file: "/etc/kubernetes/admin.conf" }],
  ["1.1.15", { file: "/etc/kubernetes/scheduler.conf" }],
  ["1.1.16", { file: "/etc/kubernetes/scheduler.conf" }],
  ["1.1.17", { file: "/etc/kubernetes/controller-manager.conf" }],
  ["1.1.18", { file: "/etc/kubernetes/controller-manager.conf" }],
  ["1.1.19", { file: "/etc/kubernetes/pki/etcd/server.key" }],
  ["1.2.2", { file: API, key: "--token-auth-file" }],
  // Two flags: the evidence is the manifest (the message names the missing flag).
  ["1.2.4", { file: API, detail: "static pod manifest" }],
  ["1.2.5", { key: "--kubelet-certificate-authority", detail: "not set on the manifest command" }],
  ["1.2.6", { file: API, key: "--authorization-mode" }],
  ["1.2.7", { file: API, key: "--authorization-mode" }],
  ["1.2.8", { file: API, key: "--authorization-mode" }],
  ["1.2.10", { file: API, key: "--enable-admission-plugins" }],
  ["1.2.12", { file: API, key: "--disable-admission-plugins" }],
  ["1.2.13", { file: API, key: "--disable-admission-plugins" }],
  ["1.2.14", { file: API, key: "--enable-admission-plugins" }],
  ["1.2.15", { key: "--profiling", detail: "not set; kube-apiserver default" }],
  ["1.2.16", { key: "--audit-log-path" }],
  ["1.2.17", { file: API, key: "--audit-log-maxage" }],
  ["1.2.18", { file: API, key: "--audit-log-maxbackup" }],
  ["1.2.19", { key: "--audit-log-maxsize" }],
  ["1.2.21", { file: API, key: "--service-account-lookup" }],
  ["1.2.22", { key: "--service-account-key-file" }],
  ["1.2.23", { file: API, detail: "static pod manifest" }],
  ["1.2.24", { file: API, detail: "static pod manifest" }],
  ["1.2.25", { key: "--client-ca-file" }],
  ["1.2.26", { key: "--etcd-cafile" }],
  ["1.2.30", { file: API, key: "--service-account-extend-token-expiration" }],
  ["1.3.2", { key: "--profiling", detail: "not set; kube-controller-manager default" }],
  ["1.3.3", { file: KCM, key: "--use-service-account-credentials" }],
  ["1.3.4", { key: "--service-account-private-key-file", detail: "not set on the manifest command" }],
  ["1.3.5", { key: "--root-ca-file" }],
  ["1.3.6", { file: KCM, key: "--feature-gates" }],
  ["1.3.7", { file: KCM, key: "--bind-address" }],
  ["1.4.1", { file: SCHED, key: "--profiling" }],
  ["1.4.2", { file: SCHED, key: "--bind-address" }],
  ["2.1", { file: ETCD, detail: "static pod manifest" }],
  ["2.2", { file: ETCD, key: "--client-cert-auth" }],
  ["2.3", { file: ETCD, key: "--auto-tls" }],
  ["2.4", { file: ETCD, detail: "static pod manifest" }],
  ["2.5", { key: "--peer-client-cert-auth", detail: "not set; etcd default" }],
  ["2.6", { file: ETCD, key: "--peer-auto-tls" }],
  ["NW-K8S-1", { file: "/etc/kubernetes/audit/policy.yaml" }],
  // The manifest's /etc/kubernetes/enc is the host's /etc/kubernetes/encryption.
  ["NW-K8S-2", { file: "/etc/kubernetes/encryption/encryption.yaml" }],
];

/** Every control-plane case against `pack`, on kubeadm nodes running kubelet `kubeletVersion`. */
export function controlPlaneSuite(pack: string, kubeletVersion: string): void {
  const packsDir = path.join(BENCHMARKS_DIR, pack);
  const run = (id: string, spec: FixtureSpec): Promise<CheckResult> => runCheckOn(`${pack}/${id}`, spec, { packsDir });
  const base: KubeadmNodeOptions = { kubeletVersion };
  const node = (o: KubeadmNodeOptions = {}): FixtureSpec => kubeadmNode({ ...base, ...o });

  describe(`${pack}: automated checks`, () => {
    it.each(AUTOMATED)("%s passes on the compliant kubeadm node and fails with its violation", async (id, evidence) => {
      await expectPassThenViolation(run, pack, id, evidence, { base, violationsOf: "kubernetes-control-plane" });
    });

    it("1.2.17 evidence names the manifest line of the flag", async () => {
      const r = await run("1.2.17", node({ apiserverFlags: { "audit-log-maxage": "7" } }));
      const ev = r.evidence.find((e) => e.key === "--audit-log-maxage");
      expect(ev?.line).toBeGreaterThan(1);
    });

    it("NW-K8S-1 fails when --audit-policy-file is not set, saying so", async () => {
      const r = await run("NW-K8S-1", node({ apiserverFlags: { "audit-policy-file": null } }));
      expect(r.status).toBe("fail");
      expect(r.message).toContain("exists is false, expected true");
      expect(r.evidence).toContainEqual({ detail: "kube-apiserver runs without --audit-policy-file" });
    });

    it("NW-K8S-1 fails on a policy file that is not YAML (error: cannot tell the document)", async () => {
      const r = await run("NW-K8S-1", node({ files: { "etc/kubernetes/audit/policy.yaml": { content: "rules: [\n", mode: 0o600 } } }));
      expect(r.status).toBe("error");
      expect(r.message).toContain("cannot determine document");
    });

    it("NW-K8S-2 fails without --encryption-provider-config, and when the file lives only in the container", async () => {
      const unset = await run("NW-K8S-2", node({ apiserverFlags: { "encryption-provider-config": null } }));
      expect(unset.status).toBe("fail");
      expect(unset.evidence).toContainEqual({ detail: "kube-apiserver runs without --encryption-provider-config" });
      const inPod = await run("NW-K8S-2", node({ apiserverFlags: { "encryption-provider-config": "/opt/enc.yaml" } }));
      expect(inPod.status).toBe("fail");
      expect(inPod.evidence[0]?.detail).toContain("/opt/enc.yaml is inside the kube-apiserver container (no volumeMount holds it");
    });

    it("a running kube-apiserver's flags win over its manifest", async () => {
      const cmd = ["kube-apiserver", ...Object.entries({ ...APISERVER_FLAGS, "audit-log-maxage": "3" }).map(([k, v]) => `--${k}=${v}`)];
      const r = await run("1.2.17", node({ files: { "proc/777/cmdline": cmd.join("\0") + "\0" } }));
      expect(r.status).toBe("fail");
      expect(r.message).toBe("value is 3, expected >= 30");
      expect(r.evidence).toContainEqual(expect.objectContaining({ pid: 777, key: "--audit-log-maxage" }));
    });
  });

  const MANUAL: [string, KubeadmNodeOptions, string, KubeadmNodeOptions, string][] = [
    ["1.1.9", { chmod: { "etc/cni/net.d/10-containerd-net.conflist": 0o600 } }, "matches=0 of 1 not matching", {}, "matches=1 of 1 not matching: /etc/cni/net.d/10-containerd-net.conflist"],
    ["1.1.10", {}, "matches=0 of 1 not matching", { chown: { "etc/cni/net.d/10-containerd-net.conflist": 1 } }, "matches=1 of 1 not matching: /etc/cni/net.d/10-containerd-net.conflist"],
    ["1.1.20", {}, "matches=0 of 4 not matching", { chmod: { "etc/kubernetes/pki/ca.crt": 0o664 } }, "matches=1 of 4 not matching: /etc/kubernetes/pki/ca.crt"],
    ["1.1.21", {}, "matches=0 of 4 not matching", { chmod: { "etc/kubernetes/pki/ca.key": 0o640 } }, "matches=1 of 4 not matching: /etc/kubernetes/pki/ca.key"],
    ["1.2.1", { apiserverFlags: { "anonymous-auth": "false" } }, "value=false", {}, "value=true"],
    ["1.2.3", {}, "value=NodeRestriction,AlwaysPullImages,DenyServiceExternalIPs", { apiserverFlags: { "enable-admission-plugins": "AlwaysPullImages,NodeRestriction" } }, "value=AlwaysPullImages,NodeRestriction"],
    ["1.2.9", { apiserverFlags: { "enable-admission-plugins": "NodeRestriction,EventRateLimit" } }, "value=NodeRestriction,EventRateLimit", {}, "value=NodeRestriction,AlwaysPullImages,DenyServiceExternalIPs"],
    ["1.2.11", {}, "value=NodeRestriction,AlwaysPullImages", { apiserverFlags: { "enable-admission-plugins": "NodeRestriction,DenyServiceExternalIPs" } }, "value=NodeRestriction,DenyServiceExternalIPs"],
    // Any timeout may be appropriate: the default (unset) and a longer one, both shown.
    ["1.2.20", {}, "value=60s", { apiserverFlags: { "request-timeout": "300s" } }, "value=300s"],
    ["1.2.27", {}, "value=/etc/kubernetes/enc/encryption.yaml", { apiserverFlags: { "encryption-provider-config": null } }, "value=(not set)"],
    [
      "1.2.28",
      {},
      "document.resources=0 of 1 not matching",
      KUBEADM_VIOLATIONS["kubernetes-control-plane/NW-K8S-2"]?.options ?? {},
      "document.resources=1 of 1 not matching",
    ],
    ["1.2.29", {}, `value=${STRONG_CIPHERS.join(",")}`, { apiserverFlags: { "tls-cipher-suites": "TLS_RSA_WITH_AES_128_CBC_SHA" } }, "value=TLS_RSA_WITH_AES_128_CBC_SHA"],
    ["1.3.1", {}, "value=10", { controllerManagerFlags: { "terminated-pod-gc-threshold": null } }, "value=(not set)"],
    ["2.7", {}, "value=/etc/kubernetes/pki/etcd/ca.crt", { etcdFlags: { "trusted-ca-file": null } }, "value=(not set)"],
    ["3.2.1", {}, "value=/etc/kubernetes/audit/policy.yaml", { apiserverFlags: { "audit-policy-file": null } }, "value=(not set)"],
    [
      "3.2.2",
      {},
      'document.rules=[{"level":"None"',
      { files: { "etc/kubernetes/audit/policy.yaml": { content: stringify({ apiVersion: "audit.k8s.io/v1", kind: "Policy", rules: [{ level: "Metadata" }] }), mode: 0o600 } } },
      'document.rules=[{"level":"Metadata"}]',
    ],
  ];

  /**
   * Unset flags, as CIS and kube-bench read them: a default that satisfies CIS passes (kube-bench's
   * `set: false` alternative), one that does not fails with the default shown.
   */
  const UNSET: [string, KubeadmNodeOptions, "pass" | "fail", string?][] = [
    ["1.2.6", { apiserverFlags: { "authorization-mode": null } }, "fail", "value is AlwaysAllow, expected not (contains AlwaysAllow)"],
    ["1.2.7", { apiserverFlags: { "authorization-mode": null } }, "fail", "value is AlwaysAllow, expected contains Node"],
    ["1.2.10", { apiserverFlags: { "enable-admission-plugins": null } }, "pass"],
    ["1.2.12", {}, "pass"],
    ["1.2.12", { apiserverFlags: { "disable-admission-plugins": "PodSecurity" } }, "pass"],
    ["1.2.14", { apiserverFlags: { "enable-admission-plugins": null } }, "fail", "value is (not set), expected contains NodeRestriction"],
    ["1.2.21", { apiserverFlags: { "service-account-lookup": null } }, "pass"],
    ["1.2.30", { apiserverFlags: { "service-account-extend-token-expiration": null } }, "fail", "value is true, expected false"],
    ["1.3.3", { controllerManagerFlags: { "use-service-account-credentials": null } }, "fail", "value is false, expected not (= false)"],
    ["1.3.6", { controllerManagerFlags: { "feature-gates": null } }, "pass"],
    ["1.3.6", { controllerManagerFlags: { "feature-gates": "RotateKubeletServerCertificate=true,SomeGate=false" } }, "pass"],
    // kube-bench passes an unset --bind-address; the default binds all interfaces, and CIS asks 127.0.0.1.
    ["1.3.7", { controllerManagerFlags: { "bind-address": null } }, "fail", "value is (not set), expected 127.0.0.1"],
    ["1.4.1", { schedulerFlags: { profiling: null } }, "fail", "value is true, expected false"],
    ["1.4.2", { schedulerFlags: { "bind-address": null } }, "fail", "value is (not set), expected 127.0.0.1"],
    ["2.2", { etcdFlags: { "client-cert-auth": null } }, "fail", "value is false, expected true"],
    ["2.3", { etcdFlags: { "auto-tls": "false" } }, "pass"],
    ["2.6", { etcdFlags: { "peer-auto-tls": "false" } }, "pass"],
  ];

  describe(`${pack}: unset flags and their defaults`, () => {
    it.each(UNSET)("%s on %j: %s", async (id, options, status, message) => {
      const r = await run(id, node(options));
      expect([r.status, r.message]).toEqual([status, message]);
    });
  });

  describe(`${pack}: manual checks show the observed value`, () => {
    it.each(MANUAL)("%s", async (id, good, goodObserved, bad, badObserved) => {
      const a = await run(id, node(good));
      expect(a.status).toBe("manual");
      expect(a.observed).toContain(goodObserved);
      const b = await run(id, node(bad));
      expect(b.status).toBe("manual");
      expect(b.observed).toContain(badObserved);
    });

    it("3.1.1-3.1.3 (user authentication) are left to a person: no audit", async () => {
      for (const id of ["3.1.1", "3.1.2", "3.1.3"]) {
        const r = await run(id, node());
        expect([r.status, r.message]).toEqual(["manual", "needs a person to judge (no automated audit)"]);
      }
    });

    it("1.1.19-1.1.21 skip on a control plane whose certificates are not under /etc/kubernetes/pki", async () => {
      const omit = ["ca.crt", "ca.key", "etcd/ca.crt", "etcd/server.key"].map((f) => `etc/kubernetes/pki/${f}`);
      for (const id of ["1.1.19", "1.1.20", "1.1.21"]) {
        const r = await run(id, node({ omit }));
        expect([r.status, r.message]).toEqual(["skip", "no /etc/kubernetes/pki on this node (not present: /etc/kubernetes/pki)"]);
      }
    });

    it("1.2.28 and 3.2.2 skip when there is no file to review", async () => {
      const r = await run("3.2.2", node({ apiserverFlags: { "audit-policy-file": null } }));
      expect(r.status).toBe("skip");
      expect(r.message).toBe("no audit policy file (see 3.2.1) (kube-apiserver runs without --audit-policy-file)");
    });
  });

  describe(`${pack}: a worker node`, () => {
    const worker = (): FixtureSpec => {
      const spec = node();
      for (const k of Object.keys(spec)) if (k.startsWith("etc/kubernetes/manifests/")) delete spec[k];
      return spec;
    };
    it.each(["1.1.1", "1.1.13", "1.2.1", "1.2.4", "1.2.15", "1.2.16", "1.2.27", "1.2.30", "3.2.1", "NW-K8S-1", "NW-K8S-2"])("%s skips: no kube-apiserver", async (id) => {
      const r = await run(id, worker());
      expect(r.status).toBe("skip");
      expect(r.message).toBe("no kube-apiserver on this node (no process and no static pod manifest)");
    });
    it.each([
      ["1.1.7", "etcd"],
      ["1.1.11", "etcd"],
      ["1.1.15", "kube-scheduler"],
      ["1.1.17", "kube-controller-manager"],
      ["1.3.2", "kube-controller-manager"],
      ["1.3.7", "kube-controller-manager"],
      ["1.4.1", "kube-scheduler"],
      ["2.1", "etcd"],
      ["2.7", "etcd"],
    ])("%s skips: no %s", async (id, c) => {
      const r = await run(id, worker());
      expect(r.message).toBe(`no ${c} on this node (no process and no static pod manifest)`);
    });

    it("1.1.11 skips when etcd's data dir is not a host path", async () => {
      const r = await run("1.1.11", node({ etcdFlags: { "data-dir": "/data" } }));
      expect(r.status).toBe("skip");
      expect(r.message).toContain("/data is inside the etcd container");
    });
  });
}
