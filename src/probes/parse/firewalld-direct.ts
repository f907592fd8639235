/**
 * firewalld's direct interface as CIS section 4.2 judges it: the ip(6)tables rules and
 * passthroughs of /etc/firewalld/direct.xml (offline) or `firewall-cmd --direct
 * --get-all-rules` / `--get-all-passthroughs` (live), read with the iptables parser.
 *
 * Where they stand (firewalld.direct(5), firewalld's nftables backend notes): ip(6)tables
 * rules run before firewalld's own. A DROP there is final on either backend, so a direct
 * drop of the loopback source is an anti-spoofing rule. An ACCEPT there is final only on the
 * iptables backend (FirewallBackend=iptables: the direct chains are jumped to before the
 * zones); on the nftables backend (the default since firewalld 0.6, RHEL 8 and 9) a packet
 * iptables accepts is still filtered by firewalld's zones. So on the iptables backend a direct
 * rule accepting traffic that can come from a loopback address, reached before a direct drop
 * of it, lets spoofed packets past every zone's drop rule; and what direct rules accept is
 * what the host lets in beside the zones (4.2.1), shown on either backend with which applies.
 *
 * Order: passthroughs inserting (-I) first, then the direct rules by priority (lower first;
 * firewalld keeps no order within one priority, this reads them as written), then the other
 * passthroughs; a jump into a chain the direct rules fill is followed where it stands. Where
 * that is not the order the kernel sees (several -I passthroughs into one chain, -A INPUT on the
 * iptables backend, a passthrough into firewalld's own chains, a RETURN: unmodelledOrder), the
 * anti-spoofing verdict is unknown, naming the passthrough or rule. Pure.
 */
import { spoofLimits, type FwRule, type Ruleset } from "./firewall-rules.js";
import type { DirectPassthrough, DirectRule, FirewalldDirect, ParseProblem } from "./firewalld.js";
import { parseIptablesSave } from "./iptables.js";

export type FirewalldBackend = "nftables" | "iptables";

/** What the direct rules mean for one family's anti-spoofing fact. */
export type DirectSpoof =
  /** A direct rule drops packets from the loopback address not on lo, before any accept that could take them. */
  | { verdict: "drop"; rule: string }
  /** (iptables backend) A direct rule accepts packets that can carry the loopback source before any such drop: the zones' drop rules never see them. */
  | { verdict: "bypass"; rule: string }
  /** (iptables backend) A direct accept with a match this model does not read comes first. */
  | { verdict: "unknown"; reason: string };

export interface DirectJudgement {
  spoof: Partial<Record<"ipv4" | "ipv6", DirectSpoof>>;
  /** What direct rules accept on input, for 4.2.1's list (`direct rule ipv4 filter INPUT priority 0: -p tcp --dport 8080 -j ACCEPT`). */
  allows: string[];
  /** Every direct rule and passthrough on the input path, with its line. */
  shown: { line?: number; detail: string }[];
  /** Arguments the iptables parser could not read (an unknown command in a passthrough): the direct rules are then not judged. */
  problems: ParseProblem[];
}

type Item = { kind: "rule"; r: DirectRule } | { kind: "passthrough"; p: DirectPassthrough };

/** The whole loopback source (a drop of 127.0.0.1 alone lets the rest of 127.0.0.0/8 through). */
const LOOPBACK = { ipv4: new Set(["127.0.0.0/8", "127.0.0.1/8"]), ipv6: new Set(["::1", "::1/128"]) };

/** Split ip(6)tables arguments into words ("quoted" comments one word). */
function words(s: string): string[] {
  return [...s.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? `"${m[1]}"` : (m[2] as string)));
}

/** A passthrough's table (`-t nat`, default filter) and its command without it. */
function splitTable(args: string): { table: string; rest: string } {
  const w = words(args);
  let table = "filter";
  const rest: string[] = [];
  for (let i = 0; i < w.length; i++) {
    const a = w[i] as string;
    if ((a === "-t" || a === "--table") && w[i + 1] !== undefined) table = w[++i] as string;
    else if (a.startsWith("--table=")) table = a.slice("--table=".length);
    else rest.push(a);
  }
  return { table, rest: rest.join(" ") };
}

const label = (it: Item): string => (it.kind === "rule" ? `direct rule ${it.r.ipv} ${it.r.table} ${it.r.chain} priority ${it.r.priority}` : `direct passthrough ${it.p.ipv}`);

/** One family's direct rules and passthroughs as one iptables-save text, each line mapped back to its item. */
function synthesise(d: FirewalldDirect, ipv: "ipv4" | "ipv6"): { rs: Ruleset; items: Map<number, Item> } {
  const byTable = new Map<string, { chains: Set<string>; first: { text: string; item: Item }[]; rules: { text: string; item: Item }[]; last: { text: string; item: Item }[] }>();
  const table = (t: string) => {
    let e = byTable.get(t);
    if (!e) byTable.set(t, (e = { chains: new Set(), first: [], rules: [], last: [] }));
    return e;
  };
  for (const c of d.chains) if (c.ipv === ipv) table(c.table).chains.add(c.chain);
  for (const r of [...d.rules].filter((x) => x.ipv === ipv).sort((a, b) => a.priority - b.priority)) {
    const t = table(r.table);
    t.chains.add(r.chain);
    t.rules.push({ text: `-A ${r.chain} ${r.args}`, item: { kind: "rule", r } });
  }
  for (const p of d.passthroughs.filter((x) => x.ipv === ipv)) {
    const { table: name, rest } = splitTable(p.args);
    const t = table(name);
    const w = words(rest);
    const cmd = w[0] ?? "";
    // A new chain is declared up front, so a rule jumping to it before its -N still finds it.
    if ((cmd === "-N" || cmd === "--new-chain") && w[1] !== undefined) t.chains.add(w[1]);
    else if (cmd === "-I" || cmd === "--insert") t.first.push({ text: rest, item: { kind: "passthrough", p } });
    else {
      if ((cmd === "-A" || cmd === "--append") && w[1] !== undefined) t.chains.add(w[1]);
      t.last.push({ text: rest, item: { kind: "passthrough", p } });
    }
  }
  const lines: string[] = [];
  const items = new Map<number, Item>();
  for (const [name, t] of byTable) {
    lines.push(`*${name}`);
    for (const c of t.chains) lines.push(`:${c} - [0:0]`);
    for (const x of [...t.first, ...t.rules, ...t.last]) {
      lines.push(x.text);
      items.set(lines.length, x.item);
    }
    lines.push("COMMIT");
  }
  const rs = parseIptablesSave(lines.join("\n"), ipv === "ipv4" ? "ip" : "ip6");
  return { rs, items };
}

/** The rules an input packet meets, in order: INPUT's, a jump's chain where the jump stands. */
function inputPath(rs: Ruleset): FwRule[] {
  const byChain = new Map<string, FwRule[]>();
  for (const r of rs.rules) if (r.table === "filter") byChain.set(r.chain, [...(byChain.get(r.chain) ?? []), r]);
  const out: FwRule[] = [];
  const seen = new Set<string>();
  const walk = (chain: string): void => {
    if (seen.has(chain)) return;
    seen.add(chain);
    for (const r of byChain.get(chain) ?? []) {
      out.push(r);
      if ((r.verdict === "jump" || r.verdict === "goto") && r.target !== undefined) walk(r.target);
    }
  };
  walk("INPUT");
  return out;
}

/** An IPv6 address as a number, or undefined when it is not one. */
function v6(addr: string): bigint | undefined {
  const halves = addr.split("::");
  if (halves.length > 2) return undefined;
  const part = (h: string | undefined): string[] => (h === undefined || h === "" ? [] : h.split(":"));
  const head = part(halves[0]);
  const tail = part(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Can a source match (`-s`, absent: any) include the loopback address? A name or a form not read: it may. */
function mayBeLoopback(saddr: string | undefined, ipv: "ipv4" | "ipv6"): boolean {
  if (saddr === undefined) return true;
  return saddr.split(",").some((s) => {
    const [addr = "", lenText] = s.split("/");
    const bits = ipv === "ipv4" ? 32 : 128;
    const len = lenText === undefined ? bits : Number(lenText);
    if (!Number.isInteger(len) || len < 0 || len > bits) return true;
    let n: bigint | undefined;
    if (ipv === "ipv6") n = v6(addr);
    else {
      const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
      n = m ? m.slice(1, 5).reduce((a, o) => (a << 8n) | BigInt(Number(o) & 255), 0n) : undefined;
    }
    if (n === undefined) return true;
    const loop = ipv === "ipv4" ? 0x7f000001n : 1n;
    const shift = BigInt(bits - len);
    return n >> shift === loop >> shift;
  });
}

/** Match modules whose options the iptables parser reads (or that do not narrow the source); any other may. */
const READ_MATCHES = new Set(["tcp", "udp", "comment", "state", "conntrack", "multiport", "icmp", "icmp6", "icmpv6"]);

/** The first match module the parser does not read (`-m set`, `-m mark`), if any. */
function unreadMatch(text: string): string | undefined {
  const w = words(text);
  for (let i = 0; i < w.length - 1; i++) if ((w[i] === "-m" || w[i] === "--match") && !READ_MATCHES.has(w[i + 1] as string)) return `-m ${w[i + 1] as string}`;
  return undefined;
}

/**
 * The input order this model does not build (so 4.2.2 is not judged): a second `-I` passthrough
 * into a chain on the input path (each goes to the top: the later comes first), an `-A INPUT`
 * passthrough on the iptables backend (after firewalld's own rules, which end in a reject), a
 * passthrough into one of firewalld's own input chains (INPUT_direct, IN_public, …), a RETURN.
 */
function unmodelledOrder(d: FirewalldDirect, ipv: "ipv4" | "ipv6", backend: FirewalldBackend, path: readonly FwRule[], name: (r: FwRule) => string): string | undefined {
  const onPath = new Set(["INPUT", ...path.map((r) => r.chain)]);
  const declared = new Set(d.chains.filter((c) => c.ipv === ipv && c.table === "filter").map((c) => c.chain));
  const inserted = new Set<string>();
  for (const p of d.passthroughs.filter((x) => x.ipv === ipv)) {
    const { table, rest } = splitTable(p.args);
    const [cmd = "", chain = ""] = words(rest);
    if (table !== "filter") continue;
    if (cmd === "-N" || cmd === "--new-chain") declared.add(chain);
    const insert = cmd === "-I" || cmd === "--insert";
    const append = cmd === "-A" || cmd === "--append";
    if (!insert && !append) continue;
    const what = `direct passthrough ${ipv}: ${p.args}`;
    if (insert && onPath.has(chain) && inserted.has(chain)) return `${what}: each -I passthrough goes to the top of ${chain}, so the later ones come first; that order is not modelled`;
    if (insert) inserted.add(chain);
    if (append && chain === "INPUT" && backend === "iptables") return `${what}: appended to INPUT after firewalld's own rules, which end in a reject (FirewallBackend=iptables); that order is not modelled`;
    if (!declared.has(chain) && /^IN/.test(chain) && chain !== "INPUT") return `${what}: adds to firewalld's own chain ${chain}, which is not modelled`;
  }
  const ret = path.find((r) => r.verdict === "return");
  return ret !== undefined ? `${name(ret)}: a RETURN on the input path is not modelled` : undefined;
}

/** Only established/related packets (a spoofed packet opens nothing). */
const onlyEstablished = (r: FwRule): boolean => r.states.length > 0 && r.states.every((s) => s === "established" || s === "related");

/** What the direct rules mean for CIS 4.2.1 and 4.2.2. */
export function judgeDirect(d: FirewalldDirect, backend: FirewalldBackend): DirectJudgement {
  const out: DirectJudgement = { spoof: {}, allows: [], shown: [], problems: [] };
  const nftNote = backend === "nftables" ? " (FirewallBackend=nftables: the zones still filter what it accepts)" : "";
  for (const ipv of ["ipv4", "ipv6"] as const) {
    const { rs, items } = synthesise(d, ipv);
    const where = (r: FwRule): Item | undefined => items.get(r.line);
    for (const p of rs.problems) {
      const it = items.get(p.line);
      const line = it?.kind === "rule" ? it.r.line : it?.p.line;
      out.problems.push({ line: line ?? 0, message: `${it ? label(it) : `direct ${ipv}`}: ${p.message}` });
    }
    let decided = false;
    const nameOf = (r: FwRule): string => {
      const it = where(r);
      return it ? `${label(it)}: ${it.kind === "rule" ? it.r.args : it.p.args}` : r.text;
    };
    const path = inputPath(rs);
    for (const r of path) {
      const it = where(r);
      const name = nameOf(r);
      const line = it?.kind === "rule" ? it.r.line : it?.p.line;
      const deny = r.verdict === "drop" || r.verdict === "reject";
      const limits = deny && !r.opaque && r.iif !== "lo" && LOOPBACK[ipv].has(r.saddr ?? "") ? spoofLimits(r) : [];
      const note = r.opaque ? ` (${r.opaqueReason ?? "a match not read"})` : limits.length > 0 ? ` (not the anti-spoofing rule: limited to ${limits.join(", ")})` : "";
      out.shown.push({ ...(line !== undefined ? { line } : {}), detail: `${name}${note}` });
      if (r.verdict === "accept" && r.iif !== "lo") out.allows.push(`${name}${nftNote}`);
      if (decided || r.iif === "lo") continue;
      // The source alone: no protocol, port, state, destination, interface or other match (spoofLimits) narrows it.
      if (deny && !r.opaque && LOOPBACK[ipv].has(r.saddr ?? "") && limits.length === 0) {
        out.spoof[ipv] = { verdict: "drop", rule: name };
        decided = true;
      } else if (r.verdict === "accept" && !onlyEstablished(r) && (r.opaque || mayBeLoopback(r.saddr, ipv))) {
        // iptables ends here: a later direct drop is not reached. On the nftables backend the zones still decide.
        decided = true;
        const unread = r.opaque ? (r.opaqueReason ?? "a match not read") : unreadMatch(r.text);
        if (backend === "iptables") {
          out.spoof[ipv] = unread !== undefined
            ? { verdict: "unknown", reason: `${name} accepts before the zones (FirewallBackend=iptables) with ${unread}, a match not read: whether it takes spoofed loopback packets is not judged` }
            : { verdict: "bypass", rule: name };
        }
      }
    }
    const order = unmodelledOrder(d, ipv, backend, path, nameOf);
    if (order !== undefined) out.spoof[ipv] = { verdict: "unknown", reason: `the direct rules' order is not judged: ${order}` };
  }
  return out;
}
