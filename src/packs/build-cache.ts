/**
 * `node dist/packs/build-cache.js [DIR…]`: parse every pack file under the bundled
 * benchmarks/ (or DIRs) and write dist/pack-cache.json (see cache.ts). Run by
 * `npm run build`; a file with YAML errors is left out and reported when loaded.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_BENCHMARKS_DIR, PACK_CACHE_FILE } from "../paths.js";
import { textHash, type PackCacheFile } from "./cache.js";
import { writeFileDurable } from "../util/durable-write.js";
import { positionOf } from "../util/yaml-source.js";
import { parseYamlFile, type PackError } from "./load.js";
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
  for (const dir of dirs) {
    for (const file of await yamlFiles(dir)) {
      const errors: PackError[] = [];
      const pf = await parseYamlFile(file, errors, ["pack", "vars", "applies", "section", "defaults", "checks", "profile", "packs", "tailor"], new Map());
      if (!pf || errors.length > 0) continue;
      const checks = Array.isArray(pf.data.checks) ? pf.data.checks : [];
      entries[textHash(await readFile(file, "utf8"))] = {
        data: pf.data,
        checkPositions: checks.map((_, i) => positionOf(pf, ["checks", i], false)),
      };
    }
  }
  return { version: 1, entries };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const dirs = process.argv.length > 2 ? process.argv.slice(2) : [DEFAULT_BENCHMARKS_DIR];
  const cache = await buildPackCache(dirs);
  await writeFileDurable(PACK_CACHE_FILE, JSON.stringify(cache), { mode: 0o644 });
  process.stdout.write(`pack cache: ${Object.keys(cache.entries).length} file(s) -> ${PACK_CACHE_FILE}\n`);
}
