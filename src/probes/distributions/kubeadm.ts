/**
 * kubeadm: the kubelet is its own process, started by kubelet.service from the
 * kubernetes deb/rpm packages, whose 10-kubeadm.conf drop-in (in
 * /etc/systemd/system/kubelet.service.d/ or /usr/lib/systemd/system/kubelet.service.d/)
 * adds --kubeconfig=/etc/kubernetes/kubelet.conf, --config=/var/lib/kubelet/config.yaml and
 * the EnvironmentFiles /var/lib/kubelet/kubeadm-flags.env and /etc/default/kubelet
 * (/etc/sysconfig/kubelet on RPM). Client CA /etc/kubernetes/pki/ca.crt (kubeadm's
 * KubeletConfiguration). Sources: kubernetes/release packages (10-kubeadm.conf), kube-bench
 * cfg/config.yaml (node.kubelet defaults). The version is the kubelet package's.
 */
import { dpkgStatus } from "../package-dpkg.js";
import { lookupUnit } from "../systemd-unit-files.js";
import { presentMarkers } from "./markers.js";
import { pushAll } from "../../util/array.js";
import type { Distribution } from "./types.js";
import { describeError } from "../../errors.js";

const kubeadm: Distribution = {
  id: "kubeadm",
  async detect(ctx, hidden) {
    const { evidence } = await presentMarkers(ctx, [{ path: "/var/lib/kubelet/kubeadm-flags.env", detail: "kubeadm's kubelet flags file" }], hidden);
    const { unit, unobserved } = await lookupUnit(ctx, "kubelet.service");
    const dropIn = unit?.dropIns.find((d) => d.endsWith("/10-kubeadm.conf"));
    if (dropIn) evidence.unshift({ file: dropIn, unit: "kubelet.service", detail: "kubeadm's kubelet drop-in" });
    // 10-kubeadm.conf may be in a drop-in directory that could not be listed.
    else pushAll(hidden, unobserved.map((x) => `${x.file}: ${x.message}`));
    return evidence.length > 0 ? { evidence } : null;
  },
  kubelet: { kind: "own", unit: "kubelet.service" },
  async version(ctx) {
    try {
      const db = await dpkgStatus(ctx);
      const pkg = db?.packages.get("kubelet");
      if (pkg?.version && pkg.state === "installed") return { raw: pkg.version, source: "dpkg package kubelet" };
    } catch (e) {
      return { unobserved: `/var/lib/dpkg/status: ${describeError(e)}` };
    }
    return null;
  },
  versionCommands() {
    return ["/usr/bin/kubelet"];
  },
};

export default kubeadm;
