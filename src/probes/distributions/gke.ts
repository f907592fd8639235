/**
 * Google GKE nodes (kubernetes/kubernetes cluster/gce/gci/configure-helper.sh, the GKE
 * node bootstrap): /etc/systemd/system/kubelet.service runs /home/kubernetes/bin/kubelet
 * $KUBELET_OPTS with EnvironmentFile=/etc/default/kubelet; the flags include
 * --config /home/kubernetes/kubelet-config.yaml and --kubeconfig=/var/lib/kubelet/kubeconfig;
 * client CA /etc/srv/kubernetes/pki/ca-certificates.crt; kube-proxy's kubeconfig
 * /var/lib/kube-proxy/kubeconfig (kube-bench cfg/config.yaml, cfg/gke-*).
 */
import { presentMarkers } from "./markers.js";
import type { Distribution } from "./types.js";

const gke: Distribution = {
  id: "gke",
  async detect(ctx, hidden) {
    const { evidence } = await presentMarkers(ctx, [
      { path: "/home/kubernetes/kubelet-config.yaml", detail: "GKE kubelet config" },
      { path: "/home/kubernetes/bin/kubelet", detail: "GKE kubelet binary" },
      { path: "/etc/srv/kubernetes/pki/ca-certificates.crt", detail: "GKE cluster CA bundle" },
    ], hidden);
    return evidence.length > 0 ? { evidence } : null;
  },
  kubelet: { kind: "own", unit: "kubelet.service" },
  versionCommands() {
    return ["/home/kubernetes/bin/kubelet"];
  },
};

export default gke;
