/**
 * Azure AKS nodes (Azure/AgentBaker parts/linux/cloud-init/artifacts/kubelet.service):
 * /etc/systemd/system/kubelet.service runs /usr/local/bin/kubelet with
 * EnvironmentFile=/etc/default/kubelet (KUBELET_FLAGS, KUBELET_NODE_LABELS), and when the
 * kubelet config file is enabled the drop-in kubelet.service.d/10-componentconfig.conf
 * sets KUBELET_CONFIG_FILE_FLAGS=--config /etc/default/kubeletconfig.json. Kubeconfig
 * /var/lib/kubelet/kubeconfig, client CA /etc/kubernetes/certs/ca.crt, cloud config
 * /etc/kubernetes/azure.json (kube-bench cfg/aks-*: node.yaml 3.1.x; cfg/config.yaml).
 */
import { presentMarkers } from "./markers.js";
import type { Distribution } from "./types.js";

const aks: Distribution = {
  id: "aks",
  async detect(ctx, hidden) {
    const { evidence } = await presentMarkers(ctx, [
      { path: "/etc/kubernetes/azure.json", detail: "AKS cloud provider config" },
      { path: "/opt/azure/containers/kubelet.sh", detail: "AKS kubelet setup script" },
      { path: "/etc/default/kubeletconfig.json", detail: "AKS kubelet config file" },
    ], hidden);
    return evidence.length > 0 ? { evidence } : null;
  },
  kubelet: { kind: "own", unit: "kubelet.service" },
  versionCommands() {
    return ["/usr/local/bin/kubelet"];
  },
};

export default aks;
