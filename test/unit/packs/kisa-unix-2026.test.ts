/**
 * kisa-unix-2026 (KISA 2026 edition, U-01…U-67): a pass and a fail fixture for every automated
 * check (exact status, message and evidence), the skips where an item does not apply, and what
 * every manual check shows. The 2026 thresholds differ from kisa-unix's 2021 ones where the
 * guide changed them (/etc/hosts 644, /etc/shadow 400, cron files 640): those cases say so.
 * Fixture files are chowned, so this runs as root (as the other pack tests).
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { BENCHMARKS_DIR, loadShippedPacks, runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures, type FixtureSpec } from "../../helpers/fixture-root.js";
import { accounts, expectCase, fail, PAM_AUTH, PAM_PW, pass, PASSWD_LINES, SHADOW_LINES, skip, sockets, type Case } from "./kisa-cases.js";

afterAll(cleanupFixtures);

const PACK = "kisa-unix-2026";
const packsDir = path.join(BENCHMARKS_DIR, PACK);
const run = (id: string, spec: FixtureSpec): Promise<CheckResult> => runCheckOn(`${PACK}/${id}`, spec, { packsDir });

const PWQ = "etc/security/pwquality.conf";
const pwPam = (args = ""): FixtureSpec => ({ "etc/pam.d/common-password": `password requisite pam_pwquality.so retry=3${args}\npassword [success=1 default=ignore] pam_unix.so obscure yescrypt\n` });
const HIST = "password requisite pam_pwhistory.so use_authtok\npassword [success=1 default=ignore] pam_unix.so obscure yescrypt\n";

const ACCOUNT_CASES: Case[] = [
  pass("U-01", "PermitRootLogin no", { "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\n" }),
  fail("U-01", "PermitRootLogin yes", { "etc/ssh/sshd_config": "PermitRootLogin yes\n" }, "value is yes, expected no"),
  fail("U-01", "unset (OpenSSH default)", { "etc/ssh/sshd_config": "Port 22\n" }, "value is prohibit-password, expected no"),
  skip("U-01", "no sshd", {}, "no SSH server configuration (/etc/ssh/sshd_config absent), so no remote root login over SSH"),
  pass("U-01.telnet", "ssh only", sockets()),
  fail("U-01.telnet", "telnetd on 23", sockets([23]), "listeners is 1 of 2 matching: tcp 0.0.0.0:23, expected no element: protocol = tcp, port = 23",
    [{ protocol: "tcp", address: "0.0.0.0", port: 23 }]),

  pass("U-02", "pam_pwquality in common-password", { "etc/pam.d/common-password": PAM_PW, "etc/pam.d/su": "auth sufficient pam_rootok.so\n" }),
  fail("U-02", "pam_unix only", { "etc/pam.d/common-password": "password [success=1 default=ignore] pam_unix.so obscure\n", "etc/pam.d/su": "auth sufficient pam_rootok.so\n" },
    "files is 0 of 2 matching, expected some element: matched = true", [{ file: "/etc/pam.d/common-password" }, { file: "/etc/pam.d/su" }]),
  pass("U-02.minlen", "minlen = 8", { ...pwPam(), [PWQ]: "minlen = 8\n" }),
  pass("U-02.minlen", "unset (libpwquality's default 8)", { ...pwPam(), [PWQ]: "# minlen = 8\n" }),
  fail("U-02.minlen", "minlen = 6", { ...pwPam(), [PWQ]: "minlen = 6\n" }, "conf is 6, expected not set or >= 8"),
  fail("U-02.minlen", "minlen=6 on the PAM line", { ...pwPam(" minlen=6"), [PWQ]: "minlen = 8\n" }, "args is 1 of 1 matching: {\"value\":\"6\",\"service\":\"common-password\",\"file\":\"/etc/pam.d/common-password\",\"line\":1}, expected no element: value < 8"),
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
  pass("U-13", "ENCRYPT_METHOD SHA512", { "etc/login.defs": "ENCRYPT_METHOD SHA512\n" }),
  pass("U-13", "ENCRYPT_METHOD YESCRYPT (Debian 12 default)", { "etc/login.defs": "ENCRYPT_METHOD YESCRYPT\n" }),
  fail("U-13", "ENCRYPT_METHOD MD5", { "etc/login.defs": "ENCRYPT_METHOD MD5\n" }, "encryptMethod is MD5, expected matches /(?i)^(sha256|sha512|yescrypt)$/"),
  pass("U-13.hashes", "sha512 and yescrypt hashes", accounts()),
  fail("U-13.hashes", "alice still has an MD5 hash", accounts({ shadow: [...SHADOW_LINES.slice(0, 3), "alice:$1$salt$hash:19000:0:99999:7:::"] }), "users is 1 of 4 matching: alice, expected no element: state = hash, algorithm not (one of [sha256, sha512, yescrypt, gost-yescrypt])"),
];

const CASES: Case[] = [...ACCOUNT_CASES];

describe("kisa-unix-2026: pass and fail fixtures", () => {
  it.each(CASES.map((c) => [`${c.id} ${c.want.status}: ${c.label}`, c] as const))("%s", async (_name, c) => {
    expectCase(await run(c.id, c.spec), c);
  });
});

/** The 2026 items with no 2021 counterpart: their checks carry the 2026 reference only. */
const NEW_IN_2026 = new Set(["U-13", "U-17", "U-51", "U-53", "U-59", "U-61", "U-63", "U-65", "U-67"]);
/** The items of the sections present so far. */
const ITEMS = Array.from({ length: 13 }, (_, i) => `U-${String(i + 1).padStart(2, "0")}`);

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
      expect([c.id, kisa.slice(1).map((k) => k.edition)]).toEqual([c.id, NEW_IN_2026.has(base) ? [] : [2021]]);
    }
  });
});

describe("kisa-unix-2026: manual checks show what was observed", () => {
  it.each([
    ["U-07", accounts(), 'loginUsers=["root","alice"]'],
    ["U-08", accounts({ files: { "etc/group": "root:x:0:alice\nalice:x:1000:\n" } }), 'groupMembers.root=["alice"]'],
    ["U-09", accounts(), 'emptyGroups=["shadow"]'],
  ] as const)("%s", async (id, spec, observed) => {
    const r = await run(id, spec);
    expect(r.status).toBe("manual");
    expect(r.observed).toBe(observed);
  });
});
