/**
 * grubby-args: RHEL's kernel arguments (CIS RHEL 9 6.3.1.2 audit=1, 6.3.1.3
 * audit_backlog_limit, 1.3.1.2 no selinux=0/enforcing=0) set with grubby on every boot loader
 * entry, as the benchmark's remediation says, with a preview of the entries it changes; and
 * /etc/kernel/cmdline (kernels installed later) through the journal. grubby is never run by
 * these tests: an offline root shows it as skipped, the live plan uses a stub runner.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import { selectChecks } from "../../../src/engine/select.js";
import type { CommandRunner } from "../../../src/host/exec.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { loadPacks, type LoadedCheck } from "../../../src/packs/load.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { applyPlan } from "../../../src/remediation/apply.js";
import grubbyArgs, { editCmdline, updatedArgs } from "../../../src/remediation/grubby-args.js";
import { validateFix } from "../../../src/remediation/index.js";
import { RunStore } from "../../../src/remediation/journal.js";
import { planRemediation } from "../../../src/remediation/plan.js";
import type { FixContext } from "../../../src/remediation/types.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

const RHEL: FixtureSpec = {
  "etc/os-release": 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n',
  "boot/grub2/grub.cfg": "blscfg\n",
};
const entry = (kernel: string, options: string) => `title Red Hat Enterprise Linux (${kernel})\nversion ${kernel}\nlinux /vmlinuz-${kernel}\ninitrd /initramfs-${kernel}.img\noptions ${options}\n`;
const GRUBBY: FixtureSpec = { "usr/sbin/grubby": "#!/bin/bash\n" };
const A = "aaaa-5.14.0-427.el9.x86_64.conf";
const B = "aaaa-5.14.0-503.el9.x86_64.conf";

async function checks(ids: string[]): Promise<LoadedCheck[]> {
  const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR], { validateFix });
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return selectChecks(loaded.packs, { checks: ids.map((id) => `cis-rhel-9/${id}`) });
}

describe("grubby-args (RHEL BLS kernel arguments with grubby --update-kernel ALL)", () => {
  it("validates: args and/or removeArgs, each a kernel argument", () => {
    expect(validateFix({ action: "grubby-args", params: { args: ["audit=1"] } })).toBeUndefined();
    expect(validateFix({ action: "grubby-args", params: { removeArgs: ["selinux=0", "enforcing=0"] } })).toBeUndefined();
    expect(validateFix({ action: "grubby-args", params: {} })).toMatch(/args or removeArgs/);
    expect(validateFix({ action: "grubby-args", params: { args: ["audit=$(id)"] } })).toMatch(/a kernel argument/);
  });

  it("what grubby makes of an options line: an added key=value replaces the key's value; a removed argument goes", () => {
    expect(updatedArgs(["ro", "audit_backlog_limit=64", "quiet"], ["audit_backlog_limit=8192"], [])).toEqual(["ro", "quiet", "audit_backlog_limit=8192"]);
    expect(updatedArgs(["ro", "selinux=0", "enforcing=0", "enforcing=1"], [], ["selinux=0", "enforcing=0"])).toEqual(["ro", "enforcing=1"]);
  });

  it("offline root: 6.3.1.2 fails on the entry without audit=1 and on /etc/kernel/cmdline; the plan previews grubby (skipped: live host only) and edits /etc/kernel/cmdline through the journal", async () => {
    const root = await fixtureRoot({
      ...RHEL, ...GRUBBY,
      [`boot/loader/entries/${A}`]: entry("5.14.0-427.el9.x86_64", "root=/dev/mapper/rhel-root ro audit=1"),
      [`boot/loader/entries/${B}`]: entry("5.14.0-503.el9.x86_64", "root=/dev/mapper/rhel-root ro crashkernel=auto"),
      "etc/kernel/cmdline": "root=/dev/mapper/rhel-root ro\n",
    });
    const host = new HostRoot({ root });
    const cs = await checks(["6.3.1.2"]);
    const plan = await planRemediation({ host, checks: cs });
    expect(plan.results.map((r) => [r.id, r.status])).toEqual([["6.3.1.2", "fail"]]);
    const [fix] = plan.fixes;
    expect(fix?.error).toBeUndefined();
    expect(fix?.needs).toBe("reboot");
    expect(fix?.changes).toEqual([{
      kind: "write-file", path: "/etc/kernel/cmdline",
      before: expect.objectContaining({ content: "root=/dev/mapper/rhel-root ro\n" }),
      after: expect.objectContaining({ content: "root=/dev/mapper/rhel-root ro audit=1\n" }),
    }]);
    expect(fix?.skipped).toEqual([{
      change: {
        kind: "command",
        argv: ["grubby", "--update-kernel", "ALL", "--args=audit=1"],
        liveOnly: true,
        why: `1 of 2 boot loader entries lack audit=1 (/usr/sbin/grubby); then ${B}: options root=/dev/mapper/rhel-root ro crashkernel=auto audit=1`,
        backupFiles: [`/boot/loader/entries/${A}`, `/boot/loader/entries/${B}`],
        manualUndo: 'restore the boot loader entries from nodeward\'s backup of /boot/loader/entries, or grubby --update-kernel ALL --remove-args="audit=1" (every entry, also those that had them before), then reboot',
      },
      reason: `runs only on the live host (this is --root ${root})`,
    }]);
    const state = await mkdtemp(path.join(tmpdir(), "nodeward-grubby-fix-"));
    try {
      const applied = await applyPlan({ plan, store: new RunStore(state) });
      expect(applied.status).toBe("complete");
      expect(await readFile(path.join(root, "etc/kernel/cmdline"), "utf8")).toBe("root=/dev/mapper/rhel-root ro audit=1\n");
      // The entries are grubby's: untouched until it runs on the host, so the check still fails on entry B.
      expect(await readFile(path.join(root, `boot/loader/entries/${B}`), "utf8")).toBe(entry("5.14.0-503.el9.x86_64", "root=/dev/mapper/rhel-root ro crashkernel=auto"));
      expect(applied.rescan.map((r) => [r.id, r.status])).toEqual([["6.3.1.2", "fail"]]);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });

  it("refuses without grubby (the entries are never edited by hand), or without boot loader entries (not a BLS system)", async () => {
    const cs = await checks(["6.3.1.2"]);
    const noGrubby = await planRemediation({ host: new HostRoot({ root: await fixtureRoot({ ...RHEL, [`boot/loader/entries/${A}`]: entry("5.14.0-427.el9.x86_64", "root=/dev/vda1 ro") }) }), checks: cs });
    expect(noGrubby.fixes.map((f) => [f.check.id, f.error, f.changes])).toEqual([
      ["6.3.1.2", "grubby is not installed (/usr/sbin/grubby, /sbin/grubby, /usr/bin/grubby): the boot loader entries are not edited by hand; install grubby, or set audit=1 on every entry yourself", []],
    ]);
    const grubCfg = { ...GRUBBY, "etc/os-release": RHEL["etc/os-release"] as string, "boot/grub2/grub.cfg": "menuentry 'RHEL' {\n  linux /vmlinuz root=/dev/vda1 ro\n}\n" };
    const noBls = await planRemediation({ host: new HostRoot({ root: await fixtureRoot(grubCfg) }), checks: cs });
    expect(noBls.fixes.map((f) => [f.check.id, f.error])).toEqual([["6.3.1.2", "no boot loader entries in /boot/loader/entries (not a grubby/BLS system): audit=1 is not set by grubby here"]]);
  });

  it("the live host (planned with a stub, grubby never run): 1.3.1.2 removes selinux=0 enforcing=0; audit_backlog_limit=64 is raised; nothing to do when every entry agrees", async () => {
    const host = new HostRoot({ root: "/" });
    const run: CommandRunner = () => Promise.reject(new Error("planning runs nothing"));
    const files: Record<string, string> = {
      [`/boot/loader/entries/${A}`]: entry("5.14.0-427.el9.x86_64", "root=/dev/vda1 ro selinux=0 audit_backlog_limit=64"),
      [`/boot/loader/entries/${B}`]: entry("5.14.0-503.el9.x86_64", "root=/dev/vda1 ro audit_backlog_limit=8192"),
    };
    const stubHost = Object.assign(Object.create(host) as HostRoot, {
      readdir: (p: string) => Promise.resolve(p === "/boot/loader/entries" ? [A, B, "README"] : null),
      stat: (p: string) => Promise.resolve(p === "/usr/sbin/grubby" ? ({ isFile: () => true } as unknown as import("node:fs").Stats) : null),
    });
    const ctx: FixContext = { host: stubHost, probe: createProbeContext(host, run), run, readFile: (p) => Promise.resolve(files[p] !== undefined ? { content: files[p], mode: 0o600, uid: 0, gid: 0 } : null) };
    const [check] = await checks(["1.3.1.2"]);
    expect(await grubbyArgs.plan(ctx, { args: [], removeArgs: ["selinux=0", "enforcing=0"] }, check as LoadedCheck)).toEqual([{
      kind: "command",
      argv: ["grubby", "--update-kernel", "ALL", "--remove-args=selinux=0 enforcing=0"],
      liveOnly: true,
      why: `1 of 2 boot loader entries lack -selinux=0 -enforcing=0 (/usr/sbin/grubby); then ${A}: options root=/dev/vda1 ro audit_backlog_limit=64`,
      backupFiles: [`/boot/loader/entries/${A}`, `/boot/loader/entries/${B}`],
      manualUndo: 'restore the boot loader entries from nodeward\'s backup of /boot/loader/entries, or grubby --update-kernel ALL --args="selinux=0 enforcing=0" (every entry, also those that had them before), then reboot',
    }]);
    const backlog = await grubbyArgs.plan(ctx, { args: ["audit_backlog_limit=8192"], removeArgs: [] }, check as LoadedCheck);
    expect(backlog.map((c) => (c.kind === "command" ? c.argv : c.kind))).toEqual([["grubby", "--update-kernel", "ALL", "--args=audit_backlog_limit=8192"]]);
    expect(await grubbyArgs.plan(ctx, { args: ["root=/dev/vda1"], removeArgs: ["enforcing=0"] }, check as LoadedCheck)).toEqual([]);
  });

  it("/etc/kernel/cmdline keeps its quotes: only the targeted arguments change, the rest byte for byte", () => {
    const text = 'ro "acpi_osi=Windows 2009" selinux=0\n';
    expect(editCmdline(text, ["audit=1"], ["selinux=0"])).toBe('ro "acpi_osi=Windows 2009" audit=1\n');
    expect(editCmdline(text, [], ["selinux=0"])).toBe('ro "acpi_osi=Windows 2009"\n');
    expect(editCmdline('selinux=0  ro\t"acpi_osi=Windows 2009"  audit=1 audit=0\n', ["audit=1"], ["selinux=0"])).toBe('ro\t"acpi_osi=Windows 2009" audit=1\n');
    expect(editCmdline("", ["audit=1"], [])).toBe("audit=1\n");
  });

  it("offline root: 1.3.1.2-kernel-cmdline removes selinux=0 from a quoted /etc/kernel/cmdline and leaves the quoted argument as it was", async () => {
    const root = await fixtureRoot({
      ...RHEL, ...GRUBBY,
      [`boot/loader/entries/${A}`]: entry("5.14.0-427.el9.x86_64", "root=/dev/mapper/rhel-root ro"),
      "etc/kernel/cmdline": 'ro "acpi_osi=Windows 2009" selinux=0\n',
    });
    const plan = await planRemediation({ host: new HostRoot({ root }), checks: await checks(["1.3.1.2-kernel-cmdline"]) });
    expect(plan.results.map((r) => [r.id, r.status])).toEqual([["1.3.1.2-kernel-cmdline", "fail"]]);
    const state = await mkdtemp(path.join(tmpdir(), "nodeward-grubby-fix-"));
    try {
      const applied = await applyPlan({ plan, store: new RunStore(state) });
      expect(applied.status).toBe("complete");
      expect(await readFile(path.join(root, "etc/kernel/cmdline"), "utf8")).toBe('ro "acpi_osi=Windows 2009"\n');
      expect(applied.rescan.map((r) => [r.id, r.status])).toEqual([["1.3.1.2-kernel-cmdline", "pass"]]);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });

  it("the last value counts, as the kernel reads it: audit=1 … audit=0 is not audit=1 (grubby removes every audit first, /etc/kernel/cmdline keeps one audit=1); audit=0 … audit=1 is", async () => {
    const host = new HostRoot({ root: "/" });
    const run: CommandRunner = () => Promise.reject(new Error("planning runs nothing"));
    const files: Record<string, string> = {
      [`/boot/loader/entries/${A}`]: entry("5.14.0-427.el9.x86_64", 'root=/dev/vda1 ro "acpi_osi=Windows 2009" audit=1 audit=0'),
      [`/boot/loader/entries/${B}`]: entry("5.14.0-503.el9.x86_64", "root=/dev/vda1 ro audit=0 audit=1"),
      "/etc/kernel/cmdline": 'root=/dev/vda1 ro "acpi_osi=Windows 2009" audit=1 audit=0 selinux=0\n',
    };
    const stubHost = Object.assign(Object.create(host) as HostRoot, {
      readdir: (p: string) => Promise.resolve(p === "/boot/loader/entries" ? [A, B] : null),
      stat: (p: string) => Promise.resolve(p === "/usr/sbin/grubby" ? ({ isFile: () => true } as unknown as import("node:fs").Stats) : null),
    });
    const ctx: FixContext = { host: stubHost, probe: createProbeContext(host, run), run, readFile: (p) => Promise.resolve(files[p] !== undefined ? { content: files[p], mode: 0o644, uid: 0, gid: 0 } : null) };
    const [check] = await checks(["6.3.1.2"]);
    const changes = await grubbyArgs.plan(ctx, { args: ["audit=1"], removeArgs: ["selinux=0"] }, check as LoadedCheck);
    expect(changes.map((c) => (c.kind === "command" ? [c.argv, c.why] : [c.kind, c.kind === "write-file" ? c.after.content : ""]))).toEqual([
      [
        ["grubby", "--update-kernel", "ALL", "--args=audit=1", "--remove-args=selinux=0 audit"],
        `1 of 2 boot loader entries lack audit=1 -selinux=0 (audit set more than once and the kernel takes the last value: every audit removed first) (/usr/sbin/grubby); then ${A}: options root=/dev/vda1 ro "acpi_osi=Windows 2009" audit=1`,
      ],
      ["write-file", 'root=/dev/vda1 ro "acpi_osi=Windows 2009" audit=1\n'],
    ]);
    files[`/boot/loader/entries/${A}`] = entry("5.14.0-427.el9.x86_64", "root=/dev/vda1 ro audit=0 audit=1");
    files["/etc/kernel/cmdline"] = "root=/dev/vda1 ro audit=0 audit=1\n";
    expect(await grubbyArgs.plan(ctx, { args: ["audit=1"], removeArgs: [] }, check as LoadedCheck)).toEqual([]);
  });
});
