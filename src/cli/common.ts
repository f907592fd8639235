/** What every command shares: exit codes, usage errors, pack loading, safe output. */
import { lstat, writeFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { formatPackError, type LoadResult } from "../packs/load.js";
import type { LoadedProfile } from "../packs/profile.js";
import { loadSelection } from "../packs/selection.js";
import { SEVERITIES, type Severity } from "../engine/result.js";
import { writeFileDurable } from "../util/durable-write.js";

/** Documented in README "Exit codes". */
export const EXIT = {
  /** Nothing failed at or above --fail-on. */
  OK: 0,
  /** A check failed (or could not be evaluated: `error`) at or above --fail-on. */
  FAILED: 1,
  /** Bad usage, or a check pack did not load. */
  USAGE: 2,
  /** A bug or an unexpected failure in nodeward itself. */
  INTERNAL: 3,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

export function parseSeverity(v: string | undefined, flag: string): Severity | undefined {
  if (v === undefined) return undefined;
  if (!(SEVERITIES as readonly string[]).includes(v)) {
    throw new UsageError(`${flag} must be one of ${SEVERITIES.join(", ")} (got "${v}")`);
  }
  return v as Severity;
}

export function parsePositiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} must be a positive integer (got "${v}")`);
  return Number(v);
}

export interface PackSelection {
  /** A profile id (benchmarks/profiles/<id>.yaml) or a path to a profile file. */
  profile?: string;
  /** `--var name=value` overrides; the value is read as YAML (`[22, 10250]`, `true`, `x`). */
  vars?: readonly string[];
  /** Check every `fix:` against the remediation actions (lint, remediate); scans skip the import. */
  validateFixes?: boolean;
}

/** Load packs, then apply a profile: the one path every command uses (src/packs/selection.ts). */
export async function loadPackPaths(
  paths: readonly string[],
  selection: PackSelection = {},
): Promise<LoadResult & { formatted: string[]; profile?: LoadedProfile }> {
  const validateFix = selection.validateFixes ? (await import("../remediation/index.js")).validateFix : undefined;
  const result = await loadSelection({
    paths,
    ...(selection.profile ? { profile: selection.profile } : {}),
    vars: parseVars(selection.vars ?? []),
    ...(validateFix ? { validateFix } : {}),
  });
  if (selection.profile && !result.profile) throw new UsageError(result.errors.map(formatPackError).join("\n"));
  return { ...result, formatted: result.errors.map(formatPackError) };
}

export function parseVars(specs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0) throw new UsageError(`--var takes name=value (got "${spec}")`);
    try {
      out[spec.slice(0, eq)] = parseYaml(spec.slice(eq + 1));
    } catch (e) {
      throw new UsageError(`--var ${spec}: the value is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return out;
}

/**
 * Write a report atomically: a reader never sees half of it. A target that exists and
 * is not a regular file (/dev/null, /dev/stdout, a FIFO) is written to directly —
 * renaming over it would replace the device with a file.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const existing = await lstat(file).catch(() => null);
  if (existing && !existing.isFile() && !existing.isSymbolicLink()) {
    await writeFile(file, data);
    return;
  }
  await writeFileDurable(file, data, { mode: 0o644 });
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";
}

/** The selection and target options `scan` and `remediate` share (parseArgs shape). */
export const SELECTION_OPTIONS = {
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
