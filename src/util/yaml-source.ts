/**
 * YAML with positions: parse a file keeping its document and line counter, turn YAML
 * syntax errors and zod issues into `file:line:col` problems, and find the line and
 * column of any path in the document. The pack loader, profiles and the agent's config
 * file all report their problems through this one module. Parsing needs yaml loaded
 * (`loadYaml()`: src/util/yaml.ts); a YamlSource exists only once it is.
 */
import type { Document, LineCounter, Node as YamlNode } from "yaml";
import type { z } from "zod";
import { documentProblem } from "./doc-guard.js";
import { yamlNow } from "./yaml.js";

export type YamlPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** A problem at a place in a file. */
export interface SourceIssue extends Position {
  file: string;
  message: string;
}

export function formatSourceIssue(i: SourceIssue & { checkId?: string }): string {
  return `${i.file}:${i.line}:${i.column}: ${i.checkId ? `[${i.checkId}] ` : ""}${i.message}`;
}

/** A parsed YAML text that can still tell where each node stood. */
export interface YamlSource {
  readonly doc: Document;
  readonly lines: LineCounter;
}

export function parseYamlText(text: string): YamlSource {
  const { LineCounter, parseDocument } = yamlNow();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  return { doc, lines };
}

/** A pack, profile or agent config file larger than this is refused. */
export const MAX_PACK_FILE_BYTES = 8 * 1024 * 1024;

/** Aliases a document may expand before it is refused (a "billion laughs" file). */
export const MAX_YAML_ALIASES = 100;

/**
 * Parse and convert to plain data. Syntax errors come back with their positions; an
 * alias bomb is an issue at 1:1, never a throw.
 */
export function readYaml(text: string, file: string): { source: YamlSource; data: unknown } | { issues: SourceIssue[] } {
  // Packs and configs are ours, not the host's, but may be mutated: same nesting cap, larger size cap.
  const tooBig = documentProblem(text, MAX_PACK_FILE_BYTES);
  if (tooBig !== undefined) return { issues: [{ file, line: 1, column: 1, message: `YAML: ${tooBig}` }] };
  const source = parseYamlText(text);
  if (source.doc.errors.length > 0) {
    return {
      issues: source.doc.errors.map((err) => ({ file, ...linePos(source, err.pos[0]), message: `YAML: ${err.message.split("\n")[0]}` })),
    };
  }
  try {
    return { source, data: source.doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (e) {
    // An alias bomb ("Excessive alias count") throws here; it is a bad file, not a crash.
    return { issues: [{ file, line: 1, column: 1, message: `YAML: ${(e as Error).message}` }] };
  }
}

function linePos(source: YamlSource, offset: number): Position {
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** Line and column of the node at `p` (or of its key), falling back to the closest parent. */
export function positionOf(source: YamlSource, p: YamlPath, preferKey: boolean): Position {
  const { doc } = source;
  const { isMap } = yamlNow();
  for (let n = p.length; n >= 0; n--) {
    const sub = p.slice(0, n);
    let offset: number | undefined;
    if (preferKey && n === p.length && n > 0) {
      const parent = sub.length > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find((it) => (it.key as { value?: unknown } | null)?.value === sub.at(-1));
        offset = (pair?.key as YamlNode | undefined)?.range?.[0];
      }
    }
    if (offset === undefined) {
      const node = (sub.length === 0 ? doc.contents : doc.getIn(sub, true)) as YamlNode | null | undefined;
      offset = node && typeof node === "object" && "range" in node ? node.range?.[0] : undefined;
    }
    if (offset !== undefined) return linePos(source, offset);
  }
  return { line: 1, column: 1 };
}

/** One zod issue placed in the document: an unknown key at the key, anything else at its value. */
export interface PlacedIssue extends Position {
  /** Full path of the value (from the document root). */
  path: (string | number)[];
  /** Set for an unknown key: the key itself (one PlacedIssue per key). */
  unknownKey?: string;
  message: string;
}

/** Each issue of a zod error, with where it stands; `base` is where the validated value sits. */
export function placeZodIssues(source: YamlSource, base: YamlPath, error: z.ZodError): PlacedIssue[] {
  const out: PlacedIssue[] = [];
  for (const issue of error.issues) {
    const p = [...base, ...issue.path.map((s) => (typeof s === "symbol" ? String(s) : s))];
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) out.push({ ...positionOf(source, [...p, k], true), path: p, unknownKey: k, message: issue.message });
      continue;
    }
    out.push({ ...positionOf(source, p, false), path: p, message: issue.message });
  }
  return out;
}
