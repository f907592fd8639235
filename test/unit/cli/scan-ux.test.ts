/**
 * The CLI as a new user meets it (issue 14): typos are usage errors with the closest
 * names, the default table leads with what fails, --status filters every format, one
 * scan writes several reports, waivers from a file, and a full scan of this host gives
 * SARIF and JUnit that the schemas accept.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../../src/engine/result.js";
import { ensureCliBuilt, REPO, runCli } from "../../helpers/cli.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { cleanupPackDirs, packDir } from "../../helpers/inline-pack.js";
import { junitSchemaErrors } from "../../helpers/junit-xsd.js";
import { sarifValidator } from "../../helpers/sarif-schema.js";

// Two packs: one for this fixture's system, one whose every check is for another OS.
const DEB_PACK = `pack: { id: deb, title: Debian things, benchmark: Debian Bench v1, version: "1" }
vars:
  max-mode: "0600"
checks:
  - id: "1.1"
    title: shadow is not world-readable
    severity: critical
    audit: { probe: file, params: { path: /etc/shadow }, expect: { mode: { mode-at-most: "0640" } } }
  - id: "1.2"
    title: motd is owner-only
    severity: medium
    audit: { probe: file, params: { path: /etc/motd }, expect: { mode: { mode-at-most: { $var: max-mode } } } }
    remediation: |
      chmod 0600 /etc/motd
      (and check the image build that wrote it)
  - id: "1.3"
    title: issue file is reviewed
    severity: low
    manual: true
`;
const RHEL_PACK = `pack: { id: rhel, title: RHEL things, benchmark: RHEL Bench v1, version: "1" }
defaults:
  applies:
    - probe: os-release
      expect: { family: rhel }
      reason: not a RHEL-family system (this pack is for RHEL)
checks:
  - { id: "9.1", title: a, severity: low, audit: { probe: file, params: { path: /etc/a }, expect: { exists: true } } }
  - { id: "9.2", title: b, severity: low, audit: { probe: file, params: { path: /etc/b }, expect: { exists: true } } }
`;

let root: string;
let packs: string;
let out: string;

beforeAll(async () => {
  await ensureCliBuilt();
  root = await fixtureRoot({
    "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    "etc/shadow": { content: "root:*:1::::::\n", mode: 0o640 },
    "etc/motd": { content: "hello\n", mode: 0o644 },
    "etc/hostname": "node-1\n",
    "etc/os-release": 'ID=debian\nVERSION_ID="12"\nNAME="Debian GNU/Linux"\n',
  });
  packs = await packDir({ "deb/pack.yaml": DEB_PACK, "rhel/pack.yaml": RHEL_PACK });
  out = await mkdtemp(path.join(tmpdir(), "nodeward-scan-ux-"));
}, 180_000);

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await rm(out, { recursive: true, force: true });
});

const SLOW = 90_000;
const scan = (...args: string[]) => runCli(["scan", "--root", root, "--packs", packs, ...args]);

describe.concurrent("typos are usage errors (exit 2) with the closest names", { timeout: SLOW }, () => {
  it.each([
    [["--benchmark", "dbe"], `nodeward scan: --benchmark dbe: no such pack; did you mean "deb"?`],
    [["--check", "1.22"], `nodeward scan: --check 1.22: no such check; did you mean "1.2"`],
    [["--var", "max-mod=0640"], `nodeward scan: --var max-mod: no loaded pack defines a var "max-mod"; did you mean "max-mode"?`],
    [["--profile", "kubernetes-nod"], `nodeward scan: unknown profile "kubernetes-nod"; did you mean "kubernetes-node"?`],
    [["--status", "fial"], `nodeward scan: --status takes pass, fail, manual, skip, error (got "fial"); did you mean "fail"?`],
    [["--format", "jsno"], `nodeward scan: --format must be one of table, json, junit, sarif, html, prometheus (got "jsno"); did you mean "json"?`],
    [["-o", "sarf=x.sarif"], `nodeward scan: -o sarf=x.sarif: the format must be one of table, json, junit, sarif, html, prometheus (got "sarf"); did you mean "sarif"?`],
    [["--benchmark", "rhel", "--severity", "high"], "nodeward scan: no check matches --benchmark rhel --severity high"],
  ])("scan %j", async (args, message) => {
    const r = await scan(...args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.startsWith(message), r.stderr).toBe(true);
  });

  it("remediate and checks list/show refuse unknown packs and checks too", async () => {
    const rem = await runCli(["remediate", "--root", root, "--packs", packs, "--benchmark", "nope"]);
    expect(rem.code).toBe(2);
    expect(rem.stderr).toMatch(/^nodeward remediate: --benchmark nope: no such pack \(packs: deb, rhel\)\n/);
    const list = await runCli(["checks", "list", "--packs", packs, "--benchmark", "rhe"]);
    expect(list.code).toBe(2);
    expect(list.stderr).toMatch(/^nodeward checks: --benchmark rhe: no such pack; did you mean "rhel"\?\n/);
    const show = await runCli(["checks", "show", "--packs", packs, "deb/1.22"]);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/^nodeward: no check with id deb\/1\.22; did you mean "deb\/1\.2"/);
    const cmd = await runCli(["scna"]);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/^nodeward: unknown command "scna"; did you mean "scan"\?\n/);
  });
});

describe.concurrent("the default table", { timeout: SLOW }, () => {
  it("leads with failures (why, remediation), then one line per pack that does not apply, then what -v would add", async () => {
    const r = await scan();
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 8)).toEqual([
      "FAIL    medium    deb   1.2   motd is owner-only",
      "        mode is 0644, expected 0600 or more restrictive",
      "        evidence: /etc/motd",
      "        fix: chmod 0600 /etc/motd …",
      "",
      "Not applicable to this system:",
      "  rhel: not a RHEL-family system, 2 checks not run",
      "",
    ]);
    expect(lines[8]).toBe("Not shown: 1 manual, 1 pass; -v shows them.");
    expect(lines.at(-2)).toMatch(/^5 checks: 1 pass, 1 fail, 1 manual, 2 skip, 0 error in \d+\.\d\ds \(root /);
  });

  it("-v adds every other result grouped by pack", async () => {
    const r = await scan("-v");
    expect(r.stdout).toContain("\nDebian Bench v1 (deb)\nMANUAL  low       deb   1.3   issue file is reviewed\n");
    expect(r.stdout).toContain("\nPASS    critical  deb   1.1   shadow is not world-readable\n");
    expect(r.stdout).not.toContain("Not shown:");
  });

  // Issue 14: the default table of a full scan with every bundled pack is at most 200 lines,
  // however much fails; -v still shows every failure and error with its evidence.
  const fitsAndLeads = (stdout: string) => {
    const lines = stdout.trimEnd().split("\n");
    expect(lines.length, stdout).toBeLessThanOrEqual(200);
    const firstOther = lines.findIndex((l) => !/^(FAIL|ERROR) |^ {8}/.test(l));
    expect(firstOther).toBeGreaterThan(0);
    expect(lines.slice(firstOther).some((l) => /^(FAIL|ERROR) /.test(l))).toBe(false);
    // Packs for other systems are one line each, never a row per check.
    expect(stdout).not.toMatch(/^SKIP /m);
    return lines;
  };
  const everyActionInVerbose = (verbose: string, json: string) => {
    const report = JSON.parse(json) as ScanReport;
    const action = report.results.filter((x) => x.status === "fail" || x.status === "error");
    const rows = verbose.split("\n").filter((l) => /^(FAIL|ERROR) /.test(l));
    expect(rows).toHaveLength(action.length);
    for (const x of action) expect(rows.some((l) => l.includes(` ${x.pack} `) && l.includes(` ${x.id} `)), `${x.pack}/${x.id}`).toBe(true);
    return action.length;
  };

  it("a full scan of this host with every bundled pack: at most 200 lines, failures first; -v shows each", async () => {
    const [r, v, j] = await Promise.all([
      runCli(["scan", "--color", "never"], { timeoutMs: 120_000 }),
      runCli(["scan", "--color", "never", "-v", "--status", "fail,error"], { timeoutMs: 120_000 }),
      runCli(["scan", "--format", "json", "--status", "fail,error"], { timeoutMs: 120_000 }),
    ]);
    expect([0, 1]).toContain(r.code);
    fitsAndLeads(r.stdout);
    everyActionInVerbose(v.stdout, j.stdout);
  }, 150_000);

  it("an unhardened root (os-release and passwd only) with every bundled pack: grouped to fit 200 lines, with the way to see all", async () => {
    const bare = await fixtureRoot({
      "etc/os-release": 'ID=debian\nVERSION_ID="12"\nNAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
      "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
    });
    const args = ["scan", "--root", bare, "--color", "never"];
    const [r, v, j] = await Promise.all([
      runCli(args, { timeoutMs: 120_000 }),
      runCli([...args, "-v", "--status", "fail,error"], { timeoutMs: 120_000 }),
      runCli([...args, "--format", "json", "--status", "fail,error"], { timeoutMs: 120_000 }),
    ]);
    expect(r.code).toBe(1);
    const lines = fitsAndLeads(r.stdout);
    const action = everyActionInVerbose(v.stdout, j.stdout);
    // Far more failures and errors than 200 lines hold one per line: some sections are grouped.
    expect(action).toBeGreaterThan(100);
    expect(r.stdout).toMatch(/^(FAIL|ERROR) +\w+ +cis-debian-12 +\d+\.\d+\.\* +\d+ (fail|error)/m);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^\\d+ of ${action} failures and errors are grouped by section to fit 200 lines\\. Each with why, evidence and fix: --status fail,error -v; every result: -o json=FILE\\.$`)),
    );
  }, 150_000);
});

describe.concurrent("--status, several outputs, waivers", { timeout: SLOW }, () => {
  it("--status fail,error filters JSON results (summary of what is shown), and the exit code still counts all", async () => {
    const r = await scan("--format", "json", "--status", "fail,error");
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as ScanReport & { schemaVersion: number };
    expect(report.schemaVersion).toBe(1);
    expect(report.results.map((x) => `${x.pack}/${x.id}:${x.status}`)).toEqual(["deb/1.2:fail"]);
    expect(report.summary).toEqual({ pass: 0, fail: 1, manual: 0, skip: 0, error: 0 });
    const passOnly = await scan("--status", "pass");
    expect(passOnly.code).toBe(1);
  });

  it("one scan writes json, sarif and junit; stdout stays empty", async () => {
    const dir = await mkdtemp(path.join(out, "multi-"));
    const [j, s, x] = ["r.json", "r.sarif", "r.xml"].map((f) => path.join(dir, f)) as [string, string, string];
    const r = await scan("-o", `json=${j}`, "-o", `sarif=${s}`, "-o", `junit=${x}`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`nodeward: wrote json report to ${j}\nnodeward: wrote sarif report to ${s}\nnodeward: wrote junit report to ${x}\n`);
    const report = JSON.parse(await readFile(j, "utf8")) as ScanReport;
    const sarif = JSON.parse(await readFile(s, "utf8")) as { runs: { invocations: { startTimeUtc: string }[]; results: unknown[] }[] };
    expect(sarif.runs[0]!.invocations[0]!.startTimeUtc).toBe(report.startedAt); // one scan, not three
    expect(sarif.runs[0]!.results).toHaveLength(report.results.length);
    expect(await readFile(x, "utf8")).toContain('<testsuite name="deb" tests="3" failures="1" errors="0" skipped="1"');
  });

  it("-o FILE takes --format; two bare -o are ambiguous", async () => {
    const file = path.join(out, "bare.json");
    const r = await scan("--format", "json", "-o", file, "-q");
    expect(r.code).toBe(1);
    expect((JSON.parse(await readFile(file, "utf8")) as ScanReport).results).toHaveLength(5);
    const two = await scan("-o", "a", "-o", "b");
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/^nodeward scan: several -o FILE need a format each/);
  });

  it("--waivers: the waived failure keeps its status, carries the reason, and no longer fails the run", async () => {
    const file = path.join(out, "waivers.yaml");
    await writeFile(file, 'waivers:\n  - { check: deb/1.2, reason: "motd is public by policy", expires: "2999-12-31" }\n');
    const r = await scan("--waivers", file, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    const res = (JSON.parse(r.stdout) as { results: { id: string; status: string; waiver?: unknown }[] }).results.find((x) => x.id === "1.2");
    expect(res).toMatchObject({ status: "fail", waiver: { reason: "motd is public by policy", expires: "2999-12-31" } });
    const table = await scan("--waivers", file);
    expect(table.stdout).toContain("        waived until 2999-12-31: motd is public by policy\n");
    const expired = path.join(out, "expired.yaml");
    await writeFile(expired, '- { check: "1.2", reason: old, expires: "2000-01-01" }\n');
    const e = await scan("--waivers", expired, "-q", "--format", "json");
    expect(e.code).toBe(1);
    expect(e.stderr).toBe("nodeward: waiver for 1.2 expired on 2000-01-01; it no longer applies\n");
    const typo = path.join(out, "typo.yaml");
    await writeFile(typo, '- { check: deb/1.22, reason: x, expires: "2999-01-01" }\n');
    const t = await scan("--waivers", typo);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(new RegExp(`^nodeward scan: --waivers ${typo}: waiver for "deb/1.22": no such check; did you mean "deb/1.2"`));
  });

  it("--waivers: an alias bomb, a 100,000-deep flow sequence and /dev/zero are refused (exit 2) naming the cap, as the agent's config is", async () => {
    const bomb = path.join(out, "bomb.yaml");
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) lines.push(`b${i}: &b${i} [${Array(9).fill(i === 1 ? "*a" : `*b${i - 1}`).join(", ")}]`);
    await writeFile(bomb, lines.join("\n") + "\n");
    const b = await scan("--waivers", bomb);
    expect([b.code, b.stderr.split("\n")[0]]).toEqual([2, `nodeward scan: --waivers ${bomb}: line 1, column 1: YAML: Excessive alias count indicates a resource exhaustion attack`]);
    const deep = path.join(out, "deep.yaml");
    await writeFile(deep, "[".repeat(100_000) + "]".repeat(100_000) + "\n");
    const d = await scan("--waivers", deep);
    expect([d.code, d.stderr.split("\n")[0]]).toEqual([2, `nodeward scan: --waivers ${deep}: line 1, column 1: YAML: line 1: nesting deeper than 64 levels (the nesting cap for YAML/JSON documents)`]);
    // Read up to the same size cap, never past it (it was read until memory ran out).
    const z = await scan("--waivers", "/dev/zero");
    expect([z.code, z.stderr.split("\n")[0]]).toEqual([2, "nodeward scan: --waivers /dev/zero: /dev/zero is over the 8388608-byte read limit"]);
  });
});

describe("a full scan with every bundled pack", () => {
  const formatsValidate = async (extra: readonly string[]) => {
    const dir = await mkdtemp(path.join(out, "full-"));
    const s = path.join(dir, "r.sarif");
    const x = path.join(dir, "r.xml");
    const r = await runCli(["scan", "-q", ...extra, "-o", `sarif=${s}`, "-o", `junit=${x}`], { timeoutMs: 120_000 });
    expect([0, 1], r.stderr).toContain(r.code);
    const log = JSON.parse(await readFile(s, "utf8")) as { runs: { results: { ruleId: string; properties: { status: string }; locations?: unknown[] }[] }[] };
    const validate = sarifValidator();
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(log.runs[0]!.results.length).toBeGreaterThan(500);
    expect(log.runs[0]!.results.filter((res) => !res.locations?.length).map((res) => res.ruleId)).toEqual([]);
    expect(await junitSchemaErrors(await readFile(x, "utf8"))).toEqual([]);
    return log.runs[0]!.results;
  };

  it("of this host gives SARIF that the 2.1.0 schema accepts with a location on every result, and JUnit valid against junit-10.xsd", async () => {
    await formatsValidate([]);
  }, 150_000);

  it("of an unhardened root (many errors without file evidence) too", async () => {
    const bare = await fixtureRoot({ "etc/os-release": 'ID=debian\nVERSION_ID="12"\n', "etc/passwd": "root:x:0:0:root:/root:/bin/bash\n" });
    const results = await formatsValidate(["--root", bare]);
    // Errors are there to be located: "cannot determine installed: no dpkg or rpm database".
    expect(results.filter((res) => res.properties.status === "error").length).toBeGreaterThan(20);
  }, 150_000);
});

describe("the scan unit", () => {
  it("runs one scan for both of its reports (json, and the node_exporter textfile when its directory exists)", async () => {
    const unit = await readFile(path.join(REPO, "systemd/nodeward-scan.service"), "utf8");
    const execs = unit.split("\n").filter((l) => l.startsWith("ExecStart="));
    expect(execs).toHaveLength(1);
    expect(execs[0]).toContain("-o json=/var/lib/nodeward/scan/report.json");
    // The textfile is written in the unit's own state directory (ExecStartPost= places it in
    // $NODEWARD_TEXTFILE_DIR), and only when that directory exists.
    expect(execs[0]).toContain('if [ -d "$$NODEWARD_TEXTFILE_DIR" ]; then set -- "$$@" -o prometheus=/var/lib/nodeward/scan/nodeward.prom; fi');
    expect(execs[0]!.match(/nodeward scan/g)).toHaveLength(1);
  });
});
