/**
 * A compliant kubeadm-style node as a FixtureSpec: the kubelet unit + 10-kubeadm.conf
 * drop-in, /var/lib/kubelet/config.yaml, kubelet.conf, pki, the four control-plane static
 * pod manifests, admin/scheduler/controller-manager kubeconfigs, an audit policy and an
 * EncryptionConfiguration, the etcd data dir, a kube-proxy running in a pod (its config
 * only inside the container, read through /proc/<pid>/root), and AppArmor's sysfs files.
 * Every automated check of cis-kubernetes-node, kubernetes-control-plane and
 * kubernetes-node-runtime passes on it; options plant one violation at a time.
 *
 *   const root = await fixtureRoot(kubeadmNode({ kubeletConfig: { readOnlyPort: 10255 } }));
 *
 * Other packs' tests extend it (modprobe.d, sysctl.d, sshd_config) with `files`.
 */
import { expect } from "vitest";
import { stringify } from "yaml";
import type { CheckResult } from "../../src/engine/result.js";
import type { Evidence } from "../../src/probes/types.js";
import type { FixtureEntry, FixtureSpec } from "./fixture-root.js";

export const ETCD_UID = 998;

export const KUBEADM_ACCOUNTS: FixtureSpec = {
  "etc/passwd":
    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
    `etcd:x:${ETCD_UID}:${ETCD_UID}:etcd user:/var/lib/etcd:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
  "etc/group": `root:x:0:\ndaemon:x:1:\nshadow:x:42:\netcd:x:${ETCD_UID}:\nnogroup:x:65534:\n`,
};

export const KUBELET_SERVICE = `[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;

export const KUBEADM_DROPIN = `# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

export const STRONG_CIPHERS = [
  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
];

export const COMPLIANT_KUBELET_CONFIG: Record<string, unknown> = {
  apiVersion: "kubelet.config.k8s.io/v1beta1",
  kind: "KubeletConfiguration",
  authentication: {
    anonymous: { enabled: false },
    webhook: { enabled: true, cacheTTL: "0s" },
    x509: { clientCAFile: "/etc/kubernetes/pki/ca.crt" },
  },
  authorization: { mode: "Webhook" },
  cgroupDriver: "systemd",
  staticPodPath: "/etc/kubernetes/manifests",
  readOnlyPort: 0,
  streamingConnectionIdleTimeout: "5m0s",
  makeIPTablesUtilChains: true,
  eventRecordQPS: 50,
  tlsCertFile: "/var/lib/kubelet/pki/kubelet.crt",
  tlsPrivateKeyFile: "/var/lib/kubelet/pki/kubelet.key",
  rotateCertificates: true,
  featureGates: { RotateKubeletServerCertificate: true },
  tlsCipherSuites: STRONG_CIPHERS,
  podPidsLimit: 4096,
  seccompDefault: true,
};

/** Flags as kubeadm writes them into the manifests (name → value; null removes in overrides). */
export type Flags = Record<string, string | null>;

/**
 * kubeadm's kube-apiserver flags, hardened as CIS 1.2 asks. --anonymous-auth stays at its
 * default (true): kubeadm's liveness probes call /livez anonymously (CIS 1.2.1 is Manual).
 * EventRateLimit (1.2.9, Manual) needs an admission configuration file: not enabled here.
 */
export const APISERVER_FLAGS: Flags = {
  "advertise-address": "192.168.0.10",
  "allow-privileged": "true",
  "authorization-mode": "Node,RBAC",
  "client-ca-file": "/etc/kubernetes/pki/ca.crt",
  "enable-admission-plugins": "NodeRestriction,AlwaysPullImages,DenyServiceExternalIPs",
  "enable-bootstrap-token-auth": "true",
  "etcd-cafile": "/etc/kubernetes/pki/etcd/ca.crt",
  "etcd-certfile": "/etc/kubernetes/pki/apiserver-etcd-client.crt",
  "etcd-keyfile": "/etc/kubernetes/pki/apiserver-etcd-client.key",
  "etcd-servers": "https://127.0.0.1:2379",
  "kubelet-certificate-authority": "/etc/kubernetes/pki/ca.crt",
  "kubelet-client-certificate": "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
  "kubelet-client-key": "/etc/kubernetes/pki/apiserver-kubelet-client.key",
  "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
  profiling: "false",
  "secure-port": "6443",
  "service-account-extend-token-expiration": "false",
  "service-account-issuer": "https://kubernetes.default.svc.cluster.local",
  "service-account-key-file": "/etc/kubernetes/pki/sa.pub",
  "service-account-lookup": "true",
  "service-account-signing-key-file": "/etc/kubernetes/pki/sa.key",
  "service-cluster-ip-range": "10.96.0.0/12",
  "tls-cert-file": "/etc/kubernetes/pki/apiserver.crt",
  "tls-cipher-suites": STRONG_CIPHERS.join(","),
  "tls-private-key-file": "/etc/kubernetes/pki/apiserver.key",
  "audit-policy-file": "/etc/kubernetes/audit/policy.yaml",
  "audit-log-path": "/var/log/kubernetes/audit/audit.log",
  "audit-log-maxage": "30",
  "audit-log-maxbackup": "10",
  "audit-log-maxsize": "100",
  // Mounted from /etc/kubernetes/encryption on the host: the probe must map it.
  "encryption-provider-config": "/etc/kubernetes/enc/encryption.yaml",
};

/** etcd's flags as kubeadm writes them (client and peer TLS with etcd's own CA: CIS section 2). */
export const ETCD_FLAGS: Flags = {
  "advertise-client-urls": "https://192.168.0.10:2379",
  "cert-file": "/etc/kubernetes/pki/etcd/server.crt",
  "client-cert-auth": "true",
  "data-dir": "/var/lib/etcd",
  "initial-advertise-peer-urls": "https://192.168.0.10:2380",
  "initial-cluster": "cp1=https://192.168.0.10:2380",
  "key-file": "/etc/kubernetes/pki/etcd/server.key",
  "listen-client-urls": "https://127.0.0.1:2379,https://192.168.0.10:2379",
  "listen-metrics-urls": "http://127.0.0.1:2381",
  "listen-peer-urls": "https://192.168.0.10:2380",
  name: "cp1",
  "peer-cert-file": "/etc/kubernetes/pki/etcd/peer.crt",
  "peer-client-cert-auth": "true",
  "peer-key-file": "/etc/kubernetes/pki/etcd/peer.key",
  "peer-trusted-ca-file": "/etc/kubernetes/pki/etcd/ca.crt",
  "snapshot-count": "10000",
  "trusted-ca-file": "/etc/kubernetes/pki/etcd/ca.crt",
};

/** kubeadm's kube-scheduler flags, hardened as CIS 1.4 asks. */
export const SCHEDULER_FLAGS: Flags = {
  "authentication-kubeconfig": "/etc/kubernetes/scheduler.conf",
  "authorization-kubeconfig": "/etc/kubernetes/scheduler.conf",
  "bind-address": "127.0.0.1",
  kubeconfig: "/etc/kubernetes/scheduler.conf",
  "leader-elect": "true",
  profiling: "false",
};

/** kubeadm's kube-controller-manager flags, hardened as CIS 1.3 asks. */
export const CONTROLLER_MANAGER_FLAGS: Flags = {
  "allocate-node-cidrs": "true",
  "authentication-kubeconfig": "/etc/kubernetes/controller-manager.conf",
  "authorization-kubeconfig": "/etc/kubernetes/controller-manager.conf",
  "bind-address": "127.0.0.1",
  "client-ca-file": "/etc/kubernetes/pki/ca.crt",
  "cluster-signing-cert-file": "/etc/kubernetes/pki/ca.crt",
  "cluster-signing-key-file": "/etc/kubernetes/pki/ca.key",
  controllers: "*,bootstrapsigner,tokencleaner",
  "feature-gates": "RotateKubeletServerCertificate=true",
  kubeconfig: "/etc/kubernetes/controller-manager.conf",
  "leader-elect": "true",
  profiling: "false",
  "root-ca-file": "/etc/kubernetes/pki/ca.crt",
  "service-account-private-key-file": "/etc/kubernetes/pki/sa.key",
  "terminated-pod-gc-threshold": "10",
  "use-service-account-credentials": "true",
};

export const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages:
- "RequestReceived"
rules:
- level: None
  verbs: ["get", "list", "watch"]
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets"]
- level: RequestResponse
`;

export const ENCRYPTION_CONFIG = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
      - identity: {}
`;

export const KUBE_PROXY_PID = 4242;

export const KUBE_PROXY_CONFIG: Record<string, unknown> = {
  apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
  kind: "KubeProxyConfiguration",
  bindAddress: "0.0.0.0",
  clientConnection: { kubeconfig: "/var/lib/kube-proxy/kubeconfig.conf" },
  // kubeadm leaves it empty: kube-proxy then binds 127.0.0.1:10249.
  metricsBindAddress: "",
  mode: "iptables",
};

/** The kubelet version of the default node: older than 1.34, so CIS Kubernetes 1.12 judges it. */
export const KUBEADM_KUBELET_VERSION = "1.33.5";

/** dpkg's stanza for pkgs.k8s.io's kubelet package (its version picks the benchmark edition). */
export function kubeletPackage(version: string): string {
  return `Package: kubelet\nStatus: install ok installed\nPriority: optional\nSection: misc\nArchitecture: amd64\nVersion: ${version}-1.1\nDescription: Node agent for Kubernetes clusters\n`;
}

export interface KubeadmNodeOptions {
  /** The kubelet package's version (default KUBEADM_KUBELET_VERSION); null: no package, version unknown. */
  kubeletVersion?: string | null;
  /** Deep-merged over the compliant kubelet config; a null value deletes the key. */
  kubeletConfig?: Record<string, unknown>;
  apiserverFlags?: Flags;
  etcdFlags?: Flags;
  schedulerFlags?: Flags;
  controllerManagerFlags?: Flags;
  /** Deep-merged over the kube-proxy config (inside its container). */
  proxyConfig?: Record<string, unknown>;
  /** Extra kube-proxy command-line flags. */
  proxyFlags?: Flags;
  /** kube-proxy runs on the host (systemd), its config and kubeconfig host files under /var/lib/kube-proxy. */
  proxyOnHost?: boolean;
  /** Another mode for existing entries (relative path → mode). */
  chmod?: Record<string, number>;
  /** Another owner (uid = gid) for existing entries. */
  chown?: Record<string, number>;
  /** Entries added or replaced last (another content). */
  files?: FixtureSpec;
  /** Entries removed (relative paths). */
  omit?: string[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = mergeDeep(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

function argv(component: string, flags: Flags, over: Flags = {}): string[] {
  const merged: Flags = { ...flags, ...over };
  return [component, ...Object.entries(merged).filter(([, v]) => v !== null).map(([k, v]) => `--${k}=${v}`)];
}

interface Mount {
  name: string;
  mountPath: string;
  hostPath: string;
  type?: string;
}

/** A static pod manifest laid out as kubeadm writes it. */
export function staticPod(name: string, command: string[], mounts: Mount[], version = KUBEADM_KUBELET_VERSION): string {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { labels: { component: name, tier: "control-plane" }, name, namespace: "kube-system" },
    spec: {
      containers: [
        {
          command,
          image: `registry.k8s.io/${name}:v${version}`,
          name,
          volumeMounts: mounts.map((m) => ({ mountPath: m.mountPath, name: m.name, readOnly: true })),
        },
      ],
      hostNetwork: true,
      priorityClassName: "system-node-critical",
      volumes: mounts.map((m) => ({ hostPath: { path: m.hostPath, type: m.type ?? "DirectoryOrCreate" }, name: m.name })),
    },
  });
}

const secret = (content: string, mode = 0o600, uid = 0): FixtureEntry => ({ content, mode, uid, gid: uid });

export function kubeadmNode(o: KubeadmNodeOptions = {}): FixtureSpec {
  const version = o.kubeletVersion === undefined ? KUBEADM_KUBELET_VERSION : o.kubeletVersion;
  const pod = (name: string, command: string[], mounts: Mount[]) => staticPod(name, command, mounts, version ?? KUBEADM_KUBELET_VERSION);
  const kubeletConfig = mergeDeep(COMPLIANT_KUBELET_CONFIG, o.kubeletConfig ?? {});
  const proxyConfig = mergeDeep(KUBE_PROXY_CONFIG, o.proxyConfig ?? {});
  const proxyArgv = argv("/usr/local/bin/kube-proxy", { config: "/var/lib/kube-proxy/config.conf", "hostname-override": "cp1" }, o.proxyFlags);
  const spec: FixtureSpec = {
    ...KUBEADM_ACCOUNTS,
    "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
    // pkgs.k8s.io's kubelet package: the kubelet's version, by which the benchmark edition is chosen.
    ...(version !== null ? { "var/lib/dpkg/status": kubeletPackage(version) } : {}),
    // kubelet: unit + kubeadm drop-in (the drop-in holds the ExecStart: CIS's "service file").
    "lib/systemd/system/kubelet.service": { content: KUBELET_SERVICE, mode: 0o644 },
    "etc/systemd/system/kubelet.service.d/10-kubeadm.conf": secret(KUBEADM_DROPIN),
    "var/lib/kubelet/kubeadm-flags.env": secret(
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10"\n',
    ),
    "var/lib/kubelet/config.yaml": secret(stringify(kubeletConfig)),
    "etc/kubernetes/kubelet.conf": secret("apiVersion: v1\nkind: Config\nusers:\n- name: system:node:cp1\n"),
    "etc/kubernetes/pki/ca.crt": { content: "-----BEGIN CERTIFICATE-----\n", mode: 0o644, uid: 0, gid: 0 },
    "etc/kubernetes/pki/ca.key": secret("-----BEGIN PRIVATE KEY-----\n"),
    "etc/kubernetes/pki/etcd/ca.crt": { content: "-----BEGIN CERTIFICATE-----\n", mode: 0o644, uid: 0, gid: 0 },
    "etc/kubernetes/pki/etcd/server.key": secret("-----BEGIN PRIVATE KEY-----\n"),
    // The CNI plugin's config (a DaemonSet writes it; 0644 is common, CIS asks 0600: manual 1.1.9).
    "etc/cni/net.d/10-containerd-net.conflist": { content: '{"cniVersion":"1.0.0","name":"containerd-net","plugins":[{"type":"bridge"}]}\n', mode: 0o644, uid: 0, gid: 0 },
    // control plane
    "etc/kubernetes/manifests/kube-apiserver.yaml": secret(
      pod("kube-apiserver", argv("kube-apiserver", APISERVER_FLAGS, o.apiserverFlags), [
        { name: "k8s-certs", mountPath: "/etc/kubernetes/pki", hostPath: "/etc/kubernetes/pki" },
        { name: "audit", mountPath: "/etc/kubernetes/audit", hostPath: "/etc/kubernetes/audit" },
        { name: "audit-log", mountPath: "/var/log/kubernetes/audit", hostPath: "/var/log/kubernetes/audit" },
        { name: "enc", mountPath: "/etc/kubernetes/enc", hostPath: "/etc/kubernetes/encryption" },
      ]),
    ),
    "etc/kubernetes/manifests/etcd.yaml": secret(
      pod("etcd", argv("etcd", ETCD_FLAGS, o.etcdFlags), [
        { name: "etcd-certs", mountPath: "/etc/kubernetes/pki/etcd", hostPath: "/etc/kubernetes/pki/etcd" },
        { name: "etcd-data", mountPath: "/var/lib/etcd", hostPath: "/var/lib/etcd" },
      ]),
    ),
    "etc/kubernetes/manifests/kube-scheduler.yaml": secret(
      pod("kube-scheduler", argv("kube-scheduler", SCHEDULER_FLAGS, o.schedulerFlags), [
        { name: "kubeconfig", mountPath: "/etc/kubernetes/scheduler.conf", hostPath: "/etc/kubernetes/scheduler.conf", type: "FileOrCreate" },
      ]),
    ),
    "etc/kubernetes/manifests/kube-controller-manager.yaml": secret(
      pod("kube-controller-manager", argv("kube-controller-manager", CONTROLLER_MANAGER_FLAGS, o.controllerManagerFlags), [
        { name: "k8s-certs", mountPath: "/etc/kubernetes/pki", hostPath: "/etc/kubernetes/pki" },
        { name: "kubeconfig", mountPath: "/etc/kubernetes/controller-manager.conf", hostPath: "/etc/kubernetes/controller-manager.conf", type: "FileOrCreate" },
      ]),
    ),
    "etc/kubernetes/admin.conf": secret("apiVersion: v1\nkind: Config\n"),
    "etc/kubernetes/super-admin.conf": secret("apiVersion: v1\nkind: Config\n"),
    "etc/kubernetes/scheduler.conf": secret("apiVersion: v1\nkind: Config\n"),
    "etc/kubernetes/controller-manager.conf": secret("apiVersion: v1\nkind: Config\n"),
    "etc/kubernetes/audit/policy.yaml": secret(AUDIT_POLICY),
    "etc/kubernetes/encryption/encryption.yaml": secret(ENCRYPTION_CONFIG),
    "var/lib/etcd": { dir: true, mode: 0o700, uid: ETCD_UID, gid: ETCD_UID },
    "var/lib/etcd/member": { dir: true, mode: 0o700, uid: ETCD_UID, gid: ETCD_UID },
    // kube-proxy: a DaemonSet pod, its own mount namespace; config only inside the container.
    "proc/1/cmdline": "/sbin/init\0",
    "proc/1/ns/mnt": { symlink: "mnt:[4026531841]" },
    [`proc/${KUBE_PROXY_PID}/cmdline`]: proxyArgv.join("\0") + "\0",
    ...(o.proxyOnHost
      ? {
          [`proc/${KUBE_PROXY_PID}/ns/mnt`]: { symlink: "mnt:[4026531841]" },
          "var/lib/kube-proxy/config.conf": secret(stringify(proxyConfig)),
          "var/lib/kube-proxy/kubeconfig.conf": secret("apiVersion: v1\nkind: Config\n"),
        }
      : {
          [`proc/${KUBE_PROXY_PID}/ns/mnt`]: { symlink: "mnt:[4026532712]" },
          [`proc/${KUBE_PROXY_PID}/root/var/lib/kube-proxy/config.conf`]: stringify(proxyConfig),
          [`proc/${KUBE_PROXY_PID}/root/var/lib/kube-proxy/kubeconfig.conf`]: "apiVersion: v1\nkind: Config\n",
        }),
    // AppArmor enabled, profiles loaded.
    "sys/kernel/security/apparmor/profiles": "cri-containerd.apparmor.d (enforce)\n/usr/sbin/chronyd (enforce)\n",
    "sys/module/apparmor/parameters/enabled": "Y\n",
    ...o.files,
  };
  for (const [p, mode] of Object.entries(o.chmod ?? {})) spec[p] = patch(spec[p], p, { mode });
  for (const [p, uid] of Object.entries(o.chown ?? {})) spec[p] = patch(spec[p], p, { uid, gid: uid });
  for (const p of o.omit ?? []) delete spec[p];
  return spec;
}

function patch(e: FixtureEntry | undefined, p: string, change: { mode?: number; uid?: number; gid?: number }): FixtureEntry {
  if (e === undefined || (typeof e === "object" && "symlink" in e)) throw new Error(`kubeadmNode: no file or directory ${p} to change`);
  return typeof e === "string" ? { content: e, ...change } : { ...e, ...change };
}

/**
 * One violation per automated check of the three packs: planted in the compliant node, it
 * must fail exactly that check. `message` is the start of the fail message.
 */
export interface Violation {
  what: string;
  options: KubeadmNodeOptions;
  message: string;
}

const DROPIN = "etc/systemd/system/kubelet.service.d/10-kubeadm.conf";
const MANIFESTS = "etc/kubernetes/manifests";

export const KUBEADM_VIOLATIONS: Record<string, Violation> = {
  "cis-kubernetes-node/4.1.1": { what: "10-kubeadm.conf mode 0644", options: { chmod: { [DROPIN]: 0o644 } }, message: "mode is 0644, expected 0600 or more restrictive" },
  "cis-kubernetes-node/4.1.2": { what: "10-kubeadm.conf owned by daemon", options: { chown: { [DROPIN]: 1 } }, message: "owner is daemon, expected root; group is daemon, expected root" },
  "cis-kubernetes-node/4.1.5": { what: "kubelet.conf mode 0640", options: { chmod: { "etc/kubernetes/kubelet.conf": 0o640 } }, message: "mode is 0640, expected 0600 or more restrictive" },
  "cis-kubernetes-node/4.1.6": { what: "kubelet.conf owned by daemon", options: { chown: { "etc/kubernetes/kubelet.conf": 1 } }, message: "owner is daemon, expected root" },
  "cis-kubernetes-node/4.1.9": { what: "config.yaml mode 0644", options: { chmod: { "var/lib/kubelet/config.yaml": 0o644 } }, message: "mode is 0644, expected 0600 or more restrictive" },
  "cis-kubernetes-node/4.1.10": { what: "config.yaml owned by daemon", options: { chown: { "var/lib/kubelet/config.yaml": 1 } }, message: "owner is daemon, expected root" },
  "cis-kubernetes-node/4.2.1": { what: "anonymous auth on", options: { kubeletConfig: { authentication: { anonymous: { enabled: true } } } }, message: "value is true, expected false" },
  "cis-kubernetes-node/4.2.2": { what: "authorization AlwaysAllow", options: { kubeletConfig: { authorization: { mode: "AlwaysAllow" } } }, message: "value is AlwaysAllow, expected not (contains AlwaysAllow)" },
  "cis-kubernetes-node/4.2.3": { what: "no client CA", options: { kubeletConfig: { authentication: { x509: { clientCAFile: null } } } }, message: "value is (not set), expected set" },
  "cis-kubernetes-node/4.2.6": { what: "makeIPTablesUtilChains false", options: { kubeletConfig: { makeIPTablesUtilChains: false } }, message: "value is false, expected true" },
  "cis-kubernetes-node/4.2.10": { what: "rotateCertificates false", options: { kubeletConfig: { rotateCertificates: false } }, message: "value is false, expected true or not set" },
  "cis-kubernetes-node/4.3.1": { what: "kube-proxy metrics on all interfaces", options: { proxyConfig: { metricsBindAddress: "0.0.0.0:10249" } }, message: "value is 0.0.0.0:10249, expected matches" },

  "kubernetes-control-plane/1.1.1": { what: "kube-apiserver.yaml mode 0644", options: { chmod: { [`${MANIFESTS}/kube-apiserver.yaml`]: 0o644 } }, message: "mode is 0644" },
  "kubernetes-control-plane/1.1.2": { what: "kube-apiserver.yaml owned by daemon", options: { chown: { [`${MANIFESTS}/kube-apiserver.yaml`]: 1 } }, message: "owner is daemon" },
  "kubernetes-control-plane/1.1.3": { what: "kube-controller-manager.yaml mode 0644", options: { chmod: { [`${MANIFESTS}/kube-controller-manager.yaml`]: 0o644 } }, message: "mode is 0644" },
  "kubernetes-control-plane/1.1.4": { what: "kube-controller-manager.yaml owned by daemon", options: { chown: { [`${MANIFESTS}/kube-controller-manager.yaml`]: 1 } }, message: "owner is daemon" },
  "kubernetes-control-plane/1.1.5": { what: "kube-scheduler.yaml mode 0604", options: { chmod: { [`${MANIFESTS}/kube-scheduler.yaml`]: 0o604 } }, message: "mode is 0604" },
  "kubernetes-control-plane/1.1.6": { what: "kube-scheduler.yaml owned by daemon", options: { chown: { [`${MANIFESTS}/kube-scheduler.yaml`]: 1 } }, message: "owner is daemon" },
  "kubernetes-control-plane/1.1.7": { what: "etcd.yaml mode 0660", options: { chmod: { [`${MANIFESTS}/etcd.yaml`]: 0o660 } }, message: "mode is 0660" },
  "kubernetes-control-plane/1.1.8": { what: "etcd.yaml owned by daemon", options: { chown: { [`${MANIFESTS}/etcd.yaml`]: 1 } }, message: "owner is daemon" },
  "kubernetes-control-plane/1.1.11": { what: "etcd data dir mode 0755", options: { chmod: { "var/lib/etcd": 0o755 } }, message: "mode is 0755, expected 0700 or more restrictive" },
  "kubernetes-control-plane/1.1.12": { what: "etcd data dir owned by root (kubeadm's default)", options: { chown: { "var/lib/etcd": 0 } }, message: "owner is root, expected etcd; group is root, expected etcd" },
  "kubernetes-control-plane/1.1.13": { what: "super-admin.conf mode 0644", options: { chmod: { "etc/kubernetes/super-admin.conf": 0o644 } }, message: "files is 1 of 2 not matching: /etc/kubernetes/super-admin.conf" },
  "kubernetes-control-plane/1.1.14": { what: "admin.conf owned by daemon", options: { chown: { "etc/kubernetes/admin.conf": 1 } }, message: "files is 1 of 2 not matching: /etc/kubernetes/admin.conf" },
  "kubernetes-control-plane/1.1.15": { what: "scheduler.conf mode 0644", options: { chmod: { "etc/kubernetes/scheduler.conf": 0o644 } }, message: "mode is 0644" },
  "kubernetes-control-plane/1.1.16": { what: "scheduler.conf owned by daemon", options: { chown: { "etc/kubernetes/scheduler.conf": 1 } }, message: "owner is daemon" },
  "kubernetes-control-plane/1.1.17": { what: "controller-manager.conf mode 0644", options: { chmod: { "etc/kubernetes/controller-manager.conf": 0o644 } }, message: "mode is 0644" },
  "kubernetes-control-plane/1.1.18": { what: "controller-manager.conf owned by daemon", options: { chown: { "etc/kubernetes/controller-manager.conf": 1 } }, message: "owner is daemon" },
  "kubernetes-control-plane/1.1.19": { what: "pki/etcd/server.key owned by daemon", options: { chown: { "etc/kubernetes/pki/etcd/server.key": 1 } }, message: "matches is 1 of 6 not matching: /etc/kubernetes/pki/etcd/server.key" },
  "kubernetes-control-plane/1.2.2": { what: "static token file", options: { apiserverFlags: { "token-auth-file": "/etc/kubernetes/pki/tokens.csv" } }, message: "value is /etc/kubernetes/pki/tokens.csv, expected not set" },
  "kubernetes-control-plane/1.2.4": { what: "no --kubelet-client-key", options: { apiserverFlags: { "kubelet-client-key": null } }, message: "flags.kubelet-client-key is (not set), expected set" },
  "kubernetes-control-plane/1.2.5": { what: "no --kubelet-certificate-authority (kubeadm's default)", options: { apiserverFlags: { "kubelet-certificate-authority": null } }, message: "value is (not set), expected set" },
  "kubernetes-control-plane/1.2.6": { what: "AlwaysAllow after Node,RBAC", options: { apiserverFlags: { "authorization-mode": "Node,RBAC,AlwaysAllow" } }, message: "value is Node,RBAC,AlwaysAllow, expected not (contains AlwaysAllow)" },
  "kubernetes-control-plane/1.2.7": { what: "--authorization-mode=RBAC", options: { apiserverFlags: { "authorization-mode": "RBAC" } }, message: "value is RBAC, expected contains Node" },
  "kubernetes-control-plane/1.2.8": { what: "--authorization-mode=Node,Webhook", options: { apiserverFlags: { "authorization-mode": "Node,Webhook" } }, message: "value is Node,Webhook, expected contains RBAC" },
  "kubernetes-control-plane/1.2.10": {
    what: "AlwaysAdmit enabled",
    options: { apiserverFlags: { "enable-admission-plugins": "NodeRestriction,AlwaysPullImages,DenyServiceExternalIPs,AlwaysAdmit" } },
    message: "value is NodeRestriction,AlwaysPullImages,DenyServiceExternalIPs,AlwaysAdmit, expected not set or not (contains AlwaysAdmit)",
  },
  "kubernetes-control-plane/1.2.12": { what: "ServiceAccount disabled", options: { apiserverFlags: { "disable-admission-plugins": "ServiceAccount" } }, message: "value is ServiceAccount, expected not set or not (contains ServiceAccount)" },
  "kubernetes-control-plane/1.2.13": { what: "NamespaceLifecycle disabled", options: { apiserverFlags: { "disable-admission-plugins": "NamespaceLifecycle" } }, message: "value is NamespaceLifecycle, expected not set or not (contains NamespaceLifecycle)" },
  "kubernetes-control-plane/1.2.14": {
    what: "no NodeRestriction",
    options: { apiserverFlags: { "enable-admission-plugins": "AlwaysPullImages,DenyServiceExternalIPs" } },
    message: "value is AlwaysPullImages,DenyServiceExternalIPs, expected contains NodeRestriction",
  },
  "kubernetes-control-plane/1.2.15": { what: "no --profiling (default true)", options: { apiserverFlags: { profiling: null } }, message: "value is true, expected false" },
  "kubernetes-control-plane/1.2.16": { what: "no --audit-log-path", options: { apiserverFlags: { "audit-log-path": null } }, message: "value is (not set), expected set" },
  "kubernetes-control-plane/1.2.17": { what: "--audit-log-maxage=7", options: { apiserverFlags: { "audit-log-maxage": "7" } }, message: "value is 7, expected >= 30" },
  // The source document's example (--audit-log-maxbackup=5) is below CIS's 10.
  "kubernetes-control-plane/1.2.18": { what: "--audit-log-maxbackup=5", options: { apiserverFlags: { "audit-log-maxbackup": "5" } }, message: "value is 5, expected >= 10" },
  "kubernetes-control-plane/1.2.19": { what: "no --audit-log-maxsize", options: { apiserverFlags: { "audit-log-maxsize": null } }, message: "value is (not set), expected >= 100" },
  "kubernetes-control-plane/1.2.21": { what: "--service-account-lookup=false", options: { apiserverFlags: { "service-account-lookup": "false" } }, message: "value is false, expected true" },
  "kubernetes-control-plane/1.2.22": { what: "no --service-account-key-file", options: { apiserverFlags: { "service-account-key-file": null } }, message: "value is (not set), expected set" },
  "kubernetes-control-plane/1.2.23": { what: "no --etcd-keyfile", options: { apiserverFlags: { "etcd-keyfile": null } }, message: "flags.etcd-keyfile is (not set), expected set" },
  "kubernetes-control-plane/1.2.24": { what: "no --tls-private-key-file", options: { apiserverFlags: { "tls-private-key-file": null } }, message: "flags.tls-private-key-file is (not set), expected set" },
  "kubernetes-control-plane/1.2.25": { what: "no --client-ca-file", options: { apiserverFlags: { "client-ca-file": null } }, message: "value is (not set), expected set" },
  "kubernetes-control-plane/1.2.26": { what: "no --etcd-cafile", options: { apiserverFlags: { "etcd-cafile": null } }, message: "value is (not set), expected set" },
  "kubernetes-control-plane/1.2.30": { what: "--service-account-extend-token-expiration=true", options: { apiserverFlags: { "service-account-extend-token-expiration": "true" } }, message: "value is true, expected false" },
  "kubernetes-control-plane/1.3.2": { what: "no --profiling (default true)", options: { controllerManagerFlags: { profiling: null } }, message: "value is true, expected false" },
  "kubernetes-control-plane/1.3.3": { what: "--use-service-account-credentials=false", options: { controllerManagerFlags: { "use-service-account-credentials": "false" } }, message: "value is false, expected not (= false)" },
  "kubernetes-control-plane/1.3.4": { what: "no --service-account-private-key-file", options: { controllerManagerFlags: { "service-account-private-key-file": null } }, message: "value is (not set), expected set" },
  "kubernetes-control-plane/1.3.5": { what: "no --root-ca-file", options: { controllerManagerFlags: { "root-ca-file": null } }, message: "value is (not set), expected set" },
  "kubernetes-control-plane/1.3.6": {
    what: "RotateKubeletServerCertificate=false",
    options: { controllerManagerFlags: { "feature-gates": "RotateKubeletServerCertificate=false" } },
    message: "value is RotateKubeletServerCertificate=false, expected not set or not (contains RotateKubeletServerCertificate=false)",
  },
  "kubernetes-control-plane/1.3.7": { what: "controller manager on all interfaces", options: { controllerManagerFlags: { "bind-address": "0.0.0.0" } }, message: "value is 0.0.0.0, expected 127.0.0.1" },
  "kubernetes-control-plane/1.4.1": { what: "scheduler --profiling=true", options: { schedulerFlags: { profiling: "true" } }, message: "value is true, expected false" },
  "kubernetes-control-plane/1.4.2": { what: "scheduler on all interfaces", options: { schedulerFlags: { "bind-address": "0.0.0.0" } }, message: "value is 0.0.0.0, expected 127.0.0.1" },
  "kubernetes-control-plane/2.1": { what: "etcd without --key-file", options: { etcdFlags: { "key-file": null } }, message: "flags.key-file is (not set), expected set" },
  "kubernetes-control-plane/2.2": { what: "etcd --client-cert-auth=false", options: { etcdFlags: { "client-cert-auth": "false" } }, message: "value is false, expected true" },
  "kubernetes-control-plane/2.3": { what: "etcd --auto-tls=true", options: { etcdFlags: { "auto-tls": "true" } }, message: "value is true, expected false" },
  "kubernetes-control-plane/2.4": { what: "etcd without --peer-cert-file", options: { etcdFlags: { "peer-cert-file": null } }, message: "flags.peer-cert-file is (not set), expected set" },
  "kubernetes-control-plane/2.5": { what: "etcd without --peer-client-cert-auth (default false)", options: { etcdFlags: { "peer-client-cert-auth": null } }, message: "value is false, expected true" },
  "kubernetes-control-plane/2.6": { what: "etcd --peer-auto-tls", options: { etcdFlags: { "peer-auto-tls": "true" } }, message: "value is true, expected false" },
  "kubernetes-control-plane/NW-K8S-1": {
    what: "audit policy of the retired v1beta1 API",
    options: { files: { "etc/kubernetes/audit/policy.yaml": { content: AUDIT_POLICY.replace("audit.k8s.io/v1", "audit.k8s.io/v1beta1"), mode: 0o600 } } },
    message: "document.apiVersion is audit.k8s.io/v1beta1, expected audit.k8s.io/v1",
  },
  "kubernetes-control-plane/NW-K8S-2": {
    what: "identity first (writes plain text)",
    options: {
      files: {
        "etc/kubernetes/encryption/encryption.yaml": {
          content: "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - identity: {}\n      - aescbc:\n          keys: [{ name: key1, secret: c2VjcmV0 }]\n",
          mode: 0o600,
        },
      },
    },
    message: "document.resources is 0 of 1 matching",
  },

  "kubernetes-node-runtime/NW-K8S-3": { what: "AppArmor disabled", options: { files: { "sys/module/apparmor/parameters/enabled": "N\n" } }, message: "matched is false, expected true" },
  "kubernetes-node-runtime/NW-K8S-4": { what: "no AppArmor profile loaded", options: { files: { "sys/kernel/security/apparmor/profiles": "" } }, message: "matched is false, expected true" },
  "kubernetes-node-runtime/NW-K8S-5": { what: "seccompDefault false", options: { kubeletConfig: { seccompDefault: false } }, message: "value is false, expected true" },
};

/**
 * The per-check table of the Kubernetes packs: `pack/id` passes on the compliant node, and
 * its planted violation (KUBEADM_VIOLATIONS) fails it with the message and evidence.
 */
export async function expectPassThenViolation(
  run: (id: string, spec: FixtureSpec) => Promise<CheckResult>,
  pack: string,
  id: string,
  evidence: Partial<Evidence>,
  /** Another edition of the pack: the node it judges (e.g. its kubelet version) and the pack whose violations it shares. */
  edition: { base?: KubeadmNodeOptions; violationsOf?: string } = {},
): Promise<void> {
  const base = edition.base ?? {};
  expect((await run(id, kubeadmNode(base))).status).toBe("pass");
  const v = KUBEADM_VIOLATIONS[`${edition.violationsOf ?? pack}/${id}`];
  if (!v) throw new Error(`no violation for ${pack}/${id}`);
  const r = await run(id, kubeadmNode({ ...base, ...v.options }));
  expect(r.status).toBe("fail");
  expect(r.message).toContain(v.message);
  expect(r.evidence).toContainEqual(expect.objectContaining(evidence));
}
