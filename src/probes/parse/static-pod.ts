/**
 * Pure parser for a static pod manifest (`/etc/kubernetes/manifests/<component>.yaml`):
 * the first container's argv (`command` + `args`, with the line each item sits on) and
 * how its paths map to host paths (`volumeMounts` → `hostPath` volumes). Never throws once
 * yaml is loaded (the caller awaits `loadYaml()`: src/util/yaml.ts).
 */
import path from "node:path";
import type { Document, Node } from "yaml";
import { documentProblem } from "../../util/doc-guard.js";
import { yamlNow } from "../../util/yaml.js";

export interface StaticPodMount {
  mountPath: string;
  /** Host directory (or file) behind the mount; undefined for configMap/secret/emptyDir volumes. */
  hostPath?: string;
  subPath?: string;
  volume: string;
}

export interface StaticPodManifest {
  /** `kind` of the document ("Pod" for a static pod). */
  kind?: string;
  /** Pod name (metadata.name). */
  name?: string;
  /** `command` followed by `args` of spec.containers[0]. */
  argv: string[];
  /** Line of each argv item in the manifest (same index as argv). */
  lines: number[];
  mounts: StaticPodMount[];
  problems: { line: number; message: string }[];
}

function scalarText(n: unknown): string | undefined {
  if (!yamlNow().isScalar(n)) return undefined;
  const v = n.value;
  if (v === null || v === undefined) return undefined;
  return typeof v === "string" ? v : String(v);
}

function get(node: unknown, key: string): Node | undefined {
  if (!yamlNow().isMap(node)) return undefined;
  const pair = node.items.find((p) => scalarText(p.key) === key);
  return (pair?.value as Node | null | undefined) ?? undefined;
}

/** Parse a static pod manifest (YAML or JSON). A problem is recorded, never thrown. */
export function parseStaticPodManifest(text: string, source: string): StaticPodManifest {
  const { isMap, isScalar, isSeq, LineCounter, parseDocument } = yamlNow();
  const out: StaticPodManifest = { argv: [], lines: [], mounts: [], problems: [] };
  const tooBig = documentProblem(text);
  if (tooBig !== undefined) {
    out.problems.push({ line: 1, message: `${source}: ${tooBig}` });
    return out;
  }
  const lc = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    out.problems.push({ line: 1, message: `${source}: ${e instanceof Error ? e.message : String(e)}` });
    return out;
  }
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line ?? 1;
    out.problems.push({ line, message: `${source}:${line}: invalid YAML: ${err.message.split("\n")[0] ?? ""}` });
    return out;
  }
  const lineOf = (n: Node | undefined): number => (n?.range ? lc.linePos(n.range[0]).line : 1);
  const root = doc.contents;
  if (!isMap(root)) {
    out.problems.push({ line: 1, message: `${source}: not a pod manifest (no mapping at the top)` });
    return out;
  }
  const kind = scalarText(get(root, "kind"));
  if (kind !== undefined) out.kind = kind;
  const name = scalarText(get(get(root, "metadata"), "name"));
  if (name !== undefined) out.name = name;
  const spec = get(root, "spec");
  const containers = get(spec, "containers");
  const c0 = isSeq(containers) ? (containers.items[0] as Node | undefined) : undefined;
  if (!isMap(c0)) {
    out.problems.push({ line: lineOf(spec ?? root), message: `${source}: no spec.containers[0]` });
    return out;
  }
  for (const key of ["command", "args"]) {
    const list = get(c0, key);
    if (list === undefined || (isScalar(list) && list.value === null)) continue;
    if (!isSeq(list)) {
      out.problems.push({ line: lineOf(list), message: `${source}:${lineOf(list)}: ${key} is not a list` });
      continue;
    }
    for (const item of list.items as Node[]) {
      const t = scalarText(item);
      if (t === undefined) {
        out.problems.push({ line: lineOf(item), message: `${source}:${lineOf(item)}: ${key} item is not a string, skipped` });
        continue;
      }
      out.argv.push(t);
      out.lines.push(lineOf(item));
    }
  }
  const hostPaths = new Map<string, string>();
  const volumes = get(spec, "volumes");
  if (isSeq(volumes)) {
    for (const v of volumes.items as Node[]) {
      const vn = scalarText(get(v, "name"));
      const hp = scalarText(get(get(v, "hostPath"), "path"));
      if (vn !== undefined && hp !== undefined) hostPaths.set(vn, hp);
    }
  }
  const mounts = get(c0, "volumeMounts");
  if (isSeq(mounts)) {
    for (const m of mounts.items as Node[]) {
      const volume = scalarText(get(m, "name"));
      const mountPath = scalarText(get(m, "mountPath"));
      if (volume === undefined || mountPath === undefined) continue;
      const subPath = scalarText(get(m, "subPath"));
      const hostPath = hostPaths.get(volume);
      out.mounts.push({ volume, mountPath, ...(hostPath !== undefined ? { hostPath } : {}), ...(subPath ? { subPath } : {}) });
    }
  }
  return out;
}

/**
 * The host path behind a path as the container sees it: the deepest volumeMount that
 * holds it, when that mount is a hostPath volume. `{ inContainer }` when the deepest
 * mount is not a host directory (configMap, secret, emptyDir) or no mount holds it.
 */
export function hostPathFor(mounts: readonly StaticPodMount[], containerPath: string): { path: string } | { inContainer: string } {
  const p = path.posix.resolve("/", containerPath);
  let best: StaticPodMount | undefined;
  for (const m of mounts) {
    const mp = path.posix.resolve("/", m.mountPath);
    const holds = p === mp || p.startsWith(mp === "/" ? "/" : `${mp}/`);
    if (holds && (!best || mp.length > path.posix.resolve("/", best.mountPath).length)) best = m;
  }
  if (!best) return { inContainer: "no volumeMount holds it" };
  if (best.hostPath === undefined) return { inContainer: `volume ${best.volume} is not a hostPath volume` };
  const mp = path.posix.resolve("/", best.mountPath);
  const rest = p.slice(mp.length);
  const base = best.subPath ? path.posix.join(best.hostPath, best.subPath) : best.hostPath;
  return { path: path.posix.join(base, rest === "" ? "." : rest).replace(/\/\.$/, "") };
}
