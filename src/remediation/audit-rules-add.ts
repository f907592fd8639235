/**
 * audit-rules-add: add the benchmark's audit rules that are missing to
 * /etc/audit/rules.d/50-nodeward.rules (one write-file change: written atomically through the
 * remediation journal, removed or restored by rollback). A rule already in any rules.d file
 * (or /etc/audit/audit.rules where rules.d is absent) is not added again: rules compare as the
 * audit-rules probe reads them (a trailing slash, `auid!=-1` and `unset`, `-k` and `-F key=`
 * are the same rule). augenrules loads rules.d at boot; with `-e 2` (CIS: immutable) nothing
 * can load them before a reboot, so the fix asks for one rather than running augenrules --load.
 * A rule's `auid>=UID_MIN` field is written with the root's UID_MIN (/etc/login.defs, 1000
 * when unset), as CIS's remediation does; an unreadable login.defs refuses the fix. A watch
 * `-w SUDO_LOGFILE` is written on sudo's log file (sudoers' `Defaults logfile=`, CIS x.3.3),
 * and once more on each scoped one (`Defaults:alice logfile=…`, also a file sudo logs to);
 * sudo without a global one, or sudoers unreadable, refuses the fix (set the logfile first, 5.2.3).
 */
import { z } from "zod";
import { NodewardError } from "../errors.js";
import { uidMinOf } from "../probes/kit/uid-min.js";
import { cannotRead } from "../probes/kit/read.js";
import { SUDOERS, sudoersPolicy } from "../probes/kit/sudoers-policy.js";
import { AUDIT_RULES, RULES_D } from "../probes/audit-rules.js";
import { parseAuditRules, type AuditRule } from "../probes/parse/audit-rules.js";
import { missingDirs } from "./atomic.js";
import { defineFix, type Change, type FixContext } from "./types.js";

export const NODEWARD_AUDIT_RULES = `${RULES_D}/50-nodeward.rules`;

/** What makes two rules the same rule (order of -S names, -F fields and perm letters aside). */
export function ruleKey(r: AuditRule): string {
  const sorted = (xs: readonly string[]) => [...xs].sort().join(",");
  return JSON.stringify([r.kind, r.action ?? "", r.arch ?? "", r.path ?? "", sorted([...(r.perms ?? "")]), sorted(r.syscalls), sorted(r.fields)]);
}

const oneRule = z.string().refine((line) => {
  const p = parseAuditRules(line);
  return p.problems.length === 0 && p.rules.length === 1 && (p.rules[0]?.kind === "watch" || p.rules[0]?.kind === "syscall");
}, "one audit rule (-w … or -a always,exit …) that auditctl reads");

/** The rules boot loads now, by key: every rules.d/*.rules, or audit.rules without rules.d. */
async function loadedAtBoot(ctx: FixContext): Promise<Set<string>> {
  const names = await ctx.host.readdir(RULES_D);
  const files = names === null ? [AUDIT_RULES] : [...new Set([...names, "50-nodeward.rules"])].filter((n) => n.endsWith(".rules")).map((n) => `${RULES_D}/${n}`);
  const keys = new Set<string>();
  for (const f of files) {
    const st = await ctx.readFile(f);
    if (st) for (const r of parseAuditRules(st.content).rules) keys.add(ruleKey(r));
  }
  return keys;
}

export default defineFix({
  id: "audit-rules-add",
  summary: "Add missing audit rules to /etc/audit/rules.d/50-nodeward.rules (loaded at the next boot)",
  needs: "reboot",
  params: z.strictObject({ rules: z.array(oneRule).min(1) }),
  async plan(ctx, p) {
    const present = await loadedAtBoot(ctx);
    let rules = p.rules;
    if (rules.some((line) => line.includes("auid>=UID_MIN"))) {
      const uidMin = await uidMinOf(ctx.host);
      if ("unknown" in uidMin) throw new NodewardError("FIX_UID_MIN_UNKNOWN", { reason: uidMin.unknown });
      rules = rules.map((line) => line.replace(/(^|\s)(-F\s+auid>=)UID_MIN(?=\s|$)/g, `$1$2${uidMin.value}`));
    }
    if (rules.some((line) => /(^|\s)-w\s+SUDO_LOGFILE(?=\s|$)/.test(line))) {
      const policy = await sudoersPolicy(ctx.probe);
      if (policy.unreadable.length > 0) throw new NodewardError("FIX_SUDO_LOGFILE_UNKNOWN", { reason: cannotRead(policy.unreadable) });
      const logfile = policy.fact.logfile;
      if (logfile === undefined) throw new NodewardError("FIX_SUDO_LOGFILE_UNKNOWN", { reason: `no Defaults logfile= in ${SUDOERS} or the files it includes` });
      const logfiles = [...new Set([logfile, ...policy.fact.scopedLogfiles.map((sc) => sc.path)])];
      // An audit rule line is split on blanks: a path with one cannot be written as a -w watch.
      for (const lf of logfiles) {
        if (!lf.startsWith("/") || /\s/.test(lf)) throw new NodewardError("FIX_SUDO_LOGFILE_UNKNOWN", { reason: `sudo's logfile ${JSON.stringify(lf)} is not an absolute path without blanks` });
      }
      const SUDO = /(^|\s)(-w\s+)SUDO_LOGFILE(?=\s|$)/;
      rules = rules.flatMap((line) => (SUDO.test(line) ? logfiles.map((lf) => line.replace(SUDO, (_m, pre: string, w: string) => `${pre}${w}${lf}`)) : [line]));
    }
    const missing = rules.filter((line) => {
      const r = parseAuditRules(line).rules[0] as AuditRule;
      return !present.has(ruleKey(r));
    });
    if (missing.length === 0) return [];
    const cur = await ctx.readFile(NODEWARD_AUDIT_RULES);
    const head = cur?.content ?? "## Written by nodeward: audit rules added by remediation (augenrules loads rules.d at boot).\n";
    const content = `${head}${head.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`;
    const mkdirs = cur ? [] : await missingDirs(ctx.host, NODEWARD_AUDIT_RULES);
    const change: Change = {
      kind: "write-file",
      path: NODEWARD_AUDIT_RULES,
      before: cur,
      // CIS x.4.5-x.4.7: rules files 0640 or stricter, root:root.
      after: { content, mode: cur ? cur.mode & 0o640 : 0o640, uid: 0, gid: 0 },
      ...(mkdirs.length ? { mkdirs } : {}),
    };
    return [change];
  },
});
