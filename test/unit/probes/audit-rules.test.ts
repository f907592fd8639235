import { chmod } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { CommandResult, CommandRunner } from "../../../src/host/exec.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { MountView, parseMountinfo } from "../../../src/host/mount-view.js";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import probe, { parseAuditRules } from "../../../src/probes/audit-rules.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { TableHost } from "../../helpers/hidden-sources.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  mayOmit: {
    sudoLogfile: "set only with sudoLogfile: true",
    sudoLogWatches: "set only with sudoLogfile: true",
    sudoLogWatchesLoaded: "set only with sudoLogfile: true",
    sudoScopedLogfiles: "set only with sudoLogfile: true",
  },
  offline: { notApplicable: ["loaded"] },
});

afterAll(cleanupFixtures);
afterEach(() => {
  vi.unstubAllEnvs();
});

/** A directory holding `names` as empty executable files (the runner is stubbed: none is run). */
async function binDir(names: string[]): Promise<string> {
  const dir = await fixtureRoot(Object.fromEntries(names.map((n) => [n, ""])));
  for (const n of names) await chmod(path.join(dir, n), 0o755);
  return dir;
}

describe("parseAuditRules", () => {
  it("watches, syscall rules (both arches, -F fields, keys), control lines; auditctl -l's dir= form; odd lines are problems", () => {
    const text = [
      "## comment", "-D", "-b 8192",
      "-w /etc/sudoers -p wa -k scope",
      "-a always,exit -F arch=b64 -S adjtimex,settimeofday -S clock_settime -k time-change",
      "-a always,exit -F arch=b32 -S chmod -F auid>=1000 -F auid!=unset -F key=perm_mod",
      "-a always,exit -F dir=/etc/sudoers.d -F perm=wa -F key=scope",
      "-e 2", "-x nonsense", "-a",
    ].join("\n");
    const p = parseAuditRules(text);
    expect(p.rules.map((r) => [r.kind, r.path, r.perms, r.action, r.arch, r.syscalls, r.fields, r.key, r.control])).toEqual([
      ["control", undefined, undefined, undefined, undefined, [], [], undefined, { flag: "D", value: "" }],
      ["control", undefined, undefined, undefined, undefined, [], [], undefined, { flag: "b", value: "8192" }],
      ["watch", "/etc/sudoers", "wa", undefined, undefined, [], [], "scope", undefined],
      ["syscall", undefined, undefined, "always,exit", "b64", ["adjtimex", "settimeofday", "clock_settime"], [], "time-change", undefined],
      ["syscall", undefined, undefined, "always,exit", "b32", ["chmod"], ["auid>=1000", "auid!=unset"], "perm_mod", undefined],
      ["watch", "/etc/sudoers.d", "wa", "always,exit", undefined, [], [], "scope", undefined],
      ["control", undefined, undefined, undefined, undefined, [], [], undefined, { flag: "e", value: "2" }],
    ]);
    expect(p.problems).toEqual([
      { line: 9, message: 'unknown option "-x"' },
      { line: 10, message: "neither a watch (-w), a syscall rule (-a) nor a control option" },
    ]);
  });
});

describe("parseAuditRules: one rule, written in a rules file or listed by auditctl -l, reads the same", () => {
  it("trailing slash, auid unset as -1 or 4294967295, -C operands in either order, -F key=, long control options", () => {
    const file = parseAuditRules([
      "-w /etc/network/ -p wa -k system-locale",
      "-a always,exit -F arch=b64 -C euid!=uid -F auid!=unset -S execve -k user_emulation",
      "--backlog_wait_time 60000",
      "-w / -p wa",
    ].join("\n"));
    const listed = parseAuditRules([
      "-w /etc/network -p wa -k system-locale",
      "-a always,exit -F arch=b64 -S execve -C uid!=euid -F auid!=-1 -F key=user_emulation",
    ].join("\n"));
    expect(file.problems).toEqual([]);
    expect(file.rules.map((r) => [r.kind, r.path, r.fields, r.key, r.control])).toEqual([
      ["watch", "/etc/network", [], "system-locale", undefined],
      ["syscall", undefined, ["euid!=uid", "auid!=unset"], "user_emulation", undefined],
      ["control", undefined, [], undefined, { flag: "backlog_wait_time", value: "60000" }],
      ["watch", "/", [], undefined, undefined],
    ]);
    expect(listed.rules.map((r) => [r.kind, r.path, r.fields, r.key])).toEqual([
      ["watch", "/etc/network", [], "system-locale"],
      ["syscall", undefined, ["euid!=uid", "auid!=unset"], "user_emulation"],
    ]);
    expect(parseAuditRules("-a always,exit -S mount -F auid!=4294967295 -F loginuid=-1 -F uid!=0 -C gid>egid").rules[0]?.fields).toEqual(["auid!=unset", "loginuid=unset", "uid!=0", "gid>egid"]);
  });
});

describe("parseAuditRules: never rules", () => {
  it("-a never,exit and -a exit,never suppress events: kind never, whatever they name", () => {
    const p = parseAuditRules("-a never,exit -F arch=b64 -S adjtimex -k time-change\n-a exit,never -F path=/usr/bin/chcon -F perm=x\n-a always,exit -F arch=b64 -S mount");
    expect(p.rules.map((r) => [r.kind, r.action])).toEqual([["never", "never,exit"], ["never", "exit,never"], ["syscall", "always,exit"]]);
  });
});

describe("audit-rules probe: rules.d links stay inside the root", () => {
  it("an absolute link is read inside --root; a relative one climbing out is unreadable (never read, never 'no rules')", async () => {
    const inside = await fixtureRoot({
      "etc/audit/rules.d/50-link.rules": { symlink: "/etc/audit/site.rules" },
      "etc/audit/site.rules": "-w /etc/sudoers -p wa -k scope\n",
    });
    const f = await probe.collect(probeContext(inside), {});
    expect(f.value.rules.map((r) => [r.path, r.file])).toEqual([["/etc/sudoers", "/etc/audit/rules.d/50-link.rules"]]);
    expect(f.unknown).toBeUndefined();
    const out = await fixtureRoot({ "etc/audit/rules.d/50-out.rules": { symlink: "../../../../../../../../../../etc/passwd" } });
    const g = await probe.collect(probeContext(out), {});
    expect(g.value.rules).toEqual([]);
    expect(g.unknown?.rules).toMatch(/^cannot read \/etc\/audit\/rules\.d\/50-out\.rules: .*symlink \/etc\/audit\/rules\.d\/50-out\.rules -> \.\.\/(\.\.\/)+etc\/passwd points outside the root /);
    expect(g.unknown?.immutable).toBe(g.unknown?.rules);
  });
});

describe("audit-rules probe", () => {
  const files = {
    "etc/audit/rules.d/50-scope.rules": "-w /etc/sudoers -p wa -k scope\n",
    "etc/audit/rules.d/99-finalize.rules": "-e 2\n",
    "etc/audit/rules.d/README": "-w /ignored -p wa\n",
  };

  it("rules.d in name order; immutable from the last -e; loaded rules do not exist on an offline root", async () => {
    const root = await fixtureRoot(files);
    const f = await probe.collect(probeContext(root), {});
    expect(f.value).toMatchObject({ files: ["/etc/audit/rules.d/50-scope.rules", "/etc/audit/rules.d/99-finalize.rules"], immutable: true });
    expect(f.value.rules.map((r) => [r.kind, r.file])).toEqual([["watch", "/etc/audit/rules.d/50-scope.rules"], ["control", "/etc/audit/rules.d/99-finalize.rules"]]);
    expect(f.notApplicable?.loaded).toMatch(/^no running kernel to ask/);
    expect(f.unknown).toBeUndefined();
  });

  it("a running mounted host: loaded rules unknown (auditctl would ask this machine's kernel)", async () => {
    const root = await fixtureRoot({ ...files, "proc/1/cmdline": "/sbin/init\0" });
    const f = await probe.collect(probeContext(root), {});
    expect(f.unknown?.loaded).toMatch(/cannot be asked from here/);
  });

  it("the live host: auditctl -l's rules, run by its absolute path; a missing auditctl is unknown, never 'no rules'", async () => {
    const calls: string[][] = [];
    const stub = (r: Partial<CommandResult>): CommandRunner => (argv) => {
      calls.push([...argv]);
      return Promise.resolve({ argv: [...argv], exitCode: 0, stdout: "", stderr: "", failed: false, timedOut: false, notFound: false, truncated: false, durationMs: 1, ...r });
    };
    const live = new HostRoot({ root: "/" });
    const bin = await binDir(["auditctl"]);
    vi.stubEnv("PATH", bin);
    const ok = await probe.collect(createProbeContext(live, stub({ stdout: "-w /etc/sudoers -p wa -k scope\n" })), {});
    expect(ok.value.loaded?.map((r) => r.path)).toEqual(["/etc/sudoers"]);
    expect(calls).toEqual([[`${bin}/auditctl`, "-l"]]);
    // The non-root agent: auditctl refuses without CAP_AUDIT_CONTROL (exit 4) — unknown with that reason, never "no rules".
    const nonRoot = await probe.collect(createProbeContext(live, stub({ exitCode: 4, failed: true, stderr: "You must be root to run this program.\n", reason: "auditctl exited 4: You must be root to run this program." })), {});
    expect(nonRoot.unknown?.loaded).toBe("auditctl -l needs CAP_AUDIT_CONTROL, which this agent lacks (it does not run as root): auditctl exited 4: You must be root to run this program.");
    expect(nonRoot.value.loaded).toBeUndefined();
    const slow = await probe.collect(createProbeContext(live, stub({ exitCode: null, failed: true, timedOut: true })), {});
    expect(slow.unknown?.loaded).toBe("auditctl -l timed out: the loaded rules were not read");
    const cut = await probe.collect(createProbeContext(live, stub({ stdout: "-w /etc/sudoers -p wa -k scope\n", truncated: true })), {});
    expect(cut.unknown?.loaded).toBe("auditctl -l: output over the cap, the loaded rules were not read whole");
    // Not in PATH: never spawned; the message names no directory (a root shell and a unit compare their reports).
    calls.length = 0;
    vi.stubEnv("PATH", await binDir([]));
    const missing = await probe.collect(createProbeContext(live, stub({})), {});
    expect(missing.unknown?.loaded).toBe("auditctl is not installed (not found in PATH): the loaded rules cannot be read");
    expect(calls).toEqual([]);
  });

  it("the live host: a masked auditctl or an unsearchable PATH directory is unknown naming it, never 'not installed'", async () => {
    const bin = await binDir(["auditctl"]);
    vi.stubEnv("PATH", bin);
    const never: CommandRunner = () => Promise.reject(new Error("not to be run"));
    const lines = ["1 0 8:1 / / rw - ext4 /dev/sda rw", `2 1 0:26 /systemd/inaccessible/reg ${bin}/auditctl ro,nosuid,nodev,noexec - tmpfs tmpfs rw,mode=755`];
    const masked = new HostRoot({ root: "/", mounts: MountView.compare("/", parseMountinfo(lines.join("\n")).entries, null) });
    const m = await probe.collect(createProbeContext(masked, never), {});
    expect(m.unknown?.loaded).toMatch(new RegExp(`^auditctl was not found in PATH; could not search: ${bin}/auditctl is hidden from nodeward: ${bin}/auditctl is masked in nodeward's mount namespace \\(tmpfs /systemd/inaccessible/reg .*\\): the loaded rules cannot be read$`));
    expect(m.value.loaded).toBeUndefined();
    const denied = new TableHost({ root: "/", hide: { source: `root:${bin}`, mode: "unreadable" } });
    const d = await probe.collect(createProbeContext(denied, never), {});
    expect(d.unknown?.loaded).toBe(`auditctl was not found in PATH; could not search: ${bin} (EACCES): the loaded rules cannot be read`);
  });

  it("auid>=<UID_MIN of login.defs> reads auid>=UID_MIN (another number stays); an unreadable login.defs makes auid rules unknown", async () => {
    const rules = { "etc/audit/rules.d/50-cis.rules": "-a always,exit -F arch=b64 -S mount -F auid>=2000 -F auid!=unset -k mounts\n-a always,exit -F arch=b64 -S mount -F auid>=1000 -k x\n" };
    const set = await probe.collect(probeContext(await fixtureRoot({ ...rules, "etc/login.defs": "UID_MIN 1000\nUID_MIN 2000\n" })), {});
    expect(set.value.rules.map((r) => r.fields)).toEqual([["auid>=UID_MIN", "auid!=unset"], ["auid>=1000"]]);
    expect(set.value.uidMin).toBe(2000);
    expect(set.evidence).toContainEqual({ file: "/etc/login.defs", line: 2, key: "UID_MIN", detail: "UID_MIN 2000" });
    const unset = await probe.collect(probeContext(await fixtureRoot(rules)), {});
    expect(unset.value.rules.map((r) => r.fields)).toEqual([["auid>=2000", "auid!=unset"], ["auid>=UID_MIN"]]);
    expect(unset.evidence).toContainEqual({ file: "/etc/login.defs", detail: "absent: UID_MIN 1000 (the login.defs(5) default)" });
    const root = await fixtureRoot({ ...rules, "etc/login.defs": "UID_MIN 2000\n" });
    const hidden = await probe.collect(createProbeContext(new TableHost({ root, hide: { source: "root:/etc/login.defs", mode: "unreadable" } })), {});
    expect(hidden.unknown?.rules).toMatch(/^\/etc\/login\.defs: EACCES.*: UID_MIN cannot be read, so the auid>= rules cannot be compared with it$/);
    expect(hidden.value.uidMin).toBeUndefined();
    // Without an auid rule, UID_MIN does not matter: the watches are judged.
    const watches = await probe.collect(createProbeContext(new TableHost({ root: await fixtureRoot(files), hide: { source: "root:/etc/login.defs", mode: "unreadable" } })), {});
    expect(watches.unknown?.rules).toBeUndefined();
  });
  it("sudoLogfile: sudoers' Defaults logfile (its includes too) and the watches on it, on disk and loaded; unset is null; an unreadable include is unknown", async () => {
    const rules = { "etc/audit/rules.d/50-cis.rules": "-w /var/log/sudo.log -p wa -k sudo_log_file\n-w /var/log/sudo-site.log/ -p wa -k site\n" };
    const sudoers = { "etc/sudoers": "Defaults logfile=/var/log/sudo.log\n@includedir /etc/sudoers.d\n", "etc/sudoers.d/60-log": "Defaults logfile=\"/var/log/sudo-site.log\"\n" };
    const f = await probe.collect(probeContext(await fixtureRoot({ ...rules, ...sudoers })), { sudoLogfile: true });
    // The later setting (the included file, read where the include stands) wins.
    expect(f.value.sudoLogfile).toBe("/var/log/sudo-site.log");
    expect(f.value.sudoLogWatches?.map((r) => [r.path, r.perms, r.file])).toEqual([["/var/log/sudo-site.log", "wa", "/etc/audit/rules.d/50-cis.rules"]]);
    expect(f.evidence).toContainEqual({ file: "/etc/sudoers.d/60-log", line: 1, key: "Defaults logfile", detail: "/var/log/sudo-site.log" });
    expect(f.notApplicable).toEqual({ loaded: expect.stringMatching(/^no running kernel/), sudoLogWatchesLoaded: expect.stringMatching(/^no running kernel/) });
    // Without the param nothing of sudo is read or set.
    expect((await probe.collect(probeContext(await fixtureRoot({ ...rules, ...sudoers })), {})).value).not.toHaveProperty("sudoLogfile");
    // Unset: null, the reason in the evidence, the watches not applicable.
    const unset = await probe.collect(probeContext(await fixtureRoot({ ...rules, "etc/sudoers": "Defaults use_pty\n" })), { sudoLogfile: true });
    expect(unset.value.sudoLogfile).toBeNull();
    expect(unset.evidence).toContainEqual({ file: "/etc/sudoers", detail: "no Defaults logfile= in /etc/sudoers or the files it includes: sudo keeps no log file of its own, so there is none to watch (see 5.2.3)" });
    expect(unset.notApplicable?.sudoLogWatches).toBe("sudo has no log file");
    // An include that cannot be read could set it: unknown, never "unset".
    const root = await fixtureRoot({ ...rules, ...sudoers });
    const hidden = await probe.collect(createProbeContext(new TableHost({ root, hide: { source: "root:/etc/sudoers.d/60-log", mode: "unreadable" } })), { sudoLogfile: true });
    expect(hidden.unknown?.sudoLogfile).toMatch(/^cannot read \/etc\/sudoers\.d\/60-log: .*EACCES.*, so sudo's log file is not known$/);
    expect(hidden.value.sudoLogfile).toBeUndefined();
    expect(hidden.unknown?.sudoScopedLogfiles).toBe(hidden.unknown?.sudoLogfile);
  });
  it("sudoScopedLogfiles: each scoped Defaults logfile= with whether a w+a watch is on disk (loaded null offline); a rules.d unread makes them unknown", async () => {
    const sudoers = { "etc/sudoers": "Defaults logfile=/var/log/sudo.log\nDefaults:alice logfile=/var/log/alice.log\nDefaults>root logfile=/var/log/root.log\nDefaults:bob !logfile\n" };
    const rules = { "etc/audit/rules.d/50-cis.rules": "-w /var/log/sudo.log -p wa -k sudo_log_file\n-w /var/log/alice.log -p wa -k sudo_log_file\n-w /var/log/root.log -p w -k x\n" };
    const f = await probe.collect(probeContext(await fixtureRoot({ ...rules, ...sudoers })), { sudoLogfile: true });
    expect(f.value.sudoScopedLogfiles).toEqual([
      { key: "Defaults:alice logfile=/var/log/alice.log", path: "/var/log/alice.log", file: "/etc/sudoers", line: 2, watched: true, loaded: null },
      { key: "Defaults>root logfile=/var/log/root.log", path: "/var/log/root.log", file: "/etc/sudoers", line: 3, watched: false, loaded: null },
    ]);
    expect(f.evidence).toContainEqual({ file: "/etc/sudoers", line: 3, key: "Defaults>root logfile", detail: "/var/log/root.log" });
    // No global logfile: still listed (the check fails on sudoLogfile, and judges these too).
    const scopedOnly = await probe.collect(probeContext(await fixtureRoot({ ...rules, "etc/sudoers": "Defaults:alice logfile=/var/log/alice.log\n" })), { sudoLogfile: true });
    expect([scopedOnly.value.sudoLogfile, scopedOnly.value.sudoScopedLogfiles?.map((x) => x.watched)]).toEqual([null, [true]]);
    const root = await fixtureRoot({ ...rules, ...sudoers });
    const hidden = await probe.collect(createProbeContext(new TableHost({ root, hide: { source: "root:/etc/audit/rules.d/50-cis.rules", mode: "unreadable" } })), { sudoLogfile: true });
    expect(hidden.value.sudoScopedLogfiles).toBeUndefined();
    expect(hidden.unknown?.sudoScopedLogfiles).toMatch(/^cannot read \/etc\/audit\/rules\.d\/50-cis\.rules: /);
  });
});
