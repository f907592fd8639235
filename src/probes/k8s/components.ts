/**
 * The resolver for Kubernetes components other than the kubelet (kube-apiserver, etcd,
 * kube-proxy, kube-controller-manager, kube-scheduler): their effective flags and config.
 *
 * 1. A running process (`/proc/<pid>/cmdline`, argv[0] basename = the component, or
 *    `hyperkube <component>`) gives the flags it really runs with.
 * 2. Otherwise its static pod manifest: `<staticPodPath>/<component>.yaml` (the kubelet's
 *    effective staticPodPath, else /etc/kubernetes/manifests), or any manifest there whose
 *    first container runs the component; flags are `command` + `args` of containers[0].
 * Paths in flags are the container's view: they are mapped to host paths through the
 * manifest's hostPath volumes; a path only inside a container is reported as such, never
 * guessed. kube-proxy's `--config` (a KubeProxyConfiguration) is read too, from the host
 * or, for a pod, through `/proc/<pid>/root`.
 */
import path from "node:path";
import { normaliseFlagName, parseKubeletFlags } from "../parse/kubelet-flags.js";
import { getConfigPath, parseComponentConfig, refusedConfig } from "../parse/kubelet-config.js";
import { hostPathFor, parseStaticPodManifest, type StaticPodMount } from "../parse/static-pod.js";
import type { ProbeContext } from "../types.js";
import { effectiveSetting, type EffectiveSetting, type FlagOrigin } from "./effective.js";
import { kubeletConfigPath, kubeletInfo, nodeDistribution } from "./kubelet-info.js";
import { processView } from "./node.js";
import { pushAll } from "../../util/array.js";
import { describeError } from "../../errors.js";
import { trimTrailingSlashes } from "../../util/trim.js";
import { loadYaml } from "../../util/yaml.js";

export const COMPONENTS = ["kube-apiserver", "etcd", "kube-proxy", "kube-controller-manager", "kube-scheduler"] as const;
export type Component = (typeof COMPONENTS)[number];

/** hyperkube's older sub-command names. */
const HYPERKUBE_ALIASES: Record<string, Component> = {
  apiserver: "kube-apiserver",
  proxy: "kube-proxy",
  "controller-manager": "kube-controller-manager",
  scheduler: "kube-scheduler",
};

/** Flags that name a file, per component: exposed as `files` (host paths). */
const FILE_FLAGS: Record<Component, readonly string[]> = {
  "kube-apiserver": ["audit-policy-file", "audit-log-path", "encryption-provider-config", "client-ca-file", "tls-cert-file", "tls-private-key-file"],
  etcd: ["data-dir", "cert-file", "key-file", "trusted-ca-file"],
  "kube-proxy": ["config", "kubeconfig"],
  "kube-controller-manager": ["kubeconfig", "service-account-private-key-file", "root-ca-file"],
  "kube-scheduler": ["kubeconfig", "config"],
};

/** kubeadm's static pod directory, used when the kubelet does not say another. */
const DEFAULT_MANIFEST_DIR = "/etc/kubernetes/manifests";

export interface ComponentInfo {
  component: Component;
  present: boolean;
  /** `embedded`: run inside the distribution's own process (k3s), its flags modelled from its files. */
  source: "process" | "manifest" | "embedded" | "none";
  /** Whether (or with which flags) it runs could not be observed: why. */
  unobserved?: string;
  /** Its --config file could not be read, or where it lives could not be told: why. */
  configUnobserved?: string;
  /** Which host files its path flags name could not be told (its mount namespace or manifest could not be read): why. */
  filesUnobserved?: string;
  /** Whether it has a static pod manifest could not be told: why. */
  manifestUnobserved?: string;
  /** Not observed but deciding nothing here (another distribution's marker): shown as evidence. */
  notes: string[];
  pid?: number;
  /** Host path of the component's static pod manifest, when one exists (also when it runs as a process). */
  manifest?: string;
  /** The process runs in another mount namespace than pid 1 (a pod): its paths are not host paths. */
  containerized?: boolean;
  argv?: string[];
  /** Effective flags, no leading dashes. */
  flags: Record<string, string>;
  /** Flag → manifest line or pid it was read from. */
  flagSources: Record<string, FlagOrigin>;
  /** --config as written (kube-proxy, kube-scheduler). */
  configFile?: string;
  /** Where --config was read from (host path, or /proc/<pid>/root/…). */
  configReadFrom?: string;
  config: Record<string, unknown>;
  configKeyLines: Record<string, { file: string; line: number }>;
  /** Known file flags (and `manifest`) → host path. */
  files: Record<string, string>;
  /** Known file flags whose path is not a host file → why. */
  fileNotes: Record<string, string>;
  mounts: StaticPodMount[];
  problems: string[];
}

function basename(p: string): string {
  const i = p.lastIndexOf("/");
  return i === -1 ? p : p.slice(i + 1);
}

/** When argv runs `component` (directly or as `hyperkube <component>`), the offset of its first flag; else null. */
export function componentArgs(argv: readonly string[], component: Component): { offset: number } | null {
  const prog = argv[0];
  if (prog === undefined) return null;
  const base = basename(prog);
  if (base === component) return { offset: 1 };
  if (base === "hyperkube") {
    const sub = argv[1];
    if (sub !== undefined && (sub === component || (Object.hasOwn(HYPERKUBE_ALIASES, sub) && HYPERKUBE_ALIASES[sub] === component))) return { offset: 2 };
  }
  return null;
}

/** Parse a component's argv into flags: the kubelet's pflag parser (same flag library). */
export function parseComponentArgv(argv: readonly string[], component: Component): ReturnType<typeof parseKubeletFlags> & { offset: number } {
  const offset = componentArgs(argv, component)?.offset ?? 1;
  return { ...parseKubeletFlags(argv.slice(offset)), offset };
}

async function findProcess(ctx: ProbeContext, component: Component, problems: string[]): Promise<{ pid: number; argv: string[] } | { unobserved: string } | null> {
  const { processes: table, unobserved } = await processView(ctx);
  const found = table.filter((p) => componentArgs(p.argv, component) !== null);
  if (found.length > 1) problems.push(`several ${component} processes (pids ${found.map((f) => f.pid).join(", ")}); using ${found[0]?.pid}`);
  // Not in the table, but the table could not all be read: it may be one of the hidden ones.
  return found[0] ?? (unobserved ? { unobserved } : null);
}

/**
 * The kubelet's static pod directory: its effective staticPodPath (or --pod-manifest-path),
 * else kubeadm's; `unobserved` when the kubelet's flags or config, which would name
 * another, could not all be read.
 */
async function manifestDir(ctx: ProbeContext, notes: string[]): Promise<{ dir: string; unobserved?: string }> {
  const k = await kubeletInfo(ctx);
  pushAll(notes, k.notes ?? []);
  const flag = k.flags["pod-manifest-path"];
  const dir = flag ?? kubeletConfigPath(k, "staticPodPath");
  if (dir && path.posix.isAbsolute(dir)) return { dir: trimTrailingSlashes(dir) || "/" };
  // A relative --pod-manifest-path is relative to the kubelet's working directory: not guessed.
  if (dir) return { dir: DEFAULT_MANIFEST_DIR, unobserved: `the kubelet's static pod directory is not known: --pod-manifest-path ${dir} is relative to the kubelet's working directory` };
  const hidden = flag === undefined ? [k.flagsUnobserved, k.configUnobserved].filter((x): x is string => !!x) : [];
  if (!k.present && k.unobserved?.present) hidden.push(k.unobserved.present);
  return { dir: DEFAULT_MANIFEST_DIR, ...(hidden.length > 0 ? { unobserved: `the kubelet's static pod directory is not known: ${[...new Set(hidden)].join("; ")}` } : {}) };
}

type ManifestFound = { file: string; argv: string[]; lines: number[]; mounts: StaticPodMount[] };

/** The component's static pod manifest, null when there is none (its directory was read), or why that cannot be told. */
async function findManifest(ctx: ProbeContext, component: Component, problems: string[], notes: string[]): Promise<ManifestFound | { unobserved: string } | null> {
  const { dir, unobserved: dirUnknown } = await manifestDir(ctx, notes);
  const hidden: string[] = dirUnknown ? [dirUnknown] : [];
  const read = async (file: string): Promise<ReturnType<typeof parseStaticPodManifest> | null> => {
    let text: string | null;
    try {
      text = await ctx.host.readFileIfExists(file);
    } catch (e) {
      hidden.push(`${file}: ${describeError(e)}`);
      return null;
    }
    if (text === null) return null;
    await loadYaml();
    return parseStaticPodManifest(text, file);
  };
  const named = `${dir}/${component}.yaml`;
  const m = await read(named);
  if (m) {
    pushAll(problems, m.problems.map((p) => p.message));
    // Found where the kubelet may not look: a manifest it might not run.
    if (dirUnknown) return { unobserved: dirUnknown };
    return { file: named, argv: m.argv, lines: m.lines, mounts: m.mounts };
  }
  // Another file name: any manifest whose first container runs the component.
  let names: string[] | null = null;
  try {
    names = await ctx.host.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOTDIR") hidden.push(`${dir}: cannot list: ${describeError(e)}`);
    names = null;
  }
  for (const n of (names ?? []).filter((x) => /\.(ya?ml|json)$/.test(x)).sort()) {
    const file = `${dir}/${n}`;
    const other = await read(file);
    if (other && componentArgs(other.argv, component)) {
      if (dirUnknown) return { unobserved: dirUnknown };
      return { file, argv: other.argv, lines: other.lines, mounts: other.mounts };
    }
  }
  return hidden.length > 0 ? { unobserved: [...new Set(hidden)].join("; ") } : null;
}

/**
 * Does the process run in another mount namespace than pid 1 (a pod)? undefined when a
 * procfs tree has no such links (a fixture, an image); `unobserved` when one cannot be read.
 */
async function isOtherMountNs(ctx: ProbeContext, pid: number): Promise<boolean | undefined | { unobserved: string }> {
  try {
    const [mine, init] = await Promise.all([ctx.host.procReadlink(`${pid}/ns/mnt`), ctx.host.procReadlink("1/ns/mnt")]);
    if (!mine || !init) return undefined;
    return mine !== init;
  } catch (e) {
    return { unobserved: `cannot tell whether pid ${pid} runs in the host's mount namespace (so whether the paths it names are host paths): ${describeError(e)}` };
  }
}

/** Where a path the component names lives on the host, or why it is not a host file. */
export function hostPathOf(info: Pick<ComponentInfo, "component" | "mounts" | "manifest" | "containerized" | "source">, p: string): { path: string } | { note: string } {
  const abs = path.posix.resolve("/", p);
  if (info.manifest !== undefined && (info.source === "manifest" || info.containerized !== false)) {
    const r = hostPathFor(info.mounts, abs);
    if ("path" in r) return r;
    return { note: `${abs} is inside the ${info.component} container (${r.inContainer} in ${info.manifest}), not a host file` };
  }
  if (info.containerized === true) return { note: `${info.component} runs in a pod (own mount namespace) and ${abs} is inside its container, not a host file` };
  return { path: abs };
}

async function readComponentConfig(ctx: ProbeContext, info: ComponentInfo, written: string): Promise<void> {
  // Which host file it names is not known, but a running process's own view of it is
  // /proc/<pid>/root, whatever its mount namespace.
  const loc: { path: string } | { note: string } = info.filesUnobserved ? { note: info.filesUnobserved } : hostPathOf(info, written);
  let readFrom: string;
  let text: string | null = null;
  try {
    if ("path" in loc) {
      readFrom = loc.path;
      text = await ctx.host.readFileIfExists(loc.path);
    } else if (info.pid !== undefined) {
      // The container's own view of the file: /proc/<pid>/root.
      readFrom = `/proc/${info.pid}/root${path.posix.resolve("/", written)}`;
      text = await ctx.host.procReadIfExists(`${info.pid}/root${path.posix.resolve("/", written)}`);
    } else {
      info.problems.push(`--config ${written}: ${loc.note}; cannot read it`);
      return;
    }
    if (text === null && info.filesUnobserved) {
      info.configUnobserved = `--config ${written}: ${info.filesUnobserved}`;
      return;
    }
  } catch (e) {
    info.configUnobserved = `--config ${written}: ${describeError(e)}`;
    return;
  }
  if (text === null) {
    info.problems.push(`--config ${readFrom}: does not exist`);
    return;
  }
  info.configReadFrom = readFrom;
  await loadYaml();
  const parsed = parseComponentConfig(text, readFrom);
  pushAll(info.problems, parsed.problems);
  // A file the component's decoder refuses (empty, comment-only, `{}`, no kind or apiVersion):
  // the component does not start with it, so its defaults are not what runs.
  const expected = CONFIG_KINDS[info.component];
  const why = parsed.problems.length === 0 && expected !== undefined ? refusedConfig(parsed.config, expected) : undefined;
  if (why !== undefined) {
    info.configUnobserved = `--config ${readFrom}: ${why}, which ${info.component} refuses to decode: the settings it runs with are unseen`;
    return;
  }
  info.config = parsed.config;
  info.configKeyLines = parsed.keyLines;
}

/** The kind each component's --config must name. */
const CONFIG_KINDS: Partial<Record<Component, string>> = { "kube-proxy": "KubeProxyConfiguration", "kube-scheduler": "KubeSchedulerConfiguration" };

async function loadComponentInfo(ctx: ProbeContext, component: Component): Promise<ComponentInfo> {
  const info: ComponentInfo = {
    component,
    present: false,
    source: "none",
    flags: {},
    flagSources: {},
    config: {},
    configKeyLines: {},
    files: {},
    fileNotes: {},
    mounts: [],
    problems: [],
    notes: [],
  };
  const procOr = await findProcess(ctx, component, info.problems);
  const manifestOr = await findManifest(ctx, component, info.problems, info.notes);
  const proc = procOr && "pid" in procOr ? procOr : null;
  const manifest = manifestOr && "file" in manifestOr ? manifestOr : null;
  // Why its absence is not proven: a process table or a manifest that could not be read.
  const hidden = [procOr && "unobserved" in procOr ? procOr.unobserved : undefined, manifestOr && "unobserved" in manifestOr ? manifestOr.unobserved : undefined].filter((x): x is string => !!x);
  if (manifestOr && "unobserved" in manifestOr) info.manifestUnobserved = manifestOr.unobserved;
  if (manifest) {
    info.manifest = manifest.file;
    info.files.manifest = manifest.file;
    info.mounts = manifest.mounts;
  }
  if (proc) {
    const parsed = parseComponentArgv(proc.argv, component);
    Object.assign(info, { present: true, source: "process", pid: proc.pid, argv: proc.argv, flags: parsed.flags });
    for (const name of Object.keys(parsed.flags)) info.flagSources[name] = { pid: proc.pid };
    const other = await isOtherMountNs(ctx, proc.pid);
    if (typeof other === "object") info.filesUnobserved = other.unobserved;
    else if (other !== undefined) info.containerized = other;
    // A pod's paths map to the host through its manifest's volumes: one that could not be read hides them.
    if (!info.filesUnobserved && info.containerized !== false && manifestOr && "unobserved" in manifestOr) info.filesUnobserved = manifestOr.unobserved;
  } else if (manifest && componentArgs(manifest.argv, component)) {
    const parsed = parseComponentArgv(manifest.argv, component);
    Object.assign(info, { present: true, source: "manifest", argv: manifest.argv, flags: parsed.flags });
    for (const [name, idx] of Object.entries(parsed.index)) {
      info.flagSources[name] = { file: manifest.file, line: manifest.lines[idx + parsed.offset] };
    }
  } else if (manifest) {
    info.problems.push(`${manifest.file}: containers[0] does not run ${component} (argv[0] ${JSON.stringify(manifest.argv[0] ?? "")})`);
  }
  if (!info.present) {
    // A distribution that runs it inside its own process (k3s).
    const nd = await nodeDistribution(ctx);
    const emb = nd?.dist.embeddedComponent ? await nd.dist.embeddedComponent(ctx, nd.det, component) : null;
    if (emb && "unobserved" in emb) info.unobserved = emb.unobserved;
    else if (emb && !emb.present) info.problems.push(emb.reason);
    else if (emb) {
      Object.assign(info, { present: true, source: "embedded", containerized: false, flags: emb.flags.flags, flagSources: emb.flags.flagSources });
      pushAll(info.problems, emb.flags.problems);
      if (emb.flags.unobserved.length > 0) info.unobserved = emb.flags.unobserved.join("; ");
      if (nd?.det.process) info.pid = nd.det.process.pid;
    } else if (hidden.length > 0) {
      info.unobserved = `cannot tell whether ${component} runs on this node: ${hidden.join("; ")}`;
    }
  }
  if (!info.present) return info;

  const cfg = info.flags["config"];
  if (cfg) {
    info.configFile = cfg;
    await readComponentConfig(ctx, info, cfg);
  }
  const pathFlags = new Map<string, string>();
  for (const f of FILE_FLAGS[component]) {
    const v = info.flags[f];
    if (v) pathFlags.set(f, v);
  }
  // kube-proxy: the kubeconfig may be in its config file (clientConnection.kubeconfig).
  if (component === "kube-proxy" && !pathFlags.has("kubeconfig")) {
    const c = getConfigPath(info.config, "clientConnection.kubeconfig");
    if (c.found && typeof c.value === "string" && c.value !== "") pathFlags.set("kubeconfig", c.value);
  }
  if (component === "etcd" && !pathFlags.has("data-dir") && info.manifest) {
    info.problems.push("etcd runs without --data-dir (it then uses <name>.etcd in its working directory)");
  }
  for (const [f, v] of pathFlags) {
    if (info.filesUnobserved) break;
    const loc = hostPathOf(info, v);
    if ("path" in loc) info.files[f] = loc.path;
    else info.fileNotes[f] = loc.note;
  }
  return info;
}

/** A component's effective flags, resolved once per scan. */
export function componentInfo(ctx: ProbeContext, component: Component): Promise<ComponentInfo> {
  return ctx.once(`k8s-component:${component}`, () => loadComponentInfo(ctx, component));
}

/** The host path of a file a component names by flag (or its manifest), or why there is none. */
export async function componentFile(
  ctx: ProbeContext,
  ref: { component: Component; flag?: string | undefined; manifest?: true | undefined },
): Promise<{ path: string; notes?: string[] } | { note: string } | { unobserved: string }> {
  const info = await componentInfo(ctx, ref.component);
  const r = componentFileOf(info, ref);
  return "path" in r && info.notes.length > 0 ? { ...r, notes: info.notes } : r;
}

function componentFileOf(info: ComponentInfo, ref: { component: Component; flag?: string | undefined; manifest?: true | undefined }): { path: string } | { note: string } | { unobserved: string } {
  if (ref.manifest) {
    if (info.manifest) return { path: info.manifest };
    if (info.manifestUnobserved) return { unobserved: info.manifestUnobserved };
    return { note: `no static pod manifest for ${ref.component}` };
  }
  if (!info.present) {
    if (info.unobserved) return { unobserved: info.unobserved };
    return { note: `no ${ref.component} on this node (no process and no static pod manifest)` };
  }
  if (info.filesUnobserved) return { unobserved: info.filesUnobserved };
  const flag = normaliseFlagName(ref.flag ?? "");
  const known = info.files[flag];
  if (known) return { path: known };
  const why = info.fileNotes[flag];
  if (why) return { note: why };
  const v = info.flags[flag];
  if (!v) {
    // kube-proxy may name its kubeconfig in its --config file, which could not be read.
    if (info.configUnobserved && ref.component === "kube-proxy" && flag === "kubeconfig") return { unobserved: info.configUnobserved };
    return { note: `${ref.component} runs without --${flag}` };
  }
  return hostPathOf(info, v);
}

// ---------------------------------------------------------------------------------------
// Effective setting: the one rule (effective.ts) — flag > config file (--config) > default.
// ---------------------------------------------------------------------------------------
export interface ComponentSetting {
  flag: string;
  config?: string | undefined;
  default?: string | number | boolean | null | undefined;
}

/** A component's effective setting. Component configs default their zero values: an empty string is "not set". */
export function componentSetting(info: ComponentInfo, spec: ComponentSetting): EffectiveSetting {
  return effectiveSetting(
    {
      flags: info.flags,
      flagSources: info.flagSources,
      config: info.config,
      configKeyLines: info.configKeyLines,
      layers: info.configReadFrom ? [{ file: info.configReadFrom, kind: "config" }] : [],
      ...(info.unobserved ? { flagsUnobserved: info.unobserved } : {}),
      ...(info.configUnobserved ? { configUnobserved: info.configUnobserved } : {}),
    },
    spec,
    { emptyIsUnset: true },
  );
}
