/**
 * Write small packs as YAML files in temp dirs and load them with the real loader, so
 * engine and CLI tests run checks exactly as a pack author would write them.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadPacks, type LoadedCheck, type LoadResult } from "../../src/packs/load.js";

const created: string[] = [];

/** Make a temp dir holding `files` (relative path → YAML text); returns its path. */
export async function packDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "nodeward-pack-"));
  created.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
  return dir;
}

export const PACK_META = `pack: { id: t, title: Test pack, benchmark: Test Benchmark v1, version: "1" }\n`;

/** Load `checks:` YAML (with the PACK_META header) and fail loudly on any pack error. */
export async function loadInline(yaml: string): Promise<LoadedCheck[]> {
  const dir = await packDir({ "pack.yaml": PACK_META + yaml });
  const r: LoadResult = await loadPacks([dir]);
  if (r.errors.length > 0) throw new Error(`inline pack did not load: ${JSON.stringify(r.errors)}`);
  return r.packs.flatMap((p) => p.checks);
}

/** Remove every dir made by packDir in this test file (call from afterAll). */
export async function cleanupPackDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
