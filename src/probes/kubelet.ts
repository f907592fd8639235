/**
 * kubelet: the kubelet's EFFECTIVE configuration, never a guessed fixed path.
 *
 * 1. A running kubelet (`/proc/<pid>/cmdline` whose argv[0] is `kubelet`, or
 *    `hyperkube kubelet`) gives the flags it really runs with.
 * 2. Otherwise the systemd unit: `kubelet.service` from the unit search path plus its
 *    `kubelet.service.d/*.conf` drop-ins, merged as systemd does (Environment=,
 *    EnvironmentFile=, ExecStart= with reset), ExecStart expanded and split into argv.
 * The unit files are resolved in both cases (the file checks need `serviceFile`).
 * Then `--config` (and `--config-dir` drop-ins) is read as a KubeletConfiguration, and
 * `effectiveSetting` applies kubelet precedence: flag > config file > kubelet default.
 */
import path from "node:path";
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { kubeletArgs, normaliseFlagName, parseKubeletFlags, parseMapFlag } from "./parse/kubelet-flags.js";
import { processTable } from "./process-table.js";
import {
  expandExecStart,
  parseEnvironmentFile,
  parseEnvironmentValue,
  parseUnitFile,
  type EnvValue,
  type Origin,
} from "./parse/kubelet-unit.js";
import { defineProbe, type Evidence, type ProbeContext } from "./types.js";

/** Where a flag's value came from: a file and line (unit, drop-in, EnvironmentFile) or a pid. */
export interface FlagOrigin {
  file?: string;
  line?: number;
  pid?: number;
}

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
  /** Parsed --config file (YAML/JSON), {} when none; --config-dir drop-ins merged over it. */
  config: Record<string, unknown>;
  /** Problems met while resolving (unreadable drop-in, bad YAML): shown as evidence. */
  problems: string[];

  // --- additions beyond the original contract ---
  /** The effective argv (process cmdline, or the expanded ExecStart). */
  argv?: string[];
  /** Line of the winning ExecStart= in serviceFile. */
  serviceLine?: number;
  /** Flag name → where its winning value was written (file:line) or the pid it was read from. */
  flagSources?: Record<string, FlagOrigin>;
  /** Config files read, in merge order: --config, then --config-dir/*.conf. */
  configFiles?: string[];
  /** Dotted config key → file and line where it is set (the last file that sets it). */
  configKeyLines?: Record<string, { file: string; line: number }>;
  /** kubelet.service is masked (linked to /dev/null or empty). */
  masked?: boolean;
}

/** systemd's system unit search path (system.conf defaults), highest precedence first. */
export const UNIT_DIRS = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/usr/local/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/lib/systemd/system",
] as const;

const UNIT = "kubelet.service";

// ---------------------------------------------------------------------------------------
// Kubelet defaults.
//
// Source: Kubernetes pkg/kubelet/apis/config/v1beta1/defaults.go
// (SetDefaults_KubeletConfiguration — applied to a --config file) and
// cmd/kubelet/app/options/options.go applyLegacyDefaults (applied only when the kubelet
// runs WITHOUT --config, to keep the old flag defaults): anonymous auth true, webhook
// authentication false, authorization AlwaysAllow, read-only port 10255. With a config
// file the v1beta1 defaults hold: anonymous false, webhook true, Webhook, readOnlyPort 0
// (not defaulted, Go zero value). Fields v1beta1 leaves unset take the Go zero value
// (rotateCertificates false, serverTLSBootstrap false, protectKernelDefaults false).
// eventRecordQPS: 50 in current releases (5 before v1.27).
// Check packs pass `default` explicitly; this table is the fallback when they do not.
// ---------------------------------------------------------------------------------------
type DefaultValue = string | number | boolean;
export interface KubeletDefault {
  config: string;
  flag?: string;
  /** Default when the kubelet runs with --config. */
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

/** The kubelet's own default for a config key (or flag name), given whether it runs with --config. */
export function kubeletDefault(info: Pick<KubeletInfo, "configFile">, key: string): DefaultValue | undefined {
  const flag = normaliseFlagName(key);
  const d = KUBELET_DEFAULTS.find((x) => x.config === key || x.flag === flag);
  if (!d) return undefined;
  return info.configFile ? d.withConfig : d.withoutConfig;
}

// ---------------------------------------------------------------------------------------
// effectiveSetting: flags > config file > default.
// ---------------------------------------------------------------------------------------
export interface SettingSpec {
  /** Flag name, dashes optional (`read-only-port`); `feature-gates.Name` reads one entry of a map flag. */
  flag?: string;
  /** Dotted KubeletConfiguration path (`authentication.anonymous.enabled`). */
  config?: string;
  /** Value when neither flag nor config sets it; null means "no default" (unset). Omitted: the built-in table. */
  default?: string | number | boolean | null;
}

export interface EffectiveSetting {
  value: unknown;
  source: "flag" | "config" | "default" | "unset";
  /** The flag's value as written, when it came from a flag. */
  raw?: string;
  /** `--flag` or the config key that supplied the value. */
  key?: string;
  file?: string;
  line?: number;
  pid?: number;
}

/** Look up a dotted path; keys that themselves contain dots (`evictionHard.memory.available`) are tried too. */
export function getConfigPath(obj: unknown, dotted: string): { found: boolean; value?: unknown } {
  const segs = dotted.split(".");
  const walk = (cur: unknown, rest: string[]): { found: boolean; value?: unknown } => {
    if (rest.length === 0) return { found: true, value: cur };
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return { found: false };
    const rec = cur as Record<string, unknown>;
    for (let k = rest.length; k >= 1; k--) {
      const key = rest.slice(0, k).join(".");
      if (Object.hasOwn(rec, key)) {
        const r = walk(rec[key], rest.slice(k));
        if (r.found) return r;
      }
    }
    return { found: false };
  };
  return walk(obj, segs);
}

function typeFlagValue(raw: string, hint: unknown): unknown {
  const lower = raw.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (typeof hint === "number" && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  return raw;
}

/**
 * The effective value of one kubelet setting: a flag on the command line wins, then the
 * config file, then the default (`spec.default`, else the built-in kubelet default).
 * Flag values are typed: "true"/"false" become booleans; numeric strings become numbers
 * when the default (or the config value) is a number; anything else stays a string.
 */
export function effectiveSetting(info: KubeletInfo, spec: SettingSpec): EffectiveSetting {
  const cfg = spec.config ? getConfigPath(info.config, spec.config) : { found: false };
  const builtin =
    spec.default === undefined
      ? ((spec.config ? kubeletDefault(info, spec.config) : undefined) ?? (spec.flag ? kubeletDefault(info, spec.flag) : undefined))
      : undefined;
  const hint = spec.default ?? builtin ?? cfg.value;

  if (spec.flag) {
    const full = normaliseFlagName(spec.flag);
    const dot = full.indexOf(".");
    const base = dot === -1 ? full : full.slice(0, dot);
    const mapKey = dot === -1 ? undefined : full.slice(dot + 1);
    if (Object.hasOwn(info.flags, base)) {
      let raw: string | undefined = info.flags[base] as string;
      if (mapKey !== undefined) {
        const m = parseMapFlag(raw);
        raw = Object.hasOwn(m, mapKey) ? m[mapKey] : undefined;
      }
      if (raw !== undefined) {
        const origin = info.flagSources?.[base] ?? {};
        return { value: typeFlagValue(raw, hint), source: "flag", raw, key: `--${full}`, ...origin };
      }
    }
  }
  if (spec.config && cfg.found) {
    const loc = info.configKeyLines?.[spec.config];
    return {
      value: cfg.value,
      source: "config",
      key: spec.config,
      ...(loc ? { file: loc.file, line: loc.line } : info.configFile ? { file: info.configFile } : {}),
    };
  }
  if (spec.default !== undefined && spec.default !== null) return { value: spec.default, source: "default" };
  if (builtin !== undefined) return { value: builtin, source: "default" };
  return { value: undefined, source: "unset" };
}

// ---------------------------------------------------------------------------------------
// Resolution.
// ---------------------------------------------------------------------------------------
function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function findKubeletProcess(ctx: ProbeContext, problems: string[]): Promise<{ pid: number; argv: string[]; offset: number } | null> {
  const { processes, problems: tableProblems } = await processTable(ctx);
  if (tableProblems.length > 0) {
    problems.push(...tableProblems);
    return null;
  }
  const found: { pid: number; argv: string[]; offset: number }[] = [];
  for (const { pid, argv } of processes) {
    const k = kubeletArgs(argv);
    if (k) found.push({ pid, argv, offset: k.offset });
  }
  if (found.length > 1) problems.push(`several kubelet processes (pids ${found.map((f) => f.pid).join(", ")}); using ${found[0]?.pid}`);
  return found[0] ?? null;
}

interface UnitResolution {
  unitFile?: string;
  dropIns: string[];
  masked: boolean;
  serviceFile?: string;
  serviceLine?: number;
  argv?: string[];
  offset: number;
  origins: (Origin | undefined)[];
  workingDirectory?: string;
}

async function isMaskLink(ctx: ProbeContext, p: string): Promise<boolean> {
  const st = await ctx.host.lstat(p);
  if (!st) return false;
  if (st.isSymbolicLink()) return (await ctx.host.readlink(p)) === "/dev/null";
  return st.isFile() && st.size === 0;
}

async function readEnvironmentFiles(
  ctx: ProbeContext,
  spec: { path: string; optional: boolean; origin: Origin },
  env: Map<string, EnvValue>,
  problems: string[],
): Promise<void> {
  if (!path.posix.isAbsolute(spec.path)) {
    problems.push(`${spec.origin.file}:${spec.origin.line}: EnvironmentFile=${spec.path} is not absolute, ignored`);
    return;
  }
  let files: string[] = [spec.path];
  if (/[*?[]/.test(spec.path)) {
    try {
      files = await ctx.host.glob(spec.path);
    } catch (e) {
      problems.push(`${spec.path}: ${msg(e)}`);
      files = [];
    }
  }
  if (files.length === 0 && !spec.optional) problems.push(`${spec.origin.file}:${spec.origin.line}: EnvironmentFile ${spec.path} matches no file`);
  for (const f of files) {
    let text: string | null;
    try {
      text = await ctx.host.readFileIfExists(f);
    } catch (e) {
      problems.push(`${f}: ${msg(e)}`);
      continue;
    }
    if (text === null) {
      if (!spec.optional) problems.push(`${spec.origin.file}:${spec.origin.line}: EnvironmentFile ${f} does not exist (systemd would refuse to start the unit)`);
      continue;
    }
    const parsed = parseEnvironmentFile(text, f);
    problems.push(...parsed.problems.map((p) => p.message));
    for (const v of parsed.vars) env.set(v.name, { value: v.value, origin: { file: f, line: v.line } });
  }
}

async function resolveUnit(ctx: ProbeContext, problems: string[]): Promise<UnitResolution | null> {
  let unitFile: string | undefined;
  let masked = false;
  for (const dir of UNIT_DIRS) {
    const p = `${dir}/${UNIT}`;
    try {
      if (await ctx.host.lstat(p)) {
        unitFile = p;
        masked = await isMaskLink(ctx, p);
        break;
      }
    } catch (e) {
      problems.push(`${p}: ${msg(e)}`);
    }
  }
  const chosen = new Map<string, string>();
  for (const dir of UNIT_DIRS) {
    const d = `${dir}/${UNIT}.d`;
    let names: string[] | null = null;
    try {
      names = await ctx.host.readdir(d);
    } catch (e) {
      problems.push(`${d}: ${msg(e)}`);
    }
    for (const n of names ?? []) if (n.endsWith(".conf") && !chosen.has(n)) chosen.set(n, `${d}/${n}`);
  }
  const dropIns: string[] = [];
  for (const n of [...chosen.keys()].sort()) {
    const p = chosen.get(n) as string;
    try {
      if (await isMaskLink(ctx, p)) continue; // a drop-in linked to /dev/null hides the lower ones
    } catch {
      // reported when read below
    }
    dropIns.push(p);
  }
  if (!unitFile && dropIns.length === 0) return null;
  const res: UnitResolution = { dropIns, masked, offset: 1, origins: [], ...(unitFile ? { unitFile } : {}) };
  if (masked) {
    problems.push(`${unitFile ?? UNIT} is masked`);
    return res;
  }
  if (!unitFile) problems.push(`no ${UNIT} unit file in ${UNIT_DIRS.join(", ")}; only drop-ins`);

  const envAssigns: { name: string; value: string; origin: Origin }[] = [];
  let envFiles: { path: string; optional: boolean; origin: Origin }[] = [];
  let execStarts: { value: string; origin: Origin }[] = [];
  let workingDirectory: string | undefined;
  for (const file of [...(unitFile ? [unitFile] : []), ...dropIns]) {
    let text: string | null;
    try {
      text = await ctx.host.readFileIfExists(file);
    } catch (e) {
      problems.push(`${file}: ${msg(e)}`);
      continue;
    }
    if (text === null) {
      problems.push(`${file}: does not exist (dangling link?)`);
      continue;
    }
    const parsed = parseUnitFile(text, file);
    problems.push(...parsed.problems.map((p) => p.message));
    for (const e of parsed.entries) {
      if (e.section !== "Service") continue;
      const origin = { file, line: e.line };
      switch (e.key) {
        case "Environment": {
          if (e.value === "") {
            envAssigns.length = 0;
            break;
          }
          const pe = parseEnvironmentValue(e.value);
          problems.push(...pe.problems.map((p) => `${file}:${e.line}: ${p}`));
          for (const v of pe.vars) envAssigns.push({ ...v, origin });
          break;
        }
        case "EnvironmentFile":
          if (e.value === "") envFiles = [];
          else {
            const optional = e.value.startsWith("-");
            envFiles.push({ path: optional ? e.value.slice(1).trim() : e.value, optional, origin });
          }
          break;
        case "ExecStart":
          if (e.value === "") execStarts = [];
          else execStarts.push({ value: e.value, origin });
          break;
        case "WorkingDirectory":
          workingDirectory = e.value.replace(/^-/, "");
          break;
        default:
          break;
      }
    }
  }
  // Environment= first; EnvironmentFile= settings override them (systemd.exec(5)).
  const env = new Map<string, EnvValue>();
  for (const a of envAssigns) env.set(a.name, { value: a.value, origin: a.origin });
  for (const f of envFiles) await readEnvironmentFiles(ctx, f, env, problems);

  const win = execStarts[execStarts.length - 1];
  if (!win) {
    problems.push(`${UNIT} has no ExecStart=`);
    return res;
  }
  if (execStarts.length > 1) {
    problems.push(`${execStarts.length} ExecStart= lines in effect (systemd allows one for a non-oneshot service); using ${win.origin.file}:${win.origin.line}`);
  }
  const ex = expandExecStart(win.value, env, win.origin);
  problems.push(...ex.problems.map((p) => `${win.origin.file}:${win.origin.line}: ${p}`));
  const k = kubeletArgs(ex.argv);
  if (!k && ex.argv[0] !== undefined) problems.push(`${win.origin.file}:${win.origin.line}: ExecStart runs ${ex.argv[0]}, not kubelet directly; reading its flags anyway`);
  return {
    ...res,
    serviceFile: win.origin.file,
    serviceLine: win.origin.line,
    argv: ex.argv,
    offset: k?.offset ?? 1,
    origins: ex.origins,
    ...(workingDirectory && path.posix.isAbsolute(workingDirectory) ? { workingDirectory } : {}),
  };
}

function collectKeyLines(
  doc: Document,
  lc: LineCounter,
  file: string,
  out: Record<string, { file: string; line: number }>,
): void {
  let budget = 10_000;
  const walk = (node: unknown, prefix: string): void => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      if (--budget < 0) return;
      const k = pair.key;
      if (!isScalar(k)) continue;
      const full = prefix === "" ? String(k.value) : `${prefix}.${String(k.value)}`;
      if (k.range) out[full] = { file, line: lc.linePos(k.range[0]).line };
      walk(pair.value, full);
    }
  };
  walk(doc.contents, "");
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  // Null prototype: a config key "__proto__" is data, never the object's prototype.
  const out: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, base);
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/**
 * Parse a KubeletConfiguration (YAML or JSON). YAML 1.1, as the kubelet's sigs.k8s.io/yaml
 * reads it (`yes`/`no` are booleans). Errors name file:line:col.
 */
export function parseKubeletConfig(
  text: string,
  file: string,
): { config: Record<string, unknown>; keyLines: Record<string, { file: string; line: number }>; problems: string[] } {
  const lc = new LineCounter();
  const keyLines: Record<string, { file: string; line: number }> = Object.create(null) as Record<string, { file: string; line: number }>;
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lc, version: "1.1", uniqueKeys: false });
  } catch (e) {
    return { config: {}, keyLines, problems: [`${file}: ${msg(e)}`] };
  }
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    return { config: {}, keyLines, problems: [`${where}: ${err.message.split("\n")[0] ?? "YAML error"}`] };
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { config: {}, keyLines, problems: [`${file}: ${msg(e)}`] };
  }
  if (js === null || js === undefined) return { config: {}, keyLines, problems: [] };
  if (!isPlainObject(js)) return { config: {}, keyLines, problems: [`${file}:1: not a KubeletConfiguration mapping`] };
  collectKeyLines(doc, lc, file, keyLines);
  return { config: js, keyLines, problems: [] };
}

async function loadConfig(
  ctx: ProbeContext,
  configFile: string | undefined,
  configDir: string | undefined,
  problems: string[],
): Promise<{ config: Record<string, unknown>; files: string[]; keyLines: Record<string, { file: string; line: number }> }> {
  let config: Record<string, unknown> = {};
  const keyLines: Record<string, { file: string; line: number }> = Object.create(null) as Record<string, { file: string; line: number }>;
  const files: string[] = [];
  const read = async (f: string, required: boolean): Promise<void> => {
    let text: string | null;
    try {
      text = await ctx.host.readFileIfExists(f);
    } catch (e) {
      problems.push(`${f}: ${msg(e)}`);
      return;
    }
    if (text === null) {
      if (required) problems.push(`${f}: kubelet config file does not exist`);
      return;
    }
    files.push(f);
    const parsed = parseKubeletConfig(text, f);
    problems.push(...parsed.problems);
    config = deepMerge(config, parsed.config);
    Object.assign(keyLines, parsed.keyLines);
  };
  if (configFile) await read(configFile, true);
  if (configDir) {
    try {
      for (const f of await ctx.host.glob(`${configDir.replace(/\/+$/, "")}/*.conf`)) await read(f, false);
    } catch (e) {
      problems.push(`${configDir}: ${msg(e)}`);
    }
  }
  return { config, files, keyLines };
}

async function loadKubeletInfo(ctx: ProbeContext): Promise<KubeletInfo> {
  const problems: string[] = [];
  const flagSources: Record<string, FlagOrigin> = {};
  const proc = await findKubeletProcess(ctx, problems);
  const unit = await resolveUnit(ctx, problems);

  const info: KubeletInfo = {
    present: false,
    source: "none",
    dropIns: unit?.dropIns ?? [],
    flags: {},
    config: {},
    problems,
    flagSources,
    configFiles: [],
    configKeyLines: {},
    ...(unit?.unitFile ? { unitFile: unit.unitFile } : {}),
    ...(unit?.serviceFile ? { serviceFile: unit.serviceFile, serviceLine: unit.serviceLine } : {}),
    ...(unit?.masked ? { masked: true } : {}),
  };

  let cwd = "/";
  if (proc) {
    const parsed = parseKubeletFlags(proc.argv.slice(proc.offset));
    info.present = true;
    info.source = "process";
    info.pid = proc.pid;
    info.argv = proc.argv;
    info.flags = parsed.flags;
    for (const name of Object.keys(parsed.flags)) flagSources[name] = { pid: proc.pid };
    try {
      cwd = (await ctx.host.procReadlink(`${proc.pid}/cwd`)) ?? "/";
    } catch {
      cwd = "/";
    }
  } else if (unit && !unit.masked) {
    info.present = true;
    info.source = "unit";
    if (unit.argv) {
      const parsed = parseKubeletFlags(unit.argv.slice(unit.offset));
      info.argv = unit.argv;
      info.flags = parsed.flags;
      for (const [name, idx] of Object.entries(parsed.index)) {
        const o = unit.origins[idx + unit.offset];
        if (o) flagSources[name] = { file: o.file, line: o.line };
      }
    }
    cwd = unit.workingDirectory ?? "/";
  }
  if (!path.posix.isAbsolute(cwd)) cwd = "/";

  const resolvePath = (p: string | undefined): string | undefined =>
    p === undefined || p === "" ? undefined : path.posix.resolve(cwd, p);
  const configFile = resolvePath(info.flags["config"]);
  const configDir = resolvePath(info.flags["config-dir"]);
  const kubeconfig = resolvePath(info.flags["kubeconfig"]);
  if (configFile) info.configFile = configFile;
  if (kubeconfig) info.kubeconfig = kubeconfig;
  if (configFile || configDir) {
    const loaded = await loadConfig(ctx, configFile, configDir, problems);
    info.config = loaded.config;
    info.configFiles = loaded.files;
    info.configKeyLines = loaded.keyLines;
  }
  const ca = info.flags["client-ca-file"];
  if (ca) info.clientCAFile = resolvePath(ca);
  else {
    const c = getConfigPath(info.config, "authentication.x509.clientCAFile");
    if (c.found && typeof c.value === "string" && c.value !== "") info.clientCAFile = resolvePath(c.value);
  }
  return info;
}

/** The kubelet's effective configuration, resolved once per scan. */
export async function kubeletInfo(ctx: ProbeContext): Promise<KubeletInfo> {
  return ctx.once("kubelet", () => loadKubeletInfo(ctx));
}

// ---------------------------------------------------------------------------------------
// The probe.
// ---------------------------------------------------------------------------------------
const settingSchema = z
  .strictObject({
    flag: z.string().min(1).optional(),
    config: z.string().min(1).optional(),
    default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .refine((s) => s.flag !== undefined || s.config !== undefined, { message: "setting needs flag or config (or both)" });

function infoEvidence(info: KubeletInfo): Evidence[] {
  const ev: Evidence[] = [];
  if (info.pid !== undefined) ev.push({ pid: info.pid, process: "kubelet", detail: "kubelet command line" });
  if (info.unitFile) ev.push({ file: info.unitFile, unit: UNIT, detail: "unit file" });
  if (info.serviceFile) ev.push({ file: info.serviceFile, line: info.serviceLine, unit: UNIT, detail: "ExecStart" });
  for (const f of info.configFiles ?? []) ev.push({ file: f, detail: "kubelet config" });
  for (const p of info.problems) ev.push({ detail: p });
  return ev;
}

export default defineProbe({
  id: "kubelet",
  summary: "Kubelet effective configuration (process or systemd unit + drop-ins; flags > config file > defaults)",
  params: z.strictObject({ setting: settingSchema.optional() }),
  fields: [
    "present",
    "source",
    "pid",
    "unitFile",
    "serviceFile",
    "dropIns",
    "configFile",
    "kubeconfig",
    "clientCAFile",
    "flags",
    "config",
    "problems",
    "value",
    "flag",
    "configKey",
  ],
  async collect(ctx, params) {
    const info = await kubeletInfo(ctx);
    const setting = params.setting;
    if (!setting) {
      return {
        value: {
          present: info.present,
          source: info.source,
          pid: info.pid,
          unitFile: info.unitFile,
          serviceFile: info.serviceFile,
          dropIns: info.dropIns,
          configFile: info.configFile,
          kubeconfig: info.kubeconfig,
          clientCAFile: info.clientCAFile,
          flags: { ...info.flags },
          config: info.config,
          problems: info.problems,
        } as Record<string, unknown>,
        evidence: infoEvidence(info),
      };
    }
    const flag = setting.flag ? `--${normaliseFlagName(setting.flag)}` : undefined;
    const configKey = setting.config;
    if (!info.present) {
      return {
        value: { present: false, flag, configKey } as Record<string, unknown>,
        evidence: [{ detail: "no kubelet: no running kubelet process and no kubelet.service unit" }, ...infoEvidence(info)],
      };
    }
    const eff = effectiveSetting(info, setting);
    const evidence: Evidence[] = [];
    if (eff.source === "flag") {
      if (eff.pid !== undefined) evidence.push({ pid: eff.pid, key: eff.key, detail: "kubelet command line" });
      else evidence.push({ file: eff.file, line: eff.line, key: eff.key });
    } else if (eff.source === "config") {
      evidence.push({ file: eff.file, line: eff.line, key: eff.key });
    } else if (eff.source === "default") {
      evidence.push({
        key: configKey ?? flag,
        detail: setting.default !== undefined ? "not set; default from the check" : `not set; kubelet default${info.configFile ? " (with --config)" : " (flags only)"}`,
      });
    } else {
      evidence.push({ key: configKey ?? flag, detail: "not set by flag or config file" });
    }
    for (const p of info.problems) evidence.push({ detail: p });
    return {
      value: { present: true, source: eff.source, value: eff.value, flag, configKey } as Record<string, unknown>,
      evidence,
    };
  },
});
