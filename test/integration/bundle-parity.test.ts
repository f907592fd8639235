/**
 * The shipped program is the bundle (dist/nodeward.js and its chunks, scripts/bundle.mjs):
 * `nodeward` runs it whenever it is at least as new as the compiled modules, and the release
 * tarball ships it. The unit tests run the compiled modules, so a difference only the
 * bundler makes (a dynamic import of a CommonJS package, a path relative to
 * import.meta.url, a chunk that fails to load) would pass them all — as `scan --waivers`
 * once did ("parse is not a function"). Here every command and output format runs both
 * ways on the same fixture root and must give the same exit code, the same results and
 * the same text (timings and times aside).
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compliantDebianNode, layer } from "../helpers/compliant-debian-node.js";
import { cleanupFixtures, fixtureRoot } from "../helpers/fixture-root.js";
import { CLI_PATH, ensureBuilt, REPO_ROOT } from "./helpers.js";

const BUNDLE = path.join(REPO_ROOT, "dist/nodeward.js");
const RUN_JS = path.join(REPO_ROOT, "dist/cli/run.js");

let root = "";
let work = "";

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: readonly string[], modules: boolean): Ran {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", LC_ALL: "C" };
  delete env.NODEWARD_NO_BUNDLE;
  if (modules) env.NODEWARD_NO_BUNDLE = "1";
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { cwd: work, env, encoding: "utf8", maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What legitimately differs between two runs: timings, times of day, temp paths. */
const steady = (s: string): string =>
  s
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "T")
    .replace(/"(durationMs|duration|time|elapsedMs)":\s*[\d.]+/g, '"$1":N')
    .replace(/\b\d+(\.\d+)? ?(ms|s)\b/g, "N $2")
    .replace(/(time|timestamp)="[^"]*"/g, '$1=""')
    .replace(/\b(nodeward_[a-z_]*(seconds|timestamp)[a-z_]*(\{[^}]*\})?) [\d.e+-]+/g, "$1 N")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "UUID");

function bothWays(args: readonly string[]): { bundle: Ran; modules: Ran } {
  const bundle = cli(args, false);
  const modules = cli(args, true);
  // No stack trace, no "is not a function" from either.
  for (const r of [bundle, modules]) expect(r.stderr, args.join(" ")).not.toMatch(/TypeError|ReferenceError|is not a function|\n\s+at .*\.js:\d+/);
  expect(bundle.code, `${args.join(" ")}: exit codes\n${bundle.stderr}`).toBe(modules.code);
  expect(steady(bundle.stderr), `${args.join(" ")}: stderr`).toBe(steady(modules.stderr));
  return { bundle, modules };
}

beforeAll(async () => {
  ensureBuilt();
  // The unit suite's incremental build removes a bundle older than the modules: rebuild it.
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < statSync(RUN_JS).mtimeMs) {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, "scripts/bundle.mjs")], { cwd: REPO_ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`scripts/bundle.mjs failed (${r.status}):\n${r.stdout}${r.stderr}`);
  }
  work = await mkdtemp(path.join(tmpdir(), "nodeward-bundle-"));
  // A compliant node with one planted failure, so every output has a fail, a pass and a skip.
  root = await fixtureRoot(layer(compliantDebianNode(), { "etc/motd": { content: "hello\n", mode: 0o666 } }));
  await writeFile(path.join(work, "waivers.yaml"), 'waivers:\n  - { check: cis-debian-12/7.1.11, reason: "a shared scratch file, by policy", expires: "2999-12-31" }\n');
}, 300_000);

afterAll(async () => {
  await cleanupFixtures();
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the bundle behaves as the compiled modules", () => {
  it("is what `nodeward` runs after a build", () => {
    expect(statSync(BUNDLE).mtimeMs).toBeGreaterThanOrEqual(statSync(RUN_JS).mtimeMs);
  });

  it("runs each process's bundle with the V8 code cache the build made (src/util/code-cache.ts)", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODEWARD_DEBUG_CODE_CACHE: "1", NO_COLOR: "1" };
    delete env.NODEWARD_NO_BUNDLE;
    delete env.NODE_OPTIONS;
    const ran = spawnSync(process.execPath, [CLI_PATH, "checks", "show", "cis-debian-12/7.1.11"], { cwd: work, env, encoding: "utf8" });
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stderr).toBe("nodeward: code cache of nodeward.cjs: accepted\n");
    // The agent's children, as it forks them (an IPC channel; they exit when it closes).
    for (const child of ["nodeward-scan-child", "nodeward-recheck-child"]) {
      const forked = spawnSync(process.execPath, ["-e", `require("node:child_process").fork(${JSON.stringify(path.join(REPO_ROOT, "dist", `${child}.js`))}, [], { stdio: "inherit" }).disconnect()`], { env, encoding: "utf8" });
      expect(forked.status, forked.stderr).toBe(0);
      expect(forked.stderr).toBe(`nodeward: code cache of ${child}.cjs: accepted\n`);
    }
  });

  it("scan: the same results, exit code and stderr in JSON, with waivers", async () => {
    const args = (f: string) => ["scan", "--root", root, "--waivers", "waivers.yaml", "--format", "json", "-q", "-o", `json=${f}`];
    const bundle = cli(args("b.json"), false);
    const modules = cli(args("m.json"), true);
    expect(bundle.stderr).not.toMatch(/TypeError|is not a function|\n\s+at .*\.js:\d+/);
    expect(bundle.code, bundle.stderr).toBe(modules.code);
    expect(steady(bundle.stderr)).toBe(steady(modules.stderr));
    const b = JSON.parse(await readFile(path.join(work, "b.json"), "utf8")) as { results: { waiver?: unknown }[]; summary: Record<string, number> };
    const m = JSON.parse(await readFile(path.join(work, "m.json"), "utf8")) as { results: unknown[]; summary: Record<string, number> };
    expect(b.summary).toEqual(m.summary);
    expect(steady(JSON.stringify(b.results))).toBe(steady(JSON.stringify(m.results)));
    expect(b.summary.fail ?? 0).toBeGreaterThan(0);
    expect(b.summary.pass ?? 0).toBeGreaterThan(0);
    expect(b.results.filter((r) => r.waiver !== undefined)).toHaveLength(1);
  });

  it.each(["table", "junit", "sarif", "html", "prometheus"])("scan --format %s: the same output", (format) => {
    const { bundle, modules } = bothWays(["scan", "--root", root, "--waivers", "waivers.yaml", "--format", format, "-v"]);
    expect(bundle.stdout.length).toBeGreaterThan(1000);
    expect(steady(bundle.stdout)).toBe(steady(modules.stdout));
  });

  it.each([
    ["checks", "lint"],
    ["checks", "list"],
    ["checks", "show", "cis-debian-12/7.1.11"],
    ["completion", "bash"],
    ["scan", "--help"],
    ["serve", "--help"],
    ["remediate", "--help"],
    ["scna"],
    ["scan", "--benchmark", "cis-debain-12"],
  ].map((args) => [args.join(" "), args] as const))("%s: the same output and exit code", (_name, args) => {
    const { bundle, modules } = bothWays(args);
    expect(bundle.stdout).toBe(modules.stdout);
  });

  it("remediate (dry run): the same plan", () => {
    const { bundle, modules } = bothWays(["remediate", "--root", root, "--no-profile"]);
    expect(bundle.stdout).toContain("/etc/motd");
    expect(steady(bundle.stdout)).toBe(steady(modules.stdout));
  });
});
