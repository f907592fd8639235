/**
 * sysctl: a kernel parameter's runtime value (/proc/sys) and the value the boot-time
 * configuration persists (sysctl.d files + /etc/sysctl.conf), each with its source.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { runningSystem } from "./kit/shared.js";
import { persistedSysctl } from "./kit/sysctl-persisted.js";
import { normaliseSysctlValue, persistedFor, sysctlKeyToPath, sysctlPathToKey } from "./parse/sysctl.js";
import { defineProbe, type Evidence, type Fact } from "./types.js";
import { procReadsMatching, readsAnd } from "./kit/watch.js";

export { MAX_SYSCTL_FILES, SYSCTL_CONF, SYSCTL_DIRS } from "./kit/sysctl-persisted.js";

export interface SysctlFactValue {
  key: string;
  runtime?: string;
  persisted?: string;
  persistedFile?: string;
  persistedLine?: number;
  /** runtime when known, else persisted. */
  value?: string;
}

const params = lazySchema((z) => z.strictObject({
  key: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.:@+/-]+$/, "a sysctl key is letters, digits and . / _ - : @ +")
    .refine((k) => sysctlKeyToPath(k).split("/").every((c) => c !== "" && c !== "." && c !== ".."), "empty or relative component in sysctl key"),
}));

export default defineProbe({
  id: "sysctl",
  summary: "A kernel parameter's runtime value (/proc/sys) and its persisted value (sysctl.d, sysctl.conf)",
  params,
  fields: ["key", "runtime", "persisted", "persistedFile", "persistedLine", "value"],
  /** sysctl.d and sysctl.conf by their directories; the running value is polled (/proc/sys raises no events). */
  watch(_p, seen) {
    const running = procReadsMatching(seen.reads, /^sys\/./);
    return readsAnd(seen.reads, { poll: running.length > 0 ? [{ kind: "proc", paths: running }] : [] });
  },
  async collect(ctx, p): Promise<Fact<SysctlFactValue>> {
    const keyPath = sysctlKeyToPath(p.key);
    const key = sysctlPathToKey(keyPath);
    const procFile = `/proc/sys/${keyPath}`;
    const value: SysctlFactValue = { key };
    const evidence: Evidence[] = [];
    const unknown: Record<string, string> = {};
    const notApplicable: Record<string, string> = {};

    try {
      const text = await ctx.host.procReadIfExists(`sys/${keyPath}`);
      if (text === null) {
        // Absent from a readable /proc/sys: the running kernel has no such key (e.g. IPv6
        // disabled). No procfs at all: an offline root, where nothing runs. Neither is hidden.
        if (!(await runningSystem(ctx)).running) {
          notApplicable.runtime = `no procfs at ${ctx.host.proc}: the running value cannot be read from an offline root`;
        } else if (await ctx.host.procExists("sys")) {
          notApplicable.runtime = `no ${procFile} on this host (key not in this kernel)`;
        } else {
          // A running system always has /proc/sys: without it the value is hidden, not absent.
          unknown.runtime = `no /proc/sys in the procfs at ${ctx.host.proc}: the running value cannot be read`;
        }
      }
      else {
        value.runtime = normaliseSysctlValue(text);
        evidence.push({ file: procFile, key });
      }
    } catch (e) {
      unknown.runtime = `cannot read ${procFile}: ${describeError(e)}`;
    }

    const persisted = await persistedSysctl(ctx);
    if (persisted.unreadable.length > 0) {
      unknown.persisted = `cannot read sysctl configuration: ${persisted.unreadable.join("; ")}`;
    } else {
      const win = persistedFor(persisted.entries, keyPath);
      if (win) {
        value.persisted = win.value;
        value.persistedFile = win.file;
        value.persistedLine = win.line;
        evidence.push({ file: win.file, line: win.line, key: win.key });
      }
    }
    if (unknown.persisted) {
      unknown.persistedFile = unknown.persisted;
      unknown.persistedLine = unknown.persisted;
    }

    if (value.runtime !== undefined) value.value = value.runtime;
    else if (unknown.runtime) unknown.value = unknown.persisted ? `${unknown.runtime}; ${unknown.persisted}` : unknown.runtime;
    else if (value.persisted !== undefined) value.value = value.persisted;
    else if (unknown.persisted) unknown.value = `${notApplicable.runtime ?? "no running value"}; ${unknown.persisted}`;
    else if (notApplicable.runtime) notApplicable.value = `${notApplicable.runtime}, and no persisted setting`;

    return {
      value,
      evidence,
      ...(Object.keys(unknown).length > 0 ? { unknown } : {}),
      ...(Object.keys(notApplicable).length > 0 ? { notApplicable } : {}),
    };
  },
});
