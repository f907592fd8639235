/**
 * Scans that meet a real EACCES: the CLI run as `nobody` over a fixture root. As root (the
 * suite's user) nothing is unreadable, so these tests drop to nobody; the tree's own modes
 * then decide what can be read, as an LSM or file modes decide on a node.
 *
 *   const root = await nobodyRoot({ "etc/passwd": {...}, "root/.profile": {...} }, ["etc"]);
 *   const { report, code } = await scanAsNobody(["--root", root, "--check", "kisa-unix/U-14"]);
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ScanReport } from "../../src/engine/result.js";
import { runCli } from "./cli.js";
import { addToRoot, type FixtureSpec } from "./fixture-root.js";

const bases: string[] = [];

/** True where the suite can drop to nobody (it runs as root, as CI does). */
export const canRunAsNobody = process.getuid?.() === 0;

/**
 * A fixture root under a fresh temp dir that nobody can traverse to (mkdtemp makes 0700
 * dirs): the temp dir, the root and each of `traversable` (root-relative) are opened to 0755.
 */
export async function nobodyRoot(spec: FixtureSpec, traversable: readonly string[] = []): Promise<string> {
  const base = await mkdtemp(path.join(tmpdir(), "nodeward-nobody-"));
  bases.push(base);
  const root = path.join(base, "root");
  await addToRoot(root, spec);
  for (const d of [base, root, ...traversable.map((t) => path.join(root, t))]) await chmod(d, 0o755);
  return root;
}

export async function cleanupNobodyRoots(): Promise<void> {
  await Promise.all(bases.splice(0).map((b) => rm(b, { recursive: true, force: true })));
}

/** `nodeward scan ...args --format json` as nobody: the parsed report, exit code and stderr. */
export async function scanAsNobody(args: readonly string[]): Promise<{ report: ScanReport; code: number; stderr: string }> {
  const r = await runCli(["scan", ...args, "--format", "json"], { asUser: "nobody" });
  return { report: JSON.parse(r.stdout) as ScanReport, code: r.code, stderr: r.stderr };
}
