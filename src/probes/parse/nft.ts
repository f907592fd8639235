/**
 * Pure parser for nftables rulesets as text: the files `nft -f` loads (/etc/nftables.conf
 * and what it includes) and `nft list ruleset` output, which share one syntax:
 *
 *   table inet filter {
 *     chain input {
 *       type filter hook input priority 0; policy drop;
 *       iif "lo" accept
 *       ip saddr 127.0.0.0/8 counter drop
 *       tcp dport { 22, 80 } accept
 *     }
 *   }
 *
 * plus the command form (`add table inet filter`, `add chain inet filter input { … }`,
 * `add rule inet filter input iif lo accept`, `add set …`, `add element …`), `include "…"`
 * and `flush ruleset`. `define NAME = value` is substituted where `$NAME` is used. A named
 * set with constant elements (`set ssh { type inet_service; elements = { 22, 2222 } }`, or
 * filled by `add element inet filter ssh { 22 }`) stands for its elements where a rule says
 * `@ssh`; a dynamic set, one filled only at runtime, or an unknown `$var` leaves the rule
 * opaque (neither an accept nor a drop the probe can judge), with the reason. An anonymous
 * verdict map on the ports or the conntrack state (`tcp dport vmap { 22 : accept, 23 : drop }`,
 * `ct state vmap { established : accept, invalid : drop }`) counts as one rule per verdict;
 * a named verdict map with constant entries (`map ports { type inet_service : verdict; elements
 * = { 22 : accept } }`, used as `vmap @ports`) counts as its entries; any other vmap is opaque
 * with the reason. Other maps, flowtables and other objects are
 * skipped. Never throws: what it cannot read is a problem with its line.
 *
 * NftReader reads an include walk the way `nft -f` does: `parse` yields each `include`
 * where it stands, and the caller parses the included files with the same reader before
 * the rest — so defines and sets of an included file are seen after the include, and an
 * include inside a table block adds to that table.
 */
import { pushAll } from "../../util/array.js";
import { emptyRuleset, type FwChain, type FwRule, type Ruleset } from "./firewall-rules.js";
import { unquoted } from "./problem.js";

/** `define` values by name, shared across a file and the files it includes. */
export type NftDefines = Map<string, string>;

/** A named set's constant elements (`dynamic`: filled by the packet path, never known from the text). */
interface NftSet {
  elements: string[];
  dynamic: boolean;
}
/** A table's named sets. */
type NftSets = Map<string, NftSet>;

export interface NftParse extends Ruleset {
  /** `include "path"` statements, in order. */
  includes: { path: string; line: number }[];
  /** The file starts over: `flush ruleset`. */
  flush: boolean;
}

const FAMILIES = new Set(["ip", "ip6", "inet", "arp", "bridge", "netdev"]);
const SKIPPED_OBJECTS = /^(set|map|flowtable|counter|quota|limit|ct|secmark|synproxy)\b/;
const VERDICT_WORDS = new Set(["accept", "drop", "reject", "return", "queue", "jump", "goto"]);

/** Strip a `#` comment that is not inside a quoted string. */
function stripComment(s: string): string {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') q = !q;
    else if (c === "#" && !q) return s.slice(0, i);
  }
  return s;
}

const count = (s: string, ch: string): number => s.split(ch).length - 1;

/** Split on `;` outside braces and quotes. */
function statements(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let q = false;
  let cur = "";
  for (const c of s) {
    if (c === '"') q = !q;
    if (!q && c === "{") depth++;
    if (!q && c === "}") depth--;
    if (!q && depth === 0 && c === ";") {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== "");
}

const unq = (s: string): string => s.replace(/^"(.*)"$/, "$1");

/**
 * For each `{` outside quotes, the index of its matching `}` (-1 when unclosed): one pass with
 * a stack, so a line of 100,000 unclosed braces is read once, not rescanned from each.
 */
function braceMatches(s: string): Map<number, number> {
  const out = new Map<number, number>();
  const open: number[] = [];
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') q = !q;
    else if (q) continue;
    else if (c === "{") open.push(i);
    else if (c === "}") {
      const at = open.pop();
      if (at !== undefined) out.set(at, i);
    }
  }
  for (const at of open) out.set(at, -1);
  return out;
}

/**
 * Tokens of a rule; a `{ a, b }` set literal is one token, nested ones included: a define that
 * is itself a set (`define web = { 80, 443 }`) used in one (`{ $web, 8080 }`) reads, as nft
 * reads it, as the one set `{ { 80, 443 }, 8080 }` (setItems flattens it).
 */
function tokens(s: string): string[] {
  const out: string[] = [];
  const match = braceMatches(s);
  const word = /"[^"]*"|\S+/y;
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const end = c === "{" ? (match.get(i) ?? -1) : -1;
    if (end !== -1) {
      out.push(s.slice(i, end + 1));
      i = end + 1;
      continue;
    }
    word.lastIndex = i;
    const m = word.exec(s) as RegExpExecArray;
    out.push(m[0]);
    i += m[0].length;
  }
  return out;
}

/** `a, { b, c } : x, d` split at the commas outside braces (one pass). */
function topLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "{") depth++;
    else if (c === "}") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) {
      out.push(s.slice(from, i));
      from = i + 1;
    }
  }
  out.push(s.slice(from));
  return out;
}

/** Selector words that take a second word (`ip saddr`, `tcp dport`, `meta l4proto`); others are one word (`iifname`). */
const TWO_WORD = new Set(["ip", "ip6", "tcp", "udp", "th", "sctp", "dccp", "udplite", "meta", "ct", "icmp", "icmpv6", "ether", "fib"]);

/**
 * A concatenated match (`ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.2 . 80 }`, or `@name` of a
 * set typed `ipv4_addr . inet_service`): its selectors and the value of each per element, or
 * why it cannot be read. `start`/`end` delimit its tokens.
 */
function concatenation(t: readonly string[], dot: number, sets: NftSets | undefined): { start: number; end: number; selectors: string[]; elements: string[][] } | { start: number; end: number; unknown: string } {
  const start = dot >= 2 && TWO_WORD.has(t[dot - 2] as string) ? dot - 2 : dot - 1;
  const selectors = [t.slice(start, dot).join(" ")];
  let j = dot;
  while (t[j] === "." && j + 1 < t.length) {
    const n = TWO_WORD.has(t[j + 1] as string) ? 2 : 1;
    selectors.push(t.slice(j + 1, j + 1 + n).join(" "));
    j += 1 + n;
  }
  const v = t[j];
  let values: string[];
  let end: number;
  if (v === undefined) return { start, end: j, unknown: "a concatenation without a value" };
  if (v.startsWith("{")) {
    values = topLevel(v.slice(1, -1)).map((x) => x.trim()).filter((x) => x !== "");
    end = j + 1;
  } else if (v.startsWith("@")) {
    const why = setUnknown(sets, v.slice(1));
    if (why !== undefined) return { start, end: j + 1, unknown: why };
    values = (sets?.get(v.slice(1)) as NftSet).elements;
    end = j + 1;
  } else {
    // `10.0.0.1 . 22`: one value per selector, joined by dots.
    const parts = [v];
    end = j + 1;
    while (t[end] === "." && t[end + 1] !== undefined) {
      parts.push(t[end + 1] as string);
      end += 2;
    }
    values = [parts.join(" . ")];
  }
  const elements = values.map((e) => e.split(/\s+\.\s+/).map((x) => unq(x.trim())));
  const bad = elements.find((e) => e.length !== selectors.length);
  if (bad !== undefined) return { start, end, unknown: `a concatenation of ${selectors.join(" . ")} with an element this model does not read (${bad.join(" . ").slice(0, 40)})` };
  return { start, end, selectors, elements };
}

/** The selectors a concatenation is read with; any other (meta mark, ct mark, …) restricts what the model cannot judge. */
const CONCAT_SELECTORS = /^((tcp|udp|th|sctp) dport|meta l4proto|ip6? [sd]addr|(meta )?iif(name)?)$/;

/**
 * A rule with a concatenated match, as one rule per protocol and interface: its ports, and
 * its addresses (one, or a `{ … }` list of them) as restrictions; what else the rule says is
 * read as usual. A selector the model does not read (`meta mark . ip saddr`) makes the rule
 * opaque: dropping it would read a narrower rule as a wider one (a drop of marked loopback
 * packets as the anti-spoofing rule).
 */
function concatRules(rule: FwRule, t: string[], dot: number, sets: NftSets | undefined, family: string, table: string, chain: string, line: number, file?: string): FwRule[] {
  const c = concatenation(t, dot, sets);
  if ("unknown" in c) {
    opaqueAs(rule, c.unknown);
    return [rule];
  }
  // One concatenation per rule is read (a second would re-read the rest for each: quadratic on a hostile line).
  if (t.indexOf(".", c.end) !== -1) {
    opaqueAs(rule, "more than one concatenated match in a rule");
    return [rule];
  }
  const unread = c.selectors.find((x) => !CONCAT_SELECTORS.test(x));
  if (unread !== undefined) {
    opaqueAs(rule, `a concatenation with ${unread}, which this model does not read`);
    return [rule];
  }
  const rest = [...t.slice(0, c.start), ...t.slice(c.end)].join(" ");
  const [base] = parseNftRules(rest, family, table, chain, line, file, sets) as [FwRule];
  const at = (name: RegExp) => c.selectors.findIndex((x) => name.test(x));
  const port = at(/^(tcp|udp|th|sctp) dport$/);
  const proto = at(/^meta l4proto$/);
  const saddr = at(/^ip6? saddr$/);
  const daddr = at(/^ip6? daddr$/);
  const iif = at(/^(meta )?iif(name)?$/);
  const groups = new Map<string, { protocol?: string; iif?: string; dports: string[]; saddr: string[]; daddr: string[] }>();
  for (const e of c.elements) {
    const protocol = port !== -1 && !c.selectors[port]?.startsWith("th") ? (c.selectors[port] as string).split(" ")[0] : proto !== -1 ? e[proto] : undefined;
    const dev = iif !== -1 ? e[iif] : undefined;
    const key = `${protocol ?? ""}\u0000${dev ?? ""}`;
    const g = groups.get(key) ?? { ...(protocol !== undefined ? { protocol } : {}), ...(dev !== undefined ? { iif: dev } : {}), dports: [], saddr: [], daddr: [] };
    if (port !== -1) g.dports.push(e[port] as string);
    if (saddr !== -1) g.saddr.push(e[saddr] as string);
    if (daddr !== -1) g.daddr.push(e[daddr] as string);
    groups.set(key, g);
  }
  const addr = (xs: string[]): string | undefined => {
    const u = [...new Set(xs)];
    return u.length === 0 ? undefined : u.length === 1 ? u[0] : `{ ${u.join(", ")} }`;
  };
  return [...groups.values()].map((g) => {
    // Both a port match and the concatenation's ports must hold: the ports both name (a range on
    // either side is not intersected here: opaque).
    const both = base.dports.length > 0 && g.dports.length > 0;
    if (both && [...base.dports, ...g.dports].some((x) => x.includes("-"))) {
      const r: FwRule = { ...base, text: rule.text };
      opaqueAs(r, "a port range beside a concatenation's ports");
      return r;
    }
    const dports = both ? [...new Set(g.dports)].filter((x) => base.dports.includes(x)) : [...new Set([...base.dports, ...g.dports])];
    const r: FwRule = { ...base, text: rule.text, dports };
    if (g.protocol !== undefined) r.protocol = g.protocol;
    if (g.iif !== undefined) r.iif = g.iif;
    const sa = addr(g.saddr);
    const da = addr(g.daddr);
    if (sa !== undefined) r.saddr = sa;
    if (da !== undefined) r.daddr = da;
    return r;
  });
}

/** A set literal's elements (nested sets flattened, as nft merges them), or the one value. */
const setItems = (t: string): string[] =>
  t.startsWith("{") ? elementsOf(t.slice(1, -1).replace(/[{}]/g, " ")) : [unq(t)];

/** Read what the firewall probe judges from one nft rule statement. */
export function parseNftRule(text: string, family: string, table: string, chain: string, line: number, file?: string, sets?: NftSets): FwRule {
  return parseNftRules(text, family, table, chain, line, file, sets)[0] as FwRule;
}

/** Why a `@name` cannot stand for its elements, or undefined when it can. */
function setUnknown(sets: NftSets | undefined, name: string): string | undefined {
  const set = sets?.get(name);
  if (!set) return `set @${name} is not defined in the files read`;
  if (set.dynamic) return `set @${name} is dynamic (filled by the packet path)`;
  if (set.elements.length === 0) return `set @${name} has no elements in the files read (filled at runtime)`;
  // A set past MAX_SET_ELEMENTS stays opaque: each rule naming it would copy it whole.
  if (set.elements.length > MAX_SET_ELEMENTS) return `set @${name} has over ${MAX_SET_ELEMENTS} elements`;
  return undefined;
}

const opaqueAs = (rule: FwRule, reason: string): void => {
  rule.opaque = true;
  rule.opaqueReason ??= reason;
};

/** Options of a `log` statement, each with one value. */
const LOG_OPTIONS = new Set(["prefix", "level", "flags", "group", "snaplen", "queue-threshold"]);

/** Selectors whose anonymous verdict map is read as one rule per verdict. */
const VMAP_PORTS = /^(tcp|udp|th|sctp)$/;

/**
 * One nft rule statement as the rules the firewall probe judges: one, or — for an anonymous
 * verdict map on the ports or the conntrack state — one per verdict of the map.
 */
export function parseNftRules(text: string, family: string, table: string, chain: string, line: number, file?: string, sets?: NftSets): FwRule[] {
  const rule: FwRule = { family, table, chain, dports: [], states: [], opaque: false, text, line, ...(file !== undefined ? { file } : {}) };
  // `@name` → the set's constant elements as a literal; an unknown or dynamic set stays `@name` (opaque).
  const t = tokens(text).map((w) => {
    if (!w.startsWith("@") || !sets || setUnknown(sets, w.slice(1)) !== undefined) return w;
    return `{ ${(sets.get(w.slice(1)) as NftSet).elements.join(", ")} }`;
  });
  // A `$name` still here is a define that is unknown or was not expanded (past
  // MAX_DEFINE_EXPANSION, or defined by itself): what it stands for is not known.
  const left = t.find((w) => !w.startsWith('"') && /\$[A-Za-z_]/.test(w));
  if (left !== undefined) opaqueAs(rule, `${/\$[A-Za-z_][\w-]*/.exec(left)?.[0] ?? left} is not defined in the files read, or not expanded`);
  const vmap = t.indexOf("vmap");
  if (vmap !== -1) return vmapRules(rule, t, vmap, sets);
  const dot = t.indexOf(".");
  if (dot > 0 && !rule.opaque) return concatRules(rule, t, dot, sets, family, table, chain, line, file);
  // Words no branch below reads, kept as written in `other` (`meta mark 0x1`, `tcp sport 53`,
  // `limit rate 1/second`): each may narrow the rule. Statements that match nothing (counter,
  // log, comment) and the words after the verdict (`reject with …`) are not kept.
  let verdictSeen = false;
  let lastOther = -2;
  let skipTo = -1;
  const other = (i: number): void => {
    const w = t[i] as string;
    if (verdictSeen || i <= skipTo || w === "!=") return;
    if (w === "counter") {
      if (t[i + 1] === "packets" && t[i + 3] === "bytes") skipTo = i + 4;
      return;
    }
    if (w === "comment") {
      skipTo = i + 1;
      return;
    }
    if (w === "log") {
      let k = i + 1;
      while (LOG_OPTIONS.has(t[k] ?? "")) k += 2;
      skipTo = k - 1;
      return;
    }
    const list = (rule.other ??= []);
    if (lastOther === i - 1 && list.length > 0) list[list.length - 1] += ` ${w}`;
    else list.push(w);
    lastOther = i;
  };
  for (let i = 0; i < t.length; i++) {
    const w = t[i] as string;
    const next = t[i + 1];
    if (next === "!=" || w === "!=") opaqueAs(rule, "a negated match (!=)");
    if ((w === "iif" || w === "iifname" || (w === "meta" && (next === "iif" || next === "iifname")))) {
      const v = w === "meta" ? t[i + 2] : next;
      if (v !== undefined && v !== "!=") {
        rule.iif = unq(v);
        i += w === "meta" ? 2 : 1;
      }
      continue;
    }
    if ((w === "oif" || w === "oifname" || (w === "meta" && (next === "oif" || next === "oifname")))) {
      const v = w === "meta" ? t[i + 2] : next;
      if (v !== undefined && v !== "!=") {
        rule.oif = unq(v);
        i += w === "meta" ? 2 : 1;
      }
      continue;
    }
    if ((w === "ip" || w === "ip6") && (next === "saddr" || next === "daddr")) {
      const v = t[i + 2];
      if (v === "!=") opaqueAs(rule, "a negated match (!=)");
      if (v !== undefined && v !== "!=") {
        if (next === "saddr") rule.saddr = v;
        else rule.daddr = v;
        if (v.startsWith("@")) opaqueAs(rule, setUnknown(sets, v.slice(1)) ?? `set ${v}`);
        if (v.startsWith("$")) opaqueAs(rule, `${v} is not defined in the files read, or not expanded`);
      }
      i += 2;
      continue;
    }
    if ((w === "tcp" || w === "udp" || w === "th" || w === "sctp") && next === "dport") {
      const v = t[i + 2];
      if (w !== "th") rule.protocol = w;
      if (v === "!=") opaqueAs(rule, "a negated match (!=)");
      if (v !== undefined && v !== "!=") {
        if (v.startsWith("@")) opaqueAs(rule, setUnknown(sets, v.slice(1)) ?? `set ${v}`);
        else if (v.startsWith("$")) opaqueAs(rule, `${v} is not defined in the files read, or not expanded`);
        else pushAll(rule.dports, setItems(v));
      }
      i += 2;
      continue;
    }
    if (w === "meta" && next === "l4proto") {
      const v = t[i + 2];
      if (v !== undefined && !v.startsWith("{")) rule.protocol = unq(v);
      else (rule.other ??= []).push(`meta l4proto ${v ?? ""}`.trim());
      i += 2;
      continue;
    }
    if (w === "ct" && next === "state") {
      const v = t[i + 2];
      if (v !== undefined && v !== "!=") pushAll(rule.states, setItems(v).flatMap((x) => x.split(",")).map((x) => x.trim()));
      i += 2;
      continue;
    }
    if (VERDICT_WORDS.has(w)) {
      rule.verdict = w as FwRule["verdict"];
      if ((w === "jump" || w === "goto") && next !== undefined) rule.target = unq(next);
      verdictSeen = true;
      continue;
    }
    other(i);
  }
  return [rule];
}

/**
 * `SELECTOR vmap { key : verdict, … }`: the ports (tcp/udp/th/sctp dport) or conntrack states
 * (ct state) of each verdict as one rule; what precedes the selector is read as usual (so
 * `iif "lo" tcp dport vmap …` keeps its interface). Any other selector, a named map (`@name`)
 * or an entry it cannot read leaves one opaque rule with the reason.
 */
function vmapRules(base: FwRule, t: string[], at: number, sets: NftSets | undefined): FwRule[] {
  const map = t[at + 1];
  const sel = t.slice(Math.max(0, at - 2), at);
  const head = t.slice(0, Math.max(0, at - 2)).join(" ");
  const opaque = (reason: string): FwRule[] => {
    opaqueAs(base, reason);
    return [base];
  };
  // `ip daddr . meta l4proto . th dport vmap …` (kube-proxy's): the key is a concatenation.
  if (t[at - 3] === ".") return opaque("a verdict map on a concatenation of matches this model does not read");
  const ports = sel.length === 2 && VMAP_PORTS.test(sel[0] as string) && sel[1] === "dport";
  const states = sel.length === 2 && sel[0] === "ct" && sel[1] === "state";
  if (!ports && !states) return opaque(`a verdict map on ${sel.join(" ") || "an expression"} this model does not read`);
  if (map === undefined || !map.startsWith("{")) {
    const why = map?.startsWith("@") && sets ? setUnknown(sets, map.slice(1))?.replace(/^set /, "") : undefined;
    return opaque(`a named verdict map (${map ?? "none"}): ${why !== undefined ? why : "its entries are not read"}`);
  }
  // The statements before the selector (iif, saddr, …), read as one plain rule.
  const [prefix] = head === "" ? [undefined] : parseNftRules(head, base.family, base.table, base.chain, base.line, base.file, sets);
  if (prefix?.opaque) return opaque(prefix.opaqueReason ?? "a match before the verdict map is not read");
  const byVerdict = new Map<string, string[]>();
  for (const entry of topLevel(map.slice(1, -1)).map((x) => x.trim()).filter((x) => x !== "")) {
    // The key ends at its last non-blank before the ":" (a lazy `(.+?)\s*:` rescanned the blanks after each
    // character: quadratic on an entry of blanks; chain names hold no ":", so the split is the same).
    const m = /^(.*\S)\s*:\s*(accept|drop|reject|return|continue|(?:jump|goto)\s+\S+)$/.exec(entry);
    if (!m) return opaque(`a verdict map entry this model does not read (${entry.length > 40 ? `${entry.slice(0, 40)}…` : entry})`);
    const list = byVerdict.get(m[2] as string) ?? [];
    // A key that is a set (a define of one: `{ $web : accept }`, `define web = { 80, 443 }`) stands for each of its items.
    pushAll(list, setItems((m[1] as string).trim()));
    byVerdict.set(m[2] as string, list);
  }
  const out: FwRule[] = [];
  for (const [verdict, keys] of byVerdict) {
    if (verdict === "continue") continue;
    const [word, target] = verdict.split(/\s+/) as [string, string?];
    const rule: FwRule = {
      ...base,
      ...(prefix ? { iif: prefix.iif, oif: prefix.oif, saddr: prefix.saddr, daddr: prefix.daddr, protocol: prefix.protocol } : {}),
      dports: ports ? keys : [],
      states: states ? keys : [],
      verdict: word as FwRule["verdict"],
      ...(target !== undefined ? { target: unq(target) } : {}),
    };
    if (ports && sel[0] !== "th") rule.protocol = sel[0] as string;
    for (const k of Object.keys(rule) as (keyof FwRule)[]) if (rule[k] === undefined) delete rule[k];
    out.push(rule);
  }
  return out.length > 0 ? out : [base];
}

interface Frame {
  kind: "table" | "chain" | "skip" | "set";
  family: string;
  table: string;
  chain?: string;
  depth?: number;
  /** A set (or a verdict map) being read: its name and body so far. */
  set?: { name: string; body: string; map?: boolean };
}

const MAX_DEFINE_EXPANSION = 64 * 1024;
/** Named-set elements substituted into a rule at most; a larger set leaves the rule opaque. */
const MAX_SET_ELEMENTS = 4096;

/** Replace `$name` with its define (recursively, bounded); an unknown name is left as written. */
function expandDefines(s: string, defines: NftDefines): string {
  if (!s.includes("$") || defines.size === 0) return s;
  let out = s;
  for (let round = 0; round < 8 && /\$[A-Za-z_]/.test(out); round++) {
    const next = out.replace(/\$([A-Za-z_][\w-]*)/g, (m, name: string) => defines.get(name) ?? m);
    if (next === out || next.length > MAX_DEFINE_EXPANSION) break;
    out = next;
  }
  return out;
}

/** A set's body (`type inet_service; flags interval; elements = { 22, 30000-32767 }`): its constant elements. */
function setOf(body: string): NftSet {
  // Each `;`-separated statement scanned once: a hostile body must stay linear.
  const dynamic = body.split(/[;\n]/).some((st) => /^\s*flags\s/.test(st) && /\bdynamic\b/.test(st));
  // The list runs to its matching brace: a define that is a set (`{ $web, 8443 }`) nests one.
  const m = /\belements\s*=\s*\{/.exec(body);
  const start = m ? m.index + m[0].length - 1 : -1;
  const end = start === -1 ? -1 : (braceMatches(body.slice(start)).get(0) ?? -1);
  return { dynamic, elements: end === -1 ? [] : elementsOf(body.slice(start + 1, start + end).replace(/[{}]/g, " ")) };
}

const elementsOf = (list: string): string[] => list.split(",").map((x) => x.trim().replace(/\s+/g, " ")).filter((x) => x !== "");

/** An `include` where it stands: the caller reads it (with the same reader) before the rest. */
export interface NftInclude {
  path: string;
  line: number;
}

/**
 * The reader of one ruleset: a file, or an include walk read as `nft -f` reads it (one
 * scope of defines and sets, one block stack, each include read where it stands).
 */
export class NftReader {
  readonly rs: NftParse = { ...emptyRuleset(), includes: [], flush: false };
  private sets = new Map<string, NftSets>();
  /** Maps to anything but verdicts (`family table name`): skipped, their elements too. */
  private otherMaps = new Set<string>();
  private readonly stack: Frame[] = [];
  // Indexed, not searched: a ruleset of 100k chains must not cost 100k² comparisons.
  private tableKeys = new Set<string>();
  private chainIndex = new Map<string, FwChain>();
  private file: string | undefined;

  constructor(readonly defines: NftDefines = new Map()) {}

  /** Parse `text` (of `file`), yielding each include where it stands; problems go to `rs`. */
  *parse(text: string, file?: string): Generator<NftInclude, void, undefined> {
    const outer = this.file;
    const depth = this.stack.length;
    this.file = file;
    try {
      const lines = text.split("\n");
      for (let i = 0; i < lines.length; i++) {
        const line = i + 1;
        let s = stripComment((lines[i] as string).replace(/\r$/, "")).trim();
        // A line continued with a backslash, or a rule whose set literal spans lines. The parts
        // are joined once and the brace balance kept as they come: re-counting the braces of
        // the growing line made a 40,000-element set spread over lines take 14 s.
        if (this.stack.at(-1)?.kind === "chain" || /^(define|add\s+element|add\s+set)\s/.test(s)) {
          const parts = [s];
          let open = count(s, "{") - count(s, "}");
          while ((s.endsWith("\\") || open > 0) && i + 1 < lines.length) {
            if (s.endsWith("\\")) parts[parts.length - 1] = s.slice(0, -1);
            s = stripComment((lines[++i] as string).replace(/\r$/, "")).trim();
            parts.push(s);
            open += count(s, "{") - count(s, "}");
          }
          s = parts.join(" ");
        }
        const inc = this.handle(s, line);
        if (inc) {
          this.rs.includes.push(inc);
          this.file = outer;
          yield inc;
          this.file = file;
        }
      }
      // Each file closes its own blocks (an included file inside a table block too).
      if (this.stack.length > depth) {
        this.problem(lines.length, `${this.stack.length - depth} block(s) not closed`);
        this.stack.length = depth;
      }
    } finally {
      this.file = outer;
    }
  }

  private at(line: number) {
    return { ...(this.file !== undefined ? { file: this.file } : {}), line };
  }

  private problem(line: number, message: string): void {
    this.rs.problems.push({ line, message, ...(this.file !== undefined ? { file: this.file } : {}) });
  }

  private setsOf(family: string, table: string): NftSets {
    const key = `${family} ${table}`;
    let m = this.sets.get(key);
    if (!m) this.sets.set(key, (m = new Map()));
    return m;
  }

  private addTable(family: string, name: string, line: number): void {
    const k = `${family}\0${name}`;
    if (this.tableKeys.has(k)) return;
    this.tableKeys.add(k);
    this.rs.tables.push({ family, name, ...this.at(line) });
  }

  private chainOf(family: string, table: string, name: string, line: number): FwChain {
    const k = `${family}\0${table}\0${name}`;
    let c = this.chainIndex.get(k);
    if (!c) {
      c = { family, table, name, ...this.at(line) };
      this.chainIndex.set(k, c);
      this.rs.chains.push(c);
    }
    return c;
  }

  private addRules(text: string, family: string, table: string, chain: string, line: number): void {
    pushAll(this.rs.rules, parseNftRules(expandDefines(text, this.defines), family, table, chain, line, this.file, this.setsOf(family, table)));
  }

  /** A statement inside a chain body: its type/hook/priority, its policy, or a rule. */
  private chainStatement(fr: { family: string; table: string; chain: string }, stmt: string, line: number): void {
    const c = this.chainOf(fr.family, fr.table, fr.chain, line);
    const type = /^type\s+(\S+)\s+hook\s+(\S+)(?:\s+device\s+\S+)?(?:\s+priority\s+(.+))?$/.exec(stmt);
    if (type) {
      c.type = type[1] as string;
      c.hook = type[2] as string;
      if (type[3] !== undefined) c.priority = type[3].trim();
      return;
    }
    const policy = /^policy\s+(\S+)$/.exec(stmt);
    if (policy) {
      c.policy = (policy[1] as string).toLowerCase();
      return;
    }
    if (/^(comment|devices)\s/.test(stmt)) return;
    this.addRules(stmt, fr.family, fr.table, fr.chain, line);
  }

  /** `flush ruleset`: what was read before it is gone (defines are the parser's, and stay). */
  private flushRuleset(): void {
    this.rs.flush = true;
    this.rs.tables = [];
    this.rs.chains = [];
    this.rs.rules = [];
    this.tableKeys = new Set();
    this.chainIndex = new Map();
    this.sets = new Map();
    this.otherMaps = new Set();
  }

  /** `add element [family] table set { … }`: constant elements added to a set read before. */
  private addElements(rest: string, line: number): void {
    const brace = rest.indexOf("{");
    const head = (brace === -1 ? rest : rest.slice(0, brace)).trim().split(/\s+/);
    const fn = famName(head);
    const setName = head[FAMILIES.has(head[0] as string) ? 2 : 1];
    if (!fn || !setName || brace === -1) {
      this.problem(line, "cannot read the set of an add element");
      return;
    }
    const sets = this.setsOf(fn[0], fn[1]);
    const set = sets.get(setName);
    const els = elementsOf(expandDefines(rest.slice(brace + 1, rest.lastIndexOf("}") === -1 ? undefined : rest.lastIndexOf("}")), this.defines));
    if (!set) {
      if (this.otherMaps.has(`${fn[0]} ${fn[1]} ${setName}`)) return;
      // nft refuses an element for a set it does not know: the line is read as nft reads it.
      this.problem(line, `add element to set ${setName}, not defined before`);
      return;
    }
    pushAll(set.elements, els);
  }

  /** A set's (or a verdict map's) block read whole: its constant elements, by name. */
  private storeSet(fr: Frame): void {
    if (!fr.set) return;
    if (fr.set.map && !/\btype\b[^;]*:\s*verdict\b/.test(fr.set.body)) {
      // A map to addresses, marks…: not judged, but its `add element` lines are nft's own.
      this.otherMaps.add(`${fr.family} ${fr.table} ${fr.set.name}`);
      return;
    }
    this.setsOf(fr.family, fr.table).set(fr.set.name, setOf(expandDefines(fr.set.body, this.defines)));
  }

  /** One statement (a line, or lines joined); an include is returned for the caller to read. */
  private handle(s: string, line: number): NftInclude | undefined {
    if (s === "") return undefined;
    const top = this.stack.at(-1);
    if (top?.kind === "set" && top.set) {
      top.depth = (top.depth ?? 0) + count(s, "{") - count(s, "}");
      top.set.body += ` ${s}`;
      if ((top.depth ?? 0) <= 0) {
        this.stack.pop();
        this.storeSet(top);
      }
      return undefined;
    }
    if (top?.kind === "skip") {
      top.depth = (top.depth ?? 0) + count(s, "{") - count(s, "}");
      if ((top.depth ?? 0) <= 0) this.stack.pop();
      return undefined;
    }
    if (s === "}" || s === "};") {
      if (this.stack.length === 0) this.problem(line, "a closing brace without a block");
      else this.stack.pop();
      return undefined;
    }
    const inc = /^include\s+"([^"]+)"\s*;?$/.exec(s);
    if (inc) return { path: inc[1] as string, line };
    if (/^flush\s+ruleset\b/.test(s)) {
      this.flushRuleset();
      return undefined;
    }
    const def = /^(define|redefine)\s+([A-Za-z_][\w-]*)\s*=\s*(.*?);?$/.exec(s);
    if (def) {
      this.defines.set(def[2] as string, expandDefines((def[3] as string).trim(), this.defines));
      return undefined;
    }
    const undef = /^undefine\s+([A-Za-z_][\w-]*)/.exec(s);
    if (undef) {
      this.defines.delete(undef[1] as string);
      return undefined;
    }
    if (/^(flush|delete|destroy|reset)\s/.test(s)) return undefined;
    // Command form: add/create table|chain|rule|set|map|element …
    const cmd = /^(?:nft\s+)?(?:add|create|insert)\s+(table|chain|rule|set|map|element)\s+(.*)$/s.exec(s);
    if (cmd && top === undefined) {
      this.command(cmd[1] as string, cmd[2] as string, line);
      return undefined;
    }
    // `table|chain NAME… {`, split at the first brace by hand: the regex it replaces
    // (`\s+([^{]*?)\s*\{`) backtracked cubically on a long run of blanks.
    const openWord = /^(table|chain)\s/.exec(s);
    const brace = openWord ? s.indexOf("{") : -1;
    if (openWord && brace !== -1) {
      const what = openWord[1] as string;
      const words = s.slice(openWord[0].length, brace).split(/\s+/).filter((w) => w !== "");
      const rest = s.slice(brace + 1).trim();
      const oneLine = rest.endsWith("}");
      if (what === "table") {
        if (top !== undefined) this.problem(line, "a table inside a block");
        const fn = famName(words);
        if (!fn) {
          this.problem(line, "cannot read the table name");
          this.stack.push({ kind: "skip", family: "", table: "", depth: 1 });
          return undefined;
        }
        this.addTable(fn[0], fn[1], line);
        this.stack.push({ kind: "table", family: fn[0], table: fn[1] });
        if (oneLine) {
          const inner = rest.slice(0, -1).trim();
          if (inner !== "") this.handle(inner, line);
          this.stack.pop();
        }
        return undefined;
      }
      if (top?.kind !== "table" || !words[0]) {
        this.problem(line, "a chain outside a table");
        if (!oneLine) this.stack.push({ kind: "skip", family: "", table: "", depth: 1 });
        return undefined;
      }
      const fr = { family: top.family, table: top.table, chain: words[0] };
      this.chainOf(fr.family, fr.table, fr.chain, line);
      if (oneLine) {
        for (const st of statements(rest.slice(0, -1))) this.chainStatement(fr, st, line);
        return undefined;
      }
      this.stack.push({ kind: "chain", ...fr });
      for (const st of statements(rest)) this.chainStatement(fr, st, line);
      return undefined;
    }
    // A named set, or a named verdict map (`map ports { type inet_service : verdict; elements = { 22 : accept } }`),
    // which `vmap @ports` reads as its entries; a map to anything but verdicts is skipped.
    const set = /^(set|map)\s+([A-Za-z_][\w-]*)\s*\{(.*)$/.exec(s);
    if (set && top?.kind === "table") {
      const depth = count(s, "{") - count(s, "}");
      const fr: Frame = { kind: "set", family: top.family, table: top.table, depth, set: { name: set[2] as string, body: set[3] as string, map: set[1] === "map" } };
      if (depth > 0) this.stack.push(fr);
      else this.storeSet(fr);
      return undefined;
    }
    if (SKIPPED_OBJECTS.test(s) && s.includes("{") && top?.kind === "table") {
      const depth = count(s, "{") - count(s, "}");
      if (depth > 0) this.stack.push({ kind: "skip", family: "", table: "", depth });
      return undefined;
    }
    if (top?.kind === "chain") {
      for (const st of statements(s)) this.chainStatement({ family: top.family, table: top.table, chain: top.chain as string }, st, line);
      return undefined;
    }
    if (top?.kind === "table") {
      // flags, comment and other table-level attributes.
      if (/^(flags|comment)\s/.test(s)) return undefined;
    }
    this.problem(line, `not read: ${unquoted(s)}`);
    return undefined;
  }

  /** The command form: `add table|chain|rule|set|element …` outside any block. */
  private command(what: string, rest: string, line: number): void {
    if (what === "element") {
      this.addElements(rest, line);
      return;
    }
    const brace = rest.indexOf("{");
    const head = (brace === -1 ? rest : rest.slice(0, brace)).trim().split(/\s+/);
    const fn = famName(head);
    if (!fn) {
      this.problem(line, `cannot read the ${what} name`);
      return;
    }
    const [family, name] = fn;
    const after = head.slice(FAMILIES.has(head[0] as string) ? 2 : 1);
    if (what === "table") {
      this.addTable(family, name, line);
      return;
    }
    const chainName = after[0];
    if (!chainName) {
      this.problem(line, `a ${what} without a ${what === "set" ? "set" : "chain"} name`);
      return;
    }
    this.addTable(family, name, line);
    const body = brace === -1 ? "" : rest.slice(brace + 1, rest.lastIndexOf("}") === -1 ? undefined : rest.lastIndexOf("}"));
    if (what === "set" || what === "map") {
      this.storeSet({ kind: "set", family, table: name, set: { name: chainName, body, map: what === "map" } });
      return;
    }
    if (what === "chain") {
      this.chainOf(family, name, chainName, line);
      for (const st of statements(body)) this.chainStatement({ family, table: name, chain: chainName }, st, line);
      return;
    }
    // add rule family table chain [position n] statement…
    let ruleWords = rest.trim().split(/\s+/).slice(FAMILIES.has(head[0] as string) ? 3 : 2);
    if (ruleWords[0] === "position" || ruleWords[0] === "handle" || ruleWords[0] === "index") ruleWords = ruleWords.slice(2);
    this.chainOf(family, name, chainName, line);
    this.addRules(ruleWords.join(" "), family, name, chainName, line);
  }
}

/** `[family] name` → [family, name] (family defaults to ip). */
function famName(words: string[]): [string, string] | undefined {
  if (words.length >= 2 && FAMILIES.has(words[0] as string)) return [words[0] as string, words[1] as string];
  if (words.length >= 1 && !FAMILIES.has(words[0] as string)) return ["ip", words[0] as string];
  return undefined;
}

/** One file (or `nft list ruleset` output) alone: its includes are listed, not read. */
export function parseNft(text: string, file?: string, defines: NftDefines = new Map()): NftParse {
  const reader = new NftReader(defines);
  for (const inc of reader.parse(text, file)) void inc;
  return reader.rs;
}
