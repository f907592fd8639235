/**
 * Names in a selection that name nothing — a pack, check, var or profile that does not
 * exist — with the closest names. A typo must not turn a scan into one of nothing: the CLI
 * makes these usage errors (`--benchmark x: …`), the agent config errors at the key's line
 * (`benchmarks[0]: …`). Each caller words the flag or key; this finds the problem.
 */
import { readdir } from "node:fs/promises";
import type { LoadedPack } from "../packs/load.js";
import type { PackSelection } from "../packs/selection.js";
import { DEFAULT_PROFILES_DIR, type LoadedProfile } from "../packs/profile.js";
import { didYouMean } from "../util/suggest.js";
import type { CheckFilter } from "./select.js";

export interface UnknownName {
  /** Which list the name is in. */
  kind: "benchmark" | "check" | "var";
  /** Its position in that list. */
  index: number;
  name: string;
  /** "no such pack; did you mean "cis-debian-12"?" */
  detail: string;
}

/** The first pack or check id of `filter` that names nothing among the loaded packs. */
export function unknownSelectionName(
  packs: readonly LoadedPack[],
  all: readonly LoadedPack[],
  filter: Pick<CheckFilter, "benchmarks" | "checks">,
  profile?: LoadedProfile,
): UnknownName | undefined {
  const packIds = new Set(packs.map((p) => p.meta.id));
  for (const [index, b] of (filter.benchmarks ?? []).entries()) {
    if (packIds.has(b)) continue;
    const detail = all.some((p) => p.meta.id === b)
      ? `the pack is not in profile ${profile?.id ?? ""} (its packs: ${[...packIds].join(", ")})`
      : `no such pack${didYouMean(b, packIds) || ` (packs: ${[...packIds].join(", ")})`}`;
    return { kind: "benchmark", index, name: b, detail };
  }
  // Every check's id and key, only when check ids were given (a full scan names none).
  if (!filter.checks?.length) return undefined;
  const inScope = packs.filter((p) => !filter.benchmarks?.length || filter.benchmarks.includes(p.meta.id));
  const ids = new Set(inScope.flatMap((p) => p.checks.flatMap((c) => [c.id, c.key])));
  for (const [index, c] of (filter.checks ?? []).entries()) {
    if (ids.has(c)) continue;
    const where = filter.benchmarks?.length ? ` in ${filter.benchmarks.join(", ")}` : "";
    return { kind: "check", index, name: c, detail: `no such check${where}${didYouMean(c, ids) || ' (see "nodeward checks list")'}` };
  }
  return undefined;
}

/** The first var name no loaded pack (nor the profile) defines: setting it would do nothing. */
export function unknownVarName(names: readonly string[], packs: readonly LoadedPack[], profile?: LoadedProfile): UnknownName | undefined {
  const known = new Set([...packs.flatMap((p) => Object.keys(p.vars ?? {})), ...Object.keys(profile?.vars ?? {})]);
  for (const [index, n] of names.entries()) {
    if (known.has(n)) continue;
    return { kind: "var", index, name: n, detail: `no loaded pack defines a var "${n}"${didYouMean(n, known) || ` (vars: ${[...known].sort().join(", ") || "none"})`}` };
  }
  return undefined;
}

/**
 * Why a requested profile did not load, when it did not: `unknown profile "x"; did you
 * mean "y"?` for an id with no file beside the packs, else the profile's own errors.
 */
export async function profileProblem(requested: string | undefined, result: Pick<PackSelection, "profile" | "errors">, format: (e: PackSelection["errors"][number]) => string): Promise<string | undefined> {
  if (!requested || result.profile) return undefined;
  if (!requested.includes("/") && !requested.endsWith(".yaml") && result.errors.length === 1) {
    const names = (await readdir(DEFAULT_PROFILES_DIR).catch(() => [] as string[])).filter((n) => n.endsWith(".yaml")).map((n) => n.slice(0, -5));
    return `unknown profile "${requested}"${didYouMean(requested, names) || ` (profiles: ${names.join(", ") || "none"})`}`;
  }
  return result.errors.map(format).join("\n");
}
