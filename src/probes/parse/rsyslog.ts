/**
 * Pure parser for one rsyslog configuration file, line-oriented with RainerScript objects
 * joined across lines: legacy directives (`$ModLoad imtcp`, `$FileCreateMode 0640`,
 * `$InputTCPServerRun 514`, `$IncludeConfig …`), RainerScript objects (`module(load="…")`,
 * `input(type="…" port="…")`, `action(type="omfwd" target="…")`, `include(file="…")`,
 * `global(…)`), and selector rules (`auth,authpriv.* /var/log/auth.log`, `*.* @@loghost`).
 * It never throws: a line it cannot read is a problem.
 */
import { unquoted, type ParseProblem } from "./problem.js";

export interface RsyslogObject {
  /** module, input, action, include, global, template, … */
  kind: string;
  params: Record<string, string>;
  line: number;
}

export interface RsyslogDirective {
  /** Lower-cased, without the `$`: modload, filecreatemode, includeconfig, … */
  name: string;
  value: string;
  line: number;
}

export interface RsyslogRule {
  selector: string;
  action: string;
  line: number;
}

export interface RsyslogParse {
  objects: RsyslogObject[];
  directives: RsyslogDirective[];
  rules: RsyslogRule[];
  problems: ParseProblem[];
}

/** `key="value" key2="v"` inside an object's parentheses (names lower-cased, values unquoted). */
export function objectParams(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  // (?<!…): a name is tried from its first character only, not from each one (quadratic on a long name).
  const re = /(?<![A-Za-z0-9_.])([A-Za-z_.][A-Za-z0-9_.]*)\s*=\s*("((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|\[[^\]]*\]|[^\s)]+)/g;
  for (const m of body.matchAll(re)) {
    const v = m[3] ?? m[4] ?? (m[2] as string);
    Object.defineProperty(out, (m[1] as string).toLowerCase(), { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const OBJECT = /^(module|input|action|include|global|template|ruleset|main_queue|parser|timezone|lookup_table|dyn_stats|percentile_stats|property|constant|set|unset|call|stop)\s*\(/i;

export function parseRsyslog(text: string): RsyslogParse {
  const out: RsyslogParse = { objects: [], directives: [], rules: [], problems: [] };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let s = (lines[i] as string).replace(/\r$/, "").trim();
    if (s === "" || s.startsWith("#")) continue;
    const obj = OBJECT.exec(s);
    if (obj) {
      // Join lines until the parentheses balance (quotes respected).
      let depth = 0;
      let quoted: string | null = null;
      let body = "";
      let done = false;
      for (;;) {
        for (const c of s) {
          body += c;
          if (quoted) {
            if (c === quoted) quoted = null;
            continue;
          }
          if (c === '"' || c === "'") quoted = c;
          else if (c === "(") depth++;
          else if (c === ")" && --depth === 0) {
            done = true;
            break;
          }
        }
        if (done || i + 1 >= lines.length) break;
        i++;
        s = (lines[i] as string).replace(/\r$/, "").replace(/^\s*#.*$/, "");
        body += " ";
      }
      if (!done) {
        out.problems.push({ line: start, message: `unclosed ${(obj[1] as string).toLowerCase()}( … )` });
        continue;
      }
      out.objects.push({ kind: (obj[1] as string).toLowerCase(), params: objectParams(body.slice(body.indexOf("(") + 1, -1)), line: start });
      continue;
    }
    if (s.startsWith("$")) {
      const m = /^\$(\S+)\s*(.*)$/s.exec(s);
      if (m) out.directives.push({ name: (m[1] as string).toLowerCase(), value: (m[2] as string).trim(), line: start });
      continue;
    }
    if (/^(if|else|}|{|&|~|:)/.test(s)) continue;
    const r = /^(\S+)\s+(.+)$/s.exec(s);
    if (r && /\./.test(r[1] as string)) {
      out.rules.push({ selector: r[1] as string, action: (r[2] as string).trim(), line: start });
      continue;
    }
    out.problems.push({ line: start, message: `not a directive, object or rule: ${unquoted(s)}` });
  }
  return out;
}
