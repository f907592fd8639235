/** What every command shares: exit codes, usage errors, pack loading, safe output. */
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { formatPackError, loadPacks, type LoadResult } from "../packs/load.js";
import { DEFAULT_BENCHMARKS_DIR } from "../paths.js";
import { SEVERITIES, type Severity } from "../engine/result.js";

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

export async function loadPackPaths(paths: readonly string[]): Promise<LoadResult & { formatted: string[] }> {
  const result = await loadPacks(paths.length > 0 ? paths : [DEFAULT_BENCHMARKS_DIR]);
  return { ...result, formatted: result.errors.map(formatPackError) };
}

/** Write a file atomically: a reader never sees half a report. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, data, { mode: 0o644 });
  await rename(tmp, file);
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";
}
