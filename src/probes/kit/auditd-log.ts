/**
 * The directory auditd writes its logs to, as CIS x.4.1–x.4.4 find it: the directory of
 * /etc/audit/auditd.conf's `log_file` (the last setting wins, as auditd reads the file top
 * to bottom), /var/log/audit/audit.log when the key is unset or auditd.conf is absent
 * (auditd's compiled-in default, said in the evidence). An unreadable auditd.conf, or a
 * log_file that is not an absolute path, leaves the directory unknown with the reason.
 */
import path from "node:path";
import { lookupEquals, parseEqualsKeyValue } from "../parse/key-value.js";
import type { Evidence, ProbeContext } from "../types.js";
import { readText } from "./read.js";

export const AUDITD_CONF = "/etc/audit/auditd.conf";
export const AUDITD_DEFAULT_LOG_FILE = "/var/log/audit/audit.log";

export type AuditdLogDir = { dir: string; evidence: Evidence } | { unobserved: string };

async function resolve(ctx: ProbeContext): Promise<AuditdLogDir> {
  const r = await readText(ctx, AUDITD_CONF);
  if ("unobserved" in r) return { unobserved: `the audit log directory is not known: cannot read ${r.unobserved}` };
  const entry = "text" in r ? lookupEquals(parseEqualsKeyValue(r.text).entries, "log_file", true) : undefined;
  if (entry === undefined) {
    const why = "text" in r ? "log_file not set" : "absent";
    return { dir: path.posix.dirname(AUDITD_DEFAULT_LOG_FILE), evidence: { file: AUDITD_CONF, detail: `${why}: log_file ${AUDITD_DEFAULT_LOG_FILE} (auditd's default)` } };
  }
  const logFile = entry.value.trim();
  if (!logFile.startsWith("/")) {
    return { unobserved: `the audit log directory is not known: ${AUDITD_CONF}:${entry.line}: log_file ${JSON.stringify(logFile)} is not an absolute path` };
  }
  return { dir: path.posix.dirname(path.posix.normalize(logFile)), evidence: { file: AUDITD_CONF, line: entry.line, key: "log_file", detail: logFile } };
}

/** Read once per scan (the four x.4 checks share it). */
export function auditdLogDir(ctx: ProbeContext): Promise<AuditdLogDir> {
  return ctx.once("auditd:log-dir", () => resolve(ctx));
}
