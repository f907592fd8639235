/**
 * kisa-unix-2026 (KISA 2026 edition, U-01…U-67): a pass and a fail fixture for every automated
 * check (exact status, message and evidence), the skips where an item does not apply, and what
 * every manual check shows. The 2026 thresholds differ from kisa-unix's 2021 ones where the
 * guide changed them (/etc/hosts 644, /etc/shadow 400, cron files 640): those cases say so.
 * Fixture files are chowned, so this runs as root (as the other pack tests).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { selectChecks } from "../../../src/engine/select.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { loadPacks } from "../../../src/packs/load.js";
import { loadSelection } from "../../../src/packs/selection.js";
import { validateFix } from "../../../src/remediation/index.js";
import { applyPlan } from "../../../src/remediation/apply.js";
import { RunStore } from "../../../src/remediation/journal.js";
import { planRemediation } from "../../../src/remediation/plan.js";
import { BENCHMARKS_DIR, loadShippedPacks, runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { accounts, AUTH_UNIX_ONLY, GROUP, expectCase, fail, owned, PAM_AUTH, PAM_PW, PAM_UNIX_ONLY, pass, PASSWD_LINES, permCases, SHADOW_LINES, skip, sockets, type Case } from "./kisa-cases.js";
import { enabled, enabledEvidence, unitFile } from "./cis-linux-cases.js";

afterAll(cleanupFixtures);

const PACK = "kisa-unix-2026";
const packsDir = path.join(BENCHMARKS_DIR, PACK);
const run = (id: string, spec: FixtureSpec): Promise<CheckResult> => runCheckOn(`${PACK}/${id}`, spec, { packsDir });

const PWQ = "etc/security/pwquality.conf";
const PASSWD = PASSWD_LINES.join("\n") + "\n";
const pwPam = (args = ""): FixtureSpec => ({ "etc/pam.d/common-password": `password requisite pam_pwquality.so retry=3${args}\npassword [success=1 default=ignore] pam_unix.so obscure yescrypt\n` });
/** RHEL 7's system-auth password lines with pam_cracklib (Linux-PAM < 1.5) and these arguments. */
const CRACK = (args = ""): FixtureSpec => ({ "etc/pam.d/system-auth": `password requisite pam_cracklib.so try_first_pass retry=3${args}\npassword sufficient pam_unix.so sha512 shadow use_authtok\n` });
/** RHEL's /etc/named.rfc1912.zones, shortened: its zones take no update. */
const RFC1912 = 'zone "localhost" IN {\n  type master;\n  file "named.localhost";\n  allow-update { none; };\n};\n';
const HIST = "password requisite pam_pwhistory.so use_authtok\npassword [success=1 default=ignore] pam_unix.so obscure yescrypt\n";
/** /usr/bin/su with this mode, root:wheel (gid 10), and a wheel group. */
const SU_WHEEL = (mode: number): FixtureSpec => accounts({ files: { "etc/group": GROUP + "wheel:x:10:alice\n", "usr/bin/su": owned("ELF", mode, 0, 10) } });
/** An auth stack with pam_tally2 (Linux-PAM < 1.5) and these arguments on its auth line. */
const TALLY2 = (args: string): string => `auth required pam_tally2.so onerr=fail${args}\nauth sufficient pam_unix.so\naccount required pam_tally2.so\n`;

const ACCOUNT_CASES: Case[] = [
  pass("U-01", "PermitRootLogin no", { "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n" }),
  fail("U-01", "PermitRootLogin yes", { "etc/ssh/sshd_config": "PermitRootLogin yes\n" }, "value is yes, expected no"),
  fail("U-01", "unset (OpenSSH default)", { "etc/ssh/sshd_config": "Port 22\n" }, "value is prohibit-password, expected no"),
  skip("U-01", "no sshd", {}, "no SSH server configuration (/etc/ssh/sshd_config absent), so no remote root login over SSH"),
  pass("U-01.securetty", "telnet listens; /etc/securetty lists console and ttys only", { ...sockets([23]), "etc/securetty": "console\ntty1\ntty2\n" }),
  fail("U-01.securetty", "pts/0 listed (root may log in over telnet)", { ...sockets([23]), "etc/securetty": "console\npts/0\npts/1\n" }, "matched is true, expected false",
    [{ file: "/etc/securetty", line: 2 }]),
  fail("U-01.securetty", "no /etc/securetty (pam_securetty then lets root in on every terminal)", sockets([23]), "exists is false, expected true", [{ file: "/etc/securetty" }]),
  skip("U-01.securetty", "nothing on 23/tcp", { ...sockets(), "etc/securetty": "pts/0\n" }, "nothing listens on the telnet port (23/tcp), so no root login over telnet"),
  pass("U-01.login-pam", "pam_securetty in /etc/pam.d/login", { ...sockets([23]), "etc/pam.d/login": "auth [success=ok new_authtok_reqd=ok ignore=ignore user_unknown=bad default=die] pam_securetty.so\n@include common-auth\n" }),
  fail("U-01.login-pam", "pam_securetty commented out", { ...sockets([23]), "etc/pam.d/login": "# auth requisite pam_securetty.so\n@include common-auth\n" }, "matched is false, expected true",
    [{ file: "/etc/pam.d/login" }]),
  skip("U-01.login-pam", "nothing on 23/tcp", { ...sockets(), "etc/pam.d/login": "@include common-auth\n" }, "nothing listens on the telnet port (23/tcp), so no root login over telnet"),

  pass("U-02", "pam_pwquality in common-password", { "etc/pam.d/common-password": PAM_PW, "etc/pam.d/su": "auth sufficient pam_rootok.so\n" }),
  fail("U-02", "pam_unix only", { "etc/pam.d/common-password": "password [success=1 default=ignore] pam_unix.so obscure\n", "etc/pam.d/su": "auth sufficient pam_rootok.so\n" },
    "files is 0 of 2 matching, expected some element: matched = true", [{ file: "/etc/pam.d/common-password" }, { file: "/etc/pam.d/su" }]),
  pass("U-02.minlen", "minlen = 8", { ...pwPam(), [PWQ]: "minlen = 8\n" }),
  pass("U-02.minlen", "unset (libpwquality's default 8)", { ...pwPam(), [PWQ]: "# minlen = 8\n" }),
  fail("U-02.minlen", "minlen = 6", { ...pwPam(), [PWQ]: "minlen = 6\n" }, "conf is 6, expected not set or >= 8"),
  fail("U-02.minlen", "minlen=6 on the PAM line", { ...pwPam(" minlen=6"), [PWQ]: "minlen = 8\n" }, "args is 1 of 1 matching: {\"value\":\"6\",\"service\":\"common-password\",\"file\":\"/etc/pam.d/common-password\",\"line\":1}, expected no element: value < 8"),
  fail("U-02.minlen", "unset and no pam_pwquality (nothing enforces a length)", { "etc/pam.d/common-password": PAM_UNIX_ONLY }, "inStack is false, expected true",
    [{ file: `/${PWQ}`, detail: "minlen is not set in /etc/security/pwquality.conf nor on pam_pwquality.so's lines in common-password, system-auth, password-auth" }]),
  fail("U-02.minlen", "minlen = 12 but no pam_pwquality (read by no one)", { "etc/pam.d/common-password": PAM_UNIX_ONLY, [PWQ]: "minlen = 12\n" }, "inStack is false, expected true"),
  ...(["dcredit", "ucredit", "lcredit", "ocredit"] as const).flatMap((k) => [
    pass(`U-02.${k}`, `${k} = -1 in pwquality.conf`, { ...pwPam(), [PWQ]: `# KISA\nminlen = 8\n${k} = -1\n` }),
    pass(`U-02.${k}`, `${k}=-1 on the PAM line (either place is enough)`, { ...pwPam(` ${k}=-1`), [PWQ]: "minlen = 8\n" }),
    fail(`U-02.${k}`, `${k} = 0`, { ...pwPam(), [PWQ]: `${k} = 0\n` },
      "(conf is 0, expected <= -1) or (args is 0 of 0 matching, expected some element: value <= -1 and no element: value > -1)", [{ file: `/${PWQ}`, line: 1, key: k }]),
    fail(`U-02.${k}`, "unset", { ...pwPam(), [PWQ]: "# minlen = 8\n" },
      "(conf is (not set), expected <= -1) or (args is 0 of 0 matching, expected some element: value <= -1 and no element: value > -1)"),
    fail(`U-02.${k}`, `${k}=1 on the PAM line overrides the file`, { ...pwPam(` ${k}=1`), [PWQ]: `${k} = -1\n` },
      '(args is 1 of 1 matching: {"value":"1","service":"common-password","file":"/etc/pam.d/common-password","line":1}, expected no element: value > -1) or (args is 0 of 1 matching, expected some element: value <= -1 and no element: value > -1)',
      [{ file: "/etc/pam.d/common-password", line: 1 }]),
    fail(`U-02.${k}`, `${k} = -1 but no pam_pwquality in the stack (read by no one)`, { "etc/pam.d/common-password": PAM_UNIX_ONLY, [PWQ]: `${k} = -1\n` },
      "inStack is false, expected true", [{ file: `/${PWQ}`, line: 1, key: k }]),
  ]),
  // pam_cracklib (Linux-PAM < 1.5, RHEL 7): its own twins; the pwquality checks skip where it is the module.
  ...([["U-02.minlen", "minlen"], ...(["dcredit", "ucredit", "lcredit", "ocredit"] as const).map((k) => [`U-02.${k}`, k])] as const).flatMap(([id, opt]) => [
    skip(`${id}.cracklib`, "pam_pwquality, no pam_cracklib", { ...pwPam(), [PWQ]: `${opt} = ${opt === "minlen" ? 8 : -1}\n` }, `pam_cracklib is not in a password stack (pam_pwquality's ${opt} is ${id})`),
    skip(id, "pam_cracklib is the quality module", { ...CRACK(` ${opt}=${opt === "minlen" ? 12 : -1}`), [PWQ]: `${opt} = ${opt === "minlen" ? 6 : 0}\n` },
      `pam_cracklib (not pam_pwquality) is the password-quality module here (Linux-PAM < 1.5); ${id}.cracklib judges its ${opt}=`),
  ]),
  pass("U-02.minlen.cracklib", "minlen=8 on the pam_cracklib line", CRACK(" minlen=8")),
  pass("U-02.minlen.cracklib", "unset (pam_cracklib's default 9)", CRACK()),
  fail("U-02.minlen.cracklib", "minlen=6", CRACK(" minlen=6"), 'args is 1 of 1 matching: {"value":"6","service":"system-auth","file":"/etc/pam.d/system-auth","line":1}, expected no element: value < 8',
    [{ file: "/etc/pam.d/system-auth", line: 1 }]),
  ...(["dcredit", "ucredit", "lcredit", "ocredit"] as const).flatMap((k) => [
    pass(`U-02.${k}.cracklib`, `${k}=-1`, CRACK(` ${k}=-1`)),
    fail(`U-02.${k}.cracklib`, "unset (pam_cracklib's default 1 requires nothing)", CRACK(), "args is 0 of 0 matching, expected some element: value <= -1 and no element: value > -1",
      [{ file: "/etc/pam.d/system-auth", line: 1 }]),
    fail(`U-02.${k}.cracklib`, `${k}=1`, CRACK(` ${k}=1`), "args is 0 of 1 matching, expected some element: value <= -1 and no element: value > -1"),
  ]),

  pass("U-02.remember", "pam_pwhistory remember = 4", { "etc/pam.d/common-password": HIST, "etc/security/pwhistory.conf": "remember = 4\n" }),
  pass("U-02.remember", "pam_pwhistory, remember unset (default 10)", { "etc/pam.d/common-password": HIST }),
  fail("U-02.remember", "remember = 3", { "etc/pam.d/common-password": HIST, "etc/security/pwhistory.conf": "remember = 3\n" }, "conf is 3, expected not set or >= 4"),
  fail("U-02.remember", "no pam_pwhistory", { ...pwPam(), "etc/security/pwhistory.conf": "remember = 4\n" }, "inStack is false, expected true"),
  pass("U-02.max-days", "PASS_MAX_DAYS 90", { "etc/login.defs": "PASS_MAX_DAYS\t90\n" }),
  fail("U-02.max-days", "PASS_MAX_DAYS 99999 (Debian default)", { "etc/login.defs": "PASS_MAX_DAYS 99999\n" }, "value is 99999, expected >= 1 and <= 90",
    [{ file: "/etc/login.defs" }, { file: "/etc/login.defs", line: 1, key: "PASS_MAX_DAYS" }]),
  fail("U-02.max-days", "unset", { "etc/login.defs": "UMASK 022\n" }, "value is (not set), expected >= 1 and <= 90"),
  pass("U-02.min-days", "PASS_MIN_DAYS 1", { "etc/login.defs": "PASS_MIN_DAYS 1\n" }),
  fail("U-02.min-days", "PASS_MIN_DAYS 0", { "etc/login.defs": "PASS_MIN_DAYS 0\n" }, "value is 0, expected >= 1"),

  pass("U-03", "pam_faillock in common-auth", { "etc/pam.d/common-auth": PAM_AUTH }),
  pass("U-03", "pam_tally2 (older systems)", { "etc/pam.d/system-auth": "auth required /lib/security/pam_tally2.so deny=5 unlock_time=120\n" }),
  fail("U-03", "no lockout module", { "etc/pam.d/common-auth": "auth [success=1 default=ignore] pam_unix.so nullok\n" },
    "files is 0 of 1 matching, expected some element: matched = true", [{ file: "/etc/pam.d/common-auth" }]),
  pass("U-03.deny", "deny = 10", { "etc/pam.d/common-auth": PAM_AUTH, "etc/security/faillock.conf": "deny = 10\nunlock_time = 120\n" }),
  pass("U-03.deny", "unset (pam_faillock's default 3)", { "etc/pam.d/common-auth": PAM_AUTH, "etc/security/faillock.conf": "# deny = 3\nsilent\n" }),
  fail("U-03.deny", "deny = 11", { "etc/pam.d/common-auth": PAM_AUTH, "etc/security/faillock.conf": "deny = 11\n" }, "conf is 11, expected not set or >= 1 and <= 10"),
  fail("U-03.deny", "deny=0 on the PAM line (never locks)", { "etc/pam.d/common-auth": "auth requisite pam_faillock.so preauth deny=0\n", "etc/security/faillock.conf": "deny = 5\n" }, "args is 1 of 1 matching: {\"value\":\"0\",\"service\":\"common-auth\",\"file\":\"/etc/pam.d/common-auth\",\"line\":1}, expected no element: value < 1 or > 10"),
  fail("U-03.deny", "deny = 5 but no pam_faillock in the stack (nothing locks)", { "etc/pam.d/common-auth": AUTH_UNIX_ONLY, "etc/security/faillock.conf": "deny = 5\n" },
    "inStack is false, expected true", [{ file: "/etc/security/faillock.conf", line: 1, key: "deny" }]),
  fail("U-03.deny", "unset and no pam_faillock", { "etc/pam.d/common-auth": AUTH_UNIX_ONLY }, "inStack is false, expected true"),
  skip("U-03.deny", "pam_tally2 locks here (older systems)", { "etc/pam.d/system-auth": TALLY2(" deny=5"), "etc/security/faillock.conf": "deny = 50\n" },
    "pam_tally2 (not pam_faillock) locks accounts here (Linux-PAM < 1.5); U-03.deny.tally2 judges its deny="),
  pass("U-03.deny.tally2", "deny=5 on the auth line", { "etc/pam.d/system-auth": TALLY2(" deny=5 unlock_time=900") }),
  pass("U-03.deny.tally2", "deny=10 in common-auth (Ubuntu 20.04)", { "etc/pam.d/common-auth": TALLY2(" deny=10") }),
  fail("U-03.deny.tally2", "no deny= (pam_tally2 never locks)", { "etc/pam.d/system-auth": TALLY2("") }, "args is 0 of 0 matching, expected some element: value >= 1 and <= 10 and no element: value < 1 or > 10", [{ file: "/etc/pam.d/system-auth", line: 1 }]),
  fail("U-03.deny.tally2", "deny=20", { "etc/pam.d/system-auth": TALLY2(" deny=20") }, "args is 0 of 1 matching, expected some element: value >= 1 and <= 10 and no element: value < 1 or > 10", [{ file: "/etc/pam.d/system-auth", line: 1 }]),
  fail("U-03.deny.tally2", "deny=5 in system-auth, deny=0 in password-auth", { "etc/pam.d/system-auth": TALLY2(" deny=5"), "etc/pam.d/password-auth": TALLY2(" deny=0") }, "args is 1 of 2 matching, expected some element: value >= 1 and <= 10 and no element: value < 1 or > 10",
    [{ file: "/etc/pam.d/system-auth", line: 1 }, { file: "/etc/pam.d/password-auth", line: 1 }]),
  skip("U-03.deny.tally2", "pam_faillock, no pam_tally2", { "etc/pam.d/common-auth": PAM_AUTH }, "pam_tally2 is not in an auth stack (pam_faillock's threshold is U-03.deny)"),

  pass("U-04", "all shadowed", accounts()),
  fail("U-04", "hash in /etc/passwd", accounts({ passwd: [...PASSWD_LINES.slice(0, 3), "alice:$6$salt$hash:1000:1000:Alice:/home/alice:/bin/bash"] }),
    "users is 1 of 4 not matching: alice, expected every element: shadowed = true", [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 4 }]),
  pass("U-05", "root only", accounts()),
  fail("U-05", "toor with uid 0", accounts({ passwd: [...PASSWD_LINES, "toor:x:0:0::/root:/bin/bash"] }),
    "users is 1 of 5 matching: toor, expected no element: uid = 0, name not (= root)", [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 5 }]),
  pass("U-06", "pam_wheel required", { "etc/pam.d/su": "auth sufficient pam_rootok.so\nauth required pam_wheel.so use_uid\n" }),
  fail("U-06", "pam_wheel commented out (Debian default)", { "etc/pam.d/su": "auth sufficient pam_rootok.so\n# auth required pam_wheel.so\n" },
    "matched is false, expected true", [{ file: "/etc/pam.d/su" }]),
  skip("U-06", "no su", {}, "no /etc/pam.d/su (su is not installed)"),
  pass("U-06", "pam_wheel required, su 4755 (the package's mode)", { "etc/pam.d/su": "auth sufficient pam_rootok.so\nauth required pam_wheel.so use_uid\n", "usr/bin/su": owned("ELF", 0o4755) }),
  skip("U-06", "su 4750: its group restricts it", { "etc/pam.d/su": "auth sufficient pam_rootok.so\n", "usr/bin/su": owned("ELF", 0o4750, 0, 10) },
    "su is not executable by others (/usr/bin/su), so its group restricts it; U-06.mode judges that way"),
  pass("U-06.mode", "4750 root:wheel (the guide's way)", SU_WHEEL(0o4750)),
  fail("U-06.mode", "4754 (others may read it)", SU_WHEEL(0o4754), "mode is 4754, expected 4750 or more restrictive", [{ file: "/usr/bin/su" }]),
  fail("U-06.mode", "4770 (its group may write it)", SU_WHEEL(0o4770), "mode is 4770, expected 4750 or more restrictive"),
  fail("U-06.mode", "owner daemon", { ...SU_WHEEL(0o4750), "usr/bin/su": owned("ELF", 0o4750, 1, 10) }, "owner is daemon, expected root"),
  skip("U-06.mode", "4755 (Debian's and RHEL's default)", SU_WHEEL(0o4755), "su is executable by everyone (or not at /usr/bin/su), so only pam_wheel can restrict it (U-06)"),
  skip("U-06.mode", "no /usr/bin/su", accounts(), "su is executable by everyone (or not at /usr/bin/su), so only pam_wheel can restrict it (U-06)"),
  pass("U-10", "unique uids", accounts()),
  fail("U-10", "bob shares uid 1000", accounts({ passwd: [...PASSWD_LINES, "bob:x:1000:1000::/home/alice:/bin/bash"] }),
    'duplicateUids is [{"uid":1000,"names":["alice","bob"]}], expected []'),
  pass("U-11", "system accounts have nologin", accounts()),
  fail("U-11", "daemon has /bin/sh", accounts({ passwd: ["root:x:0:0:root:/root:/bin/bash", "daemon:x:1:1:daemon:/usr/sbin:/bin/sh", ...PASSWD_LINES.slice(2)] }),
    "users is 1 of 4 matching: daemon, expected no element: name one of [daemon, bin, sys, adm, listen, nobody, nobody4, noaccess, diag, operator, games, gopher], loginShell = true",
    [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 2 }]),
  pass("U-12", "TMOUT=600 in /etc/profile (the guide's place)", { "etc/profile": "TMOUT=600\nexport TMOUT\n" }),
  pass("U-12", "export TMOUT=300 in profile.d", { "etc/profile.d/a.sh": "# other\n", "etc/profile.d/tmout.sh": "export TMOUT=300\n" }),
  fail("U-12", "TMOUT=900 (CIS's limit, over KISA's 600)", { "etc/profile.d/tmout.sh": "TMOUT=900\n" }, "assignments is 0 of 1 matching, expected some element: value >= 1 and <= 600; assignments is 1 of 1 matching: /etc/profile.d/tmout.sh, expected no element: value > 600 or <= 0"),
  fail("U-12", "600 in profile.d, 3600 later in bash.bashrc", { "etc/profile.d/tmout.sh": "TMOUT=600\n", "etc/bash.bashrc": "TMOUT=3600\n" }, "assignments is 1 of 2 matching: /etc/bash.bashrc, expected no element: value > 600 or <= 0"),
  fail("U-12", "no TMOUT", { "etc/profile": "umask 022\n" }, "assignments is 0 of 0 matching, expected some element: value >= 1 and <= 600"),
  pass("U-12.csh", "set autologout = 10 in /etc/csh.login", { "etc/csh.cshrc": "alias ll ls -l\n", "etc/csh.login": "setenv LANG C\nset autologout = 10\n" }),
  fail("U-12.csh", "autologout 60 (minutes)", { "etc/csh.cshrc": "set autologout=60\n" },
    "files is 0 of 1 matching, expected some element: matched = true, match >= 1 and <= 10 and no element: matched = true, match > 10 or < 1", [{ file: "/etc/csh.cshrc", line: 1 }]),
  fail("U-12.csh", "10 in csh.login, 60 in csh.cshrc", { "etc/csh.cshrc": "set autologout = 60\n", "etc/csh.login": "set autologout = 10\n" },
    "files is 1 of 2 matching, expected some element: matched = true, match >= 1 and <= 10 and no element: matched = true, match > 10 or < 1", [{ file: "/etc/csh.cshrc", line: 1 }]),
  fail("U-12.csh", "no autologout (csh never logs out)", { "etc/csh.cshrc": "# set autologout = 10\n" },
    "files is 0 of 1 matching, expected some element: matched = true, match >= 1 and <= 10 and no element: matched = true, match > 10 or < 1"),
  skip("U-12.csh", "no csh", { "etc/profile.d/tmout.sh": "TMOUT=600\n" }, "no /etc/csh.* (csh and tcsh are not installed)"),
  pass("U-13", "ENCRYPT_METHOD SHA512", { "etc/login.defs": "ENCRYPT_METHOD SHA512\n" }),
  pass("U-13", "ENCRYPT_METHOD YESCRYPT (Debian 12 default)", { "etc/login.defs": "ENCRYPT_METHOD YESCRYPT\n" }),
  fail("U-13", "ENCRYPT_METHOD MD5", { "etc/login.defs": "ENCRYPT_METHOD MD5\n" }, "encryptMethod is MD5, expected matches /(?i)^(sha256|sha512|yescrypt)$/"),
  pass("U-13.hashes", "sha512 and yescrypt hashes", accounts()),
  fail("U-13.hashes", "alice still has an MD5 hash", accounts({ shadow: [...SHADOW_LINES.slice(0, 3), "alice:$1$salt$hash:19000:0:99999:7:::"] }), "users is 1 of 4 matching: alice, expected no element: state = hash, algorithm not (one of [sha256, sha512, yescrypt, gost-yescrypt])"),
];

/** "Not enabled": no unit file, disabled and masked pass; enabled fails with the link as evidence. */
function unitCases(id: string, unit: string): Case[] {
  return [
    pass(id, "not installed (no unit file)", {}),
    pass(id, "installed, disabled", unitFile(unit)),
    pass(id, "masked (wants link left behind)", { ...enabled(unit), [`etc/systemd/system/${unit}`]: { symlink: "/dev/null" } }),
    fail(id, "enabled", enabled(unit), "enabled is true, expected false", [enabledEvidence(unit)]),
  ];
}

const FILE_CASES: Case[] = [
  pass("U-14", "PATH without .", { "etc/profile": 'PATH="/usr/local/bin:/usr/bin:/bin"\nexport PATH\n' }),
  pass("U-14", '"." last is allowed', { "etc/profile": "PATH=$PATH:.\n" }),
  fail("U-14", '"." first', { "etc/profile": "# x\nexport PATH=.:$PATH\n" }, "matched is true, expected false", [{ file: "/etc/profile" }, { file: "/etc/profile", line: 2 }]),
  fail("U-14", "empty middle entry", { "etc/profile": 'PATH="/usr/bin::/bin"\n' }, "matched is true, expected false"),
  pass("U-14.root", "root's files clean", { "root/.profile": 'PATH="$HOME/bin:$PATH"\n', "root/.bashrc": "alias ll='ls -l'\n" }),
  fail("U-14.root", '"." in the middle of .bashrc', { "root/.profile": "true\n", "root/.bashrc": "PATH=/usr/bin:.:/bin\n" },
    "files is 1 of 2 matching: /root/.bashrc, expected no element: matched = true", [{ file: "/root/.bashrc" }, { file: "/root/.profile" }, { file: "/root/.bashrc", line: 1 }]),
  pass("U-15", "every owner known", accounts({ files: { "srv/data": owned("x", 0o644, 1000, 1000) } })),
  fail("U-15", "uid 4242 unknown", accounts({ files: { "srv/data": owned("x", 0o644, 4242, 0) } }), "count is 1, expected 0",
    [{ file: "/srv/data", detail: "file mode 0644 4242:root" }]),
  pass("U-16", "0644 root", { ...accounts(), "etc/passwd": owned(PASSWD, 0o644) }),
  fail("U-16", "0664 root", { ...accounts(), "etc/passwd": owned(PASSWD, 0o664) }, "mode is 0664, expected 0644 or more restrictive", [{ file: "/etc/passwd" }]),
  fail("U-16", "owner alice", { ...accounts(), "etc/passwd": owned(PASSWD, 0o644, 1000, 0) }, "owner is alice, expected root"),
  pass("U-17", "root 0644 units and links", { ...accounts(), "etc/systemd/system/app.service": owned("[Service]\n", 0o644), "etc/systemd/system/multi-user.target.wants": { dir: true, mode: 0o755 },
    "etc/systemd/system/multi-user.target.wants/app.service": { symlink: "/etc/systemd/system/app.service" } }),
  fail("U-17", "a unit writable by others", { ...accounts(), "etc/systemd/system/app.service": owned("[Service]\n", 0o666) },
    "files is 1 of 1 matching: /etc/systemd/system/app.service, expected no element: type = file, any(owner not (= root); mode not (7775 or more restrictive))",
    [{ file: "/etc/systemd/system/app.service" }]),
  fail("U-17", "a unit owned by alice", { ...accounts(), "etc/systemd/system/app.service": owned("[Service]\n", 0o644, 1000, 1000) }, "files is 1 of 1 matching: /etc/systemd/system/app.service, expected no element: type = file, any(owner not (= root); mode not (7775 or more restrictive))"),
  fail("U-17", "a link to a unit writable by others (judged by its target)", { ...accounts(), "lib/systemd/system/app.service": owned("[Service]\n", 0o666),
    "etc/systemd/system/app.service": { symlink: "/lib/systemd/system/app.service" } },
    "files is 1 of 1 matching: /etc/systemd/system/app.service, expected no element: type = file, any(owner not (= root); mode not (7775 or more restrictive))"),
  skip("U-17", "no systemd", {}, "no /etc/systemd/system (not a systemd system)"),
  pass("U-17.init-d", "root 0755 scripts", { ...accounts(), "etc/init.d/ssh": owned("#!/bin/sh\n", 0o755) }),
  fail("U-17.init-d", "a script writable by others", { ...accounts(), "etc/init.d/ssh": owned("#!/bin/sh\n", 0o755), "etc/init.d/app": owned("#!/bin/sh\n", 0o757) }, "files is 1 of 2 matching: /etc/init.d/app, expected no element: type = file, any(owner not (= root); mode not (7775 or more restrictive))"),
  pass("U-18", "0400 root", { ...accounts(), "etc/shadow": owned("root:*:19000::::::\n", 0o400) }),
  fail("U-18", "0640 root:shadow (Debian's default, CIS's limit)", { ...accounts(), "etc/shadow": owned("root:*:19000::::::\n", 0o640, 0, 42) },
    "mode is 0640, expected 0400 or more restrictive", [{ file: "/etc/shadow" }]),
  fail("U-18", "owner daemon", { ...accounts(), "etc/shadow": owned("root:*:19000::::::\n", 0o400, 1, 0) }, "owner is daemon, expected root"),
  ...permCases("U-19", "etc/hosts", 0o644),
  ...permCases("U-20", "etc/inetd.conf", 0o600),
  skip("U-20", "no inetd", {}, "no /etc/inetd.conf (inetd is not installed)"),
  ...permCases("U-20.xinetd", "etc/xinetd.conf", 0o600),
  pass("U-20.xinetd-d", "0600 root", { ...accounts(), "etc/xinetd.d/echo": owned("x\n", 0o600) }),
  fail("U-20.xinetd-d", "0644", { ...accounts(), "etc/xinetd.d/echo": owned("x\n", 0o600), "etc/xinetd.d/time": owned("x\n", 0o644) },
    "files is 1 of 2 not matching: /etc/xinetd.d/time, expected every element: owner = root, mode 0600 or more restrictive"),
  ...permCases("U-20.systemd", "etc/systemd/system.conf", 0o600),
  ...permCases("U-21", "etc/rsyslog.conf", 0o640, "one of [root, bin, sys]"),
  ...permCases("U-21.syslog", "etc/syslog.conf", 0o640, "one of [root, bin, sys]"),
  ...permCases("U-22", "etc/services", 0o644, "one of [root, bin, sys]"),
  pass("U-24", "owner's 0644 files, root's 0644", { ...accounts(), "home/alice/.profile": owned("x", 0o644, 1000, 1000), "home/alice/.bashrc": owned("x", 0o600, 1000, 1000), "root/.bashrc": owned("x", 0o644) }),
  pass("U-24", "a file owned by root in alice's home", { ...accounts(), "home/alice/.profile": owned("x", 0o644, 0, 0) }),
  fail("U-24", "group-writable .bashrc", { ...accounts(), "home/alice/.bashrc": owned("x", 0o664, 1000, 1000) }, "files is 1 of 1 matching: /home/alice/.bashrc, expected no element: name one of [.profile, .kshrc, .cshrc, .bashrc, .bash_profile, .login, .exrc, .netrc], type = file, any(ownedByUser = false, uid not (= 0); mode not (7755 or more restrictive))"),
  fail("U-24", ".profile owned by daemon", { ...accounts(), "home/alice/.profile": owned("x", 0o644, 1, 1) }, "files is 1 of 1 matching: /home/alice/.profile, expected no element: name one of [.profile, .kshrc, .cshrc, .bashrc, .bash_profile, .login, .exrc, .netrc], type = file, any(ownedByUser = false, uid not (= 0); mode not (7755 or more restrictive))"),
  pass("U-25", "no world-writable file", accounts({ files: { tmp: { dir: true, mode: 0o1777 } } })),
  fail("U-25", "0666 file", accounts({ files: { "etc/app.conf": owned("x", 0o666) } }), "count is 1, expected 0", [{ file: "/etc/app.conf", detail: "file mode 0666 root:root" }]),
  pass("U-26", "device directories only", { "dev/pts": { dir: true }, "dev/stdout": { symlink: "/proc/self/fd/1" } }),
  fail("U-26", "regular file in /dev", { "dev/pts": { dir: true }, "dev/.hidden": owned("rootkit", 0o644) }, "count is 1, expected 0",
    [{ file: "/dev/.hidden", detail: "file mode 0644 0:0" }]),
  pass("U-27", "no hosts.equiv", accounts()),
  pass("U-27", "root 0600 without +", { ...accounts(), "etc/hosts.equiv": owned("trusted.example\n", 0o600) }),
  fail("U-27", '"+ +" entry', { ...accounts(), "etc/hosts.equiv": owned("+ +\n", 0o600) }, "(exists is true, expected false) or (matched is true, expected false)"),
  pass("U-27.rhosts", "no .rhosts", accounts()),
  fail("U-27.rhosts", "0644 .rhosts", { ...accounts(), "home/alice/.rhosts": owned("host alice\n", 0o644, 1000, 1000) },
    "files is 1 of 1 not matching: /home/alice/.rhosts, expected every element: mode 0600 or more restrictive, matched = false"),
  pass("U-27.root", "no /root/.rhosts", accounts()),
  fail("U-27.root", "/root/.rhosts with +", { ...accounts(), "root/.rhosts": owned("host +\n", 0o600) }, "(exists is true, expected false) or (matched is true, expected false)"),
  pass("U-29", "absent", accounts()),
  fail("U-29", "0644", { ...accounts(), "etc/hosts.lpd": owned("x\n", 0o644) }, "(exists is true, expected false) or (mode is 0644, expected 0600 or more restrictive)"),
  pass("U-30", "UMASK 022", { "etc/login.defs": "UMASK\t\t022\n" }),
  pass("U-30", "UMASK 027", { "etc/login.defs": "UMASK 027\n" }),
  fail("U-30", "UMASK 002", { "etc/login.defs": "UMASK 002\n" }, "value is 002, expected matches /^0?[0-7][2367][2367]$/"),
  pass("U-30.profile", "umask 022 in /etc/profile", { "etc/profile": "umask 022\n" }),
  pass("U-30.profile", "umask 027 in profile.d", { "etc/profile.d/umask.sh": "umask 027\n" }),
  fail("U-30.profile", "umask 002 in bash.bashrc", { "etc/profile": "umask 022\n", "etc/bash.bashrc": "umask 002\n" }, "umasks is 1 of 2 not matching: /etc/bash.bashrc, expected every element: permits 0755 or more restrictive"),
  pass("U-31", "alice owns 0750 home", accounts()),
  fail("U-31", "alice's home owned by root", accounts({ files: { "home/alice": { dir: true, mode: 0o755, uid: 0, gid: 0 } } }),
    "users is 1 of 4 matching: alice, expected no element: system = false, loginShell = true, homeExists = true, any(homeOwned = false; homeMode not (7775 or more restrictive))",
    [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 4 }]),
  fail("U-31", "alice's home world-writable", accounts({ files: { "home/alice": { dir: true, mode: 0o777, uid: 1000, gid: 1000 } } }),
    "users is 1 of 4 matching: alice, expected no element: system = false, loginShell = true, homeExists = true, any(homeOwned = false; homeMode not (7775 or more restrictive))"),
  pass("U-32", "homes exist", accounts()),
  fail("U-32", "bob's home missing", accounts({ passwd: [...PASSWD_LINES, "bob:x:1001:1001::/home/bob:/bin/bash"] }),
    "users is 1 of 5 matching: bob, expected no element: loginShell = true, homeExists = false", [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 5 }]),
];

const SNMPD = "etc/snmp/snmpd.conf";
const SERVICE_CASES: Case[] = [
  pass("U-34", "ssh only", sockets()),
  fail("U-34", "fingerd on 79", sockets([79]), "listeners is 1 of 2 matching: tcp 0.0.0.0:79, expected no element: protocol = tcp, port = 79",
    [{ protocol: "tcp", address: "0.0.0.0", port: 79 }]),
  pass("U-35", "anonymous_enable=NO", { "etc/vsftpd.conf": "listen=NO\nanonymous_enable=NO\n" }),
  fail("U-35", "anonymous_enable=YES", { "etc/vsftpd.conf": "anonymous_enable=YES\n" }, "value is YES, expected matches /(?i)^no$/"),
  skip("U-35", "no vsftpd", {}, "no /etc/vsftpd.conf (vsftpd is not installed)"),
  pass("U-35.vsftpd-rhel", "anonymous_enable=NO", { "etc/vsftpd/vsftpd.conf": "anonymous_enable=NO\n" }),
  fail("U-35.vsftpd-rhel", "anonymous_enable=YES (RHEL's shipped default)", { "etc/vsftpd/vsftpd.conf": "anonymous_enable=YES\nlocal_enable=YES\n" },
    "value is YES, expected matches /(?i)^no$/", [{ file: "/etc/vsftpd/vsftpd.conf", line: 1, key: "anonymous_enable" }]),
  skip("U-35.vsftpd-rhel", "no vsftpd", {}, "no /etc/vsftpd/vsftpd.conf (vsftpd is not installed the RHEL way)"),
  pass("U-35.account", "no ftp account", accounts()),
  fail("U-35.account", "ftp account", accounts({ passwd: [...PASSWD_LINES, "ftp:x:107:113:ftp daemon:/srv/ftp:/usr/sbin/nologin"] }),
    "users is 1 of 5 matching: ftp, expected no element: name one of [ftp, anonymous]"),
  pass("U-35.proftpd", "no <Anonymous> section", { "etc/proftpd/proftpd.conf": "ServerName node\n# <Anonymous ~ftp>\n" }),
  fail("U-35.proftpd", "<Anonymous ~ftp>", { "etc/proftpd/proftpd.conf": "<Anonymous ~ftp>\n  User ftp\n</Anonymous>\n" }, "matched is true, expected false",
    [{ file: "/etc/proftpd/proftpd.conf", line: 1 }]),
  pass("U-35.nfs", "no anonuid", { "etc/exports": "/srv 10.0.0.0/24(ro,root_squash)\n# /x *(anonuid=65534)\n" }),
  fail("U-35.nfs", "anonuid=1000", { "etc/exports": "/srv 10.0.0.0/24(rw,all_squash,anonuid=1000,anongid=1000)\n" }, "matched is true, expected false"),
  pass("U-35.samba", "guest ok = no", { "etc/samba/smb.conf": "[share]\n  path = /srv\n  guest ok = no\n" }),
  fail("U-35.samba", "guest ok = yes", { "etc/samba/smb.conf": "[share]\n  path = /srv\n  guest ok = yes\n" }, "matched is true, expected false",
    [{ file: "/etc/samba/smb.conf", line: 3 }]),
  pass("U-36", "ssh only", sockets()),
  fail("U-36", "rlogind on 513", sockets([513]), "listeners is 1 of 2 matching: tcp 0.0.0.0:513, expected no element: protocol = tcp, port one of [512, 513, 514]"),
  ...permCases("U-37", "etc/crontab", 0o640),
  pass("U-37.cron-d", "0640 root", { ...accounts(), "etc/cron.d/job": owned("* * * * * root true\n", 0o640) }),
  fail("U-37.cron-d", "0644 (Debian's default)", { ...accounts(), "etc/cron.d/e2scrub_all": owned("x\n", 0o644) }, "files is 1 of 1 matching: /etc/cron.d/e2scrub_all, expected no element: type = file, any(owner not (= root); mode not (0640 or more restrictive))"),
  pass("U-37.allow-deny", "cron.allow 0640, at.deny 0640", { ...accounts(), "etc/cron.allow": owned("root\n", 0o640), "etc/at.deny": owned("nobody\n", 0o640), "etc/cron.daily": { dir: true, mode: 0o755 } }),
  pass("U-37.allow-deny", "none present", accounts()),
  fail("U-37.allow-deny", "at.deny 0644", { ...accounts(), "etc/cron.allow": owned("root\n", 0o640), "etc/at.deny": owned("nobody\n", 0o644) }, "files is 1 of 2 matching: /etc/at.deny, expected no element: path matches /^/etc/(cron|at)\\.(allow|deny)$/, any(owner not (= root); mode not (0640 or more restrictive))"),
  pass("U-37.spool", "0600 user crontab", { ...accounts(), "var/spool/cron/crontabs/alice": owned("* * * * * true\n", 0o600, 1000, 0) }),
  fail("U-37.spool", "0644 user crontab", { ...accounts(), "var/spool/cron/crontabs/alice": owned("* * * * * true\n", 0o644, 1000, 0) }, "files is 1 of 1 matching: /var/spool/cron/crontabs/alice, expected no element: type = file, mode not (0640 or more restrictive)"),
  pass("U-37.crontab-command", "0750 root", { ...accounts(), "usr/bin/crontab": owned("x", 0o750) }),
  fail("U-37.crontab-command", "2755 (Debian's setgid crontab)", { ...accounts(), "usr/bin/crontab": owned("x", 0o2755) }, "mode is 2755, expected 0750 or more restrictive"),
  pass("U-37.at-command", "0750 root", { ...accounts(), "usr/bin/at": owned("x", 0o750) }),
  fail("U-37.at-command", "4755 (setuid at)", { ...accounts(), "usr/bin/at": owned("x", 0o4755) }, "mode is 4755, expected 0750 or more restrictive"),
  skip("U-37.at-command", "no at", {}, "no /usr/bin/at (at is not installed)"),
  pass("U-38", "ntp only", sockets([], [123])),
  fail("U-38", "chargen on udp 19", sockets([], [19]), "listeners is 1 of 2 matching: udp 0.0.0.0:19, expected no element: port one of [7, 9, 13, 19]"),
  ...unitCases("U-39", "nfs-server.service"),
  pass("U-40", "exports to a subnet", { "etc/exports": "# /srv *(rw)\n/srv 10.0.0.0/24(ro,root_squash)\n" }),
  fail("U-40", "export to *", { "etc/exports": "/srv 10.0.0.0/24(ro) *(rw)\n" }, "matched is true, expected false", [{ file: "/etc/exports" }, { file: "/etc/exports", line: 1 }]),
  fail("U-40", "export without clients", { "etc/exports": '"/srv/my data"\n' }, "matched is true, expected false"),
  skip("U-40", "no NFS server", {}, "no /etc/exports (no NFS server)"),
  ...permCases("U-40.perm", "etc/exports", 0o644),
  ...unitCases("U-41", "autofs.service"),
  ...unitCases("U-42", "rpcbind.service"),
  ...unitCases("U-42.socket", "rpcbind.socket"),
  ...unitCases("U-43", "ypserv.service"),
  ...unitCases("U-43.ypbind", "ypbind.service"),
  pass("U-44", "ntp only", sockets([], [123])),
  fail("U-44", "tftpd on udp 69", sockets([], [69]), "listeners is 1 of 2 matching: udp 0.0.0.0:69, expected no element: protocol = udp, port one of [69, 517, 518]"),
  pass("U-46", "restrictqrun", { "etc/mail/sendmail.cf": "O PrivacyOptions=authwarnings,novrfy,noexpn,restrictqrun\n" }),
  fail("U-46", "no restrictqrun", { "etc/mail/sendmail.cf": "O PrivacyOptions=authwarnings\n" }, "matched is false, expected true"),
  skip("U-46", "no sendmail", {}, "no /etc/mail/sendmail.cf (sendmail is not installed)"),
  pass("U-46.postfix", "postsuper 0754", { "usr/sbin/postsuper": owned("x", 0o754) }),
  fail("U-46.postfix", "postsuper 0755 (the package's mode)", { "usr/sbin/postsuper": owned("x", 0o755) }, "mode is 0755, expected 7776 or more restrictive"),
  pass("U-46.exim", "exiqgrep 0750", { "usr/sbin/exiqgrep": owned("x", 0o750) }),
  fail("U-46.exim", "exiqgrep 0755", { "usr/sbin/exiqgrep": owned("x", 0o755) }, "mode is 0755, expected 7776 or more restrictive"),
  pass("U-48", "novrfy,noexpn", { "etc/mail/sendmail.cf": "O PrivacyOptions=authwarnings,novrfy,noexpn,restrictqrun\n" }),
  pass("U-48", "goaway", { "etc/mail/sendmail.cf": "O PrivacyOptions=goaway\n" }),
  fail("U-48", "noexpn only", { "etc/mail/sendmail.cf": "O PrivacyOptions=authwarnings,noexpn\n" }, "matched is false, expected true"),
  pass("U-48.postfix", "disable_vrfy_command = yes", { "etc/postfix/main.cf": "myhostname = node\ndisable_vrfy_command = yes\n" }),
  fail("U-48.postfix", "unset", { "etc/postfix/main.cf": "myhostname = node\n" }, "value is (not set), expected matches /(?i)^yes$/"),
  pass("U-50", "allow-transfer to a secondary", { "etc/bind/named.conf": 'include "/etc/bind/named.conf.options";\n', "etc/bind/named.conf.options": "options {\n  allow-transfer { 10.0.0.2; };\n};\n" }),
  fail("U-50", "allow-transfer any", { "etc/bind/named.conf.options": "options {\n  allow-transfer { any; };\n};\n" }, "files is 0 of 1 matching, expected some element: matched = true"),
  skip("U-50", "no BIND", {}, "no /etc/bind/named.conf* (BIND is not installed)"),
  pass("U-51", "allow-update none", { "etc/bind/named.conf.local": 'zone "example.org" {\n  type master;\n  allow-update { none; };\n};\n' }),
  pass("U-51", "no allow-update (off)", { "etc/bind/named.conf.local": 'zone "example.org" {\n  type master;\n};\n' }),
  fail("U-51", "allow-update any", { "etc/bind/named.conf": "", "etc/bind/named.conf.local": 'zone "example.org" {\n  allow-update { any; };\n};\n' }, "files is 1 of 2 matching: /etc/bind/named.conf.local, expected no element: matched = true"),
  skip("U-51", "no BIND", {}, "no /etc/bind/named.conf* (BIND is not installed)"),
  pass("U-50.rhel", "allow-transfer to a secondary in /etc/named.conf", { "etc/named.conf": "options {\n  allow-query { localhost; };\n  allow-transfer { 10.0.0.2; };\n};\n", "etc/named.rfc1912.zones": RFC1912 }),
  fail("U-50.rhel", "no allow-transfer (RHEL's shipped named.conf: BIND's default is any)", { "etc/named.conf": "options {\n  allow-query { localhost; };\n};\n", "etc/named.rfc1912.zones": RFC1912 },
    "files is 0 of 2 matching, expected some element: matched = true", [{ file: "/etc/named.conf" }, { file: "/etc/named.rfc1912.zones" }]),
  fail("U-50.rhel", "allow-transfer any", { "etc/named.conf": "options {\n  allow-transfer { any; };\n};\n" }, "files is 0 of 1 matching, expected some element: matched = true"),
  skip("U-50.rhel", "no BIND (Debian's /etc/bind is not read here)", { "etc/bind/named.conf": "options {\n};\n" }, "no /etc/named.* (BIND is not installed the RHEL way)"),
  pass("U-51.rhel", "allow-update none (RHEL's shipped zones)", { "etc/named.conf": "options {\n};\ninclude \"/etc/named.rfc1912.zones\";\n", "etc/named.rfc1912.zones": RFC1912 }),
  fail("U-51.rhel", "allow-update any in a zone of /etc/named.conf", { "etc/named.conf": 'zone "example.org" {\n  type master;\n  allow-update { any; };\n};\n', "etc/named.rfc1912.zones": RFC1912 },
    "files is 1 of 2 matching: /etc/named.conf, expected no element: matched = true", [{ file: "/etc/named.conf", line: 3 }]),
  skip("U-51.rhel", "no BIND", {}, "no /etc/named.* (BIND is not installed the RHEL way)"),
  pass("U-52", "ssh only", sockets()),
  fail("U-52", "telnetd on 23", sockets([23]), "listeners is 1 of 2 matching: tcp 0.0.0.0:23, expected no element: protocol = tcp, port = 23"),
  pass("U-53", "ftpd_banner set", { "etc/vsftpd.conf": "anonymous_enable=NO\nftpd_banner=Authorized users only.\n" }),
  fail("U-53", "no ftpd_banner (vsftpd shows its name and version)", { "etc/vsftpd.conf": "anonymous_enable=NO\n#ftpd_banner=Welcome\n" }, "value is (not set), expected set"),
  pass("U-53.vsftpd-rhel", "ftpd_banner set", { "etc/vsftpd/vsftpd.conf": "ftpd_banner=Authorized users only.\n" }),
  fail("U-53.vsftpd-rhel", "no ftpd_banner", { "etc/vsftpd/vsftpd.conf": "anonymous_enable=NO\n" }, "value is (not set), expected set"),
  pass("U-53.proftpd", "ServerIdent off", { "etc/proftpd/proftpd.conf": "ServerName node\nServerIdent off\n" }),
  pass("U-53.proftpd", "ServerIdent on with own text", { "etc/proftpd/proftpd.conf": 'ServerIdent on "FTP"\n' }),
  fail("U-53.proftpd", "no ServerIdent", { "etc/proftpd/proftpd.conf": "ServerName node\n" }, "matched is false, expected true"),
  pass("U-54", "ssh only", sockets()),
  fail("U-54", "ftpd on 21", sockets([21]), "listeners is 1 of 2 matching: tcp 0.0.0.0:21, expected no element: protocol = tcp, port = 21"),
  pass("U-55", "ftp with nologin", accounts({ passwd: [...PASSWD_LINES, "ftp:x:107:113::/srv/ftp:/usr/sbin/nologin"] })),
  fail("U-55", "ftp with bash", accounts({ passwd: [...PASSWD_LINES, "ftp:x:107:113::/srv/ftp:/bin/bash"] }), "users is 1 of 5 matching: ftp, expected no element: name = ftp, loginShell = true"),
  ...permCases("U-56", "etc/ftpusers", 0o640),
  pass("U-56.vsftpd", "0600 files", { ...accounts(), "etc/vsftpd/ftpusers": owned("root\n", 0o600), "etc/vsftpd/user_list": owned("root\n", 0o640) }),
  fail("U-56.vsftpd", "user_list 0644", { ...accounts(), "etc/vsftpd/ftpusers": owned("root\n", 0o600), "etc/vsftpd/user_list": owned("root\n", 0o644) }, "files is 1 of 2 matching: /etc/vsftpd/user_list, expected no element: type = file, any(owner not (= root); mode not (0640 or more restrictive))"),
  pass("U-57", "root listed", { "etc/ftpusers": "# no ftp\nroot\ndaemon\n" }),
  fail("U-57", "root missing", { "etc/ftpusers": "daemon\n#root\n" }, "matched is false, expected true"),
  ...unitCases("U-58", "snmpd.service"),
  pass("U-59", "v3 users only", { [SNMPD]: "createUser mon SHA authpass123 AES privpass123\nrouser mon priv\n# rocommunity public\n" }),
  fail("U-59", "a v2c community", { [SNMPD]: "rouser mon priv\nrocommunity Xk39fqP2w1 10.0.0.0/24\n" }, "matched is true, expected false", [{ file: "/etc/snmp/snmpd.conf", line: 2 }]),
  pass("U-60", "10 letters and digits", { [SNMPD]: "rocommunity Xk39fqP2w1 10.0.0.0/24\n" }),
  pass("U-60", "8 with a special character", { [SNMPD]: "com2sec mon 10.0.0.0/24 Xk3#fq2w\n" }),
  fail("U-60", "public", { [SNMPD]: "rocommunity public default\n" }, "matched is true, expected false", [{ file: "/etc/snmp/snmpd.conf", line: 1 }]),
  fail("U-60", "9 letters and digits", { [SNMPD]: "rocommunity Xk39fqP2w 10.0.0.0/24\n" }, "matched is true, expected false"),
  fail("U-60", "long but letters only", { [SNMPD]: "rwcommunity monitoringstring 10.0.0.0/24\n" }, "matched is true, expected false"),
  fail("U-60", "com2sec private", { [SNMPD]: "com2sec notConfigUser default private\n" }, "matched is true, expected false"),
  pass("U-61", "a source on every line", { [SNMPD]: "rocommunity Xk39fqP2w1 10.0.0.0/24\ncom2sec mon 10.0.0.5 Xk39fqP2w1\n" }),
  fail("U-61", "rocommunity without a source", { [SNMPD]: "rocommunity Xk39fqP2w1\n" }, "matched is true, expected false"),
  fail("U-61", "rocommunity default", { [SNMPD]: "rocommunity Xk39fqP2w1 default -V systemonly\n" }, "matched is true, expected false"),
  fail("U-61", "com2sec default", { [SNMPD]: "com2sec notConfigUser default Xk39fqP2w1\n" }, "matched is true, expected false"),
  pass("U-63", "0440 root (sudo's default)", { ...accounts(), "etc/sudoers": owned("root ALL=(ALL) ALL\n", 0o440) }),
  ...permCases("U-63", "etc/sudoers", 0o640),
];

const LOG_CASES: Case[] = [
  pass("U-65", "chrony enabled", enabled("chrony.service")),
  pass("U-65", "systemd-timesyncd enabled", enabled("systemd-timesyncd.service")),
  fail("U-65", "no time daemon enabled", enabled("ssh.service"),
    "files is 0 of 1 matching, expected some element: path matches //(chrony|chronyd|ntp|ntpd|ntpsec|systemd-timesyncd)\\.service$/, exists = true"),
  // The file probe leaves a dangling link out of a glob's files (no unit behind it), naming it in the evidence.
  fail("U-65", "chrony's link left dangling (package removed)", { "etc/systemd/system/multi-user.target.wants/chrony.service": { symlink: "/lib/systemd/system/chrony.service" } },
    "files is 0 of 0 matching, expected some element: path matches //(chrony|chronyd|ntp|ntpd|ntpsec|systemd-timesyncd)\\.service$/, exists = true",
    [{ file: "/etc/systemd/system/multi-user.target.wants/chrony.service", detail: "dangling symlink to /lib/systemd/system/chrony.service: left out, there is no file to judge" }]),
  pass("U-65", "timesyncd enabled beside a dangling chrony link", { ...enabled("systemd-timesyncd.service"), "etc/systemd/system/multi-user.target.wants/chrony.service": { symlink: "/lib/systemd/system/chrony.service" } }),
  pass("U-67", "root 0640 and 0644 logs", { ...accounts(), "var/log/syslog": owned("x\n", 0o640), "var/log/dpkg.log": owned("x\n", 0o644), "var/log/apt": { dir: true, mode: 0o755 } }),
  fail("U-67", "wtmp 0664 (Debian's default)", { ...accounts(), "var/log/dpkg.log": owned("x\n", 0o644), "var/log/wtmp": owned("", 0o664, 0, 0) }, "files is 1 of 2 matching: /var/log/wtmp, expected no element: type = file, any(owner not (= root); mode not (0644 or more restrictive))"),
  fail("U-67", "a log owned by daemon", { ...accounts(), "var/log/app.log": owned("x\n", 0o640, 1, 0) }, "files is 1 of 1 matching: /var/log/app.log, expected no element: type = file, any(owner not (= root); mode not (0644 or more restrictive))"),
];

const CASES: Case[] = [...ACCOUNT_CASES, ...FILE_CASES, ...SERVICE_CASES, ...LOG_CASES];

describe("kisa-unix-2026: pass and fail fixtures", () => {
  it.each(CASES.map((c) => [`${c.id} ${c.want.status}: ${c.label}`, c] as const))("%s", async (_name, c) => {
    expectCase(await run(c.id, c.spec), c);
  });
});

/** The 2026 items with no 2021 counterpart: their checks carry the 2026 reference only. */
const NEW_IN_2026 = new Set(["U-13", "U-17", "U-51", "U-53", "U-59", "U-61", "U-63", "U-65", "U-67"]);
/** U-01…U-67. */
const ITEMS = Array.from({ length: 67 }, (_, i) => `U-${String(i + 1).padStart(2, "0")}`);

describe("kisa-unix-2026: the whole 2026 list, each item with its fixtures and references", () => {
  it("every 2026 item has a check; every automated check has a pass and a fail fixture above", async () => {
    const loaded = await loadShippedPacks(packsDir);
    expect(loaded.errors).toEqual([]);
    const checks = loaded.packs.flatMap((p) => p.checks).filter((c) => c.pack.id === PACK);
    expect([...new Set(checks.map((c) => c.id.split(".")[0]))].sort()).toEqual(ITEMS);
    for (const id of checks.filter((c) => !c.manual).map((c) => c.id)) {
      const statuses = new Set(CASES.filter((c) => c.id === id).map((c) => c.want.status));
      expect([id, statuses.has("pass"), statuses.has("fail")]).toEqual([id, true, true]);
    }
  });

  it("the 2026 number comes first; the 2021 number follows wherever the item maps to a 2021 one", async () => {
    const loaded = await loadShippedPacks(packsDir);
    for (const c of loaded.packs.flatMap((p) => p.checks).filter((x) => x.pack.id === PACK)) {
      const base = c.id.split(".")[0] as string;
      const kisa = c.references.kisa ?? [];
      expect([c.id, kisa[0]]).toEqual([c.id, { edition: 2026, id: base }]);
      expect([c.id, [...new Set(kisa.slice(1).map((k) => k.edition))]]).toEqual([c.id, NEW_IN_2026.has(base) ? [] : [2021]]);
    }
  });
});

/** The checks with a typed fix, and the fix each applies. */
const FIXED = {
  "U-16": "file-mode", "U-18": "file-mode", "U-19": "file-mode", "U-20": "file-mode", "U-20.xinetd": "file-mode", "U-20.systemd": "file-mode",
  "U-21": "file-mode", "U-21.syslog": "file-mode", "U-22": "file-mode", "U-37": "file-mode", "U-40.perm": "file-mode", "U-56": "file-mode", "U-63": "file-mode",
  "U-39": "service-disable", "U-41": "service-disable", "U-42": "service-disable", "U-42.socket": "service-disable",
  "U-43": "service-disable", "U-43.ypbind": "service-disable", "U-58": "service-disable",
};

describe("kisa-unix-2026: typed fixes", () => {
  it("the checks with a fix are the listed ones", async () => {
    const loaded = await loadPacks([packsDir], { validateFix });
    expect(loaded.errors).toEqual([]);
    const withFix = loaded.packs.flatMap((p) => p.checks).filter((c) => c.fix).map((c) => [c.id, c.fix?.action]);
    expect(Object.fromEntries(withFix)).toEqual(FIXED);
  });

  it.each(Object.keys(FIXED))("%s: applied to its first fail fixture (offline root), the re-scan passes", async (id) => {
    const loaded = await loadPacks([packsDir], { validateFix });
    const checks = selectChecks(loaded.packs, { checks: [`${PACK}/${id}`] });
    const failing = CASES.find((c) => c.id === id && c.want.status === "fail");
    if (!failing) throw new Error(`no fail fixture for ${id}`);
    const host = new HostRoot({ root: await fixtureRoot(failing.spec) });
    const stateDir = await mkdtemp(path.join(tmpdir(), "nodeward-kisa-fix-"));
    try {
      const plan = await planRemediation({ host, checks });
      const result = await applyPlan({ plan, store: new RunStore(stateDir) });
      expect([result.status, result.rescan.map((r) => r.status)]).toEqual(["complete", ["pass"]]);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe("kisa-unix-2026: selection beside the 2021 edition (docs/kisa.md)", () => {
  it("--benchmark kisa-unix-2026 selects the 2026 edition alone; the kubernetes-node profile keeps kisa-unix (2021)", async () => {
    const all = await loadSelection({});
    const keys = selectChecks(all.packs, { benchmarks: [PACK] }).map((c) => c.key);
    expect(keys).toHaveLength(118);
    expect(keys.filter((k) => !k.startsWith(`${PACK}/`))).toEqual([]);
    const profile = await loadSelection({ profile: "kubernetes-node" });
    expect(profile.errors).toEqual([]);
    const ids = profile.packs.map((p) => p.meta.id);
    expect([ids.includes("kisa-unix"), ids.includes(PACK)]).toEqual([true, false]);
  });
});

describe("kisa-unix-2026: manual checks show what was observed", () => {
  it.each([
    ["U-07", accounts(), 'loginUsers=["root","alice"]'],
    ["U-08", accounts({ files: { "etc/group": "root:x:0:alice\nalice:x:1000:\n" } }), 'groupMembers.root=["alice"]'],
    ["U-09", accounts(), 'emptyGroups=["shadow"]'],
    ["U-23", accounts({ files: { "usr/bin/passwd": owned("x", 0o4755) } }), "count=1"],
    ["U-45", { "var/lib/dpkg/status": "Package: sendmail-bin\nStatus: install ok installed\nVersion: 8.17.1.9-2\n" }, "version=8.17.1.9-2"],
    ["U-45.postfix", { "var/lib/dpkg/status": "Package: postfix\nStatus: install ok installed\nVersion: 3.7.11-0+deb12u1\n" }, "version=3.7.11-0+deb12u1"],
    ["U-49", { "var/lib/dpkg/status": "Package: bash\nStatus: install ok installed\nVersion: 5.2\n" }, "version=(not set)"],
    ["U-62", { "etc/issue.net": "\nAuthorized use only.\n" }, "match=Authorized use only."],
  ] as const)("%s", async (id, spec, observed) => {
    const r = await run(id, spec);
    expect(r.status).toBe("manual");
    expect(r.observed).toBe(observed);
  });

  it.each(["U-28", "U-33", "U-47", "U-64", "U-66"])("%s has no automated audit", async (id) => {
    const r = await run(id, {});
    expect(r).toMatchObject({ status: "manual", message: "needs a person to judge (no automated audit)" });
  });
});
