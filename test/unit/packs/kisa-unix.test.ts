/**
 * kisa-unix: a pass and a fail fixture for every automated check (exact status, message
 * and evidence), the skips where the KISA item does not apply, and what every manual
 * check shows. Fixture files are chowned, so this runs as root (as the other pack tests).
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { BENCHMARKS_DIR, loadShippedPacks, runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures, type FixtureSpec } from "../../helpers/fixture-root.js";
import { accounts, AUTH_UNIX_ONLY, GROUP, expectCase, fail, owned, PAM_AUTH, PAM_PW, PAM_UNIX_ONLY, pass, PASSWD_LINES, permCases, skip, sockets, type Case } from "./kisa-cases.js";

afterAll(cleanupFixtures);

const PACK = "kisa-unix";
const packsDir = path.join(BENCHMARKS_DIR, PACK);
const run = (id: string, spec: FixtureSpec): Promise<CheckResult> => runCheckOn(`${PACK}/${id}`, spec, { packsDir });

const PWQ = "etc/security/pwquality.conf";
const pwPam = (args = ""): FixtureSpec => ({ "etc/pam.d/common-password": `password requisite pam_pwquality.so retry=3${args}\npassword [success=1 default=ignore] pam_unix.so obscure yescrypt\n` });
/** RHEL 7's system-auth password lines with pam_cracklib (Linux-PAM < 1.5) and these arguments. */
const CRACK = (args = ""): FixtureSpec => ({ "etc/pam.d/system-auth": `password requisite pam_cracklib.so try_first_pass retry=3${args}\npassword sufficient pam_unix.so sha512 shadow use_authtok\n` });

/** /usr/bin/su with this mode, root:wheel (gid 10), and a wheel group. */
const SU_WHEEL = (mode: number): FixtureSpec => accounts({ files: { "etc/group": GROUP + "wheel:x:10:alice\n", "usr/bin/su": owned("ELF", mode, 0, 10) } });
/** An auth stack with pam_tally2 (Linux-PAM < 1.5) and these arguments on its auth line. */
const TALLY2 = (args: string): string => `auth required pam_tally2.so onerr=fail${args}\nauth sufficient pam_unix.so\naccount required pam_tally2.so\n`;

const CASES: Case[] = [
  // 1. 계정관리
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
  ...(["dcredit", "ucredit", "lcredit", "ocredit"] as const).flatMap((k) => [
    pass(`U-02.${k}`, `${k} = -1`, { ...pwPam(), [PWQ]: `# KISA\nminlen = 8\n${k} = -1\n` }),
    pass(`U-02.${k}`, `${k}=-1 on the PAM line (either place is enough)`, { ...pwPam(` ${k}=-1`), [PWQ]: "minlen = 8\n" }),
    fail(`U-02.${k}`, `${k} = 0`, { ...pwPam(), [PWQ]: `${k} = 0\n` },
      "(conf is 0, expected <= -1) or (args is 0 of 0 matching, expected some element: value <= -1 and no element: value > -1)", [{ file: `/${PWQ}`, line: 1, key: k }]),
    fail(`U-02.${k}`, "unset", { ...pwPam(), [PWQ]: "# minlen = 8\n" },
      "(conf is (not set), expected <= -1) or (args is 0 of 0 matching, expected some element: value <= -1 and no element: value > -1)"),
    fail(`U-02.${k}`, `${k} = -1 but no pam_pwquality in the stack (read by no one)`, { "etc/pam.d/common-password": PAM_UNIX_ONLY, [PWQ]: `${k} = -1\n` },
      "inStack is false, expected true", [{ file: `/${PWQ}`, line: 1, key: k }]),
  ]),

  pass("U-03", "pam_faillock in common-auth", { "etc/pam.d/common-auth": PAM_AUTH }),
  pass("U-03", "pam_tally2 (older systems)", { "etc/pam.d/system-auth": "auth required /lib/security/pam_tally2.so deny=5 unlock_time=120\n" }),
  fail("U-03", "no lockout module", { "etc/pam.d/common-auth": "auth [success=1 default=ignore] pam_unix.so nullok\n" },
    "files is 0 of 1 matching, expected some element: matched = true", [{ file: "/etc/pam.d/common-auth" }]),
  pass("U-03.deny", "deny = 5", { "etc/pam.d/common-auth": PAM_AUTH, "etc/security/faillock.conf": "deny = 5\nunlock_time = 120\n" }),
  pass("U-03.deny", "unset (pam_faillock's default 3)", { "etc/pam.d/common-auth": PAM_AUTH, "etc/security/faillock.conf": "# deny = 3\nsilent\n" }),
  fail("U-03.deny", "deny = 11", { "etc/pam.d/common-auth": PAM_AUTH, "etc/security/faillock.conf": "deny = 11\n" },
    "conf is 11, expected not set or >= 1 and <= 10", [{ file: "/etc/security/faillock.conf", line: 1, key: "deny" }]),
  fail("U-03.deny", "deny = 0 (never locks)", { "etc/pam.d/common-auth": PAM_AUTH, "etc/security/faillock.conf": "deny = 0\n" }, "conf is 0, expected not set or >= 1 and <= 10"),
  fail("U-03.deny", "deny=0 on the PAM line (never locks)", { "etc/pam.d/common-auth": "auth requisite pam_faillock.so preauth deny=0\n", "etc/security/faillock.conf": "deny = 5\n" },
    'args is 1 of 1 matching: {"value":"0","service":"common-auth","file":"/etc/pam.d/common-auth","line":1}, expected no element: value < 1 or > 10'),
  fail("U-03.deny", "deny = 5 but no pam_faillock in the stack (nothing locks)", { "etc/pam.d/common-auth": AUTH_UNIX_ONLY, "etc/security/faillock.conf": "deny = 5\n" },
    "inStack is false, expected true", [{ file: "/etc/security/faillock.conf", line: 1, key: "deny" }]),
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

  pass("U-44", "root only", accounts()),
  fail("U-44", "toor with uid 0", accounts({ passwd: [...PASSWD_LINES, "toor:x:0:0::/root:/bin/bash"] }),
    "users is 1 of 5 matching: toor, expected no element: uid = 0, name not (= root)", [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 5 }]),

  pass("U-45", "pam_wheel required", { "etc/pam.d/su": "auth sufficient pam_rootok.so\nauth required pam_wheel.so use_uid\n" }),
  fail("U-45", "pam_wheel commented out (Debian default)", { "etc/pam.d/su": "auth sufficient pam_rootok.so\n# auth required pam_wheel.so\n" },
    "matched is false, expected true", [{ file: "/etc/pam.d/su" }]),
  skip("U-45", "no su", {}, "no /etc/pam.d/su (su is not installed)"),
  pass("U-45", "pam_wheel required, su 4755 (the package's mode)", { "etc/pam.d/su": "auth sufficient pam_rootok.so\nauth required pam_wheel.so use_uid\n", "usr/bin/su": owned("ELF", 0o4755) }),
  skip("U-45", "su 4750: its group restricts it", { "etc/pam.d/su": "auth sufficient pam_rootok.so\n", "usr/bin/su": owned("ELF", 0o4750, 0, 10) },
    "su is not executable by others (/usr/bin/su), so its group restricts it; U-45.mode judges that way"),
  pass("U-45.mode", "4750 root:wheel (the guide's way)", SU_WHEEL(0o4750)),
  fail("U-45.mode", "4754 (others may read it)", SU_WHEEL(0o4754), "mode is 4754, expected 4750 or more restrictive", [{ file: "/usr/bin/su" }]),
  fail("U-45.mode", "4770 (its group may write it)", SU_WHEEL(0o4770), "mode is 4770, expected 4750 or more restrictive"),
  fail("U-45.mode", "owner daemon", { ...SU_WHEEL(0o4750), "usr/bin/su": owned("ELF", 0o4750, 1, 10) }, "owner is daemon, expected root"),
  skip("U-45.mode", "4755 (Debian's and RHEL's default)", SU_WHEEL(0o4755), "su is executable by everyone (or not at /usr/bin/su), so only pam_wheel can restrict it (U-45)"),
  skip("U-45.mode", "no /usr/bin/su", accounts(), "su is executable by everyone (or not at /usr/bin/su), so only pam_wheel can restrict it (U-45)"),

  pass("U-46", "minlen = 8", { ...pwPam(), [PWQ]: "minlen = 8\n" }),
  pass("U-46", "unset, pam_pwquality in the stack (libpwquality default 8)", { ...pwPam(), [PWQ]: "# minlen = 8\n" }),
  fail("U-46", "minlen = 6", { ...pwPam(), [PWQ]: "minlen = 6\n" }, "conf is 6, expected not set or >= 8"),
  fail("U-46", "minlen=6 on the PAM line", { ...pwPam(" minlen=6"), [PWQ]: "minlen = 8\n" },
    'args is 1 of 1 matching: {"value":"6","service":"common-password","file":"/etc/pam.d/common-password","line":1}, expected no element: value < 8'),
  fail("U-46", "unset and no pam_pwquality (nothing enforces a length)", { "etc/pam.d/common-password": PAM_UNIX_ONLY }, "inStack is false, expected true",
    [{ file: `/${PWQ}`, detail: "minlen is not set in /etc/security/pwquality.conf nor on pam_pwquality.so's lines in common-password, system-auth, password-auth" }]),

  // pam_cracklib (Linux-PAM < 1.5, RHEL 7): its own twins; the pwquality checks skip where it is the module.
  ...([["U-46", "minlen"], ...(["dcredit", "ucredit", "lcredit", "ocredit"] as const).map((k) => [`U-02.${k}`, k])] as const).flatMap(([id, opt]) => [
    skip(`${id}.cracklib`, "pam_pwquality, no pam_cracklib", { ...pwPam(), [PWQ]: `${opt} = ${opt === "minlen" ? 8 : -1}\n` }, `pam_cracklib is not in a password stack (pam_pwquality's ${opt} is ${id})`),
    skip(id, "pam_cracklib is the quality module", { ...CRACK(` ${opt}=${opt === "minlen" ? 12 : -1}`), [PWQ]: `${opt} = ${opt === "minlen" ? 6 : 0}\n` },
      `pam_cracklib (not pam_pwquality) is the password-quality module here (Linux-PAM < 1.5); ${id}.cracklib judges its ${opt}=`),
  ]),
  pass("U-46.cracklib", "minlen=8 on the pam_cracklib line", CRACK(" minlen=8")),
  pass("U-46.cracklib", "unset (pam_cracklib's default 9)", CRACK()),
  fail("U-46.cracklib", "minlen=6", CRACK(" minlen=6"), 'args is 1 of 1 matching: {"value":"6","service":"system-auth","file":"/etc/pam.d/system-auth","line":1}, expected no element: value < 8',
    [{ file: "/etc/pam.d/system-auth", line: 1 }]),
  ...(["dcredit", "ucredit", "lcredit", "ocredit"] as const).flatMap((k) => [
    pass(`U-02.${k}.cracklib`, `${k}=-1`, CRACK(` ${k}=-1`)),
    fail(`U-02.${k}.cracklib`, "unset (pam_cracklib's default 1 requires nothing)", CRACK(), "args is 0 of 0 matching, expected some element: value <= -1 and no element: value > -1",
      [{ file: "/etc/pam.d/system-auth", line: 1 }]),
    fail(`U-02.${k}.cracklib`, `${k}=1`, CRACK(` ${k}=1`), "args is 0 of 1 matching, expected some element: value <= -1 and no element: value > -1"),
  ]),

  pass("U-47", "PASS_MAX_DAYS 90", { "etc/login.defs": "PASS_MAX_DAYS\t90\n" }),
  fail("U-47", "PASS_MAX_DAYS 99999 (Debian default)", { "etc/login.defs": "PASS_MAX_DAYS 99999\n" }, "value is 99999, expected >= 1 and <= 90",
    [{ file: "/etc/login.defs" }, { file: "/etc/login.defs", line: 1, key: "PASS_MAX_DAYS" }]),
  fail("U-47", "unset", { "etc/login.defs": "UMASK 022\n" }, "value is (not set), expected >= 1 and <= 90"),

  pass("U-48", "PASS_MIN_DAYS 1", { "etc/login.defs": "PASS_MIN_DAYS 1\n" }),
  fail("U-48", "PASS_MIN_DAYS 0", { "etc/login.defs": "PASS_MIN_DAYS 0\n" }, "value is 0, expected >= 1"),

  pass("U-52", "unique uids", accounts()),
  fail("U-52", "bob shares uid 1000", accounts({ passwd: [...PASSWD_LINES, "bob:x:1000:1000::/home/alice:/bin/bash"] }),
    'duplicateUids is [{"uid":1000,"names":["alice","bob"]}], expected []'),

  pass("U-53", "system accounts have nologin", accounts()),
  fail("U-53", "daemon has /bin/sh", accounts({ passwd: ["root:x:0:0:root:/root:/bin/bash", "daemon:x:1:1:daemon:/usr/sbin:/bin/sh", ...PASSWD_LINES.slice(2)] }),
    "users is 1 of 4 matching: daemon, expected no element: name one of [daemon, bin, sys, adm, listen, nobody, nobody4, noaccess, diag, operator, games, gopher], loginShell = true",
    [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 2 }]),

  pass("U-54", "TMOUT=600 in profile.d", { "etc/profile.d/tmout.sh": "readonly TMOUT=600\nexport TMOUT\n" }),
  pass("U-54", "export TMOUT=300", { "etc/profile.d/a.sh": "# other\n", "etc/profile.d/tmout.sh": "export TMOUT=300\n" }),
  fail("U-54", "TMOUT=3600", { "etc/profile.d/tmout.sh": "TMOUT=3600\n" },
    "files is 0 of 1 matching, expected some element: matched = true, match >= 1 and <= 600"),
  fail("U-54", "no TMOUT", { "etc/profile.d/bash_completion.sh": "true\n" },
    "files is 0 of 1 matching, expected some element: matched = true, match >= 1 and <= 600"),
  pass("U-54.csh", "set autologout = 10 in /etc/csh.login", { "etc/csh.cshrc": "alias ll ls -l\n", "etc/csh.login": "setenv LANG C\nset autologout = 10\n" }),
  fail("U-54.csh", "autologout 60 (minutes)", { "etc/csh.cshrc": "set autologout=60\n" },
    "files is 0 of 1 matching, expected some element: matched = true, match >= 1 and <= 10 and no element: matched = true, match > 10 or < 1", [{ file: "/etc/csh.cshrc", line: 1 }]),
  fail("U-54.csh", "10 in csh.login, 60 in csh.cshrc", { "etc/csh.cshrc": "set autologout = 60\n", "etc/csh.login": "set autologout = 10\n" },
    "files is 1 of 2 matching, expected some element: matched = true, match >= 1 and <= 10 and no element: matched = true, match > 10 or < 1", [{ file: "/etc/csh.cshrc", line: 1 }]),
  fail("U-54.csh", "no autologout (csh never logs out)", { "etc/csh.cshrc": "# set autologout = 10\n" },
    "files is 0 of 1 matching, expected some element: matched = true, match >= 1 and <= 10 and no element: matched = true, match > 10 or < 1"),
  skip("U-54.csh", "no csh", { "etc/profile.d/tmout.sh": "TMOUT=600\n" }, "no /etc/csh.* (csh and tcsh are not installed)"),

  // 2. 파일 및 디렉토리 관리
  pass("U-05", "PATH without .", { "etc/profile": 'PATH="/usr/local/bin:/usr/bin:/bin"\nexport PATH\n' }),
  pass("U-05", '"." last is allowed', { "etc/profile": "PATH=$PATH:.\n" }),
  fail("U-05", '"." first', { "etc/profile": "# x\nexport PATH=.:$PATH\n" }, "matched is true, expected false", [{ file: "/etc/profile" }, { file: "/etc/profile", line: 2 }]),
  fail("U-05", "empty middle entry", { "etc/profile": 'PATH="/usr/bin::/bin"\n' }, "matched is true, expected false"),
  pass("U-05.root", "root's files clean", { "root/.profile": 'PATH="$HOME/bin:$PATH"\n', "root/.bashrc": "alias ll='ls -l'\n" }),
  fail("U-05.root", '"." in the middle of .bashrc', { "root/.profile": "true\n", "root/.bashrc": "PATH=/usr/bin:.:/bin\n" },
    "files is 1 of 2 matching: /root/.bashrc, expected no element: matched = true", [{ file: "/root/.bashrc" }, { file: "/root/.profile" }, { file: "/root/.bashrc", line: 1 }]),

  pass("U-06", "every owner known", accounts({ files: { "srv/data": owned("x", 0o644, 1000, 1000) } })),
  fail("U-06", "uid 4242 unknown", accounts({ files: { "srv/data": owned("x", 0o644, 4242, 0) } }), "count is 1, expected 0",
    [{ file: "/srv/data", detail: "file mode 0644 4242:root" }]),

  ...permCases("U-09", "etc/hosts", 0o600),
  ...permCases("U-10", "etc/inetd.conf", 0o600),
  skip("U-10", "no inetd", {}, "no /etc/inetd.conf (inetd is not installed)"),
  ...permCases("U-10.xinetd", "etc/xinetd.conf", 0o600),
  pass("U-10.xinetd-d", "0600 root", { ...accounts(), "etc/xinetd.d/echo": owned("x\n", 0o600) }),
  fail("U-10.xinetd-d", "0644", { ...accounts(), "etc/xinetd.d/echo": owned("x\n", 0o600), "etc/xinetd.d/time": owned("x\n", 0o644) },
    "files is 1 of 2 not matching: /etc/xinetd.d/time, expected every element: owner = root, mode 0600 or more restrictive"),
  skip("U-10.xinetd-d", "no xinetd", {}, "no files under /etc/xinetd.d (xinetd is not installed)"),
  ...permCases("U-11", "etc/rsyslog.conf", 0o640, "one of [root, bin, sys]"),
  ...permCases("U-11.syslog", "etc/syslog.conf", 0o640, "one of [root, bin, sys]"),
  ...permCases("U-12", "etc/services", 0o644, "one of [root, bin, sys]"),

  pass("U-14", "0644 dot files", { "home/alice/.profile": owned("x", 0o644, 1000, 1000), "home/alice/.bashrc": owned("x", 0o600, 1000, 1000) }),
  fail("U-14", "group-writable .bashrc", { "home/alice/.bashrc": owned("x", 0o664, 1000, 1000) },
    "files is 1 of 1 not matching: /home/alice/.bashrc, expected every element: mode 7755 or more restrictive"),
  pass("U-14.root", "root 0644", { ...accounts(), "root/.profile": owned("x", 0o644), "root/.bashrc": owned("x", 0o644) }),
  fail("U-14.root", ".profile owned by daemon", { ...accounts(), "root/.profile": owned("x", 0o644, 1, 1) },
    "files is 1 of 1 not matching: /root/.profile, expected every element: owner = root, mode 7755 or more restrictive"),

  pass("U-15", "no world-writable file", accounts({ files: { tmp: { dir: true, mode: 0o1777 } } })),
  fail("U-15", "0666 file", accounts({ files: { "etc/app.conf": owned("x", 0o666) } }), "count is 1, expected 0",
    [{ file: "/etc/app.conf", detail: "file mode 0666 root:root" }]),

  pass("U-16", "device directories only", { "dev/pts": { dir: true }, "dev/stdout": { symlink: "/proc/self/fd/1" } }),
  fail("U-16", "regular file in /dev", { "dev/pts": { dir: true }, "dev/.hidden": owned("rootkit", 0o644) }, "count is 1, expected 0",
    [{ file: "/dev/.hidden", detail: "file mode 0644 0:0" }]),

  pass("U-17", "no hosts.equiv", accounts()),
  pass("U-17", "root 0600 without +", { ...accounts(), "etc/hosts.equiv": owned("trusted.example\n", 0o600) }),
  fail("U-17", '"+ +" entry', { ...accounts(), "etc/hosts.equiv": owned("+ +\n", 0o600) },
    "(exists is true, expected false) or (matched is true, expected false)"),
  pass("U-17.rhosts", "no .rhosts", accounts()),
  fail("U-17.rhosts", "0644 .rhosts", { ...accounts(), "home/alice/.rhosts": owned("host alice\n", 0o644, 1000, 1000) },
    "files is 1 of 1 not matching: /home/alice/.rhosts, expected every element: mode 0600 or more restrictive, matched = false"),
  pass("U-17.root", "no /root/.rhosts", accounts()),
  fail("U-17.root", "/root/.rhosts with +", { ...accounts(), "root/.rhosts": owned("host +\n", 0o600) },
    "(exists is true, expected false) or (matched is true, expected false)"),

  pass("U-55", "absent", accounts()),
  fail("U-55", "0644", { ...accounts(), "etc/hosts.lpd": owned("x\n", 0o644) },
    "(exists is true, expected false) or (mode is 0644, expected 0600 or more restrictive)"),

  pass("U-56", "UMASK 022", { "etc/login.defs": "UMASK\t\t022\n" }),
  pass("U-56", "UMASK 027", { "etc/login.defs": "UMASK 027\n" }),
  fail("U-56", "UMASK 002", { "etc/login.defs": "UMASK 002\n" }, "value is 002, expected matches /^0?[0-7][2367][2367]$/"),

  pass("U-57", "alice owns 0750 home", accounts()),
  fail("U-57", "alice's home owned by root", accounts({ files: { "home/alice": { dir: true, mode: 0o755, uid: 0, gid: 0 } } }),
    "users is 1 of 4 matching: alice, expected no element: system = false, loginShell = true, homeExists = true, any(homeOwned = false; homeMode not (7775 or more restrictive))",
    [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 4 }]),
  fail("U-57", "alice's home world-writable", accounts({ files: { "home/alice": { dir: true, mode: 0o777, uid: 1000, gid: 1000 } } }),
    "users is 1 of 4 matching: alice, expected no element: system = false, loginShell = true, homeExists = true, any(homeOwned = false; homeMode not (7775 or more restrictive))"),

  pass("U-58", "homes exist", accounts()),
  fail("U-58", "bob's home missing", accounts({ passwd: [...PASSWD_LINES, "bob:x:1001:1001::/home/bob:/bin/bash"] }),
    "users is 1 of 5 matching: bob, expected no element: loginShell = true, homeExists = false", [{ file: "/etc/passwd" }, { file: "/etc/passwd", line: 5 }]),

  // 3. 서비스 관리
  pass("U-19", "ssh only", sockets()),
  fail("U-19", "fingerd on 79", sockets([79]), "listeners is 1 of 2 matching: tcp 0.0.0.0:79, expected no element: protocol = tcp, port = 79",
    [{ protocol: "tcp", address: "0.0.0.0", port: 79 }]),
  skip("U-19", "offline root", {}, ""),

  pass("U-20", "anonymous_enable=NO", { "etc/vsftpd.conf": "listen=NO\nanonymous_enable=NO\n" }),
  fail("U-20", "anonymous_enable=YES", { "etc/vsftpd.conf": "anonymous_enable=YES\n" }, "value is YES, expected matches /(?i)^no$/"),
  skip("U-20", "no vsftpd", {}, "no /etc/vsftpd.conf (vsftpd is not installed)"),
  pass("U-20.vsftpd-rhel", "anonymous_enable=NO", { "etc/vsftpd/vsftpd.conf": "anonymous_enable=NO\n" }),
  fail("U-20.vsftpd-rhel", "anonymous_enable=YES (RHEL's shipped default)", { "etc/vsftpd/vsftpd.conf": "anonymous_enable=YES\nlocal_enable=YES\n" }, "value is YES, expected matches /(?i)^no$/",
    [{ file: "/etc/vsftpd/vsftpd.conf", line: 1, key: "anonymous_enable" }]),
  skip("U-20.vsftpd-rhel", "no vsftpd", { "etc/vsftpd.conf": "anonymous_enable=NO\n" }, "no /etc/vsftpd/vsftpd.conf (vsftpd is not installed the RHEL way)"),
  pass("U-20.account", "no ftp account", accounts()),
  fail("U-20.account", "ftp account", accounts({ passwd: [...PASSWD_LINES, "ftp:x:107:113:ftp daemon:/srv/ftp:/usr/sbin/nologin"] }),
    "users is 1 of 5 matching: ftp, expected no element: name one of [ftp, anonymous]"),

  pass("U-21", "ssh only", sockets()),
  fail("U-21", "rlogind on 513", sockets([513]), "listeners is 1 of 2 matching: tcp 0.0.0.0:513, expected no element: protocol = tcp, port one of [512, 513, 514]"),
  pass("U-23", "ssh only", sockets([], [123])),
  fail("U-23", "chargen on udp 19", sockets([], [19]), "listeners is 1 of 2 matching: udp 0.0.0.0:19, expected no element: port one of [7, 9, 13, 19]"),

  pass("U-25", "exports to a subnet", { "etc/exports": "# /srv *(rw)\n/srv 10.0.0.0/24(ro,root_squash)\n" }),
  fail("U-25", "export to *", { "etc/exports": "/srv 10.0.0.0/24(ro) *(rw)\n" }, "matched is true, expected false", [{ file: "/etc/exports" }, { file: "/etc/exports", line: 1 }]),
  fail("U-25", "export without clients", { "etc/exports": '"/srv/my data"\n' }, "matched is true, expected false"),
  skip("U-25", "no NFS server", {}, "no /etc/exports (no NFS server)"),
  ...permCases("U-69", "etc/exports", 0o644),

  pass("U-29", "ntp only", sockets([], [123])),
  fail("U-29", "tftpd on udp 69", sockets([], [69]), "listeners is 1 of 2 matching: udp 0.0.0.0:69, expected no element: protocol = udp, port one of [69, 517, 518]"),

  pass("U-32", "restrictqrun", { "etc/mail/sendmail.cf": "O PrivacyOptions=authwarnings,novrfy,noexpn,restrictqrun\n" }),
  fail("U-32", "no restrictqrun", { "etc/mail/sendmail.cf": "O PrivacyOptions=authwarnings\n" }, "matched is false, expected true"),
  skip("U-32", "no sendmail", {}, "no /etc/mail/sendmail.cf (sendmail is not installed)"),

  pass("U-34", "allow-transfer to a secondary", { "etc/bind/named.conf": 'include "/etc/bind/named.conf.options";\n', "etc/bind/named.conf.options": "options {\n  allow-transfer { 10.0.0.2; };\n};\n" }),
  fail("U-34", "allow-transfer any", { "etc/bind/named.conf.options": "options {\n  allow-transfer { any; };\n};\n" },
    "files is 0 of 1 matching, expected some element: matched = true"),
  fail("U-34", "no allow-transfer", { "etc/bind/named.conf.options": "options {\n};\n" }, "files is 0 of 1 matching, expected some element: matched = true"),
  skip("U-34", "no BIND", {}, "no /etc/bind/named.conf* (BIND is not installed)"),
  pass("U-34.rhel", "allow-transfer to a secondary in /etc/named.conf", { "etc/named.conf": "options {\n  allow-query { localhost; };\n  allow-transfer { 10.0.0.2; };\n};\n" }),
  fail("U-34.rhel", "no allow-transfer (RHEL's shipped named.conf: BIND's default is any)", { "etc/named.conf": "options {\n  allow-query { localhost; };\n};\n" },
    "files is 0 of 1 matching, expected some element: matched = true", [{ file: "/etc/named.conf" }]),
  fail("U-34.rhel", "allow-transfer any", { "etc/named.conf": "options {\n  allow-transfer { any; };\n};\n" }, "files is 0 of 1 matching, expected some element: matched = true"),
  skip("U-34.rhel", "no BIND", { "etc/bind/named.conf": "options {\n};\n" }, "no /etc/named.* (BIND is not installed the RHEL way)"),

  pass("U-60", "ssh only", sockets()),
  fail("U-60", "telnetd on 23", sockets([23]), "listeners is 1 of 2 matching: tcp 0.0.0.0:23, expected no element: protocol = tcp, port = 23"),
  pass("U-61", "ssh only", sockets()),
  fail("U-61", "ftpd on 21", sockets([21]), "listeners is 1 of 2 matching: tcp 0.0.0.0:21, expected no element: protocol = tcp, port = 21"),

  pass("U-62", "ftp with nologin", accounts({ passwd: [...PASSWD_LINES, "ftp:x:107:113::/srv/ftp:/usr/sbin/nologin"] })),
  fail("U-62", "ftp with bash", accounts({ passwd: [...PASSWD_LINES, "ftp:x:107:113::/srv/ftp:/bin/bash"] }),
    "users is 1 of 5 matching: ftp, expected no element: name = ftp, loginShell = true"),

  ...permCases("U-63", "etc/ftpusers", 0o640),
  pass("U-64", "root listed", { "etc/ftpusers": "# no ftp\nroot\ndaemon\n" }),
  fail("U-64", "root missing", { "etc/ftpusers": "daemon\n#root\n" }, "matched is false, expected true"),

  pass("U-67", "random community", { "etc/snmp/snmpd.conf": "rocommunity Xk39fqP2 10.0.0.0/24\n# rocommunity public\n" }),
  fail("U-67", "rocommunity public", { "etc/snmp/snmpd.conf": "rocommunity public default\n" }, "matched is true, expected false",
    [{ file: "/etc/snmp/snmpd.conf" }, { file: "/etc/snmp/snmpd.conf", line: 1 }]),
  fail("U-67", "com2sec private", { "etc/snmp/snmpd.conf": "com2sec notConfigUser default private\n" }, "matched is true, expected false"),

  pass("U-70", "novrfy,noexpn", { "etc/mail/sendmail.cf": "O PrivacyOptions=authwarnings,novrfy,noexpn,restrictqrun\n" }),
  pass("U-70", "goaway", { "etc/mail/sendmail.cf": "O PrivacyOptions=goaway\n" }),
  fail("U-70", "noexpn only", { "etc/mail/sendmail.cf": "O PrivacyOptions=authwarnings,noexpn\n" }, "matched is false, expected true"),
  pass("U-70.postfix", "disable_vrfy_command = yes", { "etc/postfix/main.cf": "myhostname = node\ndisable_vrfy_command = yes\n" }),
  fail("U-70.postfix", "unset", { "etc/postfix/main.cf": "myhostname = node\n" }, "value is (not set), expected matches /(?i)^yes$/"),
];

describe("kisa-unix: pass and fail fixtures", () => {
  it.each(CASES.map((c) => [`${c.id} ${c.want.status}: ${c.label}`, c] as const))("%s", async (_name, c) => {
    expectCase(await run(c.id, c.spec), c);
  });

  it("every automated check has a pass and a fail fixture above; every check carries both KISA editions or says why not", async () => {
    const loaded = await loadShippedPacks(packsDir);
    expect(loaded.errors).toEqual([]);
    const checks = loaded.packs.flatMap((p) => p.checks).filter((c) => c.pack.id === PACK);
    const automated = checks.filter((c) => !c.manual).map((c) => c.id);
    for (const id of automated) {
      const statuses = new Set(CASES.filter((c) => c.id === id).map((c) => c.want.status));
      expect([id, statuses.has("pass"), statuses.has("fail")]).toEqual([id, true, true]);
    }
    // The 2026 number is left out only where the 2026 edition has no such item (U-43, a procedure).
    const only2021 = new Set(["U-43"]);
    for (const c of checks) {
      const kisa = c.references.kisa ?? [];
      const base = c.id.split(".")[0];
      expect(kisa.find((k) => k.edition === 2021)?.id).toBe(base);
      expect([c.id, kisa.some((k) => k.edition === 2026)]).toEqual([c.id, !only2021.has(base as string)]);
    }
    expect(automated.length).toBeGreaterThanOrEqual(50);
  });
});

describe("kisa-unix: manual checks show what was observed", () => {
  it.each([
    ["U-13", accounts({ files: { "usr/bin/passwd": owned("x", 0o4755) } }), "count=1"],
    ["U-49", accounts(), 'loginUsers=["root","alice"]'],
    ["U-50", accounts({ files: { "etc/group": "root:x:0:alice\nalice:x:1000:\n" } }), 'groupMembers.root=["alice"]'],
    ["U-51", accounts(), 'emptyGroups=["shadow"]'],
    ["U-30", { "var/lib/dpkg/status": "Package: sendmail-bin\nStatus: install ok installed\nVersion: 8.17.1.9-2\n" }, "version=8.17.1.9-2"],
    ["U-33", { "var/lib/dpkg/status": "Package: bash\nStatus: install ok installed\nVersion: 5.2\n" }, "version=(not set)"],
    ["U-68", { "etc/issue.net": "\nAuthorized use only.\n" }, "match=Authorized use only."],
  ] as const)("%s", async (id, spec, observed) => {
    const r = await run(id, spec);
    expect(r.status).toBe("manual");
    expect(r.observed).toBe(observed);
  });

  it.each(["U-18", "U-31", "U-42", "U-43", "U-59", "U-72"])("%s has no automated audit", async (id) => {
    const r = await run(id, {});
    expect(r).toMatchObject({ status: "manual", message: "needs a person to judge (no automated audit)" });
  });
});
