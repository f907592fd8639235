/**
 * RKE2 (server and agent): `rke2 server|agent` starts the kubelet as its own child process
 * (argv[0] `kubelet`, the binary under /var/lib/rancher/rke2/data/<version>/bin), so on a
 * live node its argv is read; on an offline root its flags are modelled from RKE2's files
 * as for k3s (rancher.ts): /etc/rancher/rke2/config.yaml and config.yaml.d/*.yaml
 * `kubelet-arg`, drop-ins in /var/lib/rancher/rke2/agent/etc/kubelet.conf.d/
 * (00-rke2-defaults.conf, docs.rke2.io "Kubelet configuration"). Units: rke2-server.service /
 * rke2-agent.service (/usr/local/lib/systemd/system from the tarball installer,
 * /usr/lib/systemd/system from the RPM). Files (kube-bench cfg/config.yaml): kubeconfig
 * /var/lib/rancher/rke2/agent/kubelet.kubeconfig, client CA /var/lib/rancher/rke2/agent/client-ca.crt.
 * The version is in the data directory's name: /var/lib/rancher/rke2/data/v1.29.0-rke2r1-<hash>/.
 */
import path from "node:path";
import { linkTarget, listDir } from "../k8s/node.js";
import { detectRancher, rancherKubeletFlags } from "./rancher.js";
import type { Distribution, VersionFinding } from "./types.js";

const DATA = "/var/lib/rancher/rke2/data";
const VERSION_DIR = /\/data\/(v\d+\.\d+\.\d+[^/]*)\//;

function fromPath(p: string | null | undefined, source: string): VersionFinding | null {
  const m = p ? VERSION_DIR.exec(p.endsWith("/") ? p : `${p}/`) : null;
  return m ? { raw: m[1] as string, source } : null;
}

const rke2: Distribution = {
  id: "rke2",
  detect: (ctx, hidden) => detectRancher(ctx, "rke2", hidden),
  kubelet: { kind: "child", model: (ctx, det) => rancherKubeletFlags(ctx, "rke2", det) },
  async version(ctx, _det, kubeletExe) {
    const exe = fromPath(kubeletExe, `kubelet executable ${kubeletExe ?? ""}`);
    if (exe) return exe;
    const bin = await linkTarget(ctx, "/var/lib/rancher/rke2/bin");
    const linked = fromPath(bin ? path.posix.resolve("/var/lib/rancher/rke2", bin) : null, `/var/lib/rancher/rke2/bin -> ${bin ?? ""}`);
    if (linked) return linked;
    const listed = await listDir(ctx, DATA);
    if ("unobserved" in listed) return { unobserved: listed.unobserved };
    const versions = (listed.names ?? []).filter((n) => /^v\d+\.\d+\.\d+/.test(n));
    if (versions.length === 1) return { raw: versions[0] as string, source: `${DATA}/${versions[0] as string}` };
    return null;
  },
  versionCommands() {
    return ["/var/lib/rancher/rke2/bin/kubelet"];
  },
};

export default rke2;
