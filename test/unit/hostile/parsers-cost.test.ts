/**
 * Hostile input on the parsers added since issue 19: no input shape makes a parser's cost
 * grow faster than its input (a synchronous parser cannot be stopped by the probe
 * timeout), no name read from a file finds a prototype property, and no problem message
 * quotes a line the parser did not understand. The sizes below finish in well under a
 * second when the cost is linear and take minutes (or forever) when it is not; the
 * timeouts are generous guards against a hang, not speed assertions.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CheckResult, ScanReport } from "../../../src/engine/result.js";
import { inapplicablePacks, withoutAside } from "../../../src/report/table.js";
import { parseIptablesSave } from "../../../src/probes/parse/iptables.js";
import { parseNft } from "../../../src/probes/parse/nft.js";
import { parseListAllZones } from "../../../src/probes/parse/firewalld.js";
import { mergeRulesets, emptyRuleset, summarise } from "../../../src/probes/parse/firewall-rules.js";
import { unquoted } from "../../../src/probes/parse/problem.js";
import { parseSudoers } from "../../../src/probes/parse/sudoers.js";
import { parseRsyslog } from "../../../src/probes/parse/rsyslog.js";
import { parseSystemdConf } from "../../../src/probes/parse/systemd-conf.js";
import { parseKeyfile } from "../../../src/probes/parse/keyfile.js";
import { parsePam } from "../../../src/probes/parse/pam.js";
import { objectParams } from "../../../src/probes/parse/rsyslog.js";
import { parseBlsEntry, parseGrubCfg } from "../../../src/probes/parse/grub.js";
import { parseKubeVersion } from "../../../src/probes/k8s/kubelet-info.js";
import { fastVerdict } from "../../../src/agent/fast-path.js";
import { setSshdOption } from "../../../src/remediation/config-line.js";
import { trimTrailingSlashes } from "../../../src/util/trim.js";

const GUARD = 60_000;

/** iptables-save of kube-proxy (iptables mode) on a node with `n` services of one endpoint each. */
function kubeProxyRuleset(n: number): string {
  const l = ["*nat", ":PREROUTING ACCEPT [0:0]", ":KUBE-SERVICES - [0:0]", ":KUBE-MARK-MASQ - [0:0]"];
  for (let i = 0; i < n; i++) l.push(`:KUBE-SVC-${i} - [0:0]`, `:KUBE-SEP-${i} - [0:0]`);
  for (let i = 0; i < n; i++) {
    l.push(`-A KUBE-SERVICES -d 10.96.${(i >> 8) & 255}.${i & 255}/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-${i}`);
    l.push(`-A KUBE-SVC-${i} -j KUBE-SEP-${i}`);
    l.push(`-A KUBE-SEP-${i} -s 10.244.0.1/32 -j KUBE-MARK-MASQ`);
    l.push(`-A KUBE-SEP-${i} -p tcp -m tcp -j DNAT --to-destination 10.244.0.1:80`);
  }
  l.push("COMMIT", "*filter", ":INPUT DROP [0:0]", ":FORWARD DROP [0:0]", ":OUTPUT ACCEPT [0:0]", "-A INPUT -i lo -j ACCEPT", "COMMIT");
  return l.join("\n") + "\n";
}

describe("firewall rulesets: cost linear in the ruleset", () => {
  it("kube-proxy's iptables-save with 20,000 services (80,000 rules, 40,000 chains; 16 s before): every jump resolved", () => {
    const rs = parseIptablesSave(kubeProxyRuleset(20_000), "ip");
    expect(rs.rules).toHaveLength(80_001);
    expect(rs.chains).toHaveLength(40_000 + 3 + 3);
    expect(rs.problems).toEqual([]);
    const svc = rs.rules.find((r) => r.chain === "KUBE-SERVICES" && r.daddr === "10.96.78.31/32");
    expect(svc).toMatchObject({ verdict: "jump", target: "KUBE-SVC-19999", dports: ["80"], protocol: "tcp" });
    // DNAT is a target, not a chain: no verdict.
    const dnat = rs.rules.find((r) => r.chain === "KUBE-SEP-7" && r.text.includes("DNAT"));
    expect(dnat?.verdict).toBeUndefined();
    const s = summarise(rs);
    expect(s.inputPolicy).toBe("drop");
    expect(s.loopbackAccept).toBe(true);
    expect(s.ruleCount).toBe(80_001);
  }, GUARD);

  it("merging two 40,000-chain rulesets indexes the chains (no search per chain)", () => {
    const a = parseIptablesSave(kubeProxyRuleset(20_000), "ip");
    const b = parseIptablesSave(kubeProxyRuleset(20_000), "ip");
    const into = emptyRuleset();
    mergeRulesets(into, a);
    mergeRulesets(into, b);
    expect(into.chains).toHaveLength(40_006);
    expect(into.tables.map((t) => t.name)).toEqual(["nat", "filter"]);
    expect(into.rules).toHaveLength(160_002);
  }, GUARD);

  it("nft: a 200,000-element set spread over lines is one rule (re-counting its braces per line took 14 s at 40,000)", () => {
    const text = "table inet f {\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport {\n" +
      Array.from({ length: 200_000 }, (_, i) => `   ${1 + (i % 65_000)},`).join("\n") + "\n  } accept\n }\n}\n";
    const p = parseNft(text, "/etc/nftables.conf");
    expect(p.problems).toEqual([]);
    expect(p.rules).toHaveLength(1);
    expect(p.rules[0]).toMatchObject({ chain: "input", protocol: "tcp", verdict: "accept", line: 4 });
    expect(p.rules[0]?.dports).toHaveLength(200_000);
  }, GUARD);

  it("nft: 100,000 chains and 100,000 tables are indexed, not searched", () => {
    const chains = "table ip t {\n" + Array.from({ length: 100_000 }, (_, i) => `chain c${i} { accept\n}\n`).join("") + "}\n";
    const p = parseNft(chains, "/f");
    expect(p.chains).toHaveLength(100_000);
    expect(p.rules).toHaveLength(100_000);
    const tables = parseNft(Array.from({ length: 100_000 }, (_, i) => `table ip t${i % 50_000} {\n}\n`).join(""), "/f");
    expect(tables.tables).toHaveLength(50_000);
  }, GUARD);

  it("nft: a `table` line of a million blanks (the old header regex backtracked cubically: it never finished 10,000)", () => {
    const p = parseNft(`table${" ".repeat(1_000_000)}x\n`, "/f");
    expect(p.tables).toEqual([]);
    expect(p.problems).toEqual([{ file: "/f", line: 1, message: "not read: (a text of 1000006 characters, not quoted: an unparsed line may hold a secret)" }]);
    const q = parseNft(`table ip t${" ".repeat(1_000_000)}{\n}\n`, "/f");
    expect(q.tables).toEqual([{ family: "ip", name: "t", file: "/f", line: 1 }]);
  }, GUARD);

  it("nft: a rule line of 100,000 unclosed `{` is read once, not rescanned from each brace", () => {
    const p = parseNft("table ip t {\nchain c {\n" + "tcp dport { 1".repeat(100_000) + "\n}\n}\n", "/f");
    expect(p.rules).toHaveLength(1);
  }, GUARD);
});

describe("firewall rulesets: names from the file find no prototype property", () => {
  it("chains named constructor/__proto__, targets toString/__proto__: plain names, no hook, no verdict from Object.prototype", () => {
    const rs = parseIptablesSave("*filter\n:INPUT DROP [0:0]\n:constructor - [0:0]\n:__proto__ - [0:0]\n-A INPUT -j __proto__\n-A INPUT -j toString\n-A INPUT -j constructor\nCOMMIT\n", "ip");
    expect(rs.chains.map((c) => [c.name, c.hook])).toEqual([["INPUT", "input"], ["constructor", undefined], ["__proto__", undefined]]);
    expect(rs.rules.map((r) => [r.verdict, r.target])).toEqual([["jump", "__proto__"], ["jump", "toString"], ["jump", "constructor"]]);
  });
});

describe("problem messages quote no line the parser did not understand", () => {
  const SHADOW = "root:ab01FAKEdesHASH:19000:0:99999:7:::";
  const KEY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7plantedKEY";
  const secretFile = `${SHADOW}\n${KEY}\n-----BEGIN PRIVATE KEY-----\n`;

  it("unquoted(): a short word is quoted, anything else only counted", () => {
    expect(unquoted("Defualts")).toBe('"Defualts"');
    expect(unquoted(SHADOW)).toBe(`(a text of ${SHADOW.length} characters, not quoted: an unparsed line may hold a secret)`);
    expect(unquoted("two words")).toBe("(a text of 9 characters, not quoted: an unparsed line may hold a secret)");
  });

  it.each([
    ["sudoers", () => parseSudoers(secretFile).problems],
    ["rsyslog", () => parseRsyslog(secretFile).problems],
    ["systemd *.conf", () => parseSystemdConf(`[Journal]\n${secretFile}`, "/f").problems],
    ["keyfile (dconf)", () => parseKeyfile(`[g]\n${secretFile}[${KEY}\n`).problems],
    ["nft", () => parseNft(secretFile, "/f").problems],
    ["iptables-save", () => parseIptablesSave(`*filter\n${secretFile}COMMIT\n`, "ip").problems],
    ["pam", () => parsePam(secretFile).problems],
  ])("%s: a shadow line and a key line included by mistake are counted, not quoted", (_n, problems) => {
    const got = problems();
    expect(got.length).toBeGreaterThan(0);
    const text = JSON.stringify(got);
    expect(text).not.toContain("ab01FAKE");
    expect(text).not.toContain("MIIEvQIBADAN");
  });
});

describe("regexes that backtracked on a long run (quadratic or worse), each with the input that showed it", () => {
  const BLANKS = " ".repeat(1_000_000);

  it("agent: a 16 KiB request header of blanks (`X: x<blanks>y`) — about a second of the event loop per request before", () => {
    const seen: string[] = [];
    const opts = { hostAllowed: (h: string) => (seen.push(h), h === "127.0.0.1"), gzipWanted: () => false };
    const head = `GET /metrics HTTP/1.1\r\nHost: \t 127.0.0.1 \t\r\nX-A: x${" ".repeat(16_000)}y\r\n`;
    for (let i = 0; i < 20; i++) expect(fastVerdict(head, opts)).toEqual({ route: "metrics", gzip: false, close: false });
    expect(seen[0]).toBe("127.0.0.1");
    expect(fastVerdict("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\u0001b   \r\n", opts)).toBeNull();
  }, GUARD);

  it("sudoers: a Defaults line and a Defaults setting with a million blanks before a line separator", () => {
    const d = parseSudoers(`Defaults${BLANKS}env_reset\u2028x\nDefaults env_keep=${BLANKS}A\u2028B\n`);
    expect(d.defaults.map((x) => [x.name, x.operator, x.value, x.line])).toEqual([["env_keep", "=", "A\u2028B", 2]]);
    expect(d.problems).toEqual([{ line: 1, message: "not a Defaults setting: (a text of 11 characters, not quoted: an unparsed line may hold a secret)" }]);
  }, GUARD);

  it("firewall-cmd --list-all-zones: a `key:` line with a million blanks before a line separator", () => {
    const { zones, problems } = parseListAllZones(`public (active)\n  target:${BLANKS}DROP\u2028x\n  ports:${BLANKS}22/tcp\n`);
    expect(problems).toEqual([]);
    expect([zones[0]?.target, zones[0]?.ports]).toEqual(["DROP", ["22/tcp"]]);
  }, GUARD);

  it("sudoers: `@include PATH<a million blanks>`", () => {
    expect(parseSudoers(`@include /etc/sudoers.d/a${BLANKS}\n`).includes).toEqual([{ kind: "include", path: "/etc/sudoers.d/a", line: 1 }]);
    expect(parseSudoers(`@include /etc/a${BLANKS}b\n`).includes[0]?.path).toBe(`/etc/a${BLANKS}b`);
  }, GUARD);

  it("rsyslog: an object parameter name of a million characters; a rule line with a line separator after a million blanks", () => {
    expect(objectParams(`${"a".repeat(1_000_000)} x="1"`)).toEqual({ x: "1" });
    expect(parseRsyslog(`*.* ${BLANKS}/var/log/x\u2028y\n`).rules).toEqual([{ selector: "*.*", action: "/var/log/x\u2028y", line: 1 }]);
  }, GUARD);

  it("grub.cfg and BLS: a kernel line with a line separator after a million characters", () => {
    const g = parseGrubCfg(`linux /vmlinuz ${"a".repeat(1_000_000)}\u2028 quiet\n`);
    expect(g.entries).toHaveLength(1);
    expect(g.entries[0]?.args.at(-1)).toBe("quiet");
    expect(parseBlsEntry(`options${BLANKS}\u2028audit=1\r\n`).options).toEqual(["audit=1"]);
  }, GUARD);

  it("kubelet version: a million digits", () => {
    expect(parseKubeVersion("v" + "1".repeat(1_000_000))).toBeNull();
    expect(parseKubeVersion(`${"1".repeat(100_000)} Kubernetes v1.34.2`)).toEqual({ version: "1.34.2", minor: 34 });
  }, GUARD);

  it("remediation's config-line edit: a setting line with a million blanks before its end", () => {
    const out = setSshdOption(`PermitRootLogin yes${BLANKS}x\n`, "PermitRootLogin", "no");
    expect(out).toBe("PermitRootLogin no\n");
  }, GUARD);

  it("trailing slashes are trimmed by one walk from the end", () => {
    const run = "/".repeat(1_000_000);
    expect(trimTrailingSlashes(`${run}x`)).toBe(`${run}x`);
    expect(trimTrailingSlashes(`/home/u${run}`)).toBe("/home/u");
    expect(trimTrailingSlashes("/")).toBe("");
  }, GUARD);

  it("the table's inapplicable-pack reason: a skip message with a million blanks is cut like the old regex, in one pass", () => {
    const old = (m: string): string => m.replace(/\s*\([^()]*\)$/, "");
    fc.assert(fc.property(fc.stringMatching(/^[ a()\t]{0,12}$/), (m) => withoutAside(m) === old(m)), { seed: 19, numRuns: 2000 });
    const skip = (message: string) => ({ id: "x", pack: "p", status: "skip", message }) as unknown as CheckResult;
    const report = { results: [skip(`not a RHEL-family system${BLANKS}(on /etc/os-release: ${BLANKS}x)`), skip(`a${BLANKS}x`)] } as unknown as ScanReport;
    const [only, ...rest] = inapplicablePacks(report);
    expect(rest).toHaveLength(0);
    // Compared as a boolean: a diff of two million-character strings would take minutes.
    expect(only?.reason === `not a RHEL-family system (and 1 other reason)`).toBe(true);
    expect(only?.count).toBe(2);
  }, GUARD);
});
