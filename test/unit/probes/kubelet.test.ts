import { afterAll, beforeEach, describe, expect, it } from "vitest";
import kubeletProbe, { kubeletInfo, kubeletSetting as effectiveSetting, parseKubeletConfig, type KubeletInfo } from "../../../src/probes/kubelet.js";
import { kubeletConfigPath } from "../../../src/probes/k8s/kubelet-info.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot, probeContext, type FixtureSpec } from "../../helpers/fixture-root.js";
import { KUBELET_SERVICE } from "../../helpers/kubeadm-node.js";
import { loadYaml } from "../../../src/util/yaml.js";

afterAll(cleanupFixtures);

probeConformance(kubeletProbe, {
  params: [{}, { setting: { flag: "anonymous-auth", config: "authentication.anonymous.enabled", default: true } }],
  mayOmit: {
    ...Object.fromEntries(
      ["distribution", "variant", "version", "versionMinor", "source", "pid", "unitFile", "serviceFile", "configFile", "configDir", "kubeconfig", "clientCAFile"].map((f) => [
        f,
        "no kubelet: nothing identifies one, and present is false",
      ]),
    ),
    value: "setting fields are set only when the params name a setting and a kubelet is found",
    flag: "setting fields are set only when the params name a setting and a kubelet is found",
    configKey: "setting fields are set only when the params name a setting and a kubelet is found",
    ...Object.fromEntries(
      ["source", "pid", "unitFile", "serviceFile", "dropIns", "configFile", "configDir", "kubeconfig", "clientCAFile", "flags", "config", "problems"].map((f) => [
        f,
        "a call with a setting returns that setting, not the kubelet's whole record",
      ]),
    ),
  },
  // No kubelet in an empty root: present is false, a fact read from files.
  offline: {},
});

// kubernetes/release rpm/deb kubelet.service (shared with the kubeadm node fixture) and
// kubeadm's 10-kubeadm.conf, with the config path moved somewhere non-default so a guessed
// path would be wrong.

const KUBEADM_DROPIN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/opt/kube/kubelet-config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

const KUBEADM_FLAGS_ENV = `KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9"\n`;

const CONFIG_YAML = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
readOnlyPort: 0
cgroupDriver: systemd
evictionHard:
  memory.available: 100Mi
featureGates:
  RotateKubeletServerCertificate: true
`;

function kubeadmSpec(extra: FixtureSpec = {}): FixtureSpec {
  return {
    "lib/systemd/system/kubelet.service": KUBELET_SERVICE,
    "etc/systemd/system/kubelet.service.d/10-kubeadm.conf": KUBEADM_DROPIN,
    "var/lib/kubelet/kubeadm-flags.env": KUBEADM_FLAGS_ENV,
    "etc/default/kubelet": "KUBELET_EXTRA_ARGS=--read-only-port=10255\n",
    "opt/kube/kubelet-config.yaml": CONFIG_YAML,
    ...extra,
  };
}

async function ctxFor(spec: FixtureSpec): Promise<ProbeContext> {
  const root = await fixtureRoot(spec);
  return probeContext(root, { proc: root + "/proc" });
}

async function collect(ctx: ProbeContext, raw: Record<string, unknown>) {
  return kubeletProbe.collect(ctx, kubeletProbe.params.parse(raw));
}

describe("kubelet: systemd unit + kubeadm drop-in", () => {
  it("resolves the effective unit, drop-ins, flags and the non-default config path", async () => {
    const ctx = await ctxFor(kubeadmSpec());
    const info = await kubeletInfo(ctx);
    expect(info).toMatchObject({
      present: true,
      source: "unit",
      unitFile: "/lib/systemd/system/kubelet.service",
      dropIns: ["/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"],
      serviceFile: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
      serviceLine: 11,
      configFile: "/opt/kube/kubelet-config.yaml",
      kubeconfig: "/etc/kubernetes/kubelet.conf",
      clientCAFile: "/etc/kubernetes/pki/ca.crt",
      problems: [],
    });
    expect({ ...info.flags }).toEqual({
      "bootstrap-kubeconfig": "/etc/kubernetes/bootstrap-kubelet.conf",
      kubeconfig: "/etc/kubernetes/kubelet.conf",
      config: "/opt/kube/kubelet-config.yaml",
      "container-runtime-endpoint": "unix:///var/run/containerd/containerd.sock",
      "pod-infra-container-image": "registry.k8s.io/pause:3.9",
      "read-only-port": "10255",
    });
    expect(info.argv?.[0]).toBe("/usr/bin/kubelet");
    expect(info.config).toMatchObject({ readOnlyPort: 0, authorization: { mode: "Webhook" } });
    // Memoised per scan.
    expect(await kubeletInfo(ctx)).toBe(info);
  });

  it("a relative path in a config file is relative to that file's directory, as the kubelet resolves it", async () => {
    const dropIn = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: ../manifests\n";
    const ctx = await ctxFor(
      kubeadmSpec({
        "opt/kube/kubelet-config.yaml": CONFIG_YAML.replace("clientCAFile: /etc/kubernetes/pki/ca.crt", "clientCAFile: pki/ca.crt"),
        "var/lib/kubelet/kubeadm-flags.env": KUBEADM_FLAGS_ENV.replace('"\n', ' --config-dir=/etc/kubernetes/kubelet.conf.d"\n'),
        "etc/kubernetes/kubelet.conf.d/50-pods.conf": dropIn,
      }),
    );
    const info = await kubeletInfo(ctx);
    expect(info.configDir).toBe("/etc/kubernetes/kubelet.conf.d");
    expect(info.clientCAFile).toBe("/opt/kube/pki/ca.crt");
    // Set by the drop-in: relative to the drop-in's directory, not --config's.
    expect(kubeletConfigPath(info, "staticPodPath")).toBe("/etc/kubernetes/manifests");
    expect(kubeletConfigPath(info, "authentication.x509.clientCAFile")).toBe("/opt/kube/pki/ca.crt");
    expect(kubeletConfigPath(info, "tlsCertFile")).toBeUndefined();
  });

  it("a flag overrides the config file (readOnlyPort 10255 from /etc/default/kubelet)", async () => {
    const ctx = await ctxFor(kubeadmSpec());
    const fact = await collect(ctx, { setting: { flag: "read-only-port", config: "readOnlyPort", default: 0 } });
    expect(fact.value).toEqual({
      present: true,
      distribution: "kubeadm",
      variant: undefined,
      version: undefined,
      versionMinor: undefined,
      source: "flag",
      value: 10255,
      flag: "--read-only-port",
      configKey: "readOnlyPort",
    });
    // An offline root does not run the kubelet binary, and nothing on this root writes its version.
    expect(fact.unknown?.version).toMatch(/only on the live host/);
    expect(fact.evidence).toEqual([{ file: "/etc/default/kubelet", line: 1, key: "--read-only-port" }]);
  });

  it("a config-only setting comes from the config file with its line", async () => {
    const ctx = await ctxFor(kubeadmSpec());
    const fact = await collect(ctx, { setting: { flag: "--anonymous-auth", config: "authentication.anonymous.enabled", default: true } });
    expect(fact.value).toMatchObject({
      present: true,
      source: "config",
      value: false,
      flag: "--anonymous-auth",
      configKey: "authentication.anonymous.enabled",
    });
    expect(fact.evidence).toEqual([{ file: "/opt/kube/kubelet-config.yaml", line: 5, key: "authentication.anonymous.enabled" }]);
    // Keys that contain dots themselves.
    const ev = effectiveSetting(await kubeletInfo(ctx), { config: "evictionHard.memory.available" });
    expect(ev).toMatchObject({ source: "config", value: "100Mi", line: 15 });
  });

  it("an unset setting takes the check's default, else the kubelet default, else is unset", async () => {
    const ctx = await ctxFor(kubeadmSpec());
    const fact = await collect(ctx, {
      setting: { flag: "streaming-connection-idle-timeout", config: "streamingConnectionIdleTimeout", default: "4h0m0s" },
    });
    expect(fact.value).toMatchObject({ present: true, source: "default", value: "4h0m0s" });
    expect(fact.evidence[0]).toMatchObject({ key: "streamingConnectionIdleTimeout" });

    const info = await kubeletInfo(ctx);
    // Built-in table (with --config): seccompDefault false, makeIPTablesUtilChains true.
    expect(effectiveSetting(info, { flag: "seccomp-default", config: "seccompDefault" })).toEqual({ value: false, source: "default" });
    expect(effectiveSetting(info, { config: "makeIPTablesUtilChains" })).toEqual({ value: true, source: "default" });
    // No default anywhere, or an explicit null: unset.
    expect(effectiveSetting(info, { flag: "tls-cert-file", config: "tlsCertFile" })).toEqual({ value: undefined, source: "unset" });
    expect(effectiveSetting(info, { config: "seccompDefault", default: null })).toEqual({ value: undefined, source: "unset" });
    const unset = await collect(ctx, { setting: { flag: "hostname-override" } });
    expect(unset.value).toMatchObject({ present: true, distribution: "kubeadm", source: "unset", value: undefined, flag: "--hostname-override", configKey: undefined });
  });

  it("applies the legacy flag defaults when the kubelet runs without --config", () => {
    const info: KubeletInfo = { present: true, source: "unit", dropIns: [], flags: {}, config: {}, problems: [] };
    expect(effectiveSetting(info, { config: "readOnlyPort", flag: "read-only-port" }).value).toBe(10255);
    expect(effectiveSetting(info, { config: "authentication.anonymous.enabled" }).value).toBe(true);
    expect(effectiveSetting(info, { config: "authorization.mode" }).value).toBe("AlwaysAllow");
    const withConfig = { ...info, configFile: "/var/lib/kubelet/config.yaml" };
    expect(effectiveSetting(withConfig, { config: "readOnlyPort" }).value).toBe(0);
    expect(effectiveSetting(withConfig, { config: "authorization.mode" }).value).toBe("Webhook");
  });

  it("reads one entry of a map flag (feature gates) and types flag values", () => {
    const info: KubeletInfo = {
      present: true,
      source: "unit",
      dropIns: [],
      flags: { "feature-gates": "RotateKubeletServerCertificate=false,Foo=true", "event-qps": "0", "authorization-mode": "Webhook" },
      config: { featureGates: { RotateKubeletServerCertificate: true } },
      problems: [],
    };
    expect(
      effectiveSetting(info, { flag: "feature-gates.RotateKubeletServerCertificate", config: "featureGates.RotateKubeletServerCertificate" }),
    ).toMatchObject({ value: false, source: "flag", raw: "false" });
    expect(effectiveSetting(info, { flag: "feature-gates.Other", config: "featureGates.Other" }).source).toBe("unset");
    expect(effectiveSetting(info, { flag: "event-qps", config: "eventRecordQPS", default: 5 })).toMatchObject({ value: 0, source: "flag" });
    expect(effectiveSetting(info, { flag: "authorization-mode" })).toMatchObject({ value: "Webhook", source: "flag" });
  });

  it("follows systemd precedence: /etc unit over /lib, same-name drop-in from the earlier dir, basename order, EnvironmentFile over Environment", async () => {
    const ctx = await ctxFor(
      kubeadmSpec({
        "etc/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/local/bin/kubelet --v=1\n",
        // Hidden by /etc's 10-kubeadm.conf.
        "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": "[Service]\nExecStart=\nExecStart=/wrong/kubelet\n",
        // Applied after 10-kubeadm.conf: resets the environment list, adds quoted assignments.
        "run/systemd/system/kubelet.service.d/20-extra.conf":
          '[Service]\nEnvironment="KUBELET_EXTRA_ARGS=--from-environment=yes" "KUBELET_CONFIG_ARGS=--config=/opt/kube/kubelet-config.yaml --rotate-certificates"\n',
        "etc/default/kubelet": "# overrides\nKUBELET_EXTRA_ARGS='--read-only-port=0 --event-qps=7'\n",
      }),
    );
    const info = await kubeletInfo(ctx);
    expect(info.unitFile).toBe("/etc/systemd/system/kubelet.service");
    expect(info.dropIns).toEqual([
      "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
      "/run/systemd/system/kubelet.service.d/20-extra.conf",
    ]);
    expect(info.serviceFile).toBe("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf");
    expect(info.flags["from-environment"]).toBeUndefined(); // EnvironmentFile wins over Environment=
    expect(info.flags).toMatchObject({ "read-only-port": "0", "event-qps": "7", "rotate-certificates": "true" });
    expect(info.flagSources?.["rotate-certificates"]).toEqual({ file: "/run/systemd/system/kubelet.service.d/20-extra.conf", line: 2 });
    expect(info.flagSources?.["event-qps"]).toEqual({ file: "/etc/default/kubelet", line: 2 });
  });

  it("reports a missing required EnvironmentFile and a masked unit", async () => {
    const ctx = await ctxFor({
      "lib/systemd/system/kubelet.service": "[Service]\nEnvironmentFile=/etc/sysconfig/kubelet\nExecStart=/usr/bin/kubelet $KUBELET_EXTRA_ARGS\n",
    });
    const info = await kubeletInfo(ctx);
    expect(info.present).toBe(true);
    expect(info.problems.join("\n")).toContain("/etc/sysconfig/kubelet does not exist");

    const masked = await ctxFor(kubeadmSpec({ "etc/systemd/system/kubelet.service": { symlink: "/dev/null" } }));
    const m = await kubeletInfo(masked);
    expect(m).toMatchObject({ present: false, source: "none", masked: true, unitFile: "/etc/systemd/system/kubelet.service" });
  });
});

describe("kubelet: running process", () => {
  it("reads the flags of the running kubelet (NUL-separated cmdline) over the unit's", async () => {
    const cmdline = [
      "/usr/bin/kubelet",
      "--config",
      "/etc/kubernetes/kubelet-config.yaml",
      "--anonymous-auth=false",
      "--rotate-certificates",
      "--read-only-port",
      "0",
      "--read-only-port=10255",
      "",
    ].join("\0");
    const ctx = await ctxFor(
      kubeadmSpec({
        "proc/1/cmdline": "/sbin/init\0splash\0",
        "proc/2/cmdline": "", // kernel thread
        "proc/4321/cmdline": cmdline,
        "proc/self": { dir: true },
        "etc/kubernetes/kubelet-config.yaml": "authorization:\n  mode: Webhook\n",
      }),
    );
    const info = await kubeletInfo(ctx);
    expect(info).toMatchObject({
      present: true,
      source: "process",
      pid: 4321,
      configFile: "/etc/kubernetes/kubelet-config.yaml",
      // The unit is still resolved for the file checks.
      serviceFile: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    });
    expect({ ...info.flags }).toEqual({
      config: "/etc/kubernetes/kubelet-config.yaml",
      "anonymous-auth": "false",
      "rotate-certificates": "true",
      "read-only-port": "10255",
    });
    const fact = await collect(ctx, { setting: { flag: "anonymous-auth", config: "authentication.anonymous.enabled" } });
    expect(fact.value).toMatchObject({ source: "flag", value: false });
    expect(fact.evidence).toEqual([{ pid: 4321, key: "--anonymous-auth", detail: "kubelet command line" }]);
    const cfg = await collect(ctx, { setting: { config: "authorization.mode", default: "AlwaysAllow" } });
    expect(cfg.value).toMatchObject({ source: "config", value: "Webhook" });
    expect(cfg.evidence[0]).toEqual({ file: "/etc/kubernetes/kubelet-config.yaml", line: 2, key: "authorization.mode" });
  });

  it("recognises hyperkube kubelet", async () => {
    const ctx = await ctxFor({ "proc/77/cmdline": "/hyperkube\0kubelet\0--anonymous-auth=true\0" });
    const info = await kubeletInfo(ctx);
    expect(info).toMatchObject({ present: true, source: "process", pid: 77, flags: { "anonymous-auth": "true" } });
    expect(info.unitFile).toBeUndefined();
  });
});

describe("kubelet: absent or broken", () => {
  it("no kubelet → present false, source none", async () => {
    const ctx = await ctxFor({ "proc/1/cmdline": "/sbin/init\0", "etc/hostname": "node\n" });
    const fact = await collect(ctx, {});
    expect(fact.value).toMatchObject({ present: false, source: "none", dropIns: [], flags: {}, config: {}, problems: [] });
    const s = await collect(ctx, { setting: { flag: "anonymous-auth", config: "authentication.anonymous.enabled", default: true } });
    expect(s.value).toEqual({
      present: false,
      distribution: "none",
      variant: undefined,
      version: undefined,
      versionMinor: undefined,
      flag: "--anonymous-auth",
      configKey: "authentication.anonymous.enabled",
    });
    expect(s.unknown).toBeUndefined();
    expect((s.value as { value?: unknown }).value).toBeUndefined();
  });

  it("bad YAML in the config file → problems name file:line, config {}", async () => {
    const ctx = await ctxFor(
      kubeadmSpec({ "opt/kube/kubelet-config.yaml": "kind: KubeletConfiguration\nauthentication:\n  anonymous: [unclosed\nreadOnlyPort: 0\n" }),
    );
    const info = await kubeletInfo(ctx);
    expect(info.config).toEqual({});
    expect(info.problems).toHaveLength(1);
    expect(info.problems[0]).toMatch(/^\/opt\/kube\/kubelet-config\.yaml:\d+:\d+: /);
    const fact = await collect(ctx, {});
    expect(fact.value).toMatchObject({ configFile: "/opt/kube/kubelet-config.yaml", config: {} });
    expect(fact.evidence.some((e) => e.detail?.startsWith("/opt/kube/kubelet-config.yaml:"))).toBe(true);
  });

  it("a --config that does not exist is a problem, not a crash", async () => {
    const ctx = await ctxFor(kubeadmSpec({ "opt/kube/kubelet-config.yaml": { symlink: "/nowhere" } }));
    const info = await kubeletInfo(ctx);
    expect(info.problems).toEqual(["/opt/kube/kubelet-config.yaml: kubelet config file does not exist"]);
  });

  it("scans this real host's /proc and unit dirs without throwing", async () => {
    const info = await kubeletInfo(probeContext("/"));
    expect(["process", "unit", "none"]).toContain(info.source);
    expect(Array.isArray(info.problems)).toBe(true);
  });

  it("param validation rejects unknown keys and an empty setting", () => {
    expect(() => kubeletProbe.params.parse({ setting: { flag: "x", bogus: 1 } })).toThrow();
    expect(() => kubeletProbe.params.parse({ setting: {} })).toThrow();
    expect(() => kubeletProbe.params.parse({ other: 1 })).toThrow();
  });
});

describe("parseKubeletConfig", () => {
  // The parsers are synchronous: their callers await loadYaml() first (src/util/yaml.ts).
  beforeEach(async () => {
    await loadYaml();
  });
  it("reads JSON, YAML 1.1 booleans, and key lines", () => {
    const json = parseKubeletConfig('{"readOnlyPort": 0,\n "authentication": {"anonymous": {"enabled": false}}}', "/c.json");
    expect(json.config).toEqual({ readOnlyPort: 0, authentication: { anonymous: { enabled: false } } });
    expect(json.keyLines["authentication.anonymous.enabled"]).toEqual({ file: "/c.json", line: 2 });
    expect(parseKubeletConfig("serializeImagePulls: no\n", "/c").config).toEqual({ serializeImagePulls: false });
    expect(parseKubeletConfig("- a\n", "/c").problems[0]).toMatch(/not a mapping/);
    expect(parseKubeletConfig("", "/c")).toEqual({ config: {}, keyLines: {}, problems: [] });
  });
});

describe("kubelet: distribution and version", () => {
  it("kubeadm: the version is the kubelet package's (dpkg), minor as a number", async () => {
    const { kubeadmNode } = await import("../../helpers/kubeadm-node.js");
    const ctx = await ctxFor(kubeadmNode({ kubeletVersion: "1.34.2" }));
    const fact = await collect(ctx, {});
    expect(fact.value).toMatchObject({ present: true, distribution: "kubeadm", version: "1.34.2", versionMinor: 34 });
    expect(fact.unknown).toBeUndefined();
    expect(fact.evidence[0]).toEqual({ file: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", detail: "distribution: kubeadm, kubelet 1.34.2" });
  });

  it("a kubelet no distribution claims: distribution unknown with the reason", async () => {
    const ctx = await ctxFor({ "proc/1/cmdline": "/sbin/init\0", "proc/40/cmdline": "/opt/k8s/kubelet\0--anonymous-auth=false\0" });
    const fact = await collect(ctx, {});
    expect(fact.value).toMatchObject({ present: true, distribution: "unknown", source: "process" });
    expect(fact.unknown?.distribution).toContain("no known distribution's files were found");
  });

  it.each([
    ["Kubernetes v1.34.2", "1.34.2", 34],
    ["k3s version v1.30.2+k3s1 (aa4794b3)", "1.30.2", 30],
    ["v1.29.0-rke2r1-491b1a599021", "1.29.0", 29],
    ["1.33.5-1.1", "1.33.5", 33],
    ["Kubernetes v1.33.5-eks-3025e55", "1.33.5", 33],
  ])("parses %j", async (raw, version, minor) => {
    const { parseKubeVersion } = await import("../../../src/probes/k8s/kubelet-info.js");
    expect(parseKubeVersion(raw)).toEqual({ version, minor });
  });
});
