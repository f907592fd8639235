import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import type { CommandRunner } from "../../../src/host/exec.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { selectChecks } from "../../../src/engine/select.js";
import { loadPacks, type LoadedCheck } from "../../../src/packs/load.js";
import { applyPlan } from "../../../src/remediation/apply.js";
import grubCmdlineAdd, { appendedArgs, GRUB_CFG, NODEWARD_GRUB_DROPIN } from "../../../src/remediation/grub-cmdline-add.js";
import { validateFix } from "../../../src/remediation/index.js";
import { RunStore } from "../../../src/remediation/journal.js";
import { planRemediation } from "../../../src/remediation/plan.js";
import { rollbackRun } from "../../../src/remediation/rollback.js";
import type { FixContext } from "../../../src/remediation/types.js";
import { grubWith } from "../../helpers/audit-fixtures.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { treeHash } from "./helpers.js";

afterAll(cleanupFixtures);

const OS: FixtureSpec = { "etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n" };
const HEADER = "# Written by nodeward: kernel arguments added by remediation. update-grub reads this after\n# /etc/default/grub; they take effect once update-grub has run and the system has rebooted.\n";
const UPDATE_GRUB = {
  kind: "command",
  argv: ["update-grub"],
  liveOnly: true,
  backupFiles: [GRUB_CFG],
  manualUndo: `update-grub (after the rollback, so that ${GRUB_CFG} is generated without ${NODEWARD_GRUB_DROPIN}), then reboot`,
};

async function checks(ids: string[]): Promise<LoadedCheck[]> {
  const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR], { validateFix });
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return selectChecks(loaded.packs, { checks: ids.map((id) => `cis-debian-12/${id}`) });
}

describe("grub-cmdline-add (kernel arguments: audit=1, audit_backlog_limit, apparmor)", () => {
  it("validates its arguments: name or name=value, nothing a shell would expand", () => {
    expect(validateFix({ action: "grub-cmdline-add", params: { args: ["audit=1", "apparmor=1", "security=apparmor"] } })).toBeUndefined();
    expect(validateFix({ action: "grub-cmdline-add", params: { args: ["audit=$(id)"] } })).toMatch(/a kernel argument/);
    expect(validateFix({ action: "grub-cmdline-add", params: { args: ['a" b'] } })).toMatch(/a kernel argument/);
    expect(validateFix({ action: "grub-cmdline-add", params: { args: [] } })).toMatch(/args/);
  });

  it("appendedArgs reads only its own GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX …\" lines", () => {
    expect(appendedArgs(`${HEADER}GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX audit=1"\nGRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX  apparmor=1 security=apparmor"\nGRUB_CMDLINE_LINUX="quiet"\n`)).toEqual(["audit=1", "apparmor=1", "security=apparmor"]);
  });

  it("an offline root: the drop-in through the journal, update-grub shown as skipped, needs a reboot; grub.cfg untouched until update-grub; rollback restores the tree", async () => {
    const root = await fixtureRoot({ ...OS, ...grubWith("boot/grub/grub.cfg", "quiet"), "etc/default/grub": 'GRUB_CMDLINE_LINUX=""\n' });
    const host = new HostRoot({ root });
    const cs = await checks(["6.2.1.3", "6.2.1.4", "1.3.1.2"]);
    const plan = await planRemediation({ host, checks: cs });
    expect(plan.fixes.map((f) => [f.check.id, f.error, f.needs])).toEqual([["1.3.1.2", undefined, "reboot"], ["6.2.1.3", undefined, "reboot"], ["6.2.1.4", undefined, "reboot"]]);
    const [apparmor, audit, backlog] = plan.fixes;
    expect(apparmor?.changes).toEqual([{
      kind: "write-file", path: NODEWARD_GRUB_DROPIN, before: null, mkdirs: ["/etc/default/grub.d"],
      after: { content: `${HEADER}GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX apparmor=1 security=apparmor"\n`, mode: 0o644, uid: 0, gid: 0 },
    }]);
    // The dry run names update-grub: it runs only on the live host.
    expect(apparmor?.skipped).toEqual([{ change: { ...UPDATE_GRUB, why: `regenerate ${GRUB_CFG} with apparmor=1 security=apparmor on every entry` }, reason: `runs only on the live host (this is --root ${root})` }]);
    // The next fixes see the planned drop-in (the plan's overlay) and append to it.
    const last = backlog?.changes[0];
    expect(audit?.changes[0]?.kind).toBe("write-file");
    expect(last?.kind === "write-file" && last.after.content).toBe(
      `${HEADER}GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX apparmor=1 security=apparmor"\nGRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX audit=1"\nGRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX audit_backlog_limit=8192"\n`,
    );

    const original = await treeHash(root);
    const grubCfg = await readFile(path.join(root, "boot/grub/grub.cfg"), "utf8");
    const state = await mkdtemp(path.join(tmpdir(), "nodeward-grub-fix-"));
    try {
      const store = new RunStore(state);
      const result = await applyPlan({ plan, store });
      expect(result.status).toBe("complete");
      const dropin = path.join(root, NODEWARD_GRUB_DROPIN);
      expect(appendedArgs(await readFile(dropin, "utf8"))).toEqual(["apparmor=1", "security=apparmor", "audit=1", "audit_backlog_limit=8192"]);
      expect(((await stat(dropin)).mode & 0o7777).toString(8)).toBe("644");
      // grub.cfg is what the checks read: it changes only when update-grub runs, so they still fail.
      expect(await readFile(path.join(root, "boot/grub/grub.cfg"), "utf8")).toBe(grubCfg);
      expect(Object.fromEntries(result.rescan.map((r) => [r.id, r.status]))).toEqual({ "1.3.1.2": "fail", "6.2.1.3": "fail", "6.2.1.4": "fail" });
      // The drop-in has every argument: nothing left to apply on a mounted root.
      const again = await planRemediation({ host, checks: cs });
      expect(again.fixes.map((f) => [f.changes, f.skipped.map((s) => (s.change.kind === "command" ? s.change.argv : []))])).toEqual([[[], [["update-grub"]]], [[], [["update-grub"]]], [[], [["update-grub"]]]]);
      expect((await applyPlan({ plan: again, store })).status).toBe("nothing-to-do");
      await rollbackRun({ store });
      expect(await treeHash(root)).toBe(original);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });

  it("a grub.d file read after ours that sets GRUB_CMDLINE_LINUX outright refuses the fix, naming it; one that appends does not", async () => {
    const cs = await checks(["6.2.1.3"]);
    const base = { ...OS, ...grubWith("boot/grub/grub.cfg", "quiet"), "etc/default/grub.d/10-early.cfg": 'GRUB_CMDLINE_LINUX="console=ttyS0"\n' };
    const refused = await planRemediation({ host: new HostRoot({ root: await fixtureRoot({ ...base, "etc/default/grub.d/99-site.cfg": '# site\nexport GRUB_CMDLINE_LINUX="quiet splash"\n' }) }), checks: cs });
    expect(refused.fixes.map((f) => [f.check.id, f.error, f.changes])).toEqual([
      ["6.2.1.3", `/etc/default/grub.d/99-site.cfg:2 sets GRUB_CMDLINE_LINUX outright and update-grub reads it after ${NODEWARD_GRUB_DROPIN}: the arguments would be dropped; add them there instead`, []],
    ]);
    const appends = await planRemediation({ host: new HostRoot({ root: await fixtureRoot({ ...base, "etc/default/grub.d/99-site.cfg": 'GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX} quiet"\n' }) }), checks: cs });
    expect(appends.fixes.map((f) => [f.error, f.changes.map((c) => c.kind)])).toEqual([[undefined, ["write-file"]]]);
  });

  it("the live host: update-grub runs after the drop-in, grub.cfg backed up first, rollback names update-grub (planned with a stub; never run by the tests)", async () => {
    const host = new HostRoot({ root: "/" });
    const run: CommandRunner = () => Promise.reject(new Error("planning runs nothing"));
    const existing = { content: `${HEADER}GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX audit=1"\n`, mode: 0o644, uid: 0, gid: 0 };
    const ctx = (content: string): FixContext => ({ host, probe: createProbeContext(host, run), run, readFile: (p) => Promise.resolve(p === NODEWARD_GRUB_DROPIN ? { ...existing, content } : null) });
    const [check] = await checks(["6.2.1.4"]);
    const add = await grubCmdlineAdd.plan(ctx(existing.content), { args: ["audit_backlog_limit=8192"] }, check as LoadedCheck);
    expect(add).toEqual([
      { kind: "write-file", path: NODEWARD_GRUB_DROPIN, before: existing, after: { ...existing, content: `${existing.content}GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX audit_backlog_limit=8192"\n` } },
      { ...UPDATE_GRUB, why: `regenerate ${GRUB_CFG} with audit_backlog_limit=8192 on every entry` },
    ]);
    // The drop-in has it, grub.cfg does not yet: only update-grub is left.
    expect(await grubCmdlineAdd.plan(ctx(existing.content), { args: ["audit=1"] }, check as LoadedCheck)).toEqual([{ ...UPDATE_GRUB, why: `regenerate ${GRUB_CFG} with audit=1 on every entry` }]);
  });
});
