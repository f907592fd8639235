/**
 * CIS Linux auditd (Level 2): packages, the service, the kernel arguments, auditd.conf, the
 * audit rules augenrules loads (/etc/audit/rules.d) and the audit files' access — pass and
 * fail fixtures with the pack's own numbers (Debian 12 6.2.x; Ubuntu and RHEL number them
 * 6.3.x, see the packs). The rules checks also read the loaded rules (`auditctl -l`) on a live
 * host; on these offline roots that part does not apply (the probe's test covers it).
 */
import type { Evidence } from "../../../src/probes/types.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import { AUDITD_CONF, RULES_FILE, auditFiles, auditRulesSpec, grubWith, type RuleItem } from "../../helpers/audit-fixtures.js";
import { enabled, unitFile, type Case } from "./cis-linux-cases.js";

export { DEBIAN_RULES, RHEL_RULES, auditRulesSpec, type RuleItem } from "../../helpers/audit-fixtures.js";

/** The pack's ids for the auditd items (Debian 12 6.2.x). */
export interface AuditIds {
  /** Section prefix: "6.2" on Debian 12 (6.2.1.1 packages … 6.2.4.10 tools' group). */
  sec: string;
  /** Packages: auditd and the dispatcher plugins (Debian/Ubuntu: auditd, audispd-plugins; RHEL: audit, audit-libs). */
  pkgs: [string, string];
  /** <sec>.1.x after the packages (1): Debian and Ubuntu number the service 2, audit=1 3, the backlog 4; RHEL 9: 4, 2, 3. */
  svc: { service: string; auditArg: string; backlog: string };
  /** <sec>.4.x of the audit logs: Debian and Ubuntu number their mode 1, owner 2, group 3, the directory 4; RHEL 9: 2, 3, 4, 1. */
  logs: { mode: string; owner: string; group: string; dir: string };
  /** Rules items by their number under <sec>.3 (6.2.3.1 = scope …). */
  rules: Record<RuleItem, string>;
  /** GRUB's generated configuration (the bootloader probe reads it). */
  grubCfg: string;
}

export const DEBIAN_AUDIT_IDS: AuditIds = {
  sec: "6.2",
  pkgs: ["auditd", "audispd-plugins"],
  svc: { service: "2", auditArg: "3", backlog: "4" },
  logs: { mode: "1", owner: "2", group: "3", dir: "4" },
  grubCfg: "boot/grub/grub.cfg",
  rules: {
    scope: "1", userEmulation: "2", sudoLog: "3", time: "4", network: "5", access: "7", identity: "8", permMod: "9", mounts: "10",
    session: "11", logins: "12", delete: "13", mac: "14", chcon: "15", setfacl: "16", chacl: "17", usermod: "18", modules: "19",
  },
};

/** RHEL 9 v2.0.0 6.3: the same items, its own order in 6.3.1 and 6.3.4, its packages and boot loader path. */
export const RHEL_AUDIT_IDS: AuditIds = {
  ...DEBIAN_AUDIT_IDS,
  sec: "6.3",
  pkgs: ["audit", "audit-libs"],
  svc: { service: "4", auditArg: "2", backlog: "3" },
  logs: { mode: "2", owner: "3", group: "4", dir: "1" },
  grubCfg: "boot/grub2/grub.cfg",
};


const notInstalled = (pkg: string): Evidence => ({ file: "/var/lib/dpkg/status", package: pkg });
const RULES_EVIDENCE: Evidence[] = [
  ...["10-base-config.rules", "50-cis.rules", "99-finalize.rules"].map((f) => ({ file: `/etc/audit/rules.d/${f}` })),
  // The fixtures have no login.defs: UID_MIN is the default, and the evidence says so.
  { file: "/etc/login.defs", detail: "absent: UID_MIN 1000 (the login.defs(5) default)" },
];

/** sudo's log file as the benchmark's 5.2.3 remediation sets it, and its line in the evidence. */
const SUDO_LOGFILE: FixtureSpec = { "etc/sudoers": 'Defaults use_pty\nDefaults logfile="/var/log/sudo.log"\n' };
const SUDO_LOGFILE_LINE: Evidence = { file: "/etc/sudoers", line: 2, key: "Defaults logfile", detail: "/var/log/sudo.log" };

/** Fail messages of the rules items when the first line of the item's group is missing (see auditRulesSpec). */
export type RuleMessages = Record<RuleItem, string>;

export function auditdCases(ids: AuditIds, rules: Record<RuleItem, string[]>, messages: RuleMessages): Case[] {
  const s = ids.sec;
  const [auditd, plugins] = ids.pkgs;
  const conf = (k: string, v: string | null): FixtureSpec => ({
    "etc/audit/auditd.conf": AUDITD_CONF.replace(new RegExp(`^${k} = .*\\n`, "m"), v === null ? "" : `${k} = ${v}\n`),
  });
  const confLine = (k: string): Evidence[] => [
    { file: "/etc/audit/auditd.conf" },
    { file: "/etc/audit/auditd.conf", line: AUDITD_CONF.split("\n").findIndex((l) => l.startsWith(`${k} =`)) + 1, key: k },
  ];
  const cases: Case[] = [
    { id: `${s}.1.1`, label: "installed", pkgs: [auditd], spec: {}, want: { status: "pass" } },
    { id: `${s}.1.1`, label: "not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true", evidence: [notInstalled(auditd)] } },
    { id: `${s}.1.1-${plugins}`, label: "installed", pkgs: [plugins], spec: {}, want: { status: "pass" } },
    { id: `${s}.1.1-${plugins}`, label: "not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true", evidence: [notInstalled(plugins)] } },
    { id: `${s}.1.${ids.svc.service}`, label: "enabled", spec: enabled("auditd.service"), want: { status: "pass" } },
    {
      id: `${s}.1.${ids.svc.service}`, label: "installed, not enabled", spec: unitFile("auditd.service"),
      want: { status: "fail", message: "enabled is false, expected true", evidence: [{ unit: "auditd.service", file: "/lib/systemd/system/auditd.service" }] },
    },
    { id: `${s}.1.${ids.svc.auditArg}`, label: "audit=1 on the kernel line", spec: grubWith(ids.grubCfg, "quiet audit=1 audit_backlog_limit=8192"), want: { status: "pass" } },
    { id: `${s}.1.${ids.svc.auditArg}`, label: "no audit=1", spec: grubWith(ids.grubCfg, "quiet audit_backlog_limit=8192"), want: { status: "fail", message: `entries is 1 of 1 not matching: /${ids.grubCfg}:2 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.audit = 1` } },
    // The kernel takes the last audit=: audit=1 then audit=0 boots without audit.
    { id: `${s}.1.${ids.svc.auditArg}`, label: "audit=1 then audit=0 (the last wins)", spec: grubWith(ids.grubCfg, "quiet audit=1 audit_backlog_limit=8192 audit=0"), want: { status: "fail", message: `entries is 1 of 1 not matching: /${ids.grubCfg}:2 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.audit = 1` } },
    { id: `${s}.1.${ids.svc.auditArg}`, label: "audit=0 then audit=1 (the last wins)", spec: grubWith(ids.grubCfg, "quiet audit=0 audit_backlog_limit=8192 audit=1"), want: { status: "pass" } },
    { id: `${s}.1.${ids.svc.auditArg}`, label: "no GRUB", spec: {}, want: { status: "skip", message: "no GRUB configuration under this root (another boot loader, or a container image)" } },
    { id: `${s}.1.${ids.svc.backlog}`, label: "audit_backlog_limit=8192", spec: grubWith(ids.grubCfg, "audit=1 audit_backlog_limit=8192"), want: { status: "pass" } },
    { id: `${s}.1.${ids.svc.backlog}`, label: "audit_backlog_limit=65536", spec: grubWith(ids.grubCfg, "audit=1 audit_backlog_limit=65536"), want: { status: "pass" } },
    { id: `${s}.1.${ids.svc.backlog}`, label: "audit_backlog_limit=4096", spec: grubWith(ids.grubCfg, "audit=1 audit_backlog_limit=4096"), want: { status: "fail", message: `entries is 1 of 1 not matching: /${ids.grubCfg}:2 /boot/vmlinuz-6.1.0-28-amd64, expected every element: params.audit_backlog_limit >= 8192` } },
    // RHEL (grubby/BLS): the entries' options lines, as `grubby --info=ALL` lists them, and /etc/kernel/cmdline (kernels installed later).
    ...(ids.sec === "6.3" ? bls(s, ids) : []),
    { id: `${s}.2.1`, label: "max_log_file = 8", spec: conf("max_log_file", "8"), want: { status: "pass" } },
    { id: `${s}.2.1`, label: "not set", spec: conf("max_log_file", null), want: { status: "fail", message: "value is (not set), expected > 0", evidence: [{ file: "/etc/audit/auditd.conf" }] } },
    { id: `${s}.2.2`, label: "keep_logs", spec: conf("max_log_file_action", "keep_logs"), want: { status: "pass" } },
    { id: `${s}.2.2`, label: "ROTATE", spec: conf("max_log_file_action", "ROTATE"), want: { status: "fail", message: "value is ROTATE, expected matches /(?i)^keep_logs$/", evidence: confLine("max_log_file_action") } },
    { id: `${s}.2.3`, label: "disk_full_action = halt", spec: conf("disk_full_action", "halt"), want: { status: "pass" } },
    { id: `${s}.2.3`, label: "disk_full_action = SUSPEND", spec: conf("disk_full_action", "SUSPEND"), want: { status: "fail", message: "value is SUSPEND, expected matches /(?i)^(halt|single)$/", evidence: confLine("disk_full_action") } },
    { id: `${s}.2.3-disk_error_action`, label: "syslog", spec: conf("disk_error_action", "syslog"), want: { status: "pass" } },
    { id: `${s}.2.3-disk_error_action`, label: "ignore", spec: conf("disk_error_action", "ignore"), want: { status: "fail", message: "value is ignore, expected matches /(?i)^(syslog|single|halt)$/", evidence: confLine("disk_error_action") } },
    { id: `${s}.2.4`, label: "space_left_action = email", spec: conf("space_left_action", "email"), want: { status: "pass" } },
    { id: `${s}.2.4`, label: "space_left_action = ignore", spec: conf("space_left_action", "ignore"), want: { status: "fail", message: "value is ignore, expected matches /(?i)^(email|exec|single|halt)$/", evidence: confLine("space_left_action") } },
    { id: `${s}.2.4-admin_space_left_action`, label: "single", spec: conf("admin_space_left_action", "single"), want: { status: "pass" } },
    { id: `${s}.2.4-admin_space_left_action`, label: "email", spec: conf("admin_space_left_action", "email"), want: { status: "fail", message: "value is email, expected matches /(?i)^(single|halt)$/", evidence: confLine("admin_space_left_action") } },
    // x.4.3 (RHEL 6.3.4.4): auditd.conf's log_group is adm or root, as the benchmark's grep of it; unset is auditd's root.
    { id: `${s}.4.${ids.logs.group}-log_group`, label: "log_group = adm", spec: conf("log_group", "adm"), want: { status: "pass", evidence: confLine("log_group") } },
    { id: `${s}.4.${ids.logs.group}-log_group`, label: "log_group = root", spec: conf("log_group", "root"), want: { status: "pass", evidence: confLine("log_group") } },
    { id: `${s}.4.${ids.logs.group}-log_group`, label: "log_group not set (auditd's root)", spec: conf("log_group", null), want: { status: "pass", evidence: [{ file: "/etc/audit/auditd.conf" }] } },
    { id: `${s}.4.${ids.logs.group}-log_group`, label: "no auditd.conf", spec: {}, want: { status: "pass", evidence: [{ file: "/etc/audit/auditd.conf" }] } },
    {
      id: `${s}.4.${ids.logs.group}-log_group`, label: "log_group = wheel", spec: conf("log_group", "wheel"),
      want: { status: "fail", message: "value is wheel, expected not set or matches /(?i)^(adm|root)$/", evidence: confLine("log_group") },
    },
    // auditd compares its keywords with strcasecmp: an upper-case key sets the same option (read as absent, it would pass).
    {
      id: `${s}.4.${ids.logs.group}-log_group`, label: "LOG_GROUP = wheel (key in upper case)",
      spec: { "etc/audit/auditd.conf": AUDITD_CONF.replace(/^log_group = .*$/m, "LOG_GROUP = wheel") },
      want: { status: "fail", message: "value is wheel, expected not set or matches /(?i)^(adm|root)$/", evidence: [{ file: "/etc/audit/auditd.conf" }, { file: "/etc/audit/auditd.conf", line: 2, key: "log_group" }] },
    },
    {
      id: `${s}.2.2`, label: "Max_Log_File_Action = keep_logs (key in mixed case)",
      spec: { "etc/audit/auditd.conf": AUDITD_CONF.replace(/^max_log_file_action = .*$/m, "Max_Log_File_Action = keep_logs") },
      want: { status: "pass" },
    },
  ];
  for (const [item, n] of Object.entries(ids.rules) as [RuleItem, string][]) {
    const id = `${s}.3.${n}`;
    // x.3.3 watches sudo's log file, which sudoers names (5.2.3): the fixtures set it.
    const sudo = item === "sudoLog" ? SUDO_LOGFILE : {};
    cases.push(
      { id, label: "the benchmark's rules in rules.d", spec: { ...auditRulesSpec(rules), ...sudo }, want: { status: "pass" } },
      {
        id, label: `without "${rules[item][0]}"`, spec: { ...auditRulesSpec(rules, [rules[item][0] as string]), ...sudo },
        want: { status: "fail", message: messages[item], evidence: item === "sudoLog" ? [...RULES_EVIDENCE, SUDO_LOGFILE_LINE] : RULES_EVIDENCE },
      },
    );
  }
  // x.3.3: the watch is on the file sudoers names, wherever it is set (an included file too);
  // sudo without a logfile fails, as the benchmark's "SUDO_LOG_FILE is unset".
  const sudoId = `${s}.3.${ids.rules.sudoLog}`;
  const siteRules = (watched: string): FixtureSpec => ({
    ...auditRulesSpec({ ...rules, sudoLog: [`-w ${watched} -p wa -k sudo_log_file`] }),
    "etc/sudoers": "root ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n",
    "etc/sudoers.d/60-log": 'Defaults logfile="/var/log/sudo-site.log"\n',
  });
  const siteLine: Evidence = { file: "/etc/sudoers.d/60-log", line: 1, key: "Defaults logfile", detail: "/var/log/sudo-site.log" };
  cases.push(
    { id: sudoId, label: "logfile set in sudoers.d, watched", spec: siteRules("/var/log/sudo-site.log"), want: { status: "pass", evidence: [...RULES_EVIDENCE, siteLine] } },
    {
      id: sudoId, label: "logfile set in sudoers.d, /var/log/sudo.log watched instead", spec: siteRules("/var/log/sudo.log"),
      want: { status: "fail", message: messages.sudoLog, evidence: [...RULES_EVIDENCE, siteLine] },
    },
    {
      id: sudoId, label: "sudo sets no logfile", spec: { ...auditRulesSpec(rules), "etc/sudoers": "root ALL=(ALL:ALL) ALL\n" },
      want: {
        status: "fail", message: "sudoLogfile is null, expected set",
        evidence: [...RULES_EVIDENCE, { file: "/etc/sudoers", detail: "no Defaults logfile= in /etc/sudoers or the files it includes: sudo keeps no log file of its own, so there is none to watch (see 5.2.3)" }],
      },
    },
  );
  // A scoped logfile (Defaults:alice logfile=…) is a file sudo logs to too: the benchmark's audit takes any line naming logfile.
  const aliceRules = (watches: string[]): FixtureSpec => ({
    ...auditRulesSpec({ ...rules, sudoLog: watches.map((w) => `-w ${w} -p wa -k sudo_log_file`) }),
    "etc/sudoers": 'Defaults logfile="/var/log/sudo.log"\nDefaults:alice logfile=/var/log/sudo-alice.log\n',
  });
  const aliceEvidence: Evidence[] = [...RULES_EVIDENCE, { ...SUDO_LOGFILE_LINE, line: 1 }, { file: "/etc/sudoers", line: 2, key: "Defaults:alice logfile", detail: "/var/log/sudo-alice.log" }];
  cases.push(
    { id: sudoId, label: "Defaults:alice logfile= watched beside the global one", spec: aliceRules(["/var/log/sudo.log", "/var/log/sudo-alice.log"]), want: { status: "pass", evidence: aliceEvidence } },
    {
      id: sudoId, label: "Defaults:alice logfile= not watched", spec: aliceRules(["/var/log/sudo.log"]),
      want: { status: "fail", message: "sudoScopedLogfiles is 1 of 1 not matching: /var/log/sudo-alice.log, expected every element: watched = true, loaded not (= false)", evidence: [...aliceEvidence, { file: "/etc/sudoers", line: 2, key: "Defaults:alice logfile=/var/log/sudo-alice.log" }] },
    },
  );
  // A never rule records nothing: the time rule turned into one does not collect time changes.
  const timeRule = rules.time[0] as string;
  cases.push({
    id: `${s}.3.${ids.rules.time}`, label: "the b64 time rule as -a never,exit",
    spec: { ...auditRulesSpec(rules), [RULES_FILE]: { content: `${Object.values(rules).flat().map((l) => (l === timeRule ? l.replace("-a always,exit", "-a never,exit") : l)).join("\n")}\n`, mode: 0o640 } },
    want: { status: "fail", message: messages.time.replaceAll(/rules is 0 of \d+ matching/g, `rules is 0 of ${Object.values(rules).flat().length + 5} matching`), evidence: RULES_EVIDENCE },
  });
  // auid>=UID_MIN is the root's UID_MIN (login.defs), not a literal 1000.
  const withUid = (uid: string, defs: string | null): FixtureSpec => ({
    ...auditRulesSpec(Object.fromEntries(Object.entries(rules).map(([k, v]) => [k, v.map((l) => l.replaceAll("auid>=1000", `auid>=${uid}`))])) as Record<RuleItem, string[]>),
    ...(defs === null ? {} : { "etc/login.defs": defs }),
  });
  const ACCESS_ID = `${s}.3.${ids.rules.access}`;
  // Every access rule is there, with another number than UID_MIN: none matches.
  const noAccessRule = missing(Object.values(rules).flat().length + 5, ["EACCES", "EPERM"].flatMap((e) => ["creat", "open", "openat", "truncate", "ftruncate"].flatMap((sc) => ["b64", "b32"].map((a) => sysRule(a, sc, [`exit=-${e}`, ...U])))));
  const uidEvidence = (line: number, v: string): Evidence[] => [...RULES_EVIDENCE.slice(0, 3), { file: "/etc/login.defs", line, key: "UID_MIN", detail: `UID_MIN ${v}` }];
  cases.push(
    { id: ACCESS_ID, label: "UID_MIN 500 in login.defs, rules auid>=500", spec: withUid("500", "# uids\nUID_MIN 500\nUID_MAX 60000\n"), want: { status: "pass" } },
    { id: `${s}.3.${ids.rules.usermod}`, label: "UID_MIN 500 in login.defs, rules auid>=500", spec: withUid("500", "UID_MIN 500\n"), want: { status: "pass" } },
    {
      id: ACCESS_ID, label: "UID_MIN 500 in login.defs, rules auid>=1000", spec: withUid("1000", "UID_MIN\t\t\t 1000\nUID_MIN 500\n"),
      want: {
        status: "fail", evidence: uidEvidence(2, "500"),
        message: noAccessRule,
      },
    },
    { id: ACCESS_ID, label: "login.defs without UID_MIN, rules auid>=1000", spec: withUid("1000", "PASS_MAX_DAYS 365\n"), want: { status: "pass" } },
    {
      id: ACCESS_ID, label: "login.defs without UID_MIN, rules auid>=500", spec: withUid("500", "PASS_MAX_DAYS 365\n"),
      want: { status: "fail", message: noAccessRule, evidence: [...RULES_EVIDENCE.slice(0, 3), { file: "/etc/login.defs", detail: "UID_MIN not set: UID_MIN 1000 (the login.defs(5) default)" }] },
    },
  );
  cases.push(
    { id: `${s}.3.20`, label: "-e 2 last", spec: auditRulesSpec(rules), want: { status: "pass" } },
    { id: `${s}.3.20`, label: "-e 2 then -e 1", spec: { ...auditRulesSpec(rules), "etc/audit/rules.d/99-zz.rules": { content: "-e 1\n", mode: 0o640 } }, want: { status: "fail", message: "immutable is false, expected true" } },
    { id: `${s}.3.6`, label: "rules shown", spec: auditRulesSpec(rules), want: { status: "manual" } },
    { id: `${s}.3.21`, label: "rules shown", spec: auditRulesSpec(rules), want: { status: "manual" } },
  );
  // /usr/sbin/au* also matches tools that are not audit tools: their modes are not judged.
  const files: FixtureSpec = { ...auditFiles(), "usr/sbin/automount": { content: "x\n", mode: 0o4777 } };
  const fail = (id: string, label: string, spec: FixtureSpec, message: string): Case => ({ id, label, spec: { ...files, ...spec }, want: { status: "fail", message } });
  const every = (offender: string, of: number, what: string) => `files is 1 of ${of} not matching: ${offender}, expected every element: ${what}`;
  const noFile = (offender: string, of: number, what: string) => `files is 1 of ${of} matching: ${offender}, expected no element: type = file, ${what}`;
  const TOP = "path not (matches /\\.(conf|rules)$/)";
  const TOOLS = "path not (matches //(auditctl|aureport|ausearch|autrace|auditd|augenrules)$/)";
  const LOG = "/var/log/audit/audit.log";
  const R = `/${RULES_FILE}`;
  const P = "/etc/audit/plugins.d/af_unix.conf";
  for (const id of [`4.${ids.logs.mode}`, `4.${ids.logs.owner}`, `4.${ids.logs.group}`, `4.${ids.logs.dir}`, "4.5", "4.5-rules.d", "4.5-plugins.d", "4.6", "4.6-rules.d", "4.6-plugins.d", "4.7", "4.7-rules.d", "4.7-plugins.d", "4.8", "4.9", "4.10"]) {
    cases.push({ id: `${s}.${id}`, label: "as the packages install them", spec: { ...files, ...auditRulesSpec(rules) }, want: { status: "pass" } });
  }
  const rulesFile = (o: object): FixtureSpec => ({ [RULES_FILE]: { content: "-w /etc/sudoers -p wa -k scope\n", mode: 0o640, uid: 0, gid: 0, ...o } });
  cases.push(
    fail(`${s}.4.${ids.logs.mode}`, "audit.log 0644", auditFiles({ log: { mode: 0o644 } }), noFile(LOG, 1, "mode not (0640 or more restrictive)")),
    fail(`${s}.4.${ids.logs.owner}`, "audit.log owned by daemon", auditFiles({ log: { uid: 1 } }), noFile(LOG, 1, "owner not (= root)")),
    fail(`${s}.4.${ids.logs.group}`, "audit.log group daemon", auditFiles({ log: { gid: 1 } }), noFile(LOG, 1, "group not (one of [root, adm])")),
    fail(`${s}.4.${ids.logs.dir}`, "/var/log/audit 0755", auditFiles({ logDir: { mode: 0o755 } }), "mode is 0755, expected 0750 or more restrictive"),
    fail(`${s}.4.5`, "auditd.conf 0644", auditFiles({ conf: { mode: 0o644 } }), every("/etc/audit/auditd.conf", 3, `any(${TOP}; mode 0640 or more restrictive)`)),
    fail(`${s}.4.5-rules.d`, "a rules file 0644", rulesFile({ mode: 0o644 }), every(R, 1, "mode 0640 or more restrictive")),
    fail(`${s}.4.5-plugins.d`, "a plugin 0644", auditFiles({ plugin: { mode: 0o644 } }), every(P, 1, "mode 0640 or more restrictive")),
    fail(`${s}.4.6`, "audit.rules owned by daemon", auditFiles({ rulesFile: { uid: 1 } }), every("/etc/audit/audit.rules", 3, `any(${TOP}; owner = root)`)),
    fail(`${s}.4.6-rules.d`, "a rules file owned by daemon", rulesFile({ uid: 1 }), every(R, 1, "owner = root")),
    fail(`${s}.4.6-plugins.d`, "a plugin owned by daemon", auditFiles({ plugin: { uid: 1 } }), every(P, 1, "owner = root")),
    fail(`${s}.4.7`, "auditd.conf group daemon", auditFiles({ conf: { gid: 1 } }), every("/etc/audit/auditd.conf", 3, `any(${TOP}; group = root)`)),
    fail(`${s}.4.7-rules.d`, "a rules file group daemon", rulesFile({ gid: 1 }), every(R, 1, "group = root")),
    fail(`${s}.4.7-plugins.d`, "a plugin group daemon", auditFiles({ plugin: { gid: 1 } }), every(P, 1, "group = root")),
    fail(`${s}.4.8`, "auditctl 0775", auditFiles({ tool: { mode: 0o775 } }), every("/usr/sbin/auditctl", 7, `any(${TOOLS}; mode 0755 or more restrictive)`)),
    fail(`${s}.4.9`, "auditctl owned by daemon", auditFiles({ tool: { uid: 1 } }), every("/usr/sbin/auditctl", 7, `any(${TOOLS}; owner = root)`)),
    fail(`${s}.4.10`, "auditctl group daemon", auditFiles({ tool: { gid: 1 } }), every("/usr/sbin/auditctl", 7, `any(${TOOLS}; group = root)`)),
  );
  // After the fail cases above, which the profile test plants as its violations (the first of each id).
  // The audit logs are where auditd.conf's log_file puts them (CIS: its dirname), regular files only (find -type f).
  const LOG_CONF_LINE: Evidence = { file: "/etc/audit/auditd.conf", line: 1, key: "log_file", detail: "/srv/audit/audit.log" };
  const srvLogs = (log: object, dir: object = {}): FixtureSpec => ({
    ...files,
    "etc/audit/auditd.conf": { content: AUDITD_CONF.replace("log_file = /var/log/audit/audit.log", "log_file = /srv/audit/audit.log"), mode: 0o640, uid: 0, gid: 0 },
    "srv/audit": { dir: true, mode: 0o750, uid: 0, gid: 0, ...dir },
    "srv/audit/audit.log": { content: "x\n", mode: 0o600, uid: 0, gid: 0, ...log },
    // Not auditd's directory any more: its files are not judged.
    "var/log/audit/old.log": { content: "x\n", mode: 0o666, uid: 1, gid: 1 },
    // A subdirectory is no log file (find -type f).
    "srv/audit/archive": { dir: true, mode: 0o755, uid: 1, gid: 1 },
  });
  for (const id of [ids.logs.mode, ids.logs.owner, ids.logs.group, ids.logs.dir]) {
    cases.push({
      id: `${s}.4.${id}`, label: "log_file in /srv/audit: its files and directory as CIS wants", spec: srvLogs({}),
      want: { status: "pass", evidence: id === ids.logs.dir ? [LOG_CONF_LINE, { file: "/srv/audit" }] : [LOG_CONF_LINE, { file: "/srv/audit/archive" }, { file: "/srv/audit/audit.log" }] },
    });
  }
  const srv = "/srv/audit/audit.log";
  const srvFail = (id: string, label: string, spec: FixtureSpec, message: string, evidence: Evidence[]): Case => ({ id: `${s}.4.${id}`, label, spec, want: { status: "fail", message, evidence } });
  const srvEvidence = [LOG_CONF_LINE, { file: "/srv/audit/archive" }, { file: srv }];
  cases.push(
    srvFail(ids.logs.mode, "log_file in /srv/audit, audit.log 0644", srvLogs({ mode: 0o644 }), noFile(srv, 2, "mode not (0640 or more restrictive)"), srvEvidence),
    srvFail(ids.logs.owner, "log_file in /srv/audit, audit.log owned by daemon", srvLogs({ uid: 1 }), noFile(srv, 2, "owner not (= root)"), srvEvidence),
    srvFail(ids.logs.group, "log_file in /srv/audit, audit.log group daemon", srvLogs({ gid: 1 }), noFile(srv, 2, "group not (one of [root, adm])"), srvEvidence),
    srvFail(ids.logs.dir, "log_file in /srv/audit, the directory 0755", srvLogs({}, { mode: 0o755 }), "mode is 0755, expected 0750 or more restrictive", [LOG_CONF_LINE, { file: "/srv/audit" }]),
  );
  return cases;
}

// ---------------------------------------------------------------- fail messages of the rules items

const U = ["auid>=UID_MIN", "auid!=unset"];
/** What the pack expects of one rule, as the failure message words it. */
export const watchRule = (p: string): string => `kind = watch, path = ${p}, perms contains w and contains a`;
export const execRule = (p: string): string => `kind = watch, path = ${p}, perms contains x, fields contains auid>=UID_MIN`;
export const sysRule = (arch: string, sc: string, fields: readonly string[] = []): string =>
  `kind = syscall, arch = ${arch}, syscalls contains ${sc}${fields.length > 0 ? `, fields contains ${fields.join(" and contains ")}` : ""}`;
/** `rules` of `count` rules has none of these. */
export const missing = (count: number, expected: readonly string[]): string =>
  expected.map((e) => `rules is 0 of ${count} matching, expected some element: ${e}`).join("; ");

/** The failure when the first line of each Debian 12 / Ubuntu 24.04 rules group is missing (55 of the 56 rules left). */
export function debianRuleMessages(count = 55): RuleMessages {
  const m = (e: string[]) => missing(count, e);
  return {
    scope: m([watchRule("/etc/sudoers")]),
    userEmulation: m([sysRule("b64", "execve", ["euid!=uid", "auid!=unset"])]),
    sudoLog: "sudoLogWatches is 0 of 0 matching, expected some element: perms contains w and contains a",
    time: m(["adjtimex", "settimeofday", "clock_settime"].map((sc) => sysRule("b64", sc))),
    network: m(["sethostname", "setdomainname"].map((sc) => sysRule("b64", sc))),
    access: m(["creat", "open", "openat", "truncate", "ftruncate"].map((sc) => sysRule("b64", sc, ["exit=-EACCES", ...U]))),
    identity: m([watchRule("/etc/group")]),
    permMod: m(["chmod", "fchmod", "fchmodat"].map((sc) => sysRule("b64", sc, U))),
    mounts: m([sysRule("b64", "mount", U)]),
    session: m([watchRule("/var/run/utmp")]),
    logins: m([watchRule("/var/log/lastlog")]),
    delete: m(["unlink", "unlinkat", "rename", "renameat"].map((sc) => sysRule("b64", sc, U))),
    mac: m([watchRule("/etc/apparmor")]),
    chcon: m([execRule("/usr/bin/chcon")]),
    setfacl: m([execRule("/usr/bin/setfacl")]),
    chacl: m([execRule("/usr/bin/chacl")]),
    usermod: m([execRule("/usr/sbin/usermod")]),
    modules: m(["init_module", "finit_module", "delete_module"].map((sc) => sysRule("b64", sc, U))),
  };
}

/** RHEL 9: 57 rules (seven network watches), the MAC watches on SELinux's policy. */
export function rhelRuleMessages(): RuleMessages {
  return { ...debianRuleMessages(56), mac: missing(56, [watchRule("/etc/selinux")]) };
}

/** RHEL 9's BLS cases for audit=1 and the backlog: the entries grubby lists, /etc/kernel/cmdline, no grub.cfg with GRUB_ENABLE_BLSCFG=true. */
function bls(s: string, ids: AuditIds): Case[] {
  const entry = (options: string) => `title Red Hat Enterprise Linux (5.14.0-503.el9.x86_64)\nversion 5.14.0-503.el9.x86_64\nlinux /vmlinuz-5.14.0-503.el9.x86_64\noptions ${options}\n`;
  const E = "boot/loader/entries/abc-5.14.0-503.el9.x86_64.conf";
  const base = { "boot/grub2/grub.cfg": "blscfg\n", [E]: entry("root=/dev/mapper/rhel-root ro audit=1 audit_backlog_limit=8192") };
  return [
    { id: `${s}.1.${ids.svc.auditArg}`, label: "BLS entry with audit=1, /etc/kernel/cmdline too", spec: { ...base, "etc/kernel/cmdline": "root=/dev/mapper/rhel-root ro audit=1\n" }, want: { status: "pass" } },
    {
      id: `${s}.1.${ids.svc.auditArg}`, label: "BLS entry with audit=1, /etc/kernel/cmdline without (the next kernel's entry)", spec: { ...base, "etc/kernel/cmdline": "root=/dev/mapper/rhel-root ro\n" },
      want: { status: "fail", message: "entries is 1 of 2 not matching: /etc/kernel/cmdline:1 (kernels installed later), expected every element: params.audit = 1" },
    },
    {
      id: `${s}.1.${ids.svc.auditArg}`, label: "no grub.cfg, GRUB_ENABLE_BLSCFG=true: the BLS entry without audit=1", spec: { [E]: entry("root=/dev/vda1 ro"), "etc/default/grub": "GRUB_ENABLE_BLSCFG=true\n" },
      want: { status: "fail", message: `entries is 1 of 1 not matching: /${E}:4 /vmlinuz-5.14.0-503.el9.x86_64, expected every element: params.audit = 1` },
    },
    {
      id: `${s}.1.${ids.svc.auditArg}`, label: "BLS entry with audit=1 audit=0 (the kernel takes the last)", spec: { ...base, [E]: entry("root=/dev/mapper/rhel-root ro audit=1 audit_backlog_limit=8192 audit=0") },
      want: { status: "fail", message: `entries is 1 of 1 not matching: /${E}:4 /vmlinuz-5.14.0-503.el9.x86_64, expected every element: params.audit = 1` },
    },
    { id: `${s}.1.${ids.svc.auditArg}`, label: "BLS entry with audit=0 audit=1 (the kernel takes the last)", spec: { ...base, [E]: entry("root=/dev/mapper/rhel-root ro audit=0 audit_backlog_limit=8192 audit=1") }, want: { status: "pass" } },
    {
      id: `${s}.1.${ids.svc.auditArg}`, label: "/etc/kernel/cmdline with audit=1 audit=0", spec: { ...base, "etc/kernel/cmdline": "root=/dev/mapper/rhel-root ro audit=1 audit=0\n" },
      want: { status: "fail", message: "entries is 1 of 2 not matching: /etc/kernel/cmdline:1 (kernels installed later), expected every element: params.audit = 1" },
    },
    { id: `${s}.1.${ids.svc.auditArg}`, label: "/etc/kernel/cmdline with audit=0 audit=1", spec: { ...base, "etc/kernel/cmdline": 'root=/dev/mapper/rhel-root ro "acpi_osi=Windows 2009" audit=0 audit=1\n' }, want: { status: "pass" } },
    { id: `${s}.1.${ids.svc.backlog}`, label: "no grub.cfg, GRUB_ENABLE_BLSCFG=true: the BLS entry with the backlog", spec: { [E]: entry("ro audit_backlog_limit=8192"), "etc/default/grub": "GRUB_ENABLE_BLSCFG=true\n" }, want: { status: "pass" } },
  ];
}
