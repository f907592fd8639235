/**
 * The check catalog the API serves: plain data about each check the agent runs (no
 * compiled matchers). In `serve` it comes from a child process that loads the packs,
 * so the long-running agent never holds the loaded packs (about 13 MB of heap for the
 * bundled ones) — only this (about 1 MB).
 */
import type { CheckHeader } from "../engine/result.js";
import type { LoadedCheck } from "../packs/load.js";

/** A check as the API lists it: its header (as in results) and what only the catalog shows. */
export interface CatalogEntry extends CheckHeader {
  /** `<pack>/<id>` */
  key: string;
  manual: boolean;
  description?: string;
  rationale?: string;
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
