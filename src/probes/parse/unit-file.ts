/**
 * Pure parser for systemd unit files and drop-ins (systemd.syntax(7), the rules of
 * systemd's conf-parser.c). It never throws: odd lines are skipped and reported.
 *
 * - `#` and `;` start comment lines (only at the start of a line, after whitespace),
 *   also in the middle of a continued line.
 * - A line ending in an unescaped `\` continues on the next line; the backslash
 *   becomes a space.
 * - Keys may repeat; every assignment is kept in order. Merging, including the reset
 *   by an empty assignment (`ExecStart=`), is `mergeUnitSections`'s job.
 */
import { unquoted, type ParseProblem } from "./problem.js";
import { pushAll } from "../../util/array.js";

export interface UnitDirective {
  key: string;
  value: string;
  /** 1-based line where the directive starts. */
  line: number;
}

export interface ParsedUnitFile {
  file: string;
  /** Section name (without brackets) → directives in file order. Null-prototype object. */
  sections: Record<string, UnitDirective[]>;
  problems: ParseProblem[];
}

/** A directive after merging fragment and drop-ins: remembers which file set it. */
export interface MergedDirective extends UnitDirective {
  file: string;
}

/** Null-prototype record, so a section named `__proto__` or `constructor` is just a name. */
export function emptySections<T>(): Record<string, T[]> {
  return Object.create(null) as Record<string, T[]>;
}

function endsWithUnescapedBackslash(s: string): boolean {
  let n = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === "\\"; i--) n++;
  return n % 2 === 1;
}

export function parseUnitFile(text: string, file: string): ParsedUnitFile {
  const sections = emptySections<UnitDirective>();
  const problems: ParseProblem[] = [];
  let section: string | null = null;
  // Continued lines are gathered as parts and joined once: re-concatenating a growing
  // string per continuation line is quadratic.
  let continuation: { parts: string[]; line: number } | null = null;

  const handle = (raw: string, lineNo: number): void => {
    const s = raw.trim();
    if (s === "") return;
    if (s.startsWith("[")) {
      if (!s.endsWith("]") || s.length < 3) {
        problems.push({ line: lineNo, message: `bad section header (a line of ${s.length} characters, not quoted: an unparsed line may hold a secret)` });
        section = null; // systemd ignores what follows a bad header until the next good one
        return;
      }
      section = s.slice(1, -1);
      if (!Object.hasOwn(sections, section)) sections[section] = [];
      return;
    }
    const eq = s.indexOf("=");
    if (eq === -1) {
      problems.push({ line: lineNo, message: `missing '=' in (a line of ${s.length} characters, not quoted: an unparsed line may hold a secret)` });
      return;
    }
    const key = s.slice(0, eq).trim();
    if (key === "") {
      problems.push({ line: lineNo, message: `empty key in (a line of ${s.length} characters, not quoted: an unparsed line may hold a secret)` });
      return;
    }
    if (section === null) {
      problems.push({ line: lineNo, message: `assignment outside of a section: ${unquoted(key)}` });
      return;
    }
    (sections[section] as UnitDirective[]).push({ key, value: s.slice(eq + 1).trim(), line: lineNo });
  };

  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i] as string;
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    const lead = raw.trimStart();
    if (lead.startsWith("#") || lead.startsWith(";")) continue;
    const start: number = continuation ? continuation.line : i + 1;
    if (endsWithUnescapedBackslash(raw)) {
      continuation ??= { parts: [], line: start };
      continuation.parts.push(raw.slice(0, -1), " ");
      continue;
    }
    const joined = continuation ? continuation.parts.join("") + raw : raw;
    continuation = null;
    handle(joined, start);
  }
  // A file ending in a backslash: use what was gathered.
  if (continuation) handle(continuation.parts.join(""), continuation.line);
  return { file, sections, problems };
}

/**
 * Apply parsed files in order (fragment first, then drop-ins in the order systemd
 * applies them). An empty assignment (`ExecStart=`) drops every earlier value of that
 * key in that section, which is how drop-ins reset list settings; it is not kept.
 */
export function mergeUnitSections(files: readonly ParsedUnitFile[]): Record<string, MergedDirective[]> {
  const merged = emptySections<MergedDirective>();
  for (const f of files) {
    for (const [name, directives] of Object.entries(f.sections)) {
      let list = merged[name];
      if (!list) {
        list = [];
        merged[name] = list;
      }
      for (const d of directives) {
        if (d.value === "") {
          const kept = list.filter((x) => x.key !== d.key);
          list.length = 0;
          pushAll(list, kept);
        } else {
          list.push({ ...d, file: f.file });
        }
      }
    }
  }
  return merged;
}

/** Every value of `key` in `section`, in order. */
export function directiveValues(
  sections: Record<string, readonly UnitDirective[]>,
  section: string,
  key: string,
): string[] {
  const list = Object.hasOwn(sections, section) ? sections[section] : undefined;
  return (list ?? []).filter((d) => d.key === key).map((d) => d.value);
}

/** The last assignment of `key` in `section` (the one that wins for single-valued settings). */
export function lastDirective<D extends UnitDirective>(
  sections: Record<string, readonly D[]>,
  section: string,
  key: string,
): D | undefined {
  const list = Object.hasOwn(sections, section) ? sections[section] : undefined;
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) if ((list[i] as D).key === key) return list[i];
  return undefined;
}
