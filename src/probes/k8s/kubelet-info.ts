/**
 * The one kubelet resolver: which distribution the node runs, where its kubelet is (its
 * own process and unit, or inside / under the distribution's daemon), the flags it runs
 * with and where each was written, its configuration (--config, then --config-dir
 * drop-ins), the real paths of its unit, kubeconfig, client CA and config, and its
 * version. Every probe and fix that needs the kubelet reads this, once per scan.
 *
 * What could not be observed is said, never guessed: an unreadable drop-in, config file
 * or process argv puts a reason in `unobserved` (and `flagsUnobserved` /
 * `configUnobserved`), and a node that looks like Kubernetes but whose kubelet is not
 * found reports `present` as unobserved rather than false.
 */
import path from "node:path";
import { DISTRIBUTIONS, type Detection, type Distribution, type DistributionId } from "../distributions/index.js";
import type { ModelledFlags, VersionFinding } from "../distributions/types.js";
import { kubeletArgs, parseKubeletFlags } from "../parse/kubelet-flags.js";
import { getConfigPath, mergeConfig, parseKubeletConfig, refusedConfig } from "../parse/kubelet-config.js";
import { lookupUnit, unitCommand, type UnitCommand } from "../systemd-unit-files.js";
import type { Evidence, ProbeContext } from "../types.js";
import { effectiveSetting, type ConfigLayer, type EffectiveSetting, type FlagOrigin, type SettingSources, type SettingSpec } from "./effective.js";
import { kubeletDefaultFor } from "./kubelet-defaults.js";
import { basename, linkTarget, listDir, presence, processView, readText } from "./node.js";
import { pushAll } from "../../util/array.js";
import { describeError } from "../../errors.js";
import { assertNever } from "../../util/assert-never.js";
import { trimTrailingSlashes } from "../../util/trim.js";
import { loadYaml } from "../../util/yaml.js";

export type KubeletSource = "process" | "unit" | "embedded" | "distribution" | "none";

export interface KubeletInfo extends SettingSources {
  /** A kubelet was found: a running process, an installed unit, or a distribution that runs one. */
  present: boolean;
  /**
   * Where the flags came from: its process's argv, its systemd unit, the distribution that
   * embeds it (k3s), or the distribution's files when its kubelet process is not running.
   */
  source: KubeletSource;
  /** The Kubernetes distribution; `unknown` when a kubelet runs but no distribution is recognised; `none` when no Kubernetes. */
  distribution?: DistributionId | "unknown" | "none";
  /** k3s/RKE2 `server`/`agent`, k0s `worker`/`controller`, EKS `al2023`/`al2`. */
  variant?: string;
  /** What showed the distribution. */
  distributionEvidence?: Evidence[];
  /** The kubelet's version, `1.34.2`. */
  version?: string;
  /** Its minor version (34), for `gte`/`lt` comparisons in packs. */
  versionMinor?: number;
  /** Where the version was read. */
  versionSource?: string;
  pid?: number;
  /** The distribution's own unit that starts the kubelet (k3s.service, rke2-agent.service, k0sworker.service). */
  hostUnit?: string;
  /** Host path of the kubelet unit file (e.g. /lib/systemd/system/kubelet.service). */
  unitFile?: string;
  /** Host paths of drop-ins, in the order systemd applies them. */
  dropIns: string[];
  /** Host path of the file holding the ExecStart that launches the kubelet (kube-bench's $kubeletsvc). */
  serviceFile?: string;
  /** Line of the winning ExecStart= in serviceFile. */
  serviceLine?: number;
  /** kubelet.service is masked. */
  masked?: boolean;
  /** The effective argv (process cmdline, or the expanded ExecStart). */
  argv?: string[];
  /** --config path (host path) when set. */
  configFile?: string;
  /** --config-dir path (host path) when set. */
  configDir?: string;
  /** Config files read, in merge order: --config, then --config-dir/*.conf. */
  configFiles?: string[];
  /** --kubeconfig path when set. */
  kubeconfig?: string;
  /** clientCAFile: flag --client-ca-file wins, else config authentication.x509.clientCAFile. */
  clientCAFile?: string;
  /** Problems met while resolving (bad YAML, a missing required file): shown as evidence. */
  problems: string[];
  /** Facts that could not be observed, by fact field: `present`, `distribution`, `version`, `flags`, `config`. */
  unobserved?: Record<string, string>;
  /** The kubelet unit (its file, drop-ins or directories) could not all be read: which file holds ExecStart is not known. */
  unitUnobserved?: string;
  /**
   * Sources that could not be observed but decide nothing (another distribution's marker
   * on a node shown to be this distribution by its own files): shown as evidence.
   */
  notes?: string[];
}

/** Kubernetes' own names for what a kubelet file is (`pathOf` in packs and fixes). */
export const KUBELET_FILES = ["kubelet-unit", "kubelet-config", "kubelet-kubeconfig", "kubelet-client-ca"] as const;
export type KubeletFile = (typeof KUBELET_FILES)[number];

// ---------------------------------------------------------------------------------------

interface FlagsFound {
  source: KubeletSource;
  flags: Record<string, string>;
  flagSources: Record<string, FlagOrigin>;
  argv?: string[];
  pid?: number;
  cwd?: string;
  unobserved: string[];
  problems: string[];
  evidence: Evidence[];
  /** Not observed, deciding nothing judged (a value no check reads): shown as evidence. */
  notes?: string[];
}

function fromProcess(proc: { pid: number; argv: string[] }, offset: number): FlagsFound {
  const parsed = parseKubeletFlags(proc.argv.slice(offset));
  const flagSources: Record<string, FlagOrigin> = {};
  for (const name of Object.keys(parsed.flags)) flagSources[name] = { pid: proc.pid };
  return { source: "process", flags: parsed.flags, flagSources, argv: proc.argv, pid: proc.pid, unobserved: [], problems: [], evidence: [] };
}

function fromUnit(cmd: UnitCommand): FlagsFound {
  const k = kubeletArgs(cmd.argv);
  const offset = k?.offset ?? 1;
  const parsed = parseKubeletFlags(cmd.argv.slice(offset));
  const flagSources: Record<string, FlagOrigin> = {};
  for (const [name, idx] of Object.entries(parsed.index)) {
    const o = cmd.origins[idx + offset];
    if (o) flagSources[name] = { file: o.file, line: o.line };
  }
  const problems = cmd.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`);
  if (!k && cmd.argv[0] !== undefined && cmd.execStart) {
    problems.push(`${cmd.execStart.file}:${cmd.execStart.line}: ExecStart runs ${cmd.argv[0]}, not kubelet directly; reading its flags anyway`);
  }
  return {
    source: "unit",
    flags: parsed.flags,
    flagSources,
    argv: cmd.argv,
    ...(cmd.workingDirectory ? { cwd: cmd.workingDirectory } : {}),
    unobserved: cmd.unobserved.map((u) => `${u.file}: ${u.message}`),
    problems,
    evidence: [],
  };
}

function fromModel(m: ModelledFlags, source: KubeletSource): FlagsFound {
  return { source, flags: m.flags, flagSources: m.flagSources, unobserved: m.unobserved, problems: m.problems, evidence: m.evidence, notes: m.notes ?? [] };
}

/** Config files the kubelet reads from --config-dir: `*.conf` anywhere below it, in path order (its filepath.WalkDir). */
async function configDirFiles(ctx: ProbeContext, dir: string, unobserved: string[], depth = 0): Promise<string[]> {
  const listed = await listDir(ctx, dir);
  if ("unobserved" in listed) {
    unobserved.push(listed.unobserved);
    return [];
  }
  const out: string[] = [];
  for (const n of listed.names ?? []) {
    const p = `${dir}/${n}`;
    if (n.endsWith(".conf")) {
      const pr = await presence(ctx, p);
      if ("unobserved" in pr) unobserved.push(pr.unobserved);
      else if (!pr.exists && (await linkTarget(ctx, p)) !== null) {
        // The kubelet reads every *.conf it walks, and does not start on one it cannot read.
        unobserved.push(`${p}: a dangling link in the kubelet's --config-dir (the kubelet fails to load it)`);
      } else if (pr.exists && !pr.isDir) out.push(p);
      else if (pr.exists && depth < 4) pushAll(out, (await configDirFiles(ctx, p, unobserved, depth + 1)));
      continue;
    }
    if (depth < 4) {
      const pr = await presence(ctx, p);
      if ("exists" in pr && pr.exists && pr.isDir) pushAll(out, (await configDirFiles(ctx, p, unobserved, depth + 1)));
    }
  }
  return out;
}

async function loadConfig(
  ctx: ProbeContext,
  configFile: string | undefined,
  configDir: string | undefined,
  info: KubeletInfo,
): Promise<void> {
  const unobserved: string[] = [];
  const layers: ConfigLayer[] = [];
  const keyLines: Record<string, { file: string; line: number }> = Object.create(null) as Record<string, { file: string; line: number }>;
  let config: Record<string, unknown> = {};
  const read = async (f: string, kind: ConfigLayer["kind"]): Promise<void> => {
    const r = await readText(ctx, f);
    if ("unobserved" in r) {
      unobserved.push(r.unobserved);
      return;
    }
    if ("missing" in r) {
      if (kind === "config") info.problems.push(`${f}: kubelet config file does not exist`);
      return;
    }
    await loadYaml();
    const parsed = parseKubeletConfig(r.text, f);
    pushAll(info.problems, parsed.problems);
    // A file that could not be parsed (bad YAML, over a cap) hides whatever it sets: never the defaults.
    if (parsed.problems.length > 0 && Object.keys(parsed.config).length === 0) unobserved.push(parsed.problems[0] as string);
    // A --config the kubelet's decoder refuses (empty, comment-only, `{}`, no kind or
    // apiVersion): it does not run with the defaults, and what it does run with is unseen.
    else if (kind === "config" && parsed.problems.length === 0) {
      const why = refusedConfig(parsed.config, "KubeletConfiguration");
      if (why !== undefined) unobserved.push(`${f}: ${why}, which the kubelet refuses to start with: the settings it runs with are unseen`);
    }
    layers.push({ file: f, kind });
    config = mergeConfig(config, parsed.config);
    Object.assign(keyLines, parsed.keyLines);
  };
  if (configFile) await read(configFile, "config");
  if (configDir) for (const f of await configDirFiles(ctx, trimTrailingSlashes(configDir), unobserved)) await read(f, "config-dir");
  info.config = config;
  info.layers = layers;
  info.configFiles = layers.map((l) => l.file);
  info.configKeyLines = keyLines;
  if (unobserved.length > 0) info.configUnobserved = unobserved.join("; ");
}

/** Parse `1.34.2` out of a version string (`Kubernetes v1.34.2`, `v1.30.2+k3s1`, `1.34.2-1.1`). */
export function parseKubeVersion(raw: string): { version: string; minor: number } | null {
  // (?<!\d): tried once per run of digits, not from each digit of it (quadratic on a long run).
  const m = /v?(?<!\d)(\d+)\.(\d+)\.(\d+)/.exec(raw);
  if (!m) return null;
  return { version: `${m[1] as string}.${m[2] as string}.${m[3] as string}`, minor: Number(m[2]) };
}

async function findVersion(
  ctx: ProbeContext,
  dist: Distribution | undefined,
  det: Detection | undefined,
  exe: string | undefined,
): Promise<{ finding: VersionFinding } | { unobserved: string }> {
  const reasons: string[] = [];
  if (dist?.version && det) {
    const v = await dist.version(ctx, det, exe);
    if (v && "raw" in v && parseKubeVersion(v.raw)) return { finding: v };
    if (v && "unobserved" in v) reasons.push(v.unobserved);
  }
  const candidates = [...(exe ? [exe] : []), ...(dist && det ? (dist.versionCommands?.(det) ?? []) : ["/usr/bin/kubelet"])];
  if (!ctx.host.isLive) {
    reasons.push(`the distribution's files do not say it, and the kubelet binary is run only on the live host (this scan reads the root ${ctx.host.root})`);
    return { unobserved: reasons.join("; ") };
  }
  for (const bin of [...new Set(candidates)]) {
    const pr = await presence(ctx, bin);
    if (!("exists" in pr) || !pr.exists) continue;
    const r = await ctx.run([bin, "--version"], { timeoutMs: ctx.commandTimeoutMs, maxOutputBytes: 64 * 1024 });
    const text = `${r.stdout}\n${r.stderr}`;
    if (!r.failed && parseKubeVersion(text)) return { finding: { raw: text.trim().split("\n")[0] as string, source: `${bin} --version` } };
    reasons.push(r.reason ?? `${bin} --version printed no version`);
  }
  if (reasons.length === 0) reasons.push(`no kubelet executable found to ask (${candidates.join(", ")})`);
  return { unobserved: reasons.join("; ") };
}

/** Files and directories whose presence says "this node runs Kubernetes". */
const KUBERNETES_MARKERS = ["/var/lib/kubelet", "/etc/kubernetes", "/var/lib/rancher/k3s", "/var/lib/rancher/rke2", "/var/lib/k0s"];

async function looksLikeKubernetes(ctx: ProbeContext, processes: readonly { pid: number; argv: string[] }[]): Promise<{ evidence: string[]; unobserved: string[] }> {
  const evidence: string[] = [];
  const unobserved: string[] = [];
  for (const p of KUBERNETES_MARKERS) {
    const r = await presence(ctx, p);
    if ("unobserved" in r) unobserved.push(r.unobserved);
    else if (r.exists) evidence.push(p);
  }
  for (const p of processes) {
    const b = basename(p.argv[0] ?? "");
    if (b.includes("kubelet")) evidence.push(`process ${p.pid} (${b})`);
  }
  return { evidence, unobserved };
}

function findKubeletProcess(processes: readonly { pid: number; argv: string[] }[], problems: string[]): { pid: number; argv: string[]; offset: number } | null {
  const found = processes.flatMap((p) => {
    const k = kubeletArgs(p.argv);
    return k ? [{ pid: p.pid, argv: p.argv, offset: k.offset }] : [];
  });
  if (found.length > 1) problems.push(`several kubelet processes (pids ${found.map((f) => f.pid).join(", ")}); using ${found[0]?.pid}`);
  return found[0] ?? null;
}

async function loadKubeletInfo(ctx: ProbeContext): Promise<KubeletInfo> {
  const problems: string[] = [];
  const unobserved: Record<string, string> = {};
  const pv = await processView(ctx);

  const detection = await distributionDetection(ctx);
  const dist: Distribution | undefined = detection.found?.dist;
  const det: Detection | undefined = detection.found?.det;
  const proc = findKubeletProcess(pv.processes, problems);
  const layout = dist?.kubelet ?? { kind: "own" as const, unit: "kubelet.service" };

  // The kubelet's own unit (kubeadm, EKS, AKS, GKE, or a kubelet no distribution claims).
  const unit = layout.kind === "own" ? await unitCommand(ctx, layout.unit) : null;

  // A distribution that runs the kubelet itself is resolved only from its daemon or its
  // unit: a leftover data directory alone runs nothing.
  const managedRuns = layout.kind !== "own" && det !== undefined && (det.process !== undefined || det.hostUnit !== undefined);
  let found: FlagsFound | null = null;
  if (layout.kind === "embedded" && det && managedRuns) {
    found = fromModel(await layout.model(ctx, det), "embedded");
    if (det.process) found.pid = det.process.pid;
    // Its daemon was not found running, but the table could not all be read: the running
    // one's command line may differ from its unit's.
    else if (pv.unobserved) found.unobserved.push(`the running ${dist?.id ?? "distribution"}'s command line may differ from its unit: ${pv.unobserved}`);
  } else if (proc) {
    found = fromProcess(proc, proc.offset);
  } else if (layout.kind === "child" && det && managedRuns) {
    found = fromModel(await layout.model(ctx, det), "distribution");
    // Its kubelet runs as a process of its own: a table we could not fully read may hide it.
    if (pv.unobserved) found.unobserved.push(pv.unobserved);
  } else if (unit && !unit.unit.masked) {
    found = fromUnit(unit);
    if (pv.unobserved) found.unobserved.push(`the running kubelet's command line may differ from its unit: ${pv.unobserved}`);
  }

  const info: KubeletInfo = {
    present: found !== null,
    source: found?.source ?? "none",
    dropIns: unit?.unit.dropIns ?? [],
    flags: found?.flags ?? {},
    flagSources: found?.flagSources ?? {},
    config: {},
    problems,
    configFiles: [],
    configKeyLines: {},
    layers: [],
    ...(unit ? { unitFile: unit.unit.file } : {}),
    ...(unit?.execStart ? { serviceFile: unit.execStart.file, serviceLine: unit.execStart.line } : {}),
    ...(unit?.unit.masked ? { masked: true } : {}),
    ...(found?.argv ? { argv: found.argv } : {}),
    ...(found?.pid !== undefined ? { pid: found.pid } : {}),
    ...(det?.hostUnit ? { hostUnit: det.hostUnit } : {}),
  };
  if (unit?.unit.masked) problems.push(`${unit.unit.file} is masked`);
  if (unit && unit.unit.unobserved.length > 0) info.unitUnobserved = unit.unit.unobserved.map((u) => `${u.file}: ${u.message}`).join("; ");
  if (found) {
    pushAll(problems, found.problems);
    if (found.notes && found.notes.length > 0) pushAll((info.notes ??= []), found.notes);
    if (found.unobserved.length > 0) info.flagsUnobserved = found.unobserved.join("; ");
  }

  // Distribution.
  if (dist && det) {
    info.distribution = dist.id;
    if (det.variant) info.variant = det.variant;
    info.distributionEvidence = det.evidence;
    // Shown by its own files: a marker that could not be looked at on the way does not
    // change which kubelet this is. Said, so the report shows what was not seen.
    if (detection.hidden.length > 0) {
      const shown = det.evidence.map((e) => e.file ?? e.detail).join(", ");
      pushAll((info.notes ??= []), detection.hidden.map((h) => `not observed while recognising the distribution: ${h} (the node is ${dist.id}, shown by ${shown})`));
    }
  } else if (found) {
    info.distribution = "unknown";
    unobserved.distribution = [
      "a kubelet runs but no known distribution's files were found (kubeadm, k3s, RKE2, k0s, EKS, AKS, GKE)",
      ...detection.hidden,
    ].join("; ");
  } else {
    info.distribution = "none";
  }

  if (!found) {
    const looks = await looksLikeKubernetes(ctx, pv.processes);
    const why: string[] = [];
    if (dist && layout.kind !== "own") {
      why.push(`${dist.id} is installed (${det?.evidence.map((e) => e.file ?? e.detail).join(", ") ?? ""}) but neither its process nor its systemd unit was found, so its kubelet cannot be resolved`);
    } else if (dist) why.push(`the node runs ${dist.id} (${det?.evidence.map((e) => e.file ?? e.detail).join(", ") ?? ""}) but its kubelet could not be resolved`);
    else if (looks.evidence.length > 0) why.push(`the node looks like Kubernetes (${looks.evidence.join(", ")}) but no kubelet was found: no kubelet process, no kubelet.service, no known distribution`);
    if (unit?.unit.masked) why.push(`kubelet.service is masked (${unit.unit.file})`);
    const lookup = unit === null && layout.kind === "own" ? await unitLookupUnobserved(ctx, layout.unit) : [];
    const hidden = [...new Set([...looks.unobserved, ...lookup, ...(dist ? [] : detection.hidden), ...(pv.unobserved ? [pv.unobserved] : [])])];
    if (why.length > 0 && !unit?.unit.masked) {
      unobserved.present = [...why, ...hidden].join("; ");
    } else if (hidden.length > 0 && !unit?.unit.masked) {
      unobserved.present = `cannot tell whether a kubelet is installed: ${hidden.join("; ")}`;
    }
    if (unobserved.present) {
      // The version still picks the benchmark edition: the distribution's files may say it
      // (kubeadm's kubelet package) even when its kubelet cannot be resolved.
      const v = dist && det ? await findVersion(ctx, dist, det, undefined) : { unobserved: unobserved.present };
      if ("finding" in v) setVersion(info, v.finding);
      else unobserved.version = v.unobserved;
    }
    if (Object.keys(unobserved).length > 0) info.unobserved = unobserved;
    return info;
  }

  // Paths, relative to the kubelet's working directory — read only when a path is relative.
  let cwd: string | undefined;
  let cwdHidden: string | undefined;
  const workingDir = async (): Promise<string> => {
    if (cwd !== undefined) return cwd;
    cwd = found.cwd ?? "/";
    if (found.source === "process" && found.pid !== undefined) {
      try {
        cwd = (await ctx.host.procReadlink(`${found.pid}/cwd`)) ?? "/";
      } catch (e) {
        cwdHidden = `/proc/${found.pid}/cwd (the working directory its relative paths are resolved against): ${describeError(e)}`;
        cwd = "/";
      }
    }
    if (!path.posix.isAbsolute(cwd)) cwd = "/";
    return cwd;
  };
  const resolvePath = async (p: string | undefined): Promise<string | undefined> =>
    p === undefined || p === "" ? undefined : path.posix.resolve(path.posix.isAbsolute(p) ? "/" : await workingDir(), p);
  const configFile = await resolvePath(info.flags["config"]);
  const configDir = await resolvePath(info.flags["config-dir"]);
  const kubeconfig = await resolvePath(info.flags["kubeconfig"]);
  if (configFile) info.configFile = configFile;
  if (configDir) info.configDir = configDir;
  if (kubeconfig) info.kubeconfig = kubeconfig;
  if (configFile || configDir) await loadConfig(ctx, configFile, configDir, info);
  const ca = info.flags["client-ca-file"];
  if (ca) info.clientCAFile = await resolvePath(ca);
  else {
    const c = kubeletConfigPath(info, "authentication.x509.clientCAFile");
    if (c !== undefined) info.clientCAFile = c;
  }
  // Which files its relative paths name is not known: nothing about them may pass.
  if (cwdHidden) info.flagsUnobserved = [info.flagsUnobserved, cwdHidden].filter(Boolean).join("; ");

  // Version.
  let exe: string | undefined;
  if (found.source === "process" && found.pid !== undefined) {
    try {
      exe = (await ctx.host.procReadlink(`${found.pid}/exe`)) ?? undefined;
    } catch (e) {
      exe = undefined;
      // The version is then read where the distribution writes it (or unknown): said.
      (info.notes ??= []).push(`not observed: /proc/${found.pid}/exe (the kubelet's executable, which can tell its version): ${describeError(e)}`);
    }
  }
  exe ??= found.argv?.[0]?.startsWith("/") ? found.argv[0] : undefined;
  const v = await findVersion(ctx, dist, det, exe);
  if ("finding" in v) {
    setVersion(info, v.finding);
  } else {
    unobserved.version = v.unobserved;
  }
  if (info.flagsUnobserved) unobserved.flags = info.flagsUnobserved;
  if (info.configUnobserved) unobserved.config = info.configUnobserved;
  if (Object.keys(unobserved).length > 0) info.unobserved = unobserved;
  return info;
}

/**
 * A path-valued field of the kubelet's config files, resolved as the kubelet resolves it:
 * a relative path is relative to the directory of the config file that set it (--config's,
 * or the drop-in's), not to the kubelet's working directory. Undefined when unset or empty.
 */
export function kubeletConfigPath(info: Pick<KubeletInfo, "config" | "configKeyLines">, key: string): string | undefined {
  const c = getConfigPath(info.config, key);
  if (!c.found || typeof c.value !== "string" || c.value === "") return undefined;
  if (path.posix.isAbsolute(c.value)) return path.posix.normalize(c.value);
  const from = info.configKeyLines?.[key]?.file;
  return path.posix.resolve(from !== undefined ? path.posix.dirname(from) : "/", c.value);
}

function setVersion(info: KubeletInfo, finding: VersionFinding): void {
  const parsed = parseKubeVersion(finding.raw) as { version: string; minor: number };
  info.version = parsed.version;
  info.versionMinor = parsed.minor;
  info.versionSource = `${finding.source}: ${finding.raw}`;
}

async function unitLookupUnobserved(ctx: ProbeContext, name: string): Promise<string[]> {
  try {
    const r = await lookupUnit(ctx, name);
    return r.unobserved.map((u) => `${u.file}: ${u.message}`);
  } catch (e) {
    return [describeError(e)];
  }
}

export interface DistributionDetection {
  /** The distribution this node runs, null when none is recognised. */
  found: { dist: Distribution; det: Detection } | null;
  /** Markers looked at on the way that could not be observed: why. */
  hidden: string[];
}

/**
 * The distribution this node runs: the first, in registry order, whose files or processes
 * are found; once per scan. A marker that could not be observed is not evidence: when
 * another distribution is shown by its own files it is reported as a note (it cannot make
 * this node that other distribution's), when none is it makes the distribution unknown.
 */
export function distributionDetection(ctx: ProbeContext): Promise<DistributionDetection> {
  return ctx.once("k8s:distribution", async () => {
    const hidden: string[] = [];
    for (const d of DISTRIBUTIONS) {
      const r = await d.detect(ctx, hidden);
      if (r) return { found: { dist: d, det: r }, hidden };
    }
    return { found: null, hidden };
  });
}

/** The distribution this node runs, or null (see distributionDetection). */
export async function nodeDistribution(ctx: ProbeContext): Promise<{ dist: Distribution; det: Detection } | null> {
  return (await distributionDetection(ctx)).found;
}

/** The kubelet's effective configuration, resolved once per scan. */
export function kubeletInfo(ctx: ProbeContext): Promise<KubeletInfo> {
  return ctx.once("kubelet", () => loadKubeletInfo(ctx));
}

/** Whether the kubelet runs with a config file (its defaults differ without one). */
export function runsWithConfig(info: Pick<KubeletInfo, "configFile" | "configDir">): boolean {
  return info.configFile !== undefined || info.configDir !== undefined;
}

/** One kubelet setting: flag > --config-dir > --config > default, with where it came from. */
export function kubeletSetting(info: KubeletInfo, spec: SettingSpec): EffectiveSetting {
  return effectiveSetting(info, spec, { defaultFor: (s) => kubeletDefaultFor(runsWithConfig(info), s) });
}

/** The host path of a kubelet file (with notes on what was not seen but decides nothing), why there is none, or why it could not be told. */
export function kubeletFile(info: KubeletInfo, which: KubeletFile): { path: string; notes?: string[] } | { note: string } | { unobserved: string } {
  const r = kubeletFileOf(info, which);
  return "path" in r && info.notes ? { ...r, notes: info.notes } : r;
}

function kubeletFileOf(info: KubeletInfo, which: KubeletFile): { path: string } | { note: string } | { unobserved: string } {
  if (!info.present) {
    if (info.unobserved?.present) return { unobserved: info.unobserved.present };
    return { note: "no kubelet found (no kubelet process and no kubelet systemd unit)" };
  }
  const flagsHidden = info.flagsUnobserved;
  const embedded = info.source === "embedded" || (info.source !== "unit" && info.hostUnit !== undefined && info.unitFile === undefined);
  switch (which) {
    case "kubelet-unit": {
      if (info.unitUnobserved) return { unobserved: `the kubelet unit could not all be read: ${info.unitUnobserved}` };
      const p = info.serviceFile ?? info.unitFile;
      if (p) return { path: p };
      if (embedded) return { note: `the kubelet is started by ${info.distribution ?? "its distribution"} (${info.hostUnit ?? "its daemon"}); it has no service file of its own` };
      return { note: "kubelet has no systemd unit file (it was found as a process only)" };
    }
    case "kubelet-config":
      if (info.configFile) return { path: info.configFile };
      if (flagsHidden) return { unobserved: `the kubelet's flags could not all be read: ${flagsHidden}` };
      if (info.configDir) return { note: `kubelet has no --config file (its configuration is the drop-in directory ${info.configDir})` };
      return { note: "kubelet has no --config file" };
    case "kubelet-kubeconfig":
      if (info.kubeconfig) return { path: info.kubeconfig };
      if (flagsHidden) return { unobserved: `the kubelet's flags could not all be read: ${flagsHidden}` };
      return { note: "kubelet has no --kubeconfig file" };
    case "kubelet-client-ca":
      if (info.clientCAFile) return { path: info.clientCAFile };
      if (flagsHidden || info.configUnobserved) return { unobserved: [flagsHidden, info.configUnobserved].filter(Boolean).join("; ") };
      return { note: "kubelet has no client CA file (neither --client-ca-file nor authentication.x509.clientCAFile)" };
    default:
      return assertNever(which, "kubelet file");
  }
}

/** What the scan report and the metrics say about the node's Kubernetes. */
export interface KubernetesInventory {
  /** kubeadm, k3s, rke2, k0s, eks, aks, gke; `unknown` (a kubelet, no known distribution); `none`. */
  distribution: string;
  /** k3s/RKE2 server|agent, k0s worker|controller, EKS al2023|al2. */
  variant?: string;
  /** The kubelet's version (`1.34.2`). */
  version?: string;
  /** Where the version was read. */
  versionSource?: string;
  /** How the kubelet was found: process, unit, embedded, distribution, none. */
  kubelet: KubeletSource;
  /** Facts about it that could not be observed, with the reason. */
  unknown?: Record<string, string>;
}

export function kubernetesInventory(info: KubeletInfo): KubernetesInventory {
  return {
    distribution: info.distribution ?? "none",
    ...(info.variant ? { variant: info.variant } : {}),
    ...(info.version ? { version: info.version } : {}),
    ...(info.versionSource ? { versionSource: info.versionSource } : {}),
    kubelet: info.source,
    ...(info.unobserved && Object.keys(info.unobserved).length > 0 ? { unknown: { ...info.unobserved } } : {}),
  };
}
