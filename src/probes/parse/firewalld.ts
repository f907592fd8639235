/**
 * firewalld's zones, as CIS section 4.2 judges them: from the zone XML files firewalld loads
 * (/etc/firewalld/zones/NAME.xml replaces /usr/lib/firewalld/zones/NAME.xml whole) and from
 * `firewall-cmd --list-all-zones` (the runtime configuration, read-only).
 *
 * Only what the items need: the zone's target, interfaces, sources, services, ports and rich
 * rules (family, source and destination with their `not`, the service, port, protocol,
 * icmp-type or forward-port they match, the action); and the policies of firewalld >= 0.9
 * (/usr/lib|etc/firewalld/policies/NAME.xml, `firewall-cmd --list-all-policies`): which zones
 * they join, their target and what they allow; and the ipsets a zone or rich rule names as its
 * source (`<source ipset="NAME"/>`, /usr/lib|etc/firewalld/ipsets/NAME.xml, `firewall-cmd
 * --info-ipset=NAME`): their type, family and entries. A zone file is small
 * and machine-written; the XML reader below takes elements, attributes, comments and the
 * prolog, and reports what it cannot read as a problem with its line, never throws.
 */

export interface RichRule {
  family?: "ipv4" | "ipv6";
  /** `address`, or `ipset` (`source ipset="NAME"`: the addresses are the ipset's entries). */
  source?: { address?: string; ipset?: string; invert: boolean };
  destination?: { address?: string; invert: boolean };
  /** What the rule matches beyond addresses: `service ssh`, `port 8080/tcp`, `protocol icmp`, `icmp-type echo-request`, `forward-port 80/tcp`, `source-port 53/udp`. */
  match?: string;
  /** accept, drop, reject, mark; undefined for a log/audit-only rule. */
  action?: string;
  /** The rule as firewall-cmd prints it. */
  text: string;
}

export interface FirewalldZone {
  name: string;
  /** default, ACCEPT, DROP, %%REJECT%% (firewalld's spelling). */
  target?: string;
  interfaces: string[];
  sources: string[];
  services: string[];
  /** "8080/tcp". */
  ports: string[];
  richRules: RichRule[];
  /** firewall-cmd marks the zones with an interface or source (and, newer, the default). */
  active?: boolean;
  isDefault?: boolean;
  file?: string;
  line?: number;
}

/** A firewalld policy (>= 0.9): traffic from its ingress zones to its egress zones (HOST: to this host; ANY). */
export interface FirewalldPolicy {
  name: string;
  /** CONTINUE (the default), ACCEPT, DROP, REJECT. */
  target: string;
  priority?: string;
  ingress: string[];
  egress: string[];
  services: string[];
  ports: string[];
  richRules: RichRule[];
  file?: string;
  line?: number;
}

/** A firewalld ipset (firewalld.ipset(5)): its type, family and entries. */
export interface FirewalldIpset {
  name: string;
  /** hash:ip, hash:net, hash:ip,port, hash:mac, … */
  type: string;
  /** inet (IPv4, the default) or inet6 (`<option name="family" value="inet6"/>`). */
  family: "inet" | "inet6";
  /** Its options as written (`timeout=600`, `maxelem=65536`). */
  options: string[];
  entries: string[];
  file?: string;
  line?: number;
}

export interface ParseProblem {
  line: number;
  message: string;
}

import { unquoted } from "./problem.js";

/** Zone files nest four levels deep; deeper input is not a zone file (and would cost a scan per close). */
const MAX_DEPTH = 64;
/** Problems recorded per document; the rest are counted. */
const MAX_PROBLEMS = 50;

// --- a small XML reader -------------------------------------------------------------------

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  line: number;
  /** The character data directly inside it (`<entry>127.0.0.1</entry>`), entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">", apos: "'" };

function decode(s: string): string {
  return s.replace(/&(quot|amp|lt|gt|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16) % 0x110000);
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10) % 0x110000);
    return ENTITIES[e] ?? "";
  });
}

const TAG = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const ATTR = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Elements of an XML document (a virtual root holds the top-level ones). */
export function parseXml(text: string): { root: XmlElement; problems: ParseProblem[] } {
  const root: XmlElement = { name: "#document", attrs: Object.create(null) as Record<string, string>, children: [], line: 0, text: "" };
  const stack: XmlElement[] = [root];
  const problems: ParseProblem[] = [];
  let dropped = 0;
  const problem = (p: ParseProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
    else dropped++;
  };
  let i = 0;
  let line = 1;
  const advance = (to: number) => {
    for (let k = i; k < to && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
    i = to;
  };
  while (i < text.length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) break;
    if (lt > i && stack.length > 1) (stack[stack.length - 1] as XmlElement).text += decode(text.slice(i, lt));
    advance(lt);
    if (text.startsWith("<!--", i)) {
      const end = text.indexOf("-->", i + 4);
      advance(end < 0 ? text.length : end + 3);
      continue;
    }
    if (text.startsWith("<?", i) || text.startsWith("<!", i)) {
      const end = text.indexOf(">", i);
      advance(end < 0 ? text.length : end + 1);
      continue;
    }
    TAG.lastIndex = i;
    const m = TAG.exec(text);
    if (!m) {
      if (problems.length < MAX_PROBLEMS) {
        const nl = text.indexOf("\n", i);
        problem({ line, message: `not a tag: ${unquoted(text.slice(i, nl < 0 ? text.length : nl))}` });
      } else dropped++;
      advance(i + 1);
      continue;
    }
    const whole = m[0];
    const closing = m[1] ?? "";
    const name = m[2] ?? "";
    const attrText = m[3] ?? "";
    const selfClosing = m[4] ?? "";
    const startLine = line;
    if (closing) {
      // An element left open inside the one closing here is closed with it (and reported).
      let at = stack.length - 1;
      while (at >= 1 && (stack[at] as XmlElement).name !== name) at--;
      if (at < 1) problem({ line, message: `</${name}> closes nothing open` });
      else {
        for (const e of stack.splice(at + 1)) problem({ line, message: `<${e.name}> (line ${e.line}) is not closed` });
        stack.pop();
      }
    } else {
      if (!selfClosing && stack.length > MAX_DEPTH) {
        problem({ line, message: `elements nested deeper than ${MAX_DEPTH}: not a firewalld file; the rest is not read` });
        break;
      }
      // No prototype: an attribute named __proto__ or constructor is just an attribute.
      const attrs = Object.create(null) as Record<string, string>;
      for (const a of attrText.matchAll(ATTR)) attrs[a[1] as string] = decode(a[2] ?? a[3] ?? "");
      const el: XmlElement = { name, attrs, children: [], line: startLine, text: "" };
      (stack[stack.length - 1] as XmlElement).children.push(el);
      if (!selfClosing) stack.push(el);
    }
    advance(i + whole.length);
  }
  if (stack.length > 1) problem({ line, message: `<${(stack[stack.length - 1] as XmlElement).name}> is not closed` });
  if (dropped > 0) problems.push({ line, message: `${dropped} more problem(s) not listed` });
  return { root, problems };
}

// --- zones --------------------------------------------------------------------------------

const ACTIONS = ["accept", "drop", "reject", "mark"];

function richRuleText(r: Omit<RichRule, "text">): string {
  return [
    "rule",
    ...(r.family ? [`family="${r.family}"`] : []),
    ...(r.source ? [`source ${r.source.invert ? "NOT " : ""}${r.source.ipset !== undefined ? `ipset="${r.source.ipset}"` : `address="${r.source.address ?? ""}"`}`] : []),
    ...(r.destination ? [`destination ${r.destination.invert ? "NOT " : ""}address="${r.destination.address ?? ""}"`] : []),
    ...(r.match ? [r.match] : []),
    ...(r.action ? [r.action] : []),
  ].join(" ");
}

/** The elements a rich rule matches on, as `service ssh`, `port 8080/tcp`, … (XML element or text tokens). */
const MATCH_ELEMENTS = ["service", "port", "protocol", "icmp-block", "icmp-type", "forward-port", "source-port", "masquerade"] as const;

function matchOf(element: string, attrs: Readonly<Record<string, string | undefined>>): string {
  switch (element) {
    case "service":
    case "icmp-block":
    case "icmp-type":
      return `${element} ${attrs["name"] ?? "?"}`;
    case "protocol":
      return `protocol ${attrs["value"] ?? "?"}`;
    case "port":
    case "source-port":
    case "forward-port":
      return `${element} ${attrs["port"] ?? "?"}/${attrs["protocol"] ?? "?"}`;
    default:
      return element;
  }
}

/** A rich rule element (`<rule>`) of a zone or policy file. */
function richRuleOf(c: XmlElement): RichRule {
  const fam = c.attrs["family"];
  const src = c.children.find((x) => x.name === "source");
  const dst = c.children.find((x) => x.name === "destination");
  const action = c.children.find((x) => ACTIONS.includes(x.name))?.name;
  const m = c.children.find((x) => (MATCH_ELEMENTS as readonly string[]).includes(x.name));
  const r: Omit<RichRule, "text"> = {
    ...(fam === "ipv4" || fam === "ipv6" ? { family: fam } : {}),
    ...(src ? { source: { ...(src.attrs["address"] !== undefined ? { address: src.attrs["address"] } : {}), ...(src.attrs["ipset"] !== undefined ? { ipset: src.attrs["ipset"] } : {}), invert: TRUE.has((src.attrs["invert"] ?? "").toLowerCase()) } } : {}),
    ...(dst ? { destination: { ...(dst.attrs["address"] !== undefined ? { address: dst.attrs["address"] } : {}), invert: TRUE.has((dst.attrs["invert"] ?? "").toLowerCase()) } } : {}),
    ...(m ? { match: matchOf(m.name, m.attrs) } : {}),
    ...(action ? { action } : {}),
  };
  return { ...r, text: richRuleText(r) };
}

const TRUE = new Set(["true", "yes", "1"]);

/** A zone file (`<zone target="..."><interface name=".."/>...</zone>`); the zone's name is the file's. */
export function parseZoneXml(text: string, name: string, file?: string): { zone?: FirewalldZone; problems: ParseProblem[] } {
  const { root, problems } = parseXml(text);
  const z = root.children.find((c) => c.name === "zone");
  if (!z) return { problems: [...problems, { line: 1, message: "no <zone> element" }] };
  const zone: FirewalldZone = {
    name,
    ...(z.attrs["target"] !== undefined ? { target: z.attrs["target"] } : {}),
    interfaces: [], sources: [], services: [], ports: [], richRules: [],
    ...(file !== undefined ? { file } : {}),
    line: z.line,
  };
  for (const c of z.children) {
    if (c.name === "interface" && c.attrs["name"]) zone.interfaces.push(c.attrs["name"]);
    else if (c.name === "source" && c.attrs["ipset"]) zone.sources.push(`ipset:${c.attrs["ipset"]}`); // as firewall-cmd lists it
    else if (c.name === "source" && (c.attrs["address"] ?? c.attrs["mac"])) zone.sources.push((c.attrs["address"] ?? c.attrs["mac"]) as string);
    else if (c.name === "service" && c.attrs["name"]) zone.services.push(c.attrs["name"]);
    else if (c.name === "port" && c.attrs["port"]) zone.ports.push(`${c.attrs["port"]}/${c.attrs["protocol"] ?? "tcp"}`);
    else if (c.name === "rule") zone.richRules.push(richRuleOf(c));
  }
  return { zone, problems };
}

/** A policy file (`<policy target=".." priority=".."><ingress-zone name=".."/>…</policy>`); its name is the file's. */
export function parsePolicyXml(text: string, name: string, file?: string): { policy?: FirewalldPolicy; problems: ParseProblem[] } {
  const { root, problems } = parseXml(text);
  const p = root.children.find((c) => c.name === "policy");
  if (!p) return { problems: [...problems, { line: 1, message: "no <policy> element" }] };
  const policy: FirewalldPolicy = {
    name,
    target: p.attrs["target"] ?? "CONTINUE",
    ...(p.attrs["priority"] !== undefined ? { priority: p.attrs["priority"] } : {}),
    ingress: [], egress: [], services: [], ports: [], richRules: [],
    ...(file !== undefined ? { file } : {}),
    line: p.line,
  };
  for (const c of p.children) {
    if (c.name === "ingress-zone" && c.attrs["name"]) policy.ingress.push(c.attrs["name"]);
    else if (c.name === "egress-zone" && c.attrs["name"]) policy.egress.push(c.attrs["name"]);
    else if (c.name === "service" && c.attrs["name"]) policy.services.push(c.attrs["name"]);
    else if (c.name === "port" && c.attrs["port"]) policy.ports.push(`${c.attrs["port"]}/${c.attrs["protocol"] ?? "tcp"}`);
    else if (c.name === "rule") policy.richRules.push(richRuleOf(c));
  }
  return { policy, problems };
}

/** `rule family="ipv4" source address="127.0.0.1" destination NOT address="127.0.0.1" drop` (firewall-cmd's and --add-rich-rule's syntax). */
export function parseRichRule(text: string): RichRule {
  const tokens = [...text.matchAll(/(\w[\w-]*)(?:="([^"]*)"|='([^']*)'|=(\S+))?/g)].map((m) => ({ key: (m[1] as string).toLowerCase(), value: m[2] ?? m[3] ?? m[4] }));
  const r: Omit<RichRule, "text"> = {};
  let element: "source" | "destination" | undefined;
  let invert = false;
  // A match element (`service name="ssh"`, `port port="80" protocol="tcp"`) and its attributes.
  let match: { element: string; attrs: Record<string, string | undefined> } | undefined;
  // Its attributes follow it up to the next bare word (`log`, `limit`, the action).
  let inMatch = false;
  for (const t of tokens) {
    if (t.value === undefined) inMatch = false;
    if (inMatch && match && t.value !== undefined) {
      match.attrs[t.key] = t.value;
      continue;
    }
    if ((MATCH_ELEMENTS as readonly string[]).includes(t.key) && t.value === undefined && !match) {
      match = { element: t.key, attrs: Object.create(null) as Record<string, string | undefined> };
      inMatch = true;
      element = undefined;
      continue;
    }
    if (t.key === "family" && (t.value === "ipv4" || t.value === "ipv6")) r.family = t.value;
    else if (t.key === "source" || t.key === "destination") {
      element = t.key;
      invert = false;
      r[element] = { invert: false };
    } else if (t.key === "not" && element) {
      invert = true;
      (r[element] as { invert: boolean }).invert = true;
    } else if (t.key === "address" && element) r[element] = { address: t.value ?? "", invert };
    else if (t.key === "ipset" && element === "source") r.source = { ipset: t.value ?? "", invert };
    else if (ACTIONS.includes(t.key) && t.value === undefined) {
      r.action = t.key;
      element = undefined;
    } else if (t.key !== "rule") element = undefined;
  }
  if (match) r.match = matchOf(match.element, match.attrs);
  return { ...r, text: text.trim() };
}

/**
 * firewall-cmd's `--list-all-zones` / `--list-all-policies` layout: a header line per item
 * (`public (active)`, newer firewalld `public (default, active)`), then indented `key: values`
 * lines; `rich rules:` is followed by one rule per line, tab-indented.
 */
function parseListAll<T extends { richRules: RichRule[] }>(
  text: string,
  kind: string,
  make: (name: string, marks: string[], line: number) => T,
  set: (item: T, key: string, words: string[]) => void,
): { items: T[]; problems: ParseProblem[] } {
  const items: T[] = [];
  const problems: ParseProblem[] = [];
  let item: T | undefined;
  let inRich = false;
  text.split("\n").forEach((raw, idx) => {
    const ln = idx + 1;
    if (raw.trim() === "") {
      inRich = false;
      return;
    }
    if (!/^\s/.test(raw)) {
      const m = /^(\S+)(?:\s+\(([^)]*)\))?\s*$/.exec(raw);
      if (!m) {
        problems.push({ line: ln, message: `not a ${kind} header: ${unquoted(raw)}` });
        item = undefined;
        return;
      }
      item = make(m[1] as string, (m[2] ?? "").split(",").map((s) => s.trim()), ln);
      items.push(item);
      inRich = false;
      return;
    }
    if (!item) {
      problems.push({ line: ln, message: `a setting outside any ${kind}` });
      return;
    }
    // `s`: a line separator after a run of blanks made `(.*)$` fail and `\s*` give back each blank (quadratic).
    const kv = /^\s+([a-z][a-z -]*):\s*(.*)$/s.exec(raw);
    if (kv && !(inRich && /^\t/.test(raw))) {
      const key = kv[1] as string;
      inRich = key === "rich rules";
      set(item, key, (kv[2] ?? "").trim().split(/\s+/).filter((w) => w !== ""));
      return;
    }
    if (inRich) {
      item.richRules.push(parseRichRule(raw.trim()));
      return;
    }
    problems.push({ line: ln, message: `unparsed: ${unquoted(raw)}` });
  });
  return { items, problems };
}

/** An ipset file (`<ipset type="hash:ip"><option name="family" value="inet6"/><entry>::1</entry></ipset>`); its name is the file's. */
export function parseIpsetXml(text: string, name: string, file?: string): { ipset?: FirewalldIpset; problems: ParseProblem[] } {
  const { root, problems } = parseXml(text);
  const x = root.children.find((c) => c.name === "ipset");
  if (!x) return { problems: [...problems, { line: 1, message: "no <ipset> element" }] };
  const options = x.children.filter((c) => c.name === "option" && c.attrs["name"]).map((c) => (c.attrs["value"] !== undefined && c.attrs["value"] !== "" ? `${c.attrs["name"]}=${c.attrs["value"]}` : (c.attrs["name"] as string)));
  const ipset: FirewalldIpset = {
    name,
    type: x.attrs["type"] ?? "",
    family: options.includes("family=inet6") ? "inet6" : "inet",
    options,
    entries: x.children.filter((c) => c.name === "entry").map((c) => c.text.trim()).filter((e) => e !== ""),
    ...(file !== undefined ? { file } : {}),
    line: x.line,
  };
  if (ipset.type === "") problems.push({ line: x.line, message: "<ipset> without a type" });
  return { ipset, problems };
}

/** `firewall-cmd --info-ipset=NAME`: the name, then `  type: …`, `  options: …`, `  entries: …`. */
export function parseInfoIpset(text: string, name: string): { ipset?: FirewalldIpset; problems: ParseProblem[] } {
  const problems: ParseProblem[] = [];
  const fields = new Map<string, string[]>();
  text.split("\n").forEach((raw, idx) => {
    if (raw.trim() === "" || (idx === 0 && raw.trim() === name)) return;
    const kv = /^\s+([a-z]+):[ \t]*(.*)$/.exec(raw);
    if (!kv) problems.push({ line: idx + 1, message: `unparsed: ${unquoted(raw)}` });
    else fields.set(kv[1] as string, (kv[2] as string).trim().split(/\s+/).filter((w) => w !== ""));
  });
  const type = fields.get("type")?.[0];
  if (type === undefined || !fields.has("entries")) return { problems: [...problems, { line: 1, message: `no type or entries for ipset ${unquoted(name)}` }] };
  const options = fields.get("options") ?? [];
  return { ipset: { name, type, family: options.includes("family=inet6") ? "inet6" : "inet", options, entries: fields.get("entries") ?? [] }, problems };
}

/** `firewall-cmd --list-all-zones`: the runtime zones. */
export function parseListAllZones(text: string): { zones: FirewalldZone[]; problems: ParseProblem[] } {
  const { items, problems } = parseListAll<FirewalldZone>(
    text,
    "zone",
    (name, marks, line) => ({ name, interfaces: [], sources: [], services: [], ports: [], richRules: [], line, ...(marks.includes("active") ? { active: true } : {}), ...(marks.includes("default") ? { isDefault: true } : {}) }),
    (zone, key, words) => {
      if (key === "target") zone.target = words[0] ?? "default";
      else if (key === "interfaces") zone.interfaces = words;
      else if (key === "sources") zone.sources = words;
      else if (key === "services") zone.services = words;
      else if (key === "ports") zone.ports = words;
    },
  );
  return { zones: items, problems };
}

/** `firewall-cmd --list-all-policies` (firewalld >= 0.9): priority, target, ingress-zones, egress-zones, services, ports, rich rules. */
export function parseListAllPolicies(text: string): { policies: FirewalldPolicy[]; problems: ParseProblem[] } {
  const { items, problems } = parseListAll<FirewalldPolicy>(
    text,
    "policy",
    (name, _marks, line) => ({ name, target: "CONTINUE", ingress: [], egress: [], services: [], ports: [], richRules: [], line }),
    (policy, key, words) => {
      if (key === "target") policy.target = words[0] ?? "CONTINUE";
      else if (key === "priority" && words[0] !== undefined) policy.priority = words[0];
      else if (key === "ingress-zones") policy.ingress = words;
      else if (key === "egress-zones") policy.egress = words;
      else if (key === "services") policy.services = words;
      else if (key === "ports") policy.ports = words;
    },
  );
  return { policies: items, problems };
}

/** What a zone's or policy's rich rules accept: `service http from 10.0.0.0/8`, `port 9090/tcp`, `all from 192.0.2.1`. */
export function richAccepts(rules: readonly RichRule[]): string[] {
  return rules
    .filter((r) => r.action === "accept")
    .map((r) => `${r.match ?? "all"}${r.source ? ` from ${r.source.invert ? "NOT " : ""}${r.source.ipset !== undefined ? `ipset:${r.source.ipset}` : r.source.address ?? "?"}` : ""}${r.family ? ` (${r.family})` : ""}`);
}

/** A policy can let traffic into this host: its egress is HOST or ANY, and it accepts something (its target, a service, a port or a rich rule). */
export function policyAllowsIntoHost(p: FirewalldPolicy): boolean {
  if (!p.egress.some((z) => z === "HOST" || z === "ANY")) return false;
  return p.target.toUpperCase() === "ACCEPT" || p.services.length > 0 || p.ports.length > 0 || richAccepts(p.richRules).length > 0;
}

// --- what CIS judges ----------------------------------------------------------------------

const LOOPBACK4 = new Set(["127.0.0.1", "127.0.0.0/8", "127.0.0.1/32", "127.0.0.1/8"]);
const LOOPBACK6 = new Set(["::1", "::1/128"]);

/** An ipset as the probe could read it, or why it could not. */
export type IpsetLookup = (name: string) => FirewalldIpset | { unknown: string };

/**
 * A rich rule dropping packets from an ipset counts as the anti-spoofing rule when the ipset
 * holds the loopback address as a plain address (type hash:ip or hash:net, of the rule's
 * family): the rule then drops what a rule on that address would. An ipset of another type
 * matches on more than the source address (a port, an interface, a mark) and never counts;
 * one with a timeout has entries firewalld does not keep (added at run time), and one that
 * cannot be read is unknown, never a pass.
 */
export function spoofDropVerdict(r: RichRule, family: "ipv4" | "ipv6", ipsets: IpsetLookup): boolean | { unknown: string } {
  if (r.source?.ipset === undefined) return isLoopbackSpoofDrop(r, family);
  if (r.source.invert) return false;
  const asAddress = { ...r, source: { address: family === "ipv4" ? "127.0.0.1" : "::1", invert: false } };
  // Everything but the source as the address rule needs it (destination, no match, a drop).
  if (!isLoopbackSpoofDrop(asAddress, family)) return false;
  const set = ipsets(r.source.ipset);
  if ("unknown" in set) return { unknown: `${r.text}: ${set.unknown}` };
  if ((set.family === "inet6") !== (family === "ipv6")) return false;
  if (set.type !== "hash:ip" && set.type !== "hash:net") return false;
  const loop = family === "ipv4" ? LOOPBACK4 : LOOPBACK6;
  if (set.entries.some((e) => loop.has(e))) return true;
  if (set.options.some((o) => o.startsWith("timeout="))) {
    return { unknown: `${r.text}: ipset ${set.name} has a timeout, so its entries are added at run time and firewalld does not list them` };
  }
  return false;
}

/** A rich rule dropping (or rejecting) packets from the loopback address not destined to it: CIS's anti-spoofing rule. */
export function isLoopbackSpoofDrop(r: RichRule, family: "ipv4" | "ipv6"): boolean {
  const set = family === "ipv4" ? LOOPBACK4 : LOOPBACK6;
  if (r.family !== undefined && r.family !== family) return false;
  if (!r.source || r.source.invert || !set.has(r.source.address ?? "")) return false;
  if (r.destination && !(r.destination.invert && set.has(r.destination.address ?? ""))) return false;
  // Restricted to a service, port or protocol, it lets the rest of the spoofed traffic through.
  if (r.match !== undefined) return false;
  return r.action === "drop" || r.action === "reject";
}

// --- the direct interface (firewalld.direct(5)) -------------------------------------------

/** An ip(6)tables rule added through firewalld's direct interface: `<rule ipv=… table=… chain=… priority=…>args</rule>`. */
export interface DirectRule {
  ipv: "ipv4" | "ipv6" | "eb";
  table: string;
  chain: string;
  /** Lower first; rules of one priority are in no fixed order (firewalld.direct(5)). */
  priority: number;
  /** The ip(6)tables arguments after the chain (`-p tcp --dport 22 -j ACCEPT`). */
  args: string;
  line?: number;
}

/** A passthrough: a whole ip(6)tables command firewalld runs as given (`-I INPUT -s 1.2.3.4 -j DROP`). */
export interface DirectPassthrough {
  ipv: "ipv4" | "ipv6" | "eb";
  args: string;
  line?: number;
}

export interface FirewalldDirect {
  chains: { ipv: string; table: string; chain: string; line?: number }[];
  rules: DirectRule[];
  passthroughs: DirectPassthrough[];
}

const IPVS = new Set(["ipv4", "ipv6", "eb"]);

/**
 * /etc/firewalld/direct.xml. An element firewalld does not know is skipped, as firewalld skips
 * it; a `<rule>` or `<passthrough>` without its attributes, a priority that is not a number, or
 * empty arguments is a problem (firewalld refuses the file), with its line.
 */
export function parseDirectXml(text: string): { direct?: FirewalldDirect; problems: ParseProblem[] } {
  const { root, problems } = parseXml(text);
  const d = root.children.find((c) => c.name === "direct");
  if (!d) return { problems: [...problems, { line: 1, message: "no <direct> element" }] };
  const direct: FirewalldDirect = { chains: [], rules: [], passthroughs: [] };
  for (const c of d.children) {
    const ipv = c.attrs["ipv"] ?? "";
    if ((c.name === "chain" || c.name === "rule" || c.name === "passthrough") && !IPVS.has(ipv)) {
      problems.push({ line: c.line, message: `<${c.name}> with ipv ${unquoted(ipv)}: not ipv4, ipv6 or eb` });
      continue;
    }
    const v = ipv as DirectRule["ipv"];
    if (c.name === "chain") {
      const table = c.attrs["table"];
      const chain = c.attrs["chain"];
      if (!table || !chain) problems.push({ line: c.line, message: "<chain> without table or chain" });
      else direct.chains.push({ ipv: v, table, chain, line: c.line });
    } else if (c.name === "rule") {
      const table = c.attrs["table"];
      const chain = c.attrs["chain"];
      const priority = c.attrs["priority"];
      const args = c.text.trim();
      if (!table || !chain) problems.push({ line: c.line, message: "<rule> without table or chain" });
      else if (priority === undefined) problems.push({ line: c.line, message: "<rule> without a priority" });
      else if (!/^-?\d+$/.test(priority)) problems.push({ line: c.line, message: `<rule> priority ${unquoted(priority)}: not a number` });
      else if (args === "") problems.push({ line: c.line, message: "<rule> without arguments" });
      else direct.rules.push({ ipv: v, table, chain, priority: Number(priority), args, line: c.line });
    } else if (c.name === "passthrough") {
      const args = c.text.trim();
      if (args === "") problems.push({ line: c.line, message: "<passthrough> without arguments" });
      else direct.passthroughs.push({ ipv: v, args, line: c.line });
    }
  }
  return { direct, problems };
}

/** `firewall-cmd --direct --get-all-rules`: `ipv4 filter INPUT 0 -p tcp --dport 22 -j ACCEPT` per line. */
export function parseDirectRules(text: string): { rules: DirectRule[]; problems: ParseProblem[] } {
  const rules: DirectRule[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, idx) => {
    if (raw.trim() === "") return;
    const m = /^\s*(ipv4|ipv6|eb)\s+(\S+)\s+(\S+)\s+(-?\d+)\s+(\S.*?)\s*$/.exec(raw);
    if (!m) problems.push({ line: idx + 1, message: `not a direct rule: ${unquoted(raw)}` });
    else rules.push({ ipv: m[1] as DirectRule["ipv"], table: m[2] as string, chain: m[3] as string, priority: Number(m[4]), args: m[5] as string, line: idx + 1 });
  });
  return { rules, problems };
}

/** `firewall-cmd --direct --get-all-passthroughs`: `ipv4 -I INPUT -s 1.2.3.4 -j DROP` per line. */
export function parseDirectPassthroughs(text: string): { passthroughs: DirectPassthrough[]; problems: ParseProblem[] } {
  const passthroughs: DirectPassthrough[] = [];
  const problems: ParseProblem[] = [];
  text.split("\n").forEach((raw, idx) => {
    if (raw.trim() === "") return;
    const m = /^\s*(ipv4|ipv6|eb)\s+(\S.*?)\s*$/.exec(raw);
    if (!m) problems.push({ line: idx + 1, message: `not a passthrough: ${unquoted(raw)}` });
    else passthroughs.push({ ipv: m[1] as DirectPassthrough["ipv"], args: m[2] as string, line: idx + 1 });
  });
  return { passthroughs, problems };
}
