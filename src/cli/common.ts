/** What every command shares: exit codes, usage errors, pack loading, safe output. */
import path from "node:path";
import { constants as fsc } from "node:fs";
import { lstat, open, stat, writeFile } from "node:fs/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { loadYaml, yamlNow } from "../util/yaml.js";
import { formatPackError, type LoadedPack, type LoadResult } from "../packs/load.js";
import type { LoadedProfile } from "../packs/profile.js";
import { loadSelection } from "../packs/selection.js";
import { SEVERITIES, STATUSES, type Severity, type Status } from "../engine/result.js";
import { selectChecks, type CheckFilter } from "../engine/select.js";
import { HostRoot } from "../host/host-root.js";
import { writeFileDurable } from "../util/durable-write.js";
import { batched } from "../util/json-chunks.js";
import { profileProblem, unknownSelectionName, unknownVarName } from "../engine/selection-names.js";
import { didYouMean } from "../util/suggest.js";
import { UsageError } from "./exit.js";

export { EXIT, UsageError, environmentError } from "./exit.js";

export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

export function parseSeverity(v: string | undefined, flag: string): Severity | undefined {
  if (v === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(v)) {
    throw new UsageError("FLAG_ONE_OF", { flag, allowed: SEVERITIES.join(", "), got: v, hint: didYouMean(v, SEVERITIES) });
  }
  return v as Severity;
}

/** `--status fail,error` → the statuses to show; an unknown one is a usage error. */
export function parseStatuses(values: readonly string[] | undefined): Status[] | undefined {
  const list = splitList(values);
  if (list.length === 0) return undefined;
  for (const v of list) {
    if (!(STATUSES as readonly string[]).includes(v)) {
      throw new UsageError("FLAG_TAKES", { flag: "--status", allowed: STATUSES.join(", "), got: v, hint: didYouMean(v, STATUSES) });
    }
  }
  return [...new Set(list)] as Status[];
}

export function parsePositiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError("FLAG_POSITIVE_INTEGER", { flag, got: v });
  return Number(v);
}

export interface SelectionFlags {
  /** A profile id (benchmarks/profiles/<id>.yaml) or a path to a profile file. */
  profile?: string;
  /** `--var name=value` overrides; the value is read as YAML (`[22, 10250]`, `true`, `x`). */
  vars?: readonly string[];
  /** Check every `fix:` against the remediation actions (lint, remediate); scans skip the import. */
  validateFixes?: boolean;
  /** Validate every file from its YAML, ignoring what the build's pack cache proved (checks lint). */
  noCache?: boolean;
}

/** --profile and --var, as loadPackPaths takes them. */
export function selectionFlags(values: { profile?: string | undefined; var?: string[] | undefined }): SelectionFlags {
  return { ...(values.profile ? { profile: values.profile } : {}), ...(values.var ? { vars: values.var } : {}) };
}

/** --benchmark, --check, --severity and --level (checked here), as selectChecks takes them. */
export function checkFilter(values: { benchmark?: string[] | undefined; check?: string[] | undefined; severity?: string | undefined; level?: string | undefined }): CheckFilter {
  const minSeverity = parseSeverity(values.severity, "--severity");
  const maxLevel = parsePositiveInt(values.level, "--level");
  return {
    benchmarks: splitList(values.benchmark),
    checks: splitList(values.check),
    ...(minSeverity ? { minSeverity } : {}),
    ...(maxLevel !== undefined ? { maxLevel } : {}),
  };
}

/** Load packs, then apply a profile: the one path every command uses (src/packs/selection.ts). */
export async function loadPackPaths(
  paths: readonly string[],
  selection: SelectionFlags = {},
): Promise<LoadResult & { formatted: string[]; profile?: LoadedProfile; all: LoadedPack[] }> {
  if (selection.vars?.length) await loadYaml();
  const validateFix = selection.validateFixes ? (await import("../remediation/index.js")).validateFix : undefined;
  const result = await loadSelection({
    paths,
    ...(selection.profile ? { profile: selection.profile } : {}),
    vars: parseVars(selection.vars ?? []),
    ...(validateFix ? { validateFix } : {}),
    ...(selection.noCache ? { cache: new Map() } : {}),
  });
  const profileError = await profileProblem(selection.profile, result, formatPackError);
  if (profileError !== undefined) throw new UsageError("PROFILE_NOT_LOADED", { problems: profileError });
  if (result.errors.length === 0) checkVarNames(Object.keys(parseVars(selection.vars ?? [])), result.all, result.profile);
  return { ...result, formatted: result.errors.map(formatPackError) };
}

/** A --var no loaded pack (or the profile) defines would silently do nothing: a usage error. */
function checkVarNames(names: readonly string[], packs: readonly LoadedPack[], profile?: LoadedProfile): void {
  const unknown = unknownVarName(names, packs, profile);
  if (unknown) throw new UsageError("SELECTION_NAME_UNKNOWN", { flag: "--var", name: unknown.name, detail: unknown.detail });
}

/**
 * The checks a selection picks, or a usage error: a pack or check id that names nothing
 * (with the closest names), or a selection that matches no check at all. A typo must not
 * turn a CI gate green.
 */
export function selectOrFail(
  packs: readonly LoadedPack[],
  all: readonly LoadedPack[],
  filter: CheckFilter,
  profile?: LoadedProfile,
): ReturnType<typeof selectChecks> {
  const unknown = unknownSelectionName(packs, all, filter, profile);
  if (unknown) throw new UsageError("SELECTION_NAME_UNKNOWN", { flag: `--${unknown.kind}`, name: unknown.name, detail: unknown.detail });
  const checks = selectChecks(packs, filter);
  if (checks.length === 0 && packs.length > 0) {
    const parts = [
      ...(filter.benchmarks?.length ? [`--benchmark ${filter.benchmarks.join(",")}`] : []),
      ...(filter.checks?.length ? [`--check ${filter.checks.join(",")}`] : []),
      ...(filter.minSeverity ? [`--severity ${filter.minSeverity}`] : []),
      ...(filter.maxLevel !== undefined ? [`--level ${filter.maxLevel}`] : []),
    ];
    throw new UsageError("NO_CHECK_MATCHES", { selection: parts.join(" ") || "the selection" });
  }
  return checks;
}

/** `--var name=value` (the value is YAML: after `loadYaml()` when there are any). */
export function parseVars(specs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const yaml = specs.length > 0 ? yamlNow() : undefined;
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new UsageError("FLAG_TAKES", { flag: "--var", allowed: "name=value", got: spec, hint: "" });
    try {
      out[spec.slice(0, eq)] = yaml?.parse(spec.slice(eq + 1));
    } catch (e) {
      throw new UsageError("VAR_NOT_YAML", { spec, reason: String((e as Error).message.split("\n")[0]) });
    }
  }
  return out;
}

/**
 * Write a report atomically: a reader never sees half of it. A target that exists and
 * is not a regular file (/dev/null, a FIFO), or a path under /dev or /proc (/dev/stdout is a
 * link to /proc/self/fd/1, which may be a regular file; /dev/fd/63 from `>(…)`) is written
 * to directly: renaming over it would replace the device or the link with a file. A link
 * elsewhere to such a file is written through only when root or this user owns it (one
 * another user planted in a shared directory could point at a disk); a link to a regular
 * file is replaced by the report. A FIFO no one reads is refused rather than waited on.
 */
export async function writeFileAtomic(file: string, data: string | Iterable<string>): Promise<void> {
  const existing = await lstat(file).catch(() => null);
  const system = /^\/(dev|proc)\//.test(path.resolve(file));
  if (existing?.isSymbolicLink() === true && !system) {
    const to = await stat(file).catch(() => null);
    if (to !== null && !to.isFile()) {
      // `report.json -> /dev/stdout` made by root or by us is written through; one another user could have planted is not.
      if (existing.uid !== 0 && existing.uid !== process.geteuid?.()) throw new UsageError("OUTPUT_LINK_NOT_OURS", { uid: existing.uid });
      await writeSpecial(file, to.isFIFO(), data);
      return;
    }
  } else if (system || (existing && !existing.isFile())) {
    await writeSpecial(file, existing?.isFIFO() === true, data);
    return;
  }
  await writeFileDurable(file, data, { mode: 0o644 });
}

/**
 * Write to a device or FIFO in place. A FIFO no process reads is refused rather than waited
 * on: a non-blocking open fails (ENXIO) then; one that succeeds is held open until the
 * blocking open is made, so the reader never sees the probe's close as the end.
 */
async function writeSpecial(file: string, fifo: boolean, data: string | Iterable<string>): Promise<void> {
  if (!fifo) return writeFile(file, typeof data === "string" ? data : batched(data));
  let probe;
  try {
    probe = await open(file, fsc.O_WRONLY | fsc.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENXIO") throw new UsageError("OUTPUT_FIFO_NO_READER", {});
    throw e;
  }
  try {
    const fh = await open(file, fsc.O_WRONLY);
    try {
      await fh.writeFile(typeof data === "string" ? data : [...batched(data)].join(""));
    } finally {
      await fh.close();
    }
  } finally {
    await probe.close();
  }
}

export type ColorMode = "auto" | "always" | "never";

export function parseColorMode(v: string | undefined): ColorMode {
  if (v === undefined || v === "auto" || v === "always" || v === "never") return v ?? "auto";
  throw new UsageError("FLAG_TAKES", { flag: "--color", allowed: "auto, always or never", got: v, hint: didYouMean(v, ["auto", "always", "never"]) });
}

/**
 * Colour on `stream`: --color always/never decides; otherwise NO_COLOR (set and not
 * empty, no-color.org) turns it off, FORCE_COLOR turns it on ("0" or "false" off), and
 * else a terminal that is not "dumb" gets colour.
 */
export function useColor(stream: NodeJS.WriteStream, mode: ColorMode = "auto", env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode !== "auto") return mode === "always";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== "0" && env.FORCE_COLOR !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}

/** The selection and target options `scan` and `remediate` share (parseArgs shape). */
type SelectionArgs<O> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: typeof SELECTION_OPTIONS & O }>>["values"];

/** A scanning command's flags (scan, remediate): the selection flags and its own; strict, no positionals. */
export function parseSelectionArgs<const O extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: O): SelectionArgs<O> {
  return parseArgs({ args: argv, strict: true, allowPositionals: false, options: { ...SELECTION_OPTIONS, ...options } }).values as SelectionArgs<O>;
}

/** --root and --proc as the host to read; the root must be a directory. */
export async function hostFromFlags(values: { root?: string | undefined; proc?: string | undefined }): Promise<HostRoot> {
  const host = new HostRoot({ ...(values.root ? { root: values.root } : {}), ...(values.proc ? { proc: values.proc } : {}) });
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(host.root)).isDirectory();
  } catch (e) {
    throw new UsageError("FLAG_FILE", { flag: "--root", file: host.root, reason: (e as Error).message });
  }
  if (!isDirectory) throw new UsageError("FLAG_NOT_DIRECTORY", { flag: "--root", dir: host.root });
  return host;
}

const SELECTION_OPTIONS = {
  benchmark: { type: "string", multiple: true },
  check: { type: "string", multiple: true },
  severity: { type: "string" },
  level: { type: "string" },
  packs: { type: "string", multiple: true },
  profile: { type: "string" },
  var: { type: "string", multiple: true },
  root: { type: "string" },
  proc: { type: "string" },
} as const;
