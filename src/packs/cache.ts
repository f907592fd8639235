/**
 * A parse cache for pack files, built with the program (`npm run build` writes
 * dist/pack-cache.json for the bundled packs). YAML parsing is most of a cold pack
 * load (~350 ms of ~600 ms for 370 checks), and the agent and every CLI run load the
 * same bytes. Entries are keyed by the SHA-256 of the file's text, so an edited pack
 * simply misses and is parsed as YAML; the cache never changes what a pack means.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PACK_CACHE_FILE } from "../paths.js";

export interface CachedPackFile {
  /** The document as YAML parses it (toJS). */
  data: Record<string, unknown>;
  /** Line and column of each entry of `checks:`, for results' source. */
  checkPositions: { line: number; column: number }[];
}

export interface PackCacheFile {
  version: 1;
  entries: Record<string, CachedPackFile>;
}

export type PackCache = ReadonlyMap<string, CachedPackFile>;

export function textHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

let defaultCache: Promise<PackCache> | undefined;

/** The cache shipped beside the program; empty when absent or unreadable (then YAML is parsed). */
export function defaultPackCache(): Promise<PackCache> {
  defaultCache ??= readPackCache(PACK_CACHE_FILE);
  return defaultCache;
}

export async function readPackCache(file: string): Promise<PackCache> {
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as PackCacheFile;
    if (parsed.version !== 1 || typeof parsed.entries !== "object" || parsed.entries === null) return new Map();
    return new Map(Object.entries(parsed.entries));
  } catch {
    return new Map();
  }
}
