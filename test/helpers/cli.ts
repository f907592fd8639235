/**
 * Run the built CLI (dist/cli/main.js) as a subprocess. `ensureCliBuilt` compiles
 * (incrementally) when dist is missing or src changed since the last build; a lock dir
 * keeps parallel test files from running two compilers over the same dist/.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = path.join(REPO, "dist", "cli", "main.js");
// One lock per checkout: worktrees of the same repository build separate dist/ trees and
// must not wait for (or break) each other's compiler.
const LOCK = path.join(tmpdir(), `nodeward-dist-build-${createHash("sha256").update(REPO).digest("hex").slice(0, 12)}.lock`);
// A compile under heavy load can take minutes; only a lock this old is a crashed run's.
const STALE_LOCK_MS = 10 * 60_000;

function lockAgeMs(): number {
  try {
    return Date.now() - statSync(LOCK).mtimeMs;
  } catch {
    return 0;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

// Incremental build state and a stamp of the last good build, outside dist/ and git.
const CACHE = path.join(REPO, "node_modules", ".cache", "nodeward-cli-test");
const BUILD_INFO = path.join(CACHE, "tsbuildinfo");
const STAMP = path.join(CACHE, "built");

function isStale(): boolean {
  try {
    statSync(CLI);
    return statSync(STAMP).mtimeMs < newestMtime(path.join(REPO, "src"));
  } catch {
    return true;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function ensureCliBuilt(): Promise<void> {
  while (isStale()) {
    try {
      mkdirSync(LOCK);
    } catch {
      // Another test file is compiling; wait for it.
      if (lockAgeMs() > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      await sleep(200);
      continue;
    }
    try {
      mkdirSync(CACHE, { recursive: true });
      // --incremental only re-emits what changed, and does not notice a deleted dist/.
      if (!existsSync(CLI)) rmSync(BUILD_INFO, { force: true });
      const started = Date.now();
      const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
      const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--incremental", "--tsBuildInfoFile", BUILD_INFO], {
        cwd: REPO,
        encoding: "utf8",
      });
      // tsc still emits on type errors (maybe in a file someone else is editing); only a
      // missing CLI is fatal here, the tests themselves show whether it works.
      if (r.status !== 0) process.stderr.write(`tsc -p tsconfig.build.json exited ${r.status}:\n${r.stdout}${r.stderr}\n`);
      statSync(CLI);
      // The bundle from the last `npm run build` is older than what tsc just compiled.
      for (const f of readdirSync(path.join(REPO, "dist"))) if (f === "nodeward.js" || f === "nodeward-scan-child.js" || f === "nodeward-recheck-child.js" || /^nw-.*\.js$/.test(f)) rmSync(path.join(REPO, "dist", f));
      writeFileSync(STAMP, new Date(started).toISOString());
      utimesSync(STAMP, new Date(started), new Date(started));
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
    return;
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/cli/main.js ...args`, optionally as another user via runuser (needs root). */
export function runCli(args: readonly string[], options: { asUser?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const [file, argv] = options.asUser
    ? ["runuser", ["-u", options.asUser, "--", process.execPath, CLI, ...args]]
    : [process.execPath, [CLI, ...args]];
  return new Promise((resolve) => {
    execFile(
      file,
      argv,
      { cwd: options.cwd ?? REPO, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 45_000, env: { ...process.env, NO_COLOR: "1" } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
