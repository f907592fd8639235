/**
 * Pure parser for audit rules as auditctl(8) reads them (files under /etc/audit/rules.d,
 * /etc/audit/audit.rules) and as `auditctl -l` prints them: watches (`-w path -p wa -k key`),
 * syscall rules (`-a always,exit -F arch=b64 -S adjtimex,settimeofday -F auid>=1000 -k key`)
 * and control lines (`-e 2`, `-b 8192`, `-D`). It never throws: a line it cannot read is a
 * problem. auditctl -l prints watches as `-w path -p wa -k key` too, or as
 * `-a always,exit -F dir=… -F perm=wa` for directories; both are read as watches.
 *
 * The same rule is written differently in a rules file and in auditctl -l's listing; the
 * fields are normalised so one expectation matches both: a path loses its trailing slash
 * (`-w /etc/network/` is a watch on /etc/network), an unset login uid is `auid!=unset`
 * however written (`-1`, `4294967295`), and a symmetric comparison of two fields (`-C`,
 * `=` or `!=`) names them in alphabetical order (auditctl -l prints `uid!=euid` for the
 * rules file's `euid!=uid`).
 */
import { unquoted, type ParseProblem } from "./problem.js";
import { trimTrailingSlashes } from "../../util/trim.js";

export interface AuditRule {
  /**
   * `never`: a rule whose action is never (`-a never,exit …`) suppresses the events it matches
   * and records nothing, so it is neither a watch nor a syscall rule for any "is collected" item.
   */
  kind: "watch" | "syscall" | "control" | "never";
  /** The line, whitespace collapsed. */
  text: string;
  /** Watch: the path (`-w`, `-F path=`, `-F dir=`). */
  path?: string;
  /** Watch: the permissions (`-p wa`, `-F perm=wa`). */
  perms?: string;
  /** Syscall: `always,exit`, `exit,always`, `never,exit`, … (action,list). */
  action?: string;
  /** Syscall: `-F arch=b64` / `b32`, when given. */
  arch?: string;
  /** Syscall: every `-S` name (comma lists split). */
  syscalls: string[];
  /** Every other `-F` field (`auid>=1000`, `auid!=unset`, `exit=-EACCES`, `euid=0`) and `-C` comparison (`euid!=uid`), normalised (see above). */
  fields: string[];
  key?: string;
  /** Control: the flag and its argument (`-e 2` → e, "2"). */
  control?: { flag: string; value: string };
  line: number;
}

/** `/etc/network/` → `/etc/network` (`/` stays `/`). */
function normalPath(p: string): string {
  const t = trimTrailingSlashes(p);
  return t === "" ? "/" : t;
}

/** `auid!=-1` / `auid!=4294967295` → `auid!=unset`; other fields as written. */
function normalField(f: string): string {
  const m = /^(auid|loginuid)(=|!=)(-1|4294967295)$/.exec(f);
  return m ? `${m[1]}${m[2]}unset` : f;
}

/** `-C uid!=euid` → `euid!=uid`: `=` and `!=` are symmetric, so the names are sorted. */
function normalCompare(c: string): string {
  const m = /^([a-z_]+)(!=|=)([a-z_]+)$/.exec(c);
  if (!m) return c;
  const [a, b] = [m[1] as string, m[3] as string].sort();
  return `${a}${m[2]}${b}`;
}

function tokens(s: string): string[] {
  return s.trim().split(/\s+/).filter((t) => t !== "");
}

export function parseAuditRules(text: string): { rules: AuditRule[]; problems: ParseProblem[] } {
  const rules: AuditRule[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const s = raw.replace(/\r$/, "").trim();
    if (s === "" || s.startsWith("#") || s === "No rules") return;
    const t = tokens(s);
    const r: AuditRule = { kind: "syscall", text: t.join(" "), syscalls: [], fields: [], line: i + 1 };
    const first = t[0] as string;
    // Long control options (`--backlog_wait_time 60000`, `--loginuid-immutable`, as augenrules' 10-base-config.rules has).
    if (/^--[a-z][a-z_-]*$/.test(first)) {
      rules.push({ ...r, kind: "control", control: { flag: first.slice(2), value: t.slice(1).join(" ") } });
      return;
    }
    if (/^-[ebfrDlscitRL]$/.test(first) && first !== "-w" && !(first === "-a" || first === "-A")) {
      if (first === "-l" || first === "-s") {
        problems.push({ line: i + 1, message: `${first} lists or reports; it is not a rule` });
        return;
      }
      rules.push({ ...r, kind: "control", control: { flag: first.slice(1), value: t.slice(1).join(" ") } });
      return;
    }
    for (let k = 0; k < t.length; k++) {
      const opt = t[k] as string;
      const arg = t[k + 1];
      switch (opt) {
        case "-w":
          r.kind = "watch";
          if (arg !== undefined) r.path = normalPath(arg);
          k++;
          break;
        case "-p":
          if (arg !== undefined) r.perms = arg;
          k++;
          break;
        case "-a":
        case "-A":
          if (arg !== undefined) r.action = arg;
          k++;
          break;
        case "-S":
          if (arg !== undefined) for (const sc of arg.split(",")) if (sc !== "") r.syscalls.push(sc);
          k++;
          break;
        case "-C":
          if (arg !== undefined) r.fields.push(normalCompare(arg));
          k++;
          break;
        case "-k":
          if (arg !== undefined) r.key = arg;
          k++;
          break;
        case "-F": {
          k++;
          if (arg === undefined) break;
          const m = /^([a-z_0-9]+)(=|!=|>=|<=|>|<|&=|&)(.*)$/.exec(arg);
          if (m?.[1] === "arch" && m[2] === "=") r.arch = m[3] as string;
          else if ((m?.[1] === "path" || m?.[1] === "dir") && m[2] === "=") {
            r.path = normalPath(m[3] as string);
            if (r.syscalls.length === 0) r.kind = "watch";
          } else if (m?.[1] === "perm" && m[2] === "=") r.perms = m[3] as string;
          else if (m?.[1] === "key" && m[2] === "=") r.key = m[3] as string;
          else r.fields.push(normalField(arg));
          break;
        }
        default:
          problems.push({ line: i + 1, message: `unknown option ${unquoted(opt)}` });
          return;
      }
    }
    if (r.kind === "syscall" && r.action === undefined) {
      problems.push({ line: i + 1, message: "neither a watch (-w), a syscall rule (-a) nor a control option" });
      return;
    }
    // A syscall rule with a path/dir field and no -S is how auditctl -l prints a watch.
    if (r.syscalls.length > 0 && r.kind === "watch") r.kind = "syscall";
    if (r.action !== undefined && r.action.split(",").includes("never")) r.kind = "never";
    rules.push(r);
  });
  return { rules, problems };
}
