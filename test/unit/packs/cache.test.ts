import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asciiJson, buildPackCache } from "../../../src/packs/build-cache.js";
import { readPackCache, textHash } from "../../../src/packs/cache.js";
import { formatPackError, loadPacks } from "../../../src/packs/load.js";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const PACK = `pack: { id: p, title: T, benchmark: B, version: "1" }
checks:
  - id: a
    title: shadow mode
    severity: high
    audit:
      probe: file
      params: { path: /etc/shadow }
      expect: { mode: { mode-at-most: "0640" } }

  - id: b
    title: telnet absent
    severity: low
    audit: { probe: package, params: { name: telnet }, expect: { installed: false } }
`;

describe("pack parse cache", () => {
  it("a cache hit loads the same checks with the same source positions as parsing the YAML", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-cache-"));
    dirs.push(dir);
    await mkdir(path.join(dir, "p"));
    await writeFile(path.join(dir, "p/pack.yaml"), PACK);
    const built = await buildPackCache([dir]);
    const cache = new Map(Object.entries(built.entries));
    expect(cache.size).toBe(1);

    const fresh = await loadPacks([dir], { cache: new Map() });
    const cached = await loadPacks([dir], { cache });
    const shape = (r: typeof fresh) => r.packs[0]!.checks.map((c) => [c.key, c.source.line, c.source.column, c.audit?.expect.expected]);
    expect(shape(cached)).toEqual(shape(fresh));
    expect(shape(cached)).toEqual([
      ["p/a", 3, 5, "mode 0640 or more restrictive"],
      ["p/b", 11, 5, "installed = false"],
    ]);
  });

  it("an edited file misses the cache and its errors still carry exact positions", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-cache-"));
    dirs.push(dir);
    await mkdir(path.join(dir, "p"));
    await writeFile(path.join(dir, "p/pack.yaml"), PACK);
    const cache = new Map(Object.entries((await buildPackCache([dir])).entries));
    await writeFile(path.join(dir, "p/pack.yaml"), PACK.replace("installed: false", "installd: false"));
    const r = await loadPacks([dir], { cache });
    expect(r.errors.map(formatPackError)).toEqual([
      `${dir}/p/pack.yaml:14:66: [b] unknown fact field "installd" (this probe gives: name, state, installed, version, manager)`,
    ]);
  });

  it("the cache file is ASCII, keyed by the file's bytes, and a non-ASCII pack read through it loads as parsed", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-cache-"));
    dirs.push(dir);
    await mkdir(path.join(dir, "p"));
    const file = path.join(dir, "p/pack.yaml");
    await writeFile(file, PACK.replace("shadow mode", "shadow 권한 — ≤ 0640 😀"));
    const cacheFile = path.join(dir, "pack-cache.json");
    await writeFile(cacheFile, asciiJson(await buildPackCache([dir])));
    const text = await readFile(cacheFile, "utf8");
    expect([...text].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    expect(text).toContain("shadow \\uad8c\\ud55c \\u2014 \\u2264 0640 \\ud83d\\ude00");

    const cache = await readPackCache(cacheFile);
    const bytes = await readFile(file);
    expect(textHash(bytes)).toBe(textHash(bytes.toString("utf8")));
    expect([...cache.keys()]).toEqual([textHash(bytes)]);
    const cached = await loadPacks([dir], { cache });
    const fresh = await loadPacks([dir], { cache: new Map() });
    expect(cached.errors).toEqual([]);
    expect(cached.packs[0]!.checks.map((c) => c.title)).toEqual(["shadow 권한 — ≤ 0640 😀", "telnet absent"]);
    expect(cached.packs[0]!.checks.map((c) => [c.title, c.source])).toEqual(fresh.packs[0]!.checks.map((c) => [c.title, c.source]));
  });
});
