/**
 * The rule model the nftables and iptables parsers share (parse/nft.ts, parse/iptables.ts),
 * and what the firewall probe derives from it for the CIS section 4 items: the default
 * policy on each hook, loopback traffic, established connections, the ports accepted on
 * input. Pure: no I/O, never throws.
 */
import { pushAll } from "../../util/array.js";
import type { ParseProblem } from "./problem.js";

export type Hook = "input" | "forward" | "output";
export const HOOKS: readonly Hook[] = ["input", "forward", "output"];

export interface FwChain {
  /** nftables family (ip, ip6, inet, …) or the iptables address family (ip / ip6). */
  family: string;
  table: string;
  name: string;
  /** nftables base chain hook, or the iptables built-in chain's (INPUT → input). */
  hook?: string;
  /** nftables chain type (filter, nat, route); iptables: the table name for built-in chains. */
  type?: string;
  priority?: string;
  /** Default policy of a base / built-in chain, lower case (accept, drop). */
  policy?: string;
  file?: string;
  line: number;
}

export interface FwRule {
  family: string;
  table: string;
  chain: string;
  iif?: string;
  oif?: string;
  saddr?: string;
  daddr?: string;
  /** tcp, udp, … */
  protocol?: string;
  /** Destination ports or ranges as written (22, 30000-32767). */
  dports: string[];
  /** Connection-tracking states matched (established, related, new, invalid). */
  states: string[];
  /**
   * Matches the parser skipped, as written (`-m limit`, `--sport 53`, `meta mark 0x1`, `fib saddr type local`);
   * absent when none. They may narrow the rule to part of the traffic: a loopback drop with any is not the anti-spoofing rule.
   */
  other?: string[];
  /** A match this model does not read (a negation, a set reference): the rule is not counted as a plain accept/drop of what it names. */
  opaque: boolean;
  /** Why the rule is opaque: the match or map not read (shown in the evidence). */
  opaqueReason?: string;
  verdict?: "accept" | "drop" | "reject" | "jump" | "goto" | "return" | "queue";
  /** Chain named by jump/goto. */
  target?: string;
  text: string;
  file?: string;
  line: number;
}

export interface Ruleset {
  tables: { family: string; name: string; file?: string; line: number }[];
  chains: FwChain[];
  rules: FwRule[];
  problems: ParseProblem[];
}

export function emptyRuleset(): Ruleset {
  return { tables: [], chains: [], rules: [], problems: [] };
}

const key = (family: string, table: string, chain: string): string => `${family}\0${table}\0${chain}`;

export function mergeRulesets(into: Ruleset, from: Ruleset): void {
  // Indexed once per merge, not searched per table and chain (quadratic in a big ruleset).
  const tables = new Set(into.tables.map((t) => key(t.family, t.name, "")));
  for (const t of from.tables) {
    if (tables.has(key(t.family, t.name, ""))) continue;
    tables.add(key(t.family, t.name, ""));
    into.tables.push(t);
  }
  const chains = new Map<string, FwChain>();
  for (const c of into.chains) if (!chains.has(key(c.family, c.table, c.name))) chains.set(key(c.family, c.table, c.name), c);
  for (const c of from.chains) {
    const same = chains.get(key(c.family, c.table, c.name));
    if (!same) {
      into.chains.push(c);
      chains.set(key(c.family, c.table, c.name), c);
    } else Object.assign(same, Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)));
  }
  pushAll(into.rules, from.rules);
  pushAll(into.problems, from.problems);
}

/** What the CIS items judge, derived from a ruleset. */
export interface RulesetSummary {
  /** Tables, as `family name`. */
  tables: string[];
  tableCount: number;
  /** Default policy per hook: drop/reject when a filter base chain on it drops by default, accept when none does, absent when no base chain hooks it. */
  inputPolicy?: string;
  forwardPolicy?: string;
  outputPolicy?: string;
  /** Input, forward and output all drop (or reject) by default. */
  defaultDeny: boolean;
  /** Base chains, as `family table name: hook policy`. */
  baseChains: string[];
  /** Hooks with a filter base chain. */
  hooks: Hook[];
  /** Input accepts traffic from the loopback interface. */
  loopbackAccept: boolean;
  /** Output accepts traffic to the loopback interface. */
  loopbackOutAccept: boolean;
  /** Input drops IPv4 loopback addresses arriving on another interface (saddr 127.0.0.0/8, nothing else matched: spoofLimits). */
  loopbackSpoofDrop: boolean;
  /** Input drops the IPv6 loopback address arriving on another interface (saddr ::1). */
  loopbackSpoofDrop6: boolean;
  /** Rules accepting established connections (input or output), as text. */
  establishedRules: string[];
  /** Ports accepted on input (not from lo), `22/tcp`, `30000-32767/tcp`, `53/any`. */
  acceptedPorts: string[];
  ruleCount: number;
}

export interface Scope {
  /** Chains where input starts: base chains hooked on input (nft) or built-in INPUT (iptables); extra names for ufw's persisted chains. */
  hook: Hook;
  extraChains?: readonly string[];
}


/** The rules a packet on this hook can meet: rules of the hook's filter chains and of the chains they jump to. */
export function rulesOnHook(rs: Ruleset, scope: Scope): FwRule[] {
  const byChain = new Map<string, FwRule[]>();
  for (const r of rs.rules) {
    const k = key(r.family, r.table, r.chain);
    const list = byChain.get(k) ?? [];
    list.push(r);
    byChain.set(k, list);
  }
  const start = rs.chains.filter((c) => c.hook === scope.hook && (c.type === undefined || c.type === "filter"));
  const queue: [string, string, string][] = start.map((c) => [c.family, c.table, c.name]);
  for (const name of scope.extraChains ?? []) for (const r of rs.rules) if (r.chain === name) queue.push([r.family, r.table, name]);
  const seen = new Set<string>();
  const out: FwRule[] = [];
  // A read index, not shift(): shifting a 100k-entry queue is quadratic.
  for (let qi = 0; qi < queue.length; qi++) {
    const [f, t, c] = queue[qi] as [string, string, string];
    const k = key(f, t, c);
    if (seen.has(k)) continue;
    seen.add(k);
    for (const r of byChain.get(k) ?? []) {
      out.push(r);
      if ((r.verdict === "jump" || r.verdict === "goto") && r.target) queue.push([f, t, r.target]);
    }
  }
  return out;
}

const DENY = new Set(["drop", "reject"]);
const V4_LOOPBACK = /^127\.0\.0\.0\/8$/;
const V6_LOOPBACK = /^::1(\/128)?$/;

function hookPolicy(rs: Ruleset, hook: Hook): string | undefined {
  const chains = rs.chains.filter((c) => c.hook === hook && (c.type === undefined || c.type === "filter"));
  if (chains.length === 0) return undefined;
  // A packet must get through every base chain on the hook: one that drops by default decides.
  const deny = chains.find((c) => c.policy !== undefined && DENY.has(c.policy));
  return deny ? (deny.policy as string) : "accept";
}

const plain = (r: FwRule): boolean => !r.opaque;

/** A plain drop (or reject) of a loopback source, whatever else it matches. */
const loopbackDrop = (r: FwRule, re: RegExp): boolean => plain(r) && r.verdict !== undefined && DENY.has(r.verdict) && r.saddr !== undefined && re.test(r.saddr) && r.iif !== "lo";

/**
 * What narrows a loopback drop beyond its source: CIS's audit expects the rule to match on the
 * source alone (`ip saddr 127.0.0.0/8 counter drop`; iptables `DROP all -- * * 127.0.0.0/8
 * 0.0.0.0/0`; ufw `Anywhere DENY IN 127.0.0.0/8`), so a drop limited to a protocol, a port, a
 * state, a destination, an interface or any match the parser does not model (`other`: `-m limit`,
 * `meta mark 0x1`) is not its rule (the rest of the spoofed traffic passes).
 */
export function spoofLimits(r: FwRule): string[] {
  return [
    ...(r.protocol !== undefined && r.protocol !== "all" ? [`protocol ${r.protocol}`] : []),
    ...(r.dports.length > 0 ? [`port ${r.dports.join(",")}`] : []),
    ...(r.states.length > 0 ? [`state ${r.states.join(",")}`] : []),
    ...(r.daddr !== undefined ? [`destination ${r.daddr}`] : []),
    ...(r.iif !== undefined ? [`input interface ${r.iif}`] : []),
    ...(r.oif !== undefined ? [`output interface ${r.oif}`] : []),
    ...(r.other ?? []).map((o) => `a match not modelled (${o})`),
  ];
}

/** Input rules dropping a loopback source but limited to part of the traffic (shown in the evidence when no full drop exists). */
export function limitedSpoofDrops(rs: Ruleset, family: "ipv4" | "ipv6", extra: { input?: readonly string[] } = {}): FwRule[] {
  const re = family === "ipv4" ? V4_LOOPBACK : V6_LOOPBACK;
  return rulesOnHook(rs, { hook: "input", ...(extra.input ? { extraChains: extra.input } : {}) }).filter((r) => loopbackDrop(r, re) && spoofLimits(r).length > 0);
}

export function summarise(rs: Ruleset, extra: { input?: readonly string[]; output?: readonly string[]; forward?: readonly string[] } = {}): RulesetSummary {
  const input = rulesOnHook(rs, { hook: "input", ...(extra.input ? { extraChains: extra.input } : {}) });
  const output = rulesOnHook(rs, { hook: "output", ...(extra.output ? { extraChains: extra.output } : {}) });
  const policies = Object.fromEntries(HOOKS.map((h) => [h, hookPolicy(rs, h)])) as Record<Hook, string | undefined>;
  const isLo = (v: string | undefined): boolean => v === "lo";
  const loAccept = (rules: FwRule[], dir: "iif" | "oif"): boolean =>
    rules.some((r) => plain(r) && r.verdict === "accept" && isLo(r[dir]) && r.saddr === undefined && r.daddr === undefined && r.dports.length === 0 && r.protocol === undefined);
  const spoof = (re: RegExp): boolean => input.some((r) => loopbackDrop(r, re) && spoofLimits(r).length === 0);
  const ports = new Set<string>();
  for (const r of input) {
    if (!plain(r) || r.verdict !== "accept" || isLo(r.iif)) continue;
    for (const p of r.dports) ports.add(`${p}/${r.protocol ?? "any"}`);
  }
  const established = [...input, ...output].filter((r) => plain(r) && r.verdict === "accept" && r.states.includes("established")).map((r) => r.text);
  return {
    tables: rs.tables.map((t) => `${t.family} ${t.name}`),
    tableCount: rs.tables.length,
    ...(policies.input !== undefined ? { inputPolicy: policies.input } : {}),
    ...(policies.forward !== undefined ? { forwardPolicy: policies.forward } : {}),
    ...(policies.output !== undefined ? { outputPolicy: policies.output } : {}),
    defaultDeny: HOOKS.every((h) => policies[h] !== undefined && DENY.has(policies[h] as string)),
    baseChains: rs.chains.filter((c) => c.hook !== undefined).map((c) => `${c.family} ${c.table} ${c.name}: ${c.hook}${c.type ? ` ${c.type}` : ""}${c.policy ? ` policy ${c.policy}` : ""}`),
    hooks: HOOKS.filter((h) => policies[h] !== undefined),
    loopbackAccept: loAccept(input, "iif"),
    loopbackOutAccept: loAccept(output, "oif"),
    loopbackSpoofDrop: spoof(V4_LOOPBACK),
    loopbackSpoofDrop6: spoof(V6_LOOPBACK),
    establishedRules: [...new Set(established)],
    acceptedPorts: [...ports].sort(),
    ruleCount: rs.rules.length,
  };
}

/** Does an accepted port entry (`22/tcp`, `1000-2000/any`) cover a listening port? */
export function portCovered(accepted: readonly string[], port: number, protocol: "tcp" | "udp"): boolean {
  return accepted.some((a) => {
    const [range, proto] = a.split("/") as [string, string];
    if (proto !== "any" && proto !== protocol) return false;
    for (const part of range.split(",")) {
      const m = /^(\d+)(?:[-:](\d+))?$/.exec(part.trim());
      if (!m) continue;
      const lo = Number(m[1]);
      const hi = m[2] !== undefined ? Number(m[2]) : lo;
      if (port >= lo && port <= hi) return true;
    }
    return false;
  });
}
