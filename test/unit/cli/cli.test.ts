/**
 * The built CLI as a user runs it: a subprocess of `node dist/cli/main.js`, with exit
 * codes, stdout and stderr checked. beforeAll compiles dist/ when src is newer.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/engine/result.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { ensureCliBuilt, runCli } from "../../helpers/cli.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { cleanupPackDirs, PACK_META, packDir } from "../../helpers/inline-pack.js";

const GOOD_PACK = `${PACK_META}checks:
  - id: crit-ok
    title: shadow is not world-readable
    severity: critical
    audit: { probe: file, params: { path: /etc/shadow }, expect: { mode: { mode-at-most: "0640" } } }
  - id: med-fail
    title: motd is owner-only
    severity: medium
    audit: { probe: file, params: { path: /etc/motd }, expect: { mode: { mode-at-most: "0600" } } }
`;

const BROKEN_CHECKS = `pack: { id: broken, title: Broken, benchmark: Broken v1, version: "1" }
checks:
  - id: fine
    title: Fine
    severity: low
    manual: true
  - id: bad
    title: Bad
    severity: low
    audit: { probe: nope, expect: { exists: true } }
`;

let root: string;
let good: string;
let broken: string;

beforeAll(async () => {
  await ensureCliBuilt();
  root = await fixtureRoot({
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "etc/shadow": { content: "root:*:1::::::\n", mode: 0o640 },
    "etc/motd": { content: "hello\n", mode: 0o644 },
    "etc/hostname": "node-1\n",
  });
  good = await packDir({ "pack.yaml": GOOD_PACK });
  broken = await packDir({ "pack.yaml": BROKEN_CHECKS });
}, 180_000);

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
});

// Each test spawns a few node processes; on a busy machine one can take seconds.
const SLOW = 60_000;

const scanJson = (...extra: string[]) => runCli(["scan", "--root", root, "--packs", good, "--format", "json", ...extra]);

describe.concurrent("help and usage errors", { timeout: SLOW }, () => {
  it("--help prints the commands and exits 0; no command at all exits 2", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^nodeward \d+\.\d+\.\d+ — /);
    for (const cmd of ["scan", "checks"]) expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, "m"));
    expect(r.stdout).toContain("Exit codes: 0 ok, 1 checks failed, 2 usage or pack error, 3 internal error.");
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe(r.stdout);
  });

  it("scan --help mentions every flag", async () => {
    const r = await runCli(["scan", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const flag of [
      "--benchmark ID",
      "--check ID",
      "--severity LEVEL",
      "--level N",
      "--packs PATH",
      "--root DIR",
      "--proc DIR",
      "--format FORMAT",
      "-o, --output [FORMAT=]FILE",
      "--status LIST",
      "--waivers FILE",
      "--fail-on LEVEL",
      "-v, --verbose",
      "--color WHEN",
      "-q, --quiet",
    ]) {
      expect(r.stdout, flag).toContain(`  ${flag} `);
    }
    expect((await runCli(["scan", "-h"])).stdout).toBe(r.stdout);
  });

  it("checks --help mentions every subcommand and flag", async () => {
    const r = await runCli(["checks", "--help"]);
    expect(r.code).toBe(0);
    for (const s of ["checks lint [PATH…]", "checks list [options]", "checks show ID…", "--benchmark ID", "--format table|json", "--format text|json", "--packs PATH", "--profile ID|FILE", "--var NAME=VALUE"]) {
      expect(r.stdout, s).toContain(s);
    }
    expect((await runCli(["checks", "show", "--help"])).stdout).toBe(r.stdout);
  });

  it("an unknown command exits 2 and says so", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^nodeward: unknown command "frobnicate"\n\nnodeward /);
  });

  it.each<[string[], string]>([
    [["scan", "--bogus"], `nodeward scan: Unknown option '--bogus'`],
    [["scan", "extra-arg"], `nodeward scan: Unexpected argument 'extra-arg'.`],
    [["scan", "--fail-on", "extreme"], `nodeward scan: --fail-on must be one of info, low, medium, high, critical (got "extreme")`],
    [["scan", "--severity", "severe"], `nodeward scan: --severity must be one of info, low, medium, high, critical (got "severe")`],
    [["scan", "--level", "0"], `nodeward scan: --level must be a positive integer (got "0")`],
    [["scan", "--format", "yaml"], `nodeward scan: --format must be one of `],
    [["scan", "--root", "/nonexistent/root"], `nodeward scan: --root /nonexistent/root: ENOENT`],
    [["checks", "frob"], `nodeward checks: unknown subcommand "checks frob" (use lint, list or show)`],
    [["checks", "list", "--bogus"], `nodeward checks: Unknown option '--bogus'`],
    [["checks", "list", "--format", "xml"], `nodeward checks: --format must be table or json`],
    [["checks", "show", "4.2.1", "--format", "xml"], `nodeward checks: --format must be text or json`],
    [["checks", "show"], `nodeward checks: checks show needs a check id, e.g. nodeward checks show 4.2.1`],
  ])("%j exits 2 with a usage message", async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.startsWith(message), r.stderr).toBe(true);
    expect(r.stderr).toContain(`Run "nodeward ${args[0]} --help" for usage.`);
  });
});

describe("output to a reader that goes away", { timeout: SLOW }, () => {
  it("scan | head -1 prints one line and no stack trace (EPIPE is not an error)", async () => {
    const { execFileSync } = await import("node:child_process");
    const { readFile: rf } = await import("node:fs/promises");
    const { CLI } = await import("../../helpers/cli.js");
    const err = path.join(await fixtureRoot({}), "stderr");
    const out = execFileSync("bash", ["-c", `node ${CLI} scan --format json 2>${err} | head -c 2`], { encoding: "utf8" });
    expect(out).toBe("{\n");
    expect(await rf(err, "utf8")).toBe("");
  });
});

describe.concurrent("scan", { timeout: SLOW }, () => {
  it("--format json on a fixture root: exit 1 when a check fails; the report is complete", async () => {
    const r = await scanJson();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.tool.name).toBe("nodeward");
    expect(report.host).toMatchObject({ root, live: false, hostname: "node-1" });
    expect(report.packs).toEqual([{ id: "t", title: "Test pack", benchmark: "Test Benchmark v1", version: "1", checks: 2 }]);
    expect(report.summary).toEqual({ pass: 1, fail: 1, manual: 0, skip: 0, error: 0 });
    expect(report.loadErrors).toEqual([]);
    expect(report.results.map((x) => [x.id, x.severity, x.status, x.message])).toEqual([
      ["crit-ok", "critical", "pass", undefined],
      ["med-fail", "medium", "fail", "mode is 0644, expected 0600 or more restrictive"],
    ]);
    expect(report.results[1]?.evidence).toEqual([{ file: "/etc/motd" }]);
  });

  it("--fail-on: exit 0 when only checks below the level fail, 1 at or above it", async () => {
    expect((await scanJson("--fail-on", "critical")).code).toBe(0);
    expect((await scanJson("--fail-on", "high")).code).toBe(0);
    expect((await scanJson("--fail-on", "medium")).code).toBe(1);
  });

  it("--severity and --check select checks", async () => {
    const bySeverity = JSON.parse((await scanJson("--severity", "high")).stdout) as ScanReport;
    expect(bySeverity.results.map((x) => x.id)).toEqual(["crit-ok"]);
    const byCheck = await scanJson("--check", "t/med-fail");
    expect((JSON.parse(byCheck.stdout) as ScanReport).results.map((x) => x.id)).toEqual(["med-fail"]);
    expect(byCheck.code).toBe(1);
  });

  it("an error result counts as failing, never as passing", async () => {
    const pack = await packDir({
      "pack.yaml": `${PACK_META}checks:\n  - { id: loop, title: L, severity: high, audit: { probe: file, params: { path: /etc/loop }, expect: { exists: false } } }\n`,
    });
    const loopRoot = await fixtureRoot({ "etc/loop": { symlink: "loop" } });
    const r = await runCli(["scan", "--root", loopRoot, "--packs", pack, "--format", "json"]);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.summary).toEqual({ pass: 0, fail: 0, manual: 0, skip: 0, error: 1 });
    expect(r.code).toBe(1);
  });

  it("the table format: the failure with its reason first, what passed only counted, a summary", async () => {
    const r = await runCli(["scan", "--root", root, "--packs", good]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 2)).toEqual([
      "FAIL    medium    t     med-fail  motd is owner-only",
      "        mode is 0644, expected 0600 or more restrictive",
    ]);
    expect(r.stdout).toContain("\nNot shown: 1 pass; -v shows them.\n");
    expect(r.stdout).toMatch(new RegExp(`\\n2 checks: 1 pass, 1 fail, 0 manual, 0 skip, 0 error in \\d+\\.\\d\\ds \\(root ${root}\\)\\n$`));
  });

  it("--output FILE writes the report there (atomically), not to stdout", async () => {
    const outDir = await packDir({});
    const file = path.join(outDir, "report.json");
    const r = await scanJson("--output", file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`nodeward: wrote json report to ${file}\n`);
    const report = JSON.parse(await readFile(file, "utf8")) as ScanReport;
    expect(report.summary).toEqual({ pass: 1, fail: 1, manual: 0, skip: 0, error: 0 });
    expect(await readdir(outDir)).toEqual(["report.json"]);
    const quiet = await scanJson("-o", path.join(outDir, "q.json"), "-q");
    expect(quiet.stderr).toBe("");
  });

  it("--output into a directory that does not exist is a usage error (exit 2) naming the path", async () => {
    const outDir = await packDir({});
    const file = path.join(outDir, "missing", "report.json");
    const r = await scanJson("--output", file);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`nodeward scan: --output ${file}: ENOENT: no such file or directory`);
  });

  it("pack errors beside a valid pack: results still printed, the errors carried, exit 2", async () => {
    const r = await runCli(["scan", "--root", root, "--packs", good, "--packs", broken, "--format", "json", "--fail-on", "critical"]);
    expect(r.code).toBe(2);
    const error = `${path.join(broken, "pack.yaml")}:10:21: [bad] unknown probe "nope"`;
    expect(r.stderr).toBe(`nodeward: pack error: ${error}\n`);
    const report = JSON.parse(r.stdout) as ScanReport;
    expect(report.loadErrors).toEqual([error]);
    expect(report.results.map((x) => [x.pack, x.id, x.status])).toEqual([
      ["t", "crit-ok", "pass"],
      ["t", "med-fail", "fail"],
      ["broken", "fine", "manual"],
    ]);
  });
});

describe.concurrent("checks", { timeout: SLOW }, () => {
  it("lint on a broken pack dir: exit 2, each error as file:line:col: [id] message", async () => {
    const r = await runCli(["checks", "lint", broken]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`${path.join(broken, "pack.yaml")}:10:21: [bad] unknown probe "nope"\n`);
    expect(r.stderr).toBe("nodeward: 1 error(s) in 1 file(s); 1 valid check(s) in 1 pack(s)\n");
  });

  it("lint on benchmarks/ (given, and by default): exit 0", async () => {
    const given = await runCli(["checks", "lint", "benchmarks"]);
    expect(given.stdout).toBe("");
    expect(given.stderr).toMatch(/^nodeward: ok: \d+ pack\(s\), \d+ check\(s\), 1 profile\(s\)\n$/);
    expect(given.code).toBe(0);
    const byDefault = await runCli(["checks", "lint"], { cwd: "/" });
    expect(byDefault.code).toBe(0);
    expect(byDefault.stderr).toBe(given.stderr);
  });

  it("lint on a dir without packs is an error, not ok", async () => {
    const empty = await packDir({ "notes.txt": "x\n" });
    const r = await runCli(["checks", "lint", empty]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`${empty}:1:1: no pack files (*.yaml) here or in its subdirectories\n`);
  });

  it("lint checks the profiles beside the packs against them", async () => {
    const dir = await packDir({
      "t/pack.yaml": GOOD_PACK,
      "profiles/ok.yaml": "profile: { id: ok, title: OK }\ntailor:\n  - check: t/crit-ok\n    reason: r\n    exclude: true\n",
      "profiles/typo.yaml": "profile: { id: typo, title: Typo }\ntailor:\n  - check: [t/crit-ok, t/crit-okk]\n    reason: r\n    exclude: true\n",
    });
    const r = await runCli(["checks", "lint", dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`${dir}/profiles/typo.yaml:3:24: profile typo tailors "t/crit-okk", which is not a check of the selected packs\n`);
    expect(r.stderr).toBe("nodeward: 1 error(s) in 1 file(s); 2 valid check(s) in 1 pack(s)\n");
  });

  it("list --format json: every check with its pack, severity and probe", async () => {
    const r = await runCli(["checks", "list", "--format", "json", "--packs", good]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(list.map((c) => [c.key, c.severity, c.automated, c.probe, c.expected])).toEqual([
      ["t/crit-ok", "critical", true, "file", "mode 0640 or more restrictive"],
      ["t/med-fail", "medium", true, "file", "mode 0600 or more restrictive"],
    ]);
    const bundled = JSON.parse((await runCli(["checks", "list", "--format", "json"])).stdout) as Array<Record<string, unknown>>;
    expect(bundled.find((c) => c.key === "cis-kubernetes-node/4.2.1")).toMatchObject({ severity: "critical", probe: "kubelet", expected: "value = false" });
  });

  it("list and show --profile: the profile's tailoring with its reason, and its fix in place of the pack's", async () => {
    const r = await runCli(["checks", "list", "--format", "json", "--profile", "kubernetes-node", "--benchmark", "cis-debian-12"]);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ key: string; expected?: string; tailoring?: { exclude: boolean; reason: string }; fix?: unknown }>;
    const byKey = new Map(list.map((c) => [c.key, c]));
    expect(byKey.get("cis-debian-12/3.3.1")).toMatchObject({
      expected: "runtime = 1, persisted = 1 or not set",
      tailoring: { profile: "kubernetes-node", exclude: false },
      fix: { action: "sysctl-set", params: { key: "net.ipv4.ip_forward", value: 1 } },
    });
    expect(byKey.get("cis-debian-12/1.1.1.6")?.tailoring).toMatchObject({ exclude: true });
    expect(byKey.get("cis-debian-12/7.1.1")?.tailoring).toBeUndefined();
    const show = await runCli(["checks", "show", "cis-debian-12/1.1.1.6", "--profile", "kubernetes-node"]);
    expect(show.stdout).toContain("  tailored:    excluded by profile kubernetes-node: containerd's and CRI-O's overlayfs snapshotter");
    const missing = await runCli(["checks", "list", "--profile", "no-such-profile"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^nodeward checks: unknown profile "no-such-profile" \(profiles: [^)]*kubernetes-node/);
  });

  it("list with a broken pack: prints the valid checks, reports the error, exits 2", async () => {
    const r = await runCli(["checks", "list", "--format", "json", "--packs", broken]);
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as Array<{ id: string }>).map((c) => c.id)).toEqual(["fine"]);
    expect(r.stderr).toContain('[bad] unknown probe "nope"');
  });

  it("show 4.2.1: the bundled check, as text and as JSON", async () => {
    const r = await runCli(["checks", "show", "4.2.1"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    // Every pack's 4.2.1 is shown (the Linux packs' section 4 has one too), the Kubernetes one among them.
    expect(lines).toContain("cis-kubernetes-node/4.2.1: Ensure that the --anonymous-auth argument is set to false");
    expect(lines).toContain("  severity:    critical, level 1, automated");
    expect(lines).toContain("  expects:     value = false");
    expect(r.stdout).toContain(`  defined at:  ${path.join(DEFAULT_BENCHMARKS_DIR, "cis-kubernetes-node", "4.2-kubelet.yaml")}:`);
    const json = JSON.parse((await runCli(["checks", "show", "cis-kubernetes-node/4.2.1", "--format", "json"])).stdout) as Array<Record<string, unknown>>;
    expect(json.map((c) => [c.key, c.probe])).toEqual([["cis-kubernetes-node/4.2.1", "kubelet"]]);
  });

  it("show of an unknown id exits 2; a pack error behind it is shown", async () => {
    const r = await runCli(["checks", "show", "bad", "--packs", broken]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `nodeward: pack error: ${path.join(broken, "pack.yaml")}:10:21: [bad] unknown probe "nope"\nnodeward: no check with id bad\n`,
    );
  });
});
