/**
 * The default table within its line budget (issue 14: ≤ 200 lines however many checks fail):
 * full detail when it fits, then a row and a one-line fix each, then the largest sections
 * in two lines, then whole packs; -v always shows every result in full.
 */
import { describe, expect, it } from "vitest";
import { countStatuses, type CheckResult, type ScanReport, type Severity, type Status } from "../../../src/engine/result.js";
import { DEFAULT_MAX_LINES, sectionOf, tableReporter } from "../../../src/report/table.js";

function result(pack: string, id: string, status: Status, extra: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    pack,
    benchmark: `${pack} bench`,
    title: `check ${id}`,
    severity: "medium" as Severity,
    references: {},
    status,
    ...(status === "fail" ? { message: `value is 1, expected 0 (${id})`, remediation: `sysctl -w x.${id}=0\nthen persist it` } : {}),
    ...(status === "error" ? { message: `cannot read /proc/sys/x/${id}: permission denied` } : {}),
    evidence: status === "fail" || status === "error" ? [{ file: `/proc/sys/x/${id}` }] : [],
    durationMs: 1,
    ...extra,
  };
}

function report(results: CheckResult[]): ScanReport {
  return {
    tool: { name: "nodeward", version: "0.1.0-test" },
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 120,
    host: { hostname: "node-1", os: "Debian GNU/Linux", osVersion: "12", kernel: "6.1.0", arch: "x64", root: "/", live: false },
    packs: [],
    results,
    summary: countStatuses(results),
    loadErrors: [],
  };
}

const render = (rs: CheckResult[], maxLines?: number) =>
  tableReporter.render(report(rs), { color: false, ...(maxLines !== undefined ? { maxLines } : {}) }).trimEnd().split("\n");

// Section 3.3 fails five times, 5.2 twice, 1.1 once; one error; one pass.
const MIXED = [
  result("deb", "1.1.1", "fail"),
  ...[1, 2, 3, 4, 5].map((n) => result("deb", `3.3.${n}`, "fail", n === 5 ? { severity: "high" } : {})),
  result("deb", "5.2.1", "fail"),
  result("deb", "5.2.2", "fail", { tailoring: { profile: "kubernetes-node", reason: "forwarding stays on" } }),
  result("deb", "6.1.1", "error"),
  result("deb", "7.1.1", "pass"),
];

describe("the default table's line budget", () => {
  it("the sections of an id: the first two numbers of a CIS id, the letters of a KISA or local one", () => {
    expect(["5.3.3.2.1", "1.5.3-fs.suid_dumpable", "3", "U-02.dcredit", "U-45", "NW-K8S-3", "odd"].map(sectionOf)).toEqual([
      "5.3",
      "1.5",
      "3",
      "U",
      "U",
      "NW-K8S",
      "odd",
    ]);
  });

  it("everything in full when it fits (the default budget is 200 lines)", () => {
    expect(DEFAULT_MAX_LINES).toBe(200);
    const lines = render(MIXED);
    expect(lines.slice(0, 4)).toEqual([
      "FAIL    medium    deb   1.1.1  check 1.1.1",
      "        value is 1, expected 0 (1.1.1)",
      "        evidence: /proc/sys/x/1.1.1",
      "        fix: sysctl -w x.1.1.1=0 …",
    ]);
    expect(lines.filter((l) => l.startsWith("        evidence: "))).toHaveLength(9);
    expect(lines.join("\n")).not.toContain("Shortened");
  });

  it("shortened: a row and one line each (the fix; why for an error); tailoring kept; a closing line says how to see all", () => {
    const lines = render(MIXED, 30);
    expect(lines.length).toBeLessThanOrEqual(30);
    expect(lines.slice(0, 2)).toEqual(["FAIL    medium    deb   1.1.1  check 1.1.1", "        fix: sysctl -w x.1.1.1=0 …"]);
    expect(lines).toContain("        tailored by profile kubernetes-node: forwarding stays on");
    const error = lines.indexOf("ERROR   medium    deb   6.1.1  check 6.1.1");
    expect(lines.slice(error, error + 4)).toEqual([
      "ERROR   medium    deb   6.1.1  check 6.1.1",
      "        cannot read /proc/sys/x/6.1.1: permission denied",
      "",
      "Shortened to fit 30 lines. Why and evidence for each: --status fail,error -v; every result: -o json=FILE.",
    ]);
    expect(lines.some((l) => l.includes("evidence:"))).toBe(false);
    expect(lines.at(-3)).toBe("Not shown: 1 pass; -v shows them.");
    expect(lines.at(-1)).toMatch(/^10 checks: 1 pass, 8 fail, 0 manual, 0 skip, 1 error in 0\.12s \(root \/\)$/);
  });

  it("grouped: the section that saves the most lines becomes two lines (worst status and severity, counts, titles, ids)", () => {
    const lines = render(MIXED, 18);
    expect(lines.length).toBeLessThanOrEqual(18);
    expect(lines.slice(0, 9)).toEqual([
      "FAIL    medium    deb   1.1.1  check 1.1.1",
      "        fix: sysctl -w x.1.1.1=0 …",
      "FAIL    high      deb   3.3.*  5 fail: check 3.3.1; check 3.3.2; check 3.3.3; check 3.3.4; check 3.3.5",
      "        3.3.1, 3.3.2, 3.3.3, 3.3.4, 3.3.5",
      "FAIL    medium    deb   5.2.1  check 5.2.1",
      "        fix: sysctl -w x.5.2.1=0 …",
      "FAIL    medium    deb   5.2.2  check 5.2.2",
      "        fix: sysctl -w x.5.2.2=0 …",
      "        tailored by profile kubernetes-node: forwarding stays on",
    ]);
    expect(lines).toContain(
      "5 of 9 failures and errors are grouped by section to fit 18 lines. Each with why, evidence and fix: --status fail,error -v; every result: -o json=FILE.",
    );
  });

  it("when sections are not enough, whole packs; a group notes its tailored and waived results", () => {
    const rs = [
      ...MIXED,
      ...["2.1", "2.2", "2.3"].map((id) => result("kube", id, "error", { waiver: { reason: "accepted", expires: "2099-01-01" } } as Partial<CheckResult>)),
    ];
    const lines = render(rs, 12);
    expect(lines.slice(0, 4)).toEqual([
      "FAIL    high      deb   *      8 fail, 1 error: check 1.1.1; check 3.3.1; check 3.3.2; check 3.3.3; check 3.3.4; check 3.3.5; check 5.2.1; check 5.2.2; check 6.1.1",
      "        1.1.1, 3.3.1, 3.3.2, 3.3.3, 3.3.4, 3.3.5, 5.2.1, 5.2.2, 6.1.1 (1 tailored by a profile)",
      "ERROR   medium    kube  *      3 error: check 2.1; check 2.2; check 2.3",
      "        2.1, 2.2, 2.3 (3 waived)",
    ]);
    expect(lines[5]).toMatch(/^12 of 12 failures and errors are grouped by pack to fit 12 lines\. /);
    expect(lines.length).toBeLessThanOrEqual(12);
  });

  it("-v ignores the budget: every result with its evidence", () => {
    const text = tableReporter.render(report(MIXED), { verbose: true, maxLines: 10 });
    expect(text.match(/^ {8}evidence: /gm)).toHaveLength(9);
    expect(text).toContain("PASS    medium    deb   7.1.1  check 7.1.1\n");
    expect(text).not.toContain("Shortened");
    expect(text).not.toContain("grouped by");
  });
});
