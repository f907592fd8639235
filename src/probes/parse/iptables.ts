/**
 * Pure parser for iptables-save / ip6tables-save output and the files iptables-restore
 * reads (/etc/iptables/rules.v4, /etc/sysconfig/iptables, ufw's user.rules and
 * before.rules): `*table`, `:CHAIN POLICY [p:b]`, `-A CHAIN …`, `COMMIT`. Never throws:
 * odd lines are problems. Only what the firewall probe judges is read from a rule
 * (interfaces, addresses, protocol, destination ports, conntrack states, target); any
 * negated match makes the rule opaque, and any other match is kept as written in `other`.
 */
import { pushAll } from "../../util/array.js";
import { emptyRuleset, type FwChain, type FwRule, type Ruleset } from "./firewall-rules.js";
import { unquoted } from "./problem.js";

// Maps, not object literals: a chain or target named `constructor` or `__proto__` must find nothing.
const BUILTIN_HOOK = new Map<string, string>([["INPUT", "input"], ["FORWARD", "forward"], ["OUTPUT", "output"]]);
const VERDICTS = new Map<string, NonNullable<FwRule["verdict"]>>([
  ["ACCEPT", "accept"], ["DROP", "drop"], ["REJECT", "reject"], ["RETURN", "return"], ["QUEUE", "queue"], ["NFQUEUE", "queue"],
]);

/** Match modules whose options this parser reads (tcp, udp, multiport: ports; state, conntrack: states) or that match nothing (comment). */
const READ_MATCHES = new Set(["tcp", "udp", "multiport", "state", "conntrack", "comment"]);

/** Split an iptables-save line into words; "quoted strings" (comments) stay one word. */
function words(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) out.push(m[1] !== undefined ? m[1] : (m[2] as string));
  return out;
}

export function parseIptablesSave(text: string, family: "ip" | "ip6", file?: string): Ruleset {
  const rs = emptyRuleset();
  let table: string | undefined;
  const at = (line: number) => ({ ...(file !== undefined ? { file } : {}), line });
  // Tables and chains indexed, not searched: kube-proxy's ruleset on a node with 20,000
  // services (80,000 rules, 40,000 chains) took 16 s when each rule searched the chains.
  const tableNames = new Set<string>();
  const chainIndex = new Map<string, FwChain>();
  const chainKey = (t: string, name: string): string => `${t}\0${name}`;
  const addChain = (c: FwChain): void => {
    rs.chains.push(c);
    if (!chainIndex.has(chainKey(c.table, c.name))) chainIndex.set(chainKey(c.table, c.name), c);
  };
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const s = raw.replace(/\r$/, "").trim();
    if (s === "" || s.startsWith("#")) return;
    if (s.startsWith("*")) {
      table = s.slice(1).trim();
      if (!tableNames.has(table)) {
        tableNames.add(table);
        rs.tables.push({ family, name: table, ...at(line) });
      }
      return;
    }
    if (s === "COMMIT") {
      table = undefined;
      return;
    }
    if (table === undefined) {
      rs.problems.push({ line, message: "a rule or chain outside a *table ... COMMIT block" });
      return;
    }
    if (s.startsWith(":")) {
      const [name, policy] = s.slice(1).split(/\s+/);
      if (!name) return void rs.problems.push({ line, message: "a chain line without a name" });
      const hook = table === "filter" ? BUILTIN_HOOK.get(name) : undefined;
      addChain({
        family, table, name, ...at(line),
        ...(hook !== undefined ? { hook, type: "filter" } : {}),
        ...(policy !== undefined && policy !== "-" ? { policy: policy.toLowerCase() } : {}),
      });
      return;
    }
    const w = words(s);
    const cmd = w[0];
    if (cmd === "-P" || cmd === "--policy") {
      const [, name, policy] = w;
      const c = name === undefined ? undefined : chainIndex.get(chainKey(table, name));
      if (c && policy) c.policy = policy.toLowerCase();
      return;
    }
    if (cmd === "-N" || cmd === "--new-chain") {
      if (w[1]) addChain({ family, table, name: w[1], ...at(line) });
      return;
    }
    if (cmd !== "-A" && cmd !== "--append" && cmd !== "-I" && cmd !== "--insert") {
      rs.problems.push({ line, message: `unknown command ${unquoted(cmd ?? "")}` });
      return;
    }
    const chain = w[1];
    if (!chain) return void rs.problems.push({ line, message: "a rule without a chain" });
    const rule: FwRule = { family, table, chain, dports: [], states: [], opaque: false, text: s, ...at(line) };
    // -I CHAIN [n]: a position number is not a match.
    let j = cmd === "-I" || cmd === "--insert" ? (/^\d+$/.test(w[2] ?? "") ? 3 : 2) : 2;
    const val = (): string => w[++j] ?? "";
    // Options after the target are the target's (`--reject-with`, `--log-prefix`), not matches.
    let targetSeen = false;
    const other = (word: string): void => {
      if (targetSeen) return;
      const list = (rule.other ??= []);
      if (word.startsWith("-") || list.length === 0) list.push(word);
      else list[list.length - 1] += ` ${word}`;
    };
    for (; j < w.length; j++) {
      const a = w[j] as string;
      switch (a) {
        case "!":
          rule.opaque = true;
          rule.opaqueReason ??= "a negated match (!)";
          break;
        case "-i": case "--in-interface": rule.iif = val(); break;
        case "-o": case "--out-interface": rule.oif = val(); break;
        case "-s": case "--source": case "--src": rule.saddr = val(); break;
        case "-d": case "--destination": case "--dst": rule.daddr = val(); break;
        case "-p": case "--protocol": rule.protocol = val().toLowerCase(); break;
        case "--dport": case "--destination-port": rule.dports.push(val().replace(":", "-")); break;
        case "--dports": case "--destination-ports": pushAll(rule.dports, val().split(",").map((p) => p.replace(":", "-"))); break;
        case "--state": case "--ctstate": pushAll(rule.states, val().toLowerCase().split(",")); break;
        // Match modules whose options are read above (or that match nothing: comment); any other is recorded.
        case "-m": case "--match": {
          const m = val();
          if (!READ_MATCHES.has(m)) other(`-m ${m}`);
          break;
        }
        case "--comment": val(); break;
        case "-j": case "--jump": case "-g": case "--goto": {
          targetSeen = true;
          const target = val();
          const verdict = VERDICTS.get(target);
          if (verdict) rule.verdict = verdict;
          else if (target !== "") {
            rule.verdict = a === "-g" || a === "--goto" ? "goto" : "jump";
            rule.target = target;
            // LOG, MARK, … continue to the next rule: not a verdict.
            if (/^[A-Z]+$/.test(target) && !chainIndex.has(chainKey(table, target))) {
              delete rule.verdict;
              delete rule.target;
            }
          }
          break;
        }
        default:
          other(a);
          break;
      }
    }
    rs.rules.push(rule);
  });
  return rs;
}
