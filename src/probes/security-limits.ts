/**
 * security-limits: the resource limits pam_limits(8) sets at login for an item (core,
 * maxlogins, …), from /etc/security/limits.conf and then /etc/security/limits.d/*.conf
 * in sorted order. `hard` and `soft` are what the `*` domain (every user) gets: the last
 * matching `*` line wins, `-` setting both; every line for the item is in `entries`.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { pushAll } from "../util/array.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { parseLimitsConf, type LimitEntry } from "./parse/limits.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead, MAX_DROPIN_FILES } from "./kit/read.js";

export { parseLimitsConf } from "./parse/limits.js";

export const LIMITS_CONF = "/etc/security/limits.conf";
export const LIMITS_D = "/etc/security/limits.d";

const params = lazySchema((z) => z.strictObject({
  item: z.string().min(1).regex(/^[a-z]+$/, "a limits item is lower-case letters (core, nofile, maxlogins, …)"),
  /** The domain whose effective limit `hard`/`soft` report; default `*` (every user). */
  domain: z.string().min(1).regex(/^[*@%A-Za-z0-9_.:-]+$/).default("*"),
}));

export interface SecurityLimitsFact {
  item: string;
  domain: string;
  hard?: string;
  soft?: string;
  entries: LimitEntry[];
  files: string[];
}

interface Loaded {
  files: string[];
  entries: LimitEntry[];
  unreadable: string[];
  problems: Evidence[];
}

function load(ctx: ProbeContext): Promise<Loaded> {
  return ctx.once("security-limits", async () => {
    const unreadable: string[] = [];
    const files: string[] = [];
    const candidates = [LIMITS_CONF];
    try {
      const names = (await ctx.host.readdir(LIMITS_D)) ?? [];
      pushAll(candidates, names.filter((n) => n.endsWith(".conf")).sort().map((n) => `${LIMITS_D}/${n}`));
    } catch (e) {
      if (!isMissing(e)) unreadable.push(`${LIMITS_D}: ${describeError(e)}`);
    }
    const entries: LimitEntry[] = [];
    const problems: Evidence[] = [];
    if (candidates.length > MAX_DROPIN_FILES + 1) {
      unreadable.push(`${LIMITS_D}: ${candidates.length - 1} files, over the ${MAX_DROPIN_FILES}-file cap, none read`);
      return { files, entries, unreadable, problems };
    }
    for (const f of candidates) {
      try {
        const st = await ctx.host.stat(f);
        // A directory is skipped; a FIFO, device or socket is read (and refused), so it is an error naming it, not absent.
        if (st === null || st.isDirectory()) continue;
        const parsed = parseLimitsConf(await ctx.host.readFile(f), f);
        pushAll(entries, parsed.entries);
        pushAll(problems, parsed.problems.slice(0, 5).map((p) => ({ file: f, line: p.line, detail: `unparsed line: ${p.message}` })));
        files.push(f);
      } catch (e) {
        unreadable.push(`${f}: ${describeError(e)}`);
      }
    }
    return { files, entries, unreadable, problems };
  });
}

export default defineProbe({
  id: "security-limits",
  summary: "The pam_limits resource limit for an item (core dumps, logins) from limits.conf and limits.d",
  params,
  fields: ["item", "domain", "hard", "soft", "entries", "files"],
  /** Limits.conf and limits.d. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx, p): Promise<Fact<SecurityLimitsFact>> {
    const loaded = await load(ctx);
    const entries = loaded.entries.filter((e) => e.item === p.item);
    const value: SecurityLimitsFact = { item: p.item, domain: p.domain, entries, files: loaded.files };
    const evidence: Evidence[] = [...entries.map((e) => ({ file: e.file, line: e.line, key: `${e.domain} ${e.type} ${e.item}` })), ...loaded.problems];
    for (const e of entries) {
      if (e.domain !== p.domain) continue;
      if (e.type !== "soft") value.hard = e.value;
      if (e.type !== "hard") value.soft = e.value;
    }
    if (evidence.length === 0) evidence.push({ file: LIMITS_CONF, detail: `no ${p.item} limit in ${loaded.files.length > 0 ? loaded.files.join(", ") : "limits.conf or limits.d"}` });
    if (loaded.unreadable.length > 0) {
      const why = cannotRead(loaded.unreadable);
      return { value, evidence, unknown: { hard: why, soft: why, entries: why } };
    }
    return { value, evidence };
  },
});
