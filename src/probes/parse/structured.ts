/**
 * Dotted-path lookups into YAML / JSON documents (`authentication.anonymous.enabled`),
 * with the line the value sits on for evidence. Pure; never throws once yaml is loaded (the
 * caller awaits `loadYaml()`: src/util/yaml.ts).
 */
import type { Document, Node } from "yaml";
import { documentProblem } from "../../util/doc-guard.js";
import { yamlNow } from "../../util/yaml.js";

export type StructuredValue = string | number | boolean | null;

export type StructuredLookup =
  | { ok: true; found: false }
  | { ok: true; found: true; value: StructuredValue; line?: number }
  | { ok: false; error: string };

function toValue(node: Node | null, doc: Document): StructuredValue {
  if (node === null) return null;
  if (yamlNow().isScalar(node)) {
    const v = node.value;
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Date) return v.toISOString();
    return String(v);
  }
  // A map or list: matchers compare text, so give its JSON form rather than nothing.
  return JSON.stringify(node.toJSON(doc));
}

export function lookupStructured(text: string, format: "yaml" | "json", dottedKey: string): StructuredLookup {
  const { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } = yamlNow();
  if (format === "json") {
    try {
      JSON.parse(text);
    } catch (e) {
      return { ok: false, error: `invalid JSON: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  const tooBig = documentProblem(text);
  if (tooBig !== undefined) return { ok: false, error: tooBig };
  const lc = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    return { ok: false, error: `invalid YAML: ${e instanceof Error ? e.message : String(e)}` };
  }
  const first = doc.errors[0];
  if (first) {
    const at = first.linePos?.[0];
    return { ok: false, error: `invalid YAML${at ? ` at line ${at.line}` : ""}: ${first.message.split("\n")[0]}` };
  }
  let node: Node | null = doc.contents as Node | null;
  for (const seg of dottedKey.split(".")) {
    if (node !== null && isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
    if (node !== null && isMap(node)) {
      // Compare keys as text so `80:` and `"80":` both answer to `80`.
      const pair = node.items.find((p) => {
        const k: unknown = p.key;
        const kv = isScalar(k) ? k.value : k;
        return kv !== null && kv !== undefined && String(kv) === seg;
      });
      if (!pair) return { ok: true, found: false };
      node = (pair.value as Node | null) ?? null;
    } else if (node !== null && isSeq(node) && /^\d+$/.test(seg)) {
      const idx = Number(seg);
      if (idx >= node.items.length) return { ok: true, found: false };
      node = (node.items[idx] as Node | null) ?? null;
    } else {
      return { ok: true, found: false };
    }
  }
  if (node !== null && isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
  const value = toValue(node, doc);
  const offset = node?.range?.[0];
  return offset === undefined ? { ok: true, found: true, value } : { ok: true, found: true, value, line: lc.linePos(offset).line };
}

/** The first YAML (or JSON) document of a file as plain data; aliases capped like the pack loader. */
export function parseWhole(text: string, format: "yaml" | "json"): { value: unknown } | { error: string } {
  const tooBig = documentProblem(text);
  if (tooBig !== undefined) return { error: tooBig };
  if (format === "json") {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch (e) {
      return { error: `invalid JSON: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  const { parseDocument } = yamlNow();
  try {
    const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
    const first = doc.errors[0];
    if (first) {
      const at = first.linePos?.[0];
      return { error: `invalid YAML${at ? ` at line ${at.line}` : ""}: ${first.message.split("\n")[0]}` };
    }
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    return { error: `invalid YAML: ${e instanceof Error ? e.message : String(e)}` };
  }
}
