/**
 * sshd-config: the effective global value of one sshd keyword, computed the way sshd does
 * (the automated `sshd -T | grep -i KEY` of the CIS 5.1.x audits, but from files, so it
 * works on an offline root and needs no sshd binary): /etc/ssh/sshd_config with its
 * Includes, first value wins, Match blocks left out, compiled-in defaults for unset
 * keywords. See src/probes/parse/sshd-config.ts for the rules and the defaults table.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { NodewardError, describeError } from "../errors.js";
import {
  SshdIncludeError,
  canonicalSshdKeyword,
  effectiveSshdConfig,
  expandSshdConfig,
  type SshdSetting,
} from "./parse/sshd-config.js";
import type { ParseProblem } from "./parse/problem.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";

export const SSHD_CONFIG = "/etc/ssh/sshd_config";

export interface SshdConfigFact {
  /** /etc/ssh/sshd_config exists (the OpenSSH server is installed). */
  present: boolean;
  /** The keyword asked for, lower-case (as `sshd -T` prints it). */
  key: string;
  /** Effective value; undefined when the keyword is neither set nor has a default. */
  value?: string;
  /** Algorithm lists split on commas; accumulating keywords (AllowUsers, Port) as a list. */
  values?: string[];
  source: "file" | "default" | "unset";
  file?: string;
  line?: number;
  /** The value as written when it was normalised (`1m` → `60`, `-aes128-cbc`). */
  raw?: string;
  /** Every effective global keyword → value, for checks that look at several (AllowUsers or AllowGroups …). */
  settings: Record<string, string>;
}

interface Loaded {
  present: boolean;
  settings: Map<string, SshdSetting>;
  files: string[];
  problems: ParseProblem[];
}

function loadConfig(ctx: ProbeContext): Promise<Loaded> {
  return ctx.once("sshd-config", async () => {
    const reader = {
      async read(p: string): Promise<string | null> {
        try {
          const st = await ctx.host.stat(p);
          if (!st) return null;
          // glob(3) in sshd would hand a directory to fopen and fail; skip it as not a config file.
          // Anything else that is not a regular file (a FIFO sshd would block on, a device) is
          // read and refused: its settings are not known, and it is not absent.
          if (st.isDirectory()) return null;
          return await ctx.host.readFile(p);
        } catch (e) {
          throw new NodewardError("READ_FAILED", { path: p, reason: describeError(e) }, { cause: e });
        }
      },
      glob: (p: string) => ctx.host.glob(p),
    };
    try {
      const x = await expandSshdConfig(SSHD_CONFIG, reader);
      return { present: x.present, settings: effectiveSshdConfig(x.directives), files: x.files, problems: x.problems };
    } catch (e) {
      if (e instanceof SshdIncludeError) throw new NodewardError("SSHD_INCLUDE_FAILED", { reason: e.message }, { cause: e });
      throw e;
    }
  });
}

export default defineProbe({
  id: "sshd-config",
  summary: "The effective global value of an sshd_config keyword (Includes, first value wins, Match blocks excluded, compiled-in defaults)",
  params: lazySchema((z) => z.strictObject({
    key: z.string().min(1).regex(/^[A-Za-z][A-Za-z0-9]*$/, "an sshd_config keyword, e.g. PermitRootLogin"),
  })),
  fields: ["present", "key", "value", "values", "source", "file", "line", "raw", "settings"],
  /** sshd_config and every file its Includes named or globbed. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx, p): Promise<Fact<SshdConfigFact>> {
    const cfg = await loadConfig(ctx);
    const key = canonicalSshdKeyword(p.key);
    // Null prototype: keys are the host file's keywords ("__proto__" is just a key).
    const settings: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, s] of cfg.settings) settings[k] = s.value;
    const s = cfg.settings.get(key);
    const value: SshdConfigFact = { present: cfg.present, key, source: s?.source ?? "unset", settings };
    const evidence: Evidence[] = [];
    if (s) {
      value.value = s.value;
      if (s.values) value.values = s.values;
      if (s.raw !== undefined) value.raw = s.raw;
      if (s.file !== undefined) {
        value.file = s.file;
        if (s.line !== undefined) value.line = s.line;
        evidence.push({ file: s.file, ...(s.line !== undefined ? { line: s.line } : {}), key });
      }
    }
    if (!cfg.present) {
      evidence.push({ file: SSHD_CONFIG, detail: "missing: the OpenSSH server is not installed" });
    } else if (!s || s.source === "default") {
      evidence.push({
        file: SSHD_CONFIG,
        key,
        detail: s
          ? `not set outside Match blocks in ${cfg.files.join(", ")}: sshd's compiled-in default`
          : `not set outside Match blocks in ${cfg.files.join(", ")} (no default)`,
      });
    }
    for (const pr of cfg.problems.slice(0, 5)) {
      evidence.push({ ...(pr.file ? { file: pr.file } : {}), line: pr.line, detail: pr.message });
    }
    // A line sshd cannot parse makes it refuse the whole configuration (sshd -t fails, a
    // restart does not come up, a reload keeps the old one): what it runs with is not what
    // these files say, and is unseen. A missing Include target is not such a line.
    const refused = cfg.problems.find((pr) => !pr.message.startsWith("Include "));
    if (refused !== undefined) {
      const why = `sshd refuses this configuration (${refused.file ?? SSHD_CONFIG} line ${refused.line}: ${refused.message}): the settings it runs with are not these files'`;
      return { value, evidence, unknown: Object.fromEntries(["value", "values", "source", "file", "line", "raw", "settings"].map((f) => [f, why])) };
    }
    return { value, evidence };
  },
});
