/**
 * Table-driven check fixtures: run ONE check of a shipped pack against a fixture root
 * built for it, with the real loader, probes and engine, and return its result.
 *
 *   const r = await runCheckOn("cis-debian-12/7.1.5", { "etc/shadow": { content: "", mode: 0o640 }, ...passwd });
 *   expect(r.status).toBe("pass");
 *
 * Packs are loaded once per test file from benchmarks/ (or `packsDir`).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runChecks } from "../../src/engine/run-checks.js";
import type { CommandRunner } from "../../src/host/exec.js";
import type { CheckResult } from "../../src/engine/result.js";
import { HostRoot } from "../../src/host/host-root.js";
import { formatPackError, loadPacks, type LoadedCheck, type LoadResult } from "../../src/packs/load.js";
import { fixtureRoot, type FixtureSpec } from "./fixture-root.js";

export const BENCHMARKS_DIR = fileURLToPath(new URL("../../benchmarks", import.meta.url));

const cache = new Map<string, Promise<LoadResult>>();

export function loadShippedPacks(packsDir = BENCHMARKS_DIR, vars?: Readonly<Record<string, unknown>>): Promise<LoadResult> {
  const key = vars ? `${packsDir}\0${JSON.stringify(vars)}` : packsDir;
  let p = cache.get(key);
  if (!p) {
    p = loadPacks([packsDir], vars ? { vars } : {});
    cache.set(key, p);
  }
  return p;
}

export async function findCheck(key: string, packsDir = BENCHMARKS_DIR, vars?: Readonly<Record<string, unknown>>): Promise<LoadedCheck> {
  const loaded = await loadShippedPacks(packsDir, vars);
  if (loaded.errors.length > 0) throw new Error(`pack errors:\n${loaded.errors.map(formatPackError).join("\n")}`);
  const check = loaded.packs.flatMap((p) => p.checks).find((c) => c.key === key);
  if (!check) throw new Error(`no check ${key} in ${packsDir}`);
  return check;
}

export interface RunOnOptions {
  packsDir?: string;
  /** Use `<root>/proc` as procfs (fixtures that include a proc/ tree); default: the fixture's proc dir. */
  proc?: string;
  /** Command runner handed to the probes (e.g. a stub standing in for `rpm`); default: the real one. */
  run?: CommandRunner;
  /** Pack vars overriding the packs' defaults (as a profile or --var sets them). */
  vars?: Readonly<Record<string, unknown>>;
}

/** Build a fixture root from `spec` and run one check on it. */
export async function runCheckOn(key: string, spec: FixtureSpec, options: RunOnOptions = {}): Promise<CheckResult> {
  const check = await findCheck(key, options.packsDir, options.vars);
  const root = await fixtureRoot(spec);
  const host = new HostRoot({ root, ...(options.proc ? { proc: path.join(root, options.proc) } : {}) });
  const [result] = await runChecks([check], { host, deep: true, ...(options.run ? { run: options.run } : {}) });
  if (!result) throw new Error(`no result for ${key}`);
  return result;
}

/** Run checks on an existing root (e.g. a whole compliant node fixture). */
export async function runChecksOn(keys: readonly string[] | "all", root: string, options: RunOnOptions = {}): Promise<CheckResult[]> {
  const loaded = await loadShippedPacks(options.packsDir);
  const all = loaded.packs.flatMap((p) => p.checks);
  const checks = keys === "all" ? all : keys.map((k) => {
    const c = all.find((x) => x.key === k);
    if (!c) throw new Error(`no check ${k}`);
    return c;
  });
  const host = new HostRoot({ root, ...(options.proc ? { proc: path.join(root, options.proc) } : {}) });
  return runChecks(checks, { host, deep: true, ...(options.run ? { run: options.run } : {}) });
}

/** Minimal /etc/passwd and /etc/group so owner/group names resolve in fixtures. */
export const BASE_ACCOUNTS: FixtureSpec = {
  "etc/passwd": "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
  "etc/group": "root:x:0:\ndaemon:x:1:\nshadow:x:42:\ncrontab:x:101:\nnogroup:x:65534:\n",
};
