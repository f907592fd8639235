/**
 * Amazon EKS optimized AMIs (awslabs/amazon-eks-ami):
 * - AL2023 (`al2023`): nodeadm writes /etc/kubernetes/kubelet/config.json (KubeletConfiguration,
 *   mode 0644), user settings as drop-ins in /etc/kubernetes/kubelet/config.json.d/
 *   (00-nodeadm.conf, passed with --config-dir), the kubeconfig /var/lib/kubelet/kubeconfig,
 *   the cluster CA /etc/kubernetes/pki/ca.crt, and the flags as NODEADM_KUBELET_ARGS in
 *   /etc/eks/kubelet/environment, which /etc/systemd/system/kubelet.service expands
 *   (templates/al2023/runtime/rootfs/etc/systemd/system/kubelet.service;
 *   nodeadm/internal/kubelet/{config,environment,kubeconfig,cert}.go). The kubelet version
 *   is written to /etc/eks/kubelet-version.txt (nodeadm/internal/kubelet/version.go).
 * - AL2 (`al2`): /etc/eks/bootstrap.sh; /etc/systemd/system/kubelet.service runs the kubelet
 *   with --config /etc/kubernetes/kubelet/kubelet-config.json --kubeconfig /var/lib/kubelet/kubeconfig
 *   $KUBELET_ARGS $KUBELET_EXTRA_ARGS, set by the drop-ins 10-kubelet-args.conf and
 *   30-kubelet-extra-args.conf (templates/al2/runtime/kubelet.service, kubelet-config.json).
 */
import { readText } from "../k8s/node.js";
import { presentMarkers } from "./markers.js";
import type { Distribution } from "./types.js";

const eks: Distribution = {
  id: "eks",
  async detect(ctx, hidden) {
    const { evidence, variant } = await presentMarkers(ctx, [
      { path: "/etc/eks/kubelet/environment", detail: "nodeadm's kubelet environment (EKS AL2023)", variant: "al2023" },
      { path: "/usr/bin/nodeadm", detail: "nodeadm (EKS AL2023)", variant: "al2023" },
      { path: "/etc/eks/bootstrap.sh", detail: "EKS bootstrap script (EKS AL2)", variant: "al2" },
      { path: "/etc/kubernetes/kubelet/kubelet-config.json", detail: "EKS AL2 kubelet config", variant: "al2" },
    ], hidden);
    return evidence.length > 0 ? { evidence, ...(variant ? { variant } : {}) } : null;
  },
  kubelet: { kind: "own", unit: "kubelet.service" },
  async version(ctx) {
    const r = await readText(ctx, "/etc/eks/kubelet-version.txt");
    if ("unobserved" in r) return { unobserved: r.unobserved };
    if ("text" in r && r.text.trim() !== "") return { raw: r.text.trim(), source: "/etc/eks/kubelet-version.txt" };
    return null;
  },
  versionCommands() {
    return ["/usr/bin/kubelet"];
  },
};

export default eks;
