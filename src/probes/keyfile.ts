/**
 * keyfile: one setting of GLib key files — dconf's system databases (/etc/dconf/db/<db>.d/*,
 * merged in file-name order, a later file overriding an earlier one, as `dconf update` does)
 * or GDM's custom.conf — found by `[group]` and key. `glob` names the files; the fact is
 * whether the key is set, its value as written (`uint32 900`, `'text'`, `true`) and where.
 * A file that cannot be read makes the answer unknown; no file is "not set".
 */
import { lazySchema } from "../util/lazy-zod.js";
import { absolutePath } from "./kit/params.js";
import { pushAll } from "../util/array.js";
import { describeError } from "../errors.js";
import { parseKeyfile } from "./parse/keyfile.js";
import { readText, cannotRead } from "./kit/read.js";
import { readsAnd } from "./kit/watch.js";
import { defineProbe, type Evidence, type Fact } from "./types.js";

export { parseKeyfile } from "./parse/keyfile.js";

export interface KeyfileFact {
  glob: string;
  group: string;
  key: string;
  /** The files the glob matched, in the order they are merged. */
  files: string[];
  set: boolean;
  value?: string;
  valueFile?: string;
  valueLine?: number;
}

const FIELDS = ["glob", "group", "key", "files", "set", "value", "valueFile", "valueLine"] as const;

export default defineProbe({
  id: "keyfile",
  summary: "A [group] key of GLib key files (dconf system databases, GDM's custom.conf): set or not, its value and where (later files override earlier ones)",
  params: lazySchema((z) => z.strictObject({ glob: absolutePath(z), group: z.string().min(1), key: z.string().min(1) })),
  fields: FIELDS,
  /** The files it read, and the directories their glob listed. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx, p): Promise<Fact<KeyfileFact>> {
    const value: KeyfileFact = { glob: p.glob, group: p.group, key: p.key, files: [], set: false };
    const evidence: Evidence[] = [];
    const all = (why: string) => Object.fromEntries(["files", "set", "value", "valueFile", "valueLine"].map((f) => [f, why]));
    let paths: string[];
    try {
      paths = await ctx.host.glob(p.glob);
    } catch (e) {
      return { value, evidence: [{ detail: `${p.glob}: ${describeError(e)}` }], unknown: all(`${p.glob}: ${describeError(e)}`) };
    }
    const unreadable: string[] = [];
    for (const f of [...paths].sort()) {
      const st = await ctx.host.stat(f).catch(() => null);
      if (st?.isDirectory()) continue; // locks/ next to the keyfiles
      const r = await readText(ctx, f);
      if ("unobserved" in r) {
        unreadable.push(r.unobserved);
        continue;
      }
      if ("missing" in r) continue;
      value.files.push(f);
      const parsed = parseKeyfile(r.text);
      pushAll(evidence, parsed.problems.slice(0, 3).map((q) => ({ file: f, line: q.line, detail: `unparsed line: ${q.message}` })));
      for (const e of parsed.entries) {
        if (e.group !== p.group || e.key !== p.key) continue;
        value.set = true;
        value.value = e.value;
        value.valueFile = f;
        value.valueLine = e.line;
      }
    }
    if (value.set) evidence.unshift({ file: value.valueFile as string, line: value.valueLine as number, key: `${p.group}/${p.key}` });
    else evidence.unshift({ file: p.glob, key: `${p.group}/${p.key}`, detail: value.files.length === 0 ? `no file matches ${p.glob}` : `not set in ${value.files.join(", ")}` });
    if (unreadable.length > 0) return { value, evidence, unknown: all(cannotRead(unreadable)) };
    return { value, evidence };
  },
});
