/**
 * The distribution registry, in detection order: the distributions with their own daemon
 * first (their markers are unambiguous), then the managed clouds, kubeadm last (a cloud
 * image may also carry kubeadm-looking files).
 */
import aks from "./aks.js";
import eks from "./eks.js";
import gke from "./gke.js";
import k0s from "./k0s.js";
import k3s from "./k3s.js";
import kubeadm from "./kubeadm.js";
import rke2 from "./rke2.js";
import type { Distribution } from "./types.js";

export const DISTRIBUTIONS: readonly Distribution[] = [k3s, rke2, k0s, eks, aks, gke, kubeadm];

export { DISTRIBUTION_IDS, type DistributionId, type Detection, type Distribution } from "./types.js";
