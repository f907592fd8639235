/**
 * Habits of a command-line tool (issue 14): errors from the environment are exit 2 with
 * what to do (never "internal error"), shell completion, colour that follows NO_COLOR /
 * FORCE_COLOR / --color, and one flag spelling (--format json) across commands.
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, ensureCliBuilt, REPO, runCli, type CliResult } from "../../helpers/cli.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { cleanupPackDirs, PACK_META, packDir } from "../../helpers/inline-pack.js";

let work: string;
let busy: Server;
let busyPort: number;
let root: string;
let packs: string;

beforeAll(async () => {
  await ensureCliBuilt();
  work = await mkdtemp(path.join(tmpdir(), "nodeward-habits-"));
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  busyPort = (busy.address() as { port: number }).port;
  root = await fixtureRoot({ "etc/motd": { content: "hi\n", mode: 0o644 } });
  packs = await packDir({
    "pack.yaml": `${PACK_META}checks:\n  - { id: m, title: motd is owner-only, severity: low, audit: { probe: file, params: { path: /etc/motd }, expect: { mode: { mode-at-most: "0600" } } } }\n`,
  });
}, 180_000);

afterAll(async () => {
  busy.close();
  await rm(work, { recursive: true, force: true });
  await cleanupFixtures();
  await cleanupPackDirs();
});

/** The CLI with exactly this environment (runCli always sets NO_COLOR). */
function cliWithEnv(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: REPO, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "", ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const SLOW = 90_000;

describe.concurrent("errors from the environment: exit 2 with what to do", { timeout: SLOW }, () => {
  it("serve on a port that is in use", async () => {
    const config = path.join(work, "busy.yaml");
    await writeFile(config, `scanOnStart: false\npacks: [${packs}]\n`);
    const r = await runCli(["serve", "--config", config, "--state-dir", path.join(work, "state-busy"), "--listen", `127.0.0.1:${busyPort}`]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`nodeward serve: 127.0.0.1:${busyPort} is already in use (another nodeward serve, or another service): stop it, or give --listen HOST:PORT with a free port\n`);
    expect(r.stderr).not.toContain("internal error");
  });

  it("serve with a mistyped pack id in its config: exit 2 naming file:line:column and the closest pack, before it listens", async () => {
    // The packs load in the agent's catalog child (the path `serve` takes), not in the agent.
    const config = path.join(work, "typo.yaml");
    await writeFile(config, "scanOnStart: false\nbenchmarks: [cis-debain-12]\n");
    const r = await runCli(["serve", "--config", config, "--state-dir", path.join(work, "state-typo"), "--listen", "127.0.0.1:0"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`nodeward serve: invalid config:\n  ${config}:2:14: benchmarks: cis-debain-12: no such pack; did you mean "cis-debian-12"?\n`);
  });

  it("serve --once as a user who may not create the state dir", async () => {
    const locked = path.join(work, "locked"); // 0700: nobody cannot enter it
    await mkdir(locked, { mode: 0o700 });
    // The config is readable by anyone; only the state dir's parent is closed.
    await chmod(work, 0o755);
    const config = path.join(work, "once.yaml");
    await writeFile(config, `packs: [${packs}]\nroot: ${root}\n`, { mode: 0o644 });
    const r = await runCli(["serve", "--once", "--config", config, "--state-dir", path.join(locked, "state")], { asUser: "nobody", cwd: "/" });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`nodeward serve: permission denied: ${path.join(locked, "state")} (mkdir): run as root (sudo nodeward serve …), or point the command at a path you may use (--state-dir DIR)\n`);
  });

  it("a checkout that was never built says what to run", async () => {
    const checkout = await mkdtemp(path.join(work, "checkout-"));
    await mkdir(path.join(checkout, "bin"));
    await copyFile(path.join(REPO, "bin/nodeward.js"), path.join(checkout, "bin/nodeward.js"));
    await writeFile(path.join(checkout, "package.json"), '{ "type": "module" }\n');
    const r = await new Promise<CliResult>((resolve) =>
      execFile(process.execPath, [path.join(checkout, "bin/nodeward.js"), "scan"], { encoding: "utf8" }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`nodeward: not built: ${checkout}/dist/cli/main.js is missing. In ${checkout}/ run: npm ci && npm run build\n`);
  });
});

describe.concurrent("completion, colour, one flag spelling", { timeout: SLOW }, () => {
  it("completion bash|zsh|fish prints a script with commands, flags and the bundled packs", async () => {
    const bash = await runCli(["completion", "bash"]);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain("complete -o default -F _nodeward nodeward\n");
    expect(bash.stdout).toMatch(/--benchmark\) COMPREPLY=\(\$\(compgen -W "[^"]*cis-debian-12[^"]*"/);
    const zsh = await runCli(["completion", "zsh"]);
    expect(zsh.stdout.startsWith("#compdef nodeward\n")).toBe(true);
    const fish = await runCli(["completion", "fish"]);
    expect(fish.stdout).toContain('complete -c nodeward -n "__fish_seen_subcommand_from scan" -l status -x -a "pass fail manual skip error"\n');
    const bad = await runCli(["completion", "bsh"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^nodeward completion: completion takes one of bash, zsh, fish \(got "bsh"\); did you mean "bash"/);
  });

  it("colour: NO_COLOR (non-empty) wins over FORCE_COLOR, an empty NO_COLOR does not count, --color decides", async () => {
    const args = ["scan", "--root", root, "--packs", packs];
    const red = "\u001b[31mFAIL";
    expect((await cliWithEnv(args, { FORCE_COLOR: "1" })).stdout).toContain(red);
    expect((await cliWithEnv(args, { FORCE_COLOR: "1", NO_COLOR: "" })).stdout).toContain(red);
    expect((await cliWithEnv(args, { FORCE_COLOR: "1", NO_COLOR: "1" })).stdout).not.toContain("\u001b[");
    expect((await cliWithEnv(args, { FORCE_COLOR: "0" })).stdout).not.toContain("\u001b[");
    expect((await cliWithEnv(args, {})).stdout).not.toContain("\u001b["); // not a terminal
    expect((await cliWithEnv([...args, "--color", "always"], { NO_COLOR: "1" })).stdout).toContain(red);
    expect((await cliWithEnv([...args, "--color", "never"], { FORCE_COLOR: "1" })).stdout).not.toContain("\u001b[");
  });

  it("runs takes --format json like every command; --json still works, marked deprecated", async () => {
    const dir = path.join(work, "runs-state");
    const r = await runCli(["runs", "--state-dir", dir, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    const old = await runCli(["runs", "--state-dir", dir, "--json"]);
    expect(JSON.parse(old.stdout)).toEqual([]);
    expect(old.stderr).toBe("nodeward runs: --json is deprecated; use --format json\n");
  });
});
