/**
 * A PAM service's stack as libpam builds it: /etc/pam.d/<service> (or `other` when it is
 * missing), Debian's `@include file` read in place, and `include`/`substack` lines replaced
 * by the same type's lines of the named file, recursively. Shared by the pam and
 * pam-option probes; each file is read and parsed once per scan.
 */
import { describeError } from "../../errors.js";
import { moduleName, parsePam, splitArgs, type PamType } from "../parse/pam.js";
import type { ProbeContext } from "../types.js";

export const PAM_DIR = "/etc/pam.d";
const MAX_DEPTH = 16;
/**
 * Lines a stack may expand to, includes counted. Each include is read where it stands (a
 * file included twice is read twice, as libpam does), so ten `@include` lines per file
 * over six levels would be a million walks: past this the stack is not observed.
 */
export const MAX_PAM_STACK_LINES = 10_000;

export interface PamEntry {
  type: PamType;
  control: string;
  /** Module base name: pam_unix.so. */
  module: string;
  /** As written in the file (a name or a path). */
  path: string;
  args: string[];
  /** `key=value` arguments (the last wins). */
  options: Record<string, string>;
  /** Bare-word arguments (use_authtok, nullok, preauth). */
  flags: string[];
  file: string;
  line: number;
  /** Files included on the way here (service file first), when not the service file itself. */
  via?: string[];
}

export interface PamStack {
  service: string;
  /** The service has its own file (else libpam uses `other`). */
  exists: boolean;
  entries: PamEntry[];
  files: string[];
  problems: { file: string; line?: number; message: string }[];
  /** Files that exist but could not be read: the stack is then unknown. */
  unreadable: string[];
}

type Loaded = { text: string } | { missing: true } | { error: string };

function readPam(ctx: ProbeContext, file: string): Promise<Loaded> {
  return ctx.once(`pam-file:${file}`, async () => {
    try {
      const text = await ctx.host.readFileIfExists(file);
      return text === null ? { missing: true } : { text };
    } catch (e) {
      return { error: `${file}: ${describeError(e)}` };
    }
  });
}

const fileOf = (name: string): string => (name.startsWith("/") ? name : `${PAM_DIR}/${name}`);

export function pamStack(ctx: ProbeContext, service: string): Promise<PamStack> {
  return ctx.once(`pam-stack:${service}`, async () => {
    const out: PamStack = { service, exists: true, entries: [], files: [], problems: [], unreadable: [] };
    const top = fileOf(service);
    const first = await readPam(ctx, top);
    let start = top;
    if ("missing" in first) {
      out.exists = false;
      start = `${PAM_DIR}/other`;
    }
    let walked = 0;
    let capped = false;
    /** Count one more line (or include) walked; past the cap the stack is not observed. */
    const over = (): boolean => {
      if (capped) return true;
      if (++walked <= MAX_PAM_STACK_LINES) return false;
      capped = true;
      out.unreadable.push(`${start}: the stack expands to more than ${MAX_PAM_STACK_LINES} lines with its includes (the PAM stack cap)`);
      return true;
    };
    const walk = async (file: string, only: PamType | undefined, chain: string[]): Promise<void> => {
      if (over()) return;
      if (chain.length > MAX_DEPTH || chain.includes(file)) {
        out.problems.push({ file, message: `include loop or nesting deeper than ${MAX_DEPTH}: ${[...chain, file].join(" -> ")}` });
        return;
      }
      const loaded = await readPam(ctx, file);
      if ("error" in loaded) {
        out.unreadable.push(loaded.error);
        return;
      }
      if ("missing" in loaded) {
        if (chain.length > 0) out.problems.push({ file, message: `included from ${chain.at(-1)} but does not exist` });
        return;
      }
      const firstVisit = !out.files.includes(file);
      if (firstVisit) out.files.push(file);
      // Parsed once per scan; its problems noted once per stack.
      const parsed = await ctx.once(`pam-parse:${file}`, () => Promise.resolve(parsePam(loaded.text)));
      if (firstVisit) for (const p of parsed.problems.slice(0, 5)) out.problems.push({ file, line: p.line, message: p.message });
      const here = [...chain, file];
      let inc = 0;
      for (let i = 0; i <= parsed.lines.length; i++) {
        // `@include` lines sit between parsed lines: read them where they were.
        while (inc < parsed.includes.length && (parsed.includes[inc] as { index: number }).index === i) {
          await walk(fileOf((parsed.includes[inc] as { name: string }).name), only, here);
          inc++;
        }
        const l = parsed.lines[i];
        if (!l) continue;
        if (over()) return;
        if (only && l.type !== only) continue;
        if (l.control === "include" || l.control === "substack") {
          await walk(fileOf(l.module), l.type, here);
          continue;
        }
        const { options, flags } = splitArgs(l.args);
        out.entries.push({
          type: l.type, control: l.control, module: moduleName(l.module), path: l.module, args: l.args, options, flags, file, line: l.line,
          ...(chain.length > 0 ? { via: chain } : {}),
        });
      }
    };
    await walk(start, undefined, []);
    return out;
  });
}
