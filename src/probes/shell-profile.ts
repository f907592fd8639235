/**
 * shell-profile: what the system-wide shell start-up files set — a variable's assignments
 * (TMOUT) with whether it is made readonly and exported, or every `umask` with the
 * permissions it leaves — across /etc/profile, /etc/profile.d/*.sh, /etc/bash.bashrc and
 * /etc/bashrc (CIS 5.4.3.2/5.4.3.3, KISA U-54/U-56), or a given user's files (`paths`).
 */
import { lazySchema } from "../util/lazy-zod.js";
import { absolutePath } from "./kit/params.js";
import { pushAll } from "../util/array.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { parseShellProfile, type ShellAssignment, type ShellUmask } from "./parse/shell-profile.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead } from "./kit/read.js";

export { parseShellProfile, umaskPermits } from "./parse/shell-profile.js";

export const SYSTEM_SHELL_FILES = ["/etc/profile", "/etc/profile.d/*.sh", "/etc/bash.bashrc", "/etc/bashrc"] as const;

const params = lazySchema((z) =>
  z.strictObject({
    /** A variable (TMOUT); omit it for the umask commands. */
    variable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    /** Files to read instead of the system-wide ones (a `*` in the last component is a glob). */
    paths: z.array(absolutePath(z)).min(1).optional(),
  }),
);

export interface ShellProfileFact {
  files: string[];
  variable?: string;
  /** Each assignment with the file it is in (`path`). */
  assignments?: (ShellAssignment & { path: string })[];
  /** The variable is made readonly somewhere (readonly, declare -r). */
  readonly?: boolean;
  /** The variable is exported somewhere (export, declare -x). */
  exported?: boolean;
  /** Each umask with the file it is in (`path`). */
  umasks?: (ShellUmask & { path: string })[];
}

async function listFiles(ctx: ProbeContext, patterns: readonly string[]): Promise<{ files: string[]; errors: string[] }> {
  const files: string[] = [];
  const errors: string[] = [];
  for (const p of patterns) {
    if (!p.includes("*")) {
      files.push(p);
      continue;
    }
    const dir = p.slice(0, p.lastIndexOf("/"));
    try {
      if ((await ctx.host.readdir(dir)) !== null) pushAll(files, (await ctx.host.glob(p)));
    } catch (e) {
      if (!isMissing(e)) errors.push(`${dir}: ${describeError(e)}`);
    }
  }
  return { files, errors };
}

export default defineProbe({
  id: "shell-profile",
  summary: "A variable (TMOUT) or the umask as the system-wide shell start-up files set them (/etc/profile, profile.d, bash.bashrc)",
  params,
  fields: ["files", "variable", "assignments", "readonly", "exported", "umasks"],
  /** The profile files and directories it read. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx, p): Promise<Fact<ShellProfileFact>> {
    const listed = await listFiles(ctx, p.paths ?? SYSTEM_SHELL_FILES);
    const errors = [...listed.errors];
    const value: ShellProfileFact = { files: [], ...(p.variable ? { variable: p.variable, assignments: [], readonly: false, exported: false } : { umasks: [] }) };
    const evidence: Evidence[] = [];
    for (const file of listed.files) {
      let text: string | null;
      try {
        text = await ctx.host.readFileIfExists(file);
      } catch (e) {
        errors.push(`${file}: ${describeError(e)}`);
        continue;
      }
      if (text === null) continue;
      value.files.push(file);
      const parsed = parseShellProfile(text);
      if (p.variable) {
        for (const a of parsed.assignments.filter((x) => x.name === p.variable)) {
          value.assignments?.push({ ...a, path: file });
          evidence.push({ file, line: a.line, key: a.name });
        }
        if (parsed.readonly.some((x) => x.name === p.variable)) value.readonly = true;
        if (parsed.exported.some((x) => x.name === p.variable)) value.exported = true;
      } else {
        for (const u of parsed.umasks) {
          value.umasks?.push({ ...u, path: file });
          evidence.push({ file, line: u.line, key: "umask", detail: `umask ${u.value}` });
        }
      }
    }
    if (evidence.length === 0) evidence.push({ detail: `${p.variable ?? "umask"} not set in ${value.files.length > 0 ? value.files.join(", ") : "any of the files"}` });
    if (errors.length > 0) {
      const why = cannotRead(errors);
      return { value, evidence, unknown: p.variable ? { assignments: why, readonly: why, exported: why } : { umasks: why } };
    }
    return { value, evidence };
  },
});
