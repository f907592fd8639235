/**
 * k8s-component: the effective flags of a Kubernetes component other than the kubelet
 * (kube-apiserver, etcd, kube-proxy, kube-controller-manager, kube-scheduler), from its
 * running process or its static pod manifest (k8s/components.ts), a setting resolved by
 * the same rule as the kubelet's (k8s/effective.ts).
 */
import { lazySchema } from "../util/lazy-zod.js";
import { normaliseFlagName } from "./parse/kubelet-flags.js";
import { COMPONENTS, componentInfo, componentSetting, type ComponentInfo } from "./k8s/components.js";
import { defineProbe, type Evidence } from "./types.js";
import { pushAll } from "../util/array.js";
import { KUBERNETES_PROCESSES, readsAnd } from "./kit/watch.js";

export {
  COMPONENTS,
  componentArgs,
  componentFile,
  componentInfo,
  componentSetting,
  hostPathOf,
  parseComponentArgv,
  type Component,
  type ComponentInfo,
  type ComponentSetting,
} from "./k8s/components.js";

// ---------------------------------------------------------------------------------------
// The probe.
// ---------------------------------------------------------------------------------------
const params = lazySchema((z) =>
  z.strictObject({
    component: z.enum(COMPONENTS),
    setting: z
      .strictObject({
        flag: z.string().min(1),
        config: z.string().min(1).optional(),
        default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
      })
      .optional(),
  }),
);

function infoEvidence(info: ComponentInfo): Evidence[] {
  const ev: Evidence[] = [];
  if (info.pid !== undefined) ev.push({ pid: info.pid, process: info.component, detail: `${info.component} command line` });
  if (info.manifest) ev.push({ file: info.manifest, detail: "static pod manifest" });
  if (info.configReadFrom) ev.push({ file: info.configReadFrom, detail: `${info.component} --config` });
  for (const p of info.problems) ev.push({ detail: p });
  return ev;
}

export default defineProbe({
  id: "k8s-component",
  summary: "Effective flags of kube-apiserver, etcd, kube-proxy, kube-controller-manager or kube-scheduler (process, else static pod manifest)",
  params,
  fields: [
    "component",
    "present",
    "source",
    "pid",
    "manifest",
    "containerized",
    "flags",
    "configFile",
    "config",
    "files",
    "problems",
    "value",
    "valueSource",
    "flag",
    "configKey",
  ],
  /** Its manifests and config files as read, and the Kubernetes processes, polled. */
  watch(_p, seen) {
    return readsAnd(seen.reads, { poll: [KUBERNETES_PROCESSES] });
  },
  async collect(ctx, params) {
    const info = await componentInfo(ctx, params.component);
    const base = {
      component: info.component,
      present: info.present,
      source: info.source,
      pid: info.pid,
      manifest: info.manifest,
      containerized: info.containerized,
      flags: { ...info.flags },
      configFile: info.configFile,
      config: info.config,
      files: { ...info.files },
      problems: info.problems,
    };
    // Not observed (a component embedded where its flags cannot be seen): never absent, never passed.
    const hidden = info.unobserved;
    const parts: Record<string, string> = {
      ...(info.configUnobserved ? { config: info.configUnobserved } : {}),
      ...(info.filesUnobserved ? { files: info.filesUnobserved } : {}),
      ...(info.manifestUnobserved && !info.manifest ? { manifest: info.manifestUnobserved } : {}),
    };
    const unknownWhole: Record<string, string> | undefined = hidden
      ? info.present
        ? { ...parts, flags: hidden, files: hidden, config: hidden }
        : { ...parts, present: hidden, flags: hidden, files: hidden, config: hidden, source: hidden }
      : Object.keys(parts).length > 0
        ? parts
        : undefined;
    const withUnknown = <T extends object>(fact: { value: T; evidence: Evidence[] }, extra: Record<string, string> = {}) =>
      unknownWhole || Object.keys(extra).length > 0 ? { ...fact, unknown: { ...unknownWhole, ...extra } } : fact;
    const hiddenEvidence: Evidence[] = [
      ...(hidden ? [{ detail: `not observed: ${hidden}` }] : []),
      ...Object.entries(parts).map(([k, why]) => ({ detail: `${k} not observed: ${why}` })),
      ...info.notes.map((detail) => ({ detail })),
    ];
    const s = params.setting;
    if (!s) return withUnknown({ value: base as Record<string, unknown>, evidence: [...infoEvidence(info), ...hiddenEvidence] });
    const flag = `--${normaliseFlagName(s.flag)}`;
    if (!info.present) {
      return withUnknown(
        {
          value: { ...base, flag, configKey: s.config } as Record<string, unknown>,
          evidence: [{ detail: `no ${info.component}: no process and no static pod manifest` }, ...infoEvidence(info), ...hiddenEvidence],
        },
        hidden ? { value: hidden, valueSource: hidden } : {},
      );
    }
    const eff = componentSetting(info, s);
    const evidence: Evidence[] = [];
    if (eff.source === "flag") {
      evidence.push(eff.pid !== undefined ? { pid: eff.pid, process: info.component, key: eff.key, ...(eff.via ? { detail: eff.via } : {}) } : { file: eff.file, line: eff.line, key: eff.key, ...(eff.via ? { detail: eff.via } : {}) });
    } else if (eff.source === "config" || eff.source === "config-dir") {
      evidence.push({ file: eff.file, line: eff.line, key: eff.key });
    } else {
      const where = info.source === "process" ? "command line" : info.source === "embedded" ? `arguments ${info.component} is given` : "manifest command";
      evidence.push({
        key: s.config ?? flag,
        detail: eff.source === "default" ? `not set; ${info.component} default` : `not set on the ${where}${s.config ? " nor in --config" : ""}`,
      });
    }
    if (info.source === "manifest" && info.manifest && eff.source !== "flag") evidence.push({ file: info.manifest, detail: "static pod manifest" });
    for (const p of info.problems) evidence.push({ detail: p });
    pushAll(evidence, hiddenEvidence);
    return withUnknown(
      { value: { ...base, value: eff.value, valueSource: eff.source, flag, configKey: s.config } as Record<string, unknown>, evidence },
      eff.unobserved ? { value: eff.unobserved, valueSource: eff.unobserved } : {},
    );
  },
});
