/**
 * bootloader: what GRUB boots with and who may change it — the kernel entries of grub.cfg
 * (Debian, Ubuntu: /boot/grub/grub.cfg) or of the Boot Loader Specification entries GRUB
 * reads on RHEL (/boot/loader/entries/*.conf, `$kernelopts` from grubenv), each with its
 * arguments; whether a superuser and a password are set (grub.cfg, RHEL's user.cfg) — never
 * the hash; and /etc/default/grub's GRUB_CMDLINE_LINUX(_DEFAULT) that new entries get.
 *
 * BLS (grubby) systems: the entries' `options` lines are what `grubby --info=ALL` lists and
 * what CIS RHEL 9 audits. They are read when grub.cfg loads them (`blscfg`), and also when no
 * grub.cfg is found but /etc/default/grub says GRUB_ENABLE_BLSCFG=true (grub.cfg elsewhere, on
 * the EFI partition, or not generated yet). /etc/kernel/cmdline, where present, is what
 * kernel-install gives the entry of a kernel installed later: it is judged as one more entry
 * (kernel "(kernels installed later)"), so an argument missing there, missing on the next
 * kernel, is not a pass.
 */
import { pushAll } from "../util/array.js";
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { parseBlsEntry, parseDefaultGrub, parseGrubCfg, parseGrubenv, splitArgs } from "./parse/grub.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";
import { readsAnd } from "./kit/watch.js";
import { cannotRead } from "./kit/read.js";

export { parseBlsEntry, parseDefaultGrub, parseGrubCfg } from "./parse/grub.js";

export const GRUB_CFGS = ["/boot/grub/grub.cfg", "/boot/grub2/grub.cfg"] as const;
export const BLS_DIR = "/boot/loader/entries";
const DEFAULT_GRUB = "/etc/default/grub";
/** kernel-install's command line for the entries of kernels installed later (BLS systems). */
export const KERNEL_CMDLINE = "/etc/kernel/cmdline";
export const LATER_KERNELS = "(kernels installed later)";
/** GRUB_ENABLE_BLSCFG=true in /etc/default/grub (RHEL 8 and later). */
const BLSCFG_ON = /^\s*GRUB_ENABLE_BLSCFG=(["']?)true\1\s*$/m;

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

/**
 * The BLS entries (`options` with `$kernelopts` from DIR/grubenv) and, where present,
 * /etc/kernel/cmdline as the entry of kernels installed later.
 */
async function blsEntries(ctx: ProbeContext, dir: string, errors: string[]): Promise<BootEntry[]> {
  const out: BootEntry[] = [];
  let names: string[] | null = null;
  try {
    names = await ctx.host.readdir(BLS_DIR);
  } catch (e) {
    if (!isMissing(e)) errors.push(`${BLS_DIR}: ${describeError(e)}`);
  }
  const confs = (names ?? []).filter((x) => x.endsWith(".conf")).sort();
  if (confs.length === 0) return out;
  const env = await read(ctx, `${dir}/grubenv`, errors);
  const kernelopts = "text" in env ? splitArgs(parseGrubenv(env.text).kernelopts ?? "") : [];
  for (const n of confs) {
    const f = `${BLS_DIR}/${n}`;
    const e = await read(ctx, f, errors);
    if (!("text" in e)) continue;
    const bls = parseBlsEntry(e.text);
    const args = bls.options.flatMap((a) => (a === "$kernelopts" ? kernelopts : [a]));
    out.push({ kernel: bls.kernel ?? "", args, file: f, line: bls.line });
  }
  const cmdline = await read(ctx, KERNEL_CMDLINE, errors);
  if ("text" in cmdline) {
    const first = cmdline.text.split("\n").findIndex((l) => l.trim() !== "");
    out.push({ kernel: LATER_KERNELS, args: splitArgs(cmdline.text.replace(/\n/g, " ")), file: KERNEL_CMDLINE, line: first < 0 ? 1 : first + 1 });
  }
  return out;
}

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
      if (/^\s*blscfg\b/m.test(r.text) || g.entries.length === 0) pushAll(value.entries, await blsEntries(ctx, dir, errors));
      break;
    }
    const def = await read(ctx, DEFAULT_GRUB, errors);
    // No grub.cfg, but GRUB boots the BLS entries (GRUB_ENABLE_BLSCFG=true): judge them, as grubby lists them.
    if (!value.found && "text" in def && BLSCFG_ON.test(def.text)) {
      const bls = await blsEntries(ctx, "/boot/grub2", errors);
      if (bls.length > 0) {
        value.found = true;
        value.configFile = BLS_DIR;
        pushAll(value.entries, bls);
        evidence.push({ file: DEFAULT_GRUB, key: "GRUB_ENABLE_BLSCFG", detail: `GRUB_ENABLE_BLSCFG=true and no ${GRUB_CFGS.join(" or ")}: the boot loader entries in ${BLS_DIR} are judged` });
      }
    }
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
    // Found through GRUB_ENABLE_BLSCFG alone: the superuser and password live in a grub.cfg not read here.
    if (value.configFile === BLS_DIR) {
      const why = `no ${GRUB_CFGS.join(" or ")} under this root: GRUB's superuser and password are set there (and in user.cfg), not in the boot loader entries`;
      return { value, evidence, unknown: { superusers: why, password: why } };
    }
    return { value, evidence };
  },
});
