/**
 * systemd-conf: the effective value of one setting of a systemd daemon's configuration
 * (journald.conf, coredump.conf, timesyncd.conf, …) as the daemon reads it — the main file
 * (the first of /etc, /run, /usr/local/lib, /usr/lib), then every `<file>.d/*.conf`
 * drop-in of those directories in basename order (a basename in an earlier directory hides
 * later ones), the last assignment winning; `Key=` with an empty value resets to the
 * default. What `systemd-analyze cat-config systemd/<file>` shows, read from files, so it
 * works on an offline root.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { pushAll } from "../util/array.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { parseSystemdConf, type SystemdConfEntry } from "./parse/systemd-conf.js";
import { orderSysctlFiles } from "./parse/sysctl.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead, MAX_DROPIN_FILES } from "./kit/read.js";

export { parseSystemdConf } from "./parse/systemd-conf.js";

/** Configuration files of systemd's own daemons that CIS audits. */
export const SYSTEMD_CONF_FILES = [
  "journald.conf", "coredump.conf", "timesyncd.conf", "logind.conf", "journal-upload.conf", "journal-remote.conf", "system.conf", "resolved.conf",
] as const;

/** Search order for the main file and the drop-in directories (systemd's CONF_PATHS). */
export const SYSTEMD_CONF_DIRS = ["/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd"] as const;

const params = lazySchema((z) => z.strictObject({
  file: z.enum(SYSTEMD_CONF_FILES),
  section: z.string().min(1).regex(/^[A-Za-z0-9-]+$/, "a section name is letters, digits and '-'"),
  /** One key; omit it to get every effective setting of the section as `settings`. */
  key: z.string().min(1).regex(/^[A-Za-z0-9]+$/, "a key is letters and digits").optional(),
}));

export interface SystemdConfFact {
  file: string;
  section: string;
  key?: string;
  /** The key is assigned a non-empty value somewhere (else the daemon's default applies). */
  set?: boolean;
  value?: string;
  valueFile?: string;
  valueLine?: number;
  /** Without `key`: every effective setting of the section. */
  settings?: Record<string, string>;
  /** The files read, in the order the daemon reads them. */
  files: string[];
}

interface Loaded {
  files: string[];
  entries: SystemdConfEntry[];
  unreadable: string[];
  problems: Evidence[];
}

async function load(ctx: ProbeContext, file: string): Promise<Loaded> {
  return ctx.once(`systemd-conf:${file}`, async () => {
    const unreadable: string[] = [];
    const problems: Evidence[] = [];
    let main: string | undefined;
    for (const dir of SYSTEMD_CONF_DIRS) {
      const p = `${dir}/${file}`;
      try {
        if (await ctx.host.stat(p)) {
          main = p;
          break;
        }
      } catch (e) {
        unreadable.push(`${p}: ${describeError(e)}`);
        break;
      }
    }
    const byDir: { dir: string; names: string[] }[] = [];
    for (const dir of SYSTEMD_CONF_DIRS) {
      const d = `${dir}/${file}.d`;
      try {
        byDir.push({ dir: d, names: (await ctx.host.readdir(d)) ?? [] });
      } catch (e) {
        if (!isMissing(e)) unreadable.push(`${d}: ${describeError(e)}`);
      }
    }
    const dropins = orderSysctlFiles(byDir);
    if (dropins.length > MAX_DROPIN_FILES) {
      unreadable.push(`${byDir.filter((b) => b.names.length > 0).map((b) => b.dir).join(", ")}: ${dropins.length} drop-ins, over the ${MAX_DROPIN_FILES}-file cap, none read`);
      return { files: [], entries: [], unreadable, problems };
    }
    const files = [...(main ? [main] : []), ...dropins];
    const entries: SystemdConfEntry[] = [];
    const read: string[] = [];
    for (const f of files) {
      try {
        // A drop-in linked to /dev/null masks the one of the same name.
        const lst = await ctx.host.lstat(f);
        if (lst?.isSymbolicLink() && (await ctx.host.readlink(f)) === "/dev/null") continue;
        const st = await ctx.host.stat(f);
        // A directory is skipped; a FIFO, device or socket is read (and refused), so it is an error naming it, not absent.
        if (st === null || st.isDirectory()) continue;
        const parsed = parseSystemdConf(await ctx.host.readFile(f), f);
        pushAll(entries, parsed.entries);
        pushAll(problems, parsed.problems.slice(0, 5).map((p) => ({ file: f, line: p.line, detail: `unparsed line: ${p.message}` })));
        read.push(f);
      } catch (e) {
        unreadable.push(`${f}: ${describeError(e)}`);
      }
    }
    return { files: read, entries, unreadable, problems };
  });
}

export default defineProbe({
  id: "systemd-conf",
  summary: "A setting of a systemd daemon's configuration (journald.conf, coredump.conf, …) with its drop-ins, as the daemon reads it",
  params,
  fields: ["file", "section", "key", "set", "value", "valueFile", "valueLine", "settings", "files"],
  /** The configuration file and its drop-in directories. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx, p): Promise<Fact<SystemdConfFact>> {
    const loaded = await load(ctx, p.file);
    const value: SystemdConfFact = { file: p.file, section: p.section, files: loaded.files, ...(p.key ? { key: p.key } : {}) };
    const inSection = loaded.entries.filter((e) => e.section === p.section);
    const evidence: Evidence[] = [...loaded.problems];
    if (loaded.unreadable.length > 0) {
      const why = cannotRead(loaded.unreadable);
      const unknown: Record<string, string> = p.key ? { set: why, value: why, valueFile: why, valueLine: why } : { settings: why };
      return { value, evidence, unknown };
    }
    if (!p.key) {
      const settings: Record<string, string> = {};
      for (const e of inSection) {
        if (e.value === "") delete settings[e.key];
        else settings[e.key] = e.value;
      }
      value.settings = settings;
      pushAll(evidence, (loaded.files.length > 0 ? loaded.files.map((file) => ({ file })) : [{ file: `/etc/systemd/${p.file}`, detail: "no configuration file: the daemon's defaults apply" }]));
      return { value, evidence };
    }
    let winner: SystemdConfEntry | undefined;
    for (const e of inSection) if (e.key === p.key) winner = e.value === "" ? undefined : e;
    if (winner) {
      value.set = true;
      value.value = winner.value;
      value.valueFile = winner.file;
      value.valueLine = winner.line;
      evidence.unshift({ file: winner.file, line: winner.line, key: `${p.section}.${p.key}` });
    } else {
      value.set = false;
      evidence.unshift({
        file: loaded.files[0] ?? `/etc/systemd/${p.file}`,
        key: `${p.section}.${p.key}`,
        detail: `not set in ${loaded.files.length > 0 ? loaded.files.join(", ") : `any ${p.file}`}: the daemon's default applies`,
      });
    }
    return { value, evidence };
  },
});
