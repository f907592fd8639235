/**
 * rsyslog-conf: what rsyslog is configured to do — /etc/rsyslog.conf and the files it
 * includes (`$IncludeConfig` and `include(file=…)`, globs expanded, read where they stand):
 * the file creation mode, the input modules loaded and inputs configured (does it receive
 * logs from the network?), forwarding to remote hosts, and the selector rules.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { parseRsyslog } from "./parse/rsyslog.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { includeReader } from "./kit/include-reader.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead } from "./kit/read.js";

export { parseRsyslog } from "./parse/rsyslog.js";

export const RSYSLOG_CONF = "/etc/rsyslog.conf";
const MAX_FILES = 256;
/** Network input modules: loading one (with an input) makes rsyslog a log receiver. */
const NET_INPUTS = ["imtcp", "imudp", "imrelp", "imgssapi", "imptcp"];

export interface Located {
  file: string;
  line: number;
}

export interface RsyslogFact {
  exists: boolean;
  files: string[];
  /** `$FileCreateMode` or the omfile module's fileCreateMode, the last one set. */
  fileCreateMode?: string;
  fileCreateModeAt?: Located;
  /** Every module loaded (imuxsock, imjournal, imtcp, …). */
  modules: (Located & { name: string })[];
  /** Network inputs: an `input(type=im…)` object or a legacy `$…ServerRun` directive. */
  networkInputs: (Located & { type: string; port?: string })[];
  /** Forwarding: omfwd actions and `@host` / `@@host` rules. */
  forwards: (Located & { target: string })[];
  rules: (Located & { selector: string; action: string })[];
}

async function load(ctx: ProbeContext): Promise<{ fact: RsyslogFact; unreadable: string[]; problems: Evidence[] }> {
  const fact: RsyslogFact = { exists: false, files: [], modules: [], networkInputs: [], forwards: [], rules: [] };
  const expand = async (pattern: string): Promise<string[]> => {
    if (!pattern.includes("*") && !pattern.includes("?")) return [pattern];
    const dir = pattern.slice(0, pattern.lastIndexOf("/"));
    try {
      if ((await ctx.host.readdir(dir)) === null) return [];
      return await ctx.host.glob(pattern);
    } catch (e) {
      reader.unreadable.push(`${dir}: ${describeError(e)}`);
      return [];
    }
  };
  const reader = includeReader(ctx, MAX_FILES, async (file, text) => {
    if (file === RSYSLOG_CONF) fact.exists = true;
    fact.files.push(file);
    const p = parseRsyslog(text);
    reader.noteProblems(file, p.problems);
    type Item = { line: number; run: () => Promise<void> | void };
    const items: Item[] = [];
    for (const d of p.directives) {
      items.push({
        line: d.line,
        run: async () => {
          if (d.name === "includeconfig") for (const f of await expand(d.value)) await reader.read(f);
          else if (d.name === "filecreatemode") {
            fact.fileCreateMode = d.value.split(/\s+/)[0] as string;
            fact.fileCreateModeAt = { file, line: d.line };
          } else if (d.name === "modload") fact.modules.push({ name: d.value.replace(/^builtin:/, ""), file, line: d.line });
          else if (/^(inputtcpserverrun|udpserverrun|inputudpserverrun|inputrelpserverrun|inputptcpserverrun)$/.test(d.name)) {
            fact.networkInputs.push({ type: d.name, port: d.value, file, line: d.line });
          }
        },
      });
    }
    for (const o of p.objects) {
      items.push({
        line: o.line,
        run: async () => {
          if (o.kind === "include" && o.params.file !== undefined) for (const f of await expand(o.params.file)) await reader.read(f);
          if (o.kind === "module" && o.params.load !== undefined) {
            const name = o.params.load.replace(/^builtin:/, "");
            fact.modules.push({ name, file, line: o.line });
            const mode = o.params.filecreatemode;
            if (name === "omfile" && mode !== undefined) {
              fact.fileCreateMode = mode;
              fact.fileCreateModeAt = { file, line: o.line };
            }
          }
          if (o.kind === "input" && o.params.type !== undefined && NET_INPUTS.includes(o.params.type)) {
            fact.networkInputs.push({ type: o.params.type, ...(o.params.port !== undefined ? { port: o.params.port } : {}), file, line: o.line });
          }
          if (o.kind === "action" && o.params.type === "omfwd" && o.params.target !== undefined) fact.forwards.push({ target: o.params.target, file, line: o.line });
        },
      });
    }
    for (const r of p.rules) {
      items.push({
        line: r.line,
        run: () => {
          fact.rules.push({ selector: r.selector, action: r.action, file, line: r.line });
          const fwd = /^@{1,2}(\(\S*\))?(\S+)/.exec(r.action);
          if (fwd) fact.forwards.push({ target: fwd[2] as string, file, line: r.line });
        },
      });
    }
    items.sort((a, b) => a.line - b.line);
    for (const it of items) await it.run();
  });
  await reader.read(RSYSLOG_CONF);
  return { fact, unreadable: reader.unreadable, problems: reader.problems };
}

export default defineProbe({
  id: "rsyslog-conf",
  summary: "rsyslog's configuration with its includes: file creation mode, modules, network inputs, forwarding, rules",
  params: lazySchema((z) => z.strictObject({})),
  fields: ["exists", "files", "fileCreateMode", "fileCreateModeAt", "modules", "networkInputs", "forwards", "rules"],
  /** Rsyslog.conf and every file its includes named. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx): Promise<Fact<RsyslogFact>> {
    const { fact, unreadable, problems } = await ctx.once("rsyslog-conf", () => load(ctx));
    const evidence: Evidence[] = [
      ...(fact.exists ? [] : [{ file: RSYSLOG_CONF, detail: "does not exist" }]),
      ...(fact.fileCreateModeAt ? [{ ...fact.fileCreateModeAt, key: "FileCreateMode" }] : []),
      ...fact.networkInputs.map((x) => ({ file: x.file, line: x.line, detail: `network input ${x.type}${x.port ? ` port ${x.port}` : ""}` })),
      ...fact.forwards.map((x) => ({ file: x.file, line: x.line, detail: `forwards to ${x.target}` })),
      ...problems,
    ];
    if (unreadable.length > 0) {
      const why = cannotRead(unreadable);
      return { value: fact, evidence, unknown: Object.fromEntries(["files", "fileCreateMode", "fileCreateModeAt", "modules", "networkInputs", "forwards", "rules"].map((f) => [f, why])) };
    }
    return { value: fact, evidence };
  },
});
