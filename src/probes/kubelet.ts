/**
 * kubelet: the kubelet's EFFECTIVE configuration, never a guessed fixed path. The facts
 * come from the one kubelet resolver (k8s/kubelet-info.ts): the distribution (kubeadm,
 * k3s, RKE2, k0s, EKS, AKS, GKE), the kubelet's process, unit or embedding, its flags and
 * config files, and its version. A setting is flag > --config-dir > --config > default.
 *
 * Not observed is not passed: when a source a value depends on could not be read (an
 * unreadable drop-in or config file, a process table that hides argv), the field is
 * `unknown` with the reason and the check is `error`. A node that looks like Kubernetes
 * whose kubelet cannot be resolved reports `present` as unknown, never false.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { normaliseFlagName } from "./parse/kubelet-flags.js";
import { kubeletInfo, kubeletSetting, type KubeletInfo } from "./k8s/kubelet-info.js";
import { defineProbe, type Evidence, type Fact } from "./types.js";
import { KUBERNETES_PROCESSES, readsAnd } from "./kit/watch.js";

export { effectiveSetting } from "./k8s/effective.js";
export type { EffectiveSetting, SettingSpec } from "./k8s/effective.js";
export { getConfigPath, parseKubeletConfig } from "./parse/kubelet-config.js";
export { kubeletDefault, KUBELET_DEFAULTS } from "./k8s/kubelet-defaults.js";
export { kubeletInfo, kubeletSetting, type KubeletInfo } from "./k8s/kubelet-info.js";

const UNIT = "kubelet.service";

const params = lazySchema((z) =>
  z.strictObject({
    setting: z
  .strictObject({
    flag: z.string().min(1).optional(),
    config: z.string().min(1).optional(),
    default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .refine((s) => s.flag !== undefined || s.config !== undefined, { message: "setting needs flag or config (or both)" })
      .optional(),
  }),
);

function distributionEvidence(info: KubeletInfo): Evidence[] {
  if (!info.distribution || info.distribution === "none") return [];
  const what = `${info.distribution}${info.variant ? ` (${info.variant})` : ""}${info.version ? `, kubelet ${info.version}` : ""}`;
  const first = info.distributionEvidence?.[0];
  return [{ ...(first?.file ? { file: first.file } : {}), ...(first?.pid !== undefined ? { pid: first.pid } : {}), detail: `distribution: ${what}` }];
}

function infoEvidence(info: KubeletInfo): Evidence[] {
  const ev: Evidence[] = [...distributionEvidence(info)];
  if (info.pid !== undefined) ev.push({ pid: info.pid, process: info.source === "embedded" ? (info.distribution ?? "kubelet") : "kubelet", detail: "kubelet command line" });
  if (info.unitFile) ev.push({ file: info.unitFile, unit: UNIT, detail: "unit file" });
  if (info.serviceFile) ev.push({ file: info.serviceFile, line: info.serviceLine, unit: UNIT, detail: "ExecStart" });
  for (const f of info.configFiles ?? []) ev.push({ file: f, detail: "kubelet config" });
  for (const p of info.problems) ev.push({ detail: p });
  for (const [k, why] of Object.entries(info.unobserved ?? {})) ev.push({ detail: `${k} not observed: ${why}` });
  for (const n of info.notes ?? []) ev.push({ detail: n });
  return ev;
}

/** The fields every kubelet fact carries: what the node runs. */
function identity(info: KubeletInfo): Record<string, unknown> {
  return {
    present: info.present,
    distribution: info.distribution ?? "none",
    variant: info.variant,
    version: info.version,
    versionMinor: info.versionMinor,
  };
}

/** Fields that could not be observed, keyed as the fact names them. */
function identityUnknown(info: KubeletInfo): Record<string, string> {
  const u: Record<string, string> = {};
  const un = info.unobserved ?? {};
  if (un.present) u.present = un.present;
  if (un.distribution) u.distribution = un.distribution;
  if (un.version) {
    u.version = un.version;
    u.versionMinor = un.version;
  }
  return u;
}

function withUnknown<V extends object>(fact: Fact<V>, unknown: Record<string, string>): Fact<V> {
  return Object.keys(unknown).length > 0 ? { ...fact, unknown } : fact;
}

export default defineProbe({
  id: "kubelet",
  summary: "Kubelet effective configuration and distribution (process, unit or embedding; flags > config drop-ins > config file > defaults)",
  params,
  fields: [
    "present",
    "distribution",
    "variant",
    "version",
    "versionMinor",
    "source",
    "pid",
    "unitFile",
    "serviceFile",
    "dropIns",
    "configFile",
    "configDir",
    "kubeconfig",
    "clientCAFile",
    "flags",
    "config",
    "problems",
    "value",
    "flag",
    "configKey",
  ],
  /** Everything its resolution read (units, drop-ins, config files, distribution markers), and the Kubernetes processes, polled. */
  watch(_p, seen) {
    return readsAnd(seen.reads, { poll: [KUBERNETES_PROCESSES] });
  },
  async collect(ctx, params): Promise<Fact<Record<string, unknown>>> {
    const info = await kubeletInfo(ctx);
    const setting = params.setting;
    const unknown = identityUnknown(info);
    if (!setting) {
      if (info.flagsUnobserved) unknown.flags = info.flagsUnobserved;
      if (info.flagsUnobserved || info.configUnobserved) unknown.config = [info.flagsUnobserved, info.configUnobserved].filter(Boolean).join("; ");
      return withUnknown(
        {
          value: {
            ...identity(info),
            source: info.source,
            pid: info.pid,
            unitFile: info.unitFile,
            serviceFile: info.serviceFile,
            dropIns: info.dropIns,
            configFile: info.configFile,
            configDir: info.configDir,
            kubeconfig: info.kubeconfig,
            clientCAFile: info.clientCAFile,
            flags: { ...info.flags },
            config: info.config,
            problems: info.problems,
          },
          evidence: infoEvidence(info),
        },
        unknown,
      );
    }
    const flag = setting.flag ? `--${normaliseFlagName(setting.flag)}` : undefined;
    const configKey = setting.config;
    if (!info.present) {
      if (unknown.present) unknown.value = unknown.present;
      return withUnknown(
        {
          value: { ...identity(info), flag, configKey },
          evidence: [{ detail: "no kubelet: no running kubelet process, no kubelet.service unit, no Kubernetes distribution" }, ...infoEvidence(info)],
        },
        unknown,
      );
    }
    const eff = kubeletSetting(info, setting);
    const evidence: Evidence[] = [];
    const via = eff.via ? { detail: eff.via } : {};
    if (eff.source === "flag") {
      if (eff.pid !== undefined) evidence.push({ pid: eff.pid, key: eff.key, ...(eff.via ? via : { detail: "kubelet command line" }) });
      else evidence.push({ file: eff.file, line: eff.line, key: eff.key, ...via });
    } else if (eff.source === "config" || eff.source === "config-dir") {
      evidence.push({ file: eff.file, line: eff.line, key: eff.key, ...(eff.source === "config-dir" ? { detail: "kubelet config drop-in" } : {}) });
    } else if (eff.source === "default") {
      evidence.push({
        key: configKey ?? flag,
        detail: setting.default !== undefined ? "not set; default from the check" : `not set; kubelet default${info.configFile ? " (with --config)" : info.configDir ? " (with --config-dir)" : " (flags only)"}`,
      });
    } else {
      evidence.push({ key: configKey ?? flag, detail: "not set by flag or config file" });
    }
    for (const p of info.problems) evidence.push({ detail: p });
    for (const n of info.notes ?? []) evidence.push({ detail: n });
    if (eff.unobserved) {
      unknown.value = eff.unobserved;
      evidence.push({ detail: `not observed: ${eff.unobserved}` });
    }
    return withUnknown({ value: { ...identity(info), source: eff.source, value: eff.value, flag, configKey }, evidence }, unknown);
  },
});
