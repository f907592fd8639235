#!/usr/bin/env node
// Make the V8 code cache of one bundle (run by scripts/bundle.mjs, at build and release time
// only: nodeward never writes cached code at run time). The bundle is compiled without a
// cache, runs what its process typically runs — the CLI two scans of this host (JSON and
// table), the scan child a scan request, the re-check child a re-check of a few checks — and then
// `script.createCachedData()` holds the bytecode of every function that ran, not only of the
// top level. The cache is written beside the bundle (<bundle>.cache, or
// <bundle>.<flags hash>.cache under Node flags: src/util/code-cache.ts), via a temporary
// file in the same directory and a rename. Scans write their reports to a temporary
// directory, removed at the end; nothing of the host is kept.
// Usage: node [node flags] scripts/code-cache.mjs DIST ENTRY
//   ENTRY: nodeward | nodeward-scan-child | nodeward-recheck-child
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { setFlagsFromString } from "node:v8";

const [distArg, entry] = process.argv.slice(2);
if (!distArg || !["nodeward", "nodeward-scan-child", "nodeward-recheck-child"].includes(entry ?? "")) {
  process.stderr.write("usage: node scripts/code-cache.mjs DIST nodeward|nodeward-scan-child|nodeward-recheck-child\n");
  process.exit(2);
}
const dist = path.resolve(distArg);
const imp = (rel) => import(pathToFileURL(path.join(dist, rel)).href);
// The CLI's launcher sets these before it loads the bundle (V8 refuses a cache made under other flags).
if (entry === "nodeward") setFlagsFromString((await imp("cli/one-shot-flags.js")).ONE_SHOT_V8_FLAGS);
const { cacheFileOf, compileBundle, runBundle } = await imp("util/code-cache.js");

const file = path.join(dist, `${entry}.cjs`);
const compiled = compileBundle(file, { useCache: false });
const work = mkdtempSync(path.join(tmpdir(), "nodeward-code-cache-"));
const timeout = (ms) => new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref());

/** The children answer over IPC: here their process.send is caught, and a request is emitted as a message. */
function ask(request, done) {
  return new Promise((resolve, reject) => {
    process.send = (msg, _handle, _options, callback) => {
      if (typeof callback === "function") callback(null);
      if (msg.ok === false) reject(new Error(msg.message));
      else if (done(msg)) resolve(msg);
      return true;
    };
    process.emit("message", request);
  });
}

/**
 * The first check key (pack/id) of each bundled pack, from the pack cache's shards: a drift
 * re-check is of the few checks a change touched. Re-checking every check made a cache
 * ~0.6 MB larger for the same CPU, and the child 1.4 MiB larger (bytecode of every probe).
 */
function firstKeys() {
  const keys = [];
  const shards = path.join(dist, "pack-cache");
  for (const f of readdirSync(shards)) {
    if (!f.endsWith(".json") || f === "profiles.json") continue;
    const pack = f.slice(0, -".json".length);
    for (const entry of Object.values(JSON.parse(readFileSync(path.join(shards, f), "utf8")))) {
      const id = entry?.data?.checks?.[0]?.id;
      if (typeof id === "string" && !keys.some((k) => k.startsWith(`${pack}/`))) keys.push(`${pack}/${id}`);
    }
  }
  return keys;
}

const job = { packs: [], vars: {}, benchmarks: [], root: "/", deep: false };
let failure;
try {
  const exports = runBundle(compiled);
  if (entry === "nodeward") {
    for (const args of [["--format", "json", "-o", path.join(work, "r.json")], ["-o", path.join(work, "r.txt")]]) {
      const code = await exports.main(["scan", "-q", ...args]);
      if (code !== 0 && code !== 1) throw new Error(`scan ${args.join(" ")} exited ${code}`);
    }
  } else if (entry === "nodeward-scan-child") {
    await Promise.race([ask({ kind: "scan", ...job, loadErrors: [], plan: true, previews: true }, (m) => m.kind === "scan"), timeout(300_000)]);
  } else {
    const keys = firstKeys();
    if (keys.length === 0) throw new Error(`no check keys in ${path.join(dist, "pack-cache")}`);
    const answer = await Promise.race([ask({ kind: "recheck", id: 1, keys, ...job }, (m) => m.kind === "recheck"), timeout(300_000)]);
    if (!answer.recheck) throw new Error("the re-check answered without a re-check");
  }
} catch (e) {
  // The functions that ran until then are still worth caching.
  failure = e;
}
rmSync(work, { recursive: true, force: true });

const target = cacheFileOf(file);
const temp = `${target}.${process.pid}.tmp`;
writeFileSync(temp, compiled.script.createCachedData(), { mode: 0o644 });
renameSync(temp, target);
if (failure) process.stderr.write(`code-cache: ${entry}: the representative run failed (${failure.message}); cached what ran\n`);
process.exit(0);
