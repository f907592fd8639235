/**
 * Build a fixture host root in a temp dir from a compact spec, so every test makes
 * its own tree (no shared fixture state, real files, real symlinks, real modes).
 *
 *   const root = await fixtureRoot({
 *     "etc/shadow": { content: "root:*:1::::::\n", mode: 0o640 },
 *     "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
 *     "etc/alt": { symlink: "/etc/passwd" },
 *     "var/empty": { dir: true },
 *   });
 */
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { HostRoot } from "../../src/host/host-root.js";
import { runCommand } from "../../src/host/exec.js";
import { createProbeContext } from "../../src/engine/run-checks.js";
import type { ProbeContext } from "../../src/probes/types.js";

export type FixtureEntry =
  | string
  | { content: string; mode?: number; uid?: number; gid?: number }
  | { symlink: string }
  | { dir: true; mode?: number; uid?: number; gid?: number };

export type FixtureSpec = Record<string, FixtureEntry>;

const created: string[] = [];

export async function fixtureRoot(spec: FixtureSpec): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "nodeward-fixture-"));
  created.push(root);
  await addToRoot(root, spec);
  return root;
}

export async function addToRoot(root: string, spec: FixtureSpec): Promise<void> {
  for (const [rel, entry] of Object.entries(spec)) {
    const full = path.join(root, rel);
    await mkdir(path.dirname(full), { recursive: true });
    if (typeof entry === "string") {
      await writeFile(full, entry);
    } else if ("symlink" in entry) {
      await rm(full, { force: true });
      await symlink(entry.symlink, full);
    } else if ("dir" in entry) {
      await mkdir(full, { recursive: true });
      // chown before chmod: chown clears setuid/setgid bits.
      if (entry.uid !== undefined) await chown(full, entry.uid, entry.gid ?? entry.uid);
      if (entry.mode !== undefined) await chmod(full, entry.mode);
    } else {
      await writeFile(full, entry.content);
      if (entry.uid !== undefined) await chown(full, entry.uid, entry.gid ?? entry.uid);
      if (entry.mode !== undefined) await chmod(full, entry.mode);
    }
  }
}

/** Remove every fixture root made by this test file (call from afterAll). */
export async function cleanupFixtures(): Promise<void> {
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A probe context over a fixture root, with a fresh per-scan memo (the engine's own). */
export function probeContext(root: string, options: { proc?: string } = {}): ProbeContext {
  return createProbeContext(new HostRoot({ root, ...(options.proc ? { proc: options.proc } : {}) }), runCommand, 5000);
}
