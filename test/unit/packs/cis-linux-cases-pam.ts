/**
 * Pass and fail fixtures for CIS Linux 5.2 (sudo, su) and 5.3 (PAM). Debian and Ubuntu
 * stacks are the common-* files; RHEL 9's are authselect's system-auth and password-auth.
 */
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import { FAILLOCK_CONF, PWHISTORY_CONF, PWQUALITY_DROPIN, pamConf, pamGood, pamStacks, type PamArgs } from "../../helpers/pam-fixtures.js";
import type { Case } from "./cis-linux-cases.js";

export type PamFlavor = "debian" | "ubuntu2204" | "ubuntu2404" | "rhel";

const SUDO_OK = 'Defaults use_pty\nDefaults logfile="/var/log/sudo.log"\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n';

/** 5.2.6's failure: the timestamp_timeout settings outside 0-15 minutes. */
const timeouts = (n: string, keys: string): string => `timestampTimeouts is ${n} not matching: ${keys}, expected every element: minutes >= 0 and <= 15`;

export function sudoCases(): Case[] {
  const noSudo = { status: "skip" as const, message: "no /etc/sudoers (sudo is not installed; see 5.2.1)" };
  const su = (line: string): FixtureSpec => ({ "etc/pam.d/su": `auth sufficient pam_rootok.so\n${line}\nsession required pam_env.so readenv=1\n` });
  return [
    { id: "5.2.1", label: "installed", pkgs: ["sudo"], spec: {}, want: { status: "pass" } },
    { id: "5.2.1", label: "not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true" } },
    { id: "5.2.2", label: "Defaults use_pty", spec: { "etc/sudoers": SUDO_OK }, want: { status: "pass" } },
    { id: "5.2.2", label: "!use_pty in a drop-in", spec: { "etc/sudoers": SUDO_OK, "etc/sudoers.d/90-dev": "Defaults !use_pty\n" }, want: { status: "fail", message: "usePty is false, expected true; usePtyNegated is true, expected false" } },
    // The benchmark greps global Defaults lines only (`^\h*Defaults\h+…`): any `!use_pty` among them fails,
    // even one a later line overrides; a scoped line (`Defaults:user`) neither sets nor unsets it for the audit.
    {
      id: "5.2.2", label: "global !use_pty, then use_pty again", spec: { "etc/sudoers": `Defaults !use_pty\n${SUDO_OK}` },
      want: { status: "fail", message: "usePtyNegated is true, expected false", evidence: [{ file: "/etc/sudoers", line: 1, key: "Defaults !use_pty" }, { file: "/etc/sudoers", line: 2, key: "Defaults use_pty" }, { file: "/etc/sudoers", line: 3, key: "Defaults logfile" }] },
    },
    { id: "5.2.2", label: "Defaults:alice !use_pty beside the global use_pty (not the benchmark's grep)", spec: { "etc/sudoers": `${SUDO_OK}Defaults:alice !use_pty\n` }, want: { status: "pass" } },
    { id: "5.2.2", label: "only Defaults:alice use_pty", spec: { "etc/sudoers": 'Defaults:alice use_pty\nDefaults logfile="/var/log/sudo.log"\n' }, want: { status: "fail", message: "usePty is false, expected true" } },
    { id: "5.2.2", label: "no sudo", spec: {}, want: noSudo },
    { id: "5.2.3", label: "logfile set", spec: { "etc/sudoers": SUDO_OK }, want: { status: "pass" } },
    { id: "5.2.3", label: "no logfile", spec: { "etc/sudoers": "Defaults use_pty\n" }, want: { status: "fail", message: "logfile is (not set), expected matches /^//" } },
    // The benchmark's grep is `^\h*Defaults\h+…logfile=`: a user's own log file is not sudo's log file.
    // The log file in effect: a later global !logfile unsets it (sudo then keeps none).
    { id: "5.2.3", label: "logfile, then Defaults !logfile", spec: { "etc/sudoers": `${SUDO_OK}Defaults !logfile\n` }, want: { status: "fail", message: "logfile is (not set), expected matches /^//" } },
    { id: "5.2.3", label: "only Defaults:alice logfile=", spec: { "etc/sudoers": 'Defaults use_pty\nDefaults:alice logfile="/var/log/sudo-alice.log"\n' }, want: { status: "fail", message: "logfile is (not set), expected matches /^//" } },
    { id: "5.2.4", label: "no NOPASSWD", spec: { "etc/sudoers": SUDO_OK }, want: { status: "pass" } },
    { id: "5.2.4", label: "NOPASSWD in a drop-in", spec: { "etc/sudoers": SUDO_OK, "etc/sudoers.d/ops": "ops ALL=(ALL) NOPASSWD: ALL\n" }, want: { status: "fail", message: "nopasswd is true, expected false" } },
    { id: "5.2.5", label: "authentication on", spec: { "etc/sudoers": SUDO_OK }, want: { status: "pass" } },
    { id: "5.2.5", label: "Defaults:%sudo !authenticate", spec: { "etc/sudoers": `${SUDO_OK}Defaults:%sudo !authenticate\n` }, want: { status: "fail", message: "authenticateDisabled is true, expected false" } },
    { id: "5.2.6", label: "unset (sudo's 15)", spec: { "etc/sudoers": SUDO_OK }, want: { status: "pass" } },
    { id: "5.2.6", label: "timestamp_timeout=-1", spec: { "etc/sudoers": `${SUDO_OK}Defaults timestamp_timeout=-1\n` }, want: { status: "fail", message: `${timeouts("1 of 1", "Defaults timestamp_timeout=-1")}` } },
    { id: "5.2.6", label: "timestamp_timeout=60", spec: { "etc/sudoers": `${SUDO_OK}Defaults env_reset, timestamp_timeout=60\n` }, want: { status: "fail", message: `${timeouts("1 of 1", "Defaults timestamp_timeout=60")}` } },
    // The benchmark greps every timestamp_timeout= (`grep -roP "timestamp_timeout=\K[0-9]*" /etc/sudoers*`): scoped ones too.
    { id: "5.2.6", label: "Defaults>root timestamp_timeout=5, global 10", spec: { "etc/sudoers": `${SUDO_OK}Defaults timestamp_timeout=10\nDefaults>root timestamp_timeout=5\n` }, want: { status: "pass" } },
    {
      id: "5.2.6", label: "Defaults:alice timestamp_timeout=60 (global unset)", spec: { "etc/sudoers": SUDO_OK, "etc/sudoers.d/alice": "Defaults:alice timestamp_timeout=60\n" },
      want: {
        status: "fail", message: timeouts("1 of 1", "Defaults:alice timestamp_timeout=60"),
        evidence: [{ file: "/etc/sudoers", line: 1, key: "Defaults use_pty" }, { file: "/etc/sudoers", line: 2, key: "Defaults logfile" }, { file: "/etc/sudoers.d/alice", line: 1, key: "Defaults:alice timestamp_timeout" }, { file: "/etc/sudoers.d/alice", line: 1, key: "Defaults:alice timestamp_timeout=60" }],
      },
    },
    { id: "5.2.6", label: "global 30, then 10", spec: { "etc/sudoers": `${SUDO_OK}Defaults timestamp_timeout=30\nDefaults timestamp_timeout=10\n` }, want: { status: "fail", message: timeouts("1 of 2", "Defaults timestamp_timeout=30") } },
    { id: "5.2.7", label: "pam_wheel use_uid group=sugroup", spec: su("auth required pam_wheel.so use_uid group=sugroup"), want: { status: "pass" } },
    {
      id: "5.2.7", label: "pam_wheel commented out", spec: su("# auth required pam_wheel.so use_uid group=sugroup"),
      want: { status: "fail", message: "entries is 0 of 1 matching, expected some element: module = pam_wheel.so, control = required, flags contains use_uid, options.group = sugroup" },
    },
    { id: "5.2.7", label: "pam_wheel without group= (wheel)", spec: su("auth required pam_wheel.so use_uid"), want: { status: "fail" } },
    { id: "5.2.7-group", label: "sugroup empty", spec: { "etc/group": "root:x:0:\nsugroup:x:990:\n" }, want: { status: "pass" } },
    { id: "5.2.7-group", label: "sugroup with a member", spec: { "etc/group": "root:x:0:\nsugroup:x:990:alice\n" }, want: { status: "fail", message: "groups is 0 of 2 matching, expected some element: name = sugroup, members = [], primaryOf = []" } },
    { id: "5.2.7-group", label: "no sugroup", spec: { "etc/group": "root:x:0:\n" }, want: { status: "fail" } },
  ];
}

export function pamCases(flavor: PamFlavor): Case[] {
  const rhel = flavor === "rhel";
  const auth = rhel ? "system-auth" : "common-auth";
  const password = rhel ? "system-auth" : "common-password";
  const stacks = (o: PamArgs = {}): FixtureSpec => pamStacks(rhel, o);
  const conf = pamConf;
  const good: FixtureSpec = pamGood(rhel);
  const cases: Case[] = [];
  // Minimum versions (CIS: the release that has every option these items set); none given for Ubuntu 22.04 here.
  const minimum: Record<PamFlavor, [string, string] | undefined> = { debian: ["1.5.2-6+deb12u1", "1.5.2-5"], ubuntu2404: ["1.5.3-5ubuntu5.1", "1.5.2-9"], rhel: ["1.5.1-19.el9", "1.5.1-14.el9"], ubuntu2204: undefined };
  const pkgs = rhel ? ["pam", "authselect", "libpwquality"] : ["libpam-runtime", "libpam-modules", "libpam-pwquality"];
  pkgs.forEach((p, i) => {
    const id = `5.3.1.${i + 1}`;
    const v = minimum[flavor];
    const versioned = v !== undefined && (i === 0 || (i === 1 && !rhel));
    cases.push({ id, label: "installed", pkgs: [versioned ? `${p}=${v[0]}` : p], spec: {}, want: { status: "pass" } });
    cases.push({ id, label: "not installed", spec: {}, want: { status: "fail" } });
    if (versioned) cases.push({ id, label: `older than the minimum (${v[1]})`, pkgs: [`${p}=${v[1]}`], spec: {}, want: { status: "fail" } });
  });

  // Modules in the stacks.
  const enabled: [string, string, string, RegExp | string][] = rhel
    ? [["5.3.2.2", "system-auth", "pam_faillock.so", /^auth .*pam_faillock\.so.*\n/gm], ["5.3.2.2-password-auth", "password-auth", "pam_faillock.so", /^auth .*pam_faillock\.so.*\n/gm],
       ["5.3.2.3", "system-auth", "pam_pwquality.so", /^password .*pam_pwquality\.so.*\n/gm], ["5.3.2.3-password-auth", "password-auth", "pam_pwquality.so", /^password .*pam_pwquality\.so.*\n/gm],
       ["5.3.2.4", "system-auth", "pam_pwhistory.so", /^password .*pam_pwhistory\.so.*\n/gm], ["5.3.2.4-password-auth", "password-auth", "pam_pwhistory.so", /^password .*pam_pwhistory\.so.*\n/gm],
       ["5.3.2.5", "system-auth", "pam_unix.so", /^auth .*pam_unix\.so.*\n/gm], ["5.3.2.5-password-auth", "password-auth", "pam_unix.so", /^auth .*pam_unix\.so.*\n/gm]]
    : [["5.3.2.1", "common-auth", "pam_unix.so", /^auth .*pam_unix\.so.*\n/gm], ["5.3.2.1-common-account", "common-account", "pam_unix.so", /^account .*pam_unix\.so.*\n/gm],
       ["5.3.2.1-common-password", "common-password", "pam_unix.so", /^password .*pam_unix\.so.*\n/gm], ["5.3.2.1-common-session", "common-session", "pam_unix.so", /^session .*pam_unix\.so.*\n/gm],
       ["5.3.2.2", "common-auth", "pam_faillock.so", /^auth .*pam_faillock\.so.*\n/gm], ["5.3.2.2-common-account", "common-account", "pam_faillock.so", /^account .*pam_faillock\.so.*\n/gm],
       ["5.3.2.3", "common-password", "pam_pwquality.so", /^password .*pam_pwquality\.so.*\n/gm], ["5.3.2.4", "common-password", "pam_pwhistory.so", /^password .*pam_pwhistory\.so.*\n/gm]];
  for (const [id, svc, mod, re] of enabled) {
    const file = `etc/pam.d/${svc}`;
    cases.push(
      { id, label: `${mod} in ${svc}`, spec: good, want: { status: "pass" } },
      { id, label: `${mod} missing from ${svc}`, spec: { ...good, [file]: (good[file] as string).replace(re, "") }, want: { status: "fail" } },
    );
  }
  if (rhel) {
    cases.push(
      { id: "5.3.2.1", label: "authselect profile selected", spec: good, want: { status: "pass" } },
      { id: "5.3.2.1", label: "no authselect profile", spec: stacks(), want: { status: "fail", message: "exists is false, expected true" } },
    );
  }

  // Options: [id, conf override that fails, arg that fails].
  const FL = FAILLOCK_CONF;
  const PQ = PWQUALITY_DROPIN;
  const PH = PWHISTORY_CONF;
  const opts: [string, string, string][] = [
    ["5.3.3.1.1", "deny = 10", "faillock:deny=6"],
    ["5.3.3.1.2", "unlock_time = 300", "faillock:unlock_time=60"],
    ["5.3.3.2.1", "difok = 1", "pwq:difok=1"],
    ["5.3.3.2.2", "minlen = 8", "pwq:minlen=8"],
    ["5.3.3.2.4", "maxrepeat = 0", "pwq:maxrepeat=5"],
    ["5.3.3.2.5", "maxsequence = 0", "pwq:maxsequence=4"],
    ["5.3.3.3.1", "remember = 5", "hist:remember=5"],
  ];
  const fileOf = (id: string) => (id.startsWith("5.3.3.1") ? FL : id.startsWith("5.3.3.3") ? PH : PQ);
  for (const [id, badConf, badArg] of opts) {
    const key = badConf.split(" ")[0] as string;
    const f = fileOf(id);
    const [where, arg] = badArg.split(":") as [string, string];
    cases.push(
      { id, label: "configured", spec: good, want: { status: "pass" } },
      { id, label: `${badConf} in ${f.split("/").at(-1)}`, spec: { ...good, [f]: (good[f] as string).replace(new RegExp(`^${key} = .*$`, "m"), badConf) }, want: { status: "fail" } },
      { id, label: `not set`, spec: { ...good, [f]: (good[f] as string).replace(new RegExp(`^${key} = .*\\n`, "m"), "") }, want: { status: "fail" } },
      { id, label: `${arg} on the PAM line`, spec: { ...conf(), ...stacks({ [where]: arg }) }, want: { status: "fail" } },
    );
  }
  cases.push(
    { id: "5.3.3.1.1", label: "the exact message", spec: { ...good, [FL]: "deny = 10\n" }, want: { status: "fail", message: "conf is 10, expected >= 1 and <= 5", evidence: [{ file: "/etc/security/faillock.conf", line: 1, key: "deny" }] } },
    { id: "5.3.3.1.2", label: "unlock_time = 0 (administrator unlocks)", spec: { ...good, [FL]: "deny = 5\nunlock_time = 0\n" }, want: { status: "pass" } },
  );
  // Flags.
  const flags: [string, string, string][] = [
    ["5.3.3.1.3", FL, "even_deny_root"],
    [rhel ? "5.3.3.2.7" : "5.3.3.2.8", PQ, "enforce_for_root"],
    ["5.3.3.3.2", PH, "enforce_for_root"],
  ];
  for (const [id, f, flag] of flags) {
    cases.push(
      { id, label: `${flag} in ${f.split("/").at(-1)}`, spec: good, want: { status: "pass" } },
      { id, label: `${flag} missing`, spec: { ...good, [f]: (good[f] as string).replace(`${flag}\n`, "") }, want: { status: "fail", message: "set is false, expected true" } },
    );
  }
  // Default-on options that must not be turned off.
  const offs: [string, string][] = rhel ? [["5.3.3.2.6", "dictcheck"]] : [["5.3.3.2.6", "dictcheck"], ["5.3.3.2.7", "enforcing"]];
  for (const [id, opt] of offs) {
    cases.push(
      { id, label: "not set (on by default)", spec: good, want: { status: "pass" } },
      { id, label: `${opt} = 1`, spec: { ...good, [PQ]: `${good[PQ] as string}${opt} = 1\n` }, want: { status: "pass" } },
      { id, label: `${opt} = 0`, spec: { ...good, [PQ]: `${good[PQ] as string}${opt} = 0\n` }, want: { status: "fail" } },
      { id, label: `${opt}=0 on the PAM line`, spec: { ...conf(), ...stacks({ pwq: `${opt}=0` }) }, want: { status: "fail" } },
    );
  }
  // pam_unix and pam_pwhistory arguments.
  cases.push(
    { id: "5.3.3.3.3", label: "use_authtok", spec: good, want: { status: "pass" } },
    { id: "5.3.3.3.3", label: "without use_authtok", spec: { ...good, [`etc/pam.d/${password}`]: (good[`etc/pam.d/${password}`] as string).replace("pam_pwhistory.so use_authtok", "pam_pwhistory.so") }, want: { status: "fail" } },
  );
  const nullokIds = rhel ? ["5.3.3.4.1", "5.3.3.4.1-password-auth"] : ["5.3.3.4.1", "5.3.3.4.1-common-account", "5.3.3.4.1-common-password", "5.3.3.4.1-common-session"];
  const rememberIds = nullokIds.map((x) => x.replace("5.3.3.4.1", "5.3.3.4.2"));
  const svcOf = (id: string) => (id.includes("-") ? id.slice(id.indexOf("-") + 1) : auth);
  const typeOf: Record<string, string> = { "common-auth": "auth", "common-account": "account", "common-password": "password", "common-session": "session", "system-auth": "auth", "password-auth": "auth" };
  const addUnixArg = (svc: string, arg: string): FixtureSpec => {
    const file = `etc/pam.d/${svc}`;
    const t = typeOf[svc] as string;
    return { ...good, [file]: (good[file] as string).replace(new RegExp(`^(${t} .*pam_unix\\.so)`, "m"), `$1 ${arg}`) };
  };
  for (const id of nullokIds) cases.push({ id, label: "no nullok", spec: good, want: { status: "pass" } }, { id, label: "nullok", spec: addUnixArg(svcOf(id), "nullok"), want: { status: "fail" } });
  for (const id of rememberIds) cases.push({ id, label: "no remember", spec: good, want: { status: "pass" } }, { id, label: "remember=5", spec: addUnixArg(svcOf(id), "remember=5"), want: { status: "fail" } });
  const pwIds = rhel ? [["5.3.3.4.3", "system-auth"], ["5.3.3.4.3-password-auth", "password-auth"], ["5.3.3.4.4", "system-auth"], ["5.3.3.4.4-password-auth", "password-auth"]] : [["5.3.3.4.3", "common-password"], ["5.3.3.4.4", "common-password"]];
  for (const [id, svc] of pwIds as [string, string][]) {
    const file = `etc/pam.d/${svc}`;
    const strip = id.startsWith("5.3.3.4.3") ? /pam_unix\.so (sha512 shadow|obscure) use_authtok( yescrypt)?/ : /pam_unix\.so (sha512 shadow|obscure) use_authtok/;
    const repl = id.startsWith("5.3.3.4.3") ? "pam_unix.so md5 use_authtok" : "pam_unix.so $1";
    cases.push(
      { id, label: "configured", spec: good, want: { status: "pass" } },
      { id, label: id.startsWith("5.3.3.4.3") ? "md5" : "without use_authtok", spec: { ...good, [file]: (good[file] as string).replace(strip, repl) }, want: { status: "fail" } },
    );
  }
  return cases;
}

export const MANUAL_5_3 = ["5.3.3.2.3"];
