/**
 * firewall: the host firewall, for CIS section 4.
 *
 * Without `backend`: which firewall utilities the root has and uses — installed (dpkg or
 * rpm, the package probe's shared reads), service enabled (unit files and enablement
 * links), active (the scanned system's systemd, on a running system) — and so whether a
 * single utility is in use.
 *
 * With `backend` (nftables, iptables, ip6tables, ufw): the ruleset, summarised as the CIS
 * items judge it — base chains and their default policies, loopback traffic, established
 * connections, the ports accepted on input and the listening ports no rule accepts. The
 * judged ruleset is the live one on a running system (`nft list ruleset`, `iptables-save`,
 * read-only, through the command runner) and the persisted one on an offline root
 * (/etc/nftables.conf and its includes, /etc/iptables/rules.v4|v6 or /etc/sysconfig/*,
 * ufw's /etc/ufw/*.rules with /etc/default/ufw's policies). A live ruleset that cannot be
 * read (command missing, EPERM, a mounted host whose network namespace is not ours) is
 * unknown with the reason, never judged from the files instead. What boot loads is always
 * reported too (`persisted`, `persistedHooks`). Not root on the live host, the rulesets are
 * read from the snapshots nodeward-firewall-snapshot.service writes as root (SNAPSHOT_DIR, with their age; stale is
 * unknown). firewalld (`backend: firewalld`) is judged by its zones and its direct rules. `ipv6Enabled` says
 * whether CIS's IPv6 items apply; the ::1 rule is not applicable where IPv6 is disabled.
 */
import { pushAll } from "../util/array.js";
import type { Stats } from "node:fs";
import path from "node:path";
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { initProcPath } from "../host/running-system.js";
import { findExecutable, unavailable } from "./kit/executable.js";
import { includeReader } from "./kit/include-reader.js";
import { ipv6Status } from "./kit/ipv6-status.js";
import { cannotRead, readText } from "./kit/read.js";
import { runningSystem } from "./kit/shared.js";
import { procReadsMatching, readsAnd } from "./kit/watch.js";
import { DPKG_INSTALLED_STATES, dpkgStatus } from "./package-dpkg.js";
import { rpmDbDir, rpmPackages } from "./package-rpm.js";
import { emptyRuleset, limitedSpoofDrops, mergeRulesets, portCovered, rulesOnHook, spoofLimits, summarise, type FwRule, type Ruleset, type RulesetSummary } from "./parse/firewall-rules.js";
import {
  parseDirectPassthroughs, parseDirectRules, parseDirectXml, parseInfoIpset, parseIpsetXml, parseListAllPolicies, parseListAllZones, parsePolicyXml, parseZoneXml, policyAllowsIntoHost, richAccepts, spoofDropVerdict,
  type FirewalldDirect, type FirewalldIpset, type FirewalldPolicy, type FirewalldZone, type IpsetLookup,
} from "./parse/firewalld.js";
import { judgeDirect, type DirectJudgement, type FirewalldBackend } from "./parse/firewalld-direct.js";
import { parseIptablesSave } from "./parse/iptables.js";
import { parseEqualsKeyValue, lookupEquals } from "./parse/key-value.js";
import { NftReader, parseNft } from "./parse/nft.js";
import { isListening, parseProcNet, socketTableGap, type ProcNetProtocol } from "./parse/proc-net.js";
import { unitActiveState } from "./systemd-manager.js";
import { linksFor, lookupUnit } from "./systemd-unit-files.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";

export { parseNft } from "./parse/nft.js";
export { parseIptablesSave } from "./parse/iptables.js";

export const BACKENDS = ["nftables", "iptables", "ip6tables", "ufw", "firewalld"] as const;
export type Backend = (typeof BACKENDS)[number];

/** The utilities CIS names, with the packages and services that make each one "in use". */
export const UTILITIES = [
  { tool: "ufw", packages: ["ufw"], units: ["ufw.service"] },
  { tool: "nftables", packages: ["nftables"], units: ["nftables.service"] },
  { tool: "iptables", packages: ["iptables-persistent", "iptables-services"], units: ["netfilter-persistent.service", "iptables.service"] },
  { tool: "firewalld", packages: ["firewalld"], units: ["firewalld.service"] },
] as const;

export const NFTABLES_CONF = ["/etc/nftables.conf", "/etc/sysconfig/nftables.conf"];
export const IPTABLES_FILES = { iptables: ["/etc/iptables/rules.v4", "/etc/sysconfig/iptables"], ip6tables: ["/etc/iptables/rules.v6", "/etc/sysconfig/ip6tables"] } as const;
export const UFW_CONF = "/etc/ufw/ufw.conf";
export const FIREWALLD_CONF = "/etc/firewalld/firewalld.conf";
/** The direct interface's rules and passthroughs (firewalld.direct(5)); only in /etc. */
export const FIREWALLD_DIRECT = "/etc/firewalld/direct.xml";
/** Zone files: /etc/firewalld/zones/NAME.xml replaces the shipped /usr/lib/firewalld/zones/NAME.xml whole. */
export const FIREWALLD_ZONE_DIRS = ["/usr/lib/firewalld/zones", "/etc/firewalld/zones"] as const;
/** Policy files (firewalld >= 0.9), the /etc one replacing the shipped one of the same name. */
export const FIREWALLD_POLICY_DIRS = ["/usr/lib/firewalld/policies", "/etc/firewalld/policies"] as const;
/** ipset files, the /etc one replacing the shipped one of the same name (firewalld.ipset(5)). */
export const FIREWALLD_IPSET_DIRS = ["/usr/lib/firewalld/ipsets", "/etc/firewalld/ipsets"] as const;
/** ipsets read per scan (live: one firewall-cmd each); more named than this are unknown. */
const MAX_IPSETS = 32;
/** An ipset's name as firewalld accepts it (also a file name: no path in it). */
const IPSET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
export const UFW_DEFAULTS = "/etc/default/ufw";
const UFW_RULES = { ip: ["before.rules", "user.rules", "after.rules"], ip6: ["before6.rules", "user6.rules", "after6.rules"] } as const;
/** The chains ufw hooks into INPUT / OUTPUT when it starts (ufw6-* for IPv6): the files alone do not say so. */
const UFW_CHAINS = {
  input: ["ufw-before-input", "ufw-user-input", "ufw-after-input", "ufw6-before-input", "ufw6-user-input", "ufw6-after-input"],
  output: ["ufw-before-output", "ufw-user-output", "ufw-after-output", "ufw6-before-output", "ufw6-user-output", "ufw6-after-output"],
};
const MAX_NFT_FILES = 128;

const INVENTORY_FIELDS = ["installed", "enabled", "active", "inUse", "inUseCount", "utility", "judged"] as const;
const RULESET_FIELDS = [
  "tables", "tableCount", "inputPolicy", "forwardPolicy", "outputPolicy", "defaultDeny", "baseChains", "hooks", "loopbackAccept", "loopbackOutAccept",
  "loopbackSpoofDrop", "loopbackSpoofDrop6", "establishedRules", "acceptedPorts", "ruleCount",
] as const;
const PERSISTED_FIELDS = ["files", "persisted", "persistedHooks", "ufwEnabled"] as const;
const FIREWALLD_FIELDS = ["defaultZone", "activeZones", "zonesAllow", "loopbackTrusted", "loopbackSpoofDrop", "loopbackSpoofDrop6"] as const;

export interface FirewallFact extends Partial<RulesetSummary> {
  backend?: Backend;
  /** Which ruleset the rule fields describe: the live one (running system) or the persisted one (offline root). */
  view?: "live" | "persisted";
  /** Persisted ruleset files read. */
  files?: string[];
  /** A persisted ruleset exists (boot loads it). */
  persisted?: boolean;
  /** Hooks with a filter base chain in the persisted ruleset. */
  persistedHooks?: string[];
  /** ufw: ENABLED=yes in /etc/ufw/ufw.conf. */
  ufwEnabled?: boolean;
  /** firewalld: the default zone (firewalld.conf DefaultZone, public when unset; firewall-cmd live). */
  defaultZone?: string;
  /** firewalld: the zones that filter traffic — the default zone and those with an interface or source. */
  activeZones?: string[];
  /** firewalld: per active zone, the services and ports it lets in ("public: services ssh cockpit; ports 8080/tcp"). */
  zonesAllow?: string[];
  /** firewalld: the lo interface is in the trusted zone. */
  loopbackTrusted?: boolean;
  /** IPv6 is enabled (kernel command line, disable_ipv6 sysctls; boot configuration offline). */
  ipv6Enabled?: boolean;
  /** Listening ports (not on loopback) that no input rule accepts: `8080/tcp`. */
  portsWithoutRule?: string[];
  installed?: string[];
  enabled?: string[];
  active?: string[];
  inUse?: string[];
  inUseCount?: number;
  /** The single utility in use, `none`, or `several`. */
  utility?: string;
  /**
   * The utilities whose CIS section judges this host: those in use, or — none in use — the
   * one the site prefers (`prefer`, the pack's var), so the benchmark still asks for a firewall.
   */
  judged?: string[];
}

type Gaps = { unknown: Record<string, string>; notApplicable: Record<string, string> };

// --- inventory ----------------------------------------------------------------------------

async function installedPackages(ctx: ProbeContext, names: readonly string[]): Promise<{ installed: Set<string>; evidence: Evidence } | { unknown: string }> {
  try {
    const dpkg = await dpkgStatus(ctx);
    if (dpkg) {
      const open = dpkg.unseen ?? names.map((n) => dpkg.unsure.get(n)).find((w) => w !== undefined);
      if (open !== undefined) return { unknown: `/var/lib/dpkg/status: ${open}` };
      const installed = new Set(names.filter((n) => DPKG_INSTALLED_STATES.has(dpkg.packages.get(n)?.state ?? "")));
      return { installed, evidence: { file: "/var/lib/dpkg/status", detail: `installed: ${[...installed].join(", ") || "none of them"}` } };
    }
    const dir = await rpmDbDir(ctx);
    if (dir) {
      const db = await rpmPackages(ctx);
      if (!db.ok) return { unknown: db.reason };
      const installed = new Set(names.filter((n) => db.query.packages.has(n)));
      return { installed, evidence: { file: db.file, detail: `installed: ${[...installed].join(", ") || "none of them"}` } };
    }
    return { unknown: `no dpkg or rpm database under ${ctx.host.root}` };
  } catch (e) {
    return { unknown: `the package database cannot be read: ${describeError(e)}` };
  }
}

async function unitEnabled(ctx: ProbeContext, unit: string): Promise<boolean | { unknown: string }> {
  try {
    const lookup = await lookupUnit(ctx, unit);
    if (lookup.unobserved.length > 0) {
      const first = lookup.unobserved[0] as { file: string; message: string };
      return { unknown: `${first.file}: ${first.message}` };
    }
    if (!lookup.unit || lookup.unit.masked) return false;
    const links = await linksFor(ctx, unit);
    return links.some((l) => l.dir.kind !== "vendor" && l.dir.kind !== "control");
  } catch (e) {
    return { unknown: `${unit}: ${describeError(e)}` };
  }
}

async function inventory(ctx: ProbeContext, prefer: string | undefined): Promise<Fact<FirewallFact>> {
  const gaps: Gaps = { unknown: {}, notApplicable: {} };
  const evidence: Evidence[] = [];
  const pk = await installedPackages(ctx, UTILITIES.flatMap((u) => u.packages));
  const installed: string[] = [];
  const enabled: string[] = [];
  const active: string[] = [];
  if ("unknown" in pk) gaps.unknown.installed = pk.unknown;
  else {
    evidence.push(pk.evidence);
    for (const u of UTILITIES) if (u.packages.some((p) => pk.installed.has(p))) installed.push(u.tool);
  }
  let activeNa: string | undefined;
  for (const u of UTILITIES) {
    for (const unit of u.units) {
      const en = await unitEnabled(ctx, unit);
      if (typeof en !== "boolean") gaps.unknown.enabled ??= en.unknown;
      else if (en && !enabled.includes(u.tool)) {
        enabled.push(u.tool);
        evidence.push({ unit, detail: "enabled" });
      }
      const a = await unitActiveState(ctx, unit);
      if ("notApplicable" in a) activeNa = a.notApplicable;
      else if ("unknown" in a) gaps.unknown.active ??= a.unknown;
      else if (a.active === "active" && !active.includes(u.tool)) {
        active.push(u.tool);
        evidence.push(a.evidence);
      }
    }
  }
  if (activeNa !== undefined) gaps.notApplicable.active = activeNa;
  // In use: installed, its service enabled and (on a running system) active — CIS's own test.
  const inUse = installed.filter((t) => enabled.includes(t) && (activeNa !== undefined || active.includes(t)));
  const value: FirewallFact = {
    ...("unknown" in pk ? {} : { installed }),
    ...(gaps.unknown.enabled ? {} : { enabled }),
    ...(activeNa !== undefined || gaps.unknown.active ? {} : { active }),
  };
  const open = gaps.unknown.installed ?? gaps.unknown.enabled ?? gaps.unknown.active;
  if (open !== undefined) {
    for (const f of ["inUse", "inUseCount", "utility", "judged"]) gaps.unknown[f] = open;
  } else {
    value.inUse = inUse;
    value.inUseCount = inUse.length;
    value.utility = inUse.length === 1 ? (inUse[0] as string) : inUse.length === 0 ? "none" : "several";
    value.judged = inUse.length > 0 ? inUse : prefer !== undefined ? [prefer] : [];
    evidence.push({ detail: `in use (installed, enabled${activeNa !== undefined ? "" : ", active"}): ${inUse.join(", ") || "none"}` });
  }
  return withGaps({ value, evidence }, gaps);
}

// --- persisted rulesets -------------------------------------------------------------------

interface Persisted {
  rs: Ruleset;
  files: string[];
  exists: boolean;
  unreadable: string[];
  evidence: Evidence[];
  ufwEnabled?: boolean;
  extra?: { input?: readonly string[]; output?: readonly string[] };
}

async function persistedNft(ctx: ProbeContext): Promise<Persisted> {
  const out: Persisted = { rs: emptyRuleset(), files: [], exists: false, unreadable: [], evidence: [] };
  const expand = async (pattern: string): Promise<string[]> => {
    if (!/[*?[]/.test(pattern)) return [pattern];
    try {
      return (await ctx.host.glob(pattern)).sort();
    } catch (e) {
      reader.unreadable.push(`${pattern}: ${describeError(e)}`);
      return [];
    }
  };
  // One reader for the whole include walk, as `nft -f` reads it: each include read where it
  // stands, so its defines and sets are seen after it, and one inside a table block adds to it.
  const nft = new NftReader();
  const reader = includeReader(ctx, MAX_NFT_FILES, async (file, text) => {
    out.files.push(file);
    for (const inc of nft.parse(text, file)) {
      const target = inc.path.startsWith("/") ? inc.path : path.posix.join(path.posix.dirname(file), inc.path);
      for (const f of await expand(target)) await reader.read(f);
    }
  });
  for (const conf of NFTABLES_CONF) {
    const before = out.files.length;
    await reader.read(conf);
    if (out.files.length > before) out.exists = true;
  }
  out.rs = { tables: nft.rs.tables, chains: nft.rs.chains, rules: nft.rs.rules, problems: [] };
  for (const file of out.files) reader.noteProblems(file, nft.rs.problems.filter((p) => p.file === file));
  pushAll(out.unreadable, reader.unreadable);
  pushAll(out.evidence, out.files.length > 0 ? out.files.map((file): Evidence => ({ file })) : [{ file: NFTABLES_CONF[0] as string, detail: "does not exist" }]);
  pushAll(out.evidence, reader.problems);
  return out;
}

async function persistedIptables(ctx: ProbeContext, backend: "iptables" | "ip6tables"): Promise<Persisted> {
  const out: Persisted = { rs: emptyRuleset(), files: [], exists: false, unreadable: [], evidence: [] };
  for (const file of IPTABLES_FILES[backend]) {
    const r = await readText(ctx, file);
    if ("unobserved" in r) out.unreadable.push(r.unobserved);
    else if ("text" in r) {
      out.files.push(file);
      out.exists = true;
      const p = parseIptablesSave(r.text, backend === "iptables" ? "ip" : "ip6", file);
      mergeRulesets(out.rs, p);
      out.evidence.push({ file, detail: `${p.rules.length} rules` });
      pushAll(out.evidence, p.problems.slice(0, 5).map((x) => ({ file, line: x.line, detail: `unparsed line: ${x.message}` })));
    }
  }
  if (!out.exists) out.evidence.push({ file: IPTABLES_FILES[backend][0], detail: "does not exist" });
  return out;
}

async function persistedUfw(ctx: ProbeContext): Promise<Persisted> {
  const out: Persisted = { rs: emptyRuleset(), files: [], exists: false, unreadable: [], evidence: [], extra: { input: UFW_CHAINS.input, output: UFW_CHAINS.output } };
  const conf = await readText(ctx, UFW_CONF);
  if ("unobserved" in conf) out.unreadable.push(conf.unobserved);
  else if ("text" in conf) {
    out.files.push(UFW_CONF);
    const e = lookupEquals(parseEqualsKeyValue(conf.text).entries, "ENABLED");
    out.ufwEnabled = e?.value.toLowerCase() === "yes";
    out.evidence.push({ file: UFW_CONF, ...(e ? { line: e.line } : {}), key: "ENABLED", detail: e ? `ENABLED=${e.value}` : "ENABLED not set" });
  } else out.evidence.push({ file: UFW_CONF, detail: "does not exist" });
  const defaults = await readText(ctx, UFW_DEFAULTS);
  const policies: Record<string, string> = {};
  if ("unobserved" in defaults) out.unreadable.push(defaults.unobserved);
  else if ("text" in defaults) {
    out.files.push(UFW_DEFAULTS);
    const entries = parseEqualsKeyValue(defaults.text).entries;
    for (const [hook, keyName] of [["input", "DEFAULT_INPUT_POLICY"], ["forward", "DEFAULT_FORWARD_POLICY"], ["output", "DEFAULT_OUTPUT_POLICY"]] as const) {
      const e = lookupEquals(entries, keyName);
      if (e) {
        policies[hook] = e.value.toLowerCase();
        out.evidence.push({ file: UFW_DEFAULTS, line: e.line, key: keyName, detail: `${keyName}=${e.value}` });
      }
    }
  }
  for (const family of ["ip", "ip6"] as const) {
    for (const name of UFW_RULES[family]) {
      const file = `/etc/ufw/${name}`;
      const r = await readText(ctx, file);
      if ("unobserved" in r) out.unreadable.push(r.unobserved);
      else if ("text" in r) {
        out.files.push(file);
        out.exists = true;
        const p = parseIptablesSave(r.text, family, file);
        mergeRulesets(out.rs, p);
        pushAll(out.evidence, p.problems.slice(0, 5).map((x) => ({ file, line: x.line, detail: `unparsed line: ${x.message}` })));
      }
    }
    // ufw sets the built-in chains' policies from /etc/default/ufw when it starts.
    for (const [hook, name] of [["input", "INPUT"], ["forward", "FORWARD"], ["output", "OUTPUT"]] as const) {
      const policy = policies[hook];
      out.rs.chains.push({ family, table: "filter", name, hook, type: "filter", ...(policy !== undefined ? { policy } : {}), file: UFW_DEFAULTS, line: 0 });
    }
  }
  return out;
}

function persistedOf(ctx: ProbeContext, backend: RulesetBackend): Promise<Persisted> {
  return ctx.once(`firewall:persisted:${backend}`, () =>
    backend === "nftables" ? persistedNft(ctx) : backend === "ufw" ? persistedUfw(ctx) : persistedIptables(ctx, backend),
  );
}

// --- live rulesets ------------------------------------------------------------------------

type Live = { rs: Ruleset; evidence: Evidence[]; command: string } | { unknown: string } | { notApplicable: string };

/**
 * kube-proxy's own table (nftables mode: `table ip kube-proxy`, `table ip6 kube-proxy`), named in
 * the evidence: its base chains count as base chains, as CIS's audit (`nft list ruleset`) counts
 * them, and its policies as any other chain's — no verdict of its own (CIS section 4 says nothing
 * of kube-proxy), but a reader sees which chains are kube-proxy's and that they accept by default.
 */
function kubeProxyEvidence(rs: Ruleset, command?: string): Evidence[] {
  return rs.tables
    .filter((t) => t.name === "kube-proxy" && (t.family === "ip" || t.family === "ip6"))
    .map((t) => {
      const base = rs.chains.filter((c) => c.family === t.family && c.table === t.name && c.hook !== undefined);
      const rules = rs.rules.filter((r) => r.family === t.family && r.table === t.name).length;
      return {
        ...(t.file !== undefined ? { file: t.file, line: t.line } : command !== undefined ? { command } : {}),
        detail: `table ${t.family} kube-proxy is kube-proxy's (nftables mode), ${rules} rules: its base chains ${base.map((c) => `${c.name} (${c.type ?? "filter"} ${c.hook as string}, policy ${c.policy ?? "accept"})`).join(", ") || "none"} are counted like the host's own`,
      };
    });
}

/** Opaque rules a packet can meet shown, never silently left out: the first five with why, then how many more. */
function opaqueEvidence(rs: Ruleset, extra: { input?: readonly string[]; output?: readonly string[] }, command?: string): Evidence[] {
  const seen = new Set<FwRule>();
  const opaque: FwRule[] = [];
  for (const hook of ["input", "forward", "output"] as const) {
    const chains = hook === "forward" ? undefined : extra[hook];
    for (const r of rulesOnHook(rs, { hook, ...(chains ? { extraChains: chains } : {}) })) {
      if (r.opaque && !seen.has(r)) {
        seen.add(r);
        opaque.push(r);
      }
    }
  }
  const out: Evidence[] = opaque.slice(0, 5).map((r) => ({
    ...(r.file !== undefined ? { file: r.file } : command !== undefined ? { command } : {}),
    line: r.line,
    detail: `not counted as an accept or a drop (${r.opaqueReason ?? "a match this model does not read"}): ${r.text.length > 200 ? `${r.text.slice(0, 200)}…` : r.text}`,
  }));
  if (opaque.length > 5) out.push({ detail: `… and ${opaque.length - 5} more rules not counted` });
  return out;
}

type RulesetBackend = Exclude<Backend, "firewalld">;

const LIVE_COMMANDS: Record<RulesetBackend, { argv: string[]; family: "ip" | "ip6" | "nft" }[]> = {
  nftables: [{ argv: ["nft", "list", "ruleset"], family: "nft" }],
  iptables: [{ argv: ["iptables-save"], family: "ip" }],
  ip6tables: [{ argv: ["ip6tables-save"], family: "ip6" }],
  ufw: [{ argv: ["iptables-save"], family: "ip" }, { argv: ["ip6tables-save"], family: "ip6" }],
};

/**
 * Where nodeward-firewall-snapshot.service (root, a oneshot run before the agent and the scan
 * unit start, and every 5 minutes by its timer while the agent runs) leaves read-only copies of
 * the live rulesets: listing them needs CAP_NET_ADMIN, which the unprivileged scans never get. Directory root:nodeward 0750, files root:nodeward 0640, one per command,
 * written whole (temporary name, then rename) and removed when the command is missing or fails.
 */
export const SNAPSHOT_DIR = "/run/nodeward/firewall";
/**
 * Where the probe looks for them (tests point it at a temporary directory), and who besides
 * root may own them (tests: their own uid; in production root only).
 */
export const snapshotSource = { dir: SNAPSHOT_DIR, ownerUid: 0 };
/** A snapshot older than this is stale: the rules may have changed since (error, not judged). */
export const SNAPSHOT_MAX_AGE_S = 15 * 60;
const SNAPSHOT_FILES: Record<string, string> = {
  "nft list ruleset": "nft-list-ruleset",
  "iptables-save": "iptables-save",
  "ip6tables-save": "ip6tables-save",
  "firewall-cmd --list-all-zones": "firewall-cmd-list-all-zones",
  "firewall-cmd --get-default-zone": "firewall-cmd-get-default-zone",
  "firewall-cmd --list-all-policies": "firewall-cmd-list-all-policies",
  "firewall-cmd --direct --get-all-rules": "firewall-cmd-direct-get-all-rules",
  "firewall-cmd --direct --get-all-passthroughs": "firewall-cmd-direct-get-all-passthroughs",
};
/** The snapshot of `firewall-cmd --info-ipset=NAME` (the unit writes one per ipset firewalld lists). */
const IPSET_SNAPSHOT_PREFIX = "firewall-cmd-info-ipset-";

/** The snapshot file's name for `argv`, if the snapshot unit writes one. */
function snapshotName(argv: readonly string[]): string | undefined {
  const fixed = SNAPSHOT_FILES[argv.join(" ")];
  if (fixed !== undefined) return fixed;
  const ipset = argv.length === 2 && argv[0] === "firewall-cmd" ? /^--info-ipset=(.*)$/s.exec(argv[1] ?? "")?.[1] : undefined;
  // Only a name firewalld accepts, which is also a file name (no "/", no leading ".").
  return ipset !== undefined && IPSET_NAME.test(ipset) ? `${IPSET_SNAPSHOT_PREFIX}${ipset}` : undefined;
}

/** Is this process unable to read netfilter itself (not root)? Overridable for tests. */
export const privilege = { unprivileged: (): boolean => (process.geteuid?.() ?? 0) !== 0 };

type Saved = { stdout: string; command: string; evidence?: Evidence } | { unknown: string };

/** The snapshot of `argv` for an unprivileged scan of the live host, if one was written. */
async function snapshot(ctx: ProbeContext, argv: string[], what: string): Promise<Saved | undefined> {
  const name = snapshotName(argv);
  if (name === undefined || !ctx.host.isLive || !privilege.unprivileged()) return undefined;
  const file = `${snapshotSource.dir}/${name}`;
  let st: Stats | null;
  try {
    st = await ctx.host.lstat(file);
  } catch (e) {
    return { unknown: `${file}: ${describeError(e)}: ${what} cannot be read` };
  }
  if (st === null) return undefined;
  const forgeable = await untrustedSnapshot(ctx, file, st);
  if (forgeable !== undefined) return { unknown: `${forgeable}: not a snapshot only root could have written, ${what} not judged from it` };
  const r = await readText(ctx, file);
  if ("unobserved" in r) return { unknown: `${r.unobserved}: ${what} cannot be read` };
  if (!("text" in r)) return undefined;
  const age = Math.max(0, Math.round((Date.now() - st.mtimeMs) / 1000));
  if (age > SNAPSHOT_MAX_AGE_S) return { unknown: `${file} is ${age} s old (over ${SNAPSHOT_MAX_AGE_S} s): ${what} may have changed since, not judged` };
  return { stdout: r.text, command: argv.join(" "), evidence: { file, detail: `snapshot of \`${argv.join(" ")}\` written as root by nodeward-firewall-snapshot.service, ${age} s old` } };
}

/**
 * Why a snapshot could have been written by someone other than root, or undefined: the file
 * must be a regular file (never a link, a FIFO), the file and every directory above it owned
 * by root and writable by no group or other user (a sticky directory above the snapshot
 * directory, like /tmp, excepted: nobody can rename what is not theirs there). A forged
 * ruleset would make the section 4 items pass; no link is followed, so none can lead out.
 */
async function untrustedSnapshot(ctx: ProbeContext, file: string, st: Stats): Promise<string | undefined> {
  const trusted = (uid: number): boolean => uid === 0 || uid === snapshotSource.ownerUid;
  const mode = (m: number): string => `mode ${(m & 0o7777).toString(8).padStart(4, "0")}`;
  if (st.isSymbolicLink()) return `${file} is a symbolic link`;
  if (!st.isFile()) return `${file} is not a regular file`;
  if (!trusted(st.uid)) return `${file} is owned by uid ${String(st.uid)}, not root`;
  if ((st.mode & 0o022) !== 0) return `${file} is writable by its group or others (${mode(st.mode)})`;
  for (let dir = path.posix.dirname(file), first = true; ; dir = path.posix.dirname(dir), first = false) {
    const d = await ctx.host.lstat(dir).catch(() => null);
    if (d === null || !d.isDirectory()) return `${dir} is not a directory (a link or missing)`;
    if (!trusted(d.uid)) return `${dir} is owned by uid ${String(d.uid)}, not root`;
    if ((d.mode & 0o022) !== 0 && (first || (d.mode & 0o1000) === 0)) return `${dir} is writable by its group or others (${mode(d.mode)})`;
    if (dir === "/") return undefined;
  }
}

async function runSave(ctx: ProbeContext, argv: string[], what = "the live ruleset", timeoutMs = ctx.commandTimeoutMs): Promise<Saved> {
  return ctx.once(`firewall:live:${argv.join(" ")}`, async () => {
    // Not root: netfilter answers EPERM without CAP_NET_ADMIN; a root-written snapshot is read instead.
    const snap = await snapshot(ctx, argv, what);
    if (snap) return snap;
    const name = argv[0] ?? "";
    const args = argv.slice(1);
    // Looked up once per scan by a stat per PATH directory: a utility that is not installed
    // is not spawned at all (execvp would try every PATH directory, for every backend asking).
    const exe = await findExecutable(ctx, name);
    if ("missing" in exe) return { unknown: `${unavailable(name, exe)}: ${what} cannot be read` };
    const run = [exe.path, ...args];
    const cmd = run.join(" ");
    const r = await ctx.run(run, { timeoutMs });
    if (r.notFound) return { unknown: `${cmd} could not be started (${r.reason ?? "not found"}): ${what} cannot be read` };
    if (r.timedOut) return { unknown: `${cmd} timed out after ${timeoutMs} ms: ${what} was not read` };
    if (r.failed) {
      const hint = privilege.unprivileged() && snapshotName(argv) !== undefined ? ` (not root, and no snapshot in ${SNAPSHOT_DIR}: see nodeward-firewall-snapshot.service)` : "";
      return { unknown: `${cmd} failed: ${(r.stderr.trim() || r.stdout.trim() || r.reason || `exit ${String(r.exitCode)}`).slice(0, 200)}${hint}` };
    }
    if (r.truncated) return { unknown: `${cmd}: output over the cap, ${what} was not read whole` };
    return { stdout: r.stdout, command: cmd };
  });
}

async function liveOf(ctx: ProbeContext, backend: RulesetBackend): Promise<Live> {
  const sys = await runningSystem(ctx);
  if (!sys.running) return { notApplicable: `no running system to ask for its live ruleset (${sys.reason})` };
  if (!ctx.host.isLive) {
    return { unknown: `the live ruleset of a mounted host (${ctx.host.root}) cannot be read from here: ${LIVE_COMMANDS[backend][0]?.argv[0] ?? "the command"} would list this machine's network namespace` };
  }
  const rs = emptyRuleset();
  const evidence: Evidence[] = [];
  let command = "";
  for (const c of LIVE_COMMANDS[backend]) {
    const out = await runSave(ctx, c.argv);
    if ("unknown" in out) return out;
    const p = c.family === "nft" ? parseNft(out.stdout) : parseIptablesSave(out.stdout, c.family);
    mergeRulesets(rs, p);
    if (out.evidence) evidence.push(out.evidence);
    evidence.push({ command: out.command, detail: `${p.rules.length} rules in ${p.chains.length} chains` });
    command = command === "" ? out.command : `${command}; ${out.command}`;
  }
  return { rs, evidence, command };
}

// --- listening ports ----------------------------------------------------------------------

const PROTOCOLS: Record<RulesetBackend, ProcNetProtocol[]> = {
  nftables: ["tcp", "tcp6", "udp", "udp6"],
  ufw: ["tcp", "tcp6", "udp", "udp6"],
  iptables: ["tcp", "udp"],
  ip6tables: ["tcp6", "udp6"],
};

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

async function listening(ctx: ProbeContext, backend: RulesetBackend): Promise<{ ports: { port: number; protocol: "tcp" | "udp" }[]; evidence: Evidence[] } | { unknown: string }> {
  const ports = new Map<string, { port: number; protocol: "tcp" | "udp" }>();
  const evidence: Evidence[] = [];
  for (const proto of PROTOCOLS[backend]) {
    try {
      const rel = await initProcPath(ctx.host, `net/${proto}`);
      const text = await ctx.host.procReadIfExists(rel);
      if (text === null) continue;
      evidence.push({ file: `/proc/${rel}` });
      const parsed = parseProcNet(text, proto);
      const gap = socketTableGap(parsed, `/proc/${rel}`);
      if (gap !== undefined) return { unknown: `the listening sockets cannot be read whole: ${gap}` };
      for (const s of parsed.sockets) {
        if (!isListening(s, proto) || LOOPBACK.test(s.localAddress)) continue;
        const protocol = proto.startsWith("tcp") ? "tcp" : "udp";
        ports.set(`${s.localPort}/${protocol}`, { port: s.localPort, protocol });
      }
    } catch (e) {
      return { unknown: `the listening sockets cannot be read: ${describeError(e)}` };
    }
  }
  return { ports: [...ports.values()], evidence };
}

// --- firewalld ----------------------------------------------------------------------------

interface Zones {
  zones: FirewalldZone[];
  policies: FirewalldPolicy[];
  defaultZone: string;
  /** firewalld.conf FirewallBackend (nftables when unset, firewalld >= 0.6); why not, when firewalld.conf cannot be read. */
  fwBackend: FirewalldBackend | { unknown: string };
  /** /etc/firewalld/direct.xml (none: no direct rules), or why it cannot be judged (a line firewalld would refuse). */
  direct: FirewalldDirect | { unknown: string };
  files: string[];
  exists: boolean;
  unreadable: string[];
  evidence: Evidence[];
}

async function persistedFirewalld(ctx: ProbeContext): Promise<Zones> {
  const out: Zones = { zones: [], policies: [], defaultZone: "public", fwBackend: "nftables", direct: { chains: [], rules: [], passthroughs: [] }, files: [], exists: false, unreadable: [], evidence: [] };
  const conf = await readText(ctx, FIREWALLD_CONF);
  if ("unobserved" in conf) {
    out.unreadable.push(conf.unobserved);
    out.fwBackend = { unknown: conf.unobserved };
  } else if ("text" in conf) {
    out.files.push(FIREWALLD_CONF);
    const entries = parseEqualsKeyValue(conf.text).entries;
    const e = lookupEquals(entries, "DefaultZone");
    if (e && e.value !== "") out.defaultZone = e.value;
    out.evidence.push({ file: FIREWALLD_CONF, ...(e ? { line: e.line } : {}), key: "DefaultZone", detail: e ? `DefaultZone=${e.value}` : "DefaultZone not set (public)" });
    const b = lookupEquals(entries, "FirewallBackend");
    if (b?.value.toLowerCase() === "iptables") out.fwBackend = "iptables";
    if (b) out.evidence.push({ file: FIREWALLD_CONF, line: b.line, key: "FirewallBackend", detail: `FirewallBackend=${b.value}` });
  } else out.evidence.push({ file: FIREWALLD_CONF, detail: "does not exist (DefaultZone public)" });
  const direct = await readText(ctx, FIREWALLD_DIRECT);
  if ("unobserved" in direct) out.unreadable.push(direct.unobserved);
  else if ("text" in direct) {
    out.files.push(FIREWALLD_DIRECT);
    const p = parseDirectXml(direct.text);
    out.direct = p.direct && p.problems.length === 0 ? p.direct : { unknown: `${FIREWALLD_DIRECT} cannot be read as firewalld reads it: ${p.problems.slice(0, 3).map((x) => `line ${x.line}: ${x.message}`).join("; ")}` };
  }
  const byName = new Map<string, FirewalldZone>();
  const policies = new Map<string, FirewalldPolicy>();
  for (const [dirs, kind] of [[FIREWALLD_ZONE_DIRS, "zone"], [FIREWALLD_POLICY_DIRS, "policy"]] as const) {
    for (const dir of dirs) {
      let names: string[] | null;
      try {
        names = await ctx.host.readdir(dir);
      } catch (e) {
        out.unreadable.push(`${dir}: ${describeError(e)}`);
        continue;
      }
      for (const n of (names ?? []).filter((x) => x.endsWith(".xml")).sort()) {
        const file = `${dir}/${n}`;
        const r = await readText(ctx, file);
        if ("unobserved" in r) out.unreadable.push(r.unobserved);
        else if ("text" in r) {
          out.files.push(file);
          let problems: readonly { line: number; message: string }[];
          if (kind === "zone") {
            out.exists = true;
            const p = parseZoneXml(r.text, n.slice(0, -4), file);
            if (p.zone) byName.set(p.zone.name, p.zone);
            problems = p.problems;
          } else {
            const p = parsePolicyXml(r.text, n.slice(0, -4), file);
            if (p.policy) policies.set(p.policy.name, p.policy);
            problems = p.problems;
          }
          pushAll(out.evidence, problems.slice(0, 5).map((x) => ({ file, line: x.line, detail: `unparsed: ${x.message}` })));
        }
      }
    }
  }
  out.zones = [...byName.values()];
  out.policies = [...policies.values()];
  if (!out.exists) out.evidence.push({ file: FIREWALLD_ZONE_DIRS[0], detail: "no zone files" });
  return out;
}

/** firewall-cmd's answer to an option it does not have (firewalld before 0.9 has no policies). */
const NO_POLICIES_OPTION = /unrecognized arguments: --list-all-policies|no such option: --list-all-policies/i;

async function liveFirewalld(ctx: ProbeContext): Promise<{ zones: FirewalldZone[]; policies: FirewalldPolicy[]; defaultZone: string; evidence: Evidence[] } | { unknown: string } | { notApplicable: string }> {
  const sys = await runningSystem(ctx);
  if (!sys.running) return { notApplicable: `no running system to ask for its runtime zones (${sys.reason})` };
  if (!ctx.host.isLive) return { unknown: `the runtime zones of a mounted host (${ctx.host.root}) cannot be read from here: firewall-cmd would ask this machine's firewalld` };
  const list = await runSave(ctx, ["firewall-cmd", "--list-all-zones"], "the runtime zones");
  if ("unknown" in list) return list;
  const p = parseListAllZones(list.stdout);
  const evidence: Evidence[] = [...(list.evidence ? [list.evidence] : []), { command: list.command, detail: `${p.zones.length} zones` }];
  pushAll(evidence, p.problems.slice(0, 5).map((x) => ({ command: list.command, line: x.line, detail: `unparsed: ${x.message}` })));
  let defaultZone = p.zones.find((z) => z.isDefault)?.name;
  if (defaultZone === undefined) {
    const d = await runSave(ctx, ["firewall-cmd", "--get-default-zone"], "the default zone");
    if ("unknown" in d) return d;
    defaultZone = d.stdout.trim();
    evidence.push({ command: d.command, detail: defaultZone });
  }
  // Policies (firewalld >= 0.9) filter traffic between zones and into the host, apart from them.
  let policies: FirewalldPolicy[] = [];
  const pl = await runSave(ctx, ["firewall-cmd", "--list-all-policies"], "the runtime policies");
  if ("unknown" in pl) {
    if (!NO_POLICIES_OPTION.test(pl.unknown)) return pl;
    evidence.push({ command: "firewall-cmd --list-all-policies", detail: "not an option of this firewalld (before 0.9): no policies" });
  } else {
    const pp = parseListAllPolicies(pl.stdout);
    policies = pp.policies;
    if (pl.evidence) evidence.push(pl.evidence);
    evidence.push({ command: pl.command, detail: `${pp.policies.length} policies` });
    pushAll(evidence, pp.problems.slice(0, 5).map((x) => ({ command: pl.command, line: x.line, detail: `unparsed: ${x.message}` })));
  }
  return { zones: p.zones, policies, defaultZone, evidence };
}

/** firewall-cmd's answer where the direct interface is gone (it is deprecated, to be removed). */
const NO_DIRECT_OPTION = /unrecognized arguments: --direct|no such option: --direct/i;

/**
 * Live: the runtime direct rules and passthroughs (`firewall-cmd --direct --get-all-rules`,
 * `--get-all-passthroughs`, read-only), each bounded by what is left of the probe's budget.
 */
async function liveDirect(ctx: ProbeContext, deadline: number): Promise<{ direct: FirewalldDirect; evidence: Evidence[]; command: string } | { unknown: string }> {
  const direct: FirewalldDirect = { chains: [], rules: [], passthroughs: [] };
  const evidence: Evidence[] = [];
  const commands: string[] = [];
  for (const what of ["rules", "passthroughs"] as const) {
    const argv = ["firewall-cmd", "--direct", `--get-all-${what}`];
    const left = Math.floor(deadline - performance.now());
    if (left <= 0) return { unknown: `${argv.join(" ")} was not run: the live firewalld reads ran out of their ${ipsetBudget.ms / 1000} s` };
    const out = await runSave(ctx, argv, `the direct ${what}`, Math.min(ctx.commandTimeoutMs, left));
    if ("unknown" in out) {
      if (NO_DIRECT_OPTION.test(out.unknown)) {
        evidence.push({ command: argv.join(" "), detail: "not an option of this firewalld (no direct interface): no direct rules" });
        continue;
      }
      return out;
    }
    const p = what === "rules" ? parseDirectRules(out.stdout) : parseDirectPassthroughs(out.stdout);
    if (p.problems.length > 0) return { unknown: `${out.command}: ${p.problems.slice(0, 3).map((x) => `line ${x.line}: ${x.message}`).join("; ")}` };
    if ("rules" in p) direct.rules = p.rules;
    else direct.passthroughs = p.passthroughs;
    if (out.evidence) evidence.push(out.evidence);
    commands.push(out.command);
  }
  return { direct, evidence, command: commands.join("; ") };
}

/** judgeDirect on the backend firewalld.conf names; where it cannot be read, a verdict the two backends disagree on is unknown. */
function judgeDirectOn(d: FirewalldDirect, backend: FirewalldBackend | { unknown: string }): DirectJudgement {
  if (typeof backend === "string") return judgeDirect(d, backend);
  const nft = judgeDirect(d, "nftables");
  const ipt = judgeDirect(d, "iptables");
  for (const ipv of ["ipv4", "ipv6"] as const) {
    if (JSON.stringify(nft.spoof[ipv]) !== JSON.stringify(ipt.spoof[ipv])) {
      ipt.spoof[ipv] = { verdict: "unknown", reason: `a direct rule accepts before the zones, and whether that bypasses them depends on FirewallBackend, not read: ${backend.unknown}` };
    }
  }
  return ipt;
}

/**
 * The direct rules' part in 4.2.1 and 4.2.2 (parse/firewalld-direct.ts): what they accept is
 * added to zonesAllow; a direct loopback drop is the anti-spoofing rule; on the iptables
 * backend a direct accept reached first overrides the zones' drop rules (false, or unknown
 * when its match is not read). Direct rules that cannot be read leave all three unknown.
 */
function withDirect(value: FirewallFact, gaps: Gaps, evidence: Evidence[], direct: DirectJudgement | { unknown: string }, at: Evidence): void {
  const src = at.file ?? at.command ?? "the direct rules";
  const j = "unknown" in direct || direct.problems.length === 0 ? direct : { unknown: direct.problems.slice(0, 3).map((p) => `${src} line ${p.line}: ${p.message}`).join("; ") };
  if ("unknown" in j) {
    for (const f of ["zonesAllow", "loopbackSpoofDrop", "loopbackSpoofDrop6"] as const) {
      delete value[f];
      gaps.unknown[f] = `the direct rules cannot be judged: ${j.unknown}`;
    }
    return;
  }
  for (const s of j.shown.slice(0, 10)) evidence.push({ ...at, ...(s.line !== undefined ? { line: s.line } : {}), detail: s.detail });
  if (j.shown.length > 10) evidence.push({ ...at, detail: `… and ${j.shown.length - 10} more direct rules on input` });
  if (value.zonesAllow !== undefined) value.zonesAllow = [...value.zonesAllow, ...j.allows];
  for (const [ipv, f] of [["ipv4", "loopbackSpoofDrop"], ["ipv6", "loopbackSpoofDrop6"]] as const) {
    const s = j.spoof[ipv];
    if (s === undefined) continue;
    if (s.verdict === "unknown") {
      delete value[f];
      gaps.unknown[f] = s.reason;
      continue;
    }
    delete gaps.unknown[f];
    value[f] = s.verdict === "drop";
    evidence.push({ ...at, detail: s.verdict === "drop" ? `${s.rule}: drops spoofed loopback packets before firewalld's own rules` : `${s.rule}: accepts packets that can carry the loopback source before the zones (FirewallBackend=iptables), so no zone's drop rule sees them` });
  }
}

/** The ipsets the zones and policies name (a rich rule's source, a zone's `ipset:NAME` source). */
function namedIpsets(zones: readonly FirewalldZone[], policies: readonly FirewalldPolicy[]): string[] {
  const names = new Set<string>();
  for (const z of [...zones, ...policies]) {
    for (const r of z.richRules) if (r.source?.ipset !== undefined) names.add(r.source.ipset);
    if ("sources" in z) for (const src of z.sources) if (src.startsWith("ipset:")) names.add(src.slice("ipset:".length));
  }
  return [...names].sort();
}

/**
 * Offline: the file of each ipset the zones name (/etc/firewalld/ipsets/NAME.xml, else the
 * shipped /usr/lib one), read only when named; one no file defines is unknown (firewalld would
 * not load a zone naming it), as is one that cannot be read.
 */
async function persistedIpsets(ctx: ProbeContext, names: readonly string[]): Promise<{ lookup: IpsetLookup; files: string[] }> {
  const got = new Map<string, FirewalldIpset | { unknown: string }>();
  const files: string[] = [];
  for (const [i, name] of names.entries()) {
    if (i >= MAX_IPSETS) {
      got.set(name, { unknown: `ipset ${name}: more than ${MAX_IPSETS} ipsets are named, the rest are not read` });
      continue;
    }
    if (!IPSET_NAME.test(name)) {
      got.set(name, { unknown: `ipset ${JSON.stringify(name)}: not an ipset name` });
      continue;
    }
    let found: FirewalldIpset | { unknown: string } | undefined;
    for (const dir of [...FIREWALLD_IPSET_DIRS].reverse()) {
      const file = `${dir}/${name}.xml`;
      const r = await readText(ctx, file);
      if ("missing" in r) continue;
      if ("unobserved" in r) found = { unknown: `ipset ${name}: cannot read ${r.unobserved}` };
      else {
        files.push(file);
        const p = parseIpsetXml(r.text, name, file);
        found = p.ipset ?? { unknown: `ipset ${name}: ${file}: ${p.problems.map((x) => `line ${x.line}: ${x.message}`).join("; ")}` };
      }
      break;
    }
    got.set(name, found ?? { unknown: `ipset ${name} is defined in neither ${FIREWALLD_IPSET_DIRS.join(" nor ")} (firewalld would not load a zone naming it)` });
  }
  return { lookup: (name) => got.get(name) ?? { unknown: `ipset ${name} was not read` }, files };
}

/** Live ipsets asked at once (each a firewall-cmd: a Python start-up and a D-Bus call). */
export const IPSET_CONCURRENCY = 4;
/**
 * The live ipsets are all read within this many milliseconds of the firewalld probe's start:
 * the engine abandons a probe call after 30 s (DEFAULT_PROBE_TIMEOUT_MS), and a slow
 * firewall-cmd must cost its ipset, not the whole firewalld fact. Overridable for tests.
 */
export const ipsetBudget = { ms: 20_000 };

/**
 * Live: `firewall-cmd --info-ipset=NAME` (the runtime ipset, read-only) for each ipset the
 * zones name, IPSET_CONCURRENCY at a time, each bounded by what is left of the budget: one
 * that times out, or is not started before the budget ends, is unknown naming it.
 */
async function liveIpsets(ctx: ProbeContext, names: readonly string[], deadline: number): Promise<{ lookup: IpsetLookup; evidence: Evidence[] }> {
  const got = new Map<string, FirewalldIpset | { unknown: string }>();
  const evidence = new Map<string, Evidence>();
  const queue = names.slice(0, MAX_IPSETS);
  for (const name of names.slice(MAX_IPSETS)) got.set(name, { unknown: `ipset ${name}: more than ${MAX_IPSETS} ipsets are named, the rest are not read` });
  const readOne = async (name: string): Promise<void> => {
    const left = Math.floor(deadline - performance.now());
    if (left <= 0) {
      got.set(name, { unknown: `ipset ${name} was not read: the live ipset reads ran out of their ${ipsetBudget.ms / 1000} s (firewall-cmd too slow)` });
      return;
    }
    const out = await runSave(ctx, ["firewall-cmd", `--info-ipset=${name}`], `the ipset ${name}`, Math.min(ctx.commandTimeoutMs, left));
    if ("unknown" in out) {
      got.set(name, out);
      return;
    }
    const p = parseInfoIpset(out.stdout, name);
    got.set(name, p.ipset ?? { unknown: `${out.command}: ${p.problems.map((x) => `line ${x.line}: ${x.message}`).join("; ")}` });
    if (out.evidence) evidence.set(name, out.evidence);
  };
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) await readOne(name);
  };
  await Promise.all(Array.from({ length: Math.min(IPSET_CONCURRENCY, queue.length) }, worker));
  return {
    lookup: (name) => got.get(name) ?? { unknown: `ipset ${name} was not read` },
    // In the zones' order, whichever answered first.
    evidence: names.flatMap((n) => evidence.get(n) ?? []),
  };
}

/** `ipset web (hash:net, inet): 10.0.0.0/8 192.0.2.1` for the evidence (the first 10 entries, then a count). */
function ipsetLine(set: FirewalldIpset): string {
  const shown = set.entries.slice(0, 10).join(" ");
  const more = set.entries.length > 10 ? ` … ${set.entries.length - 10} more` : "";
  return `ipset ${set.name} (${set.type}, ${set.family}${set.options.some((o) => o.startsWith("timeout=")) ? ", timeout: entries added at run time are not listed" : ""}): ${shown === "" ? "no entries" : shown + more}`;
}

function judgeZones(
  zones: readonly FirewalldZone[],
  defaultZone: string,
  policies: readonly FirewalldPolicy[],
  ipsets: IpsetLookup,
): Pick<FirewallFact, (typeof FIREWALLD_FIELDS)[number]> & { evidence: Evidence[]; unknown: Record<string, string> } {
  const active = zones.filter((z) => z.name === defaultZone || z.interfaces.length > 0 || z.sources.length > 0 || z.active === true);
  const trusted = zones.find((z) => z.name === "trusted");
  // The anti-spoofing rich rules count in any zone that filters traffic, and in trusted (where
  // ComplianceAsCode puts them); CIS's own audit looks in the default zone's deny chain.
  const spoofZones = [...active, ...(trusted && !active.includes(trusted) ? [trusted] : [])];
  // A rule whose source is an ipset counts with the ipset's entries; one that cannot be read leaves the fact unknown unless another rule settles it.
  const spoofUnread: Record<"ipv4" | "ipv6", string[]> = { ipv4: [], ipv6: [] };
  const spoof = (family: "ipv4" | "ipv6") => spoofZones.flatMap((z) => z.richRules.filter((r) => {
    const v = spoofDropVerdict(r, family, ipsets);
    if (typeof v === "object") spoofUnread[family].push(`zone ${z.name}: ${v.unknown}`);
    return v === true;
  }).map((r) => ({ z, r })));
  const s4 = spoof("ipv4");
  const s6 = spoof("ipv6");
  const evidence: Evidence[] = [];
  const where = (z: FirewalldZone): Evidence => (z.file !== undefined ? { file: z.file, ...(z.line !== undefined ? { line: z.line } : {}) } : {});
  for (const z of active) evidence.push({ ...where(z), detail: `zone ${z.name}${z.name === defaultZone ? " (default)" : ""}: target ${z.target ?? "default"}, interfaces ${z.interfaces.join(" ") || "none"}, sources ${z.sources.join(" ") || "none"}` });
  for (const { z, r } of [...s4, ...s6]) evidence.push({ ...where(z), detail: `zone ${z.name}: ${r.text}` });
  // The ipsets named where they matter (active zones, the anti-spoofing zones, policies into the host), with their entries.
  const into = policies.filter(policyAllowsIntoHost);
  // What zonesAllow shows comes from the active zones' sources and accepting rules, and the policies into the host.
  const allowing = new Set(namedIpsets(active.map((z) => ({ ...z, richRules: z.richRules.filter((r) => r.action === "accept") })), into.map((p) => ({ ...p, richRules: p.richRules.filter((r) => r.action === "accept") }))));
  const unreadIpsets: string[] = [];
  for (const name of namedIpsets([...new Set([...active, ...spoofZones])], into)) {
    const set = ipsets(name);
    if ("unknown" in set) {
      if (allowing.has(name)) unreadIpsets.push(set.unknown);
    } else evidence.push({ ...(set.file !== undefined ? { file: set.file, ...(set.line !== undefined ? { line: set.line } : {}) } : {}), detail: ipsetLine(set) });
  }
  const rich = (rules: FirewalldZone["richRules"]) => {
    const a = richAccepts(rules);
    return a.length > 0 ? `; rich rules accepting ${a.join(", ")}` : "";
  };
  // A policy into the host is not a zone: what it lets in is shown for the person judging 4.2.1,
  // not compared with anything.
  const policyLine = (p: FirewalldPolicy) =>
    `policy ${p.name} (${p.ingress.join(" ") || "no ingress zone"} -> ${p.egress.join(" ")}, priority ${p.priority ?? "-1"}, target ${p.target}): services ${p.services.join(" ") || "none"}; ports ${p.ports.join(" ") || "none"}${rich(p.richRules)}`;
  for (const p of into) evidence.push({ ...(p.file !== undefined ? { file: p.file, ...(p.line !== undefined ? { line: p.line } : {}) } : {}), detail: policyLine(p) });
  const unknown: Record<string, string> = {};
  // A policy accepting everything into the host may meet spoofed loopback packets before a zone's drop.
  const acceptAll = into.filter((p) => p.target.toUpperCase() === "ACCEPT");
  const spoofFacts: Partial<FirewallFact> = { loopbackSpoofDrop: s4.length > 0, loopbackSpoofDrop6: s6.length > 0 };
  for (const [f, found, unread] of [["loopbackSpoofDrop", s4, spoofUnread.ipv4], ["loopbackSpoofDrop6", s6, spoofUnread.ipv6]] as const) {
    if (found.length > 0 || unread.length === 0) continue;
    delete spoofFacts[f];
    unknown[f] = `no drop rule on the loopback address, and a drop rule's ipset could not be read: ${unread.slice(0, 3).join("; ")}${unread.length > 3 ? ` (… ${unread.length - 3} more)` : ""}`;
  }
  // What an active zone lets in from an ipset is its entries: one not read leaves that unknown.
  if (unreadIpsets.length > 0) unknown["zonesAllow"] = `an ipset a zone names could not be read: ${unreadIpsets.slice(0, 3).join("; ")}`;
  if (acceptAll.length > 0) {
    for (const f of ["loopbackSpoofDrop", "loopbackSpoofDrop6"] as const) {
      delete spoofFacts[f];
      unknown[f] = `policy ${acceptAll.map((p) => p.name).join(", ")} accepts all traffic into the host (target ACCEPT): whether a spoofed loopback packet meets it before a zone's drop rule depends on its priority, not judged`;
    }
  }
  const zonesAllow = [...active.map((z) => `${z.name}: services ${z.services.join(" ") || "none"}; ports ${z.ports.join(" ") || "none"}${rich(z.richRules)}`), ...into.map(policyLine)];
  return {
    defaultZone,
    activeZones: active.map((z) => z.name),
    ...(unknown["zonesAllow"] !== undefined ? {} : { zonesAllow }),
    loopbackTrusted: trusted?.interfaces.includes("lo") ?? false,
    ...spoofFacts,
    evidence,
    unknown,
  };
}

async function firewalld(ctx: ProbeContext): Promise<Fact<FirewallFact>> {
  const started = performance.now();
  const gaps: Gaps = { unknown: {}, notApplicable: {} };
  const persisted = await ctx.once("firewall:persisted:firewalld", () => persistedFirewalld(ctx));
  const value: FirewallFact = { backend: "firewalld", files: persisted.files, persisted: persisted.exists };
  const evidence: Evidence[] = [...persisted.evidence];
  if (persisted.unreadable.length > 0) {
    const why = cannotRead(persisted.unreadable);
    for (const f of ["files", "persisted"]) gaps.unknown[f] = why;
  }
  const live = await liveFirewalld(ctx);
  let judged: ReturnType<typeof judgeZones> | undefined;
  let directJudged: DirectJudgement | { unknown: string } | undefined;
  let directAt: Evidence = {};
  if ("notApplicable" in live) {
    value.view = "persisted";
    if (persisted.unreadable.length === 0) {
      const sets = await persistedIpsets(ctx, namedIpsets(persisted.zones, persisted.policies));
      if (sets.files.length > 0) value.files = [...persisted.files, ...sets.files];
      judged = judgeZones(persisted.zones, persisted.defaultZone, persisted.policies, sets.lookup);
      directJudged = "unknown" in persisted.direct ? persisted.direct : judgeDirectOn(persisted.direct, persisted.fwBackend);
      directAt = { file: FIREWALLD_DIRECT };
    }
    else for (const f of FIREWALLD_FIELDS) gaps.unknown[f] = gaps.unknown["files"] as string;
  } else if ("unknown" in live) {
    value.view = "live";
    for (const f of FIREWALLD_FIELDS) gaps.unknown[f] = live.unknown;
  } else {
    value.view = "live";
    pushAll(evidence, live.evidence);
    // The direct rules first: two reads, so a slow ipset costs only itself.
    const d = await liveDirect(ctx, started + ipsetBudget.ms);
    if ("unknown" in d) directJudged = d;
    else {
      directJudged = judgeDirectOn(d.direct, persisted.fwBackend);
      directAt = { command: d.command };
    }
    const sets = await liveIpsets(ctx, namedIpsets(live.zones, live.policies), started + ipsetBudget.ms);
    pushAll(evidence, sets.evidence);
    if (!("unknown" in d)) pushAll(evidence, d.evidence);
    judged = judgeZones(live.zones, live.defaultZone, live.policies, sets.lookup);
  }
  if (judged) {
    const { evidence: ev, unknown, ...facts } = judged;
    Object.assign(value, facts);
    Object.assign(gaps.unknown, unknown);
    pushAll(evidence, ev);
    if (directJudged) withDirect(value, gaps, evidence, directJudged, directAt);
  }
  await withIpv6(ctx, value, gaps, evidence);
  return withGaps({ value, evidence }, gaps);
}

/**
 * CIS judges the IPv6 firewall items only where IPv6 is enabled: `ipv6Enabled` says which
 * (ip6tables items apply on it), and the ::1 anti-spoofing fact is not applicable where IPv6
 * is disabled. Where that cannot be observed, a missing ::1 rule is unknown, never a fail or
 * a pass; a present one stands.
 */
async function withIpv6(ctx: ProbeContext, value: FirewallFact, gaps: Gaps, evidence: Evidence[]): Promise<void> {
  const st = await ipv6Status(ctx);
  if ("unknown" in st) {
    gaps.unknown["ipv6Enabled"] = st.unknown;
    if (value.loopbackSpoofDrop6 === false) {
      delete value.loopbackSpoofDrop6;
      gaps.unknown["loopbackSpoofDrop6"] = `no ::1 drop rule, and ${st.unknown}`;
    }
    return;
  }
  value.ipv6Enabled = st.enabled;
  pushAll(evidence, st.evidence);
  if (!st.enabled) {
    if (value.loopbackSpoofDrop6 !== undefined || gaps.unknown["loopbackSpoofDrop6"] !== undefined) {
      delete value.loopbackSpoofDrop6;
      delete gaps.unknown["loopbackSpoofDrop6"];
      gaps.notApplicable["loopbackSpoofDrop6"] = `${st.why}: CIS asks for the ::1 rule only where IPv6 is enabled`;
    }
  }
}

// --- the probe ----------------------------------------------------------------------------

function withGaps(f: Fact<FirewallFact>, gaps: Gaps): Fact<FirewallFact> {
  return {
    ...f,
    ...(Object.keys(gaps.unknown).length > 0 ? { unknown: gaps.unknown } : {}),
    ...(Object.keys(gaps.notApplicable).length > 0 ? { notApplicable: gaps.notApplicable } : {}),
  };
}

async function ruleset(ctx: ProbeContext, backend: RulesetBackend): Promise<Fact<FirewallFact>> {
  const gaps: Gaps = { unknown: {}, notApplicable: {} };
  const persisted = await persistedOf(ctx, backend);
  const pSummary = summarise(persisted.rs, persisted.extra ?? {});
  const value: FirewallFact = { backend, files: persisted.files, persisted: persisted.exists, persistedHooks: pSummary.hooks };
  if (backend === "ufw" && persisted.ufwEnabled !== undefined) value.ufwEnabled = persisted.ufwEnabled;
  const evidence: Evidence[] = [...persisted.evidence];
  if (persisted.unreadable.length > 0) {
    const why = cannotRead(persisted.unreadable);
    for (const f of PERSISTED_FIELDS) gaps.unknown[f] = why;
  }
  const live = await liveOf(ctx, backend);
  let judged: RulesetSummary | undefined;
  if ("notApplicable" in live) {
    value.view = "persisted";
    judged = persisted.unreadable.length > 0 ? undefined : pSummary;
    if (!judged) for (const f of RULESET_FIELDS) gaps.unknown[f] = gaps.unknown.files as string;
    gaps.notApplicable.portsWithoutRule = `the listening sockets exist only on a running system; ${live.notApplicable}`;
  } else if ("unknown" in live) {
    value.view = "live";
    for (const f of [...RULESET_FIELDS, "portsWithoutRule"]) gaps.unknown[f] = live.unknown;
  } else {
    value.view = "live";
    pushAll(evidence, live.evidence);
    judged = summarise(live.rs, backend === "ufw" ? { input: [], output: [] } : {});
  }
  if (judged) {
    Object.assign(value, judged);
    evidence.push({ detail: `${value.view} ruleset: input ${judged.inputPolicy ?? "no base chain"}, forward ${judged.forwardPolicy ?? "no base chain"}, output ${judged.outputPolicy ?? "no base chain"}` });
    pushAll(evidence, "rs" in live ? opaqueEvidence(live.rs, backend === "ufw" ? { input: [], output: [] } : {}, live.command) : opaqueEvidence(persisted.rs, persisted.extra ?? {}));
    if (backend === "nftables") pushAll(evidence, "rs" in live ? kubeProxyEvidence(live.rs, live.command) : kubeProxyEvidence(persisted.rs));
    // A loopback drop limited to part of the traffic is not the benchmark's rule: shown, so a fail says why.
    const judgedRs = "rs" in live ? live.rs : persisted.rs;
    const extra = "rs" in live ? (backend === "ufw" ? { input: [] } : {}) : (persisted.extra ?? {});
    for (const [family, found] of [["ipv4", judged.loopbackSpoofDrop], ["ipv6", judged.loopbackSpoofDrop6]] as const) {
      if (found) continue;
      for (const r of limitedSpoofDrops(judgedRs, family, extra).slice(0, 3)) {
        evidence.push({
          ...(r.file !== undefined ? { file: r.file } : "command" in live ? { command: live.command } : {}),
          line: r.line,
          detail: `not the anti-spoofing rule (limited to ${spoofLimits(r).join(", ")}; the benchmark's audit expects the drop on the source alone): ${r.text.length > 200 ? `${r.text.slice(0, 200)}…` : r.text}`,
        });
      }
    }
    if (value.view === "live") {
      const l = await listening(ctx, backend);
      if ("unknown" in l) gaps.unknown.portsWithoutRule = l.unknown;
      else {
        value.portsWithoutRule = l.ports.filter((p) => !portCovered(judged.acceptedPorts, p.port, p.protocol)).map((p) => `${p.port}/${p.protocol}`).sort();
        pushAll(evidence, l.evidence);
        if (value.portsWithoutRule.length > 0) evidence.push({ detail: `listening with no input accept rule: ${value.portsWithoutRule.join(", ")}` });
      }
    }
  }
  await withIpv6(ctx, value, gaps, evidence);
  return withGaps({ value, evidence }, gaps);
}

export default defineProbe({
  id: "firewall",
  summary: "The host firewall: utilities installed, enabled, active and in use; a backend's ruleset (nftables, iptables, ip6tables, ufw) live on a running system, persisted offline: policies, loopback, established, open ports; firewalld's zones (firewall-cmd live, zone XML offline)",
  params: lazySchema((z) => z.strictObject({
    backend: z.enum(BACKENDS).optional().describe("Ruleset to summarise (firewalld: its zones); without it, which utilities are installed and in use."),
    prefer: z.enum(["ufw", "nftables", "iptables", "firewalld"]).optional().describe("Inventory: the utility judged when none is in use (the site's choice)."),
  })),
  fields: ["backend", "view", ...PERSISTED_FIELDS, ...RULESET_FIELDS, "portsWithoutRule", "ipv6Enabled", ...FIREWALLD_FIELDS.filter((f) => !f.startsWith("loopbackSpoof")), ...INVENTORY_FIELDS],
  /** Packages, unit files and ruleset files by what was read; the live ruleset only by the safety net; listening sockets polled. */
  watch(_p, seen) {
    const sockets = seen.reads.proc.filter((p) => /(^|\/)net\/(tcp|udp)6?$/.test(p));
    const units = seen.fact?.notApplicable?.["active"] === undefined && seen.fact?.value["backend"] === undefined ? UTILITIES.flatMap((u) => u.units) : [];
    // Whether IPv6 is on: the kernel command line and the disable_ipv6 sysctls, polled (procfs raises no events).
    const ipv6 = procReadsMatching(seen.reads, /^(cmdline|sys\/net\/ipv6(\/.*)?)$/);
    return readsAnd(seen.reads, {
      poll: [
        ...(sockets.length > 0 ? [{ kind: "listeners" as const, paths: [...new Set(sockets)].sort() }] : []),
        ...(units.length > 0 ? [{ kind: "unit-active" as const, units }] : []),
        ...(ipv6.length > 0 ? [{ kind: "proc" as const, paths: ipv6 }] : []),
      ],
      unwatched: seen.reads.commands.length > 0 ? ["the live ruleset (nft list ruleset / iptables-save): a command tells nothing until it is run again"] : [],
    });
  },
  async collect(ctx, p): Promise<Fact<FirewallFact>> {
    return p.backend === undefined ? inventory(ctx, p.prefer) : p.backend === "firewalld" ? firewalld(ctx) : ruleset(ctx, p.backend);
  },
});
