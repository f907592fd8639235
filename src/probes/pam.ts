/**
 * pam: a PAM service's stack as libpam builds it — /etc/pam.d/<service> (libpam's `other`
 * when it is missing), Debian's `@include` and the `include`/`substack` lines resolved —
 * each module line with its control, arguments (options and flags), file and line.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { pamStack, type PamEntry } from "./kit/pam-stack.js";
import { PAM_TYPES } from "./parse/pam.js";
import { defineProbe, type Evidence, type Fact } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead } from "./kit/read.js";

export { parsePam } from "./parse/pam.js";

const params = lazySchema((z) => z.strictObject({
  service: z.string().min(1).regex(/^[A-Za-z0-9._-]+$/, "a PAM service name (a file under /etc/pam.d)"),
  /** Only this type's lines (auth, account, password, session). */
  type: z.enum(PAM_TYPES).optional(),
}));

export interface PamFact {
  service: string;
  exists: boolean;
  entries: PamEntry[];
  /** Module base names in stack order (each once). */
  modules: string[];
  files: string[];
}

export default defineProbe({
  id: "pam",
  summary: "A PAM service's module stack with includes and substacks resolved (/etc/pam.d)",
  params,
  fields: ["service", "exists", "entries", "modules", "files"],
  /** The PAM stack files it followed (includes and substacks). */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx, p): Promise<Fact<PamFact>> {
    const stack = await pamStack(ctx, p.service);
    const entries = stack.entries.filter((e) => !p.type || e.type === p.type);
    const value: PamFact = { service: p.service, exists: stack.exists, entries, modules: [...new Set(entries.map((e) => e.module))], files: stack.files };
    const evidence: Evidence[] = [
      ...(stack.exists ? [] : [{ file: `/etc/pam.d/${p.service}`, detail: "missing: libpam uses /etc/pam.d/other" }]),
      ...entries.map((e) => ({ file: e.file, line: e.line, key: `${e.type} ${e.control} ${e.module}` })),
      ...stack.problems.map((x) => ({ file: x.file, ...(x.line !== undefined ? { line: x.line } : {}), detail: x.message })),
    ];
    if (stack.unreadable.length > 0) {
      const why = cannotRead(stack.unreadable);
      return { value, evidence, unknown: { entries: why, modules: why } };
    }
    return { value, evidence };
  },
});
