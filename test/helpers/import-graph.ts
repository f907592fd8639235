/**
 * The import graph of src/ (every static, type-only, re-export and dynamic import between
 * its files, read with TypeScript's own pre-processor) and the checks the layer test runs
 * on it: edges that climb a layer, probes importing probes, and cycles.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

export interface Layer {
  name: string;
  dir?: string;
  dirs?: string[];
  files?: string[];
  may: string[];
}

export interface LayerConfig {
  LAYERS: Layer[];
  PROBE_FILES: string[];
  PROBE_IMPORT_EXCEPTIONS: string[];
}

export const REPO = path.resolve(import.meta.dirname, "../..");

/** The layer table and probe rules, from eslint.config.js (one table for lint and test). */
export async function layerConfig(): Promise<LayerConfig> {
  const url = pathToFileURL(path.join(REPO, "eslint.config.js")).href;
  return (await import(url)) as LayerConfig;
}

/** src-relative file → src-relative files it imports (only imports of files under src/). */
export type Graph = Map<string, string[]>;

export function importGraph(srcDir = path.join(REPO, "src")): Graph {
  const graph: Graph = new Map();
  for (const rel of listTs(srcDir)) {
    const text = readFileSync(path.join(srcDir, rel), "utf8");
    const info = ts.preProcessFile(text, true, true);
    const targets = new Set<string>();
    for (const imp of info.importedFiles) {
      if (!imp.fileName.startsWith(".")) continue;
      const abs = path.resolve(path.dirname(path.join(srcDir, rel)), imp.fileName.replace(/\.js$/, ".ts"));
      targets.add(path.relative(srcDir, abs));
    }
    graph.set(rel, [...targets].sort());
  }
  return graph;
}

function listTs(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listTs(dir, rel));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(rel);
  }
  return out.sort();
}

export function layerOf(layers: readonly Layer[], file: string): Layer | undefined {
  return layers.find((l) => (l.files ?? []).includes(file) || (l.dirs ?? (l.dir ? [l.dir] : [])).some((d) => file.startsWith(`${d}/`)));
}

/** Edges from a layer to one it may not import, as "from -> to (fromLayer -> toLayer)". */
export function upwardEdges(graph: Graph, layers: readonly Layer[]): string[] {
  const out: string[] = [];
  for (const [from, tos] of graph) {
    const a = layerOf(layers, from);
    for (const to of tos) {
      const b = layerOf(layers, to);
      if (!a || !b) {
        out.push(`${from} -> ${to} (${a?.name ?? "no layer"} -> ${b?.name ?? "no layer"})`);
        continue;
      }
      if (a !== b && !a.may.includes(b.name)) out.push(`${from} -> ${to} (${a.name} -> ${b.name})`);
    }
  }
  return out;
}

/** Probe files importing another probe's file, as "a -> b" (ids), minus the allowed ones. */
export function probeToProbeEdges(graph: Graph, probeIds: readonly string[], allowed: readonly string[] = []): string[] {
  const ids = new Set(probeIds);
  const idOf = (f: string) => /^probes\/([\w-]+)\.ts$/.exec(f)?.[1];
  const out: string[] = [];
  for (const [from, tos] of graph) {
    const a = idOf(from);
    if (!a || !ids.has(a)) continue;
    for (const to of tos) {
      const b = idOf(to);
      if (b && b !== a && ids.has(b) && !allowed.includes(`${a} -> ${b}`)) out.push(`${a} -> ${b}`);
    }
  }
  return out;
}

/** Every cycle's files (strongly connected components of more than one file, or a self-import). */
export function cycles(graph: Graph): string[][] {
  // Tarjan's algorithm.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}
