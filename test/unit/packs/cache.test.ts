import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, symlink, truncate, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { buildPackCache, writePackCache } from "../../../src/packs/build-cache.js";
import { MAX_CACHE_FILE_BYTES, readPackCache, textHash } from "../../../src/packs/cache.js";
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
    await writePackCache(await buildPackCache([dir]), cacheFile);
    const text = await readFile(path.join(dir, "pack-cache/p.json"), "utf8");
    expect([...text].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    expect([...(await readFile(cacheFile, "utf8"))].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    expect(text).toContain("shadow \\uad8c\\ud55c \\u2014 \\u2264 0640 \\ud83d\\ude00");

    const cache = await readPackCache(cacheFile);
    const bytes = await readFile(file);
    expect(textHash(bytes)).toBe(textHash(bytes.toString("utf8")));
    expect(cache.get(textHash(bytes))?.data.pack).toEqual({ id: "p", title: "T", benchmark: "B", version: "1" });
    const cached = await loadPacks([dir], { cache });
    const fresh = await loadPacks([dir], { cache: new Map() });
    expect(cached.errors).toEqual([]);
    expect(cached.packs[0]!.checks.map((c) => c.title)).toEqual(["shadow 권한 — ≤ 0640 😀", "telnet absent"]);
    expect(cached.packs[0]!.checks.map((c) => [c.title, c.source])).toEqual(fresh.packs[0]!.checks.map((c) => [c.title, c.source]));

    // A shard holding raw UTF-8 (not what the build writes, but JSON all the same) is read as UTF-8.
    await writeFile(path.join(dir, "pack-cache/p.json"), text.replace("shadow \\uad8c\\ud55c \\u2014 \\u2264 0640 \\ud83d\\ude00", "shadow 권한 — ≤ 0640 😀"));
    expect((await readFile(path.join(dir, "pack-cache/p.json"), "utf8")).includes("권한")).toBe(true);
    const raw = await loadPacks([dir], { cache: await readPackCache(cacheFile) });
    expect(raw.errors).toEqual([]);
    expect(raw.packs[0]!.checks.map((c) => c.title)).toEqual(["shadow 권한 — ≤ 0640 😀", "telnet absent"]);
  });

  it("is written as an index and one shard per pack directory; a lookup reads only its own shard", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-cache-"));
    dirs.push(dir);
    for (const id of ["p", "q"]) {
      await mkdir(path.join(dir, id));
      await writeFile(path.join(dir, id, "pack.yaml"), PACK.replace("id: p,", `id: ${id},`));
    }
    await mkdir(path.join(dir, "profiles"));
    await writeFile(path.join(dir, "profiles/prof.yaml"), "profile: { id: prof, title: P }\npacks: [p]\n");
    const cacheFile = path.join(dir, "out/pack-cache.json");
    await mkdir(path.join(dir, "out/pack-cache"), { recursive: true });
    await writeFile(path.join(dir, "out/pack-cache/stale.json"), "{}");
    const built = await buildPackCache([dir]);
    await writePackCache(built, cacheFile);
    expect((await readdir(path.join(dir, "out/pack-cache"))).sort()).toEqual(["p.json", "profiles.json", "q.json"]);
    const index = JSON.parse(await readFile(cacheFile, "utf8")) as { version: number; shards: Record<string, string>; entries?: unknown };
    expect(index.version).toBe(3);
    expect(index.entries).toBeUndefined();
    expect(Object.values(index.shards).sort()).toEqual(["p", "profiles", "q"]);

    // q's shard gone: p still loads from the cache (its entry), q is parsed as YAML, both as without a cache.
    await rm(path.join(dir, "out/pack-cache/q.json"));
    const cache = await readPackCache(cacheFile);
    const keyOf = async (id: string) => textHash(await readFile(path.join(dir, id, "pack.yaml")));
    expect(cache.get(await keyOf("p"))?.valid).toBe(true);
    expect(cache.get(await keyOf("q"))).toBeUndefined();
    const fresh = await loadPacks([dir], { cache: new Map() });
    const cached = await loadPacks([dir], { cache });
    expect(cached.errors).toEqual([]);
    const shape = (r: typeof fresh) => r.packs.map((p) => [p.meta.id, p.checks.map((c) => [c.key, c.source.line, c.source.column])]);
    expect(shape(cached)).toEqual(shape(fresh));
    expect(shape(cached).map(([id]) => id)).toEqual(["p", "q"]);
  });

  it("an index naming a shard outside its directory reads nothing there", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-cache-"));
    dirs.push(dir);
    await mkdir(path.join(dir, "p"));
    await writeFile(path.join(dir, "p/pack.yaml"), PACK);
    const key = textHash(await readFile(path.join(dir, "p/pack.yaml")));
    const built = await buildPackCache([dir]);
    await writeFile(path.join(dir, "evil.json"), JSON.stringify({ [key]: built.entries[key] }));
    await mkdir(path.join(dir, "c"));
    await writeFile(path.join(dir, "c/pack-cache.json"), JSON.stringify({ version: 3, shards: { [key]: "../evil" } }));
    expect((await readPackCache(path.join(dir, "c/pack-cache.json"))).get(key)).toBeUndefined();
    // The previous layout (version 2, one file) is not read: every file is parsed as YAML.
    await writeFile(path.join(dir, "c/v2.json"), JSON.stringify({ version: 2, entries: { [key]: built.entries[key] } }));
    expect((await readPackCache(path.join(dir, "c/v2.json"))).get(key)).toBeUndefined();
  });

  it("a shard that is truncated, malformed, huge, a FIFO or a link is not used: one stderr line, the pack parsed from YAML", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-cache-"));
    dirs.push(dir);
    await mkdir(path.join(dir, "p"));
    await writeFile(path.join(dir, "p/pack.yaml"), PACK);
    const cacheFile = path.join(dir, "out/pack-cache.json");
    const built = await buildPackCache([dir]);
    await writePackCache(built, cacheFile);
    const key = textHash(await readFile(path.join(dir, "p/pack.yaml")));
    const shard = path.join(dir, "out/pack-cache/p.json");
    const good = await readFile(shard, "utf8");
    await writeFile(path.join(dir, "good.json"), good);
    const data = (built.entries[key] as { data: Record<string, unknown> }).data;
    const fresh = await loadPacks([dir], { cache: new Map() });
    const shape = (r: typeof fresh) => r.packs.map((p) => [p.meta.id, p.checks.map((c) => [c.key, c.source.line, c.source.column, c.audit?.expect.expected])]);
    const cases: [string, () => Promise<void>, string][] = [
      ["truncated", () => writeFile(shard, good.slice(0, 100)), "not valid JSON"],
      ["an array", () => writeFile(shard, "[]"), "not a JSON object"],
      // These two threw a TypeError out of loadPacks (Object.keys(null); checks.forEach).
      ["data null", () => writeFile(shard, JSON.stringify({ [key]: { data: null, checkPositions: [] } })), `entry ${key.slice(0, 12)}…: data is not a map`],
      ["checks not a list", () => writeFile(shard, JSON.stringify({ [key]: { data: { ...data, checks: 5 }, checkPositions: [], valid: true } })), `entry ${key.slice(0, 12)}…: checks and their positions differ`],
      ["positions missing", () => writeFile(shard, JSON.stringify({ [key]: { data, valid: true } })), `entry ${key.slice(0, 12)}…: checkPositions is not a list`],
      ["over the cap", () => truncate(shard, MAX_CACHE_FILE_BYTES + 1), `${shard} is ${MAX_CACHE_FILE_BYTES + 1} bytes, over the ${MAX_CACHE_FILE_BYTES}-byte read limit`],
      // A FIFO hung the load (readFileSync waits for a writer); /dev/zero filled memory.
      ["a FIFO", async () => void execFileSync("mkfifo", [shard]), `${shard} is not a regular file`],
      ["a link to /dev/zero", () => symlink("/dev/zero", shard), `${shard} is not a regular file`],
      ["a link to a good shard", () => symlink(path.join(dir, "good.json"), shard), `${shard} is not a regular file`],
    ];
    for (const [what, plant, why] of cases) {
      await rm(shard, { force: true });
      await writeFile(shard, good);
      if (what !== "over the cap") await rm(shard);
      await plant();
      const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      try {
        const r = await loadPacks([dir], { cache: await readPackCache(cacheFile) });
        expect(r.errors, what).toEqual([]);
        expect(shape(r), what).toEqual(shape(fresh));
        expect(stderr.mock.calls.map((c) => String(c[0])), what).toEqual([`nodeward: pack cache ${shard} not used (${why}); its packs are parsed from YAML\n`]);
      } finally {
        stderr.mockRestore();
      }
    }
    // The index itself: a FIFO or a link is refused the same way, and nothing is cached.
    await rm(cacheFile);
    execFileSync("mkfifo", [cacheFile]);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect((await readPackCache(cacheFile)).get(key)).toBeUndefined();
      expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual([`nodeward: pack cache ${cacheFile} not used (${cacheFile} is not a regular file); its packs are parsed from YAML\n`]);
    } finally {
      stderr.mockRestore();
    }
  });

  it("a FIFO, a link to /dev/zero or a file over the cap named *.yaml in a pack directory is an error naming it, not a hang", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-packfiles-"));
    dirs.push(dir);
    await mkdir(path.join(dir, "p"));
    await writeFile(path.join(dir, "p/pack.yaml"), PACK);
    execFileSync("mkfifo", [path.join(dir, "p/x-fifo.yaml")]);
    await symlink("/dev/zero", path.join(dir, "p/y-zero.yaml"));
    await writeFile(path.join(dir, "p/z-big.yaml"), "");
    await truncate(path.join(dir, "p/z-big.yaml"), 8 * 1024 * 1024 + 1);
    for (const syncReads of [true, false]) {
      const r = await loadPacks([dir], { cache: new Map(), syncReads });
      expect(r.errors.map(formatPackError), `syncReads ${syncReads}`).toEqual([
        `${dir}/p/x-fifo.yaml:1:1: cannot read: ${dir}/p/x-fifo.yaml is not a regular file`,
        `${dir}/p/y-zero.yaml:1:1: cannot read: ${dir}/p/y-zero.yaml is not a regular file`,
        `${dir}/p/z-big.yaml:1:1: cannot read: ${dir}/p/z-big.yaml is 8388609 bytes, over the 8388608-byte read limit`,
      ]);
    }
  });

  it("an entry marked valid whose checks are not what the build wrote: the pack is parsed from YAML (it threw TypeErrors out of loadPacks)", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-cache-"));
    dirs.push(dir);
    await mkdir(path.join(dir, "p"));
    await writeFile(path.join(dir, "p/pack.yaml"), PACK);
    const key = textHash(await readFile(path.join(dir, "p/pack.yaml")));
    const good = (await buildPackCache([dir])).entries[key] as { data: Record<string, unknown>; checkPositions: unknown[] };
    const fresh = await loadPacks([dir], { cache: new Map() });
    const shape = (r: typeof fresh) => r.packs.map((p) => [p.meta.id, p.checks.map((c) => [c.key, c.source.line, c.source.column, c.audit?.expect.expected])]);
    const entry = (top: Record<string, unknown>, check: Record<string, unknown> = {}) => {
      const checks = (good.data.checks as Record<string, unknown>[]).map((c) => ({ ...c, ...check }));
      return new Map([[key, { data: { ...good.data, ...top, checks }, checkPositions: good.checkPositions as { line: number; column: number }[], valid: true as const }]]);
    };
    // Each threw out of loadPacks (found by a fast-check property over such entries).
    const cases: [string, Map<string, never>][] = [
      ["remediation a map", entry({}, { remediation: {} }) as Map<string, never>],
      ["applies a string", entry({ applies: "x" }) as Map<string, never>],
      ["applies null", entry({ applies: null }) as Map<string, never>],
    ];
    for (const [what, cache] of cases) {
      const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      try {
        const r = await loadPacks([dir], { cache });
        expect([r.errors, shape(r)], what).toEqual([[], shape(fresh)]);
        expect(stderr.mock.calls.map((c) => String(c[0])), what).toEqual([expect.stringMatching(new RegExp(`^nodeward: pack cache entries of ${dir}/p not used \\(.+\\); the pack is parsed from YAML\\n$`))]);
      } finally {
        stderr.mockRestore();
      }
    }
    // pack: null is not the build's shape: the entry is not used at all (it made a pack whose meta was null).
    const nullMeta = await loadPacks([dir], { cache: entry({ pack: null }) as Map<string, never> });
    expect([nullMeta.errors, shape(nullMeta)]).toEqual([[], shape(fresh)]);
  });
});
