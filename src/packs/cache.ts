/**
 * A parse cache for pack files, built with the program (`npm run build` writes
 * dist/pack-cache.json for the bundled packs). YAML parsing is most of a cold pack
 * load (~350 ms of ~600 ms for 370 checks), and the agent and every CLI run load the
 * same bytes. Entries are keyed by the SHA-256 of the file's bytes, so an edited pack
 * simply misses and is parsed as YAML; the cache never changes what a pack means.
 *
 * It also carries what build-time validation proved, so an unchanged pack needs no
 * schema library at scan time (zod was most of a cold scan's CPU): a pack file that
 * passed the pack schema is marked `valid`, and each probe's validated params are kept
 * by probe and canonical JSON of the params as written (after vars). `checks lint`
 * ignores the cache and validates everything.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { PACK_CACHE_FILE } from "../paths.js";

export interface CachedPackFile {
  /** The document as YAML parses it (toJS). */
  data: Record<string, unknown>;
  /** Line and column of each entry of `checks:`, for results' source. */
  checkPositions: { line: number; column: number }[];
  /** The whole file passed the pack schema at build time (not set for profiles). */
  valid?: true;
}

export interface PackCacheFile {
  version: 2;
  entries: Record<string, CachedPackFile>;
  /** `<probe>:<canonical JSON of params>` → the probe's validated params. */
  params?: Record<string, unknown>;
}

/**
 * Probe params validated in this process or at build time, by fact key (see
 * load.ts compileCall): a key seen before needs no second validation.
 */
export const validatedParams = new Map<string, unknown>();

export type PackCache = ReadonlyMap<string, CachedPackFile>;

/** The cache key of a pack file: SHA-256 of its bytes (of a string: of its UTF-8 encoding, the same). */
export function textHash(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

let defaultCache: Promise<PackCache> | undefined;

/**
 * The cache shipped beside the program; empty when absent or unreadable (then YAML is
 * parsed). `sync`: read it synchronously if it is not read yet (the pack loader's choice
 * where every filesystem is local).
 */
export function defaultPackCache(sync = false): Promise<PackCache> {
  defaultCache ??= sync ? Promise.resolve(packCacheOf(() => readFileSync(PACK_CACHE_FILE, "utf8"))) : readPackCache(PACK_CACHE_FILE);
  return defaultCache;
}

export async function readPackCache(file: string): Promise<PackCache> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return new Map();
  }
  return packCacheOf(() => text);
}

function packCacheOf(read: () => string): PackCache {
  try {
    const parsed = JSON.parse(read()) as PackCacheFile;
    if (parsed.version !== 2 || typeof parsed.entries !== "object" || parsed.entries === null) return new Map();
    for (const [k, v] of Object.entries(parsed.params ?? {})) if (!validatedParams.has(k)) validatedParams.set(k, v);
    return new Map(Object.entries(parsed.entries));
  } catch {
    return new Map();
  }
}
