/**
 * The check catalog the API serves: plain data about each check the agent runs (no
 * compiled matchers). In `serve` it comes from a child process that loads the packs,
 * so the long-running agent never holds the loaded packs (about 13 MB of heap for the
 * bundled ones) — only this (about 1 MB).
 */
import type { References, Severity } from "../engine/result.js";
import type { LoadedCheck } from "../packs/load.js";

export interface CatalogEntry {
  /** `<pack>/<id>` */
  key: string;
  id: string;
  pack: string;
  benchmark: string;
  title: string;
  severity: Severity;
  level?: number;
  manual: boolean;
  /** The typed fix's action, when the check has one. */
  fix?: string;
  description?: string;
  rationale?: string;
  references: References;
  remediation?: string;
  tags: string[];
}

export function catalogOf(checks: readonly LoadedCheck[]): CatalogEntry[] {
  return checks.map((c) => ({
    key: c.key,
    id: c.id,
    pack: c.pack.id,
    benchmark: c.pack.benchmark,
    title: c.title,
    severity: c.severity,
    ...(c.level !== undefined ? { level: c.level } : {}),
    manual: c.manual,
    ...(c.fix ? { fix: c.fix.action } : {}),
    ...(c.description ? { description: c.description } : {}),
    ...(c.rationale ? { rationale: c.rationale } : {}),
    references: c.references,
    ...(c.remediation ? { remediation: c.remediation } : {}),
    tags: c.tags,
  }));
}
