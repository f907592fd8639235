/**
 * Pass and fail fixtures for CIS Linux 5.4 (user accounts and environment) and 7.2 (local
 * users and groups), shared by the Debian-family table and the RHEL 9 test (RHEL numbers
 * 7.2 without the shadow-group item: `ids7` maps each item to the pack's id).
 */
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import type { Case } from "./cis-linux-cases.js";

const PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n";
const GROUP = "root:x:0:\ndaemon:x:1:\nshadow:x:42:\ncrontab:x:101:\nnogroup:x:65534:\nalice:x:1000:\n";
const SHELLS = "# valid login shells\n/bin/sh\n/bin/bash\n/usr/bin/bash\n";
const HASH = "$y$j9T$saltsaltsalt$hashhashhashhashhashhashhashhashhashhashhas";
const DAY = Math.floor(Date.now() / 86_400_000);

/** passwd/group/shells with alice, shadow with ageing `aging` for root and alice. */
function accounts(aging = "19000:1:365:7:30", extra: FixtureSpec = {}): FixtureSpec {
  return {
    "etc/passwd": PASSWD,
    "etc/group": GROUP,
    "etc/shells": SHELLS,
    "etc/shadow": { content: `root:${HASH}:${aging}::\ndaemon:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\nalice:${HASH}:${aging}::\n`, mode: 0o640, uid: 0, gid: 42 },
    root: { dir: true, mode: 0o700 },
    "home/alice": { dir: true, mode: 0o750, uid: 1000, gid: 1000 },
    ...extra,
  };
}

const LOGIN_DEFS = "PASS_MAX_DAYS 365\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nENCRYPT_METHOD YESCRYPT\nUMASK 027\nUID_MIN 1000\n";
const defs = (k: string, v: string) => ({ "etc/login.defs": LOGIN_DEFS.replace(new RegExp(`^${k} .*$`, "m"), `${k} ${v}`) });

/** `rootLockedPasses`: 5.4.2.4 accepts a locked root (all but Ubuntu 22.04 v2.0.0, "Ensure root password is set"). */
export function userAccountCases(rootLockedPasses = true): Case[] {
  const ev = (key: string, line: number) => ({ file: "/etc/login.defs", line, key });
  const loginDefsEv = [ev("PASS_MAX_DAYS", 1), ev("PASS_MIN_DAYS", 2), ev("PASS_WARN_AGE", 3), ev("ENCRYPT_METHOD", 4)];
  const cases: Case[] = [
    { id: "5.4.1.1", label: "PASS_MAX_DAYS 365", spec: accounts("19000:1:365:7:30", { "etc/login.defs": LOGIN_DEFS }), want: { status: "pass" } },
    { id: "5.4.1.1", label: "PASS_MAX_DAYS 99999", spec: accounts("19000:1:365:7:30", defs("PASS_MAX_DAYS", "99999")), want: { status: "fail", message: "passMaxDays is 99999, expected >= 1 and <= 365" } },
    { id: "5.4.1.1-accounts", label: "root and alice at 365", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.1.1-accounts", label: "alice never expires", spec: accounts("19000:1:365:7:30", { "etc/shadow": `root:${HASH}:19000:1:365:7:30::\nalice:${HASH}:19000:0:99999:7:::\n` }), want: { status: "fail", message: "users is 1 of 4 matching: alice, expected no element: state = hash, any(max not set; max < 1; max > 365)" } },
    // getspnam takes a name's first shadow line: a compliant second one for root does not count.
    { id: "5.4.1.1-accounts", label: "root's first of two shadow lines never expires", spec: accounts("19000:1:365:7:30", { "etc/shadow": `root:${HASH}:19000:1:99999:7:30::\nalice:${HASH}:19000:1:365:7:30::\nroot:${HASH}:19000:1:365:7:30::\n` }), want: { status: "fail", message: "users is 1 of 4 matching: root, expected no element: state = hash, any(max not set; max < 1; max > 365)" } },
    { id: "5.4.1.2", label: "PASS_MIN_DAYS 1", spec: accounts("19000:1:365:7:30", { "etc/login.defs": LOGIN_DEFS }), want: { status: "pass" } },
    { id: "5.4.1.2", label: "PASS_MIN_DAYS 0", spec: accounts("19000:1:365:7:30", defs("PASS_MIN_DAYS", "0")), want: { status: "fail", message: "passMinDays is 0, expected >= 1" } },
    { id: "5.4.1.2-accounts", label: "min 1", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.1.2-accounts", label: "min 0", spec: accounts("19000:0:365:7:30"), want: { status: "fail", message: "users is 2 of 4 matching: root, alice, expected no element: state = hash, any(min not set; min < 1)" } },
    { id: "5.4.1.3", label: "PASS_WARN_AGE 7", spec: accounts("19000:1:365:7:30", { "etc/login.defs": LOGIN_DEFS }), want: { status: "pass" } },
    { id: "5.4.1.3", label: "PASS_WARN_AGE not set", spec: accounts("19000:1:365:7:30", { "etc/login.defs": "PASS_MAX_DAYS 365\n" }), want: { status: "fail", message: "passWarnAge is (not set), expected >= 7" } },
    { id: "5.4.1.3-accounts", label: "warn 7", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.1.3-accounts", label: "warn 3", spec: accounts("19000:1:365:3:30"), want: { status: "fail", message: "users is 2 of 4 matching: root, alice, expected no element: state = hash, any(warn not set; warn < 7)" } },
    { id: "5.4.1.4", label: "YESCRYPT", spec: accounts("19000:1:365:7:30", { "etc/login.defs": LOGIN_DEFS }), want: { status: "pass" } },
    { id: "5.4.1.4", label: "sha512 (any case)", spec: accounts("19000:1:365:7:30", defs("ENCRYPT_METHOD", "sha512")), want: { status: "pass" } },
    { id: "5.4.1.4", label: "MD5", spec: accounts("19000:1:365:7:30", defs("ENCRYPT_METHOD", "MD5")), want: { status: "fail", message: "encryptMethod is MD5, expected matches /(?i)^(sha512|yescrypt)$/", evidence: [...loginDefsEv, { file: "/etc/passwd" }, { file: "/etc/shadow" }] } },
    { id: "5.4.1.5", label: "INACTIVE=30", spec: accounts("19000:1:365:7:30", { "etc/default/useradd": "SHELL=/bin/sh\nINACTIVE=30\n" }), want: { status: "pass" } },
    { id: "5.4.1.5", label: "INACTIVE=-1", spec: accounts("19000:1:365:7:30", { "etc/default/useradd": "INACTIVE=-1\n" }), want: { status: "fail", message: "inactive is -1, expected >= 0 and <= 45" } },
    { id: "5.4.1.5", label: "not set (useradd's -1)", spec: accounts("19000:1:365:7:30", { "etc/default/useradd": "# INACTIVE=-1\n" }), want: { status: "fail", message: "inactive is (not set), expected >= 0 and <= 45" } },
    { id: "5.4.1.5-accounts", label: "inactive 30", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.1.5-accounts", label: "inactive unset", spec: accounts("19000:1:365:7:"), want: { status: "fail", message: "users is 2 of 4 matching: root, alice, expected no element: state = hash, any(inactive not set; inactive < 0; inactive > 45)" } },
    { id: "5.4.1.6", label: "changed in the past", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.1.6", label: "alice changed tomorrow+", spec: accounts("19000:1:365:7:30", { "etc/shadow": `root:${HASH}:19000:1:365:7:30::\nalice:${HASH}:${DAY + 30}:1:365:7:30::\n` }), want: { status: "fail", message: "users is 1 of 4 matching: alice, expected no element: lastChangeInFuture = true" } },

    { id: "5.4.2.1", label: "root only", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.2.1", label: "toor with uid 0", spec: accounts("19000:1:365:7:30", { "etc/passwd": `${PASSWD}toor:x:0:0::/root:/bin/bash\n` }), want: { status: "fail", message: "users is 1 of 5 matching: toor, expected no element: uid = 0, name not (= root)" } },
    { id: "5.4.2.2", label: "root and sync with gid 0", spec: accounts("19000:1:365:7:30", { "etc/passwd": `${PASSWD}sync:x:4:0:sync:/bin:/bin/sync\n` }), want: { status: "pass" } },
    { id: "5.4.2.2", label: "alice with primary gid 0", spec: accounts("19000:1:365:7:30", { "etc/passwd": PASSWD.replace("alice:x:1000:1000", "alice:x:1000:0") }), want: { status: "fail", message: "users is 1 of 4 matching: alice, expected no element: gid = 0, name not (one of [root, sync, shutdown, halt, operator])" } },
    { id: "5.4.2.3", label: "root only", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.2.3", label: "wheel with gid 0", spec: accounts("19000:1:365:7:30", { "etc/group": `${GROUP}wheel:x:0:alice\n` }), want: { status: "fail", message: 'gid0 is ["root","wheel"], expected ["root"]' } },
    { id: "5.4.2.4", label: "root has a password", spec: accounts(), want: { status: "pass" } },
    rootLockedPasses
      ? { id: "5.4.2.4", label: "root locked", spec: accounts("19000:1:365:7:30", { "etc/shadow": "root:!*:19000::::::\n" }), want: { status: "pass" } }
      : { id: "5.4.2.4", label: "root locked", spec: accounts("19000:1:365:7:30", { "etc/shadow": "root:!*:19000::::::\n" }), want: { status: "fail", message: "users is 0 of 4 matching, expected some element: name = root, state = hash" } },
    {
      id: "5.4.2.4", label: "root without a password", spec: accounts("19000:1:365:7:30", { "etc/shadow": "root::19000::::::\n" }),
      want: { status: "fail", message: `users is 0 of 4 matching, expected some element: name = root, state ${rootLockedPasses ? "one of [hash, locked]" : "= hash"}` },
    },
    { id: "5.4.2.6", label: "umask 027 in .bashrc", spec: { "root/.bashrc": "umask 027\n" }, want: { status: "pass" } },
    { id: "5.4.2.6", label: "no root shell files", spec: {}, want: { status: "pass" } },
    { id: "5.4.2.6", label: "umask 022 in .bash_profile", spec: { "root/.bash_profile": "# x\numask 022\n", "root/.bashrc": "umask 077\n" }, want: { status: "fail", message: 'umasks is 1 of 2 not matching: /root/.bash_profile, expected every element: permits 0750 or more restrictive', evidence: [{ file: "/root/.bash_profile", line: 2, key: "umask", detail: "umask 022" }, { file: "/root/.bashrc", line: 1, key: "umask", detail: "umask 077" }, { file: "/root/.bash_profile", line: 2 }] } },
    { id: "5.4.2.7", label: "system accounts with nologin", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.2.7", label: "daemon with /bin/sh", spec: accounts("19000:1:365:7:30", { "etc/passwd": PASSWD.replace("/usr/sbin:/usr/sbin/nologin", "/usr/sbin:/bin/sh") }), want: { status: "fail", message: "users is 1 of 4 matching: daemon, expected no element: validShell = true, name not (one of [root, halt, sync, shutdown, nfsnobody]), any(system = true; uid = 65534)" } },
    { id: "5.4.2.8", label: "nologin accounts locked", spec: accounts(), want: { status: "pass" } },
    { id: "5.4.2.8", label: "daemon with a password", spec: accounts("19000:1:365:7:30", { "etc/shadow": `root:${HASH}:19000:1:365:7:30::\ndaemon:${HASH}:19000:0:99999:7:::\nnobody:*:19000::::::\nalice:${HASH}:19000:1:365:7:30::\n` }), want: { status: "fail", message: "users is 1 of 4 matching: daemon, expected no element: validShell = false, name not (= root), state not (= locked)" } },
    { id: "5.4.3.1", label: "no nologin", spec: { "etc/shells": SHELLS }, want: { status: "pass" } },
    { id: "5.4.3.1", label: "nologin listed", spec: { "etc/shells": `${SHELLS}/usr/sbin/nologin\n` }, want: { status: "fail", message: "matched is true, expected false", evidence: [{ file: "/etc/shells" }, { file: "/etc/shells", line: 5 }] } },
    { id: "5.4.3.2", label: "TMOUT=900 readonly exported", spec: { "etc/profile.d/50-tmout.sh": "TMOUT=900\nreadonly TMOUT\nexport TMOUT\n" }, want: { status: "pass" } },
    { id: "5.4.3.2", label: "not readonly", spec: { "etc/profile.d/50-tmout.sh": "export TMOUT=900\n" }, want: { status: "fail", message: "readonly is false, expected true", evidence: [{ file: "/etc/profile.d/50-tmout.sh", line: 1, key: "TMOUT" }] } },
    { id: "5.4.3.2", label: "set higher elsewhere", spec: { "etc/profile.d/50-tmout.sh": "readonly TMOUT=900; export TMOUT\n", "etc/profile": "TMOUT=3600\n" }, want: { status: "fail", message: 'assignments is 1 of 2 matching: /etc/profile, expected no element: value > 900 or <= 0' } },
    { id: "5.4.3.2", label: "not set", spec: {}, want: { status: "fail" } },
    { id: "5.4.3.3", label: "umask 027 in /etc/profile", spec: { "etc/profile": "umask 027\n" }, want: { status: "pass" } },
    { id: "5.4.3.3", label: "umask 022 in profile.d", spec: { "etc/profile": "umask 027\n", "etc/profile.d/x.sh": "umask 022\n" }, want: { status: "fail", message: 'umasks is 1 of 2 not matching: /etc/profile.d/x.sh, expected every element: permits 0750 or more restrictive' } },
    { id: "5.4.3.3-login.defs", label: "UMASK 027", spec: { "etc/login.defs": LOGIN_DEFS }, want: { status: "pass" } },
    { id: "5.4.3.3-login.defs", label: "UMASK 022", spec: defs("UMASK", "022"), want: { status: "fail", message: "value is 022, expected matches /^0?[0-7][2367]7$/", evidence: [{ file: "/etc/login.defs" }, { file: "/etc/login.defs", line: 5, key: "UMASK" }] } },
  ];
  return cases;
}

export const MANUAL_5_4 = ["5.4.2.5"];

/** 7.2: `shadowGroup` is Debian/Ubuntu's 7.2.4 (RHEL 9 has no such item and numbers on from 7.2.4). */
export function localUserCases(ids: { shadowed: string; empty: string; groups: string; shadowGroup?: string; dupUid: string; dupGid: string; dupUser: string; dupGroup: string; homes: string; dotfiles: string }): Case[] {
  const cases: Case[] = [
    { id: ids.shadowed, label: "all x", spec: accounts(), want: { status: "pass" } },
    { id: ids.shadowed, label: "a hash in /etc/passwd", spec: accounts("19000:1:365:7:30", { "etc/passwd": PASSWD.replace("alice:x:", `alice:${HASH}:`) }), want: { status: "fail", message: "users is 1 of 4 not matching: alice, expected every element: shadowed = true" } },
    { id: ids.empty, label: "hashes and locked", spec: accounts(), want: { status: "pass" } },
    { id: ids.empty, label: "alice empty", spec: accounts("19000:1:365:7:30", { "etc/shadow": `root:${HASH}:19000::::::\nalice::19000::::::\n` }), want: { status: "fail", message: "passwords is 1 of 4 matching: alice, expected no element: state = empty" } },
    { id: ids.groups, label: "every primary group exists", spec: accounts(), want: { status: "pass" } },
    { id: ids.groups, label: "alice's gid 1000 has no group", spec: accounts("19000:1:365:7:30", { "etc/group": GROUP.replace("alice:x:1000:\n", "") }), want: { status: "fail", message: 'missingPrimary is [{"user":"alice","gid":1000}], expected []' } },
    { id: ids.dupUid, label: "unique", spec: accounts(), want: { status: "pass" } },
    { id: ids.dupUid, label: "bob shares 1000", spec: accounts("19000:1:365:7:30", { "etc/passwd": `${PASSWD}bob:x:1000:1000::/home/bob:/bin/bash\n` }), want: { status: "fail", message: 'duplicateUids is [{"uid":1000,"names":["alice","bob"]}], expected []' } },
    { id: ids.dupGid, label: "unique", spec: accounts(), want: { status: "pass" } },
    { id: ids.dupGid, label: "staff shares 1000", spec: accounts("19000:1:365:7:30", { "etc/group": `${GROUP}staff:x:1000:\n` }), want: { status: "fail", message: 'duplicateGids is [{"gid":1000,"names":["alice","staff"]}], expected []' } },
    { id: ids.dupUser, label: "unique", spec: accounts(), want: { status: "pass" } },
    { id: ids.dupUser, label: "alice twice", spec: accounts("19000:1:365:7:30", { "etc/passwd": `${PASSWD}alice:x:1001:1000::/home/alice:/bin/bash\n` }), want: { status: "fail", message: 'duplicateNames is ["alice"], expected []' } },
    { id: ids.dupGroup, label: "unique", spec: accounts(), want: { status: "pass" } },
    { id: ids.dupGroup, label: "alice twice", spec: accounts("19000:1:365:7:30", { "etc/group": `${GROUP}alice:x:1001:\n` }), want: { status: "fail", message: 'duplicateNames is ["alice"], expected []' } },
    { id: ids.homes, label: "homes 0700/0750, owned", spec: accounts(), want: { status: "pass" } },
    { id: ids.homes, label: "alice's home 0755", spec: accounts("19000:1:365:7:30", { "home/alice": { dir: true, mode: 0o755, uid: 1000, gid: 1000 } }), want: { status: "fail", message: "users is 1 of 2 not matching: alice, expected every element: exists = true, type = directory, owned = true, mode 0750 or more restrictive" } },
    { id: ids.homes, label: "alice's home missing", spec: accounts("19000:1:365:7:30", { "home/alice": { symlink: "/nonexistent" } }), want: { status: "fail" } },
    { id: ids.dotfiles, label: "0644/0600, owned", spec: accounts("19000:1:365:7:30", { "home/alice/.bashrc": { content: "x", mode: 0o644, uid: 1000, gid: 1000 }, "home/alice/.bash_history": { content: "x", mode: 0o600, uid: 1000, gid: 1000 }, "home/alice/.ssh": { dir: true, mode: 0o700, uid: 1000, gid: 1000 }, "root/.profile": { content: "x", mode: 0o644, uid: 0, gid: 0 } }), want: { status: "pass" } },
    { id: ids.dotfiles, label: "a .forward", spec: accounts("19000:1:365:7:30", { "home/alice/.forward": { content: "x", mode: 0o600, uid: 1000, gid: 1000 } }), want: { status: "fail", message: "files is 1 of 1 not matching: /home/alice/.forward, expected every element: name not (one of [.forward, .rhosts]), any(type not (= file); ownedByUser = true, groupIsPrimary = true, any(name one of [.netrc, .bash_history], mode 0600 or more restrictive; name not (one of [.netrc, .bash_history]), mode 0644 or more restrictive))" } },
    { id: ids.dotfiles, label: ".bash_history 0644", spec: accounts("19000:1:365:7:30", { "home/alice/.bash_history": { content: "x", mode: 0o644, uid: 1000, gid: 1000 } }), want: { status: "fail" } },
    { id: ids.dotfiles, label: ".profile owned by root", spec: accounts("19000:1:365:7:30", { "home/alice/.profile": { content: "x", mode: 0o644, uid: 0, gid: 1000 } }), want: { status: "fail" } },
  ];
  if (ids.shadowGroup) {
    cases.push(
      { id: ids.shadowGroup, label: "shadow has no members", spec: accounts(), want: { status: "pass" } },
      { id: ids.shadowGroup, label: "alice listed in shadow", spec: accounts("19000:1:365:7:30", { "etc/group": GROUP.replace("shadow:x:42:", "shadow:x:42:alice") }), want: { status: "fail", message: "groups is 1 of 6 not matching: shadow, expected every element: any(name not (= shadow); members = [], primaryOf = [])" } },
      { id: ids.shadowGroup, label: "alice's primary group is shadow", spec: accounts("19000:1:365:7:30", { "etc/passwd": PASSWD.replace("alice:x:1000:1000", "alice:x:1000:42") }), want: { status: "fail" } },
    );
  }
  return cases;
}
