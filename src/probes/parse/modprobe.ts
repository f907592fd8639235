/**
 * Pure parser for modprobe.d(5) files as kmod reads them: a line ending in `\` continues
 * on the next (backslash and newline removed), a line whose first word starts with `#`
 * is a comment, words are separated by whitespace. Module names are normalised with
 * `-` read as `_` (kmod does the same), so `usb-storage` and `usb_storage` are one module.
 */
import { logicalLines } from "./logical-lines.js";
import { unquoted, type ParseProblem } from "./problem.js";

export type ModprobeKind = "install" | "remove" | "blacklist" | "alias" | "options" | "softdep" | "weakdep";

export interface ModprobeDirective {
  kind: ModprobeKind;
  /** Normalised module name (`-` → `_`); for `alias`, the alias pattern (as written). */
  module: string;
  /** Remaining words after the module name. */
  args: string[];
  /** For install/remove: the command as written (rest of the line after the module name). */
  command?: string;
  /** 1-based line where the directive starts. */
  line: number;
  file: string;
}

const KINDS = new Set<string>(["install", "remove", "blacklist", "alias", "options", "softdep", "weakdep"]);

/** Module name as kmod compares it: `-` and `_` are the same character. */
export function normaliseModuleName(name: string): string {
  return name.replace(/-/g, "_");
}

export function parseModprobeConf(text: string, file: string): { directives: ModprobeDirective[]; problems: ParseProblem[] } {
  const directives: ModprobeDirective[] = [];
  const problems: ParseProblem[] = [];
  // modprobe joins continuations with nothing between, and drops a backslash at the end.
  for (const { line: startLine, text: logical } of logicalLines(text, { joiner: "" })) {
    const raw = logical.endsWith("\\") ? logical.slice(0, -1) : logical;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const m = /^(\S+)\s*(.*)$/s.exec(trimmed);
    if (!m) continue;
    const kind = m[1] as string;
    const rest = m[2] as string;
    if (!KINDS.has(kind)) {
      problems.push({ file, line: startLine, message: `${file}:${startLine}: unknown directive ${unquoted(kind)}, ignored` });
      continue;
    }
    const mm = /^(\S+)\s*(.*)$/s.exec(rest);
    if (!mm) {
      problems.push({ file, line: startLine, message: `${file}:${startLine}: ${kind} without a module name, ignored` });
      continue;
    }
    const name = mm[1] as string;
    const tail = (mm[2] as string).trim();
    const args = tail === "" ? [] : tail.split(/\s+/);
    const d: ModprobeDirective = {
      kind: kind as ModprobeKind,
      module: kind === "alias" ? name : normaliseModuleName(name),
      args,
      line: startLine,
      file,
    };
    if (kind === "install" || kind === "remove") {
      if (tail === "") {
        problems.push({ file, line: startLine, message: `${file}:${startLine}: ${kind} ${name} has no command, ignored` });
        continue;
      }
      d.command = tail;
    }
    if (kind === "alias" && args.length === 0) {
      problems.push({ file, line: startLine, message: `${file}:${startLine}: alias ${name} has no module, ignored` });
      continue;
    }
    directives.push(d);
  }
  return { directives, problems };
}

/** Commands that make an `install` line a no-op loader (CIS: `install <m> /bin/false`). */
export const DISABLING_COMMANDS: ReadonlySet<string> = new Set([
  "/bin/false",
  "/bin/true",
  "/usr/bin/false",
  "/usr/bin/true",
  "false",
  "true",
]);

/** True when an install command does nothing but exit: its first word is true/false. */
export function isDisablingInstall(command: string): boolean {
  const first = command.trim().split(/[\s;|&]+/)[0] ?? "";
  return DISABLING_COMMANDS.has(first);
}

/** Parse `/proc/modules` lines: `name size refcount deps state addr`. */
export function parseProcModules(text: string): { name: string; line: number; state?: string }[] {
  const out: { name: string; line: number; state?: string }[] = [];
  text.split("\n").forEach((l, idx) => {
    const parts = l.trim().split(/\s+/);
    const name = parts[0];
    if (!name) return;
    const state = parts[4];
    out.push({ name: normaliseModuleName(name), line: idx + 1, ...(state ? { state } : {}) });
  });
  return out;
}

/**
 * Module names listed in `modules.dep` (`kernel/fs/cramfs/cramfs.ko.xz: deps`) or
 * `modules.builtin` (`kernel/fs/ext4/ext4.ko`), keyed by normalised name → path and line.
 */
export function parseModuleList(text: string): Map<string, { path: string; line: number }> {
  const out = new Map<string, { path: string; line: number }>();
  text.split("\n").forEach((l, idx) => {
    const colon = l.indexOf(":");
    const p = (colon === -1 ? l : l.slice(0, colon)).trim();
    if (p === "") return;
    const base = p.slice(p.lastIndexOf("/") + 1);
    const m = /^(.+?)\.ko(?:\.[A-Za-z0-9]+)?$/.exec(base);
    if (!m) return;
    const name = normaliseModuleName(m[1] as string);
    if (!out.has(name)) out.set(name, { path: p, line: idx + 1 });
  });
  return out;
}
