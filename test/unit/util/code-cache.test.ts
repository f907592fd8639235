import { spawnSync } from "node:child_process";
import { chmod, chown, copyFile, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheFileOf, compileBundle, loadBundle, nodeFlagsKey, runBundle } from "../../../src/util/code-cache.js";
import { ensureCliBuilt, REPO } from "../../helpers/cli.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

// A bundle as scripts/bundle.mjs makes them: CommonJS, require() of a file beside it and of a builtin.
const BUNDLE = `
const helper = require("./helper.cjs");
exports.answer = () => helper.twice(21);
exports.where = () => [__filename, __dirname];
exports.sep = () => Promise.resolve().then(() => require("node:path").sep);
`;

// V8 keeps what it compiled in this process and answers an identical source from there
// (without looking at the cached data): every fixture's bundle is a source of its own.
let n = 0;
const unique = (): string => `${BUNDLE}// ${++n}\n`;

/** A fixture dir with the bundle and its cache made as the build makes it (after a run). */
async function withCache(): Promise<{ dir: string; file: string }> {
  const dir = await fixtureRoot({ "b.cjs": unique(), "helper.cjs": "exports.twice = (n) => n * 2;\n" });
  const file = path.join(dir, "b.cjs");
  const compiled = compileBundle(file, { useCache: false });
  expect(compiled.cache).toBe("absent");
  const exports = runBundle(compiled) as { answer(): number };
  expect(exports.answer()).toBe(42);
  await writeFile(cacheFileOf(file), compiled.script.createCachedData(), { mode: 0o644 });
  await chmod(file, 0o644);
  return { dir, file };
}

async function expectWorks(file: string): Promise<void> {
  const m = loadBundle(file) as { answer(): number; where(): string[]; sep(): Promise<string> };
  expect(m.answer()).toBe(42);
  expect(m.where()).toEqual([file, path.dirname(file)]);
  expect(await m.sep()).toBe("/");
}

describe("compileBundle / loadBundle", () => {
  it("uses the cached data the build made, and the bundle runs as a CommonJS module", async () => {
    const { file } = await withCache();
    expect(compileBundle(file).cache).toBe("accepted");
    await expectWorks(file);
  });

  it("compiles from source when there is no cache", async () => {
    const dir = await fixtureRoot({ "b.cjs": unique(), "helper.cjs": "exports.twice = (n) => n * 2;\n" });
    const file = path.join(dir, "b.cjs");
    expect(compileBundle(file).cache).toBe("absent");
    await expectWorks(file);
  });

  it("a bundle that is not ASCII is read as UTF-8 (an ASCII one as Latin-1: the same text), with and without its cache", async () => {
    const text = "권한 ≤ 0640 — 😀";
    const dir = await fixtureRoot({ "b.cjs": `exports.text = () => ${JSON.stringify(text)};\n// ${++n}\n`, "a.cjs": `exports.text = () => "plain";\n// ${++n}\n` });
    for (const [name, want] of [["b.cjs", text], ["a.cjs", "plain"]] as const) {
      const file = path.join(dir, name);
      const compiled = compileBundle(file, { useCache: false });
      expect((runBundle(compiled) as { text(): string }).text()).toBe(want);
      await writeFile(cacheFileOf(file), compiled.script.createCachedData(), { mode: 0o644 });
      await chmod(file, 0o644);
      const cached = compileBundle(file);
      expect(cached.cache).toBe("accepted");
      expect((runBundle(cached) as { text(): string }).text()).toBe(want);
    }
  });

  it("falls back to the source when V8 rejects the cache: another bundle's, or not a cache at all", async () => {
    const { file } = await withCache();
    // The bundle changed after its cache was made (a stale build).
    await writeFile(file, `${unique()}exports.more = 1;\n`);
    expect(compileBundle(file).cache).toBe("rejected");
    await expectWorks(file);
    await writeFile(file, unique());
    await writeFile(cacheFileOf(file), Buffer.alloc(4096, 0x5a));
    expect(compileBundle(file).cache).toBe("rejected");
    await expectWorks(file);
  });

  it("does not read a cache others may write that the bundle's owner alone may write", async () => {
    const { file } = await withCache();
    await chmod(cacheFileOf(file), 0o666);
    expect(compileBundle(file).cache).toBe("untrusted");
    await expectWorks(file);
    // Group-writable is as trusted as the bundle is: both group-writable, accepted.
    await chmod(cacheFileOf(file), 0o664);
    await chmod(file, 0o664);
    expect(compileBundle(file).cache).toBe("accepted");
  });

  it("does not follow a symbolic link to a cache", async () => {
    const { dir, file } = await withCache();
    await copyFile(cacheFileOf(file), path.join(dir, "elsewhere"));
    await rm(cacheFileOf(file));
    await symlink(path.join(dir, "elsewhere"), cacheFileOf(file));
    expect(compileBundle(file).cache).toBe("untrusted");
    await expectWorks(file);
  });

  it.skipIf(process.getuid?.() !== 0)("does not read a cache owned by another user than the bundle's", async () => {
    const { file } = await withCache();
    await chown(cacheFileOf(file), 65534, 65534);
    expect(compileBundle(file).cache).toBe("untrusted");
    await expectWorks(file);
  });
});

describe("one cache per set of Node flags", () => {
  it("names the cache by the flags, whatever their order, and <file>.cache without any", () => {
    expect(nodeFlagsKey([], undefined)).toBe("");
    expect(nodeFlagsKey([], "")).toBe("");
    expect(cacheFileOf("/d/b.cjs", "")).toBe("/d/b.cjs.cache");
    const unit = nodeFlagsKey(["--no-expose-wasm", "--max-semi-space-size=1"], "--jitless");
    expect(unit).toBe("--jitless --max-semi-space-size=1 --no-expose-wasm");
    expect(nodeFlagsKey(["--max-semi-space-size=1"], " --jitless  --no-expose-wasm ")).toBe(unit);
    expect(cacheFileOf("/d/b.cjs", unit)).toMatch(/^\/d\/b\.cjs\.[0-9a-f]{8}\.cache$/);
    expect(cacheFileOf("/d/b.cjs", unit)).not.toBe(cacheFileOf("/d/b.cjs", "--jitless"));
  });

  beforeAll(ensureCliBuilt, 600_000);

  it("a process under other V8 flags than the cache was made with gets it rejected, and runs the bundle all the same", async () => {
    const dir = await fixtureRoot({ "b.cjs": unique(), "helper.cjs": "exports.twice = (n) => n * 2;\n" });
    const file = path.join(dir, "b.cjs");
    const loader = JSON.stringify(path.join(REPO, "dist", "util", "code-cache.js"));
    // As scripts/code-cache.mjs: compile without a cache, run, write the cache for this process's flags.
    await writeFile(
      path.join(dir, "make.mjs"),
      `import { writeFileSync } from "node:fs";
import { cacheFileOf, compileBundle, runBundle } from ${loader};
const c = compileBundle(${JSON.stringify(file)}, { useCache: false });
runBundle(c).answer();
writeFileSync(cacheFileOf(${JSON.stringify(file)}), c.script.createCachedData());`,
    );
    await writeFile(
      path.join(dir, "run.mjs"),
      `import { compileBundle, runBundle } from ${loader};
const c = compileBundle(${JSON.stringify(file)});
console.log(c.cache, runBundle(c).answer());`,
    );
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const node = (argv: string[]) => spawnSync(process.execPath, argv, { encoding: "utf8", env });
    expect(node([path.join(dir, "make.mjs")]).status).toBe(0);
    const same = node([path.join(dir, "run.mjs")]);
    expect(same.stderr).toBe("");
    expect(same.stdout).toBe("accepted 42\n");
    // The flag-less cache, put where a process under other flags looks for its own: V8 refuses it.
    const flags = ["--max-old-space-size=200"];
    await copyFile(cacheFileOf(file, ""), cacheFileOf(file, nodeFlagsKey(flags, undefined)));
    const other = node([...flags, path.join(dir, "run.mjs")]);
    expect(other.stderr).toBe("");
    expect(other.stdout).toBe("rejected 42\n");
  });
});
