/**
 * PLACEHOLDER CONTRACT — being implemented by the kubelet helper; do not ship as is.
 * The file probe's `pathOf` param depends only on `kubeletInfo` and `KubeletInfo`.
 */
import type { ProbeContext } from "./types.js";

export interface KubeletInfo {
  /** A kubelet was found: a running process, or an installed systemd unit. */
  present: boolean;
  /** Where the flags came from. */
  source: "process" | "unit" | "none";
  pid?: number;
  /** Host path of the kubelet unit file (e.g. /lib/systemd/system/kubelet.service). */
  unitFile?: string;
  /** Host paths of drop-ins, in the order systemd applies them. */
  dropIns: string[];
  /** Host path of the file holding the ExecStart that launches the kubelet (kube-bench's $kubeletsvc). */
  serviceFile?: string;
  /** Effective command-line flags, without leading dashes: { "anonymous-auth": "false" }. */
  flags: Record<string, string>;
  /** --config path (host path) when set. */
  configFile?: string;
  /** --kubeconfig path when set. */
  kubeconfig?: string;
  /** clientCAFile: flag --client-ca-file wins, else config authentication.x509.clientCAFile. */
  clientCAFile?: string;
  /** Parsed --config file (YAML/JSON), {} when none. */
  config: Record<string, unknown>;
  /** Problems met while resolving (unreadable drop-in, bad YAML): shown as evidence. */
  problems: string[];
}

export async function kubeletInfo(ctx: ProbeContext): Promise<KubeletInfo> {
  return ctx.once("kubelet", async () => {
    throw new Error("kubelet probe not implemented yet");
  });
}
