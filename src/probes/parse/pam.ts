/**
 * Pure parser for one PAM configuration file (pam.d(5)): `[-]type control module [args]`
 * lines, `control` a keyword (required, requisite, sufficient, optional, include,
 * substack) or a `[value=action …]` list, Debian's `@include file`, a trailing backslash
 * continuing a line, `#` comments, arguments with `[ … ]` brackets kept whole. It never
 * throws: a line it cannot read is a problem.
 */
import { logicalLines } from "./logical-lines.js";
import { unquoted, type ParseProblem } from "./problem.js";

export const PAM_TYPES = ["auth", "account", "password", "session"] as const;
export type PamType = (typeof PAM_TYPES)[number];

export interface PamLine {
  type: PamType;
  /** `-type`: a missing module is silently skipped. */
  optional: boolean;
  /** required, requisite, sufficient, optional, include, substack, or `[success=1 default=ignore]`. */
  control: string;
  /** The module as written (a name or a path); for include/substack, the file named. */
  module: string;
  args: string[];
  line: number;
}

export interface PamParse {
  lines: PamLine[];
  /** `@include name` (Debian): the whole file is read in its place. */
  includes: { name: string; line: number; index: number }[];
  problems: ParseProblem[];
}

/** Words of a PAM line: whitespace-separated, `[ … ]` (with `\]` inside) kept as one word. */
function words(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
    if (i >= s.length) break;
    let w = "";
    if (s[i] === "[") {
      let j = i + 1;
      let depth = 1;
      while (j < s.length && depth > 0) {
        if (s[j] === "\\" && s[j + 1] === "]") {
          w += "]";
          j += 2;
          continue;
        }
        if (s[j] === "]") depth--;
        else if (s[j] === "[") depth++;
        if (depth > 0) w += s[j];
        j++;
      }
      if (depth > 0) return null;
      out.push(`[${w}]`);
      i = j;
      // A bracketed argument may continue (`arg=[...]x`); keep what follows attached.
      while (i < s.length && !/\s/.test(s[i] as string)) out[out.length - 1] += s[i++] as string;
      continue;
    }
    while (i < s.length && !/\s/.test(s[i] as string)) w += s[i++] as string;
    out.push(w);
  }
  return out;
}

export function parsePam(text: string): PamParse {
  const out: PamParse = { lines: [], includes: [], problems: [] };
  for (const { line: start, text: logical } of logicalLines(text)) {
    let s = logical;
    const hash = s.indexOf("#");
    if (hash !== -1) s = s.slice(0, hash);
    s = s.trim();
    if (s === "") continue;
    if (s.startsWith("@include")) {
      const name = s.slice("@include".length).trim();
      if (name === "" || /\s/.test(name)) out.problems.push({ line: start, message: "@include takes one file name" });
      else out.includes.push({ name, line: start, index: out.lines.length });
      continue;
    }
    const w = words(s);
    if (!w || w.length < 3) {
      out.problems.push({ line: start, message: w ? `expected "type control module", found ${w.length} word(s)` : "unbalanced [ ] in the line" });
      continue;
    }
    let type = (w[0] as string).toLowerCase();
    const optional = type.startsWith("-");
    if (optional) type = type.slice(1);
    if (!(PAM_TYPES as readonly string[]).includes(type)) {
      out.problems.push({ line: start, message: `unknown type ${unquoted(type)}` });
      continue;
    }
    out.lines.push({ type: type as PamType, optional, control: w[1] as string, module: w[2] as string, args: w.slice(3), line: start });
  }
  return out;
}

/** `pam_unix.so` from `/lib/x86_64-linux-gnu/security/pam_unix.so` or `pam_unix.so`. */
export function moduleName(module: string): string {
  return module.slice(module.lastIndexOf("/") + 1);
}

/** `key=value` arguments as a map (the last wins), and bare words as flags. */
export function splitArgs(args: readonly string[]): { options: Record<string, string>; flags: string[] } {
  const options: Record<string, string> = {};
  const flags: string[] = [];
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq > 0 && !a.startsWith("[")) Object.defineProperty(options, a.slice(0, eq), { value: a.slice(eq + 1), enumerable: true, writable: true, configurable: true });
    else flags.push(a);
  }
  return { options, flags };
}
