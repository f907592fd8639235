/**
 * Worker nodes of the managed platforms as FixtureSpecs, laid out as each platform's node
 * image lays them out, hardened as its CIS benchmark's section 3 asks:
 *
 * - eksNode(): Amazon Linux 2023 with nodeadm — kubelet.service reads NODEADM_KUBELET_ARGS
 *   from /etc/eks/kubelet/environment; --config /etc/kubernetes/kubelet/config.json (JSON),
 *   --kubeconfig /var/lib/kubelet/kubeconfig.
 * - aksNode(): Ubuntu AKS image — every setting a flag in KUBELET_FLAGS of /etc/default/kubelet
 *   (no --config), --kubeconfig /var/lib/kubelet/kubeconfig, /etc/kubernetes/azure.json.
 * - gkeNode(): Container-Optimized OS — KUBELET_OPTS in /etc/default/kubelet, the kubelet
 *   binary and --config under /home/kubernetes.
 *
 * Options plant one violation at a time (another config value, flag, mode or owner).
 */
import { stringify } from "yaml";
import { BASE_ACCOUNTS } from "./check-fixture.js";
import type { FixtureEntry, FixtureSpec } from "./fixture-root.js";
import { mergeDeep, STRONG_CIPHERS } from "./kubeadm-node.js";

export interface ManagedNodeOptions {
  /** Deep-merged over the platform's kubelet config file (null deletes a key); AKS has none. */
  kubeletConfig?: Record<string, unknown>;
  /** Kubelet flags set (string) or removed (null) in the platform's flags variable. */
  flags?: Record<string, string | null>;
  /** Another mode for existing entries (relative path → mode). */
  chmod?: Record<string, number>;
  /** Another owner (uid = gid) for existing entries. */
  chown?: Record<string, number>;
  /** Entries added or replaced last. */
  files?: FixtureSpec;
  /** Entries removed (relative paths). */
  omit?: string[];
}

const file = (content: string, mode: number, uid = 0): FixtureEntry => ({ content, mode, uid, gid: uid });

function flagLine(base: Record<string, string>, over: Record<string, string | null> = {}): string {
  const merged: Record<string, string | null> = { ...base, ...over };
  return Object.entries(merged)
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([k, v]) => `--${k}=${v}`)
    .join(" ");
}

function finish(spec: FixtureSpec, o: ManagedNodeOptions): FixtureSpec {
  const out: FixtureSpec = { ...spec, ...o.files };
  for (const [p, mode] of Object.entries(o.chmod ?? {})) out[p] = patch(out[p], p, { mode });
  for (const [p, uid] of Object.entries(o.chown ?? {})) out[p] = patch(out[p], p, { uid, gid: uid });
  for (const p of o.omit ?? []) delete out[p];
  return out;
}

function patch(e: FixtureEntry | undefined, p: string, change: { mode?: number; uid?: number; gid?: number }): FixtureEntry {
  if (e === undefined || (typeof e === "object" && "symlink" in e)) throw new Error(`managed node: no file ${p} to change`);
  return typeof e === "string" ? { content: e, ...change } : { ...e, ...change };
}

const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority: /etc/kubernetes/pki/ca.crt\n  name: kubernetes\n";
const CA = "-----BEGIN CERTIFICATE-----\n";

// ------------------------------------------------------------------------------- EKS

export const EKS_KUBELET_SERVICE = `[Unit]
Description=Kubernetes Kubelet
Documentation=https://github.com/kubernetes/kubernetes
After=containerd.service sandbox-image.service
Requires=containerd.service sandbox-image.service

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

export const EKS_FLAGS: Record<string, string> = {
  "node-ip": "10.0.1.23",
  "cloud-provider": "external",
  config: "/etc/kubernetes/kubelet/config.json",
  kubeconfig: "/var/lib/kubelet/kubeconfig",
  "image-credential-provider-bin-dir": "/etc/eks/image-credential-provider",
  "image-credential-provider-config": "/etc/eks/image-credential-provider/config.json",
  "node-labels": "eks.amazonaws.com/nodegroup=ng-1",
};

/** nodeadm's kubelet config (rotateCertificates left unset: EKS authenticates with an IAM token). */
export const EKS_KUBELET_CONFIG: Record<string, unknown> = {
  apiVersion: "kubelet.config.k8s.io/v1beta1",
  kind: "KubeletConfiguration",
  address: "0.0.0.0",
  authentication: {
    anonymous: { enabled: false },
    webhook: { cacheTTL: "2m0s", enabled: true },
    x509: { clientCAFile: "/etc/kubernetes/pki/ca.crt" },
  },
  authorization: { mode: "Webhook", webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" } },
  cgroupDriver: "systemd",
  clusterDNS: ["172.20.0.10"],
  clusterDomain: "cluster.local",
  containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock",
  featureGates: { RotateKubeletServerCertificate: true },
  hairpinMode: "hairpin-veth",
  maxPods: 29,
  protectKernelDefaults: true,
  readOnlyPort: 0,
  serializeImagePulls: false,
  serverTLSBootstrap: true,
  tlsCipherSuites: STRONG_CIPHERS,
};

export function eksNode(o: ManagedNodeOptions = {}): FixtureSpec {
  return finish(
    {
      ...BASE_ACCOUNTS,
      "etc/os-release": 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\nPLATFORM_ID="platform:al2023"\n',
      "etc/systemd/system/kubelet.service": file(EKS_KUBELET_SERVICE, 0o644),
      "etc/eks/kubelet/environment": file(`NODEADM_KUBELET_ARGS="${flagLine(EKS_FLAGS, o.flags)}"\n`, 0o644),
      "etc/kubernetes/kubelet/config.json": file(JSON.stringify(mergeDeep(EKS_KUBELET_CONFIG, o.kubeletConfig ?? {}), null, 2) + "\n", 0o644),
      "var/lib/kubelet/kubeconfig": file(KUBECONFIG, 0o644),
      "etc/kubernetes/pki/ca.crt": file(CA, 0o644),
    },
    o,
  );
}

// ------------------------------------------------------------------------------- AKS

export const AKS_KUBELET_SERVICE = `[Unit]
Description=Kubelet
ConditionPathExists=/usr/local/bin/kubelet
Wants=network-online.target containerd.service
After=network-online.target containerd.service

[Service]
Restart=always
RestartSec=2
EnvironmentFile=/etc/default/kubelet
SuccessExitStatus=143
ExecStartPre=/bin/bash /opt/azure/containers/kubelet.sh
ExecStartPre=/bin/mkdir -p /var/lib/kubelet
ExecStart=/usr/local/bin/kubelet \\
        --enable-server \\
        --node-labels="\${KUBELET_NODE_LABELS}" \\
        --v=2 \\
        --volume-plugin-dir=/etc/kubernetes/volumeplugins \\
        $KUBELET_TLS_BOOTSTRAP_FLAGS \\
        $KUBELET_CONFIG_FILE_FLAGS \\
        $KUBELET_CONTAINERD_FLAGS \\
        $KUBELET_FLAGS

[Install]
WantedBy=multi-user.target
`;

/** AKS's KUBELET_FLAGS: every security setting a flag (AKS runs the kubelet without --config). */
export const AKS_FLAGS: Record<string, string> = {
  address: "0.0.0.0",
  "anonymous-auth": "false",
  "authentication-token-webhook": "true",
  "authorization-mode": "Webhook",
  "client-ca-file": "/etc/kubernetes/certs/ca.crt",
  "cloud-config": "/etc/kubernetes/azure.json",
  "cloud-provider": "external",
  "cluster-dns": "10.0.0.10",
  "cluster-domain": "cluster.local",
  "event-qps": "0",
  "feature-gates": "RotateKubeletServerCertificate=true",
  kubeconfig: "/var/lib/kubelet/kubeconfig",
  "max-pods": "110",
  "pod-max-pids": "-1",
  "protect-kernel-defaults": "true",
  "read-only-port": "0",
  "rotate-certificates": "true",
  "streaming-connection-idle-timeout": "4h",
  "tls-cert-file": "/etc/kubernetes/certs/kubeletserver.crt",
  "tls-cipher-suites": STRONG_CIPHERS.join(","),
  "tls-private-key-file": "/etc/kubernetes/certs/kubeletserver.key",
};

export function aksNode(o: ManagedNodeOptions = {}): FixtureSpec {
  return finish(
    {
      ...BASE_ACCOUNTS,
      "etc/os-release": 'PRETTY_NAME="Ubuntu 22.04.5 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n',
      "etc/systemd/system/kubelet.service": file(AKS_KUBELET_SERVICE, 0o644),
      "etc/default/kubelet": file(
        `KUBELET_FLAGS=${flagLine(AKS_FLAGS, o.flags)}\nKUBELET_NODE_LABELS=kubernetes.azure.com/role=agent,kubernetes.azure.com/mode=system\nKUBELET_CONTAINERD_FLAGS=--runtime-request-timeout=15m --container-runtime-endpoint=unix:///run/containerd/containerd.sock\n`,
        0o644,
      ),
      // The AKS node image's provisioning scripts (the unit's ExecStartPre runs kubelet.sh).
      "opt/azure/containers/kubelet.sh": file("#!/bin/bash\n", 0o755),
      "etc/kubernetes/azure.json": file('{"cloud":"AzurePublicCloud","tenantId":"00000000-0000-0000-0000-000000000000","useManagedIdentityExtension":true}\n', 0o600),
      "var/lib/kubelet/kubeconfig": file(KUBECONFIG.replace("/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/certs/ca.crt"), 0o600),
      "etc/kubernetes/certs/ca.crt": file(CA, 0o644),
    },
    o,
  );
}

// ------------------------------------------------------------------------------- GKE

export const GKE_KUBELET_SERVICE = `[Unit]
Description=Kubernetes kubelet
Requires=network-online.target
After=network-online.target

[Service]
Restart=always
RestartSec=10
EnvironmentFile=/etc/default/kubelet
ExecStartPre=/bin/mkdir -p /var/lib/kubelet
ExecStartPre=/bin/mount --bind /var/lib/kubelet /var/lib/kubelet
ExecStartPre=/bin/mount -o remount,exec /var/lib/kubelet
ExecStart=/home/kubernetes/bin/kubelet $KUBELET_OPTS

[Install]
WantedBy=multi-user.target
`;

export const GKE_FLAGS: Record<string, string> = {
  v: "2",
  "cloud-provider": "external",
  "cert-dir": "/var/lib/kubelet/pki/",
  kubeconfig: "/var/lib/kubelet/kubeconfig",
  "max-pods": "110",
  "container-runtime-endpoint": "unix:///run/containerd/containerd.sock",
  config: "/home/kubernetes/kubelet-config.yaml",
};

export const GKE_KUBELET_CONFIG: Record<string, unknown> = {
  apiVersion: "kubelet.config.k8s.io/v1beta1",
  kind: "KubeletConfiguration",
  authentication: {
    anonymous: { enabled: false },
    webhook: { enabled: true },
    x509: { clientCAFile: "/etc/srv/kubernetes/pki/ca-certificates.crt" },
  },
  authorization: { mode: "Webhook" },
  cgroupRoot: "/",
  clusterDNS: ["10.8.0.10"],
  clusterDomain: "cluster.local",
  readOnlyPort: 0,
  serverTLSBootstrap: true,
  staticPodPath: "/etc/kubernetes/manifests",
};

export function gkeNode(o: ManagedNodeOptions = {}): FixtureSpec {
  return finish(
    {
      ...BASE_ACCOUNTS,
      "etc/os-release": 'NAME="Container-Optimized OS"\nID=cos\nPRETTY_NAME="Container-Optimized OS from Google"\nVERSION=121\nVERSION_ID=121\n',
      "etc/systemd/system/kubelet.service": file(GKE_KUBELET_SERVICE, 0o644),
      "etc/default/kubelet": file(`KUBELET_OPTS="${flagLine(GKE_FLAGS, o.flags)}"\n`, 0o644),
      "home/kubernetes/kubelet-config.yaml": file(stringify(mergeDeep(GKE_KUBELET_CONFIG, o.kubeletConfig ?? {})), 0o644),
      "var/lib/kubelet/kubeconfig": file(KUBECONFIG, 0o644),
      "etc/srv/kubernetes/pki/ca-certificates.crt": file(CA, 0o644),
    },
    o,
  );
}
