/**
 * nftables as `nft -f` reads it: the command forms of sets (`add set`, `add element`), one
 * scope of sets and defines across the files of an include walk, each include read where it
 * stands (inside a table block too), and anonymous verdict maps — an accepting vmap entry
 * counts as that port allowed; a vmap this model does not read is opaque, and the evidence
 * says which rule and why (never silently left out). On the live host, kube-proxy's own table
 * (nftables mode) is named in the evidence: no verdict of its own (CIS section 4 has none).
 */
import { chmod } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import type { CommandRunner } from "../../../src/host/exec.js";
import { HostRoot } from "../../../src/host/host-root.js";
import probe, { privilege } from "../../../src/probes/firewall.js";
import { summarise } from "../../../src/probes/parse/firewall-rules.js";
import { parseNft, parseNftRules } from "../../../src/probes/parse/nft.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

const INPUT = (body: string) => `table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n${body}  }\n}\n`;

describe("nft: add set / add element", () => {
  it("a set declared by `add set` and filled by `add element` stands for its elements", () => {
    const p = parseNft(
      [
        "add table inet filter",
        "add set inet filter ssh { type inet_service; }",
        "add element inet filter ssh { 22, 2222 }",
        "add element inet filter ssh {",
        "  8022",
        "}",
        "add chain inet filter input { type filter hook input priority 0; policy drop; }",
        "add rule inet filter input tcp dport @ssh accept",
        "",
      ].join("\n"),
      "/etc/nftables.conf",
    );
    expect(p.problems).toEqual([]);
    expect(summarise(p).acceptedPorts).toEqual(["22/tcp", "2222/tcp", "8022/tcp"]);
  });

  it("elements added to a dynamic set keep it opaque; an element for a set not defined is a problem", () => {
    const p = parseNft(
      [
        "add table inet filter",
        "add set inet filter seen { type ipv4_addr; flags dynamic; }",
        "add element inet filter seen { 10.0.0.1 }",
        "add element inet filter nosuch { 80 }",
        "add chain inet filter input { type filter hook input priority 0; policy drop; }",
        "add rule inet filter input ip saddr @seen drop",
        "add rule inet filter input tcp dport @empty accept",
        "",
      ].join("\n"),
    );
    expect(p.problems).toEqual([{ line: 4, message: "add element to set nosuch, not defined before" }]);
    expect(p.rules.map((r) => [r.opaque, r.opaqueReason])).toEqual([
      [true, "set @seen is dynamic (filled by the packet path)"],
      [true, "set @empty is not defined in the files read"],
    ]);
    expect(summarise(p).acceptedPorts).toEqual([]);
  });
});

describe("nft: one include walk, read as nft -f reads it", () => {
  it("a set defined in an included file is used by the including file after the include", async () => {
    const root = await fixtureRoot({
      "etc/nftables.conf": `flush ruleset\ninclude "/etc/nftables.d/sets.nft"\n${INPUT("    tcp dport @web accept\n")}`,
      "etc/nftables.d/sets.nft": "table inet filter {\n  set web {\n    type inet_service\n    elements = { 80, 443 }\n  }\n}\n",
    });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    expect(f.value.acceptedPorts).toEqual(["443/tcp", "80/tcp"]);
    expect(f.value.files).toEqual(["/etc/nftables.conf", "/etc/nftables.d/sets.nft"]);
  });

  it("a define from an included file is visible after the include (not before it)", async () => {
    const root = await fixtureRoot({
      "etc/nftables.conf": `add table inet filter\nadd chain inet filter input { type filter hook input priority 0; policy drop; }\nadd rule inet filter input tcp dport $SSH accept\ninclude "defs.nft"\nadd rule inet filter input tcp dport $SSH accept\n`,
      "etc/defs.nft": "define SSH = 2222\n",
    });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    expect(f.value.acceptedPorts).toEqual(["2222/tcp"]);
    // The use before the include is opaque, and said so.
    expect(f.evidence).toContainEqual({ file: "/etc/nftables.conf", line: 3, detail: "not counted as an accept or a drop ($SSH is not defined in the files read, or not expanded): tcp dport $SSH accept" });
  });

  it("an include inside a table block adds its chains to that table; a flush in an included file drops what came before", async () => {
    const root = await fixtureRoot({
      "etc/nftables.conf": 'table inet old {\n  chain input {\n    type filter hook input priority 0; policy accept;\n  }\n}\ninclude "/etc/nftables.d/flush.nft"\ntable inet filter {\n  include "/etc/nftables.d/chains/*.nft"\n}\n',
      "etc/nftables.d/flush.nft": "flush ruleset\n",
      "etc/nftables.d/chains/input.nft": 'chain input {\n  type filter hook input priority 0; policy drop;\n  iif "lo" accept\n  tcp dport 22 accept\n}\n',
    });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    expect(f.value.tables).toEqual(["inet filter"]);
    expect(f.value.baseChains).toEqual(["inet filter input: input filter policy drop"]);
    expect(f.value).toMatchObject({ inputPolicy: "drop", loopbackAccept: true, acceptedPorts: ["22/tcp"] });
    expect(f.evidence.filter((e) => /unparsed/.test(e.detail ?? ""))).toEqual([]);
  });
});

describe("nft: verdict maps", () => {
  it("a port vmap: each accepting entry is that port allowed, each drop a drop", () => {
    const rules = parseNftRules("tcp dport vmap { 22 : accept, 23 : drop, 8000-8080 : accept, 9000 : jump web }", "inet", "filter", "input", 7, "/etc/nftables.conf");
    expect(rules.map((r) => [r.protocol, r.dports, r.verdict, r.target, r.opaque])).toEqual([
      ["tcp", ["22", "8000-8080"], "accept", undefined, false],
      ["tcp", ["23"], "drop", undefined, false],
      ["tcp", ["9000"], "jump", "web", false],
    ]);
    const s = summarise(parseNft(INPUT("    tcp dport vmap { 22 : accept, 23 : drop }\n    udp dport vmap { 53 : accept }\n")));
    expect(s.acceptedPorts).toEqual(["22/tcp", "53/udp"]);
  });

  it("an entry's key is split at the verdict's colon, in linear time: a key of 200,000 blanks and a word (the lazy split took ~60 s)", () => {
    const rules = parseNftRules(`tcp dport vmap { 22${" ".repeat(200_000)}x : accept, 23 : jump web }`, "inet", "filter", "input", 1);
    expect(rules.map((r) => [r.dports?.map((d) => d.replace(/ +/, " ")), r.verdict, r.target, r.opaque])).toEqual([
      [["22 x"], "accept", undefined, false],
      [["23"], "jump", "web", false],
    ]);
  }, 30_000);

  it("ct state vmap: established accepted counts; a loopback interface before the map is kept", () => {
    const s = summarise(parseNft(INPUT('    ct state vmap { established : accept, related : accept, invalid : drop }\n    iif "lo" tcp dport vmap { 8080 : accept }\n')));
    expect(s.establishedRules).toEqual(["ct state vmap { established : accept, related : accept, invalid : drop }"]);
    // Accepted from lo only: not a port open on the network.
    expect(s.acceptedPorts).toEqual([]);
  });

  it("a vmap this model does not read is opaque with the reason, shown in the evidence", async () => {
    const reasons = (text: string) => parseNftRules(text, "inet", "filter", "input", 1).map((r) => [r.opaque, r.opaqueReason]);
    expect(reasons("ip saddr vmap { 10.0.0.1 : drop }")).toEqual([[true, "a verdict map on ip saddr this model does not read"]]);
    expect(reasons("tcp dport vmap @ports")).toEqual([[true, "a named verdict map (@ports): its entries are not read"]]);
    expect(reasons("ip daddr . meta l4proto . th dport vmap { 10.96.0.1 . tcp . 443 : goto svc }")).toEqual([[true, "a verdict map on a concatenation of matches this model does not read"]]);
    expect(reasons("tcp dport vmap { 22 : accept, 23 : counter drop }")).toEqual([[true, "a verdict map entry this model does not read (23 : counter drop)"]]);
    const root = await fixtureRoot({ "etc/nftables.conf": INPUT("    tcp dport vmap @ports\n") });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    expect(f.value.acceptedPorts).toEqual([]);
    expect(f.evidence).toContainEqual({ file: "/etc/nftables.conf", line: 4, detail: "not counted as an accept or a drop (a named verdict map (@ports): @ports is not defined in the files read): tcp dport vmap @ports" });
  });

  it("more than five opaque rules: five shown, the rest counted", async () => {
    const body = Array.from({ length: 7 }, (_, i) => `    tcp dport != ${1000 + i} accept\n`).join("");
    const root = await fixtureRoot({ "etc/nftables.conf": INPUT(body) });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    const shown = f.evidence.filter((e) => /^not counted/.test(e.detail ?? ""));
    expect(shown.map((e) => e.line)).toEqual([4, 5, 6, 7, 8]);
    expect(shown[0]?.detail).toBe("not counted as an accept or a drop (a negated match (!=)): tcp dport != 1000 accept");
    expect(f.evidence).toContainEqual({ detail: "… and 2 more rules not counted" });
  });
});

describe("nft: kube-proxy's own table (nftables mode), on the live host", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("is named in the evidence with its base chains; the host's own table decides the policies, its named vmaps stay opaque", async () => {
    vi.spyOn(privilege, "unprivileged").mockReturnValue(false);
    const bin = await fixtureRoot({ nft: "" });
    await chmod(path.join(bin, "nft"), 0o755);
    vi.stubEnv("PATH", bin);
    const ruleset = [
      INPUT('    iif "lo" accept\n    ct state established,related accept\n    tcp dport 22 accept\n'),
      "table ip kube-proxy {",
      '  comment "rules for kube-proxy"',
      "  chain filter-input {",
      "    type filter hook input priority -110; policy accept;",
      "    ct state new jump firewall-check",
      "  }",
      "  chain firewall-check {",
      "    ip daddr . meta l4proto . th dport vmap @firewall-ips",
      "  }",
      "  chain nat-prerouting {",
      "    type nat hook prerouting priority dstnat; policy accept;",
      "    jump services",
      "  }",
      "  chain services {",
      "    ip daddr . meta l4proto . th dport vmap @service-ips",
      "  }",
      "}",
      "",
    ].join("\n");
    const run: CommandRunner = (argv) =>
      Promise.resolve({ argv: [...argv], exitCode: 0, stdout: path.basename(argv[0] ?? "") === "nft" ? ruleset : "", stderr: "", failed: false, timedOut: false, notFound: false, truncated: false, durationMs: 1 });
    const live = new HostRoot({ root: "/", proc: await fixtureRoot({ "1/cmdline": "/sbin/init\0", cmdline: "BOOT_IMAGE=/vmlinuz\n", "sys/net/ipv6/conf/all/disable_ipv6": "0\n", "sys/net/ipv6/conf/default/disable_ipv6": "0\n" }) });
    const f = await probe.collect(createProbeContext(live, run, 5000), { backend: "nftables" });
    expect(f.value).toMatchObject({ view: "live", inputPolicy: "drop", loopbackAccept: true, acceptedPorts: ["22/tcp"], tables: ["inet filter", "ip kube-proxy"] });
    const cmd = `${bin}/nft list ruleset`;
    expect(f.evidence).toContainEqual({
      command: cmd,
      detail: "table ip kube-proxy is kube-proxy's (nftables mode), 4 rules: its base chains filter-input (filter input, policy accept), nat-prerouting (nat prerouting, policy accept) are counted like the host's own",
    });
    expect(f.evidence).toContainEqual({ command: cmd, line: 17, detail: "not counted as an accept or a drop (a verdict map on a concatenation of matches this model does not read): ip daddr . meta l4proto . th dport vmap @firewall-ips" });
  });
});

describe("nft: a define that is a set, used inside an anonymous or a named set", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  const DEFINES = "define web = { 80, 443 }\ndefine ssh = 22\n";

  it("`{ $web, 8080 }` is the one set { 80, 443, 8080 } (nft merges a nested set), in a rule and in a named set's elements", () => {
    const p = parseNft(`${DEFINES}table inet filter {\n  set allowed { type inet_service; elements = { $web, 8443 } }\n  chain input {\n    type filter hook input priority 0; policy drop;\n    tcp dport { $web, 8080 } accept\n    tcp dport { $ssh, 2222 } accept\n    tcp dport @allowed accept\n  }\n}\n`, "/etc/nftables.conf");
    expect(p.rules.map((r) => [r.dports, r.opaque])).toEqual([[["80", "443", "8080"], false], [["22", "2222"], false], [["80", "443", "8443"], false]]);
    expect(summarise(p).acceptedPorts).toEqual(["22/tcp", "2222/tcp", "443/tcp", "80/tcp", "8080/tcp", "8443/tcp"]);
    // A set literal left unclosed (nft refuses it) gives no port, as before.
    expect(parseNftRules("tcp dport { 80, 443 accept", "inet", "filter", "input", 1)[0]?.dports).toEqual([]);
  });

  it("the live host: port 8080 listening is accepted by `{ $web, 8080 }` (portsWithoutRule empty) and not by `{ $web }` alone", async () => {
    const judge = (set: string) => judgeLive8080(`${DEFINES}${INPUT(`    iif "lo" accept\n    tcp dport ${set} accept\n`)}`);
    expect(await judge("{ $web, 8080 }")).toEqual({ accepted: ["443/tcp", "80/tcp", "8080/tcp"], without: [] });
    expect(await judge("{ $web }")).toEqual({ accepted: ["443/tcp", "80/tcp"], without: ["8080/tcp"] });
  });
});

describe("nft: named verdict maps", () => {
  it("`vmap @ports` on a map of constant verdicts counts as its entries (block and one-line forms, a define inside); a map to addresses is skipped", () => {
    const p = parseNft(
      [
        "define web = { 80, 443 }",
        "table inet filter {",
        "  map ports {",
        "    type inet_service : verdict",
        "    elements = { 22 : accept, 23 : drop, 8080 : accept }",
        "  }",
        "  map udp-ports { type inet_service : verdict; elements = { 53 : accept } }",
        "  map nat-to { type ipv4_addr : ipv4_addr; elements = { 10.0.0.1 : 10.0.0.2 } }",
        "  chain input {",
        "    type filter hook input priority 0; policy drop;",
        "    tcp dport vmap @ports",
        "    udp dport vmap @udp-ports",
        "    tcp dport vmap @nat-to",
        "  }",
        "}",
        "",
      ].join("\n"),
      "/etc/nftables.conf",
    );
    expect(p.problems).toEqual([]);
    expect(summarise(p).acceptedPorts).toEqual(["22/tcp", "53/udp", "8080/tcp"]);
    expect(p.rules.map((r) => [r.dports, r.verdict, r.opaque, r.opaqueReason])).toEqual([
      [["22", "8080"], "accept", false, undefined],
      [["23"], "drop", false, undefined],
      [["53"], "accept", false, undefined],
      [[], undefined, true, "a named verdict map (@nat-to): @nat-to is not defined in the files read"],
    ]);
  });
  it("the command form: `add map` of verdicts filled by `add element` counts as its entries; `add map` to addresses is skipped without a problem", () => {
    const p = parseNft(
      [
        "add table inet filter",
        "add map inet filter ports { type inet_service : verdict; }",
        "add element inet filter ports { 22 : accept, 23 : drop }",
        "add map inet filter nat-to { type ipv4_addr : ipv4_addr; }",
        "add element inet filter nat-to { 10.0.0.1 : 10.0.0.2 }",
        "add chain inet filter input { type filter hook input priority 0; policy drop; }",
        "add rule inet filter input tcp dport vmap @ports",
        "",
      ].join("\n"),
    );
    expect(p.problems).toEqual([]);
    expect(summarise(p).acceptedPorts).toEqual(["22/tcp"]);
  });
});

describe("nft: a set define as a verdict map key; concatenated matches", () => {
  it("`tcp dport vmap { $web : accept, 22 : accept }` with web a set: each item of the set is its own key", () => {
    const p = parseNft(`define web = { 80, 443 }\n${INPUT("    tcp dport vmap { $web : accept, 22 : accept, 23 : drop }\n")}`);
    expect(p.problems).toEqual([]);
    expect(p.rules.map((r) => [r.verdict, r.dports, r.opaque])).toEqual([["accept", ["80", "443", "22"], false], ["drop", ["23"], false]]);
    expect(summarise(p).acceptedPorts).toEqual(["22/tcp", "443/tcp", "80/tcp"]);
  });

  it("`ip saddr . tcp dport { a . 22, b . 80 } accept`: the ports are accepted (from those addresses), as an iptables -s … --dport rule", () => {
    const p = parseNft(INPUT("    ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.2 . 80 } accept\n    iifname . tcp dport { \"eth1\" . 8443 } accept\n"));
    expect(p.rules.map((r) => [r.protocol, r.dports, r.saddr, r.iif, r.verdict, r.opaque])).toEqual([
      ["tcp", ["22", "80"], "{ 10.0.0.1, 10.0.0.2 }", undefined, "accept", false],
      ["tcp", ["8443"], undefined, "eth1", "accept", false],
    ]);
    expect(summarise(p).acceptedPorts).toEqual(["22/tcp", "80/tcp", "8443/tcp"]);
  });

  it("a named set of a concatenated type (add set … { type ipv4_addr . inet_service; }), and `meta l4proto . th dport` per protocol", () => {
    const p = parseNft(
      [
        "table inet filter {",
        "  set allowed {",
        "    type ipv4_addr . inet_service",
        "    elements = { 192.0.2.1 . 22, 192.0.2.2 . 9100 }",
        "  }",
        "  chain input {",
        "    type filter hook input priority 0; policy drop;",
        "    ip saddr . tcp dport @allowed accept",
        "    meta l4proto . th dport { tcp . 443, udp . 53 } accept",
        "    ip saddr . tcp dport @nosuch accept",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    expect(p.problems).toEqual([]);
    expect(p.rules.map((r) => [r.protocol, r.dports, r.opaque, r.opaqueReason])).toEqual([
      ["tcp", ["22", "9100"], false, undefined],
      ["tcp", ["443"], false, undefined],
      ["udp", ["53"], false, undefined],
      [undefined, [], true, "set @nosuch is not defined in the files read"],
    ]);
    expect(summarise(p).acceptedPorts).toEqual(["22/tcp", "443/tcp", "53/udp", "9100/tcp"]);
  });

  it("an element with the wrong number of parts is opaque with the reason, never a port; a single concatenated value is read", () => {
    const bad = parseNftRules("ip saddr . tcp dport { 10.0.0.1 . 22 . 5 } accept", "inet", "filter", "input", 1);
    expect(bad.map((r) => [r.opaque, r.opaqueReason])).toEqual([[true, "a concatenation of ip saddr . tcp dport with an element this model does not read (10.0.0.1 . 22 . 5)"]]);
    const one = parseNftRules("ip saddr . tcp dport 10.0.0.1 . 22 accept", "inet", "filter", "input", 1);
    expect(one.map((r) => [r.saddr, r.protocol, r.dports, r.verdict])).toEqual([["10.0.0.1", "tcp", ["22"], "accept"]]);
  });

  it("a selector the model does not read (meta mark, ct mark, a mis-split head) makes the rule opaque: a drop of marked loopback packets is not the anti-spoofing rule", () => {
    const p = parseNft(INPUT("    meta mark . ip saddr { 0x1 . 127.0.0.0/8 } drop\n    ct mark . ip6 saddr { 0x2 . ::1 } drop\n"));
    expect(p.rules.map((r) => [r.opaque, r.opaqueReason])).toEqual([
      [true, "a concatenation with meta mark, which this model does not read"],
      [true, "a concatenation with ct mark, which this model does not read"],
    ]);
    expect(summarise(p)).toMatchObject({ loopbackSpoofDrop: false, loopbackSpoofDrop6: false });
    const head = parseNftRules('ip protocol tcp iifname . tcp dport { "eth0" . 8080 } accept', "inet", "filter", "input", 1);
    expect(head.map((r) => [r.opaque, r.opaqueReason])).toEqual([[true, "a concatenation with tcp iifname, which this model does not read"]]);
  });

  it("a port match beside a concatenation's ports: both must hold, so only the ports both name are accepted; a range on either side is opaque", () => {
    const both = parseNftRules("tcp dport { 22, 80 } ip saddr . tcp dport { 10.0.0.1 . 22, 10.0.0.2 . 443 } accept", "inet", "filter", "input", 1);
    expect(both.map((r) => [r.dports, r.saddr, r.opaque])).toEqual([[["22"], "{ 10.0.0.1, 10.0.0.2 }", false]]);
    const range = parseNftRules("tcp dport 1-1024 ip saddr . tcp dport { 10.0.0.1 . 22 } accept", "inet", "filter", "input", 1);
    expect(range.map((r) => [r.opaque, r.opaqueReason])).toEqual([[true, "a port range beside a concatenation's ports"]]);
  });
});

describe("nft: a concatenated match on the live host", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("port 8080 listening: accepted by `ip saddr . tcp dport { 10.0.0.1 . 8080 }` (portsWithoutRule empty), not by `{ 10.0.0.1 . 8081 }`", async () => {
    const judge = (port: number) => judgeLive8080(INPUT(`    iif "lo" accept\n    ip saddr . tcp dport { 10.0.0.1 . ${port} } accept\n`));
    expect(await judge(8080)).toEqual({ accepted: ["8080/tcp"], without: [] });
    expect(await judge(8081)).toEqual({ accepted: ["8081/tcp"], without: ["8080/tcp"] });
  });
});

describe("nft: concatenations on a hostile line", () => {
  it("100,000 concatenated matches in one rule: one opaque rule with the reason, read once (no recursion per match)", () => {
    const line = `${"ip saddr . tcp dport 10.0.0.1 . 22 ".repeat(100_000)}accept`;
    const r = parseNftRules(line, "inet", "filter", "input", 1);
    expect(r.map((x) => [x.opaque, x.opaqueReason])).toEqual([[true, "more than one concatenated match in a rule"]]);
  });
});

/**
 * The live host as root with 0.0.0.0:8080 listening (IPv6 off), `nft list ruleset` answering
 * `ruleset`: the ports the probe counts as accepted, and those listening without a rule.
 */
async function judgeLive8080(ruleset: string): Promise<{ accepted: unknown; without: unknown }> {
  vi.spyOn(privilege, "unprivileged").mockReturnValue(false);
  const bin = await fixtureRoot({ nft: "" });
  await chmod(path.join(bin, "nft"), 0o755);
  vi.stubEnv("PATH", bin);
  const proc = await fixtureRoot({
    "1/cmdline": "/sbin/init\0",
    "sys/net/ipv6/conf/all/disable_ipv6": "1\n",
    "sys/net/ipv6/conf/default/disable_ipv6": "1\n",
    // 0.0.0.0:8080 listening (0A).
    "net/tcp": "  sl  local_address rem_address   st\n   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0\n",
  });
  const run: CommandRunner = (argv) => Promise.resolve({ argv: [...argv], exitCode: 0, stdout: ruleset, stderr: "", failed: false, timedOut: false, notFound: false, truncated: false, durationMs: 1 });
  const f = await probe.collect(createProbeContext(new HostRoot({ root: "/", proc }), run, 5000), { backend: "nftables" });
  return { accepted: f.value.acceptedPorts, without: f.value.portsWithoutRule };
}
