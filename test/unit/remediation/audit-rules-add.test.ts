import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HostRoot } from "../../../src/host/host-root.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { selectChecks } from "../../../src/engine/select.js";
import { loadPacks } from "../../../src/packs/load.js";
import { applyPlan } from "../../../src/remediation/apply.js";
import { validateFix } from "../../../src/remediation/index.js";
import { RunStore } from "../../../src/remediation/journal.js";
import { planRemediation } from "../../../src/remediation/plan.js";
import { rollbackRun } from "../../../src/remediation/rollback.js";
import { NODEWARD_AUDIT_RULES } from "../../../src/remediation/audit-rules-add.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { TableHost } from "../../helpers/hidden-sources.js";
import { treeHash } from "./helpers.js";

afterAll(cleanupFixtures);

const OS: FixtureSpec = { "etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n" };

let packs: ReturnType<typeof loadPacks> | undefined;
async function checks(ids: string[]) {
  const loaded = await (packs ??= loadPacks([DEFAULT_BENCHMARKS_DIR], { validateFix }));
  if (loaded.errors.length > 0) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
  return selectChecks(loaded.packs, { checks: ids.map((id) => `cis-debian-12/${id}`) });
}

describe("audit-rules-add (CIS auditd rules)", () => {
  it("validates its rules: one watch or always rule each, as auditctl reads them", () => {
    expect(validateFix({ action: "audit-rules-add", params: { rules: ["-w /etc/sudoers -p wa -k scope"] } })).toBeUndefined();
    expect(validateFix({ action: "audit-rules-add", params: { rules: ["-e 2"] } })).toMatch(/one audit rule/);
    expect(validateFix({ action: "audit-rules-add", params: { rules: ["-x nonsense"] } })).toMatch(/one audit rule/);
    expect(validateFix({ action: "audit-rules-add", params: { rules: [] } })).toMatch(/rules/);
  });

  it("adds only the missing rules (a rule written another way is there already), 0640 root:root; a second plan has nothing to do; rollback restores the tree", async () => {
    const root = await fixtureRoot({
      ...OS,
      // The sudoers watch as auditctl -l would print it (trailing slash, -F key=): already there.
      "etc/audit/rules.d/10-site.rules": { content: "-w /etc/sudoers/ -p aw -F key=site\n", mode: 0o640 },
      // sudo's log file, set in an included file: 6.2.3.3's watch is written on it.
      "etc/sudoers": "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
      "etc/sudoers.d/60-log": 'Defaults logfile="/var/log/sudo-site.log"\n',
    });
    const host = new HostRoot({ root });
    const cs = await checks(["6.2.3.1", "6.2.3.3"]);
    const plan = await planRemediation({ host, checks: cs });
    expect(plan.fixes.map((f) => [f.check.id, f.error, f.needs])).toEqual([["6.2.3.1", undefined, "reboot"], ["6.2.3.3", undefined, "reboot"]]);
    const [scope, sudoLog] = plan.fixes;
    expect(scope?.changes).toEqual([{
      kind: "write-file", path: NODEWARD_AUDIT_RULES, before: null,
      after: { content: "## Written by nodeward: audit rules added by remediation (augenrules loads rules.d at boot).\n-w /etc/sudoers.d -p wa -k scope\n", mode: 0o640, uid: 0, gid: 0 },
    }]);
    // The second fix sees the first's planned file (the plan's overlay) and appends to it.
    const second = sudoLog?.changes[0];
    expect(second?.kind === "write-file" && second.after.content.endsWith("-w /etc/sudoers.d -p wa -k scope\n-w /var/log/sudo-site.log -p wa -k sudo_log_file\n")).toBe(true);

    const original = await treeHash(root);
    const state = await mkdtemp(path.join(tmpdir(), "nodeward-audit-fix-"));
    try {
      const store = new RunStore(state);
      const result = await applyPlan({ plan, store });
      expect(result.status).toBe("complete");
      expect(Object.fromEntries(result.rescan.map((r) => [r.id, r.status]))).toEqual({ "6.2.3.1": "pass", "6.2.3.3": "pass" });
      const file = path.join(root, NODEWARD_AUDIT_RULES);
      expect(await readFile(file, "utf8")).toBe("## Written by nodeward: audit rules added by remediation (augenrules loads rules.d at boot).\n-w /etc/sudoers.d -p wa -k scope\n-w /var/log/sudo-site.log -p wa -k sudo_log_file\n");
      expect(((await stat(file)).mode & 0o7777).toString(8)).toBe("640");
      expect((await applyPlan({ plan: await planRemediation({ host, checks: cs }), store })).status).toBe("nothing-to-do");
      await rollbackRun({ store });
      expect(await treeHash(root)).toBe(original);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
  });

  it("the sudo log watch is written on every file sudo logs to: the global logfile and each scoped one (Defaults:alice logfile=…)", async () => {
    const root = await fixtureRoot({ ...OS, "etc/sudoers": 'Defaults logfile="/var/log/sudo.log"\nDefaults:alice logfile=/var/log/sudo-alice.log\n' });
    const host = new HostRoot({ root });
    const cs = await checks(["6.2.3.3"]);
    const plan = await planRemediation({ host, checks: cs });
    expect(plan.results[0]?.message).toBe("sudoLogWatches is 0 of 0 matching, expected some element: perms contains w and contains a; sudoScopedLogfiles is 1 of 1 not matching: /var/log/sudo-alice.log, expected every element: watched = true, loaded not (= false)");
    const c = plan.fixes[0]?.changes[0];
    expect(c?.kind === "write-file" && c.after.content.endsWith("\n-w /var/log/sudo.log -p wa -k sudo_log_file\n-w /var/log/sudo-alice.log -p wa -k sudo_log_file\n")).toBe(true);
    const state = await mkdtemp(path.join(tmpdir(), "nodeward-audit-fix-"));
    try {
      const result = await applyPlan({ plan, store: new RunStore(state) });
      expect(result.rescan.map((r) => [r.id, r.status])).toEqual([["6.2.3.3", "pass"]]);
    } finally {
      await rm(state, { recursive: true, force: true });
    }
    // A scoped logfile with a blank cannot be written as a -w watch: refused, naming it.
    const blank = await planRemediation({ host: new HostRoot({ root: await fixtureRoot({ ...OS, "etc/sudoers": 'Defaults logfile=/var/log/sudo.log\nDefaults:bob logfile="/var/log/bob sudo.log"\n' }) }), checks: cs });
    expect(blank.fixes[0]?.error).toMatch(/"\/var\/log\/bob sudo\.log" is not an absolute path without blanks/);
  });

  it("the sudo log watch: refused when sudo sets no logfile or sudoers cannot be read (set the logfile first)", async () => {
    const cs = await checks(["6.2.3.3"]);
    const planFor = async (host: HostRoot) => {
      const plan = await planRemediation({ host, checks: cs });
      return { result: [plan.results[0]?.status, plan.results[0]?.message], error: plan.fixes[0]?.error };
    };
    expect(await planFor(new HostRoot({ root: await fixtureRoot({ ...OS, "etc/sudoers": "root ALL=(ALL:ALL) ALL\n" }) }))).toEqual({
      result: ["fail", "sudoLogfile is null, expected set"],
      error: "no Defaults logfile= in /etc/sudoers or the files it includes: sudo's log file is not known, so its watch cannot be written (set Defaults logfile= first, CIS 5.2.3)",
    });
    // sudoers unreadable: the check is error, so no fix is planned at all.
    const hidden = new TableHost({ root: await fixtureRoot({ ...OS, "etc/sudoers": "Defaults logfile=/var/log/sudo.log\n" }), hide: { source: "root:/etc/sudoers", mode: "unreadable" } });
    const denied = await planRemediation({ host: hidden, checks: cs });
    expect([denied.results[0]?.status, denied.fixes]).toEqual(["error", []]);
    expect(denied.results[0]?.message).toMatch(/^cannot determine sudoLogfile: cannot read \/etc\/sudoers: .*EACCES.*, so sudo's log file is not known$/);
  });

  it("auid>=UID_MIN is written with the root's UID_MIN (login.defs; 1000 when unset); the site's rules with its UID_MIN pass; an unreadable login.defs refuses", async () => {
    const cs = await checks(["6.2.3.10"]);
    const written = async (spec: FixtureSpec) => {
      const plan = await planRemediation({ host: new HostRoot({ root: await fixtureRoot({ ...OS, ...spec }) }), checks: cs });
      const c = plan.fixes[0]?.changes[0];
      return { error: plan.fixes[0]?.error, content: c?.kind === "write-file" ? c.after.content.split("\n").slice(1).join("\n") : undefined };
    };
    const mounts = (uid: string) => ["b64", "b32"].map((a) => `-a always,exit -F arch=${a} -S mount -F auid>=${uid} -F auid!=unset -k mounts`).join("\n") + "\n";
    expect(await written({ "etc/login.defs": "UID_MIN 2000\n" })).toEqual({ error: undefined, content: mounts("2000") });
    expect(await written({ "etc/login.defs": "PASS_MAX_DAYS 365\n" })).toEqual({ error: undefined, content: mounts("1000") });
    expect(await written({})).toEqual({ error: undefined, content: mounts("1000") });
    // The site's rules with its own UID_MIN pass the check: nothing to fix.
    const present = await planRemediation({ host: new HostRoot({ root: await fixtureRoot({ ...OS, "etc/login.defs": "UID_MIN 500\n", "etc/audit/rules.d/50-site.rules": mounts("500") }) }), checks: cs });
    expect(present.fixes).toEqual([]);
    const denied = await planRemediation({ host: new TableHost({ root: await fixtureRoot({ ...OS, "etc/login.defs": "UID_MIN 500\n" }), hide: { source: "root:/etc/login.defs", mode: "unreadable" } }), checks: cs });
    expect(denied.fixes[0]?.error).toMatch(/^\/etc\/login\.defs: .*EACCES.*: UID_MIN cannot be read: the auid>=UID_MIN rules cannot be written$/);
  });
});

// Where the scan cannot read rules.d the check is `error` and nothing is planned (a fix
// acts on `fail` only); where it can, the write is refused at a link.
describe("audit-rules-add on a hostile rules.d: refused with the reason, nothing written outside the root, no hang", () => {
  const planOne = async (spec: FixtureSpec) => {
    const root = await fixtureRoot({ ...OS, ...spec });
    const plan = await planRemediation({ host: new HostRoot({ root }), checks: await checks(["6.2.3.1"]) });
    return { root, plan, fix: plan.fixes[0] };
  };
  const errorOnly = (plan: Awaited<ReturnType<typeof planOne>>["plan"]) => [plan.results.map((r) => [r.id, r.status, r.message]), plan.fixes];

  it("50-nodeward.rules is a symlink out of the root: the write is refused, the outside file untouched", async () => {
    const outside = await fixtureRoot({ "target.rules": "# outside\n" });
    const { fix } = await planOne({ "etc/audit/rules.d/50-nodeward.rules": { symlink: `${outside}/target.rules` } });
    expect(fix?.error).toBe(`refusing to change ${NODEWARD_AUDIT_RULES}: it is a symlink (-> ${outside}/target.rules); nodeward never writes through a symlink`);
    expect(await readFile(`${outside}/target.rules`, "utf8")).toBe("# outside\n");
  });

  it("50-nodeward.rules is a FIFO: error from its lstat (never opened), no fix planned", async () => {
    const root = await fixtureRoot({ ...OS, "etc/audit/rules.d/10-site.rules": "-w /etc/sudoers -p wa -k scope\n" });
    execFileSync("mkfifo", [path.join(root, NODEWARD_AUDIT_RULES)]);
    const plan = await planRemediation({ host: new HostRoot({ root }), checks: await checks(["6.2.3.1"]) });
    expect(errorOnly(plan)).toEqual([[["6.2.3.1", "error", `cannot determine rules: cannot read ${NODEWARD_AUDIT_RULES}: ${NODEWARD_AUDIT_RULES} is not a regular file`]], []]);
  });

  it("rules.d is a link climbing out of the root: error naming it, no fix planned, nothing written outside", async () => {
    const outside = await fixtureRoot({});
    const { plan, root } = await planOne({ "etc/audit/rules.d": { symlink: `../../../../../../../../..${outside}` } });
    expect(errorOnly(plan)).toEqual([[["6.2.3.1", "error", `cannot determine rules: cannot read /etc/audit/rules.d: symlink /etc/audit/rules.d -> ../../../../../../../../..${outside} points outside the root ${root}`]], []]);
    expect(await readdir(outside)).toEqual([]);
  });

  it("a rules file over the read limit (a 64 MiB sparse file): error naming the limit, never read whole, no fix planned", async () => {
    const root = await fixtureRoot({ ...OS, "etc/audit/rules.d/10-big.rules": "" });
    await truncate(path.join(root, "etc/audit/rules.d/10-big.rules"), 64 * 1024 * 1024);
    const plan = await planRemediation({ host: new HostRoot({ root }), checks: await checks(["6.2.3.1"]) });
    expect(errorOnly(plan)).toEqual([[["6.2.3.1", "error", "cannot determine rules: cannot read /etc/audit/rules.d/10-big.rules: /etc/audit/rules.d/10-big.rules is 67108864 bytes, over the 33554432-byte read limit"]], []]);
  });
});
