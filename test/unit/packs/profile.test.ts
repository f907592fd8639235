import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runChecks } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { formatPackError, loadPacks } from "../../../src/packs/load.js";
import { applyProfile, loadProfile } from "../../../src/packs/profile.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await cleanupFixtures();
});

async function tree(files: Record<string, string>): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "nodeward-profile-"));
  dirs.push(d);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(d, rel)), { recursive: true });
    await writeFile(path.join(d, rel), text);
  }
  return d;
}

const PACK = `pack: { id: p, title: T, benchmark: B v1, version: "1" }
vars:
  wanted-mode: "0600"
  forward: 0
checks:
  - id: "1"
    title: mode
    severity: high
    audit:
      probe: file
      params: { path: /etc/x }
      expect: { mode: { mode-at-most: { $var: wanted-mode } } }
  - id: "2"
    title: forwarding off
    severity: medium
    audit:
      probe: sysctl
      params: { key: net.ipv4.ip_forward }
      expect: { persisted: { $var: forward } }
`;

describe("pack vars", () => {
  it("substitutes pack defaults, and overrides win", async () => {
    const dir = await tree({ "p/pack.yaml": PACK });
    const root = await fixtureRoot({ "etc/x": { content: "x", mode: 0o640 }, "etc/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 1\n" });
    const host = new HostRoot({ root });

    const plain = await loadPacks([dir]);
    expect(plain.errors).toEqual([]);
    const r1 = await runChecks(plain.packs[0]!.checks, { host });
    expect(r1.map((r) => [r.id, r.status, r.expected])).toEqual([
      ["1", "fail", "mode 0600 or more restrictive"],
      ["2", "fail", "persisted = 0"],
    ]);

    const over = await loadPacks([dir], { vars: { "wanted-mode": "0644", forward: 1 } });
    const r2 = await runChecks(over.packs[0]!.checks, { host });
    expect(r2.map((r) => [r.id, r.status])).toEqual([["1", "pass"], ["2", "pass"]]);
  });

  it("an unknown var is a load error with file, line and check id", async () => {
    const dir = await tree({
      "p/pack.yaml": `pack: { id: p, title: T, benchmark: B, version: "1" }
checks:
  - id: a
    title: t
    severity: low
    audit:
      probe: file
      params: { path: /etc/x }
      expect: { exists: { $var: nope } }
`,
    });
    const r = await loadPacks([dir]);
    expect(r.errors.map(formatPackError)).toEqual([
      `${dir}/p/pack.yaml:9:33: [a] unknown var "nope" (this pack defines no vars)`,
    ]);
    expect(r.packs[0]!.checks).toEqual([]);
  });
});

describe("profiles", () => {
  it("selects packs, excludes with a reason, replaces an expectation, and sets vars", async () => {
    const dir = await tree({
      "p/pack.yaml": PACK,
      "other/pack.yaml": `pack: { id: other, title: O, benchmark: O, version: "1" }\nchecks: []\n`,
      "profiles/node.yaml": `profile: { id: node, title: Node }
packs: [p]
vars: { wanted-mode: "0644" }
tailor:
  - check: p/2
    reason: Kubernetes needs IP forwarding
    expect: { persisted: 1 }
`,
      "profiles/skip.yaml": `profile: { id: skip, title: Skip }
tailor:
  - check: p/1
    reason: not on this kind of node
    exclude: true
  - check: p/99
    reason: typo
    exclude: true
`,
    });
    const root = await fixtureRoot({ "etc/x": { content: "x", mode: 0o640 }, "etc/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 1\n" });
    const host = new HostRoot({ root });

    const { profile } = await loadProfile("node", path.join(dir, "profiles"));
    expect(profile?.vars).toEqual({ "wanted-mode": "0644" });
    const loaded = await loadPacks([dir], { vars: profile!.vars });
    expect(loaded.packs.map((p) => p.meta.id).sort()).toEqual(["other", "p"]); // profiles/ is not a pack
    const applied = await applyProfile(loaded.packs, profile!);
    expect(applied.errors).toEqual([]);
    expect(applied.packs.map((p) => p.meta.id)).toEqual(["p"]);
    const results = await runChecks(applied.packs[0]!.checks, { host });
    expect(results.map((r) => [r.id, r.status])).toEqual([["1", "pass"], ["2", "pass"]]);
    expect(results[1]!.tailoring).toEqual({ profile: "node", reason: "Kubernetes needs IP forwarding" });

    const skip = await loadProfile(path.join(dir, "profiles/skip.yaml"));
    const applied2 = await applyProfile(loaded.packs, skip.profile!);
    expect(applied2.errors.map((e) => [e.line, e.message])).toEqual([
      [6, 'profile skip tailors "p/99", which is not a check of the selected packs'],
    ]);
    const r2 = await runChecks(applied2.packs.find((p) => p.meta.id === "p")!.checks, { host });
    expect(r2[0]).toMatchObject({ status: "skip", message: "tailored out by profile skip: not on this kind of node" });
  });

  it("one rule tailors the same item in several packs; a bad key in the list is named at its line", async () => {
    const dir = await tree({
      "p/pack.yaml": PACK,
      "q/pack.yaml": PACK.replace("id: p,", "id: q,"),
      "profiles/both.yaml": `profile: { id: both, title: Both }
tailor:
  - check:
      - p/2
      - q/2
      - q/3
    reason: Kubernetes needs IP forwarding
    expect: { persisted: 1 }
`,
    });
    const root = await fixtureRoot({ "etc/x": { content: "x", mode: 0o600 }, "etc/sysctl.d/k8s.conf": "net.ipv4.ip_forward = 1\n" });
    const host = new HostRoot({ root });
    const loaded = await loadPacks([dir]);
    const { profile } = await loadProfile(path.join(dir, "profiles/both.yaml"));
    const applied = await applyProfile(loaded.packs, profile!);
    expect(applied.errors.map((e) => [e.line, e.message])).toEqual([[6, 'profile both tailors "q/3", which is not a check of the selected packs']]);
    for (const id of ["p", "q"]) {
      const results = await runChecks(applied.packs.find((p) => p.meta.id === id)!.checks, { host });
      expect(results.map((r) => [`${r.pack}/${r.id}`, r.status, r.tailoring?.reason])).toEqual([
        [`${id}/1`, "pass", undefined],
        [`${id}/2`, "pass", "Kubernetes needs IP forwarding"],
      ]);
    }
  });

  it("a replaced expectation drops the pack's fix unless the rule gives one; an excluded check takes no fix", async () => {
    const dir = await tree({
      "p/pack.yaml": PACK.replace(
        "      expect: { persisted: { $var: forward } }\n",
        "      expect: { persisted: { $var: forward } }\n    fix: { action: sysctl-set, params: { key: net.ipv4.ip_forward, value: { $var: forward } } }\n",
      ),
      "profiles/keep.yaml": "profile: { id: keep, title: K }\ntailor:\n  - check: p/2\n    reason: r\n    expect: { persisted: 1 }\n",
      "profiles/own.yaml": "profile: { id: own, title: O }\nvars: { forward: 1 }\ntailor:\n  - check: p/2\n    reason: r\n    expect: { persisted: 1 }\n    fix: { action: sysctl-set, params: { key: net.ipv4.ip_forward, value: { $var: forward } } }\n",
      "profiles/bad.yaml": "profile: { id: bad, title: B }\ntailor:\n  - check: p/2\n    reason: r\n    exclude: true\n    fix: { action: sysctl-set }\n",
    });
    const loaded = await loadPacks([dir]);
    expect(loaded.packs[0]!.checks[1]!.fix).toEqual({ action: "sysctl-set", params: { key: "net.ipv4.ip_forward", value: 0 } });
    const keep = await applyProfile(loaded.packs, (await loadProfile(path.join(dir, "profiles/keep.yaml"))).profile!);
    expect(keep.packs[0]!.checks[1]!.fix).toBeUndefined();
    const ownProfile = (await loadProfile(path.join(dir, "profiles/own.yaml"))).profile!;
    const own = await applyProfile(loaded.packs, ownProfile);
    expect(own.packs[0]!.checks[1]!.fix).toEqual({ action: "sysctl-set", params: { key: "net.ipv4.ip_forward", value: 1 } });
    const bad = await loadProfile(path.join(dir, "profiles/bad.yaml"));
    expect(bad.errors.map((e) => [e.line, e.message])).toEqual([[6, "a tailoring rule's fix goes with a replaced expect (an excluded check is not fixed) at tailor.0.fix"]]);
  });

  it("a missing profile names the file it looked for", async () => {
    const r = await loadProfile("nope", "/nonexistent/profiles");
    expect(r.profile).toBeUndefined();
    expect(formatPackError(r.errors[0]!)).toBe('/nonexistent/profiles/nope.yaml:1:1: no profile "nope" (looked for /nonexistent/profiles/nope.yaml)');
  });
});

describe("deep checks", () => {
  it("are reported skip with how to include them unless deep is asked for", async () => {
    const dir = await tree({
      "p/pack.yaml": `pack: { id: p, title: T, benchmark: B, version: "1" }
checks:
  - id: walk
    title: no world-writable files
    severity: medium
    tags: [deep]
    audit:
      probe: file-tree
      params: { paths: ["/"], filter: { perm-all: "0002", type: file } }
      expect: { count: 0 }
`,
    });
    const root = await fixtureRoot({ "etc/ok": { content: "x", mode: 0o644 }, "tmp/bad": { content: "x", mode: 0o666 } });
    const loaded = await loadPacks([dir]);
    expect(loaded.errors).toEqual([]);
    const host = new HostRoot({ root });
    const [shallow] = await runChecks(loaded.packs[0]!.checks, { host });
    expect(shallow).toMatchObject({
      status: "skip",
      message: "walks the whole filesystem (seconds per 100k files); run with --deep to include it",
    });
    const [deep] = await runChecks(loaded.packs[0]!.checks, { host, deep: true });
    expect(deep).toMatchObject({ status: "fail", message: "count is 1, expected 0" });
  });
});
