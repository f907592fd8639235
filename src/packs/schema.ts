/**
 * The check-pack format: one schema, and the TypeScript types derived from it (no
 * hand-written second copy to drift). Objects are strict, so an unknown key in YAML
 * is an error. Probe params and `expect` are validated in a second step by the probe's
 * own params schema and the matcher compiler (src/packs/load.ts).
 */
import type { z } from "zod";
import { zodNow, type Z } from "../util/lazy-zod.js";
import { SEVERITIES } from "../model/vocabulary.js";

/**
 * The schemas, built on first use (`packSchemas()`) from the lazily loaded zod (util/lazy-zod.ts):
 * a scan of packs the build's cache proved never builds them.
 */
function build(z: Z) {

  const Id = z.string().min(1).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "ids are letters, digits, '.', '_' and '-'");

  const KisaReferenceSchema = z.strictObject({
    /** Edition of the KISA guide: 2021 (U-01…U-72) or 2026 (U-01…U-67) — renumbered, so always stated. */
    edition: z.union([z.literal(2017), z.literal(2021), z.literal(2026)]),
    id: z.string().regex(/^U-\d{2}$/, 'KISA ids look like "U-01"'),
  });

  const ReferencesSchema = z.strictObject({
    cis: z.string().optional(),
    cce: z.array(z.string().regex(/^CCE-\d{4,6}-\d$/, 'CCE ids look like "CCE-83961-2"')).optional(),
    /** Which product's CCE, when it is not the node's own OS (ComplianceAsCode has none for Debian/Ubuntu). */
    "cce-product": z.string().optional(),
    kisa: z.array(KisaReferenceSchema).optional(),
    other: z.record(z.string(), z.string()).optional(),
  });

  const Params = z.record(z.string(), z.unknown());

  /** A probe call with an expectation, used both for the audit and for applicability. */
  const AuditSchema = z.strictObject({
    probe: z.string().min(1),
    params: Params.optional(),
    /** When this does not hold, the check is `skip` (e.g. "if the file exists"). */
    precondition: z.unknown().optional(),
    /** Skip reason to show when the precondition does not hold. */
    "precondition-reason": z.string().optional(),
    // Optional here so the loader reports a missing expect itself ('"expect" is missing'),
    // rather than zod 4's "expected nonoptional, received undefined".
    expect: z.unknown().optional(),
  });

  const ConditionSchema = z.strictObject({
    probe: z.string().min(1),
    params: Params.optional(),
    expect: z.unknown().optional(),
    /** Shown as the skip reason when the condition does not hold. */
    reason: z.string().min(1),
    /**
     * A documented fallback for when the condition cannot be decided (a field it names could
     * not be observed, e.g. the kubelet's version): `apply: true` runs the check anyway and
     * puts `note` on its result's message; `apply: false` skips it with `note`. Without it,
     * an undecidable condition is `error`. `defers-to` (with `apply: false`) names the pack
     * that judges instead; when that pack is not part of the scan's selection, this check
     * runs after all, with the `defers-to` note, rather than leaving nothing judged.
     */
    "if-unknown": z
      .strictObject({
        apply: z.boolean(),
        note: z.string().min(1),
        "defers-to": z.strictObject({ pack: z.string().min(1), note: z.string().min(1) }).optional(),
      })
      .refine((u) => !(u.apply && u["defers-to"]), { message: '"defers-to" goes with "apply: false" (it says who judges instead)' })
      .optional(),
  });

  const FixSchema = z.strictObject({
    action: z.string().min(1),
    params: Params.optional(),
  });

  const SeveritySchema = z.enum(SEVERITIES);

  const CheckSchema = z
    .strictObject({
      id: Id,
      title: z.string().min(1),
      description: z.string().optional(),
      rationale: z.string().optional(),
      severity: SeveritySchema.optional(),
      level: z.number().int().min(1).max(2).optional(),
      references: ReferencesSchema.optional(),
      /** All must hold, or the check is `skip` with the condition's reason. */
      applies: z.array(ConditionSchema).optional(),
      audit: AuditSchema.optional(),
      /** A person must judge; the audit (if any) only shows what was observed. */
      manual: z.boolean().optional(),
      remediation: z.string().optional(),
      fix: FixSchema.optional(),
      tags: z.array(z.string()).optional(),
    })
    .refine((c) => c.manual === true || c.audit !== undefined, {
      message: "an automated check needs an audit (or set manual: true)",
      path: ["audit"],
    });

  const PackMetaSchema = z.strictObject({
    id: Id,
    title: z.string().min(1),
    /** The benchmark's own name and version as printed on results: "CIS Kubernetes Benchmark v1.12.0". */
    benchmark: z.string().min(1),
    version: z.string().min(1),
    description: z.string().optional(),
    source: z.string().optional(),
  });

  const DefaultsSchema = z.strictObject({
    severity: SeveritySchema.optional(),
    level: z.number().int().min(1).max(2).optional(),
    applies: z.array(ConditionSchema).optional(),
  });

  /** Names usable as `{ $var: name }` in params and expectations. */
  const VarsSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, "var names are lower-case words joined by '-'"), z.unknown());

  const PackFileSchema = z.strictObject({
    /** Exactly one file of a pack directory (pack.yaml) carries the pack's identity. */
    pack: PackMetaSchema.optional(),
    /** Defaults for the pack's vars (pack.yaml only); profiles and the CLI override them. */
    vars: VarsSchema.optional(),
    /** Conditions for every check of the pack (pack.yaml only), after each check's own: e.g. the benchmark edition this node's version selects. */
    applies: z.array(ConditionSchema).optional(),
    section: z.strictObject({ id: z.string(), title: z.string() }).optional(),
    /** Applied to every check in this file unless the check says otherwise. */
    defaults: DefaultsSchema.optional(),
    checks: z.array(CheckSchema).optional(),
  });

  const CheckKey = z.string().regex(/^[^/]+\/[^/]+$/, 'a check key is "<pack>/<id>"');

  const TailorRuleSchema = z
    .strictObject({
      /**
       * Pack-qualified check key, e.g. "cis-debian-12/3.3.1", or a list of keys: the same item
       * in several packs (Debian, Ubuntu, RHEL) tailored once, for one reason.
       */
      check: z.union([CheckKey, z.array(CheckKey).min(1)]),
      /** Why the check is tailored: shown on the result, for auditors. */
      reason: z.string().min(1),
      /** Report the check as `skip` with the reason instead of running it. */
      exclude: z.literal(true).optional(),
      /** Replace the check's expectation (same fact fields and matchers). */
      expect: z.unknown().optional(),
      /**
       * The fix that reaches the replaced expectation. The pack's own `fix` was written for the
       * benchmark's expectation (e.g. ip_forward 0), so a check whose expectation is replaced
       * has no fix unless the rule gives one here.
       */
      fix: FixSchema.optional(),
      /**
       * How to reach the replaced expectation by hand: shown in place of the pack's
       * remediation, which aims at the benchmark's value. Without it the pack's text is
       * withheld and the result says why.
       */
      remediation: z.string().min(1).optional(),
    })
    .refine((r) => (r.exclude === true) !== (r.expect !== undefined), {
      message: "a tailoring rule either excludes the check or replaces its expect, not both or neither",
    })
    .refine((r) => r.fix === undefined || r.expect !== undefined, {
      message: "a tailoring rule's fix goes with a replaced expect (an excluded check is not fixed)",
      path: ["fix"],
    })
    .refine((r) => r.remediation === undefined || r.expect !== undefined, {
      message: "a tailoring rule's remediation goes with a replaced expect (an excluded check is not fixed)",
      path: ["remediation"],
    });

  const ProfileFileSchema = z.strictObject({
    profile: z.strictObject({
      id: Id,
      title: z.string().min(1),
      description: z.string().optional(),
    }),
    /** Packs this profile runs; all when omitted. */
    packs: z.array(Id).optional(),
    vars: VarsSchema.optional(),
    tailor: z.array(TailorRuleSchema).optional(),
  });

  return { KisaReferenceSchema, ReferencesSchema, AuditSchema, ConditionSchema, FixSchema, SeveritySchema, CheckSchema, PackMetaSchema, DefaultsSchema, VarsSchema, PackFileSchema, TailorRuleSchema, ProfileFileSchema };
}

export type PackSchemas = ReturnType<typeof build>;

let built: PackSchemas | undefined;

/** The pack and profile schemas (throws ZodNotLoaded before loadZod(): see util/lazy-zod.ts). */
export function packSchemas(): PackSchemas {
  built ??= build(zodNow());
  return built;
}

export type KisaReferenceDef = z.output<PackSchemas["KisaReferenceSchema"]>;
export type ReferencesDef = z.output<PackSchemas["ReferencesSchema"]>;
export type AuditDef = z.output<PackSchemas["AuditSchema"]>;
export type ConditionDef = z.output<PackSchemas["ConditionSchema"]>;
export type FixDef = z.output<PackSchemas["FixSchema"]>;
export type CheckDef = z.output<PackSchemas["CheckSchema"]>;
export type PackMeta = z.output<PackSchemas["PackMetaSchema"]>;
export type PackFileDef = z.output<PackSchemas["PackFileSchema"]>;
export type TailorRuleDef = z.output<PackSchemas["TailorRuleSchema"]>;
export type ProfileFileDef = z.output<PackSchemas["ProfileFileSchema"]>;
