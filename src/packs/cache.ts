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
 *
 * On disk it is an index (dist/pack-cache.json: the params, and which shard holds each
 * file's entry) and one shard per pack directory (dist/pack-cache/<directory>.json), read
 * when a file of that directory is first looked up: the drift re-check process loads one
 * pack, and parsing the whole cache (1.4 MB) for it was a large part of its start.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { PACK_CACHE_FILE } from "../paths.js";

export interface CachedPackFile {
  /** The document as YAML parses it (toJS). */
  data: Record<string, unknown>;
  /** Line and column of each entry of `checks:`, for results' source. */
  checkPositions: { line: number; column: number }[];
  /** The whole file passed the pack schema at build time (not set for profiles). */
  valid?: true;
}

/** The cache as built (build-cache.ts): every entry, and the shard each belongs in. */
export interface PackCacheFile {
  version: 3;
  entries: Record<string, CachedPackFile>;
  /** `<probe>:<canonical JSON of params>` → the probe's validated params. */
  params?: Record<string, unknown>;
  /** Entry key → its shard's name (the pack directory the file is in). */
  shards: Record<string, string>;
}

/** The index on disk (dist/pack-cache.json); each shard is a JSON object of entry key → CachedPackFile. */
export interface PackCacheIndex {
  version: 3;
  params?: Record<string, unknown>;
  shards: Record<string, string>;
}

/** A shard's name is a file name in the shard directory; anything else is not read. */
export const SHARD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The directory beside an index file that holds its shards (dist/pack-cache.json → dist/pack-cache/). */
export function shardDir(indexFile: string): string {
  return indexFile.replace(/\.json$/, "");
}

/**
 * Probe params validated in this process or at build time, by fact key (see
 * load.ts compileCall): a key seen before needs no second validation.
 */
export const validatedParams = new Map<string, unknown>();

/** Entries by key (a Map, or the shipped cache reading its shards on first need). */
export interface PackCache {
  get(key: string): CachedPackFile | undefined;
}

/** The cache key of a pack file: SHA-256 of its bytes (of a string: of its UTF-8 encoding, the same). */
export function textHash(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

let defaultCache: Promise<PackCache> | undefined;

/**
 * The cache shipped beside the program; empty when absent or unreadable (then YAML is
 * parsed). `sync`: read its index synchronously if it is not read yet (the pack loader's
 * choice where every filesystem is local).
 */
export function defaultPackCache(sync = false): Promise<PackCache> {
  defaultCache ??= sync ? Promise.resolve(packCacheOf(PACK_CACHE_FILE, () => readFileSync(PACK_CACHE_FILE, "utf8"))) : readPackCache(PACK_CACHE_FILE);
  return defaultCache;
}

export async function readPackCache(file: string): Promise<PackCache> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return new Map();
  }
  return packCacheOf(file, () => text);
}

function packCacheOf(file: string, read: () => string): PackCache {
  try {
    const parsed = JSON.parse(read()) as PackCacheIndex;
    if (parsed.version !== 3 || typeof parsed.shards !== "object" || parsed.shards === null) return new Map();
    for (const [k, v] of Object.entries(parsed.params ?? {})) if (!validatedParams.has(k)) validatedParams.set(k, v);
    return new ShardedPackCache(shardDir(file), parsed.shards);
  } catch {
    return new Map();
  }
}

/**
 * The shipped cache: a shard is read (synchronously: the loader looks entries up in
 * synchronous code; a shard is one pack's 10–300 KB in the program's own directory) and
 * parsed the first time one of its entries is asked for. A shard that is missing or
 * unreadable is empty: its packs' files are parsed as YAML.
 */
class ShardedPackCache implements PackCache {
  private readonly loaded = new Map<string, Record<string, CachedPackFile>>();

  constructor(
    private readonly dir: string,
    private readonly shards: Record<string, string>,
  ) {}

  get(key: string): CachedPackFile | undefined {
    const name = Object.hasOwn(this.shards, key) ? this.shards[key] : undefined;
    if (name === undefined) return undefined;
    let shard = this.loaded.get(name);
    if (!shard) {
      shard = readShard(this.dir, name);
      this.loaded.set(name, shard);
    }
    return Object.hasOwn(shard, key) ? shard[key] : undefined;
  }
}

function readShard(dir: string, name: string): Record<string, CachedPackFile> {
  if (!SHARD_NAME.test(name)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, CachedPackFile>) : {};
  } catch {
    return {};
  }
}
