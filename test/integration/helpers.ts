/**
 * Helpers for integration tests: the cached Debian 12 root built by
 * test/integration/setup.sh, throw-away copies of it, and the built CLI.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI_PATH = path.join(REPO_ROOT, "dist/cli/main.js");

export function testCacheDir(): string {
  return process.env.NODEWARD_TEST_CACHE || "/var/cache/nodeward-test";
}

/** True when the tests run as root (the integration suite needs it). */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** True under CI (`CI=true`, `CI=1`…), where a missing prerequisite must fail, not skip. */
export function inCI(): boolean {
  const v = (process.env.CI ?? "").toLowerCase();
  return v !== "" && v !== "0" && v !== "false";
}

/**
 * Path of the cached Debian 12 minbase root. Throws, telling what to run, when
 * setup.sh has not built it (or a build was interrupted).
 */
export function debianRoot(): string {
  const root = path.join(testCacheDir(), "bookworm-minbase");
  const stamp = `${root}.stamp`;
  if (!existsSync(path.join(root, "var/lib/dpkg/status")) || !existsSync(stamp)) {
    throw new Error(
      `The cached Debian 12 test root is missing or incomplete at ${root}.\n` +
        `Build it first (as root): bash test/integration/setup.sh\n` +
        `(\`npm run test:integration\` runs setup.sh for you; set NODEWARD_TEST_CACHE to use another cache dir.)`,
    );
  }
  return root;
}

const copies: string[] = [];

/**
 * Copy a root (`cp -a`: modes, owners, symlinks, hard links kept) into a fresh temp
 * dir, for tests that change it. Returns the copy's path; `removeCopies()` deletes them.
 */
export async function copyRoot(src: string): Promise<string> {
  const parent = await mkdtemp(path.join(process.env.NODEWARD_TEST_TMP || tmpdir(), "nodeward-root-"));
  copies.push(parent);
  const dest = path.join(parent, "root");
  const r = spawnSync("cp", ["-a", "--reflink=auto", `${src}/.`, dest], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new Error(`cp -a ${src} ${dest} failed (status ${r.status}): ${r.error?.message ?? r.stderr}`);
  }
  return dest;
}

/** Remove every copy made by copyRoot in this test file (call from afterAll). */
export async function removeCopies(): Promise<void> {
  await Promise.all(copies.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Kill the command after this long. Default 120 s. */
  timeoutMs?: number;
}

/** Run a command (argv, no shell) and collect its output; never throws on a non-zero exit. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new TypeError("run: empty argv");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, LC_ALL: "C", LANG: "C", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 120_000,
      killSignal: "SIGKILL",
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (exitCode, signal) =>
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.isFile()) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let built = false;

/**
 * Make sure dist/cli/main.js exists and is not older than src/ (CI runs
 * `npm run build` before the tests; locally this saves a forgotten build).
 */
export function ensureBuilt(): void {
  if (built) return;
  const stale = !existsSync(CLI_PATH) || statSync(CLI_PATH).mtimeMs < newestMtime(path.join(REPO_ROOT, "src"));
  if (stale) {
    const r = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: REPO_ROOT, encoding: "utf8" });
    if (r.error || r.status !== 0) {
      throw new Error(`npx tsc -p tsconfig.build.json failed (status ${r.status}):\n${r.error?.message ?? ""}${r.stdout}${r.stderr}`);
    }
    if (!existsSync(CLI_PATH)) {
      throw new Error(`${CLI_PATH} is still missing after the build: is src/cli/main.ts there?`);
    }
  }
  built = true;
}

/** Run the built CLI: `node dist/cli/main.js ...args`. */
export async function runCli(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  ensureBuilt();
  return run([process.execPath, CLI_PATH, ...args], opts);
}
