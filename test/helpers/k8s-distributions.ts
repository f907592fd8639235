/**
 * A hardened worker node per Kubernetes distribution, laid out as that distribution lays
 * it out (its units, config files, drop-ins and, where it runs, the kubelet's or the
 * distribution daemon's argv in a fixture procfs), and the violations to plant in each:
 * every violation is written the way an operator of that distribution would write it
 * (k3s `kubelet-arg` in config.yaml.d, an EKS nodeadm drop-in, AKS KUBELET_FLAGS, …).
 *
 *   const root = await fixtureRoot(DISTRO_NODES["k3s-agent"].node());
 *   const bad = await fixtureRoot(DISTRO_NODES["k3s-agent"].node(DISTRO_NODES["k3s-agent"].violations["4.2.1"].options));
 *
 * Where each path comes from is cited in src/probes/distributions/<id>.ts.
 */
import { stringify } from "yaml";
import type { FixtureEntry, FixtureSpec } from "./fixture-root.js";
import { STRONG_CIPHERS } from "./kubeadm-node.js";

export interface DistroOptions {
  /** Entries added or replaced (after the node's own). */
  files?: FixtureSpec;
  /** Another mode for existing entries. */
  chmod?: Record<string, number>;
  /** Another owner (uid = gid) for existing entries. */
  chown?: Record<string, number>;
  omit?: string[];
}

export interface DistroViolation {
  what: string;
  options: DistroOptions;
  /** Start of the fail message. */
  message: string;
  /** Evidence the failing result must carry (where the bad value is written). */
  evidence?: Record<string, unknown>;
}

export interface DistroNode {
  distribution: string;
  variant?: string;
  /** The kubelet version the node's own files tell (offline), when they do. */
  version?: string;
  /** What the resolver must find. */
  expect: { source: string; serviceFile?: string; configFile?: string; configDir?: string; kubeconfig: string; clientCAFile: string };
  node(o?: DistroOptions): FixtureSpec;
  /** One violation per automated check this node is subject to: check id → violation. */
  violations: Record<string, DistroViolation>;
  /** Automated checks that skip on this distribution (nothing of that kind exists), with the reason's start. */
  skips: Record<string, string>;
  /** kube-proxy is found on this node (k3s: inside the k3s process); elsewhere it runs in a pod the fixture leaves out. */
  kubeProxy?: boolean;
}

const secret = (content: string, mode = 0o600): FixtureEntry => ({ content, mode, uid: 0, gid: 0 });
const pub = (content: string): FixtureEntry => ({ content, mode: 0o644, uid: 0, gid: 0 });
const CERT = "-----BEGIN CERTIFICATE-----\n";
const KUBECONFIG = "apiVersion: v1\nkind: Config\n";

/** What every node has: accounts, OS, init, AppArmor (kubernetes-node-runtime). */
function base(hostname: string): FixtureSpec {
  return {
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
    "etc/group": "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n",
    "etc/hostname": `${hostname}\n`,
    "etc/os-release": 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n',
    "proc/1/cmdline": "/sbin/init\0",
    "proc/1/ns/mnt": { symlink: "mnt:[4026531841]" },
    "sys/kernel/security/apparmor/profiles": "cri-containerd.apparmor.d (enforce)\n",
    "sys/module/apparmor/parameters/enabled": "Y\n",
  };
}

function apply(spec: FixtureSpec, o: DistroOptions = {}): FixtureSpec {
  const out: FixtureSpec = { ...spec, ...o.files };
  const patch = (p: string, change: { mode?: number; uid?: number; gid?: number }): void => {
    const e = out[p];
    if (e === undefined || (typeof e === "object" && "symlink" in e)) throw new Error(`no file ${p} to change`);
    out[p] = typeof e === "string" ? { content: e, ...change } : { ...e, ...change };
  };
  for (const [p, mode] of Object.entries(o.chmod ?? {})) patch(p, { mode });
  for (const [p, uid] of Object.entries(o.chown ?? {})) patch(p, { uid, gid: uid });
  for (const p of o.omit ?? []) delete out[p];
  return out;
}

/**
 * The CIS 4.1.x file violations for a node's kubelet files (mode 0644, owner daemon): one
 * per file the distribution has (a service file, the kubeconfig, a --config file).
 */
function fileViolations(files: { unit?: string; kubeconfig: string; config?: string }): Record<string, DistroViolation> {
  const mode = (p: string, what: string): DistroViolation => ({ what: `${what} mode 0644`, options: { chmod: { [p]: 0o644 } }, message: "mode is 0644, expected 0600 or more restrictive" });
  const owner = (p: string, what: string): DistroViolation => ({ what: `${what} owned by daemon`, options: { chown: { [p]: 1 } }, message: "owner is daemon, expected root" });
  const name = (p: string): string => p.slice(p.lastIndexOf("/") + 1);
  return {
    ...(files.unit ? { "4.1.1": mode(files.unit, name(files.unit)), "4.1.2": owner(files.unit, name(files.unit)) } : {}),
    "4.1.5": mode(files.kubeconfig, name(files.kubeconfig)),
    "4.1.6": owner(files.kubeconfig, name(files.kubeconfig)),
    ...(files.config ? { "4.1.9": mode(files.config, name(files.config)), "4.1.10": owner(files.config, name(files.config)) } : {}),
  };
}

/** kubernetes-node-runtime's AppArmor checks (Debian/Ubuntu nodes). */
const APPARMOR_VIOLATIONS: Record<string, DistroViolation> = {
  "NW-K8S-3": { what: "AppArmor disabled", options: { files: { "sys/module/apparmor/parameters/enabled": "N\n" } }, message: "matched is false, expected true" },
  "NW-K8S-4": { what: "no AppArmor profile loaded", options: { files: { "sys/kernel/security/apparmor/profiles": "" } }, message: "matched is false, expected true" },
};

/** A KubeletConfiguration as the distributions write it, hardened as CIS 4.2 asks. */
function kubeletConfig(clientCAFile: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true, cacheTTL: "2m0s" }, x509: { clientCAFile } },
    authorization: { mode: "Webhook", webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" } },
    readOnlyPort: 0,
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------
// k3s agent (v1.32+): kubelet embedded in `k3s agent`, defaults in a config drop-in.
// ---------------------------------------------------------------------------------------
const K3S_UNIT = `[Unit]
Description=Lightweight Kubernetes
Documentation=https://k3s.io
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
Type=exec
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-/etc/systemd/system/k3s-agent.service.env
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStartPre=/bin/sh -xc '! /usr/bin/systemctl is-enabled --quiet nm-cloud-setup.service 2>/dev/null'
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/k3s \\
    agent \\
`;

const K3S_AGENT = "var/lib/rancher/k3s/agent";
const K3S_DEFAULTS = kubeletConfig(`/${K3S_AGENT}/client-ca.crt`, {
  cgroupDriver: "systemd",
  clusterDNS: ["10.43.0.10"],
  clusterDomain: "cluster.local",
  tlsCertFile: `/${K3S_AGENT}/serving-kubelet.crt`,
  tlsPrivateKeyFile: `/${K3S_AGENT}/serving-kubelet.key`,
  staticPodPath: `/${K3S_AGENT}/pod-manifests`,
  healthzBindAddress: "127.0.0.1",
});
const K3S_CONFIG = `server: https://10.0.0.10:6443
# CIS hardening (docs.k3s.io "CIS Hardening Guide")
protect-kernel-defaults: true
kubelet-arg:
  - "rotate-certificates=true"
  - "seccomp-default=true"
  - "streaming-connection-idle-timeout=5m"
`;

const k3sAgent: DistroNode = {
  distribution: "k3s",
  variant: "agent",
  expect: {
    source: "embedded",
    configDir: `/${K3S_AGENT}/etc/kubelet.conf.d`,
    kubeconfig: `/${K3S_AGENT}/kubelet.kubeconfig`,
    clientCAFile: `/${K3S_AGENT}/client-ca.crt`,
  },
  node: (o) =>
    apply(
      {
        ...base("k3s-worker-1"),
        "usr/local/bin/k3s": { content: "ELF", mode: 0o755 },
        "etc/systemd/system/k3s-agent.service": pub(K3S_UNIT),
        "etc/systemd/system/k3s-agent.service.env": secret("K3S_TOKEN='K10abc::server:secret'\nK3S_URL='https://10.0.0.10:6443'\n"),
        "etc/systemd/system/multi-user.target.wants/k3s-agent.service": { symlink: "/etc/systemd/system/k3s-agent.service" },
        "etc/rancher/k3s/config.yaml": secret(K3S_CONFIG),
        [`${K3S_AGENT}/etc/kubelet.conf.d/00-k3s-defaults.conf`]: secret(stringify(K3S_DEFAULTS)),
        [`${K3S_AGENT}/kubelet.kubeconfig`]: secret(KUBECONFIG),
        [`${K3S_AGENT}/kubeproxy.kubeconfig`]: secret(KUBECONFIG),
        [`${K3S_AGENT}/client-ca.crt`]: secret(CERT),
        [`${K3S_AGENT}/serving-kubelet.crt`]: secret(CERT),
        "var/lib/rancher/k3s/data/current": { symlink: "/var/lib/rancher/k3s/data/0123abcd" },
        // k3s rewrites its argv to one word: the flags are not in /proc.
        "proc/812/cmdline": "/usr/local/bin/k3s agent\0\0\0\0",
      },
      o,
    ),
  violations: {
    ...fileViolations({ kubeconfig: `${K3S_AGENT}/kubelet.kubeconfig` }),
    "4.2.1": {
      what: "kubelet-arg anonymous-auth=true in config.yaml",
      options: { files: { "etc/rancher/k3s/config.yaml": secret(K3S_CONFIG + '  - "anonymous-auth=true"\n') } },
      message: "value is true, expected false",
      evidence: { file: "/etc/rancher/k3s/config.yaml", line: 4, key: "--anonymous-auth" },
    },
    "4.2.2": {
      what: "a kubelet config drop-in with AlwaysAllow",
      options: { files: { [`${K3S_AGENT}/etc/kubelet.conf.d/50-local.conf`]: secret("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\n  mode: AlwaysAllow\n") } },
      message: "value is AlwaysAllow, expected not (contains AlwaysAllow)",
      evidence: { file: `/${K3S_AGENT}/etc/kubelet.conf.d/50-local.conf`, line: 4, key: "authorization.mode" },
    },
    "4.2.3": {
      what: "a kubelet config drop-in that clears the client CA",
      options: { files: { [`${K3S_AGENT}/etc/kubelet.conf.d/50-local.conf`]: secret("authentication:\n  x509:\n    clientCAFile: null\n") } },
      message: "value is (not set), expected set",
    },
    "4.2.6": {
      what: "--kubelet-arg on the unit's ExecStart",
      options: { files: { "etc/systemd/system/k3s-agent.service": pub(K3S_UNIT + "    '--kubelet-arg' \\\n    'make-iptables-util-chains=false' \\\n") } },
      message: "value is false, expected true",
      evidence: { file: "/etc/systemd/system/k3s-agent.service", key: "--make-iptables-util-chains" },
    },
    "4.2.10": {
      what: "kubelet-arg+ in config.yaml.d appends rotate-certificates=false",
      options: { files: { "etc/rancher/k3s/config.yaml.d/90-tune.yaml": secret('kubelet-arg+:\n  - "rotate-certificates=false"\n') } },
      message: "value is false, expected true or not set",
      evidence: { file: "/etc/rancher/k3s/config.yaml.d/90-tune.yaml", key: "--rotate-certificates" },
    },
    ...APPARMOR_VIOLATIONS,
    "4.3.1": {
      what: "kube-proxy-arg metrics-bind-address=0.0.0.0:10249 in config.yaml",
      options: { files: { "etc/rancher/k3s/config.yaml": secret(K3S_CONFIG.replace("kubelet-arg:", 'kube-proxy-arg:\n  - "metrics-bind-address=0.0.0.0:10249"\nkubelet-arg:')) } },
      message: "value is 0.0.0.0:10249, expected matches",
      evidence: { file: "/etc/rancher/k3s/config.yaml", key: "--metrics-bind-address" },
    },
    "NW-K8S-5": {
      what: "a config.yaml.d drop-in replaces kubelet-arg without seccomp-default",
      options: { files: { "etc/rancher/k3s/config.yaml.d/90-tune.yaml": secret('kubelet-arg:\n  - "rotate-certificates=true"\n') } },
      message: "value is false, expected true",
    },
  },
  skips: {
    "4.1.1": "the kubelet has no systemd service file",
    "4.1.2": "the kubelet has no systemd service file",
    "4.1.9": "",
    "4.1.10": "",
  },
  kubeProxy: true,
};

/** A k3s server: the same layout, `k3s server` in k3s.service; its control plane runs inside k3s. */
export const K3S_SERVER: FixtureSpec = {
  ...base("k3s-server-1"),
  "usr/local/bin/k3s": { content: "ELF", mode: 0o755 },
  "etc/systemd/system/k3s.service": pub(K3S_UNIT.replace("k3s-agent.service.env", "k3s.service.env").replace("    agent \\\n", "    server \\\n")),
  "etc/systemd/system/k3s.service.env": secret(""),
  "etc/rancher/k3s/config.yaml": secret("write-kubeconfig-mode: \"0600\"\nprotect-kernel-defaults: true\nsecrets-encryption: true\n"),
  [`${K3S_AGENT}/etc/kubelet.conf.d/00-k3s-defaults.conf`]: secret(stringify(K3S_DEFAULTS)),
  [`${K3S_AGENT}/kubelet.kubeconfig`]: secret(KUBECONFIG),
  [`${K3S_AGENT}/client-ca.crt`]: secret(CERT),
  "var/lib/rancher/k3s/server/cred/admin.kubeconfig": secret(KUBECONFIG),
  "proc/700/cmdline": "/usr/local/bin/k3s server\0\0\0",
};

// ---------------------------------------------------------------------------------------
// RKE2 agent, running: `rke2 agent` and its kubelet child process.
// ---------------------------------------------------------------------------------------
const RKE2_AGENT = "var/lib/rancher/rke2/agent";
const RKE2_DATA = "var/lib/rancher/rke2/data/v1.33.5-rke2r1-1b2872361ec5";
const RKE2_UNIT = `[Unit]
Description=Rancher Kubernetes Engine v2 (agent)
Documentation=https://github.com/rancher/rke2#readme
Wants=network-online.target
After=network-online.target
Conflicts=rke2-server.service

[Install]
WantedBy=multi-user.target

[Service]
Type=notify
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-/usr/local/lib/systemd/system/%N.env
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStartPre=/bin/sh -xc '! /usr/bin/systemctl is-enabled --quiet nm-cloud-setup.service'
ExecStartPre=-/sbin/modprobe br_netfilter
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/rke2 agent
ExecStopPost=-/bin/sh -c "systemd-cgls /system.slice/%n | grep -Eo '[0-9]+ (containerd|kubelet)' | awk '{print $1}' | xargs -r kill"
`;
const RKE2_DEFAULTS = kubeletConfig(`/${RKE2_AGENT}/client-ca.crt`, {
  cgroupDriver: "systemd",
  tlsCertFile: `/${RKE2_AGENT}/serving-kubelet.crt`,
  tlsPrivateKeyFile: `/${RKE2_AGENT}/serving-kubelet.key`,
  staticPodPath: `/${RKE2_AGENT}/pod-manifests`,
});
function rke2KubeletArgv(extra: string[] = []): string {
  return [
    "kubelet",
    "--volume-plugin-dir=/var/lib/kubelet/volumeplugins",
    "--file-check-frequency=5s",
    "--sync-frequency=30s",
    `--config-dir=/${RKE2_AGENT}/etc/kubelet.conf.d`,
    "--hostname-override=rke2-worker-1",
    `--kubeconfig=/${RKE2_AGENT}/kubelet.kubeconfig`,
    "--node-ip=10.0.0.21",
    "--read-only-port=0",
    "--protect-kernel-defaults=true",
    "--rotate-certificates=true",
    "--seccomp-default=true",
    ...extra,
  ].join("\0") + "\0";
}
const rke2Agent: DistroNode = {
  distribution: "rke2",
  variant: "agent",
  version: "1.33.5",
  expect: { source: "process", configDir: `/${RKE2_AGENT}/etc/kubelet.conf.d`, kubeconfig: `/${RKE2_AGENT}/kubelet.kubeconfig`, clientCAFile: `/${RKE2_AGENT}/client-ca.crt` },
  node: (o) =>
    apply(
      {
        ...base("rke2-worker-1"),
        "usr/local/bin/rke2": { content: "ELF", mode: 0o755 },
        "usr/local/lib/systemd/system/rke2-agent.service": pub(RKE2_UNIT),
        "usr/local/lib/systemd/system/rke2-agent.env": pub("HOME=/root\n"),
        "etc/rancher/rke2/config.yaml": secret("server: https://10.0.0.10:9345\ntoken: K10abc::server:secret\nprofile: cis\n"),
        [`${RKE2_AGENT}/etc/kubelet.conf.d/00-rke2-defaults.conf`]: secret(stringify(RKE2_DEFAULTS)),
        [`${RKE2_AGENT}/kubelet.kubeconfig`]: secret(KUBECONFIG),
        [`${RKE2_AGENT}/client-ca.crt`]: secret(CERT),
        [`${RKE2_DATA}/bin/kubelet`]: { content: "ELF", mode: 0o755 },
        "var/lib/rancher/rke2/bin": { symlink: "/var/lib/rancher/rke2/data/v1.33.5-rke2r1-1b2872361ec5/bin" },
        "proc/6453/cmdline": "/usr/local/bin/rke2 agent\0",
        "proc/6531/cmdline": rke2KubeletArgv(),
        "proc/6531/exe": { symlink: `/${RKE2_DATA}/bin/kubelet` },
      },
      o,
    ),
  violations: {
    ...fileViolations({ kubeconfig: `${RKE2_AGENT}/kubelet.kubeconfig` }),
    "4.2.1": {
      what: "the running kubelet has --anonymous-auth=true",
      options: { files: { "proc/6531/cmdline": rke2KubeletArgv(["--anonymous-auth=true"]) } },
      message: "value is true, expected false",
      evidence: { pid: 6531, key: "--anonymous-auth" },
    },
    "4.2.2": {
      what: "a drop-in sets AlwaysAllow",
      options: { files: { [`${RKE2_AGENT}/etc/kubelet.conf.d/60-site.conf`]: secret("authorization:\n  mode: AlwaysAllow\n") } },
      message: "value is AlwaysAllow, expected not (contains AlwaysAllow)",
      evidence: { file: `/${RKE2_AGENT}/etc/kubelet.conf.d/60-site.conf`, line: 2 },
    },
    "4.2.3": { what: "no client CA in the defaults", options: { files: { [`${RKE2_AGENT}/etc/kubelet.conf.d/00-rke2-defaults.conf`]: secret(stringify({ ...RKE2_DEFAULTS, authentication: { anonymous: { enabled: false }, webhook: { enabled: true } } })) } }, message: "value is (not set), expected set" },
    "4.2.6": { what: "--make-iptables-util-chains=false on the kubelet", options: { files: { "proc/6531/cmdline": rke2KubeletArgv(["--make-iptables-util-chains=false"]) } }, message: "value is false, expected true" },
    "4.2.10": { what: "--rotate-certificates=false last on the kubelet", options: { files: { "proc/6531/cmdline": rke2KubeletArgv(["--rotate-certificates=false"]) } }, message: "value is false, expected true or not set" },
    ...APPARMOR_VIOLATIONS,
    "NW-K8S-5": { what: "--seccomp-default=false on the kubelet", options: { files: { "proc/6531/cmdline": rke2KubeletArgv(["--seccomp-default=false"]) } }, message: "value is false, expected true" },
  },
  skips: { "4.1.1": "the kubelet has no systemd service file", "4.1.2": "the kubelet has no systemd service file", "4.1.9": "", "4.1.10": "" },
};

// ---------------------------------------------------------------------------------------
// k0s worker, offline (no procfs): flags modelled from k0sworker.service and k0s's own.
// ---------------------------------------------------------------------------------------
const K0S_CONFIG = kubeletConfig("/var/lib/k0s/pki/ca.crt", {
  cgroupDriver: "systemd",
  rotateCertificates: true,
  seccompDefault: true,
  podPidsLimit: 4096,
  containerRuntimeEndpoint: "unix:///run/k0s/containerd.sock",
});
function k0sUnit(extra = ""): string {
  return `[Unit]
Description=k0s - Zero Friction Kubernetes
Documentation=https://docs.k0sproject.io
ConditionFileIsExecutable=/usr/local/bin/k0s

After=network-online.target
Wants=network-online.target

[Service]
StartLimitInterval=5
StartLimitBurst=10
ExecStart=/usr/local/bin/k0s worker --token-file=/etc/k0s/k0stoken${extra}

RestartSec=10
Delegate=yes
KillMode=process
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
LimitNOFILE=999999
Restart=always

[Install]
WantedBy=multi-user.target
`;
}
const k0sWorker: DistroNode = {
  distribution: "k0s",
  variant: "worker",
  expect: { source: "distribution", configFile: "/var/lib/k0s/kubelet-config.yaml", kubeconfig: "/var/lib/k0s/kubelet.conf", clientCAFile: "/var/lib/k0s/pki/ca.crt" },
  node: (o) => {
    const spec = apply(
      {
        ...base("k0s-worker-1"),
        "usr/local/bin/k0s": { content: "ELF", mode: 0o755 },
        "etc/systemd/system/k0sworker.service": pub(k0sUnit()),
        "etc/k0s/k0stoken": secret("H4sIAAAAAAAA\n"),
        "var/lib/k0s/kubelet-config.yaml": secret(stringify(K0S_CONFIG)),
        "var/lib/k0s/kubelet.conf": secret(KUBECONFIG),
        "var/lib/k0s/pki/ca.crt": secret(CERT),
        "var/lib/k0s/bin/kubelet": { content: "ELF", mode: 0o750 },
      },
      o,
    );
    // An offline root: no running processes.
    delete spec["proc/1/cmdline"];
    delete spec["proc/1/ns/mnt"];
    return spec;
  },
  violations: {
    ...fileViolations({ kubeconfig: "var/lib/k0s/kubelet.conf", config: "var/lib/k0s/kubelet-config.yaml" }),
    "4.2.1": {
      what: "--kubelet-extra-args on the unit",
      options: { files: { "etc/systemd/system/k0sworker.service": pub(k0sUnit(' --kubelet-extra-args="--anonymous-auth=true --v=2"')) } },
      message: "value is true, expected false",
      evidence: { file: "/etc/systemd/system/k0sworker.service", key: "--anonymous-auth" },
    },
    "4.2.2": { what: "authorization AlwaysAllow in kubelet-config.yaml", options: { files: { "var/lib/k0s/kubelet-config.yaml": secret(stringify({ ...K0S_CONFIG, authorization: { mode: "AlwaysAllow" } })) } }, message: "value is AlwaysAllow, expected not (contains AlwaysAllow)" },
    "4.2.3": { what: "no clientCAFile", options: { files: { "var/lib/k0s/kubelet-config.yaml": secret(stringify({ ...K0S_CONFIG, authentication: { anonymous: { enabled: false }, webhook: { enabled: true } } })) } }, message: "value is (not set), expected set" },
    "4.2.6": { what: "makeIPTablesUtilChains false", options: { files: { "var/lib/k0s/kubelet-config.yaml": secret(stringify({ ...K0S_CONFIG, makeIPTablesUtilChains: false })) } }, message: "value is false, expected true" },
    "4.2.10": { what: "rotateCertificates false", options: { files: { "var/lib/k0s/kubelet-config.yaml": secret(stringify({ ...K0S_CONFIG, rotateCertificates: false })) } }, message: "value is false, expected true or not set" },
    ...APPARMOR_VIOLATIONS,
    "NW-K8S-5": { what: "seccompDefault false", options: { files: { "var/lib/k0s/kubelet-config.yaml": secret(stringify({ ...K0S_CONFIG, seccompDefault: false })) } }, message: "value is false, expected true" },
  },
  skips: { "4.1.1": "the kubelet has no systemd service file", "4.1.2": "the kubelet has no systemd service file" },
};

// ---------------------------------------------------------------------------------------
// EKS AL2023 (nodeadm): kubelet.service + /etc/eks/kubelet/environment, config.json + drop-ins.
// ---------------------------------------------------------------------------------------
const EKS_UNIT = `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/kubernetes/kubernetes
After=containerd.service
Wants=containerd.service

[Service]
Slice=runtime.slice
EnvironmentFile=/etc/eks/kubelet/environment
ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5
ExecStart=/usr/bin/kubelet $NODEADM_KUBELET_ARGS

Restart=on-failure
RestartForceExitStatus=SIGPIPE
RestartSec=5
KillMode=process
CPUAccounting=true
MemoryAccounting=true

[Install]
WantedBy=multi-user.target
`;
const EKS_CONFIG = kubeletConfig("/etc/kubernetes/pki/ca.crt", {
  address: "0.0.0.0",
  cgroupDriver: "systemd",
  cgroupRoot: "/",
  clusterDomain: "cluster.local",
  featureGates: { RotateKubeletServerCertificate: true },
  protectKernelDefaults: true,
  serverTLSBootstrap: true,
  tlsCipherSuites: STRONG_CIPHERS,
});
function eksEnv(extra = ""): string {
  return `NODEADM_KUBELET_ARGS=--node-ip=10.0.1.23 --cloud-provider=external --hostname-override=ip-10-0-1-23.ec2.internal --kubeconfig=/var/lib/kubelet/kubeconfig --config=/etc/kubernetes/kubelet/config.json --config-dir=/etc/kubernetes/kubelet/config.json.d${extra}\nKUBELET_CONFIG_DROPIN_DIR_ALPHA=on\n`;
}
const EKS_DROPIN = { apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration", rotateCertificates: true, seccompDefault: true, podPidsLimit: 4096 };
const eksAl2023: DistroNode = {
  distribution: "eks",
  variant: "al2023",
  version: "1.33.5",
  expect: {
    source: "unit",
    serviceFile: "/etc/systemd/system/kubelet.service",
    configFile: "/etc/kubernetes/kubelet/config.json",
    configDir: "/etc/kubernetes/kubelet/config.json.d",
    kubeconfig: "/var/lib/kubelet/kubeconfig",
    clientCAFile: "/etc/kubernetes/pki/ca.crt",
  },
  node: (o) =>
    apply(
      {
        ...base("ip-10-0-1-23"),
        "etc/os-release": 'NAME="Amazon Linux"\nVERSION_ID="2023"\nID="amzn"\nID_LIKE="fedora"\n',
        "usr/bin/nodeadm": { content: "ELF", mode: 0o755 },
        "usr/bin/kubelet": { content: "ELF", mode: 0o755 },
        "etc/systemd/system/kubelet.service": secret(EKS_UNIT),
        "etc/eks/kubelet/environment": secret(eksEnv()),
        "etc/eks/kubelet-version.txt": pub("Kubernetes v1.33.5-eks-3025e55\n"),
        "etc/kubernetes/kubelet/config.json": secret(JSON.stringify(EKS_CONFIG, null, 4)),
        "etc/kubernetes/kubelet/config.json.d/00-nodeadm.conf": secret(JSON.stringify(EKS_DROPIN, null, 4)),
        "var/lib/kubelet/kubeconfig": secret(KUBECONFIG),
        "etc/kubernetes/pki/ca.crt": pub(CERT),
      },
      o,
    ),
  violations: {
    ...fileViolations({ unit: "etc/systemd/system/kubelet.service", kubeconfig: "var/lib/kubelet/kubeconfig", config: "etc/kubernetes/kubelet/config.json" }),
    "4.2.1": {
      what: "the nodeadm drop-in turns anonymous auth on",
      options: { files: { "etc/kubernetes/kubelet/config.json.d/00-nodeadm.conf": secret(JSON.stringify({ ...EKS_DROPIN, authentication: { anonymous: { enabled: true } } }, null, 4)) } },
      message: "value is true, expected false",
      evidence: { file: "/etc/kubernetes/kubelet/config.json.d/00-nodeadm.conf", key: "authentication.anonymous.enabled" },
    },
    "4.2.2": { what: "--authorization-mode=AlwaysAllow in NODEADM_KUBELET_ARGS", options: { files: { "etc/eks/kubelet/environment": secret(eksEnv(" --authorization-mode=AlwaysAllow")) } }, message: "value is AlwaysAllow, expected not (contains AlwaysAllow)", evidence: { file: "/etc/eks/kubelet/environment", line: 1, key: "--authorization-mode" } },
    "4.2.3": { what: "no clientCAFile in config.json", options: { files: { "etc/kubernetes/kubelet/config.json": secret(JSON.stringify({ ...EKS_CONFIG, authentication: { anonymous: { enabled: false }, webhook: { enabled: true } } }, null, 4)) } }, message: "value is (not set), expected set" },
    "4.2.6": { what: "--make-iptables-util-chains=false", options: { files: { "etc/eks/kubelet/environment": secret(eksEnv(" --make-iptables-util-chains=false")) } }, message: "value is false, expected true" },
    "4.2.10": { what: "the drop-in without rotateCertificates", options: { files: { "etc/kubernetes/kubelet/config.json.d/00-nodeadm.conf": secret(JSON.stringify({ ...EKS_DROPIN, rotateCertificates: false }, null, 4)) } }, message: "value is false, expected true or not set" },
    "NW-K8S-5": { what: "seccompDefault false in the drop-in", options: { files: { "etc/kubernetes/kubelet/config.json.d/00-nodeadm.conf": secret(JSON.stringify({ ...EKS_DROPIN, seccompDefault: false }, null, 4)) } }, message: "value is false, expected true" },
  },
  // AppArmor is checked on Debian, Ubuntu and SUSE nodes (kubernetes-node-runtime).
  skips: { "NW-K8S-3": "AppArmor is the security module of Debian", "NW-K8S-4": "AppArmor is the security module of Debian" },
};

// ---------------------------------------------------------------------------------------
// EKS AL2 (bootstrap.sh): kubelet.service with KUBELET_ARGS / KUBELET_EXTRA_ARGS drop-ins.
// ---------------------------------------------------------------------------------------
const EKS_AL2_UNIT = `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/kubernetes/kubernetes
After=containerd.service sandbox-image.service
Requires=containerd.service sandbox-image.service

[Service]
Slice=runtime.slice
ExecStartPre=/sbin/iptables -P FORWARD ACCEPT -w 5
ExecStart=/usr/bin/kubelet \\
    --config /etc/kubernetes/kubelet/kubelet-config.json \\
    --kubeconfig /var/lib/kubelet/kubeconfig \\
    --container-runtime-endpoint unix:///run/containerd/containerd.sock \\
    --image-credential-provider-config /etc/eks/image-credential-provider/config.json \\
    --image-credential-provider-bin-dir /etc/eks/image-credential-provider \\
    $KUBELET_ARGS \\
    $KUBELET_EXTRA_ARGS

Restart=on-failure
RestartForceExitStatus=SIGPIPE
RestartSec=5
KillMode=process
CPUAccounting=true
MemoryAccounting=true

[Install]
WantedBy=multi-user.target
`;
const EKS_AL2_CONFIG = { ...EKS_CONFIG, cgroupDriver: "systemd", rotateCertificates: true, seccompDefault: true };
const eksAl2: DistroNode = {
  distribution: "eks",
  variant: "al2",
  expect: {
    source: "unit",
    serviceFile: "/etc/systemd/system/kubelet.service",
    configFile: "/etc/kubernetes/kubelet/kubelet-config.json",
    kubeconfig: "/var/lib/kubelet/kubeconfig",
    clientCAFile: "/etc/kubernetes/pki/ca.crt",
  },
  node: (o) =>
    apply(
      {
        ...base("ip-10-0-1-24"),
        "etc/os-release": 'NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nVERSION_ID="2"\n',
        "etc/eks/bootstrap.sh": { content: "#!/usr/bin/env bash\n", mode: 0o755 },
        "usr/bin/kubelet": { content: "ELF", mode: 0o755 },
        "etc/systemd/system/kubelet.service": secret(EKS_AL2_UNIT),
        "etc/systemd/system/kubelet.service.d/10-kubelet-args.conf": secret("[Service]\nEnvironment='KUBELET_ARGS=--node-ip=10.0.1.24 --pod-infra-container-image=602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/pause:3.5 --v=2 --hostname-override=ip-10-0-1-24.ec2.internal --cloud-provider=external'\n"),
        "etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf": secret("[Service]\nEnvironment='KUBELET_EXTRA_ARGS=--node-labels=nodegroup=ng-1'\n"),
        "etc/kubernetes/kubelet/kubelet-config.json": secret(JSON.stringify(EKS_AL2_CONFIG, null, 2)),
        "var/lib/kubelet/kubeconfig": secret(KUBECONFIG),
        "etc/kubernetes/pki/ca.crt": pub(CERT),
      },
      o,
    ),
  violations: {
    ...fileViolations({ unit: "etc/systemd/system/kubelet.service", kubeconfig: "var/lib/kubelet/kubeconfig", config: "etc/kubernetes/kubelet/kubelet-config.json" }),
    "4.2.1": {
      what: "KUBELET_EXTRA_ARGS=--anonymous-auth=true in 30-kubelet-extra-args.conf",
      options: { files: { "etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf": secret("[Service]\nEnvironment='KUBELET_EXTRA_ARGS=--node-labels=nodegroup=ng-1 --anonymous-auth=true'\n") } },
      message: "value is true, expected false",
      evidence: { file: "/etc/systemd/system/kubelet.service.d/30-kubelet-extra-args.conf", line: 2, key: "--anonymous-auth" },
    },
    "4.2.2": { what: "authorization AlwaysAllow", options: { files: { "etc/kubernetes/kubelet/kubelet-config.json": secret(JSON.stringify({ ...EKS_AL2_CONFIG, authorization: { mode: "AlwaysAllow" } }, null, 2)) } }, message: "value is AlwaysAllow, expected not (contains AlwaysAllow)" },
    "4.2.3": { what: "no clientCAFile", options: { files: { "etc/kubernetes/kubelet/kubelet-config.json": secret(JSON.stringify({ ...EKS_AL2_CONFIG, authentication: { anonymous: { enabled: false }, webhook: { enabled: true } } }, null, 2)) } }, message: "value is (not set), expected set" },
    "4.2.6": { what: "makeIPTablesUtilChains false", options: { files: { "etc/kubernetes/kubelet/kubelet-config.json": secret(JSON.stringify({ ...EKS_AL2_CONFIG, makeIPTablesUtilChains: false }, null, 2)) } }, message: "value is false, expected true" },
    "4.2.10": { what: "rotateCertificates false", options: { files: { "etc/kubernetes/kubelet/kubelet-config.json": secret(JSON.stringify({ ...EKS_AL2_CONFIG, rotateCertificates: false }, null, 2)) } }, message: "value is false, expected true or not set" },
    "NW-K8S-5": { what: "seccompDefault false", options: { files: { "etc/kubernetes/kubelet/kubelet-config.json": secret(JSON.stringify({ ...EKS_AL2_CONFIG, seccompDefault: false }, null, 2)) } }, message: "value is false, expected true" },
  },
  // AppArmor is checked on Debian, Ubuntu and SUSE nodes (kubernetes-node-runtime).
  skips: { "NW-K8S-3": "AppArmor is the security module of Debian", "NW-K8S-4": "AppArmor is the security module of Debian" },
};

// ---------------------------------------------------------------------------------------
// AKS: kubelet.service + /etc/default/kubelet KUBELET_FLAGS + 10-componentconfig.conf.
// ---------------------------------------------------------------------------------------
const AKS_UNIT = `[Unit]
Description=Kubelet
ConditionPathExists=/usr/local/bin/kubelet

[Service]
Restart=always
EnvironmentFile=/etc/default/kubelet
SuccessExitStatus=143
ExecStartPre=/bin/bash /opt/azure/containers/kubelet.sh
ExecStartPre=/bin/mkdir -p /var/lib/kubelet
ExecStartPre=/bin/mkdir -p /var/lib/cni
ExecStartPre=/bin/bash -c "if [ $(mount | grep \\"/var/lib/kubelet\\" | wc -l) -le 0 ] ; then /bin/mount --bind /var/lib/kubelet /var/lib/kubelet ; fi"
ExecStartPre=/bin/mount --make-shared /var/lib/kubelet
ExecStartPre=-/sbin/ebtables -t nat --list
ExecStartPre=-/sbin/iptables -t nat --numeric --list
ExecStart=/usr/local/bin/kubelet \\
        --enable-server \\
        --node-labels="\${KUBELET_NODE_LABELS}" \\
        --v=2 \\
        --volume-plugin-dir=/etc/kubernetes/volumeplugins \\
        $KUBELET_TLS_BOOTSTRAP_FLAGS \\
        $KUBELET_CONFIG_FILE_FLAGS \\
        $KUBELET_CONTAINERD_FLAGS \\
        $KUBELET_CGROUP_FLAGS \\
        $KUBELET_FLAGS

[Install]
WantedBy=multi-user.target
`;
const AKS_CONFIG = kubeletConfig("/etc/kubernetes/certs/ca.crt", {
  enableServer: true,
  cgroupDriver: "systemd",
  rotateCertificates: true,
  seccompDefault: true,
  featureGates: { RotateKubeletServerCertificate: true },
  tlsCipherSuites: STRONG_CIPHERS,
});
function aksDefaults(extra = ""): string {
  return `KUBELET_FLAGS=--cloud-config=/etc/kubernetes/azure.json --cloud-provider=external --pod-infra-container-image=mcr.microsoft.com/oss/kubernetes/pause:3.6 --max-pods=110${extra}
KUBELET_REGISTER_SCHEDULABLE=true
KUBELET_NODE_LABELS=kubernetes.azure.com/role=agent,agentpool=nodepool1
KUBELET_TLS_BOOTSTRAP_FLAGS=--kubeconfig /var/lib/kubelet/kubeconfig --bootstrap-kubeconfig /var/lib/kubelet/bootstrap-kubeconfig
`;
}
const aks: DistroNode = {
  distribution: "aks",
  expect: {
    source: "unit",
    serviceFile: "/etc/systemd/system/kubelet.service",
    configFile: "/etc/default/kubeletconfig.json",
    kubeconfig: "/var/lib/kubelet/kubeconfig",
    clientCAFile: "/etc/kubernetes/certs/ca.crt",
  },
  node: (o) =>
    apply(
      {
        ...base("aks-nodepool1-12345678-vmss000000"),
        "usr/local/bin/kubelet": { content: "ELF", mode: 0o755 },
        "opt/azure/containers/kubelet.sh": { content: "#!/bin/bash\n", mode: 0o744 },
        "etc/kubernetes/azure.json": secret('{"cloud":"AzurePublicCloud"}\n'),
        "etc/systemd/system/kubelet.service": secret(AKS_UNIT),
        "etc/systemd/system/kubelet.service.d/10-componentconfig.conf": secret('[Service]\nEnvironment="KUBELET_CONFIG_FILE_FLAGS=--config /etc/default/kubeletconfig.json"\n'),
        "etc/systemd/system/kubelet.service.d/10-containerd.conf": secret('[Service]\nEnvironment=KUBELET_CONTAINERD_FLAGS="--runtime-request-timeout=15m --container-runtime-endpoint=unix:///run/containerd/containerd.sock"\n'),
        "etc/default/kubelet": secret(aksDefaults()),
        "etc/default/kubeletconfig.json": secret(JSON.stringify(AKS_CONFIG, null, 2)),
        "var/lib/kubelet/kubeconfig": secret(KUBECONFIG),
        "etc/kubernetes/certs/ca.crt": secret(CERT),
      },
      o,
    ),
  violations: {
    ...fileViolations({ unit: "etc/systemd/system/kubelet.service", kubeconfig: "var/lib/kubelet/kubeconfig", config: "etc/default/kubeletconfig.json" }),
    "4.2.1": { what: "anonymous auth on in kubeletconfig.json", options: { files: { "etc/default/kubeletconfig.json": secret(JSON.stringify({ ...AKS_CONFIG, authentication: { ...(AKS_CONFIG.authentication as object), anonymous: { enabled: true } } }, null, 2)) } }, message: "value is true, expected false" },
    "4.2.2": {
      what: "--authorization-mode=AlwaysAllow in KUBELET_FLAGS",
      options: { files: { "etc/default/kubelet": secret(aksDefaults(" --authorization-mode=AlwaysAllow")) } },
      message: "value is AlwaysAllow, expected not (contains AlwaysAllow)",
      evidence: { file: "/etc/default/kubelet", line: 1, key: "--authorization-mode" },
    },
    "4.2.3": { what: "no clientCAFile", options: { files: { "etc/default/kubeletconfig.json": secret(JSON.stringify({ ...AKS_CONFIG, authentication: { anonymous: { enabled: false }, webhook: { enabled: true } } }, null, 2)) } }, message: "value is (not set), expected set" },
    "4.2.6": { what: "--make-iptables-util-chains=false in KUBELET_FLAGS", options: { files: { "etc/default/kubelet": secret(aksDefaults(" --make-iptables-util-chains=false")) } }, message: "value is false, expected true" },
    "4.2.10": { what: "--rotate-certificates=false in KUBELET_FLAGS", options: { files: { "etc/default/kubelet": secret(aksDefaults(" --rotate-certificates=false")) } }, message: "value is false, expected true or not set" },
    ...APPARMOR_VIOLATIONS,
    "NW-K8S-5": { what: "seccompDefault false", options: { files: { "etc/default/kubeletconfig.json": secret(JSON.stringify({ ...AKS_CONFIG, seccompDefault: false }, null, 2)) } }, message: "value is false, expected true" },
  },
  skips: {},
};

// ---------------------------------------------------------------------------------------
// GKE: /etc/default/kubelet KUBELET_OPTS, /home/kubernetes/kubelet-config.yaml.
// ---------------------------------------------------------------------------------------
const GKE_UNIT = `[Unit]
Description=Kubernetes kubelet
Requires=network-online.target
After=network-online.target

[Service]
Restart=always
RestartSec=10
EnvironmentFile=/etc/default/kubelet
ExecStart=/home/kubernetes/bin/kubelet $KUBELET_OPTS

[Install]
WantedBy=multi-user.target
`;
const GKE_CONFIG = kubeletConfig("/etc/srv/kubernetes/pki/ca-certificates.crt", {
  cgroupDriver: "systemd",
  rotateCertificates: true,
  seccompDefault: true,
  featureGates: { RotateKubeletServerCertificate: true },
  staticPodPath: "/etc/kubernetes/manifests",
});
function gkeDefaults(extra = ""): string {
  return `KUBELET_OPTS="--v=2 --cloud-provider=external --experimental-mounter-path=/home/kubernetes/containerized_mounter/mounter --cert-dir=/var/lib/kubelet/pki/ --kubeconfig=/var/lib/kubelet/kubeconfig --max-pods=110 --volume-plugin-dir=/home/kubernetes/flexvolume --node-status-max-images=25 --container-runtime-endpoint=unix:///run/containerd/containerd.sock --runtime-cgroups=/system.slice/containerd.service --registry-qps=10 --registry-burst=20 --config /home/kubernetes/kubelet-config.yaml${extra}"\nKUBE_COVERAGE_FILE="/var/log/kubelet.cov"\n`;
}
const gke: DistroNode = {
  distribution: "gke",
  expect: {
    source: "unit",
    serviceFile: "/etc/systemd/system/kubelet.service",
    configFile: "/home/kubernetes/kubelet-config.yaml",
    kubeconfig: "/var/lib/kubelet/kubeconfig",
    clientCAFile: "/etc/srv/kubernetes/pki/ca-certificates.crt",
  },
  node: (o) =>
    apply(
      {
        ...base("gke-cluster-1-default-pool-1a2b3c4d-x9z8"),
        "etc/os-release": 'NAME="Container-Optimized OS"\nID=cos\nVERSION_ID=113\n',
        "home/kubernetes/bin/kubelet": { content: "ELF", mode: 0o755 },
        "etc/systemd/system/kubelet.service": secret(GKE_UNIT),
        "etc/default/kubelet": secret(gkeDefaults()),
        "home/kubernetes/kubelet-config.yaml": secret(stringify(GKE_CONFIG)),
        "var/lib/kubelet/kubeconfig": secret(KUBECONFIG),
        "etc/srv/kubernetes/pki/ca-certificates.crt": pub(CERT),
      },
      o,
    ),
  violations: {
    ...fileViolations({ unit: "etc/systemd/system/kubelet.service", kubeconfig: "var/lib/kubelet/kubeconfig", config: "home/kubernetes/kubelet-config.yaml" }),
    "4.2.1": {
      what: "anonymous auth on in kubelet-config.yaml",
      options: { files: { "home/kubernetes/kubelet-config.yaml": secret(stringify({ ...GKE_CONFIG, authentication: { ...(GKE_CONFIG.authentication as object), anonymous: { enabled: true } } })) } },
      message: "value is true, expected false",
      evidence: { file: "/home/kubernetes/kubelet-config.yaml", key: "authentication.anonymous.enabled" },
    },
    "4.2.2": { what: "--authorization-mode=AlwaysAllow in KUBELET_OPTS", options: { files: { "etc/default/kubelet": secret(gkeDefaults(" --authorization-mode=AlwaysAllow")) } }, message: "value is AlwaysAllow, expected not (contains AlwaysAllow)", evidence: { file: "/etc/default/kubelet", line: 1 } },
    "4.2.3": { what: "no clientCAFile", options: { files: { "home/kubernetes/kubelet-config.yaml": secret(stringify({ ...GKE_CONFIG, authentication: { anonymous: { enabled: false }, webhook: { enabled: true } } })) } }, message: "value is (not set), expected set" },
    "4.2.6": { what: "makeIPTablesUtilChains false", options: { files: { "home/kubernetes/kubelet-config.yaml": secret(stringify({ ...GKE_CONFIG, makeIPTablesUtilChains: false })) } }, message: "value is false, expected true" },
    "4.2.10": { what: "rotateCertificates false", options: { files: { "home/kubernetes/kubelet-config.yaml": secret(stringify({ ...GKE_CONFIG, rotateCertificates: false })) } }, message: "value is false, expected true or not set" },
    "NW-K8S-5": { what: "seccompDefault false", options: { files: { "home/kubernetes/kubelet-config.yaml": secret(stringify({ ...GKE_CONFIG, seccompDefault: false })) } }, message: "value is false, expected true" },
  },
  // AppArmor is checked on Debian, Ubuntu and SUSE nodes (kubernetes-node-runtime).
  skips: { "NW-K8S-3": "AppArmor is the security module of Debian", "NW-K8S-4": "AppArmor is the security module of Debian" },
};

/** Every shipped pack that judges a Kubernetes node (the selection picks among them by the node). */
export const KUBERNETES_PACKS = [
  "cis-kubernetes-node",
  "cis-kubernetes-node-2.0",
  "kubernetes-control-plane",
  "kubernetes-control-plane-2.0",
  "cis-eks-node",
  "cis-aks-node",
  "cis-gke-node",
  "kubernetes-node-runtime",
] as const;
export type KubernetesPack = (typeof KUBERNETES_PACKS)[number];

export const DISTRO_NODES: Record<string, DistroNode> = {
  "k3s-agent": k3sAgent,
  "rke2-agent": rke2Agent,
  "k0s-worker": k0sWorker,
  "eks-al2023": eksAl2023,
  "eks-al2": eksAl2,
  aks,
  gke,
};
