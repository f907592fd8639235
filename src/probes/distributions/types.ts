/**
 * What a Kubernetes distribution puts where on a node. One small file per distribution
 * (this directory) describes how to recognise it, how its kubelet runs (its own process
 * and systemd unit, or started and configured by the distribution's own service) and
 * where the kubelet's version is written; the one kubelet resolver (k8s/kubelet.ts) does
 * the rest the same way for all of them.
 */
import type { FlagOrigin } from "../k8s/effective.js";
import type { ProcessEntry } from "../process-table.js";
import type { Evidence, ProbeContext } from "../types.js";

export const DISTRIBUTION_IDS = ["kubeadm", "k3s", "rke2", "k0s", "eks", "aks", "gke"] as const;
export type DistributionId = (typeof DISTRIBUTION_IDS)[number];

/** This node runs the distribution: which flavour, and what showed it. */
export interface Detection {
  /** `server`/`agent` (k3s, RKE2), `controller`/`worker` (k0s), `al2023`/`al2` (EKS). */
  variant?: string;
  evidence: Evidence[];
  /** The distribution's own daemon (k3s, rke2, k0s), when it runs. */
  process?: ProcessEntry;
  /** The distribution's own systemd unit (k3s.service, rke2-agent.service, k0sworker.service). */
  hostUnit?: string;
}

/** Flags a distribution hands its kubelet, when the kubelet's own argv is not there to read. */
export interface ModelledFlags {
  flags: Record<string, string>;
  flagSources: Record<string, FlagOrigin>;
  /** Sources that could not be read (its config file, its unit): why. */
  unobserved: string[];
  problems: string[];
  evidence: Evidence[];
  /** Sources that could not be read but decide no value a check judges: why. */
  notes?: string[];
}

export interface VersionFinding {
  /** As written (`v1.30.2+k3s1`, `Kubernetes v1.34.2`, `1.34.2-1.1`). */
  raw: string;
  /** Where: a file, a package, a command. */
  source: string;
}

/** How the kubelet runs on this distribution. */
export type KubeletLayout =
  /** Its own process, started by a systemd unit of its own (kubelet.service). */
  | { kind: "own"; unit: string }
  /**
   * Started and configured by the distribution's daemon: in the same process (k3s:
   * `embedded`) or as its child (RKE2, k0s: `child`, whose argv is read when it runs).
   */
  | { kind: "embedded" | "child"; model(ctx: ProbeContext, det: Detection): Promise<ModelledFlags> };

/**
 * A Kubernetes component the distribution runs inside its own process (k3s: kube-proxy,
 * and on a server the control plane): its modelled flags, or why they cannot be seen.
 */
export type EmbeddedComponent =
  | { present: true; flags: ModelledFlags; via: string }
  | { present: false; reason: string }
  | { unobserved: string };

export interface Distribution {
  id: DistributionId;
  /**
   * The first matching distribution in registry order wins. A marker that could not be
   * observed (EACCES, a masked path, an unreadable unit directory) is no evidence either
   * way: its reason goes to `hidden`, so the resolver can say what it could not rule out.
   */
  detect(ctx: ProbeContext, hidden: string[]): Promise<Detection | null>;
  kubelet: KubeletLayout;
  /**
   * The kubelet's version from the distribution's own files (no command run), null when
   * they do not say.
   */
  version?(ctx: ProbeContext, det: Detection, kubeletExe: string | undefined): Promise<VersionFinding | { unobserved: string } | null>;
  /**
   * A component this distribution embeds (no process or static pod of its own), when this
   * node runs it; null when the distribution does not embed that component.
   */
  embeddedComponent?(ctx: ProbeContext, det: Detection, component: string): Promise<EmbeddedComponent | null>;
  /** Executables whose `--version` prints the kubelet's version on a live host, in order of preference. */
  versionCommands?(det: Detection): string[];
}
