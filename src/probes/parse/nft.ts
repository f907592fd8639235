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
 * `add rule inet filter input iif lo accept`), `include "…"` and `flush ruleset`.
 * `define NAME = value` is substituted where `$NAME` is used (defines carry over to the
 * files included after them: pass one `defines` map through the include walk). A named
 * set with constant elements (`set ssh { type inet_service; elements = { 22, 2222 } }`)
 * stands for its elements where a rule says `@ssh`; a dynamic set, one filled only at
 * runtime, or an unknown `$var` leaves the rule opaque (neither an accept nor a drop the
 * probe can judge). Maps, flowtables and other named objects are skipped. Never throws:
 * what it cannot read is a problem with its line.
 */
import { pushAll } from "../../util/array.js";
import { emptyRuleset, type FwChain, type FwRule, type Ruleset } from "./firewall-rules.js";
import { unquoted } from "./problem.js";

/** `define` values by name, shared across a file and the files it includes. */
export type NftDefines = Map<string, string>;

/** A named set's constant elements, or undefined when they are not known from the text. */
type NftSets = Map<string, string[] | undefined>;

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

/** Tokens of a rule; a `{ a, b }` set literal is one token. */
function tokens(s: string): string[] {
  const out: string[] = [];
  // `[^{}]`, not `[^}]`: with `[^}]` every `{` of a line with no `}` rescans to its end (quadratic).
  const re = /\{[^{}]*\}|"[^"]*"|\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) out.push(m[0]);
  return out;
}

const setItems = (t: string): string[] =>
  t.startsWith("{") ? t.slice(1, -1).split(",").map((x) => x.trim()).filter((x) => x !== "") : [unq(t)];

/** Read what the firewall probe judges from one nft rule statement. */
export function parseNftRule(text: string, family: string, table: string, chain: string, line: number, file?: string, sets?: NftSets): FwRule {
  const rule: FwRule = { family, table, chain, dports: [], states: [], opaque: false, text, line, ...(file !== undefined ? { file } : {}) };
  // `@name` → the set's constant elements as a literal; an unknown or dynamic set stays `@name` (opaque).
  const t = tokens(text).map((w) => {
    if (!w.startsWith("@") || !sets) return w;
    const els = sets.get(w.slice(1));
    // A set past MAX_SET_ELEMENTS stays opaque: each rule naming it would copy it whole.
    return els && els.length > 0 && els.length <= MAX_SET_ELEMENTS ? `{ ${els.join(", ")} }` : w;
  });
  // A `$name` still here is a define that is unknown or was not expanded (past
  // MAX_DEFINE_EXPANSION, or defined by itself): what it stands for is not known.
  if (t.some((w) => !w.startsWith('"') && /\$[A-Za-z_]/.test(w))) rule.opaque = true;
  for (let i = 0; i < t.length; i++) {
    const w = t[i] as string;
    const next = t[i + 1];
    if (next === "!=" || w === "!=") rule.opaque = true;
    if ((w === "iif" || w === "iifname" || (w === "meta" && (next === "iif" || next === "iifname")))) {
      const v = w === "meta" ? t[i + 2] : next;
      if (v !== undefined && v !== "!=") rule.iif = unq(v);
      continue;
    }
    if ((w === "oif" || w === "oifname" || (w === "meta" && (next === "oif" || next === "oifname")))) {
      const v = w === "meta" ? t[i + 2] : next;
      if (v !== undefined && v !== "!=") rule.oif = unq(v);
      continue;
    }
    if ((w === "ip" || w === "ip6") && (next === "saddr" || next === "daddr")) {
      const v = t[i + 2];
      if (v !== undefined && v !== "!=") {
        if (next === "saddr") rule.saddr = v;
        else rule.daddr = v;
        if (v.startsWith("@") || v.startsWith("$")) rule.opaque = true;
      }
      i += 2;
      continue;
    }
    if ((w === "tcp" || w === "udp" || w === "th" || w === "sctp") && next === "dport") {
      const v = t[i + 2];
      if (w !== "th") rule.protocol = w;
      if (v !== undefined && v !== "!=") {
        if (v.startsWith("@") || v.startsWith("$")) rule.opaque = true;
        else pushAll(rule.dports, setItems(v));
      }
      i += 2;
      continue;
    }
    if (w === "meta" && next === "l4proto") {
      const v = t[i + 2];
      if (v !== undefined && !v.startsWith("{")) rule.protocol = unq(v);
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
    }
  }
  return rule;
}

interface Frame {
  kind: "table" | "chain" | "skip" | "set";
  family: string;
  table: string;
  chain?: string;
  depth?: number;
  /** A set being read: its name and body so far. */
  set?: { name: string; body: string };
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
function setElements(body: string): string[] | undefined {
  // Each `;`-separated statement scanned once: a hostile body must stay linear.
  if (body.split(/[;\n]/).some((st) => /^\s*flags\s/.test(st) && /\bdynamic\b/.test(st))) return undefined;
  const m = /\belements\s*=\s*\{([^}]*)\}/.exec(body);
  if (!m) return undefined;
  return (m[1] as string).split(",").map((x) => x.trim().replace(/\s+/g, " ")).filter((x) => x !== "");
}

export function parseNft(text: string, file?: string, defines: NftDefines = new Map()): NftParse {
  const rs: NftParse = { ...emptyRuleset(), includes: [], flush: false };
  const sets = new Map<string, NftSets>();
  const setsOf = (family: string, table: string): NftSets => {
    const key = `${family} ${table}`;
    let m = sets.get(key);
    if (!m) sets.set(key, (m = new Map()));
    return m;
  };
  const at = (line: number) => ({ ...(file !== undefined ? { file } : {}), line });
  const stack: Frame[] = [];
  const problem = (line: number, message: string) => rs.problems.push({ line, message, ...(file !== undefined ? { file } : {}) });

  // Indexed, not searched: a ruleset of 100k chains must not cost 100k² comparisons.
  const tableKeys = new Set<string>();
  const chainIndex = new Map<string, FwChain>();
  const addTable = (family: string, name: string, line: number) => {
    const k = `${family}\0${name}`;
    if (tableKeys.has(k)) return;
    tableKeys.add(k);
    rs.tables.push({ family, name, ...at(line) });
  };
  const chainOf = (family: string, table: string, name: string, line: number) => {
    const k = `${family}\0${table}\0${name}`;
    let c = chainIndex.get(k);
    if (!c) {
      c = { family, table, name, ...at(line) };
      chainIndex.set(k, c);
      rs.chains.push(c);
    }
    return c;
  };
  /** A statement inside a chain body: its type/hook/priority, its policy, or a rule. */
  const chainStatement = (fr: { family: string; table: string; chain: string }, stmt: string, line: number) => {
    const c = chainOf(fr.family, fr.table, fr.chain, line);
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
    rs.rules.push(parseNftRule(expandDefines(stmt, defines), fr.family, fr.table, fr.chain, line, file, setsOf(fr.family, fr.table)));
  };
  /** `[family] name` → [family, name] (family defaults to ip). */
  const famName = (words: string[]): [string, string] | undefined => {
    if (words.length >= 2 && FAMILIES.has(words[0] as string)) return [words[0] as string, words[1] as string];
    if (words.length >= 1 && !FAMILIES.has(words[0] as string)) return ["ip", words[0] as string];
    return undefined;
  };

  const handle = (s: string, line: number): void => {
    if (s === "") return;
    const top = stack.at(-1);
    if (top?.kind === "set" && top.set) {
      top.depth = (top.depth ?? 0) + count(s, "{") - count(s, "}");
      top.set.body += ` ${s}`;
      if ((top.depth ?? 0) <= 0) {
        stack.pop();
        setsOf(top.family, top.table).set(top.set.name, setElements(expandDefines(top.set.body, defines)));
      }
      return;
    }
    if (top?.kind === "skip") {
      top.depth = (top.depth ?? 0) + count(s, "{") - count(s, "}");
      if ((top.depth ?? 0) <= 0) stack.pop();
      return;
    }
    if (s === "}" || s === "};") {
      if (stack.length === 0) problem(line, "a closing brace without a block");
      else stack.pop();
      return;
    }
    const inc = /^include\s+"([^"]+)"\s*;?$/.exec(s);
    if (inc) {
      rs.includes.push({ path: inc[1] as string, line });
      return;
    }
    if (/^flush\s+ruleset\b/.test(s)) {
      rs.flush = true;
      return;
    }
    const def = /^(define|redefine)\s+([A-Za-z_][\w-]*)\s*=\s*(.*?);?$/.exec(s);
    if (def) {
      defines.set(def[2] as string, expandDefines((def[3] as string).trim(), defines));
      return;
    }
    const undef = /^undefine\s+([A-Za-z_][\w-]*)/.exec(s);
    if (undef) {
      defines.delete(undef[1] as string);
      return;
    }
    if (/^(flush|delete|destroy|reset)\s/.test(s)) return;
    // Command form: add/create table|chain|rule …
    const cmd = /^(?:add|create|insert|nft\s+add|nft\s+create|nft\s+insert)\s+(table|chain|rule)\s+(.*)$/s.exec(s);
    if (cmd && top === undefined) {
      const what = cmd[1] as string;
      const rest = cmd[2] as string;
      const brace = rest.indexOf("{");
      const head = (brace === -1 ? rest : rest.slice(0, brace)).trim().split(/\s+/);
      const fn = famName(head);
      if (!fn) {
        problem(line, `cannot read the ${what} name`);
        return;
      }
      const [family, name] = fn;
      const after = head.slice(FAMILIES.has(head[0] as string) ? 2 : 1);
      if (what === "table") {
        addTable(family, name, line);
        return;
      }
      const chainName = after[0];
      if (!chainName) {
        problem(line, `a ${what} without a chain name`);
        return;
      }
      addTable(family, name, line);
      if (what === "chain") {
        chainOf(family, name, chainName, line);
        if (brace !== -1) {
          const body = rest.slice(brace + 1, rest.lastIndexOf("}") === -1 ? undefined : rest.lastIndexOf("}"));
          for (const st of statements(body)) chainStatement({ family, table: name, chain: chainName }, st, line);
        }
        return;
      }
      // add rule family table chain [position n] statement…
      let ruleWords = rest.trim().split(/\s+/).slice(FAMILIES.has(head[0] as string) ? 3 : 2);
      if (ruleWords[0] === "position" || ruleWords[0] === "handle" || ruleWords[0] === "index") ruleWords = ruleWords.slice(2);
      chainOf(family, name, chainName, line);
      rs.rules.push(parseNftRule(expandDefines(ruleWords.join(" "), defines), family, name, chainName, line, file, setsOf(family, name)));
      return;
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
        if (top !== undefined) problem(line, "a table inside a block");
        const fn = famName(words);
        if (!fn) {
          problem(line, "cannot read the table name");
          stack.push({ kind: "skip", family: "", table: "", depth: 1 });
          return;
        }
        addTable(fn[0], fn[1], line);
        stack.push({ kind: "table", family: fn[0], table: fn[1] });
        if (oneLine) {
          const inner = rest.slice(0, -1).trim();
          if (inner !== "") handle(inner, line);
          stack.pop();
        }
        return;
      }
      if (top?.kind !== "table" || !words[0]) {
        problem(line, "a chain outside a table");
        if (!oneLine) stack.push({ kind: "skip", family: "", table: "", depth: 1 });
        return;
      }
      const fr = { family: top.family, table: top.table, chain: words[0] };
      chainOf(fr.family, fr.table, fr.chain, line);
      if (oneLine) {
        for (const st of statements(rest.slice(0, -1))) chainStatement(fr, st, line);
        return;
      }
      stack.push({ kind: "chain", ...fr });
      for (const st of statements(rest)) chainStatement(fr, st, line);
      return;
    }
    const set = /^set\s+([A-Za-z_][\w-]*)\s*\{(.*)$/.exec(s);
    if (set && top?.kind === "table") {
      const depth = count(s, "{") - count(s, "}");
      const fr: Frame = { kind: "set", family: top.family, table: top.table, depth, set: { name: set[1] as string, body: set[2] as string } };
      if (depth > 0) stack.push(fr);
      else setsOf(top.family, top.table).set(set[1] as string, setElements(expandDefines(set[2] as string, defines)));
      return;
    }
    if (SKIPPED_OBJECTS.test(s) && s.includes("{") && top?.kind === "table") {
      const depth = count(s, "{") - count(s, "}");
      if (depth > 0) stack.push({ kind: "skip", family: "", table: "", depth });
      return;
    }
    if (top?.kind === "chain") {
      for (const st of statements(s)) chainStatement({ family: top.family, table: top.table, chain: top.chain as string }, st, line);
      return;
    }
    if (top?.kind === "table") {
      // flags, comment and other table-level attributes.
      if (/^(flags|comment)\s/.test(s)) return;
    }
    problem(line, `not read: ${unquoted(s)}`);
  };

  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let s = stripComment((lines[i] as string).replace(/\r$/, "")).trim();
    // A line continued with a backslash, or a rule whose set literal spans lines. The parts
    // are joined once and the brace balance kept as they come: re-counting the braces of
    // the growing line made a 40,000-element set spread over lines take 14 s.
    if (stack.at(-1)?.kind === "chain" || /^define\s/.test(s)) {
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
    handle(s, line);
  }
  if (stack.length > 0) problem(lines.length, `${stack.length} block(s) not closed`);
  return rs;
}
