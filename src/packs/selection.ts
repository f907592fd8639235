/**
 * Packs as a command or the agent runs them: load, with var overrides, then apply a
 * profile. One path for `scan`, `remediate`, `checks` and `serve`, so a node is judged
 * and fixed under the same tailoring everywhere.
 */
import { DEFAULT_BENCHMARKS_DIR } from "../paths.js";
import { loadPacks, type LoadedPack, type LoadOptions, type PackError } from "./load.js";
import { applyProfile, loadProfile, type LoadedProfile } from "./profile.js";
import { pushAll } from "../util/array.js";

export interface PackSelectionOptions {
  /** Pack paths; default the bundled benchmarks/. */
  paths?: readonly string[];
  /** A profile id (benchmarks/profiles/<id>.yaml) or a path to a profile file. */
  profile?: string;
  /** Var overrides; they win over the profile's vars, which win over the packs'. */
  vars?: Readonly<Record<string, unknown>>;
  validateFix?: LoadOptions["validateFix"];
  /** Parse cache; `new Map()` validates every file from its YAML (checks lint). */
  cache?: LoadOptions["cache"];
}

export interface PackSelection {
  packs: LoadedPack[];
  errors: PackError[];
  profile?: LoadedProfile;
  /** Every pack that loaded, before the profile chose among them (for "did you mean"). */
  all: LoadedPack[];
}

/** Load packs and apply the profile; a profile that cannot be read is in `errors` and no packs load. */
export async function loadSelection(options: PackSelectionOptions = {}): Promise<PackSelection> {
  const errors: PackError[] = [];
  let profile: LoadedProfile | undefined;
  if (options.profile) {
    const p = await loadProfile(options.profile);
    pushAll(errors, p.errors);
    if (!p.profile) return { packs: [], errors, all: [] };
    profile = p.profile;
  }
  const vars = { ...profile?.vars, ...options.vars };
  const paths = options.paths && options.paths.length > 0 ? options.paths : [DEFAULT_BENCHMARKS_DIR];
  const loaded = await loadPacks(paths, { vars, ...(options.validateFix ? { validateFix: options.validateFix } : {}), ...(options.cache ? { cache: options.cache } : {}) });
  pushAll(errors, loaded.errors);
  if (!profile) return { packs: loaded.packs, errors, all: loaded.packs };
  const applied = await applyProfile(loaded.packs, profile, vars, options.validateFix);
  pushAll(errors, applied.errors);
  return { packs: applied.packs, errors, profile, all: loaded.packs };
}
