/**
 * CIS Linux logging (journald, systemd-journal-remote, rsyslog, /var/log) and integrity
 * checking (AIDE): pass and fail fixtures, with the pack's own numbers passed in (Debian 12
 * numbers these 6.1.x and 6.3.x; Ubuntu and RHEL 9 put AIDE first, see the packs).
 */
import type { Evidence } from "../../../src/probes/types.js";
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import { enabled, enabledEvidence, fileCases, unitFile, type Case } from "./cis-linux-cases.js";

/** The pack's ids for the logging items; an item the benchmark does not have is left out. */
export interface LoggingIds {
  journaldEnabled: string;
  oneLoggingSystem?: string;
  remoteInstalled: string;
  uploadEnabled: string;
  remoteNotInUse: string;
  forwardOff: string;
  compress: string;
  storage: string;
  rsyslog?: { installed: string; enabled: string; forward: string; fileMode: string; noListen: string };
  logfiles: string;
}

const JOURNALD_UNIT: FixtureSpec = {
  // Static: systemd-journald.service has no [Install] section.
  "lib/systemd/system/systemd-journald.service": "[Unit]\nDescription=Journal Service\n[Service]\nExecStart=/lib/systemd/systemd-journald\n",
};
const DROPIN = "etc/systemd/journald.conf.d/60-cis.conf";
const journal = (body: string): FixtureSpec => ({ "etc/systemd/journald.conf": "[Journal]\n#Storage=auto\n", [DROPIN]: `[Journal]\n${body}` });
const notSet = (key: string): Evidence => ({ file: "/etc/systemd/journald.conf", key: `Journal.${key}`, detail: "not set in /etc/systemd/journald.conf: the daemon's default applies" });
const FORWARD_ON = "(set is true, expected false) or (value is yes, expected matches /(?i)^(no|false|0|off)$/)";
const LOG_EXCEPTIONS =
  "path matches //(lastlog|wtmp|btmp)(\\.[0-9]+)?(\\.gz)?$/, mode 0664 or more restrictive; path matches //(cloud-init(-output)?\\.log|localmessages|waagent\\.log)(\\.[0-9]+)?(\\.gz)?$/, mode 0644 or more restrictive; path matches //var/log/(sssd|gdm3?)//, mode 0660 or more restrictive";
/** The package database says the package is not installed (dpkg status on Debian and Ubuntu). */
const notInstalled = (pkg: string): Evidence => ({ file: "/var/lib/dpkg/status", package: pkg });
const unitEvidence = (unit: string): Evidence => ({ unit, file: `/lib/systemd/system/${unit}` });
const RSYSLOG_SKIP = "rsyslog is installed, so it is the logging system (the rsyslog items apply)";

/** Cases for the journald and journal-remote items; `rsyslogSkips`: the journald-only items skip where rsyslog is installed. */
export function journaldCases(ids: LoggingIds, rsyslogSkips: boolean): Case[] {
  const cases: Case[] = [
    { id: ids.journaldEnabled, label: "static unit, not masked", spec: JOURNALD_UNIT, want: { status: "pass" } },
    {
      id: ids.journaldEnabled, label: "masked", spec: { ...JOURNALD_UNIT, "etc/systemd/system/systemd-journald.service": { symlink: "/dev/null" } },
      want: {
        status: "fail", message: "state is masked, expected one of [static, enabled]",
        evidence: [{ unit: "systemd-journald.service", file: "/etc/systemd/system/systemd-journald.service", detail: "masked: /etc/systemd/system/systemd-journald.service -> /dev/null" }],
      },
    },
    { id: ids.remoteInstalled, label: "installed", pkgs: ["systemd-journal-remote"], spec: {}, want: { status: "pass" } },
    { id: ids.remoteInstalled, label: "not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true", evidence: [notInstalled("systemd-journal-remote")] } },
    { id: ids.uploadEnabled, label: "enabled", pkgs: ["systemd-journal-remote"], spec: enabled("systemd-journal-upload.service"), want: { status: "pass" } },
    {
      id: ids.uploadEnabled, label: "installed, not enabled", pkgs: ["systemd-journal-remote"], spec: unitFile("systemd-journal-upload.service"),
      want: { status: "fail", message: "enabled is false, expected true", evidence: [unitEvidence("systemd-journal-upload.service")] },
    },
    { id: ids.uploadEnabled, label: "systemd-journal-remote not installed", spec: {}, want: { status: "skip", message: `systemd-journal-remote is not installed (see ${ids.remoteInstalled})` } },
    { id: ids.remoteNotInUse, label: "socket disabled", pkgs: ["systemd-journal-remote"], spec: unitFile("systemd-journal-remote.socket"), want: { status: "pass" } },
    {
      id: ids.remoteNotInUse, label: "socket enabled", pkgs: ["systemd-journal-remote"], spec: enabled("systemd-journal-remote.socket"),
      want: { status: "fail", message: "enabled is true, expected false", evidence: [enabledEvidence("systemd-journal-remote.socket")] },
    },
    { id: `${ids.remoteNotInUse}-systemd-journal-remote.service`, label: "service disabled", pkgs: ["systemd-journal-remote"], spec: unitFile("systemd-journal-remote.service"), want: { status: "pass" } },
    {
      id: `${ids.remoteNotInUse}-systemd-journal-remote.service`, label: "service enabled", pkgs: ["systemd-journal-remote"], spec: enabled("systemd-journal-remote.service"),
      want: { status: "fail", message: "enabled is true, expected false", evidence: [enabledEvidence("systemd-journal-remote.service")] },
    },
    { id: ids.forwardOff, label: "not set (journald's default: no)", spec: { "etc/systemd/journald.conf": "[Journal]\n" }, want: { status: "pass" } },
    { id: ids.forwardOff, label: "ForwardToSyslog=no", spec: journal("ForwardToSyslog=no\n"), want: { status: "pass" } },
    {
      id: ids.forwardOff, label: "ForwardToSyslog=yes in a drop-in", spec: journal("ForwardToSyslog=yes\n"),
      want: { status: "fail", message: FORWARD_ON, evidence: [{ file: `/${DROPIN}`, line: 2, key: "Journal.ForwardToSyslog" }] },
    },
    { id: ids.compress, label: "Compress=yes", spec: journal("Compress=yes\n"), want: { status: "pass" } },
    {
      id: ids.compress, label: "not set", spec: { "etc/systemd/journald.conf": "[Journal]\n" },
      want: { status: "fail", message: "value is (not set), expected matches /(?i)^(yes|true|1|on)$/", evidence: [notSet("Compress")] },
    },
    { id: ids.storage, label: "Storage=persistent", spec: journal("Storage=persistent\n"), want: { status: "pass" } },
    {
      id: ids.storage, label: "Storage=volatile", spec: journal("Storage=volatile\n"),
      want: { status: "fail", message: "value is volatile, expected persistent", evidence: [{ file: `/${DROPIN}`, line: 2, key: "Journal.Storage" }] },
    },
  ];
  if (ids.oneLoggingSystem) {
    cases.push(
      { id: ids.oneLoggingSystem, label: "journald there, not masked", spec: JOURNALD_UNIT, want: { status: "pass" } },
      {
        id: ids.oneLoggingSystem, label: "no journald unit", spec: {},
        want: { status: "fail", message: "exists is false, expected true", evidence: [{ unit: "systemd-journald.service", detail: "no unit file systemd-journald.service in any unit directory (none exist)" }] },
      },
    );
  }
  if (rsyslogSkips) {
    for (const id of [ids.remoteInstalled, ids.forwardOff, ids.compress, ids.storage]) {
      cases.push({ id, label: "rsyslog installed", pkgs: ["rsyslog"], spec: {}, want: { status: "skip", message: RSYSLOG_SKIP } });
    }
  }
  return cases;
}

const RSYSLOG_CONF = 'module(load="imuxsock")\n$IncludeConfig /etc/rsyslog.d/*.conf\n*.*;auth,authpriv.none -/var/log/syslog\n';

export function rsyslogCases(ids: NonNullable<LoggingIds["rsyslog"]>): Case[] {
  const forward = journal("ForwardToSyslog=yes\n");
  const notRsyslog = { status: "skip" as const, message: "rsyslog is not installed, so journald is the logging system (the journald items apply)" };
  return [
    { id: ids.installed, label: "journald forwards, rsyslog installed", pkgs: ["rsyslog"], spec: forward, want: { status: "pass" } },
    { id: ids.installed, label: "journald forwards, no rsyslog", spec: forward, want: { status: "fail", message: "installed is false, expected true", evidence: [notInstalled("rsyslog")] } },
    {
      id: ids.installed, label: "journald does not forward", spec: {},
      want: { status: "skip", message: "journald does not forward to syslog, so journald is the logging system (the journald items apply)" },
    },
    { id: ids.enabled, label: "enabled", pkgs: ["rsyslog"], spec: enabled("rsyslog.service"), want: { status: "pass" } },
    { id: ids.enabled, label: "installed, not enabled", pkgs: ["rsyslog"], spec: unitFile("rsyslog.service"), want: { status: "fail", message: "enabled is false, expected true", evidence: [unitEvidence("rsyslog.service")] } },
    { id: ids.enabled, label: "rsyslog not installed", spec: {}, want: notRsyslog },
    { id: ids.forward, label: "ForwardToSyslog=yes", pkgs: ["rsyslog"], spec: forward, want: { status: "pass" } },
    {
      id: ids.forward, label: "not set", pkgs: ["rsyslog"], spec: { "etc/systemd/journald.conf": "[Journal]\n" },
      want: { status: "fail", message: "value is (not set), expected matches /(?i)^(yes|true|1|on)$/", evidence: [notSet("ForwardToSyslog")] },
    },
    { id: ids.fileMode, label: "$FileCreateMode 0640 in an included file", pkgs: ["rsyslog"], spec: { "etc/rsyslog.conf": RSYSLOG_CONF, "etc/rsyslog.d/60-cis.conf": "$FileCreateMode 0640\n" }, want: { status: "pass" } },
    {
      id: ids.fileMode, label: "$FileCreateMode 0644", pkgs: ["rsyslog"], spec: { "etc/rsyslog.conf": `$FileCreateMode 0644\n${RSYSLOG_CONF}` },
      want: { status: "fail", message: "fileCreateMode is 0644, expected matches /^0[0246][024]0$/", evidence: [{ file: "/etc/rsyslog.conf", line: 1, key: "FileCreateMode" }] },
    },
    { id: ids.noListen, label: "no network input", pkgs: ["rsyslog"], spec: { "etc/rsyslog.conf": RSYSLOG_CONF }, want: { status: "pass" } },
    {
      id: ids.noListen, label: "imtcp loaded with an input", pkgs: ["rsyslog"],
      spec: { "etc/rsyslog.conf": RSYSLOG_CONF, "etc/rsyslog.d/10-listen.conf": 'module(load="imtcp")\ninput(type="imtcp" port="514")\n' },
      want: {
        status: "fail",
        message: 'networkInputs is [{"type":"imtcp","port":"514","file":"/etc/rsyslog.d/10-listen.conf","line":2}], expected []; modules is 1 of 2 matching: imtcp, expected no element: name one of [imtcp, imudp, imrelp, imptcp]',
        evidence: [{ file: "/etc/rsyslog.d/10-listen.conf", line: 2, detail: "network input imtcp port 514" }, { file: "/etc/rsyslog.d/10-listen.conf", line: 1 }],
      },
    },
  ];
}

export function logfileCases(id: string): Case[] {
  return [
    {
      id, label: "0640 logs, wtmp 0664 (allowed)",
      spec: { "var/log/syslog": { content: "x\n", mode: 0o640 }, "var/log/wtmp": { content: "", mode: 0o664 }, "var/log/apt/history.log": { content: "x\n", mode: 0o600 } },
      want: { status: "pass" },
    },
    {
      id, label: "a world-readable log",
      spec: { "var/log/syslog": { content: "x\n", mode: 0o644 }, "var/log/wtmp": { content: "", mode: 0o664 } },
      // The evidence (each file walked, and how long the walk took) is file-tree's; the message names the offender.
      want: { status: "fail", message: `matches is 1 of 2 not matching: /var/log/syslog, expected every element: any(${LOG_EXCEPTIONS})` },
    },
  ];
}

/** AIDE: installed, checked regularly (a timer or cron job the distribution ships), audit tools in its rules. */
export function aideCases(ids: { installed: string; regular: string; auditTools: string }, timer: string, conf: string): Case[] {
  const timerUnit: FixtureSpec = { [`lib/systemd/system/${timer}`]: "[Unit]\nDescription=AIDE check\n[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n" };
  const skip = { status: "skip" as const, message: `AIDE is not installed (see ${ids.installed})` };
  return [
    { id: ids.installed, label: "installed", pkgs: ["aide"], spec: {}, want: { status: "pass" } },
    { id: ids.installed, label: "not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true", evidence: [notInstalled("aide")] } },
    { id: ids.regular, label: "timer enabled", pkgs: ["aide"], spec: { ...timerUnit, [`etc/systemd/system/timers.target.wants/${timer}`]: { symlink: `/lib/systemd/system/${timer}` } }, want: { status: "pass" } },
    { id: ids.regular, label: "timer not enabled", pkgs: ["aide"], spec: timerUnit, want: { status: "fail", message: "enabled is false, expected true", evidence: [unitEvidence(timer)] } },
    { id: ids.regular, label: "AIDE not installed", spec: {}, want: skip },
    { id: ids.auditTools, label: "auditctl in the rules", pkgs: ["aide"], spec: { [conf.slice(1)]: "/usr/sbin/auditctl p+i+n+u+g+s+b+acl+xattrs+sha512\n" }, want: { status: "pass" } },
    { id: ids.auditTools, label: "no audit tools", pkgs: ["aide"], spec: { [conf.slice(1)]: "/etc p+i+n+u+g\n" }, want: { status: "fail", message: "matched is false, expected true", evidence: [{ file: conf }] } },
    { id: ids.auditTools, label: "AIDE not installed", spec: {}, want: skip },
  ];
}

/** Manual logging items: shown with what was observed, for a person to judge. */
export function manualLoggingCases(journaldIds: string[], needsRemote: string, rsyslogManual: string[]): Case[] {
  return [
    ...journaldIds.map((id): Case => ({ id, label: "site policy", spec: {}, want: { status: "manual" } })),
    { id: needsRemote, label: "site policy (journal-upload.conf)", pkgs: ["systemd-journal-remote"], spec: { "etc/systemd/journal-upload.conf": "[Upload]\nURL=https://logs.example.org:19532\n" }, want: { status: "manual" } },
    ...rsyslogManual.map((id): Case => ({ id, label: "site policy", pkgs: ["rsyslog"], spec: { "etc/rsyslog.conf": RSYSLOG_CONF, "etc/logrotate.conf": "weekly\n" }, want: { status: "manual" } })),
  ];
}

/** CIS 1.4 bootloader: a GRUB superuser with a password; grub.cfg root-only. */
export function bootloaderCases(cfg: string): Case[] {
  const rel = cfg.slice(1);
  const none = `no GRUB configuration (GRUB is not the bootloader here)`;
  return [
    { id: "1.4.1", label: "superuser and a PBKDF2 password", spec: { [rel]: { content: GRUB_PASSWORD, mode: 0o600 } }, want: { status: "pass" } },
    {
      id: "1.4.1", label: "no superuser, no password", spec: { [rel]: { content: "set default=0\n", mode: 0o600 } },
      want: { status: "fail", message: "superusers is false, expected true; password is false, expected true", evidence: [] },
    },
    { id: "1.4.1", label: "no GRUB", spec: {}, want: { status: "skip", message: none } },
    ...fileCases("1.4.2", { path: cfg, max: 0o600, missing: { status: "skip", message: `no ${cfg} (GRUB is not the bootloader here)` } }),
  ];
}
/** What grub-mkpasswd-pbkdf2's output looks like in grub.cfg (the hash is made up). */
export const GRUB_PASSWORD = 'set superusers="root"\npassword_pbkdf2 root grub.pbkdf2.sha512.10000.AAAABBBB.CCCCDDDD\n';
