/**
 * Profiles tailor packs for a kind of node, as YAML beside the packs
 * (benchmarks/profiles/<id>.yaml): which packs run, var values, and per-check
 * tailoring with the reason — excluded checks are reported `skip` with that reason,
 * and replaced expectations carry it, so an auditor sees every deviation.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { ErrorCodes } from "../errors.js";
import { DEFAULT_BENCHMARKS_DIR } from "../paths.js";
import {
  compileExpect,
  parseYamlFile,
  reportZod,
  type ParsedFile,
  substituteVars,
  type LoadedCheck,
  type LoadedPack,
  type PackError,
} from "./load.js";
import { positionOf } from "../util/yaml-source.js";
import { packSchemas, type FixDef, type TailorRuleDef } from "./schema.js";
import { loadZod } from "../util/lazy-zod.js";
import { loadYaml, withYaml } from "../util/yaml.js";

export interface LoadedProfile {
  id: string;
  title: string;
  description?: string;
  file: string;
  /** The parsed file, kept for error positions when the profile is applied. */
  source: ParsedFile;
  packs?: string[];
  vars: Record<string, unknown>;
  tailor: { rule: TailorRuleDef; index: number }[];
}

export const DEFAULT_PROFILES_DIR = path.join(DEFAULT_BENCHMARKS_DIR, "profiles");

/** A profile by id (looked up in `dir`) or by path to its YAML file. */
export async function loadProfile(
  nameOrPath: string,
  dir: string = DEFAULT_PROFILES_DIR,
): Promise<{ profile?: LoadedProfile; errors: PackError[] }> {
  const errors: PackError[] = [];
  const file = nameOrPath.includes("/") || nameOrPath.endsWith(".yaml") ? nameOrPath : path.join(dir, `${nameOrPath}.yaml`);
  try {
    await stat(file);
  } catch {
    errors.push({ code: ErrorCodes.PACK_READ, file, line: 1, column: 1, message: `no profile "${nameOrPath}" (looked for ${file})` });
    return { errors };
  }
  const pf = await parseYamlFile(file, errors, ["profile", "packs", "vars", "tailor"]);
  if (!pf) return { errors };
  // A profile is always validated (the pack cache proves packs only).
  await loadZod();
  const parsed = packSchemas().ProfileFileSchema.safeParse(pf.data);
  if (!parsed.success) {
    await loadYaml();
    reportZod(pf, [], parsed.error, errors);
    return { errors };
  }
  const d = parsed.data;
  return {
    profile: {
      id: d.profile.id,
      title: d.profile.title,
      ...(d.profile.description ? { description: d.profile.description } : {}),
      file,
      source: pf,
      ...(d.packs ? { packs: d.packs } : {}),
      vars: d.vars ?? {},
      tailor: (d.tailor ?? []).map((rule, index) => ({ rule, index })),
    },
    errors,
  };
}

/**
 * Apply a profile to loaded packs: keep the packs it names, and tailor checks.
 * Rules naming an unknown pack or check are errors (a typo must not silently untailor).
 */
export function applyProfile(
  packs: readonly LoadedPack[],
  profile: LoadedProfile,
  /** Var values for `{ $var }` in replaced expectations; default the profile's own. */
  vars: Readonly<Record<string, unknown>> = profile.vars,
  /** Validate a rule's `fix` as the loader validates a pack's (lint, remediate). */
  validateFix?: (fix: FixDef) => string | undefined,
): Promise<{ packs: LoadedPack[]; errors: PackError[] }> {
  // An error's position in a cached profile parses it, which needs yaml: then all again.
  return withYaml(() => tailorPacks(packs, profile, vars, validateFix));
}

function tailorPacks(
  packs: readonly LoadedPack[],
  profile: LoadedProfile,
  vars: Readonly<Record<string, unknown>>,
  validateFix: ((fix: FixDef) => string | undefined) | undefined,
): { packs: LoadedPack[]; errors: PackError[] } {
  const errors: PackError[] = [];
  const pf = profile.source;
  const where = (p: (string | number)[]) => positionOf(pf, p, false);
  const known = new Set(packs.map((p) => p.meta.id));
  (profile.packs ?? []).forEach((id, i) => {
    if (!known.has(id)) {
      errors.push({ code: ErrorCodes.PACK_INVALID, file: profile.file, ...where(["packs", i]), message: `profile ${profile.id} names pack "${id}", which did not load` });
    }
  });
  const selected = profile.packs ? packs.filter((p) => profile.packs?.includes(p.meta.id)) : [...packs];
  const byKey = new Map<string, LoadedCheck>();
  for (const p of selected) for (const c of p.checks) byKey.set(c.key, c);
  const replaced = new Map<string, LoadedCheck>();
  for (const { rule, index } of profile.tailor) {
    const keys = typeof rule.check === "string" ? [[rule.check, ["tailor", index, "check"]] as const] : rule.check.map((k, i) => [k, ["tailor", index, "check", i]] as const);
    for (const [key, at] of keys) tailorOne(key, at, rule, index);
  }

  function tailorOne(key: string, keyAt: readonly (string | number)[], rule: TailorRuleDef, index: number): void {
    const check = byKey.get(key);
    if (!check) {
      errors.push({ code: ErrorCodes.PACK_INVALID, file: profile.file, ...where([...keyAt]), message: `profile ${profile.id} tailors "${key}", which is not a check of the selected packs` });
      return;
    }
    // Folded YAML (`reason: >`) ends in a newline; results carry the sentence alone.
    const tailoring = { profile: profile.id, reason: rule.reason.trim(), exclude: rule.exclude === true };
    if (rule.exclude) {
      // Not run, so nothing to fix: the pack's steps would undo what the profile keeps
      // ("blacklist overlay" on a node whose containers need it).
      const { remediation: _text, fix: _fix, ...kept } = check;
      replaced.set(check.key, { ...kept, tailoring });
      return;
    }
    if (!check.audit) {
      errors.push({ code: ErrorCodes.PACK_INVALID, file: profile.file, ...where([...keyAt]), checkId: check.id, message: `${key} has no automated audit whose expectation could be replaced` });
      return;
    }
    const report = (at: (string | number)[], message: string): void => {
      errors.push({ code: ErrorCodes.PACK_INVALID, file: profile.file, ...where(at), checkId: check.id, message });
    };
    const raw = substituteVars(rule.expect, vars, ["tailor", index, "expect"], report);
    const expect = compileExpect(pf, raw, ["tailor", index, "expect"], check.audit.probe, check.id, errors);
    if (!expect) return;
    // The pack's fix aims at the benchmark's expectation; only the rule's own fix aims at this one.
    const { fix: _packFix, ...rest } = check;
    let fix: FixDef | undefined;
    if (rule.fix) {
      const params = rule.fix.params && (substituteVars(rule.fix.params, vars, ["tailor", index, "fix", "params"], report) as Record<string, unknown>);
      fix = { action: rule.fix.action, ...(params ? { params } : {}) };
      const problem = validateFix?.(fix);
      if (problem) report(["tailor", index, "fix", "action"], problem);
    }
    // The pack's remediation text aims at the benchmark's value too ("sysctl -w
    // net.ipv4.ip_forward=0" on a node that must forward): the rule's own text replaces
    // it, or it is withheld with the reason, never shown beside a contrary expectation.
    const { remediation: _packText, ...kept } = rest;
    const remediation = rule.remediation?.trim() ??
      `Not the benchmark's remediation: profile ${profile.id} expects ${expect.expected} here (${tailoring.reason}). ` +
        `The benchmark's steps would undo that; bring the setting to the expected value by hand${fix ? ` or with "nodeward remediate --profile ${profile.id}"` : ""}.`;
    replaced.set(check.key, { ...kept, audit: { ...check.audit, expect }, tailoring, remediation, ...(fix ? { fix } : {}) });
  }
  return {
    packs: selected.map((p) => ({ ...p, checks: p.checks.map((c) => replaced.get(c.key) ?? c) })),
    errors,
  };
}
