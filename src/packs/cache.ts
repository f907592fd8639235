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
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { closeSync, constants as fsc, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import path from "node:path";
import { NodewardError } from "../errors.js";
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
 * parsed). Its index is one small regular file in the program's directory, read synchronously.
 */
export function defaultPackCache(): Promise<PackCache> {
  defaultCache ??= readPackCache(PACK_CACHE_FILE);
  return defaultCache;
}

/** The largest index or shard read (the largest shard is ~300 KB): anything bigger is not the build's. */
export const MAX_CACHE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * A cache file's text: a regular file (a link, FIFO or device is refused before it is opened:
 * a FIFO would hang the load, /dev/zero fill memory) of at most MAX_CACHE_FILE_BYTES.
 * Throws why not; a missing file throws ENOENT.
 */
function readCacheFile(file: string): string {
  const pre = lstatSync(file);
  if (!pre.isFile()) throw new NodewardError("NOT_REGULAR", { path: file });
  if (pre.size > MAX_CACHE_FILE_BYTES) throw new NodewardError("OVER_READ_LIMIT", { path: file, size: pre.size, limit: MAX_CACHE_FILE_BYTES });
  const fd = openSync(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.ino !== pre.ino || st.dev !== pre.dev) throw new NodewardError("CHANGED_WHILE_OPENED", { path: file });
    const buf = Buffer.allocUnsafe(Math.min(st.size, MAX_CACHE_FILE_BYTES) + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
    if (n > MAX_CACHE_FILE_BYTES) throw new NodewardError("GREW_OVER_READ_LIMIT", { path: file, limit: MAX_CACHE_FILE_BYTES });
    // The build writes ASCII only (asciiJson): then Latin-1 is the same text, decoded in half the time.
    const bytes = buf.subarray(0, n);
    return isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** One line on stderr per cache file not used (the packs it would have served are parsed as YAML: same checks, slower). */
function cacheNotUsed(file: string, why: string): void {
  process.stderr.write(`nodeward: pack cache ${file} not used (${why}); its packs are parsed from YAML\n`);
}

export async function readPackCache(file: string): Promise<PackCache> {
  let text: string;
  try {
    text = readCacheFile(file);
  } catch (e) {
    // No cache (a source checkout before `npm run build`) is no news.
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") cacheNotUsed(file, (e as Error).message);
    return new Map();
  }
  try {
    const parsed = JSON.parse(text) as PackCacheIndex;
    if (parsed.version !== 3 || typeof parsed.shards !== "object" || parsed.shards === null) return new Map();
    for (const [k, v] of Object.entries(parsed.params ?? {})) if (!validatedParams.has(k)) validatedParams.set(k, v);
    return new ShardedPackCache(shardDir(file), parsed.shards);
  } catch (e) {
    cacheNotUsed(file, e instanceof SyntaxError ? "not valid JSON" : (e as Error).message);
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
    const entry = Object.hasOwn(shard, key) ? shard[key] : undefined;
    if (entry === undefined) return undefined;
    const bad = entryProblem(entry);
    if (bad === undefined) return entry;
    cacheNotUsed(path.join(this.dir, `${name}.json`), `entry ${key.slice(0, 12)}…: ${bad}`);
    this.loaded.set(name, {}); // one line per shard: its other entries are not trusted either
    return undefined;
  }
}

/**
 * Why an entry is not one the build wrote (its shape only: the loader trusts what the build
 * validated, and a hand-edited or truncated entry must not throw in it).
 */
export function entryProblem(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null || Array.isArray(e)) return "not an object";
  const { data, checkPositions, valid } = e as Record<string, unknown>;
  if (typeof data !== "object" || data === null || Array.isArray(data)) return "data is not a map";
  if (!Array.isArray(checkPositions)) return "checkPositions is not a list";
  if (!checkPositions.every((p) => typeof p === "object" && p !== null && Number.isInteger((p as { line?: unknown }).line) && Number.isInteger((p as { column?: unknown }).column))) {
    return "a check position is not a line and column";
  }
  const checks = (data as Record<string, unknown>).checks;
  if (checks !== undefined && (!Array.isArray(checks) || checks.length !== checkPositions.length)) return "checks and their positions differ";
  if (valid !== undefined && valid !== true) return "valid is not true";
  if (valid && Array.isArray(checks) && !checks.every((c) => typeof c === "object" && c !== null && !Array.isArray(c))) return "a check is not a map";
  const pack = (data as Record<string, unknown>).pack;
  if (valid && pack !== undefined && (typeof pack !== "object" || pack === null || typeof (pack as { id?: unknown }).id !== "string")) return "pack is not a map with an id";
  return undefined;
}

function readShard(dir: string, name: string): Record<string, CachedPackFile> {
  if (!SHARD_NAME.test(name)) return {};
  const file = path.join(dir, `${name}.json`);
  try {
    const parsed = JSON.parse(readCacheFile(file)) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, CachedPackFile>;
    cacheNotUsed(file, "not a JSON object");
  } catch (e) {
    cacheNotUsed(file, (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : e instanceof SyntaxError ? "not valid JSON" : (e as Error).message);
  }
  return {};
}
