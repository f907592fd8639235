import fc from "fast-check";
import { stringify } from "yaml";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import fileProbe from "../../../src/probes/file.js";
import k8sComponent, { componentArgs, componentInfo, hostPathOf } from "../../../src/probes/k8s-component.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { hostPathFor, parseStaticPodManifest } from "../../../src/probes/parse/static-pod.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot, probeContext, type FixtureSpec } from "../../helpers/fixture-root.js";
import { KUBE_PROXY_PID, kubeadmNode, staticPod } from "../../helpers/kubeadm-node.js";
import { loadYaml } from "../../../src/util/yaml.js";

afterAll(cleanupFixtures);

probeConformance(k8sComponent, {
  params: [{ component: "kube-apiserver" }, { component: "etcd", setting: { flag: "client-cert-auth" } }],
  mayOmit: {
    ...Object.fromEntries(["source", "pid", "manifest", "containerized", "configFile", "config", "files"].map((f) => [f, "no such component: nothing identifies one, and present is false"])),
    value: "setting fields are set only when the params name a setting and the component is found",
    valueSource: "setting fields are set only when the params name a setting and the component is found",
    flag: "setting fields are set only when the params name a setting and the component is found",
    configKey: "setting fields are set only when the params name a setting and the component is found",
  },
  // No component in an empty root: present is false, a fact read from files.
  offline: {},
});

async function ctxFor(spec: FixtureSpec): Promise<ProbeContext> {
  return probeContext(await fixtureRoot(spec));
}
const collect = async (ctx: ProbeContext, raw: Record<string, unknown>) => k8sComponent.collect(ctx, k8sComponent.params.parse(raw));

describe("k8s-component: argv recognition", () => {
  it.each<[string[], string, number | null]>([
    [["/usr/local/bin/kube-apiserver", "--x=1"], "kube-apiserver", 1],
    [["kube-proxy"], "kube-proxy", 1],
    [["/hyperkube", "kube-scheduler", "--v=2"], "kube-scheduler", 2],
    [["hyperkube", "proxy"], "kube-proxy", 2],
    [["hyperkube", "apiserver"], "kube-apiserver", 2],
    [["etcdctl", "get"], "etcd", null],
    [["/usr/bin/kube-apiserver-wrapper"], "kube-apiserver", null],
    [[], "etcd", null],
  ])("%j runs %s → %s", (argv, c, offset) => {
    const r = componentArgs(argv, c as "etcd");
    expect(r === null ? null : r.offset).toBe(offset);
  });
});

describe("k8s-component: static pod manifests", () => {
  // The parsers are synchronous: their callers await loadYaml() first (src/util/yaml.ts).
  beforeEach(async () => {
    await loadYaml();
  });
  it("reads command + args with their lines, and hostPath mounts", () => {
    const text = staticPod("etcd", ["etcd", "--data-dir=/var/lib/etcd"], [{ name: "etcd-data", mountPath: "/var/lib/etcd", hostPath: "/srv/etcd" }]);
    const m = parseStaticPodManifest(text.replace("      image:", "      args: [\"--name=cp1\"]\n      image:"), "etcd.yaml");
    expect(m.argv).toEqual(["etcd", "--data-dir=/var/lib/etcd", "--name=cp1"]);
    expect(m.lines.every((l) => l > 1)).toBe(true);
    expect(m.mounts).toEqual([{ volume: "etcd-data", mountPath: "/var/lib/etcd", hostPath: "/srv/etcd" }]);
    expect(m.kind).toBe("Pod");
    expect(m.problems).toEqual([]);
  });

  it.each([
    ["not: [yaml", "invalid YAML"],
    ["- a\n- b\n", "not a pod manifest"],
    ["kind: Pod\nspec: {}\n", "no spec.containers[0]"],
    ["kind: Pod\nspec:\n  containers:\n  - command: kube-apiserver\n", "command is not a list"],
  ])("records a problem for %j", (text, problem) => {
    const m = parseStaticPodManifest(text, "x.yaml");
    expect(m.argv).toEqual([]);
    expect(m.problems[0]?.message).toContain(problem);
  });

  it("maps container paths through the deepest hostPath mount", () => {
    const mounts = [
      { volume: "a", mountPath: "/etc/kubernetes", hostPath: "/etc/kubernetes" },
      { volume: "b", mountPath: "/etc/kubernetes/enc", hostPath: "/srv/enc" },
      { volume: "c", mountPath: "/etc/kubernetes/cm" },
      { volume: "d", mountPath: "/etc/kubernetes/x.conf", hostPath: "/srv/x.conf" },
    ];
    expect(hostPathFor(mounts, "/etc/kubernetes/enc/e.yaml")).toEqual({ path: "/srv/enc/e.yaml" });
    expect(hostPathFor(mounts, "/etc/kubernetes/pki/ca.crt")).toEqual({ path: "/etc/kubernetes/pki/ca.crt" });
    expect(hostPathFor(mounts, "/etc/kubernetes/x.conf")).toEqual({ path: "/srv/x.conf" });
    expect(hostPathFor(mounts, "/etc/kubernetes/encx")).toEqual({ path: "/etc/kubernetes/encx" });
    expect(hostPathFor(mounts, "/etc/kubernetes/cm/k")).toEqual({ inContainer: "volume c is not a hostPath volume" });
    expect(hostPathFor(mounts, "/opt/x")).toEqual({ inContainer: "no volumeMount holds it" });
  });

  const flagName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
  const flagValue = fc.string({ maxLength: 40 }).filter((v) => !v.includes("\0"));
  it("property: flags written into a manifest's command/args come back as the same flags", () => {
    fc.assert(
      fc.property(fc.dictionary(flagName, flagValue, { maxKeys: 12 }), fc.nat({ max: 12 }), (flags, split) => {
        const tokens = Object.entries(flags).map(([k, v]) => `--${k}=${v}`);
        const cut = Math.min(split, tokens.length);
        const pod = { apiVersion: "v1", kind: "Pod", spec: { containers: [{ name: "c", command: ["kube-apiserver", ...tokens.slice(0, cut)], args: tokens.slice(cut) }] } };
        const m = parseStaticPodManifest(stringify(pod), "p.yaml");
        expect(m.problems).toEqual([]);
        expect(m.argv).toEqual(["kube-apiserver", ...tokens]);
        expect(m.lines).toHaveLength(m.argv.length);
      }),
      { numRuns: 300 },
    );
  });

  it("property: never throws on arbitrary or mutated text", () => {
    const sample = staticPod("kube-apiserver", ["kube-apiserver", "--a=b"], [{ name: "v", mountPath: "/a", hostPath: "/b" }]);
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.tuple(fc.nat({ max: sample.length }), fc.string({ maxLength: 8 })).map(([i, s]) => sample.slice(0, i) + s + sample.slice(i + 1))),
        (text) => {
          const m = parseStaticPodManifest(text, "f.yaml");
          expect(Array.isArray(m.argv)).toBe(true);
          expect(m.argv.every((a) => typeof a === "string")).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe("k8s-component: probe", () => {
  it("a static pod (no process): flags from the manifest, files mapped to host paths", async () => {
    const ctx = await ctxFor(kubeadmNode());
    const f = await collect(ctx, { component: "kube-apiserver" });
    expect(f.value).toMatchObject({
      present: true,
      source: "manifest",
      manifest: "/etc/kubernetes/manifests/kube-apiserver.yaml",
      flags: { "audit-log-maxage": "30" },
      files: { "encryption-provider-config": "/etc/kubernetes/encryption/encryption.yaml", "audit-policy-file": "/etc/kubernetes/audit/policy.yaml" },
    });
    const s = await collect(ctx, { component: "kube-apiserver", setting: { flag: "audit-log-maxage" } });
    expect(s.value).toMatchObject({ value: "30", valueSource: "flag" });
    expect(s.evidence[0]).toMatchObject({ file: "/etc/kubernetes/manifests/kube-apiserver.yaml", key: "--audit-log-maxage" });
  });

  it("kube-proxy in a pod: config read through /proc/<pid>/root; its kubeconfig is not a host file", async () => {
    const ctx = await ctxFor(kubeadmNode());
    const info = await componentInfo(ctx, "kube-proxy");
    expect(info).toMatchObject({ present: true, source: "process", pid: KUBE_PROXY_PID, containerized: true, configFile: "/var/lib/kube-proxy/config.conf" });
    expect(info.configReadFrom).toBe(`/proc/${KUBE_PROXY_PID}/root/var/lib/kube-proxy/config.conf`);
    expect(info.files.kubeconfig).toBeUndefined();
    expect(info.fileNotes.kubeconfig).toContain("inside its container");
    const s = await collect(ctx, { component: "kube-proxy", setting: { flag: "metrics-bind-address", config: "metricsBindAddress", default: "127.0.0.1:10249" } });
    // kubeadm's empty metricsBindAddress is the zero value: the default applies.
    expect(s.value).toMatchObject({ value: "127.0.0.1:10249", valueSource: "default" });
  });

  it("kube-proxy on the host: kubeconfig from the config file's clientConnection.kubeconfig", async () => {
    const ctx = await ctxFor(kubeadmNode({ proxyOnHost: true, proxyConfig: { metricsBindAddress: "0.0.0.0:10249" } }));
    const info = await componentInfo(ctx, "kube-proxy");
    expect(info.containerized).toBe(false);
    expect(info.files.kubeconfig).toBe("/var/lib/kube-proxy/kubeconfig.conf");
    const s = await collect(ctx, { component: "kube-proxy", setting: { flag: "metrics-bind-address", config: "metricsBindAddress" } });
    expect(s.value).toMatchObject({ value: "0.0.0.0:10249", valueSource: "config" });
    expect(s.evidence[0]).toMatchObject({ file: "/var/lib/kube-proxy/config.conf", key: "metricsBindAddress" });
  });

  it("a manifest under another name in the kubelet's staticPodPath is found by its command", async () => {
    const spec = kubeadmNode({ kubeletConfig: { staticPodPath: "/srv/pods" } });
    const text = spec["etc/kubernetes/manifests/etcd.yaml"];
    for (const k of Object.keys(spec)) if (k.startsWith("etc/kubernetes/manifests/")) delete spec[k];
    spec["srv/pods/my-etcd.yml"] = text as string | { content: string };
    const ctx = await ctxFor(spec);
    const info = await componentInfo(ctx, "etcd");
    expect(info).toMatchObject({ present: true, manifest: "/srv/pods/my-etcd.yml", files: { "data-dir": "/var/lib/etcd" } });
    expect((await componentInfo(ctx, "kube-apiserver")).present).toBe(false);
  });

  it("absent: present false with the reason, and unset settings", async () => {
    const ctx = await ctxFor({ "etc/os-release": "ID=debian\n" });
    const f = await collect(ctx, { component: "etcd", setting: { flag: "data-dir" } });
    expect(f.value).toMatchObject({ present: false, source: "none", flag: "--data-dir" });
    expect(f.evidence[0]?.detail).toBe("no etcd: no process and no static pod manifest");
  });

  it("hostPathOf: a host process's paths are host paths", () => {
    expect(hostPathOf({ component: "etcd", mounts: [], source: "process", containerized: false }, "data")).toEqual({ path: "/data" });
    expect(hostPathOf({ component: "etcd", mounts: [], source: "process", containerized: true }, "/d")).toHaveProperty("note");
  });

  it("file probe pathFrom: a component's flag file, its manifest, and the note when there is none", async () => {
    const ctx = await ctxFor(kubeadmNode());
    const run = (raw: Record<string, unknown>) => fileProbe.collect(ctx, fileProbe.params.parse(raw));
    const enc = await run({ pathFrom: { component: "kube-apiserver", flag: "encryption-provider-config" }, format: "yaml", document: true });
    expect(enc.value).toMatchObject({ path: "/etc/kubernetes/encryption/encryption.yaml", exists: true, document: { kind: "EncryptionConfiguration" } });
    const man = await run({ pathFrom: { component: "etcd", manifest: true } });
    expect(man.value).toMatchObject({ path: "/etc/kubernetes/manifests/etcd.yaml", mode: 0o600 });
    const none = await run({ pathFrom: { component: "kube-apiserver", flag: "token-auth-file" }, document: true, format: "json" });
    expect(none.value).toEqual({ path: null, exists: false, note: "kube-apiserver runs without --token-auth-file", document: null });
    expect(() => fileProbe.params.parse({ pathFrom: { component: "etcd" } })).toThrow();
    expect(() => fileProbe.params.parse({ path: "/x", document: true })).toThrow(/document needs format/);
  });
});
