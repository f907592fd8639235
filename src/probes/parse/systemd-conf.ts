/**
 * Pure parser for systemd's configuration files (journald.conf, coredump.conf,
 * timesyncd.conf, logind.conf and their drop-ins): `[Section]` headers, `Key=Value`
 * assignments, `#`/`;` comment lines, a trailing backslash continuing a line. It never
 * throws: a line that is neither a header nor an assignment is recorded as a problem.
 */
import { logicalLines } from "./logical-lines.js";
import { unquoted, type ParseProblem } from "./problem.js";

export interface SystemdConfEntry {
  section: string;
  key: string;
  /** As written, surrounding whitespace trimmed; "" resets the setting to its default. */
  value: string;
  file: string;
  /** 1-based line where the assignment starts. */
  line: number;
}

export function parseSystemdConf(text: string, file: string): { entries: SystemdConfEntry[]; problems: ParseProblem[] } {
  const entries: SystemdConfEntry[] = [];
  const problems: ParseProblem[] = [];
  let section = "";
  // systemd joins a line ending in a backslash with the next one (a space between); a
  // comment is never continued.
  for (const { line: start, text: logical } of logicalLines(text, { isComment: (l) => /^\s*[#;]/.test(l) })) {
    if (/^\s*[#;]/.test(logical)) continue;
    let s = logical;
    s = s.trim();
    if (s === "") continue;
    if (s.startsWith("[")) {
      if (!s.endsWith("]") || s.length < 3) {
        problems.push({ line: start, message: `bad section header ${unquoted(s)}` });
        continue;
      }
      section = s.slice(1, -1);
      continue;
    }
    const eq = s.indexOf("=");
    if (eq <= 0) {
      problems.push({ line: start, message: `not an assignment: ${unquoted(s)}` });
      continue;
    }
    if (section === "") {
      problems.push({ line: start, message: "assignment outside any [section]" });
      continue;
    }
    entries.push({ section, key: s.slice(0, eq).trim(), value: s.slice(eq + 1).trim(), file, line: start });
  }
  return { entries, problems };
}
