/**
 * Hostile input on the include and glob machinery added since issue 19: globs from host
 * files (rsyslog `$IncludeConfig`, nft `include`) neither backtrack nor walk the whole
 * tree; include graphs (PAM include/substack/@include, sudoers @include/@includedir,
 * rsyslog, nft) end on cycles and caps with an `error` naming the cap; includes that lead
 * to a FIFO, a device or a link out of the root are `error` naming the path, never opened.
 */
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { globComponentMatcher, globComponentToRegExp, HostRoot, MAX_GLOB_PATHS } from "../../../src/host/host-root.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import pamProbe from "../../../src/probes/pam.js";
import sudoersProbe from "../../../src/probes/sudoers.js";
import rsyslogProbe from "../../../src/probes/rsyslog-conf.js";
import firewallProbe from "../../../src/probes/firewall.js";
import systemdConfProbe from "../../../src/probes/systemd-conf.js";
import auditRulesProbe from "../../../src/probes/audit-rules.js";
import limitsProbe from "../../../src/probes/security-limits.js";
import { MAX_PAM_STACK_LINES } from "../../../src/probes/kit/pam-stack.js";
import { MAX_DROPIN_FILES } from "../../../src/probes/kit/read.js";

afterAll(cleanupFixtures);

const GUARD = 60_000;

describe("globs from host files", () => {
  it("the matcher agrees with the glob regex on small patterns and names", () => {
    const pat = fc.array(fc.constantFrom("a", "b", ".", "*", "?", "[ab]", "[!a]", "[a-c]", "[^b]", "]", "["), { maxLength: 7 }).map((x) => x.join(""));
    const name = fc.array(fc.constantFrom("a", "b", "c", ".", "[", "]"), { maxLength: 8 }).map((x) => x.join(""));
    fc.assert(
      fc.property(pat, name, (p, n) => {
        expect(globComponentMatcher(p)(n), `${p} ~ ${n}`).toBe(globComponentToRegExp(p).test(n));
      }),
      { numRuns: 3000, seed: 19 },
    );
  });

  it("`*a*a*a*a*a*a*a*a*a*a*a*b` against 255-character names: no backtracking blow-up", async () => {
    const root = await fixtureRoot({ "etc/rsyslog.d/keep": "" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFile(path.join(root, "etc/rsyslog.d", "a".repeat(250) + String(i).padStart(5, "0")), "")));
    const host = new HostRoot({ root });
    expect(await host.glob(`/etc/rsyslog.d/${"*a".repeat(11)}*b`)).toEqual([]);
    expect(await host.glob(`/etc/rsyslog.d/${"*a".repeat(11)}*00019`)).toEqual([`/etc/rsyslog.d/${"a".repeat(250)}00019`]);
  }, GUARD);

  it(`a glob over more than ${MAX_GLOB_PATHS} paths is refused, naming the cap`, async () => {
    const root = await fixtureRoot({ "etc/keep": "" });
    for (let d = 0; d < 110; d++) {
      await mkdir(path.join(root, "srv", `d${d}`), { recursive: true });
      await Promise.all(Array.from({ length: 100 }, (_, i) => writeFile(path.join(root, "srv", `d${d}`, `f${i}`), "")));
    }
    const host = new HostRoot({ root });
    expect((await host.glob("/srv/d1/*")).length).toBe(100);
    await expect(host.glob("/srv/*/*")).rejects.toThrow(`/srv/*/* expands to more than ${MAX_GLOB_PATHS} paths (the glob cap): not read`);
  }, GUARD);
});

describe("include graphs: cycles end, fan-out and file count are capped with an error naming the cap", () => {
  it("PAM: ten @include lines per file over six levels (a million walks) is error naming the cap, not a hang", async () => {
    const spec: Record<string, string> = { "etc/pam.d/sshd": "@include l1\n".repeat(10) };
    for (let l = 1; l < 6; l++) spec[`etc/pam.d/l${l}`] = `@include l${l + 1}\n`.repeat(10);
    spec["etc/pam.d/l6"] = "auth required pam_unix.so\n";
    const root = await fixtureRoot(spec);
    const f = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "sshd" }));
    const why = `cannot read /etc/pam.d/sshd: the stack expands to more than ${MAX_PAM_STACK_LINES} lines with its includes (the PAM stack cap)`;
    expect(f.unknown).toEqual({ entries: why, modules: why });
  }, GUARD);

  it("PAM: a self-include and a two-file cycle end with a problem naming the loop; the rest is read", async () => {
    const root = await fixtureRoot({
      "etc/pam.d/sshd": "@include sshd\nauth include a\nauth required pam_unix.so\n",
      "etc/pam.d/a": "auth include b\nauth required pam_faillock.so\n",
      "etc/pam.d/b": "auth include a\n",
    });
    const f = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "sshd" }));
    expect(f.unknown).toBeUndefined();
    expect(f.value.modules).toEqual(["pam_faillock.so", "pam_unix.so"]);
    expect(f.evidence).toContainEqual({ file: "/etc/pam.d/sshd", detail: "include loop or nesting deeper than 16: /etc/pam.d/sshd -> /etc/pam.d/sshd" });
    expect(f.evidence).toContainEqual({ file: "/etc/pam.d/a", detail: "include loop or nesting deeper than 16: /etc/pam.d/sshd -> /etc/pam.d/a -> /etc/pam.d/b -> /etc/pam.d/a" });
  });

  it("sudoers: a self-include and a cycle are read once; 300 files in includedir is error naming the cap", async () => {
    const spec: Record<string, string> = {
      "etc/sudoers": "@include /etc/sudoers\n@include /etc/sudoers.x/a\n@includedir /etc/sudoers.d\nDefaults use_pty\n",
      "etc/sudoers.x/a": "@include /etc/sudoers.x/b\n",
      "etc/sudoers.x/b": "@include /etc/sudoers.x/a\nDefaults logfile=/var/log/sudo.log\n",
    };
    const cyc = await sudoersProbe.collect(probeContext(await fixtureRoot(spec)), sudoersProbe.params.parse({}));
    expect(cyc.unknown).toBeUndefined();
    expect(cyc.value.files).toEqual(["/etc/sudoers", "/etc/sudoers.x/a", "/etc/sudoers.x/b"]);
    expect(cyc.value.usePty).toBe(true);
    expect(cyc.value.logfile).toBe("/var/log/sudo.log");
    for (let i = 0; i < 300; i++) spec[`etc/sudoers.d/f${String(i).padStart(3, "0")}`] = "Defaults !use_pty\n";
    const many = await sudoersProbe.collect(probeContext(await fixtureRoot(spec)), sudoersProbe.params.parse({}));
    const why = "cannot read /etc/sudoers.d/f253: more than 256 files included (the include cap), not read";
    expect(many.unknown?.usePty).toBe(why);
    expect(many.value.files).toHaveLength(256);
  }, GUARD);
});

describe("includes that lead to a FIFO or out of the root: error naming the path, never opened", () => {
  // Each probe reads a configuration whose include (or drop-in) names `target`.
  const at = (root: string) => probeContext(root);
  // [name, files including `t`, collect, the path the error names when `t` is reached through a link (else `t`)]
  const table: [string, (t: string) => Record<string, string | { symlink: string }>, (root: string) => Promise<{ unknown?: Record<string, string> | undefined }>, string?][] = [
    ["sudoers @include", (t) => ({ "etc/sudoers": `@include ${t}\nDefaults use_pty\n` }), (r) => sudoersProbe.collect(at(r), sudoersProbe.params.parse({}))],
    ["sudoers @includedir entry", (t) => ({ "etc/sudoers": "@includedir /etc/sudoers.d\n", "etc/sudoers.d/x": { symlink: t } }), (r) => sudoersProbe.collect(at(r), sudoersProbe.params.parse({})), "/etc/sudoers.d/x"],
    ["PAM @include", (t) => ({ "etc/pam.d/sshd": `@include ${t}\nauth required pam_unix.so\n` }), (r) => pamProbe.collect(at(r), pamProbe.params.parse({ service: "sshd" }))],
    ["PAM substack", (t) => ({ "etc/pam.d/sshd": `auth substack ${t}\n` }), (r) => pamProbe.collect(at(r), pamProbe.params.parse({ service: "sshd" }))],
    ["rsyslog $IncludeConfig", (t) => ({ "etc/rsyslog.conf": `$IncludeConfig ${t}\n` }), (r) => rsyslogProbe.collect(at(r), rsyslogProbe.params.parse({}))],
    ["rsyslog include() glob", (t) => ({ "etc/rsyslog.conf": 'include(file="/etc/rsyslog.d/*.conf")\n', "etc/rsyslog.d/x.conf": { symlink: t } }), (r) => rsyslogProbe.collect(at(r), rsyslogProbe.params.parse({})), "/etc/rsyslog.d/x.conf"],
    ["nft include", (t) => ({ "etc/nftables.conf": `include "${t}"\ntable inet f {\n}\n` }), (r) => firewallProbe.collect(at(r), firewallProbe.params.parse({ backend: "nftables" }))],
    ["journald.conf.d drop-in", (t) => ({ "etc/systemd/journald.conf": "[Journal]\n", "etc/systemd/journald.conf.d/x.conf": { symlink: t } }), (r) => systemdConfProbe.collect(at(r), systemdConfProbe.params.parse({ file: "journald.conf", section: "Journal", key: "Storage" })), "/etc/systemd/journald.conf.d/x.conf"],
    ["audit rules.d", (t) => ({ "etc/audit/rules.d/x.rules": { symlink: t } }), (r) => auditRulesProbe.collect(at(r), auditRulesProbe.params.parse({})), "/etc/audit/rules.d/x.rules"],
    ["limits.d", (t) => ({ "etc/security/limits.conf": "* hard core 0\n", "etc/security/limits.d/x.conf": { symlink: t } }), (r) => limitsProbe.collect(at(r), limitsProbe.params.parse({ item: "core" })), "/etc/security/limits.d/x.conf"],
  ];

  it.each(table)("%s → a FIFO: error naming it, no blocking open", async (_n, files, collect, named) => {
    const root = await fixtureRoot({ ...files("/etc/fifo"), "etc/keep": "" });
    expect(spawnSync("mkfifo", [path.join(root, "etc/fifo")]).status).toBe(0);
    const f = await collect(root);
    const why = Object.values(f.unknown ?? {})[0];
    expect(why).toContain(`${named ?? "/etc/fifo"}: ${named ?? "/etc/fifo"} is not a regular file`);
  }, GUARD);

  it.each(table)("%s → a link climbing out of the root: error naming it, the outside file not read", async (_n, files, collect, named) => {
    const outside = await fixtureRoot({ "secret.txt": "Defaults use_pty\nauth required pam_outside.so\n" });
    const root = await fixtureRoot({ ...files("/etc/escape"), "etc/keep": "" });
    await symlink(path.relative(path.join(root, "etc"), path.join(outside, "secret.txt")), path.join(root, "etc/escape"));
    const f = await collect(root);
    const why = Object.values(f.unknown ?? {})[0];
    expect(why).toContain(named ?? "/etc/escape");
    expect(why).toMatch(/climbs above|points outside/);
    expect(JSON.stringify(f)).not.toContain("pam_outside");
  }, GUARD);
});

describe("drop-in directories: a file cap, and reasons that stay short", () => {
  const many = (dir: string, n: number, ext: string, content: string): Record<string, string> =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`${dir}/f${String(i).padStart(5, "0")}${ext}`, content]));

  it(`audit rules.d, limits.d, journald.conf.d with ${MAX_DROPIN_FILES + 1} files: error naming the cap, none read`, async () => {
    const root = await fixtureRoot({
      ...many("etc/audit/rules.d", MAX_DROPIN_FILES + 1, ".rules", "-w /etc/passwd -p wa -k identity\n"),
      ...many("etc/security/limits.d", MAX_DROPIN_FILES + 1, ".conf", "* hard core 0\n"),
      ...many("etc/systemd/journald.conf.d", MAX_DROPIN_FILES + 1, ".conf", "[Journal]\nStorage=persistent\n"),
    });
    const audit = await auditRulesProbe.collect(probeContext(root), auditRulesProbe.params.parse({}));
    expect(audit.unknown?.rules).toBe(`cannot read /etc/audit/rules.d: ${MAX_DROPIN_FILES + 1} rules files, over the ${MAX_DROPIN_FILES}-file cap, none read`);
    const limits = await limitsProbe.collect(probeContext(root), limitsProbe.params.parse({ item: "core" }));
    expect(Object.values(limits.unknown ?? {})[0]).toBe(`cannot read /etc/security/limits.d: ${MAX_DROPIN_FILES + 1} files, over the ${MAX_DROPIN_FILES}-file cap, none read`);
    const journald = await systemdConfProbe.collect(probeContext(root), systemdConfProbe.params.parse({ file: "journald.conf", section: "Journal", key: "Storage" }));
    expect(journald.unknown?.value).toBe(`cannot read /etc/systemd/journald.conf.d: ${MAX_DROPIN_FILES + 1} drop-ins, over the ${MAX_DROPIN_FILES}-file cap, none read`);
  }, GUARD);

  it("a PAM stack including an unreadable file 40 times: the reason names five and counts the rest", async () => {
    const root = await fixtureRoot({ "etc/pam.d/sshd": "@include /etc/fifo\n".repeat(40) + "auth required pam_unix.so\n", "etc/keep": "" });
    expect(spawnSync("mkfifo", [path.join(root, "etc/fifo")]).status).toBe(0);
    const f = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "sshd" }));
    const one = "/etc/fifo: /etc/fifo is not a regular file";
    expect(f.unknown?.entries).toBe(`cannot read ${Array(5).fill(one).join("; ")}; and 35 more`);
  });
});
