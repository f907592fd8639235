/**
 * The drift controller keeps a plan for as long as the agent runs; a plan arrives as JSON
 * (one string per occurrence of a fact key or a path), so the controller keeps one copy of
 * each repeated string (V8's string table). What it keeps must be the same plan.
 */
import { describe, expect, it } from "vitest";
import { compactPlan, intern } from "../../../src/agent/drift.js";
import type { DriftPlan } from "../../../src/engine/drift-plan.js";

const plan = (): DriftPlan => ({
  observedAt: 1,
  facts: {
    'file:{"path":"/etc/passwd"}': { probe: "file", paths: ["/etc/passwd"], dirs: [], globs: [], polls: [], unwatched: [], costMs: 1, metaOnly: ["/etc/passwd"] },
    'file-tree:{"root":"/var/log"}': { probe: "file-tree", paths: ["/var/log/syslog", "/etc/passwd"], dirs: ["/var/log"], globs: [{ dir: "/etc/sysctl.d", match: "*.conf" }], polls: ["proc:sys/kernel/randomize_va_space"], unwatched: ["why"], costMs: 2 },
  },
  checks: { "p/1": ['file:{"path":"/etc/passwd"}'], "p/2": ['file:{"path":"/etc/passwd"}', 'file-tree:{"root":"/var/log"}'] },
  baseline: { "f:/etc/passwd": "f:1:2:644:0:0:10:1:1", "m:/etc/passwd": "f:644:0:0:1" },
  polls: { "proc:sys/kernel/randomize_va_space": { spec: { kind: "proc", paths: ["sys/kernel/randomize_va_space"] }, fingerprint: "sys/kernel/randomize_va_space=2" } },
});

describe("the plan the controller keeps", () => {
  it("is the plan it was given, string for string, after its repeated strings are made one copy (compactPlan)", () => {
    // Parsed from JSON, as the agent receives it from the scan process.
    const parsed = JSON.parse(JSON.stringify(plan())) as DriftPlan;
    expect(compactPlan(parsed)).toEqual(plan());
  });

  it("interns any string to an equal one, names that are not plain property names included", () => {
    for (const s of ["/etc/passwd", 'package:{"name":"apport"}', "", "123", "4294967295", "__proto__", "constructor", "a\0b", "é/ü"]) expect(intern(s)).toBe(s);
  });
});
