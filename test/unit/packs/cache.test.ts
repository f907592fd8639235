import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildPackCache } from "../../../src/packs/build-cache.js";
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
});
