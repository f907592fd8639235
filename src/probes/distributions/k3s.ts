/**
 * k3s (server and agent): the kubelet runs inside the `k3s server` / `k3s agent` process,
 * so there is no kubelet process or unit of its own. Its flags are what k3s hands it:
 * k3s's built-in arguments, then `kubelet-arg` from /etc/rancher/k3s/config.yaml,
 * config.yaml.d/*.yaml and the command line (see rancher.ts). Units: k3s.service /
 * k3s-agent.service in /etc/systemd/system (get.k3s.io install script). Files (kube-bench
 * cfg/k3s-cis-1.24/config.yaml; docs.k3s.io "Advanced Options"): kubeconfig
 * /var/lib/rancher/k3s/agent/kubelet.kubeconfig, client CA /var/lib/rancher/k3s/agent/client-ca.crt,
 * kubelet config drop-ins /var/lib/rancher/k3s/agent/etc/kubelet.conf.d/ (v1.32+).
 * The version is `k3s --version` (`k3s version v1.30.2+k3s1 (…)`); k3s writes it nowhere.
 * kube-proxy runs inside k3s too (modelled from its files, rancher.ts); a server's control
 * plane does as well, and its flags are not on the node: reported as not observed.
 */
import { detectRancher, rancherKubeletFlags, rancherKubeProxy } from "./rancher.js";
import type { Distribution } from "./types.js";

const k3s: Distribution = {
  id: "k3s",
  detect: (ctx, hidden) => detectRancher(ctx, "k3s", hidden),
  kubelet: { kind: "embedded", model: (ctx, det) => rancherKubeletFlags(ctx, "k3s", det) },
  async embeddedComponent(ctx, det, component) {
    if (component === "kube-proxy") return rancherKubeProxy(ctx, "k3s", det);
    // A k3s server runs the control plane in its own process too; its flags reach only the
    // journal ("Running kube-apiserver …"), never a file or an argv.
    if (det.variant === "server") {
      return { unobserved: `${component} runs inside the k3s server process; its flags are not visible on the node (k3s writes them only to its journal)` };
    }
    return null;
  },
  versionCommands(det) {
    return [...(det.process?.argv[0]?.startsWith("/") ? [det.process.argv[0]] : []), "/usr/local/bin/k3s"];
  },
};

export default k3s;
