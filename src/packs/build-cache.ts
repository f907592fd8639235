/**
 * `node dist/packs/build-cache.js [DIR…]`: parse every pack file under the bundled
 * benchmarks/ (or DIRs) and write dist/pack-cache.json and its shards, dist/pack-cache/
 * (see cache.ts). Run by `npm run build`; a file with YAML errors is left out and
 * reported when loaded.
 */
import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_BENCHMARKS_DIR, PACK_CACHE_FILE } from "../paths.js";
import { SHARD_NAME, shardDir, textHash, validatedParams, type PackCacheFile, type PackCacheIndex } from "./cache.js";
import { writeFileDurable } from "../util/durable-write.js";
import { positionOf } from "../util/yaml-source.js";
import { loadPacks, parseYamlFile, type PackError } from "./load.js";
import { applyProfile, loadProfile } from "./profile.js";
import { packSchemas } from "./schema.js";
import { loadZod } from "../util/lazy-zod.js";
import { loadYaml } from "../util/yaml.js";
import { pushAll } from "../util/array.js";

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) pushAll(out, await yamlFiles(full));
    else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(full);
  }
  return out;
}

export async function buildPackCache(dirs: readonly string[]): Promise<PackCacheFile> {
  const entries: PackCacheFile["entries"] = {};
  const shards: PackCacheFile["shards"] = {};
  await Promise.all([loadZod(), loadYaml()]);
  // Fully loaded once (schema, probe params, every expectation compiled): a file with any
  // error is not marked valid, so the loader checks it again rather than trust it.
  const params = await validParams(dirs);
  const withErrors = new Set((await loadPacks(dirs, { cache: new Map() })).errors.map((e) => e.file));
  for (const [i, dir] of dirs.entries()) {
    for (const file of await yamlFiles(dir)) {
      const errors: PackError[] = [];
      const pf = await parseYamlFile(file, errors, ["pack", "vars", "applies", "section", "defaults", "checks", "profile", "packs", "tailor"], new Map());
      if (!pf || errors.length > 0) continue;
      const checks = Array.isArray(pf.data.checks) ? pf.data.checks : [];
      const isPack = pf.data.profile === undefined && pf.data.packs === undefined && pf.data.tailor === undefined;
      const key = textHash(await readFile(file));
      shards[key] = shardName(dirs.length > 1 ? i : undefined, path.relative(dir, file));
      entries[key] = {
        data: pf.data,
        checkPositions: checks.map((_, i) => positionOf(pf, ["checks", i], false)),
        ...(isPack && !withErrors.has(file) && packSchemas().PackFileSchema.safeParse(pf.data).success ? { valid: true as const } : {}),
      };
    }
  }
  return { version: 3, entries, params, shards };
}

/**
 * The shard of a file: the pack directory it is in (its first path segment under the
 * benchmarks directory; `_` for a file directly in it), prefixed by the directory's index
 * when several were given.
 */
function shardName(dirIndex: number | undefined, rel: string): string {
  const first = rel.includes(path.sep) ? rel.slice(0, rel.indexOf(path.sep)) : "_";
  const name = `${dirIndex === undefined ? "" : `${dirIndex}-`}${first.replace(/[^A-Za-z0-9._-]/g, "_")}`.replace(/^[^A-Za-z0-9]/, "x").slice(0, 100);
  return SHARD_NAME.test(name) ? name : "x";
}

/**
 * Write the cache: each shard (`<index without .json>/<shard>.json`), then the index, then
 * remove shards the index no longer names. Each file is replaced whole; entries are keyed by
 * content, so a reader between two writes finds a right entry or none.
 */
export async function writePackCache(cache: PackCacheFile, indexFile: string): Promise<void> {
  const dir = shardDir(indexFile);
  await mkdir(dir, { recursive: true });
  const byShard = new Map<string, Record<string, unknown>>();
  for (const [key, entry] of Object.entries(cache.entries)) {
    const name = cache.shards[key] ?? "x";
    let shard = byShard.get(name);
    if (!shard) byShard.set(name, (shard = {}));
    shard[key] = entry;
  }
  for (const [name, shard] of byShard) await writeFileDurable(path.join(dir, `${name}.json`), asciiJson(shard), { mode: 0o644 });
  const shards = Object.fromEntries(Object.keys(cache.entries).map((k) => [k, cache.shards[k] ?? "x"]));
  const index: PackCacheIndex = { version: 3, ...(cache.params ? { params: cache.params } : {}), shards };
  await writeFileDurable(indexFile, asciiJson(index), { mode: 0o644 });
  for (const f of await readdir(dir)) if (f.endsWith(".json") && !byShard.has(f.slice(0, -5))) await unlink(path.join(dir, f)).catch(() => undefined);
}

/**
 * Every probe call of the packs, as loaded with their own vars and with each profile's
 * (profiles/ beside them), validated once now: `probe:params` → validated params.
 */
async function validParams(dirs: readonly string[]): Promise<Record<string, unknown>> {
  validatedParams.clear();
  await loadPacks(dirs, { cache: new Map() });
  for (const dir of dirs) {
    const profilesDir = path.join(dir, "profiles");
    const names = await readdir(profilesDir).catch(() => [] as string[]);
    for (const name of names.filter((n) => /\.ya?ml$/.test(n))) {
      const { profile } = await loadProfile(path.join(profilesDir, name));
      if (!profile) continue;
      const withVars = await loadPacks(dirs, { cache: new Map(), vars: profile.vars });
      await applyProfile(withVars.packs, profile);
    }
  }
  return Object.fromEntries(validatedParams);
}

/**
 * JSON with every non-ASCII character escaped (\uXXXX): the same value once parsed, but a
 * reader's text is one byte a character (V8 keeps a string holding any non-ASCII character
 * at two bytes each: the cache read whole would be 2.9 MB instead of 1.4 MB).
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const dirs = process.argv.length > 2 ? process.argv.slice(2) : [DEFAULT_BENCHMARKS_DIR];
  const cache = await buildPackCache(dirs);
  await writePackCache(cache, PACK_CACHE_FILE);
  process.stdout.write(`pack cache: ${Object.keys(cache.entries).length} file(s) in ${new Set(Object.values(cache.shards)).size} shard(s) -> ${PACK_CACHE_FILE}\n`);
}
