/**
 * Fault injection: the real CLI applies the starter fixes to a fixture root in a child
 * process that SIGKILLs itself after hook step N (NODEWARD_TEST_CRASH_AFTER_STEP=N, honoured
 * only with NODE_ENV=test), for every N. After each kill every file is original or fully
 * new (never torn), the run is reported unfinished, --apply refuses until it is rolled back,
 * and rollback restores the original tree hash.
 *
 * An integration test (npm run test:integration): it runs the CLI twice per hook step,
 * minutes on two cores, too slow for the unit suite.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { RunStore } from "../../src/remediation/journal.js";
import { rollbackRun } from "../../src/remediation/rollback.js";
import { cleanupFixtures, fixtureRoot } from "../helpers/fixture-root.js";
import { FIX_CHECKS, failingNode, treeHash, treeState, type Entry } from "../unit/remediation/helpers.js";

const exec = promisify(execFile);
// A private build: a shared dist/ may be rebuilt by someone else while the children run.
const BUILD = path.join(PACKAGE_ROOT, "node_modules/.cache/nodeward-remediation-test");
const MAIN = path.join(BUILD, "cli/main.js");
const PACKS = path.join(PACKAGE_ROOT, "benchmarks");

async function newest(dir: string): Promise<number> {
  let m = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? await newest(p) : (await stat(p)).mtimeMs);
  }
  return m;
}

let work: string;
beforeAll(async () => {
  // Rebuild only when src/ is newer than the private build (tsc takes ~20 s on a busy machine).
  const built = await stat(MAIN).then((s) => s.mtimeMs, () => 0);
  if (built < (await newest(path.join(PACKAGE_ROOT, "src")))) {
    await exec("npx", ["tsc", "-p", "tsconfig.build.json", "--outDir", BUILD], { cwd: PACKAGE_ROOT });
  }
  work = await mkdtemp(path.join(tmpdir(), "nodeward-crash-"));
}, 120_000);
afterAll(async () => {
  await cleanupFixtures();
  await rm(work, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const r = await exec(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 << 20 });
    return { code: 0, signal: null, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; signal?: string; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : null, signal: x.signal ?? null, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

const checkArgs = FIX_CHECKS.flatMap((c) => ["--check", c]);
// --no-profile: the fixture is a kubeadm node, and these fixes are the point of the test.
const applyArgs = (root: string, state: string) => ["remediate", "--apply", "--yes", "--no-profile", "--root", root, "--state-dir", state, "--packs", PACKS, ...checkArgs];

async function copyTree(from: string, to: string): Promise<void> {
  await exec("cp", ["-a", from, to]);
}

describe("crash safety (SIGKILL after every step)", () => {
  it("every file is original or fully new, and rollback restores the original tree", { timeout: 900_000 }, async () => {
    const orig = await fixtureRoot(failingNode());
    const origHash = await treeHash(orig);
    const origState = await treeState(orig);

    // A full run tells the number of hook steps and the final state.
    const full = path.join(work, "full");
    await copyTree(orig, full);
    const fullState = path.join(work, "state-full");
    const r = await cli(applyArgs(full, fullState), { NODE_ENV: "test" });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const runs = JSON.parse((await cli(["runs", "--json", "--state-dir", fullState])).stdout) as { steps: number; status: string }[];
    expect(runs[0]?.status).toBe("complete");
    const steps = runs[0]?.steps as number;
    expect(steps).toBeGreaterThan(20);
    console.log(`crash test: ${steps} hook steps`);
    const finalState = await treeState(full);

    // The hook is ignored without NODE_ENV=test.
    const guarded = path.join(work, "guarded");
    await copyTree(orig, guarded);
    const g = await cli(applyArgs(guarded, path.join(work, "state-guarded")), { NODE_ENV: "production", NODEWARD_TEST_CRASH_AFTER_STEP: "1" });
    expect(g.signal).toBeNull();
    expect(g.code).toBe(0);

    const allowed = (p: string, e: Entry | undefined): boolean => {
      const a = origState.get(p);
      const b = finalState.get(p);
      if (!e) return !a || !b; // gone: it was created or removed by the run
      if (/\.nodeward-.*\.tmp$/.test(p)) return true; // a temp file is never the file itself
      const same = (x: Entry | undefined, k: keyof Entry) => x !== undefined && x[k] === e[k];
      // Per attribute: content and mode each old or new (a chmod and a rewrite of one file are two steps).
      return (["type", "sha", "target", "mode", "uid", "gid"] as const).every((k) => same(a, k) || same(b, k));
    };

    for (let n = 1; n <= steps; n++) {
      const root = path.join(work, `crash-${n}`);
      const state = path.join(work, `state-${n}`);
      await copyTree(orig, root);
      const k = await cli(applyArgs(root, state), { NODE_ENV: "test", NODEWARD_TEST_CRASH_AFTER_STEP: String(n) });
      expect(k.signal, `step ${n}: ${k.stderr}`).toBe("SIGKILL");

      const now = await treeState(root);
      for (const [p, e] of now) expect(allowed(p, e), `step ${n}: ${p} ${JSON.stringify(e)}`).toBe(true);
      for (const p of origState.keys()) if (!now.has(p)) expect(allowed(p, undefined), `step ${n}: ${p} missing`).toBe(true);

      const store = new RunStore(state);
      expect((await store.unfinished()).map((x) => x.status), `step ${n}`).toEqual(["running"]);
      // The CLI's side of it (children are slow on a busy machine): first, middle and last step.
      const viaCli = n === 1 || n === Math.ceil(steps / 2) || n === steps;
      if (viaCli) {
        expect((await cli(["runs", "--state-dir", state])).stdout).toMatch(/UNFINISHED/);
        const blocked = await cli(applyArgs(root, state), { NODE_ENV: "test" });
        expect(blocked.code).toBe(2);
        expect(blocked.stderr).toMatch(/is unfinished.*\n.*nodeward rollback/);
        const rb = await cli(["rollback", "--state-dir", state]);
        expect(rb.code, `step ${n}: ${rb.stdout}${rb.stderr}`).toBe(0);
        expect(rb.stdout).toMatch(/was running: unfinished/);
      } else {
        const rb = await rollbackRun({ store });
        expect(rb.failed, `step ${n}`).toEqual([]);
        expect(rb.previous).toBe("running");
      }
      expect(await treeHash(root), `step ${n}: tree after rollback`).toBe(origHash);
      await rm(root, { recursive: true, force: true });
    }

    // And a completed run rolls back too, through the CLI.
    const rb = await cli(["rollback", "--state-dir", fullState]);
    expect(rb.code, rb.stdout).toBe(0);
    expect(await treeHash(full)).toBe(origHash);
    expect((await new RunStore(fullState).list())[0]?.status).toBe("rolled-back");
  });
});
