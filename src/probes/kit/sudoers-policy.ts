/**
 * sudo's policy as sudoers(5) reads it — /etc/sudoers and every file it includes
 * (`@include`, `@includedir` and the older `#include`/`#includedir`; an includedir skips
 * names ending in `~` or containing a `.`) — read once per scan and shared by the probes
 * that need it (sudoers; audit-rules, for the sudo log file CIS x.3.3 watches).
 */
import path from "node:path";
import { describeError } from "../../errors.js";
import { parseSudoers, type SudoDefault, type SudoUserSpec } from "../parse/sudoers.js";
import type { Evidence, ProbeContext } from "../types.js";
import { includeReader } from "./include-reader.js";

export const SUDOERS = "/etc/sudoers";
const MAX_FILES = 256;
const NUMBER = /^-?\d+(\.\d+)?$/;

export interface SudoersFact {
  /** /etc/sudoers exists (sudo's policy file). */
  exists: boolean;
  defaults: (SudoDefault & { file: string })[];
  userSpecs: (SudoUserSpec & { file: string })[];
  files: string[];
  /** Global `Defaults use_pty` in effect (the last global setting of it wins). */
  usePty: boolean;
  /**
   * Some global Defaults line turns use_pty off (`Defaults !use_pty`), even one a later line
   * turns back on: CIS 5.2.2's audit fails on any (its grep of `Defaults\h+…!use_pty`; a
   * scoped `Defaults:user !use_pty` is not what it greps for, and not counted here).
   */
  usePtyNegated: boolean;
  /** Global `Defaults logfile=…`, when set. */
  logfile?: string;
  /**
   * Every scoped `logfile=` (`Defaults:alice logfile=/var/log/alice.log`): sudo logs those
   * users', hosts', commands' or runas users' commands there instead. CIS x.3.3's audit takes
   * the path from any line naming logfile (`grep -r logfile /etc/sudoers*`), so they are
   * watched too; 5.2.3's grep is global only.
   */
  scopedLogfiles: { key: string; path: string; scope: string; file: string; line: number }[];
  /** Global timestamp_timeout in minutes; sudo's default of 15 when not set. */
  timestampTimeout: number;
  /**
   * Every `timestamp_timeout=` setting, global or scoped (`Defaults:alice timestamp_timeout=60`),
   * as CIS 5.2.6's audit greps them all (`grep -roP "timestamp_timeout=\K[0-9]*" /etc/sudoers*`);
   * `key` is the setting as written (`Defaults:alice timestamp_timeout=60`); `minutes` is null
   * when the value is not a number.
   */
  timestampTimeouts: { key: string; minutes: number | null; scope: string; file: string; line: number }[];
  /** Some Defaults line (any scope) turns authentication off (`!authenticate`). */
  authenticateDisabled: boolean;
  /** Some user specification has the NOPASSWD tag. */
  nopasswd: boolean;
}

async function load(ctx: ProbeContext): Promise<{ fact: SudoersFact; unreadable: string[]; problems: Evidence[] }> {
  const fact: SudoersFact = { exists: false, defaults: [], userSpecs: [], files: [], usePty: false, usePtyNegated: false, timestampTimeout: 15, timestampTimeouts: [], scopedLogfiles: [], authenticateDisabled: false, nopasswd: false };
  const reader = includeReader(ctx, MAX_FILES, async (file, text) => {
    if (file === SUDOERS) fact.exists = true;
    fact.files.push(file);
    const parsed = parseSudoers(text);
    reader.noteProblems(file, parsed.problems);
    // Directives apply in file order: includes are read where they stand.
    const items = [
      ...parsed.defaults.map((d) => ({ line: d.line, run: () => { fact.defaults.push({ ...d, file }); } })),
      ...parsed.userSpecs.map((u) => ({ line: u.line, run: () => { fact.userSpecs.push({ ...u, file }); } })),
      ...parsed.includes.map((inc) => ({
        line: inc.line,
        run: async () => {
          const target = path.posix.isAbsolute(inc.path) ? inc.path : path.posix.join(path.posix.dirname(file), inc.path);
          if (inc.kind === "include") return reader.read(target);
          let names: string[] | null;
          try {
            names = await ctx.host.readdir(target);
          } catch (e) {
            reader.unreadable.push(`${target}: ${describeError(e)}`);
            return;
          }
          for (const n of (names ?? []).filter((x) => !x.endsWith("~") && !x.includes(".")).sort()) await reader.read(`${target}/${n}`);
        },
      })),
    ].sort((a, b) => a.line - b.line);
    for (const it of items) await it.run();
  });
  await reader.read(SUDOERS);
  for (const d of fact.defaults) {
    if (d.name === "authenticate" && d.negated) fact.authenticateDisabled = true;
    if (d.name === "timestamp_timeout" && !d.negated && d.value !== undefined) {
      const v = d.value.trim();
      fact.timestampTimeouts.push({ key: `Defaults${d.scope} timestamp_timeout=${v}`, minutes: NUMBER.test(v) ? Number(v) : null, scope: d.scope, file: d.file, line: d.line });
    }
    if (d.name === "logfile" && d.scope !== "" && !d.negated && d.value !== undefined && d.value !== "") {
      fact.scopedLogfiles.push({ key: `Defaults${d.scope} logfile=${d.value}`, path: d.value, scope: d.scope, file: d.file, line: d.line });
    }
    if (d.scope !== "") continue;
    if (d.name === "use_pty") {
      fact.usePty = !d.negated;
      if (d.negated) fact.usePtyNegated = true;
    }
    if (d.name === "logfile") {
      if (d.negated) delete fact.logfile;
      else if (d.value !== undefined) fact.logfile = d.value;
    }
    if (d.name === "timestamp_timeout" && d.value !== undefined && NUMBER.test(d.value)) fact.timestampTimeout = Number(d.value);
  }
  fact.nopasswd = fact.userSpecs.some((u) => u.tags.includes("NOPASSWD"));
  return { fact, unreadable: reader.unreadable, problems: reader.problems };
}


/** The policy, read once per scan: the fact, the files that could not be read, unparsed lines. */
export function sudoersPolicy(ctx: ProbeContext): Promise<{ fact: SudoersFact; unreadable: string[]; problems: Evidence[] }> {
  return ctx.once("sudoers:policy", () => load(ctx));
}
