/**
 * sudoers: sudo's policy as sudoers(5) reads it — /etc/sudoers and every file it includes
 * (`@include`, `@includedir` and the older `#include`/`#includedir`; an includedir skips
 * names ending in `~` or containing a `.`) — as Defaults settings and user specifications
 * with file and line, plus the settings CIS judges: use_pty, logfile, timestamp_timeout,
 * authenticate and NOPASSWD.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { defineProbe, type Evidence, type Fact } from "./types.js";
import { SUDOERS, sudoersPolicy, type SudoersFact } from "./kit/sudoers-policy.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead } from "./kit/read.js";

export { parseSudoers } from "./parse/sudoers.js";

export { SUDOERS, type SudoersFact } from "./kit/sudoers-policy.js";

export default defineProbe({
  id: "sudoers",
  summary: "sudo's policy from /etc/sudoers and its includes: Defaults (use_pty, logfile, timestamp_timeout, authenticate) and user specifications",
  params: lazySchema((z) => z.strictObject({})),
  fields: ["exists", "defaults", "userSpecs", "files", "usePty", "usePtyNegated", "logfile", "scopedLogfiles", "timestampTimeout", "timestampTimeouts", "authenticateDisabled", "nopasswd"],
  /** /etc/sudoers and every file its includes named. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx): Promise<Fact<SudoersFact>> {
    const { fact, unreadable, problems } = await sudoersPolicy(ctx);
    const evidence: Evidence[] = [
      ...(fact.exists ? [] : [{ file: SUDOERS, detail: "does not exist" }]),
      ...fact.defaults.map((d) => ({ file: d.file, line: d.line, key: `Defaults${d.scope} ${d.negated ? "!" : ""}${d.name}` })),
      ...fact.userSpecs.filter((u) => u.tags.length > 0).map((u) => ({ file: u.file, line: u.line, detail: `tags ${u.tags.join(", ")}` })),
      ...problems,
    ];
    if (unreadable.length > 0) {
      const why = cannotRead(unreadable);
      // /etc/sudoers itself unseen: whether sudo has a policy at all is not known either.
      const topUnseen = unreadable.some((u) => u.startsWith(`${SUDOERS}: `));
      const fields = ["defaults", "userSpecs", "usePty", "usePtyNegated", "logfile", "scopedLogfiles", "timestampTimeout", "timestampTimeouts", "authenticateDisabled", "nopasswd", ...(topUnseen ? ["exists", "files"] : [])];
      const unknown = Object.fromEntries(fields.map((f) => [f, why]));
      return { value: fact, evidence, unknown };
    }
    return { value: fact, evidence };
  },
});
