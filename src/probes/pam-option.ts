/**
 * pam-option: one option of a PAM module where the module takes it from — its
 * configuration file (pwquality.conf and pwquality.conf.d/*.conf, faillock.conf,
 * pwhistory.conf; the last setting wins, a bare word is a flag) and the arguments of its
 * lines in the given PAM services (an argument overrides the file for that line). pam_tally2
 * and pam_cracklib (Linux-PAM < 1.5) have no configuration file: their arguments only.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { pushAll } from "../util/array.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { pamStack } from "./kit/pam-stack.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead } from "./kit/read.js";

const MODULES = {
  "pam_pwquality.so": { conf: "/etc/security/pwquality.conf", dropins: "/etc/security/pwquality.conf.d" },
  "pam_faillock.so": { conf: "/etc/security/faillock.conf" },
  "pam_pwhistory.so": { conf: "/etc/security/pwhistory.conf" },
  /** Linux-PAM < 1.5 (RHEL 7, Ubuntu 20.04): their options are their arguments only. */
  "pam_tally2.so": {},
  "pam_cracklib.so": {},
} as const satisfies Record<string, { conf?: string; dropins?: string }>;

type Module = keyof typeof MODULES;

const params = lazySchema((z) => z.strictObject({
  module: z.enum(Object.keys(MODULES) as [Module, ...Module[]]),
  option: z.string().min(1).regex(/^[a-z_]+$/, "an option name (minlen, deny, enforce_for_root, …)"),
  /** PAM services whose lines of this module are read for arguments. */
  services: z.array(z.string().min(1).regex(/^[A-Za-z0-9._-]+$/)).min(1),
}));

export interface PamOptionArg {
  /** The argument's value; "" for a bare flag. */
  value: string;
  service: string;
  file: string;
  line: number;
}

export interface PamOptionFact {
  module: string;
  option: string;
  /** The value the configuration file(s) give ("" for a bare flag); absent when not set there. */
  conf?: string;
  confFile?: string;
  confLine?: number;
  /** The option on the module's PAM lines. */
  args: PamOptionArg[];
  /** Set in a configuration file or on a PAM line. */
  set: boolean;
  /** The module appears in the services' stacks. */
  inStack: boolean;
}

/** `key = value` or a bare `key` per line, `#` comments (libpwquality/pam_faillock/pam_pwhistory syntax). */
export function parseModuleConf(text: string): { key: string; value: string; line: number }[] {
  const out: { key: string; value: string; line: number }[] = [];
  text.split("\n").forEach((raw, i) => {
    const hash = raw.indexOf("#");
    const s = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (s === "") return;
    const eq = s.indexOf("=");
    if (eq === -1) {
      if (/^\S+$/.test(s)) out.push({ key: s, value: "", line: i + 1 });
      return;
    }
    const key = s.slice(0, eq).trim();
    if (key !== "" && !/\s/.test(key)) out.push({ key, value: s.slice(eq + 1).trim(), line: i + 1 });
  });
  return out;
}

async function confFiles(ctx: ProbeContext, m: Module): Promise<{ files: string[]; errors: string[] }> {
  const spec: { conf?: string; dropins?: string } = MODULES[m];
  const files = spec.conf === undefined ? [] : [spec.conf];
  const errors: string[] = [];
  if (spec.dropins) {
    try {
      const names = (await ctx.host.readdir(spec.dropins)) ?? [];
      pushAll(files, names.filter((n) => n.endsWith(".conf")).sort().map((n) => `${spec.dropins}/${n}`));
    } catch (e) {
      if (!isMissing(e)) errors.push(`${spec.dropins}: ${describeError(e)}`);
    }
  }
  return { files, errors };
}

export default defineProbe({
  id: "pam-option",
  summary: "A PAM module's option (pwquality minlen, faillock deny, …) from its configuration file and its arguments in PAM stacks",
  params,
  fields: ["module", "option", "conf", "confFile", "confLine", "args", "set", "inStack"],
  /** The PAM stack files it followed and the module's own configuration files. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx, p): Promise<Fact<PamOptionFact>> {
    const value: PamOptionFact = { module: p.module, option: p.option, args: [], set: false, inStack: false };
    const evidence: Evidence[] = [];
    const { files, errors } = await confFiles(ctx, p.module);
    for (const f of files) {
      try {
        const text = await ctx.host.readFileIfExists(f);
        if (text === null) continue;
        for (const e of parseModuleConf(text)) {
          if (e.key !== p.option) continue;
          value.conf = e.value;
          value.confFile = f;
          value.confLine = e.line;
        }
      } catch (e) {
        errors.push(`${f}: ${describeError(e)}`);
      }
    }
    if (value.confFile) evidence.push({ file: value.confFile, line: value.confLine as number, key: p.option });
    /** The module's first line: where an option it lacks would go. */
    let firstLine: { file: string; line: number } | undefined;
    for (const service of p.services) {
      const stack = await pamStack(ctx, service);
      pushAll(errors, stack.unreadable);
      for (const e of stack.entries.filter((x) => x.module === p.module)) {
        value.inStack = true;
        firstLine ??= { file: e.file, line: e.line };
        const arg = Object.hasOwn(e.options, p.option) ? e.options[p.option] : e.flags.includes(p.option) ? "" : undefined;
        if (arg === undefined) continue;
        value.args.push({ value: arg, service, file: e.file, line: e.line });
        evidence.push({ file: e.file, line: e.line, key: `${p.module} ${p.option}` });
      }
    }
    value.set = value.conf !== undefined || value.args.length > 0;
    if (evidence.length === 0) {
      const lines = `on ${p.module}'s lines in ${p.services.join(", ")}`;
      evidence.push(files.length > 0
        ? { file: files[0] as string, detail: `${p.option} is not set in ${files.join(", ")} nor ${lines}` }
        : { ...(firstLine ?? { file: `/etc/pam.d/${p.services[0] as string}` }), detail: `${p.option} is not set ${lines} (${p.module} has no configuration file)` });
    }
    if (errors.length > 0) {
      const why = cannotRead(errors);
      return { value, evidence, unknown: { conf: why, confFile: why, confLine: why, args: why, set: why, inStack: why } };
    }
    return { value, evidence };
  },
});
