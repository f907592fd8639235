/**
 * bootloader: what GRUB boots with and who may change it — the kernel entries of grub.cfg
 * (Debian, Ubuntu: /boot/grub/grub.cfg) or of the Boot Loader Specification entries GRUB
 * reads on RHEL (/boot/loader/entries/*.conf, `$kernelopts` from grubenv), each with its
 * arguments; whether a superuser and a password are set (grub.cfg, RHEL's user.cfg) — never
 * the hash; and /etc/default/grub's GRUB_CMDLINE_LINUX(_DEFAULT) that new entries get.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { parseBlsEntry, parseDefaultGrub, parseGrubCfg, parseGrubenv, splitArgs } from "./parse/grub.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead } from "./kit/read.js";

export { parseBlsEntry, parseDefaultGrub, parseGrubCfg } from "./parse/grub.js";

export const GRUB_CFGS = ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"] as const;
const BLS_DIR = "/boot/loader/entries";
const DEFAULT_GRUB = "/etc/default/grub";

export interface BootEntry {
  kernel: string;
  args: string[];
  file: string;
  line: number;
  /** The `key=value` arguments by key (`audit_backlog_limit` → "8192"); the last one wins, as the kernel reads them. */
  params?: Record<string, string>;
}

/** `["ro", "audit=1", "audit_backlog_limit=8192"]` → `{ audit: "1", audit_backlog_limit: "8192" }`. */
export function kernelParams(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const i = a.indexOf("=");
    // "__proto__=…" on a kernel line is data, never this object's prototype.
    if (i > 0 && a.slice(0, i) !== "__proto__") out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

export interface BootloaderFact {
  /** A GRUB configuration was found. */
  found: boolean;
  configFile?: string;
  entries: BootEntry[];
  entryCount: number;
  /** `set superusers=` in grub.cfg. */
  superusers: boolean;
  /** A password line in grub.cfg, or GRUB2_PASSWORD in user.cfg next to it. */
  password: boolean;
  /** GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT of /etc/default/grub. */
  defaultArgs?: string[];
}

type Read = { text: string } | { missing: true };

async function read(ctx: ProbeContext, p: string, errors: string[]): Promise<Read> {
  try {
    const text = await ctx.host.readFileIfExists(p);
    return text === null ? { missing: true } : { text };
  } catch (e) {
    errors.push(`${p}: ${describeError(e)}`);
    return { missing: true };
  }
}

export default defineProbe({
  id: "bootloader",
  summary: "GRUB's kernel entries and their arguments (grub.cfg, BLS entries), its superuser and password (never the hash), /etc/default/grub",
  params: lazySchema((z) => z.strictObject({})),
  fields: ["found", "configFile", "entries", "entryCount", "superusers", "password", "defaultArgs"],
  /** The GRUB configuration files it read. */
  watch(_p, seen) {
    return readsAnd(seen.reads, {});
  },
  async collect(ctx): Promise<Fact<BootloaderFact>> {
    const errors: string[] = [];
    const value: BootloaderFact = { found: false, entries: [], entryCount: 0, superusers: false, password: false };
    const evidence: Evidence[] = [];
    for (const cfg of GRUB_CFGS) {
      const r = await read(ctx, cfg, errors);
      if (!("text" in r)) continue;
      value.found = true;
      value.configFile = cfg;
      const g = parseGrubCfg(r.text);
      for (const e of g.entries) value.entries.push({ ...e, file: cfg });
      value.superusers = g.superusers.some((s) => s.users.trim() !== "");
      // RHEL's `password_pbkdf2 root ${GRUB2_PASSWORD}` counts only with user.cfg's GRUB2_PASSWORD (below).
      value.password = g.passwords.some((p) => !p.fromUserCfg);
      for (const s of g.superusers) evidence.push({ file: cfg, line: s.line, key: "superusers" });
      for (const p of g.passwords) evidence.push({ file: cfg, line: p.line, key: `password ${p.user}` });
      const dir = cfg.slice(0, cfg.lastIndexOf("/"));
      const user = await read(ctx, `${dir}/user.cfg`, errors);
      if ("text" in user && /^\s*GRUB2_PASSWORD=\S/m.test(user.text)) {
        value.password = true;
        evidence.push({ file: `${dir}/user.cfg`, key: "GRUB2_PASSWORD" });
      }
      // RHEL: `blscfg` loads /boot/loader/entries; `$kernelopts` comes from grubenv.
      if (/^\s*blscfg\b/m.test(r.text) || g.entries.length === 0) {
        let names: string[] | null = null;
        try {
          names = await ctx.host.readdir(BLS_DIR);
        } catch (e) {
          if (!isMissing(e)) errors.push(`${BLS_DIR}: ${describeError(e)}`);
        }
        const env = await read(ctx, `${dir}/grubenv`, errors);
        const kernelopts = "text" in env ? splitArgs(parseGrubenv(env.text).kernelopts ?? "") : [];
        for (const n of (names ?? []).filter((x) => x.endsWith(".conf")).sort()) {
          const f = `${BLS_DIR}/${n}`;
          const e = await read(ctx, f, errors);
          if (!("text" in e)) continue;
          const bls = parseBlsEntry(e.text);
          const args = bls.options.flatMap((a) => (a === "$kernelopts" ? kernelopts : [a]));
          value.entries.push({ kernel: bls.kernel ?? "", args, file: f, line: bls.line });
        }
      }
      break;
    }
    const def = await read(ctx, DEFAULT_GRUB, errors);
    if ("text" in def) {
      const d = parseDefaultGrub(def.text);
      value.defaultArgs = d.args;
      for (const line of d.lines) evidence.push({ file: DEFAULT_GRUB, line, key: "GRUB_CMDLINE_LINUX" });
    }
    value.entryCount = value.entries.length;
    for (const e of value.entries) e.params = kernelParams(e.args);
    for (const e of value.entries) evidence.push({ file: e.file, line: e.line, detail: `${e.kernel} ${e.args.join(" ")}`.trim() });
    if (!value.found) evidence.unshift({ file: GRUB_CFGS[0], detail: `no GRUB configuration (${GRUB_CFGS.join(", ")})` });
    if (errors.length > 0) {
      const why = cannotRead(errors);
      return { value, evidence, unknown: Object.fromEntries(["found", "configFile", "entries", "entryCount", "superusers", "password", "defaultArgs"].map((f) => [f, why])) };
    }
    return { value, evidence };
  },
});
