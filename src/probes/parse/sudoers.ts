/**
 * Pure parser for one sudoers(5) file: `Defaults` lines (with their `@host`, `:user`,
 * `!cmnd`, `>runas` scope) split into settings (`name`, `!name`, `name=value`, `+=`, `-=`),
 * user specifications with their tags (NOPASSWD, PASSWD, …), aliases, and the include
 * directives (`@include`, `@includedir`, and the older `#include`, `#includedir`). A
 * trailing backslash continues a line; `#` starts a comment except in `#include`. It never
 * throws: a line it cannot read is a problem.
 */
import { logicalLines } from "./logical-lines.js";
import { unquoted, type ParseProblem } from "./problem.js";

export interface SudoDefault {
  name: string;
  /** Absent for a boolean setting. */
  value?: string;
  /** `!name`: a boolean turned off (or a list/string setting cleared). */
  negated: boolean;
  operator?: "=" | "+=" | "-=";
  /** "" (global), or the binding: `@host`, `:user`, `!cmnd`, `>runas`. */
  scope: string;
  line: number;
}

export interface SudoUserSpec {
  /** The line as written (continuations joined). */
  text: string;
  /** Tags in the specification (NOPASSWD, PASSWD, NOEXEC, SETENV, …). */
  tags: string[];
  line: number;
}

export interface SudoInclude {
  kind: "include" | "includedir";
  path: string;
  line: number;
}

export interface SudoersParse {
  defaults: SudoDefault[];
  userSpecs: SudoUserSpec[];
  includes: SudoInclude[];
  problems: ParseProblem[];
}

const ALIAS = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s/;
const TAG = /\b(NOPASSWD|PASSWD|NOEXEC|EXEC|SETENV|NOSETENV|LOG_INPUT|NOLOG_INPUT|LOG_OUTPUT|NOLOG_OUTPUT|MAIL|NOMAIL|FOLLOW|NOFOLLOW|INTERCEPT|NOINTERCEPT)\s*:/g;

/** Split a Defaults parameter list at commas outside double quotes. */
function splitSettings(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "\\" && i + 1 < s.length) {
      cur += c + (s[i + 1] as string);
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === "," && !quoted) {
      out.push(cur.trim());
      cur = "";
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, "$1") : t.replace(/\\(.)/g, "$1");
}

export function parseSudoers(text: string): SudoersParse {
  const out: SudoersParse = { defaults: [], userSpecs: [], includes: [], problems: [] };
  for (const { line: start, text: logical } of logicalLines(text)) {
    let s = logical;
    // `(\S.*)` then trimEnd(), not `(\S.*?)\s*$`: the lazy group rescanned every run of blanks (quadratic).
    const inc = /^\s*[@#](include|includedir)\s+(\S.*)$/s.exec(s);
    if (inc) {
      out.includes.push({ kind: inc[1] as "include" | "includedir", path: unquote((inc[2] as string).trimEnd()), line: start });
      continue;
    }
    const hash = s.search(/(^|\s)#/);
    if (hash !== -1) s = s.slice(0, hash);
    s = s.trim();
    if (s === "") continue;
    // `s`: a line separator (U+2028) mid-line made `(.*)$` fail and `\s+` give back each blank (quadratic).
    const d = /^Defaults([@:!>]\S+)?(?:\s+(.*))?$/s.exec(s);
    if (d) {
      const scope = d[1] ?? "";
      const list = d[2] ?? "";
      if (list.trim() === "") {
        out.problems.push({ line: start, message: "Defaults without settings" });
        continue;
      }
      for (const item of splitSettings(list)) {
        const m = /^(!*)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:(\+=|-=|=)\s*(.*))?$/s.exec(item);
        if (!m) {
          out.problems.push({ line: start, message: `not a Defaults setting: ${unquoted(item)}` });
          continue;
        }
        out.defaults.push({
          name: m[2] as string,
          negated: (m[1] as string).length % 2 === 1,
          scope,
          line: start,
          ...(m[3] !== undefined ? { operator: m[3] as "=" | "+=" | "-=", value: unquote(m[4] as string) } : {}),
        });
      }
      continue;
    }
    if (ALIAS.test(s)) continue;
    if (!s.includes("=")) {
      out.problems.push({ line: start, message: `neither Defaults, an alias nor a user specification: ${unquoted(s)}` });
      continue;
    }
    const tags = [...s.matchAll(TAG)].map((m) => m[1] as string);
    out.userSpecs.push({ text: s, tags: [...new Set(tags)], line: start });
  }
  return out;
}
