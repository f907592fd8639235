/**
 * Loading a bundle (dist/nodeward*.cjs, scripts/bundle.mjs) with V8's code cache.
 *
 * Every nodeward process the user waits for (the CLI, the agent's scan child, the drift
 * re-check child) starts by compiling ~1 MB of bundled JavaScript, and then compiles each
 * function again, in full, the first time it runs. Node 20 has no compile cache of its own
 * for modules, so the bundles are CommonJS scripts run through `vm.Script` with the
 * `cachedData` that scripts/code-cache.mjs produced at build time, after a representative
 * run (so the functions a scan runs are in it as bytecode, not only the top level).
 *
 * The cached data is executable bytecode: it is only ever read here, never written at run
 * time (only the build writes it, beside the bundle in dist/), and it is used only when it
 * is a regular file owned by the bundle's owner and writable by nobody who cannot write the
 * bundle itself. V8 rejects data made by another V8 version or under other V8 flags: the
 * script is then compiled from its source as without a cache, which is always correct.
 */
import { isAscii } from "node:buffer";
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

/** What became of a bundle's cached data. */
export type CacheOutcome = "accepted" | "rejected" | "absent" | "untrusted";

export interface CompiledBundle {
  file: string;
  script: vm.Script;
  cache: CacheOutcome;
}

/**
 * The Node flags this process was started with (command line and NODE_OPTIONS), as one
 * string: V8 refuses cached data made under other flags, so a cache is kept per set of
 * flags (scripts/code-cache.mjs builds one without flags and one with the agent unit's).
 */
export function nodeFlagsKey(execArgv: readonly string[] = process.execArgv, nodeOptions: string | undefined = process.env.NODE_OPTIONS): string {
  const flags = [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].filter((f) => f.startsWith("-"));
  return [...new Set(flags)].sort().join(" ");
}

/** FNV-1a, 32 bits, as 8 hex digits: names a cache file by its flags (no node:crypto at start). */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** Where the cached data of `file` for these Node flags lives: beside it, `<file>.cache` without flags. */
export function cacheFileOf(file: string, flagsKey: string = nodeFlagsKey()): string {
  return flagsKey === "" ? `${file}.cache` : `${file}.${fnv1a(flagsKey)}.cache`;
}

/** CommonJS's wrapper, as Node's own loader writes it. */
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/**
 * The cached data, when it may be trusted as much as the bundle: a regular file (not a
 * link), the bundle's owner, and no write permission for group or others that the bundle
 * does not also give. Otherwise undefined, and why.
 */
function readTrusted(cacheFile: string, bundle: Stats): { data?: Buffer; outcome?: CacheOutcome } {
  let fd: number;
  try {
    fd = openSync(cacheFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    // ELOOP: a symbolic link (O_NOFOLLOW) — cached code is only read from a file of dist/ itself.
    return { outcome: (e as NodeJS.ErrnoException).code === "ELOOP" ? "untrusted" : "absent" };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== bundle.uid || (st.mode & 0o022 & ~bundle.mode) !== 0) return { outcome: "untrusted" };
    return { data: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Compile a CommonJS bundle, with its cached data unless `useCache` is false (the build,
 * which makes the cache, compiles without one).
 */
export function compileBundle(file: string, options: { useCache?: boolean; cacheFile?: string } = {}): CompiledBundle {
  // esbuild writes ASCII (non-ASCII escaped): decoded as Latin-1 that is the same string, in
  // half the time of UTF-8 (~0.8 of ~1.7 ms for the CLI's 1.9 MB); anything else as UTF-8.
  const bytes = readFileSync(file);
  const source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  let cachedData: Buffer | undefined;
  let cache: CacheOutcome = "absent";
  if (options.useCache !== false) {
    const got = readTrusted(options.cacheFile ?? cacheFileOf(file), statSync(file));
    cachedData = got.data;
    if (got.outcome) cache = got.outcome;
  }
  const script = new vm.Script(wrap(source), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    // No importModuleDynamically: the bundles have no import() (scripts/bundle.mjs makes
    // those require()s), and Node's main-context loader for vm scripts is experimental.
  });
  if (cachedData) cache = script.cachedDataRejected === true ? "rejected" : "accepted";
  return { file, script, cache };
}

/** Run a compiled bundle as a CommonJS module; its exports. */
export function runBundle(compiled: CompiledBundle): Record<string, unknown> {
  const fn = compiled.script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;
  const module = { exports: {} as Record<string, unknown> };
  fn.call(module.exports, module.exports, createRequire(compiled.file), module, compiled.file, path.dirname(compiled.file));
  return module.exports;
}

/** Compile (with its cached data) and run a bundle; its exports. */
export function loadBundle(file: string): Record<string, unknown> {
  const compiled = compileBundle(file);
  if (process.env.NODEWARD_DEBUG_CODE_CACHE) process.stderr.write(`nodeward: code cache of ${path.basename(file)}: ${compiled.cache}\n`);
  return runBundle(compiled);
}
