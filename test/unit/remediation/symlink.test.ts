import { mkdtemp, rm, symlink, writeFile, mkdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { HostRoot } from "../../../src/host/host-root.js";
import { loadPacks } from "../../../src/packs/load.js";
import { validateFix } from "../../../src/remediation/index.js";
import { applyPlan } from "../../../src/remediation/apply.js";
import { RunStore } from "../../../src/remediation/journal.js";
import { planRemediation } from "../../../src/remediation/plan.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { failingNode, fixChecks, treeHash } from "./helpers.js";

afterAll(cleanupFixtures);

let stateDir: string;
let outside: string;
beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), "nodeward-state-"));
  outside = await mkdtemp(path.join(tmpdir(), "nodeward-outside-"));
  await writeFile(path.join(outside, "shadow"), "outside-secret\n", { mode: 0o644 });
  return async () => {
    await rm(stateDir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  };
});

async function planFor(root: string, ids: string[]) {
  return planRemediation({ host: new HostRoot({ root }), checks: (await fixChecks()).filter((c) => ids.includes(c.id)) });
}

describe("symlinks planted where a fix writes are refused", () => {
  it("a link at the modprobe.d file pointing at the root's /etc/shadow", async () => {
    const root = await fixtureRoot({ ...failingNode(), "etc/modprobe.d/nodeward-cramfs.conf": { symlink: "/etc/shadow" } });
    const before = await treeHash(root);
    const plan = await planFor(root, ["1.1.1.1"]);
    expect(plan.fixes[0]?.error).toMatch(/refusing to change \/etc\/modprobe\.d\/nodeward-cramfs\.conf: it is a symlink \(-> \/etc\/shadow\)/);
    const r = await applyPlan({ plan, store: new RunStore(stateDir) });
    expect(r.status).toBe("nothing-to-do");
    expect(await treeHash(root)).toBe(before);
  });

  it("a directory link climbing out of the root (/etc/ssh/sshd_config.d -> ../../…/outside)", async () => {
    // The audit reads sshd_config; the fix writes a drop-in in sshd_config.d (planted link).
    const root = await fixtureRoot({ ...failingNode(), "etc/ssh/sshd_config": "PermitRootLogin yes\n" });
    const depth = root.split("/").length;
    await mkdir(path.join(root, "etc/ssh"), { recursive: true });
    await symlink(`${"../".repeat(depth + 1)}${outside.slice(1)}`, path.join(root, "etc/ssh/sshd_config.d"));
    const packFile = path.join(stateDir, "pack.yaml");
    await writeFile(packFile, [
      "pack: { id: t, title: T, benchmark: T, version: '1' }",
      "checks:",
      "  - id: ssh-1",
      "    title: root login off",
      "    severity: high",
      "    audit: { probe: file, params: { path: /etc/ssh/sshd_config, key: PermitRootLogin }, expect: { value: 'no' } }",
      "    fix: { action: config-line, params: { path: /etc/ssh/sshd_config.d/50-nodeward.conf, format: sshd, key: PermitRootLogin, value: 'no' } }",
      "",
    ].join("\n"));
    const loaded = await loadPacks([packFile], { validateFix });
    expect(loaded.errors).toEqual([]);
    const outsideBefore = await treeHash(outside);
    const plan = await planRemediation({ host: new HostRoot({ root }), checks: loaded.packs[0]?.checks ?? [] });
    expect(plan.fixes[0]?.error).toMatch(/refusing to change \/etc\/ssh\/sshd_config\.d\/50-nodeward\.conf: symlink \/etc\/ssh\/sshd_config\.d -> .* points outside the root/);
    await applyPlan({ plan, store: new RunStore(stateDir) });
    expect(await treeHash(outside)).toBe(outsideBefore);
  });

  it("an absolute directory link is re-rooted: the write stays inside the root", async () => {
    const root = await fixtureRoot(failingNode());
    await mkdir(path.join(root, "srv/sysctl"), { recursive: true });
    await symlink(outside, path.join(root, "etc/sysctl.d")); // absolute host path of the outside dir
    const outsideBefore = await treeHash(outside);
    const plan = await planFor(root, ["3.3.5"]);
    // Re-rooted to <root>/<outside>, which does not exist: created there, never outside.
    expect(plan.fixes[0]?.error).toBeUndefined();
    const r = await applyPlan({ plan, store: new RunStore(stateDir) });
    expect(r.status).toBe("complete");
    expect(await treeHash(outside)).toBe(outsideBefore);
    expect(await readFile(path.join(root, outside, "60-nodeward.conf"), "utf8")).toContain("accept_redirects = 0");
  });

  it("/etc/shadow itself a link to another file inside the root: chmod is refused, the target is untouched", async () => {
    const spec = failingNode();
    spec["etc/shadow.real"] = { content: "root:*:1::::::\n", mode: 0o644, uid: 0, gid: 0 };
    spec["etc/shadow"] = { symlink: "/etc/shadow.real" };
    const root = await fixtureRoot(spec);
    const before = await treeHash(root);
    const plan = await planFor(root, ["7.1.5"]);
    expect(plan.fixes[0]?.error).toMatch(/refusing to change \/etc\/shadow: it is a symlink \(-> \/etc\/shadow\.real\)/);
    await applyPlan({ plan, store: new RunStore(stateDir) });
    expect(await treeHash(root)).toBe(before);
  });

  it("a link planted after the plan, before apply, is refused at apply time and the run is failed", async () => {
    const root = await fixtureRoot(failingNode());
    const plan = await planFor(root, ["1.1.1.1"]);
    expect(plan.fixes[0]?.changes[0]?.kind).toBe("write-file");
    await symlink(path.join(outside, "shadow"), path.join(root, "etc/modprobe.d/nodeward-cramfs.conf"));
    const outsideBefore = await treeHash(outside);
    const r = await applyPlan({ plan, store: new RunStore(stateDir) });
    expect(r.status).toBe("failed");
    expect(r.fixes[0]?.error).toMatch(/symlink/);
    expect(await treeHash(outside)).toBe(outsideBefore);
  });
});
