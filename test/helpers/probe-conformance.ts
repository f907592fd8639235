/**
 * The probe conformance suite (like unstorage's `testDriver`): every probe's test file calls
 * `probeConformance(probe, spec)` once, and the probe is held to the contract of
 * src/probes/types.ts and docs/probes.md:
 *
 * - its id is its file name (`src/probes/<id>.ts` default-exports it) and its registry key;
 * - it has a one-line summary and strict params (an unknown key is refused);
 * - on an empty root it never throws, and the fact is plain JSON data;
 * - every declared field is in `value`, `unknown` or `notApplicable` (or the whole fact is
 *   `inapplicable`), unless the spec says why the fact may leave it out ("observed unset");
 *   `unknown` and `notApplicable` name only declared fields;
 * - its offline semantics are stated: on an offline root (a directory tree, no procfs) the
 *   fields it reports `notApplicable` / `unknown`, and whether the whole fact is
 *   `inapplicable`, are exactly the ones the spec lists;
 * - a second scan of the same root gives the same fact (nothing leaks between scans;
 *   evidence may differ, e.g. in how long a walk took).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { probes } from "../../src/probes/index.js";
import type { Fact, Probe } from "../../src/probes/types.js";
import { probeContext } from "./fixture-root.js";

export interface ConformanceSpec {
  /** Params to collect with, as a pack would write them (the probe's schema parses them). */
  params: readonly Record<string, unknown>[];
  /**
   * Declared fields the fact may leave out on an empty root, with why (a field left out is
   * observed as "not set": an optional `file` of a unit that does not exist).
   */
  mayOmit?: Readonly<Record<string, string>>;
  /** What the probe says on an offline root: a directory tree with no procfs. Must be stated. */
  offline: {
    /** Fields that do not exist there (runtime state): `notApplicable`, exactly these. */
    notApplicable?: readonly string[];
    /** Fields it cannot observe there: `unknown`, exactly these. */
    unknown?: readonly string[];
    /** The whole fact does not exist there (`inapplicable`). */
    inapplicable?: boolean;
  };
}

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

const roots: string[] = [];

/** An empty directory: a root with nothing in it, and no procfs (offline). */
async function emptyRoot(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "nodeward-conformance-"));
  roots.push(root);
  return root;
}

/** Collect on a fresh, empty offline root (a fresh scan memo each time). */
async function collectOnEmptyRoot(probe: Probe, raw: Record<string, unknown>): Promise<Fact> {
  return probe.collect(probeContext(await emptyRoot()), probe.params.parse(raw));
}

export function probeConformance<S extends z.ZodType, V extends object>(typed: Probe<S, V>, spec: ConformanceSpec): void {
  const probe = typed as unknown as Probe;
  describe(`probe ${probe.id}: conformance`, () => {
    afterAll(async () => {
      await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
    });

    it("is registered under its id, and its file is src/probes/<id>.ts", async () => {
      expect((probes as Record<string, unknown>)[probe.id]).toBe(probe);
      const file = path.join(import.meta.dirname, "../../src/probes", `${probe.id}.ts`);
      const mod = (await import(/* @vite-ignore */ file)) as { default: unknown };
      expect(mod.default).toBe(probe);
    });

    it("has a one-line summary, declared fields and strict params", () => {
      expect(probe.summary.trim()).not.toBe("");
      expect(probe.summary).not.toContain("\n");
      expect(probe.fields.length).toBeGreaterThan(0);
      expect(spec.params.length).toBeGreaterThan(0);
      for (const raw of spec.params) {
        expect(probe.params.safeParse(raw).success, JSON.stringify(raw)).toBe(true);
        expect(probe.params.safeParse({ ...raw, "no-such-param": 1 }).success).toBe(false);
      }
      for (const f of [...Object.keys(spec.mayOmit ?? {}), ...(spec.offline.notApplicable ?? []), ...(spec.offline.unknown ?? [])]) {
        if (!probe.fields.includes("*")) expect(probe.fields, `spec names "${f}"`).toContain(f);
      }
    });

    for (const raw of spec.params) {
      const label = JSON.stringify(raw);
      it(`on an empty offline root never throws and states every field (${label})`, async () => {
        const fact = await collectOnEmptyRoot(probe, raw);
        expect(Array.isArray(fact.evidence)).toBe(true);
        expect(fact.value !== null && typeof fact.value === "object").toBe(true);
        // Plain data: what reporters, the agent's state file and the API serialise.
        expect(JSON.parse(JSON.stringify(fact))).toEqual(fact);

        const value = fact.value as Record<string, unknown>;
        const unknown = fact.unknown ?? {};
        const notApplicable = fact.notApplicable ?? {};
        if (!probe.fields.includes("*")) {
          for (const k of [...Object.keys(unknown), ...Object.keys(notApplicable)]) expect(probe.fields, `undeclared field "${k}"`).toContain(k);
          const unstated = probe.fields.filter(
            (f) => value[f] === undefined && !Object.hasOwn(unknown, f) && !Object.hasOwn(notApplicable, f) && !Object.hasOwn(spec.mayOmit ?? {}, f),
          );
          if (!fact.inapplicable) expect(unstated, "declared fields neither in value, unknown nor notApplicable").toEqual([]);
        }
        for (const why of [...Object.values(unknown), ...Object.values(notApplicable)]) expect(why.trim()).not.toBe("");
      });

      it(`states its offline semantics exactly (${label})`, async () => {
        const fact = await collectOnEmptyRoot(probe, raw);
        expect({
          notApplicable: sorted(Object.keys(fact.notApplicable ?? {})),
          unknown: sorted(Object.keys(fact.unknown ?? {})),
          inapplicable: fact.inapplicable !== undefined,
        }).toEqual({
          notApplicable: sorted(spec.offline.notApplicable ?? []),
          unknown: sorted(spec.offline.unknown ?? []),
          inapplicable: spec.offline.inapplicable === true,
        });
      });
    }

    it("gives the same fact in a second scan of the same root", async () => {
      const root = await emptyRoot();
      const params = probe.params.parse(spec.params[0]);
      // The fact, not its evidence (evidence may say how long a walk took).
      const fact = ({ evidence: _evidence, ...rest }: Fact) => rest;
      const a = await probe.collect(probeContext(root), params);
      const b = await probe.collect(probeContext(root), params);
      expect(fact(b)).toEqual(fact(a));
    });
  });
}
