/**
 * Kubernetes component configuration files (KubeletConfiguration, KubeProxyConfiguration)
 * and the YAML configuration of the Rancher distributions: YAML 1.1 as sigs.k8s.io/yaml
 * reads it (`yes`/`no` are booleans), JSON being a subset. Every key keeps the line it is
 * written on, so a setting's evidence names file:line. Pure and total: bad input gives
 * problems (file:line:col), never throws once yaml is loaded (the caller awaits `loadYaml()`:
 * src/util/yaml.ts).
 */
import type { Document, LineCounter } from "yaml";
import { documentProblem } from "../../util/doc-guard.js";
import { describeError } from "../../errors.js";
import { yamlNow } from "../../util/yaml.js";

export interface ParsedConfig {
  config: Record<string, unknown>;
  /** Dotted key → file and line where it is written. */
  keyLines: Record<string, { file: string; line: number }>;
  problems: string[];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function collectKeyLines(doc: Document, lc: LineCounter, file: string, out: Record<string, { file: string; line: number }>): void {
  let budget = 10_000;
  const { isMap, isScalar } = yamlNow();
  const walk = (node: unknown, prefix: string): void => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      if (--budget < 0) return;
      const k = pair.key;
      if (!isScalar(k)) continue;
      const full = prefix === "" ? String(k.value) : `${prefix}.${String(k.value)}`;
      if (k.range) out[full] = { file, line: lc.linePos(k.range[0]).line };
      walk(pair.value, full);
    }
  };
  walk(doc.contents, "");
}

/** Parse one configuration file (YAML or JSON) into a mapping with key lines. */
export function parseComponentConfig(text: string, file: string): ParsedConfig {
  const { LineCounter, parseDocument } = yamlNow();
  const lc = new LineCounter();
  const keyLines: Record<string, { file: string; line: number }> = Object.create(null) as Record<string, { file: string; line: number }>;
  let doc: Document;
  const tooBig = documentProblem(text);
  if (tooBig !== undefined) return { config: {}, keyLines, problems: [`${file}: ${tooBig}`] };
  try {
    // prettyErrors off: formatting the error of a 20,000-deep document aborted the process.
    doc = parseDocument(text, { lineCounter: lc, version: "1.1", uniqueKeys: false, prettyErrors: false });
  } catch (e) {
    return { config: {}, keyLines, problems: [`${file}: ${describeError(e)}`] };
  }
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0] ?? lc.linePos(err.pos[0]);
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    return { config: {}, keyLines, problems: [`${where}: ${err.message.split("\n")[0] ?? "YAML error"}`] };
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { config: {}, keyLines, problems: [`${file}: ${describeError(e)}`] };
  }
  if (js === null || js === undefined) return { config: {}, keyLines, problems: [] };
  if (!isPlainObject(js)) return { config: {}, keyLines, problems: [`${file}:1: not a mapping`] };
  collectKeyLines(doc, lc, file, keyLines);
  return { config: js, keyLines, problems: [] };
}

/**
 * Why a component would refuse this parsed --config file, or undefined when it names its kind.
 * The components decode it with a UniversalDecoder, which needs apiVersion and kind: an empty,
 * comment-only, `{}`, `null` or kind-less file is refused (the component does not start with it),
 * so the defaults are not what runs.
 */
export function refusedConfig(config: Record<string, unknown>, kind: string): string | undefined {
  const k = config["kind"];
  const v = config["apiVersion"];
  if (Object.keys(config).length === 0) return `no setting at all, no apiVersion and kind`;
  if (typeof k !== "string" || k === "") return `no kind (${kind} expected)`;
  if (k !== kind) return `kind ${k}, not ${kind}`;
  if (typeof v !== "string" || v === "") return `no apiVersion`;
  return undefined;
}

/** The kubelet's --config file (a KubeletConfiguration). */
export const parseKubeletConfig = parseComponentConfig;

/**
 * Merge a later configuration over an earlier one as the kubelet merges its --config-dir
 * drop-ins (Kubernetes docs, "Kubelet Configuration Directory Merging"): structures merge
 * field by field, scalars and lists are replaced whole.
 */
export function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  // Null prototype: a config key "__proto__" is data, never the object's prototype.
  const out: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, base);
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeConfig(b, v) : v;
  }
  return out;
}

/** Look up a dotted path; keys that themselves contain dots (`evictionHard.memory.available`) are tried too. */
export function getConfigPath(obj: unknown, dotted: string): { found: boolean; value?: unknown } {
  const segs = dotted.split(".");
  const walk = (cur: unknown, rest: string[]): { found: boolean; value?: unknown } => {
    if (rest.length === 0) return { found: true, value: cur };
    if (!isPlainObject(cur)) return { found: false };
    for (let k = rest.length; k >= 1; k--) {
      const key = rest.slice(0, k).join(".");
      if (Object.hasOwn(cur, key)) {
        const r = walk(cur[key], rest.slice(k));
        if (r.found) return r;
      }
    }
    return { found: false };
  };
  return walk(obj, segs);
}
