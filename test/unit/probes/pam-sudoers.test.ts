/** pam, pam-option and sudoers: PAM stacks with their includes, module options, sudo's policy with its includes. */
import { afterAll, describe, expect, it } from "vitest";
import pamProbe, { parsePam } from "../../../src/probes/pam.js";
import pamOptionProbe, { parseModuleConf } from "../../../src/probes/pam-option.js";
import sudoersProbe, { parseSudoers } from "../../../src/probes/sudoers.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

describe("parsePam", () => {
  it("types (with -), bracket controls, @include, continuations, comments; odd lines are problems", () => {
    const p = parsePam("# comment\nauth [success=1 default=ignore] pam_unix.so nullok # trailing\n-session optional pam_systemd.so\n@include common-account\npassword requisite pam_pwquality.so \\\n  retry=3\nfoo bar baz\nauth required\nauth required pam_exec.so [a b\n");
    expect(p.lines).toEqual([
      { type: "auth", optional: false, control: "[success=1 default=ignore]", module: "pam_unix.so", args: ["nullok"], line: 2 },
      { type: "session", optional: true, control: "optional", module: "pam_systemd.so", args: [], line: 3 },
      { type: "password", optional: false, control: "requisite", module: "pam_pwquality.so", args: ["retry=3"], line: 5 },
    ]);
    expect(p.includes).toEqual([{ name: "common-account", line: 4, index: 2 }]);
    expect(p.problems).toEqual([
      { line: 7, message: 'unknown type "foo"' },
      { line: 8, message: 'expected "type control module", found 2 word(s)' },
      { line: 9, message: "unbalanced [ ] in the line" },
    ]);
  });
});

const COMMON_AUTH = "auth requisite pam_faillock.so preauth\nauth [success=1 default=ignore] pam_unix.so nullok\nauth [default=die] pam_faillock.so authfail deny=4\nauth requisite pam_deny.so\n";

describe("pam probe", () => {
  it("resolves @include (Debian) and include/substack (per type), keeping file and line", async () => {
    const root = await fixtureRoot({
      "etc/pam.d/common-auth": COMMON_AUTH,
      "etc/pam.d/common-account": "account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so\naccount requisite pam_deny.so\n",
      "etc/pam.d/sshd": "@include common-auth\naccount required pam_nologin.so\n@include common-account\nsession include common-session\n",
      "etc/pam.d/common-session": "session required pam_unix.so\nauth required pam_never.so\n",
    });
    const f = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "sshd" }));
    expect(f.value.modules).toEqual(["pam_faillock.so", "pam_unix.so", "pam_deny.so", "pam_nologin.so"]);
    expect(f.value.entries.map((e) => [e.type, e.module, e.file, e.line])).toEqual([
      ["auth", "pam_faillock.so", "/etc/pam.d/common-auth", 1],
      ["auth", "pam_unix.so", "/etc/pam.d/common-auth", 2],
      ["auth", "pam_faillock.so", "/etc/pam.d/common-auth", 3],
      ["auth", "pam_deny.so", "/etc/pam.d/common-auth", 4],
      ["account", "pam_nologin.so", "/etc/pam.d/sshd", 2],
      ["account", "pam_unix.so", "/etc/pam.d/common-account", 1],
      ["account", "pam_deny.so", "/etc/pam.d/common-account", 2],
      ["session", "pam_unix.so", "/etc/pam.d/common-session", 1],
    ]);
    expect(f.value.entries[2]).toMatchObject({ options: { deny: "4" }, flags: ["authfail"], via: ["/etc/pam.d/sshd"] });
    const auth = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "sshd", type: "session" }));
    expect(auth.value.modules).toEqual(["pam_unix.so"]);
  });

  it("a missing service uses other; a loop is a problem, not a hang; an unreadable include is unknown", async () => {
    const root = await fixtureRoot({
      "etc/pam.d/other": "auth required pam_deny.so\n",
      "etc/pam.d/a": "auth include b\n",
      "etc/pam.d/b": "auth include a\n",
      "etc/pam.d/c": "@include d\n",
      "etc/pam.d/d": { symlink: "../../../../../elsewhere" },
    });
    const missing = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "login" }));
    expect(missing.value).toMatchObject({ exists: false, modules: ["pam_deny.so"] });
    const loop = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "a" }));
    expect(loop.evidence).toContainEqual({ file: "/etc/pam.d/a", detail: "include loop or nesting deeper than 16: /etc/pam.d/a -> /etc/pam.d/b -> /etc/pam.d/a" });
    const bad = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "c" }));
    expect(bad.unknown?.entries).toMatch(/^cannot read \/etc\/pam\.d\/d: /);
  });
});

describe("pam-option probe", () => {
  it("module conf files (pwquality.conf.d after pwquality.conf, last wins) and the option on the module's lines", async () => {
    expect(parseModuleConf("# x\nminlen = 8\nenforce_for_root\nbad line here\n")).toEqual([{ key: "minlen", value: "8", line: 2 }, { key: "enforce_for_root", value: "", line: 3 }]);
    const root = await fixtureRoot({
      "etc/security/pwquality.conf": "minlen = 8\n",
      "etc/security/pwquality.conf.d/50-cis.conf": "minlen = 14\nenforce_for_root\n",
      "etc/pam.d/common-password": "password requisite pam_pwquality.so retry=3 minlen=10\npassword [success=1] pam_unix.so use_authtok yescrypt\n",
    });
    const ctx = probeContext(root);
    expect(await pamOptionProbe.collect(ctx, pamOptionProbe.params.parse({ module: "pam_pwquality.so", option: "minlen", services: ["common-password"] }))).toEqual({
      value: {
        module: "pam_pwquality.so", option: "minlen", conf: "14", confFile: "/etc/security/pwquality.conf.d/50-cis.conf", confLine: 1,
        args: [{ value: "10", service: "common-password", file: "/etc/pam.d/common-password", line: 1 }], set: true, inStack: true,
      },
      evidence: [{ file: "/etc/security/pwquality.conf.d/50-cis.conf", line: 1, key: "minlen" }, { file: "/etc/pam.d/common-password", line: 1, key: "pam_pwquality.so minlen" }],
    });
    expect((await pamOptionProbe.collect(ctx, pamOptionProbe.params.parse({ module: "pam_pwquality.so", option: "enforce_for_root", services: ["common-password"] }))).value).toMatchObject({ conf: "", set: true, args: [] });
    const none = await pamOptionProbe.collect(ctx, pamOptionProbe.params.parse({ module: "pam_faillock.so", option: "deny", services: ["common-auth"] }));
    expect(none).toEqual({
      value: { module: "pam_faillock.so", option: "deny", args: [], set: false, inStack: false },
      evidence: [{ file: "/etc/security/faillock.conf", detail: "deny is not set in /etc/security/faillock.conf nor on pam_faillock.so's lines in common-auth" }],
    });
  });

  it("pam_tally2 (Linux-PAM < 1.5): its arguments only, no configuration file", async () => {
    const root = await fixtureRoot({
      // A stray faillock-style file is not pam_tally2's: it reads no file.
      "etc/security/faillock.conf": "deny = 3\n",
      "etc/pam.d/system-auth": "auth required pam_env.so\nauth required /lib64/security/pam_tally2.so deny=5 onerr=fail unlock_time=900\naccount required pam_tally2.so\n",
      "etc/pam.d/password-auth": "auth required pam_tally2.so\n",
    });
    const ctx = probeContext(root);
    const params = pamOptionProbe.params.parse({ module: "pam_tally2.so", option: "deny", services: ["system-auth", "password-auth"] });
    expect(await pamOptionProbe.collect(ctx, params)).toEqual({
      value: { module: "pam_tally2.so", option: "deny", args: [{ value: "5", service: "system-auth", file: "/etc/pam.d/system-auth", line: 2 }], set: true, inStack: true },
      evidence: [{ file: "/etc/pam.d/system-auth", line: 2, key: "pam_tally2.so deny" }],
    });
    const unset = await pamOptionProbe.collect(ctx, pamOptionProbe.params.parse({ module: "pam_tally2.so", option: "deny", services: ["password-auth"] }));
    expect(unset).toEqual({
      value: { module: "pam_tally2.so", option: "deny", args: [], set: false, inStack: true },
      evidence: [{ file: "/etc/pam.d/password-auth", line: 1, detail: "deny is not set on pam_tally2.so's lines in password-auth (pam_tally2.so has no configuration file)" }],
    });
  });
});

describe("sudoers", () => {
  it("parses Defaults with scopes and operators, user specs with tags, includes; odd lines are problems", () => {
    const p = parseSudoers('Defaults\tenv_reset, !lecture, logfile="/var/log/sudo.log"\nDefaults:%wheel !authenticate\nDefaults timestamp_timeout=5 # five\nroot ALL=(ALL:ALL) ALL\n%adm ALL=(ALL) NOPASSWD: /usr/bin/apt, \\\n  PASSWD: ALL\n@includedir /etc/sudoers.d\n#includedir /etc/sudoers.d\nCmnd_Alias X = /bin/ls\ngarbage\n');
    expect(p.defaults).toEqual([
      { name: "env_reset", negated: false, scope: "", line: 1 },
      { name: "lecture", negated: true, scope: "", line: 1 },
      { name: "logfile", negated: false, scope: "", line: 1, operator: "=", value: "/var/log/sudo.log" },
      { name: "authenticate", negated: true, scope: ":%wheel", line: 2 },
      { name: "timestamp_timeout", negated: false, scope: "", line: 3, operator: "=", value: "5" },
    ]);
    expect(p.userSpecs).toEqual([
      { text: "root ALL=(ALL:ALL) ALL", tags: [], line: 4 },
      { text: "%adm ALL=(ALL) NOPASSWD: /usr/bin/apt,    PASSWD: ALL", tags: ["NOPASSWD", "PASSWD"], line: 5 },
    ]);
    expect(p.includes).toEqual([{ kind: "includedir", path: "/etc/sudoers.d", line: 7 }, { kind: "includedir", path: "/etc/sudoers.d", line: 8 }]);
    expect(p.problems).toEqual([{ line: 10, message: 'neither Defaults, an alias nor a user specification: "garbage"' }]);
  });

  it("reads includes where they stand; an includedir skips names with '.' or '~'; derived settings", async () => {
    const root = await fixtureRoot({
      "etc/sudoers": "Defaults use_pty\n@includedir /etc/sudoers.d\nDefaults timestamp_timeout=10\nroot ALL=(ALL) ALL\n",
      "etc/sudoers.d/10-log": 'Defaults logfile="/var/log/sudo.log"\nDefaults !use_pty\n',
      "etc/sudoers.d/20-ops": "ops ALL=(ALL) NOPASSWD: ALL\n",
      "etc/sudoers.d/README.txt": "Defaults !authenticate\n",
      "etc/sudoers.d/30-x~": "Defaults !authenticate\n",
    });
    const f = await sudoersProbe.collect(probeContext(root), {});
    expect(f.value).toMatchObject({
      exists: true, files: ["/etc/sudoers", "/etc/sudoers.d/10-log", "/etc/sudoers.d/20-ops"],
      usePty: false, logfile: "/var/log/sudo.log", timestampTimeout: 10, authenticateDisabled: false, nopasswd: true,
    });
    expect(f.evidence).toContainEqual({ file: "/etc/sudoers.d/10-log", line: 2, key: "Defaults !use_pty" });
  });

  it("scoped Defaults (:user, >runas, !cmnd, @host) are not global: use_pty, logfile and timestamp_timeout as CIS 5.2.x's greps read them", async () => {
    const root = await fixtureRoot({
      "etc/sudoers": [
        "Defaults !use_pty",
        "Defaults use_pty",
        "Defaults:alice !use_pty, logfile=/var/log/alice.log, timestamp_timeout=60",
        "Defaults>root timestamp_timeout=-1",
        "Defaults!/usr/bin/less timestamp_timeout=abc",
        "Defaults@db1 !use_pty",
        "Defaults timestamp_timeout=5",
        "Defaults !timestamp_timeout",
        "",
      ].join("\n"),
    });
    const f = await sudoersProbe.collect(probeContext(root), {});
    expect(f.value.usePty).toBe(true);
    expect(f.value.usePtyNegated).toBe(true); // line 1: a global !use_pty, though line 2 turns it back on
    expect(f.value.logfile).toBeUndefined();
    expect(f.value.timestampTimeout).toBe(5);
    expect(f.value.timestampTimeouts).toEqual([
      { key: "Defaults:alice timestamp_timeout=60", minutes: 60, scope: ":alice", file: "/etc/sudoers", line: 3 },
      { key: "Defaults>root timestamp_timeout=-1", minutes: -1, scope: ">root", file: "/etc/sudoers", line: 4 },
      { key: "Defaults!/usr/bin/less timestamp_timeout=abc", minutes: null, scope: "!/usr/bin/less", file: "/etc/sudoers", line: 5 },
      { key: "Defaults timestamp_timeout=5", minutes: 5, scope: "", file: "/etc/sudoers", line: 7 },
    ]);
    const scopedOnly = await sudoersProbe.collect(probeContext(await fixtureRoot({ "etc/sudoers": "Defaults:alice !use_pty\n" })), {});
    expect(scopedOnly.value).toMatchObject({ usePty: false, usePtyNegated: false, timestampTimeout: 15, timestampTimeouts: [] });
  });

  it("no sudoers: not there, sudo's defaults; an unreadable include is unknown", async () => {
    const none = await sudoersProbe.collect(probeContext(await fixtureRoot({ "etc/hostname": "x\n" })), {});
    expect(none.value).toMatchObject({ exists: false, usePty: false, timestampTimeout: 15, nopasswd: false });
    const root = await fixtureRoot({ "etc/sudoers": "@include /etc/sudoers.local\n", "etc/sudoers.local": { symlink: "../../../../x" } });
    expect((await sudoersProbe.collect(probeContext(root), {})).unknown?.usePty).toMatch(/^cannot read \/etc\/sudoers\.local: /);
  });
});
