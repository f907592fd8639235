/**
 * Pack-wide `applies:` (beside `pack:`) and the `if-unknown` fallback of a condition, over
 * the real loader, probes and engine. Undecidable conditions here: systemd's `active` on an
 * offline root (does not exist there) and the kubelet's version no file tells (not observed).
 */
import { afterAll, describe, expect, it } from "vitest";
import { runChecks } from "../../../src/engine/run-checks.js";
import { selectChecks, type CheckFilter } from "../../../src/engine/select.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { loadPacks } from "../../../src/packs/load.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { kubeadmNode } from "../../helpers/kubeadm-node.js";
import { cleanupPackDirs, packDir } from "../../helpers/inline-pack.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
});

const META = `pack: { id: t, title: Test pack, benchmark: Test Benchmark v1, version: "1" }\n`;
const CHECKS = `defaults: { severity: low }
checks:
  - id: a
    title: passwd exists
    audit: { probe: file, params: { path: /etc/passwd }, expect: { exists: true } }
  - id: b
    title: shadow exists
    audit: { probe: file, params: { path: /etc/shadow }, expect: { exists: true } }
`;

async function scan(packYaml: string, extra: Record<string, string> = {}, node: FixtureSpec = {}) {
  const dir = await packDir({ "pack.yaml": packYaml, "checks.yaml": CHECKS, ...extra });
  const loaded = await loadPacks([dir]);
  const root = await fixtureRoot({ ...node, "etc/passwd": "root:x:0:0::/root:/bin/sh\n", "lib/systemd/system/cron.service": "[Service]\nExecStart=/usr/sbin/cron\n" });
  const results = await runChecks(loaded.packs.flatMap((p) => p.checks), { host: new HostRoot({ root }) });
  return { loaded, results };
}

const when = (expect: string, tail = "") => `${META}applies:
  - probe: systemd-unit
    params: { unit: cron.service }
    expect: ${expect}
    reason: cron is not installed${tail}
`;

describe("pack-wide applies", () => {
  it("holds for every check of the pack, after the check's own conditions", async () => {
    const { loaded, results } = await scan(when("{ exists: true }"));
    expect(loaded.errors).toEqual([]);
    expect(loaded.packs[0]?.checks.map((c) => c.applies.length)).toEqual([1, 1]);
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ["a", "pass"],
      ["b", "fail"],
    ]);
  });

  it("skips every check of the pack with its reason when it does not hold", async () => {
    const { results } = await scan(when("{ exists: false }"));
    expect(results.map((r) => [r.status, r.message])).toEqual([
      ["skip", "cron is not installed"],
      ["skip", "cron is not installed"],
    ]);
  });

  it("is an error in any file but the one with pack:", async () => {
    const { loaded } = await scan(META, { "more.yaml": "applies: []\nchecks: []\n" });
    expect(loaded.errors.map((e) => e.message)).toEqual([
      '"applies:" for the whole pack goes in the file with "pack:"; use defaults.applies for this file\'s checks',
    ]);
  });
});

describe("if-unknown: a documented fallback for a condition the facts cannot decide", () => {
  it("without it, a field that does not exist here skips with the reason (systemd's state of an offline root)", async () => {
    const { results } = await scan(when("{ active: true }"));
    expect(results[0]?.status).toBe("skip");
    expect(results[0]?.message).toMatch(/^cron is not installed \(active does not apply here: not the live host/);
  });

  it("apply: true runs the check and says so on every result, pass or fail", async () => {
    const { results } = await scan(when("{ active: true }", '\n    if-unknown: { apply: true, note: "cron state unknown: judged anyway" }'));
    expect(results.map((r) => r.status)).toEqual(["pass", "fail"]);
    expect(results[0]?.message).toMatch(/^cron state unknown: judged anyway \(active does not apply here: .+\)$/);
    expect(results[1]?.message).toMatch(/^exists is false, expected true; cron state unknown: judged anyway \(active does not apply here: /);
  });

  it("apply: false skips with the note", async () => {
    const { results } = await scan(when("{ active: true }", '\n    if-unknown: { apply: false, note: "cron state unknown: another pack judges this node" }'));
    expect(results.map((r) => r.status)).toEqual(["skip", "skip"]);
    expect(results[0]?.message).toMatch(/^cron state unknown: another pack judges this node \(active does not apply here: /);
  });

  it("a condition that can be decided ignores the fallback", async () => {
    const { results } = await scan(when("{ exists: false }", '\n    if-unknown: { apply: true, note: "never shown" }'));
    expect(results.map((r) => [r.status, r.message])).toEqual([
      ["skip", "cron is not installed"],
      ["skip", "cron is not installed"],
    ]);
  });

  it("a field that could not be observed: error without the fallback, the fallback with it", async () => {
    // Offline, the kubelet's version is read from the distribution's files only: none here.
    const node = kubeadmNode({ kubeletVersion: null });
    const cond = (tail = "") => `${META}applies:
  - probe: kubelet
    expect: { version: { version-at-least: "1.0" } }
    reason: no kubelet 1.0${tail}
`;
    const plain = await scan(cond(), {}, node);
    expect(plain.results[0]?.status).toBe("error");
    expect(plain.results[0]?.message).toMatch(/^cannot tell whether the check applies: cannot determine version: /);
    const fallback = await scan(cond('\n    if-unknown: { apply: true, note: "version unknown" }'), {}, node);
    expect(fallback.results[0]?.status).toBe("pass");
    expect(fallback.results[0]?.message).toMatch(/^version unknown \(cannot determine version: /);
  });
});

describe("if-unknown defers-to: the pack that judges instead must be in the selection", () => {
  // Two editions as in CIS Kubernetes v1.12.0 / v2.0.1: the old one steps aside when the
  // kubelet's version cannot be read, for the new one — but only if the new one runs.
  const edition = (id: string, ifUnknown: string) => `pack: { id: ${id}, title: ${id}, benchmark: ${id} Benchmark, version: "1" }
applies:
  - probe: kubelet
    expect: { version: { version-below: "1.34" } }
    reason: the kubelet is 1.34 or newer
    if-unknown: ${ifUnknown}
`;
  const OLD = edition("old", `{ apply: false, note: "version unknown; new judges", defers-to: { pack: new, note: "version unknown and new not selected; old judges" } }`);
  const NEW = edition("new", `{ apply: true, note: "version unknown; new judges as the fallback" }`).replace("version-below", "version-at-least");

  async function editions(filter: CheckFilter) {
    const loaded = await loadPacks([await packDir({ "pack.yaml": OLD, "checks.yaml": CHECKS }), await packDir({ "pack.yaml": NEW, "checks.yaml": CHECKS })]);
    expect(loaded.errors).toEqual([]);
    const root = await fixtureRoot({ ...kubeadmNode({ kubeletVersion: null }), "etc/passwd": "root:x:0:0::/root:/bin/sh\n" });
    const results = await runChecks(selectChecks(loaded.packs, filter), { host: new HostRoot({ root }) });
    return results.map((r) => [r.pack, r.id, r.status, r.message?.replace(/ \(cannot determine version: .*\)/, " (…)")]);
  }

  it("both selected: the old edition steps aside with its note, the new one judges", async () => {
    expect(await editions({})).toEqual([
      ["old", "a", "skip", "version unknown; new judges (…)"],
      ["old", "b", "skip", "version unknown; new judges (…)"],
      ["new", "a", "pass", "version unknown; new judges as the fallback (…)"],
      ["new", "b", "fail", "exists is false, expected true; version unknown; new judges as the fallback (…)"],
    ]);
  });

  it("the old edition alone judges, saying why, instead of leaving nothing judged (exit 0)", async () => {
    expect(await editions({ benchmarks: ["old"] })).toEqual([
      ["old", "a", "pass", "version unknown and new not selected; old judges (…)"],
      ["old", "b", "fail", "exists is false, expected true; version unknown and new not selected; old judges (…)"],
    ]);
  });

  it("a check filter (a drift re-check of one check) keeps the pack selection's decision", async () => {
    expect(await editions({ checks: ["old/b"] })).toEqual([["old", "b", "skip", "version unknown; new judges (…)"]]);
  });

  it("defers-to with apply: true is a pack error", async () => {
    const bad = edition("bad", `{ apply: true, note: "n", defers-to: { pack: new, note: "m" } }`);
    const loaded = await loadPacks([await packDir({ "pack.yaml": bad, "checks.yaml": CHECKS })]);
    expect(loaded.errors.map((e) => [e.line, e.message])).toEqual([[6, '"defers-to" goes with "apply: false" (it says who judges instead) at 0.if-unknown']]);
  });
});
