/**
 * The kubelet's own defaults, for settings neither a flag nor a config file sets.
 *
 * Source: Kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go
 * (SetDefaults_KubeletConfiguration — applied to a --config file) and
 * cmd/kubelet/app/options/options.go applyLegacyDefaults (applied only when the kubelet
 * runs WITHOUT --config, to keep the old flag defaults): anonymous auth true, webhook
 * authentication false, authorization AlwaysAllow, read-only port 10255. With a config
 * file the v1beta1 defaults hold: anonymous false, webhook true, Webhook, readOnlyPort 0
 * (not defaulted, Go zero value). Fields v1beta1 leaves unset take the Go zero value
 * (rotateCertificates false, serverTLSBootstrap false, protectKernelDefaults false).
 * eventRecordQPS: 50 in current releases (5 before v1.27).
 * Check packs pass `default` explicitly; this table is the fallback when they do not.
 */
import { normaliseFlagName } from "../parse/kubelet-flags.js";
import type { DefaultValue, SettingSpec } from "./effective.js";

export interface KubeletDefault {
  config: string;
  flag?: string;
  /** Default when the kubelet runs with --config (or --config-dir). */
  withConfig: DefaultValue;
  /** Default when it runs on flags only (legacy flag defaults). */
  withoutConfig: DefaultValue;
}

const same = (config: string, flag: string | undefined, v: DefaultValue): KubeletDefault => ({
  config,
  ...(flag ? { flag } : {}),
  withConfig: v,
  withoutConfig: v,
});

export const KUBELET_DEFAULTS: readonly KubeletDefault[] = [
  { config: "authentication.anonymous.enabled", flag: "anonymous-auth", withConfig: false, withoutConfig: true },
  { config: "authentication.webhook.enabled", flag: "authentication-token-webhook", withConfig: true, withoutConfig: false },
  { config: "authorization.mode", flag: "authorization-mode", withConfig: "Webhook", withoutConfig: "AlwaysAllow" },
  { config: "readOnlyPort", flag: "read-only-port", withConfig: 0, withoutConfig: 10255 },
  same("port", "port", 10250),
  same("streamingConnectionIdleTimeout", "streaming-connection-idle-timeout", "4h0m0s"),
  same("protectKernelDefaults", "protect-kernel-defaults", false),
  same("makeIPTablesUtilChains", "make-iptables-util-chains", true),
  same("eventRecordQPS", "event-qps", 50),
  same("rotateCertificates", "rotate-certificates", false),
  same("serverTLSBootstrap", undefined, false),
  same("seccompDefault", "seccomp-default", false),
  same("podPidsLimit", "pod-max-pids", -1),
];

/** The kubelet's own default for a config key (or flag name), given whether it runs with a config file. */
export function kubeletDefault(withConfig: boolean, key: string): DefaultValue | undefined {
  const flag = normaliseFlagName(key);
  const d = KUBELET_DEFAULTS.find((x) => x.config === key || x.flag === flag);
  if (!d) return undefined;
  return withConfig ? d.withConfig : d.withoutConfig;
}

/** The default for a setting spec: by its config key first, then by its flag. */
export function kubeletDefaultFor(withConfig: boolean, spec: SettingSpec): DefaultValue | undefined {
  return (spec.config ? kubeletDefault(withConfig, spec.config) : undefined) ?? (spec.flag ? kubeletDefault(withConfig, spec.flag) : undefined);
}
