import { execFileSync } from "node:child_process";
import { chmod, chown, utimes } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import type { CommandResult, CommandRunner } from "../../../src/host/exec.js";
import { HostRoot } from "../../../src/host/host-root.js";
import probe, { parseIptablesSave, parseNft, privilege, snapshotSource, SNAPSHOT_DIR } from "../../../src/probes/firewall.js";
import { portCovered, summarise } from "../../../src/probes/parse/firewall-rules.js";
import { isLoopbackSpoofDrop, parseListAllZones, parseZoneXml } from "../../../src/probes/parse/firewalld.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { mutated } from "../../helpers/fuzz.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

afterAll(cleanupFixtures);
// As root unless a test says otherwise (the suite may run as any user); snapshots where a test puts them.
beforeEach(() => {
  vi.spyOn(privilege, "unprivileged").mockReturnValue(false);
});
afterEach(() => {
  vi.restoreAllMocks();
  snapshotSource.dir = SNAPSHOT_DIR;
  snapshotSource.ownerUid = 0;
});

const RULESET_ONLY = "a ruleset field: the inventory (no backend) does not summarise rules";
const INVENTORY_ONLY = "an inventory field: a backend's ruleset fact does not list utilities";
const rulesetFields = ["backend", "view", "files", "persisted", "persistedHooks", "ufwEnabled", "tables", "tableCount", "inputPolicy", "forwardPolicy", "outputPolicy", "defaultDeny", "baseChains", "hooks",
  "loopbackAccept", "loopbackOutAccept", "loopbackSpoofDrop", "loopbackSpoofDrop6", "establishedRules", "acceptedPorts", "ruleCount", "portsWithoutRule", "ipv6Enabled"];
const inventoryFields = ["installed", "enabled", "active", "inUse", "inUseCount", "utility", "judged"];
const firewalldFields = ["defaultZone", "activeZones", "zonesAllow", "loopbackTrusted"];
const FIREWALLD_ONLY = "a firewalld field: only the firewalld backend reads zones";

// The inventory: no package database on an empty root (installed unknown, so "in use" is
// too); nothing runs on an offline root (active not applicable).
probeConformance(probe, {
  params: [{}],
  mayOmit: { ...Object.fromEntries(rulesetFields.map((f) => [f, RULESET_ONLY])), ...Object.fromEntries(firewalldFields.map((f) => [f, FIREWALLD_ONLY])) },
  offline: { notApplicable: ["active"], unknown: ["installed", "inUse", "inUseCount", "utility", "judged"] },
});

// A backend's ruleset: the persisted one is judged offline (no file: no base chain, so no
// policy); listening sockets exist only on a running system.
probeConformance(probe, {
  params: [{ backend: "nftables" }, { backend: "iptables" }, { backend: "ip6tables" }],
  mayOmit: {
    ...Object.fromEntries(inventoryFields.map((f) => [f, INVENTORY_ONLY])),
    ...Object.fromEntries(firewalldFields.map((f) => [f, FIREWALLD_ONLY])),
    inputPolicy: "no base chain hooks input in an empty ruleset",
    forwardPolicy: "no base chain hooks forward in an empty ruleset",
    outputPolicy: "no base chain hooks output in an empty ruleset",
    ufwEnabled: "only the ufw backend reads ufw.conf",
  },
  offline: { notApplicable: ["portsWithoutRule"] },
});

// firewalld: the zone files are judged offline (none: the default zone public, empty).
const NOT_FIREWALLD = "a ruleset field: firewalld is judged by its zones, not a summarised ruleset";
probeConformance(probe, {
  params: [{ backend: "firewalld" }],
  mayOmit: {
    ...Object.fromEntries(inventoryFields.map((f) => [f, INVENTORY_ONLY])),
    ...Object.fromEntries(rulesetFields.filter((f) => !["backend", "view", "files", "persisted", "loopbackSpoofDrop", "loopbackSpoofDrop6"].includes(f)).map((f) => [f, NOT_FIREWALLD])),
  },
  offline: {},
});

const NFTABLES_CONF = `#!/usr/sbin/nft -f
flush ruleset
include "/etc/nftables.d/*.nft"
table inet filter {
  set blocked { type ipv4_addr; elements = { 10.0.0.1,
    10.0.0.2 } }
  chain input {
    type filter hook input priority 0; policy drop;
    iif "lo" accept
    ip saddr 127.0.0.0/8 counter drop # spoofed loopback
    ip6 saddr ::1 counter drop
    ct state established,related accept
    tcp dport { 22, 6443 } accept
    jump services
  }
  chain services {
    udp dport 30000-32767 accept
  }
  chain forward { type filter hook forward priority 0; policy drop; }
  chain output {
    type filter hook output priority 0; policy drop;
    oif lo accept
    ct state { established, related, new } accept
  }
}
`;

describe("parseNft", () => {
  it("tables, base chains with hooks and policies, rules with interfaces, addresses, ports, states and verdicts; sets skipped", () => {
    const p = parseNft(NFTABLES_CONF, "/etc/nftables.conf");
    expect(p.flush).toBe(true);
    expect(p.includes).toEqual([{ path: "/etc/nftables.d/*.nft", line: 3 }]);
    expect(p.tables.map((t) => `${t.family} ${t.name}`)).toEqual(["inet filter"]);
    expect(p.chains.map((c) => [c.name, c.hook, c.type, c.priority, c.policy])).toEqual([
      ["input", "input", "filter", "0", "drop"],
      ["services", undefined, undefined, undefined, undefined],
      ["forward", "forward", "filter", "0", "drop"],
      ["output", "output", "filter", "0", "drop"],
    ]);
    expect(p.rules.map((r) => [r.chain, r.iif ?? r.oif, r.saddr, r.protocol, r.dports, r.states, r.verdict, r.target, r.line])).toEqual([
      ["input", "lo", undefined, undefined, [], [], "accept", undefined, 9],
      ["input", undefined, "127.0.0.0/8", undefined, [], [], "drop", undefined, 10],
      ["input", undefined, "::1", undefined, [], [], "drop", undefined, 11],
      ["input", undefined, undefined, undefined, [], ["established", "related"], "accept", undefined, 12],
      ["input", undefined, undefined, "tcp", ["22", "6443"], [], "accept", undefined, 13],
      ["input", undefined, undefined, undefined, [], [], "jump", "services", 14],
      ["services", undefined, undefined, "udp", ["30000-32767"], [], "accept", undefined, 17],
      ["output", "lo", undefined, undefined, [], [], "accept", undefined, 22],
      ["output", undefined, undefined, undefined, [], ["established", "related", "new"], "accept", undefined, 23],
    ]);
    expect(p.problems).toEqual([]);
  });

  it("the command form (add table / add chain / add rule) and nft list ruleset's named priorities", () => {
    const p = parseNft([
      "add table ip fw",
      "add chain ip fw in { type filter hook input priority filter ; policy accept ; }",
      "add rule ip fw in tcp dport 22 accept",
      "table ip6 other { chain out { type filter hook output priority -10; policy drop; } }",
    ].join("\n"));
    expect(p.chains.map((c) => [c.family, c.table, c.name, c.hook, c.priority, c.policy])).toEqual([
      ["ip", "fw", "in", "input", "filter", "accept"],
      ["ip6", "other", "out", "output", "-10", "drop"],
    ]);
    expect(p.rules.map((r) => [r.chain, r.protocol, r.dports, r.verdict])).toEqual([["in", "tcp", ["22"], "accept"]]);
  });

  it("what it cannot read is a problem with its line; fuzzed input never throws", () => {
    const p = parseNft("table inet filter {\n  chain input {\n    type filter hook input priority 0;\n  }\n}\n}\nbogus words here\n");
    expect(p.problems).toEqual([{ line: 6, message: "a closing brace without a block" }, { line: 7, message: "not read: (a text of 16 characters, not quoted: an unparsed line may hold a secret)" }]);
    fc.assert(fc.property(mutated(NFTABLES_CONF), (s) => void parseNft(s)), { numRuns: 50 });
  });
});

const RULES_V4 = `# Generated by iptables-save
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
:LOGDROP - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -s 127.0.0.0/8 -j DROP
-A INPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -m state --state NEW -j ACCEPT
-A INPUT -p udp -m multiport --dports 53,123:124 -j ACCEPT
-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 8080 -j ACCEPT
-A INPUT -j LOGDROP
-A LOGDROP -j LOG
-A LOGDROP -j DROP
-A OUTPUT -o lo -j ACCEPT
-A OUTPUT -p tcp -m state --state NEW,ESTABLISHED -j ACCEPT
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
COMMIT
`;

describe("parseIptablesSave", () => {
  it("built-in chains' policies in the filter table, rules with their matches; a negated match is opaque; LOG is no verdict", () => {
    const p = parseIptablesSave(RULES_V4, "ip", "/etc/iptables/rules.v4");
    expect(p.chains.filter((c) => c.hook).map((c) => [c.name, c.hook, c.policy])).toEqual([["INPUT", "input", "drop"], ["FORWARD", "forward", "drop"], ["OUTPUT", "output", "drop"]]);
    expect(p.chains.find((c) => c.name === "PREROUTING")?.hook).toBeUndefined();
    expect(p.rules.map((r) => [r.chain, r.iif ?? r.oif, r.saddr, r.protocol, r.dports, r.states, r.opaque, r.verdict, r.target])).toEqual([
      ["INPUT", "lo", undefined, undefined, [], [], false, "accept", undefined],
      ["INPUT", undefined, "127.0.0.0/8", undefined, [], [], false, "drop", undefined],
      ["INPUT", undefined, undefined, "tcp", [], ["established"], false, "accept", undefined],
      ["INPUT", undefined, undefined, "tcp", ["22"], ["new"], false, "accept", undefined],
      ["INPUT", undefined, undefined, "udp", ["53", "123-124"], [], false, "accept", undefined],
      ["INPUT", undefined, "10.0.0.0/8", "tcp", ["8080"], [], true, "accept", undefined],
      ["INPUT", undefined, undefined, undefined, [], [], false, "jump", "LOGDROP"],
      ["LOGDROP", undefined, undefined, undefined, [], [], false, undefined, undefined],
      ["LOGDROP", undefined, undefined, undefined, [], [], false, "drop", undefined],
      ["OUTPUT", "lo", undefined, undefined, [], [], false, "accept", undefined],
      ["OUTPUT", undefined, undefined, "tcp", [], ["new", "established"], false, "accept", undefined],
    ]);
    expect(parseIptablesSave("-A INPUT -j ACCEPT\n*filter\n-X\n", "ip").problems).toEqual([
      { line: 1, message: "a rule or chain outside a *table ... COMMIT block" },
      { line: 3, message: 'unknown command "-X"' },
    ]);
    fc.assert(fc.property(mutated(RULES_V4), (s) => void parseIptablesSave(s, "ip")), { numRuns: 50 });
  });
});

describe("summarise and portCovered", () => {
  it("judges policies, loopback, spoofing, established and accepted ports (following jumps)", () => {
    const s = summarise(parseNft(NFTABLES_CONF));
    expect(s).toEqual({
      tables: ["inet filter"], tableCount: 1,
      inputPolicy: "drop", forwardPolicy: "drop", outputPolicy: "drop", defaultDeny: true,
      baseChains: ["inet filter input: input filter policy drop", "inet filter forward: forward filter policy drop", "inet filter output: output filter policy drop"],
      hooks: ["input", "forward", "output"],
      loopbackAccept: true, loopbackOutAccept: true, loopbackSpoofDrop: true, loopbackSpoofDrop6: true,
      establishedRules: ["ct state established,related accept", "ct state { established, related, new } accept"],
      acceptedPorts: ["22/tcp", "30000-32767/udp", "6443/tcp"],
      ruleCount: 9,
    });
    const v4 = summarise(parseIptablesSave(RULES_V4, "ip"));
    expect(v4.acceptedPorts).toEqual(["123-124/udp", "22/tcp", "53/udp"]);
    expect([v4.defaultDeny, v4.loopbackAccept, v4.loopbackOutAccept, v4.loopbackSpoofDrop, v4.loopbackSpoofDrop6]).toEqual([true, true, true, true, false]);
    const open = summarise(parseNft("table inet t { chain i { type filter hook input priority 0; policy accept; } }"));
    expect([open.inputPolicy, open.forwardPolicy, open.defaultDeny, open.loopbackAccept]).toEqual(["accept", undefined, false, false]);
    expect([portCovered(v4.acceptedPorts, 123, "udp"), portCovered(v4.acceptedPorts, 22, "udp"), portCovered(["53/any"], 53, "tcp")]).toEqual([true, false, true]);
  });
});

const UFW = {
  "etc/ufw/ufw.conf": "# ufw.conf\nENABLED=yes\nLOGLEVEL=low\n",
  "etc/default/ufw": 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="DROP"\nDEFAULT_FORWARD_POLICY="REJECT"\n',
  "etc/ufw/before.rules": "*filter\n:ufw-before-input - [0:0]\n:ufw-before-output - [0:0]\n-A ufw-before-input -i lo -j ACCEPT\n-A ufw-before-output -o lo -j ACCEPT\n-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n",
  "etc/ufw/user.rules": "*filter\n:ufw-user-input - [0:0]\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n-A ufw-user-input -s 127.0.0.0/8 -j DROP\nCOMMIT\n",
  "etc/ufw/user6.rules": "*filter\n:ufw6-user-input - [0:0]\n-A ufw6-user-input -s ::1 -j DROP\nCOMMIT\n",
};

describe("firewall probe: persisted rulesets on an offline root", () => {
  it("nftables: /etc/nftables.conf with its globbed includes, judged as the persisted view", async () => {
    const root = await fixtureRoot({
      "etc/nftables.conf": 'flush ruleset\ninclude "/etc/nftables.d/*.nft"\n',
      "etc/nftables.d/10-filter.nft": NFTABLES_CONF.replace('include "/etc/nftables.d/*.nft"', ""),
    });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    expect(f.value).toMatchObject({
      backend: "nftables", view: "persisted", persisted: true, files: ["/etc/nftables.conf", "/etc/nftables.d/10-filter.nft"], persistedHooks: ["input", "forward", "output"],
      inputPolicy: "drop", defaultDeny: true, loopbackAccept: true, loopbackSpoofDrop: true, acceptedPorts: ["22/tcp", "30000-32767/udp", "6443/tcp"],
    });
    expect(f.unknown).toBeUndefined();
    expect(f.notApplicable).toEqual({ portsWithoutRule: expect.stringMatching(/^the listening sockets exist only on a running system; no running system/) as unknown });
  });

  it("a loopback drop limited to a port, a protocol, a state or an interface is not the anti-spoofing rule (the benchmark's audit expects the drop on the source alone); the evidence says what limits it", async () => {
    const nft = "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    iif \"lo\" accept\n    ip saddr 127.0.0.0/8 tcp dport 22 counter drop\n    ct state new ip6 saddr ::1 drop\n  }\n}\n";
    const f = await probe.collect(probeContext(await fixtureRoot({ "etc/nftables.conf": nft })), { backend: "nftables" });
    expect(f.value).toMatchObject({ loopbackSpoofDrop: false, loopbackSpoofDrop6: false });
    expect(f.evidence).toContainEqual({ file: "/etc/nftables.conf", line: 5, detail: "not the anti-spoofing rule (limited to protocol tcp, port 22; the benchmark's audit expects the drop on the source alone): ip saddr 127.0.0.0/8 tcp dport 22 counter drop" });
    expect(f.evidence).toContainEqual({ file: "/etc/nftables.conf", line: 6, detail: "not the anti-spoofing rule (limited to state new; the benchmark's audit expects the drop on the source alone): ct state new ip6 saddr ::1 drop" });
    // The same drop on the source alone (a counter is no match) passes, and nothing is said of it.
    const whole = await probe.collect(probeContext(await fixtureRoot({ "etc/nftables.conf": nft.replace(" tcp dport 22", "").replace("ct state new ", "") })), { backend: "nftables" });
    expect(whole.value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
    expect(whole.evidence.filter((e) => e.detail?.startsWith("not the anti-spoofing rule"))).toEqual([]);
    const ipt = await probe.collect(probeContext(await fixtureRoot({ "etc/iptables/rules.v4": "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -i eth0 -s 127.0.0.0/8 -j DROP\nCOMMIT\n" })), { backend: "iptables" });
    expect(ipt.value.loopbackSpoofDrop).toBe(false);
    expect(ipt.evidence).toContainEqual({ file: "/etc/iptables/rules.v4", line: 4, detail: "not the anti-spoofing rule (limited to input interface eth0; the benchmark's audit expects the drop on the source alone): -A INPUT -i eth0 -s 127.0.0.0/8 -j DROP" });
  });

  it("a loopback drop narrowed by a match the parsers do not model is not the anti-spoofing rule either: the evidence names the match (nft and iptables)", async () => {
    const nft = "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    iif \"lo\" accept\n    ip saddr 127.0.0.0/8 meta mark 0x1 counter drop\n    ip6 saddr ::1 tcp sport 53 limit rate 1/second counter packets 0 bytes 0 drop\n  }\n}\n";
    const f = await probe.collect(probeContext(await fixtureRoot({ "etc/nftables.conf": nft })), { backend: "nftables" });
    expect(f.value).toMatchObject({ loopbackSpoofDrop: false, loopbackSpoofDrop6: false });
    expect(f.evidence).toContainEqual({ file: "/etc/nftables.conf", line: 5, detail: "not the anti-spoofing rule (limited to a match not modelled (meta mark 0x1); the benchmark's audit expects the drop on the source alone): ip saddr 127.0.0.0/8 meta mark 0x1 counter drop" });
    expect(f.evidence).toContainEqual({
      file: "/etc/nftables.conf", line: 6,
      detail: "not the anti-spoofing rule (limited to a match not modelled (tcp sport 53 limit rate 1/second); the benchmark's audit expects the drop on the source alone): ip6 saddr ::1 tcp sport 53 limit rate 1/second counter packets 0 bytes 0 drop",
    });
    // A log statement, a comment, a counter and the reject's options match nothing: still the rule.
    const plain = nft.replace(" meta mark 0x1 counter drop", ' counter log prefix "spoof " level warn comment "cis" reject with icmp type admin-prohibited').replace(" tcp sport 53 limit rate 1/second", "");
    expect((await probe.collect(probeContext(await fixtureRoot({ "etc/nftables.conf": plain })), { backend: "nftables" })).value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
    const rules = '*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -s 127.0.0.0/8 -m limit --limit 1/hour -j DROP\n-A INPUT -s 127.0.0.0/8 -m comment --comment "x" -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n';
    const ipt = await probe.collect(probeContext(await fixtureRoot({ "etc/iptables/rules.v4": rules.replace(/-A INPUT -s 127.0.0.0\/8 -m comment.*\n/, "") })), { backend: "iptables" });
    expect(ipt.value.loopbackSpoofDrop).toBe(false);
    expect(ipt.evidence).toContainEqual({ file: "/etc/iptables/rules.v4", line: 4, detail: "not the anti-spoofing rule (limited to a match not modelled (-m limit), a match not modelled (--limit 1/hour); the benchmark's audit expects the drop on the source alone): -A INPUT -s 127.0.0.0/8 -m limit --limit 1/hour -j DROP" });
    // A comment and the target's own options are no match.
    expect((await probe.collect(probeContext(await fixtureRoot({ "etc/iptables/rules.v4": rules })), { backend: "iptables" })).value.loopbackSpoofDrop).toBe(true);
  });

  it("nftables: no configuration is no ruleset (no policy, not default deny)", async () => {
    const f = await probe.collect(probeContext(await fixtureRoot({ "etc/hostname": "n\n" })), { backend: "nftables" });
    expect(f.value).toMatchObject({ persisted: false, files: [], hooks: [], defaultDeny: false, loopbackAccept: false });
    expect(f.value.inputPolicy).toBeUndefined();
    expect(f.evidence[0]).toEqual({ file: "/etc/nftables.conf", detail: "does not exist" });
  });

  it("iptables: rules.v4; ip6tables: rules.v6", async () => {
    const root = await fixtureRoot({ "etc/iptables/rules.v4": RULES_V4, "etc/iptables/rules.v6": "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s ::1 -j DROP\nCOMMIT\n" });
    const v4 = await probe.collect(probeContext(root), { backend: "iptables" });
    expect(v4.value).toMatchObject({ files: ["/etc/iptables/rules.v4"], inputPolicy: "drop", defaultDeny: true, loopbackSpoofDrop: true });
    const v6 = await probe.collect(probeContext(root), { backend: "ip6tables" });
    expect(v6.value).toMatchObject({ files: ["/etc/iptables/rules.v6"], inputPolicy: "accept", defaultDeny: false, loopbackSpoofDrop6: true, loopbackAccept: false });
  });

  it("ufw: ufw.conf ENABLED, policies from /etc/default/ufw, rules from before/user(6).rules", async () => {
    const f = await probe.collect(probeContext(await fixtureRoot(UFW)), { backend: "ufw" });
    expect(f.value).toMatchObject({
      ufwEnabled: true, inputPolicy: "drop", forwardPolicy: "reject", outputPolicy: "drop", defaultDeny: true,
      loopbackAccept: true, loopbackOutAccept: true, loopbackSpoofDrop: true, loopbackSpoofDrop6: true, acceptedPorts: ["22/tcp"],
    });
    expect(f.value.establishedRules).toEqual(["-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"]);
    expect(f.evidence).toContainEqual({ file: "/etc/ufw/ufw.conf", line: 2, key: "ENABLED", detail: "ENABLED=yes" });
  });

  it("an unreadable ruleset file: the persisted facts and the judged ruleset are unknown, never an empty ruleset", async () => {
    const root = await fixtureRoot({ "etc/iptables/rules.v4": RULES_V4 });
    await chmod(path.join(root, "etc/iptables/rules.v4"), 0o000);
    if (process.getuid?.() === 0) return; // root reads through mode 000: the hidden-fact table covers the EACCES path
    const f = await probe.collect(probeContext(root), { backend: "iptables" });
    expect(f.unknown?.defaultDeny).toMatch(/^cannot read \/etc\/iptables\/rules\.v4: /);
    expect(f.unknown?.persisted).toBe(f.unknown?.defaultDeny);
    expect(f.value.defaultDeny).toBeUndefined();
  });
});

/** A runner answering by the command's name (argv[0]'s basename and its arguments); `calls` records every argv run. */
/** A live procfs where IPv6 is on: the kernel command line, and disable_ipv6 0 for all and default. */
const IPV6_ON = {
  "1/cmdline": "/sbin/init\0",
  cmdline: "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n",
  "sys/net/ipv6/conf/all/disable_ipv6": "0\n",
  "sys/net/ipv6/conf/default/disable_ipv6": "0\n",
};

const stub = (out: Record<string, Partial<CommandResult>>, calls: string[][] = []): CommandRunner => (argv) => {
  calls.push([...argv]);
  const key = [path.basename(argv[0] ?? ""), ...argv.slice(1)].join(" ");
  return Promise.resolve({ argv: [...argv], exitCode: 0, stdout: "", stderr: "", failed: false, timedOut: false, notFound: false, truncated: false, durationMs: 1, ...(out[key] ?? { exitCode: null, failed: true, notFound: true, reason: "command not found" }) });
};

/** A PATH directory holding these executables (empty files, mode 0755; the runner is a stub). */
async function binDir(names: string[], modes: Record<string, number> = {}): Promise<string> {
  const dir = await fixtureRoot(Object.fromEntries(names.map((n) => [n, ""])));
  for (const n of names) await chmod(path.join(dir, n), modes[n] ?? 0o755);
  return dir;
}

describe("firewall probe: the live ruleset", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("a running mounted host: the live ruleset is unknown (the command would list this machine's namespace), not judged from the files", async () => {
    const root = await fixtureRoot({ "etc/nftables.conf": NFTABLES_CONF, "proc/1/cmdline": "/sbin/init\0" });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    expect(f.value).toMatchObject({ view: "live", persisted: true, persistedHooks: ["input", "forward", "output"] });
    expect(f.value.defaultDeny).toBeUndefined();
    expect(f.unknown?.defaultDeny).toMatch(/^the live ruleset of a mounted host \(.+\) cannot be read from here: nft would list this machine's network namespace$/);
    expect(f.unknown?.portsWithoutRule).toBe(f.unknown?.defaultDeny);
  });

  it("the live host: nft list ruleset is judged; listening ports without an accept rule are listed", async () => {
    const proc = await fixtureRoot({
      ...IPV6_ON,
      // 0.0.0.0:22 and 0.0.0.0:8080 listening (0A), 127.0.0.1:631 on loopback.
      "net/tcp": [
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0",
        "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101 1 0 100 0 0 10 0",
        "   2: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 102 1 0 100 0 0 10 0",
      ].join("\n") + "\n",
    });
    const live = new HostRoot({ root: "/", proc });
    const bin = await binDir(["nft"]);
    vi.stubEnv("PATH", bin);
    const f = await probe.collect(createProbeContext(live, stub({ "nft list ruleset": { stdout: NFTABLES_CONF.replace(/^(flush|include).*$/gm, "") } }), 5000), { backend: "nftables" });
    expect(f.value).toMatchObject({ view: "live", defaultDeny: true, loopbackAccept: true, portsWithoutRule: ["8080/tcp"] });
    expect(f.evidence).toContainEqual({ command: `${bin}/nft list ruleset`, detail: "9 rules in 4 chains" });
    expect(f.unknown).toBeUndefined();
  });

  it("the live host: every listening port accepted is an empty list; ufw's live rules come from iptables-save and ip6tables-save", async () => {
    const proc = await fixtureRoot({
      "1/cmdline": "/sbin/init\0",
      "net/tcp": "  sl  local_address rem_address   st\n   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0\n",
    });
    const live = new HostRoot({ root: "/", proc });
    const bin = await binDir(["iptables-save", "ip6tables-save"]);
    vi.stubEnv("PATH", bin);
    const save = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n:ufw-user-input - [0:0]\n-A INPUT -j ufw-user-input\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
    const f = await probe.collect(createProbeContext(live, stub({ "iptables-save": { stdout: save }, "ip6tables-save": { stdout: "" } }), 5000), { backend: "ufw" });
    expect(f.value).toMatchObject({ view: "live", inputPolicy: "drop", acceptedPorts: ["22/tcp"], portsWithoutRule: [] });
    expect(f.evidence).toContainEqual({ command: `${bin}/iptables-save`, detail: "2 rules in 4 chains" });
    expect(f.evidence).toContainEqual({ command: `${bin}/ip6tables-save`, detail: "0 rules in 0 chains" });
  });

  it("the live host: a utility not in PATH is not spawned at all, and is unknown with the reason, never pass", async () => {
    const live = new HostRoot({ root: "/", proc: await fixtureRoot({ "1/cmdline": "/sbin/init\0" }) });
    // nft is there but not executable; iptables-save is absent; a relative PATH entry is ignored.
    const bin = await binDir(["nft"], { nft: 0o644 });
    vi.stubEnv("PATH", `${bin}::.`);
    const calls: string[][] = [];
    const ctx = createProbeContext(live, stub({ "nft list ruleset": { stdout: "table inet filter {\n}\n" } }, calls), 5000);
    const ipt = await probe.collect(ctx, { backend: "iptables" });
    expect(ipt.unknown?.defaultDeny).toBe(`iptables-save is not installed (not found in PATH): the live ruleset cannot be read`);
    expect(ipt.unknown?.portsWithoutRule).toBe(ipt.unknown?.defaultDeny);
    expect(ipt.value.defaultDeny).toBeUndefined();
    const nft = await probe.collect(ctx, { backend: "nftables" });
    // nft is in PATH but execvp would answer EACCES, not ENOENT: no proof it is not installed.
    expect(nft.unknown?.tableCount).toBe(`nft was not found in PATH; could not search: ${bin}/nft (not executable: mode 0644): the live ruleset cannot be read`);
    // ufw reads iptables-save too: looked up once for the scan, and nothing was ever started.
    await probe.collect(ctx, { backend: "ufw" });
    expect(calls).toEqual([]);
  });

  it("the live host: the command runs by its absolute path, once per scan whichever backends ask; EPERM is unknown with the reason", async () => {
    const live = new HostRoot({ root: "/", proc: await fixtureRoot({ "1/cmdline": "/sbin/init\0" }) });
    const bin = await binDir(["nft", "iptables-save", "ip6tables-save"]);
    vi.stubEnv("PATH", `/nonexistent:${bin}`);
    const calls: string[][] = [];
    const ctx = createProbeContext(live, stub({ "iptables-save": { stdout: "" }, "ip6tables-save": { stdout: "" } }, calls), 5000);
    await probe.collect(ctx, { backend: "iptables" });
    await probe.collect(ctx, { backend: "ufw" });
    expect(calls).toEqual([[`${bin}/iptables-save`], [`${bin}/ip6tables-save`]]);
    const eperm = await probe.collect(
      createProbeContext(live, stub({ "nft list ruleset": { exitCode: 1, failed: true, stderr: "Error: Could not process rule: Operation not permitted\n" } }), 5000),
      { backend: "nftables" },
    );
    expect(eperm.unknown?.inputPolicy).toBe(`${bin}/nft list ruleset failed: Error: Could not process rule: Operation not permitted`);
    expect(eperm.value.loopbackAccept).toBeUndefined();
  });
});

const DPKG = (names: string[]) => names.map((n) => `Package: ${n}\nStatus: install ok installed\nVersion: 1\n`).join("\n");

describe("firewall probe: which utility is in use", () => {
  it("installed and enabled (offline: no running state): a single utility", async () => {
    const root = await fixtureRoot({
      "var/lib/dpkg/status": DPKG(["nftables", "iptables"]),
      "usr/lib/systemd/system/nftables.service": "[Unit]\nDescription=nftables\n[Service]\nType=oneshot\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n[Install]\nWantedBy=sysinit.target\n",
      "etc/systemd/system/sysinit.target.wants/nftables.service": { symlink: "/usr/lib/systemd/system/nftables.service" },
      "usr/lib/systemd/system/ufw.service": "[Unit]\nDescription=ufw\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
    });
    const f = await probe.collect(probeContext(root), {});
    expect(f.value).toEqual({ installed: ["nftables"], enabled: ["nftables"], inUse: ["nftables"], inUseCount: 1, utility: "nftables", judged: ["nftables"] });
    expect(f.notApplicable?.active).toMatch(/nothing runs in an offline root/);
  });

  it("two in use is `several` (both judged); none is `none`, and the preferred utility is judged", async () => {
    const unit = (n: string) => ({
      [`usr/lib/systemd/system/${n}.service`]: `[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n`,
      [`etc/systemd/system/multi-user.target.wants/${n}.service`]: { symlink: `/usr/lib/systemd/system/${n}.service` },
    });
    const two = await probe.collect(probeContext(await fixtureRoot({ "var/lib/dpkg/status": DPKG(["ufw", "iptables-persistent"]), ...unit("ufw"), ...unit("netfilter-persistent") })), {});
    expect(two.value).toMatchObject({ inUse: ["ufw", "iptables"], inUseCount: 2, utility: "several", judged: ["ufw", "iptables"] });
    const none = await probe.collect(probeContext(await fixtureRoot({ "var/lib/dpkg/status": DPKG(["ufw"]) })), { prefer: "nftables" });
    expect(none.value).toMatchObject({ installed: ["ufw"], enabled: [], inUse: [], inUseCount: 0, utility: "none", judged: ["nftables"] });
  });
});

// ---------------------------------------------------------------- firewalld

const ZONE = (body: string, target = "") => `<?xml version="1.0" encoding="utf-8"?>\n<zone${target}>\n  <short>Z</short>\n  <description>a &quot;zone&quot;</description>\n${body}</zone>\n`;
const PUBLIC = ZONE(`  <service name="ssh"/>
  <service name="cockpit"/>
  <port port="8080" protocol="tcp"/>
  <!-- spoofed loopback -->
  <rule family="ipv4">
    <source address="127.0.0.1"/>
    <destination address="127.0.0.1" invert="True"/>
    <drop/>
  </rule>
  <rule family="ipv6">
    <source address="::1"/>
    <destination address="::1" invert="True"/>
    <drop/>
  </rule>
`);
const TRUSTED = ZONE('  <interface name="lo"/>\n', ' target="ACCEPT"');

describe("firewall probe: firewalld zones", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("offline: the zone files (/etc replaces /usr/lib whole), the default zone, what each active zone allows, the loopback rules", async () => {
    const root = await fixtureRoot({
      "etc/firewalld/firewalld.conf": "# firewalld config\nDefaultZone=public\nFirewallBackend=nftables\n",
      "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n  <service name="dhcpv6-client"/>\n'),
      "usr/lib/firewalld/zones/trusted.xml": ZONE("", ' target="ACCEPT"'),
      "usr/lib/firewalld/zones/drop.xml": ZONE("", ' target="DROP"'),
      "etc/firewalld/zones/public.xml": PUBLIC,
      "etc/firewalld/zones/trusted.xml": TRUSTED,
    });
    const f = await probe.collect(probeContext(root), { backend: "firewalld" });
    expect(f.unknown).toBeUndefined();
    expect(f.value).toEqual({
      backend: "firewalld", view: "persisted", persisted: true,
      files: ["/etc/firewalld/firewalld.conf", "/usr/lib/firewalld/zones/drop.xml", "/usr/lib/firewalld/zones/public.xml", "/usr/lib/firewalld/zones/trusted.xml", "/etc/firewalld/zones/public.xml", "/etc/firewalld/zones/trusted.xml"],
      defaultZone: "public", activeZones: ["public", "trusted"],
      zonesAllow: ["public: services ssh cockpit; ports 8080/tcp", "trusted: services none; ports none"],
      loopbackTrusted: true, loopbackSpoofDrop: true, loopbackSpoofDrop6: true, ipv6Enabled: true,
    });
    expect(f.evidence).toContainEqual({ file: "/etc/firewalld/firewalld.conf", line: 2, key: "DefaultZone", detail: "DefaultZone=public" });
    expect(f.evidence).toContainEqual({ file: "/etc/firewalld/zones/public.xml", line: 2, detail: 'zone public: rule family="ipv4" source address="127.0.0.1" destination NOT address="127.0.0.1" drop' });
  });

  it("offline: the shipped zones only, no anti-spoofing rule, lo not trusted; no zone files at all", async () => {
    const shipped = await probe.collect(probeContext(await fixtureRoot({ "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n'), "usr/lib/firewalld/zones/trusted.xml": ZONE("", ' target="ACCEPT"') })), { backend: "firewalld" });
    expect(shipped.value).toMatchObject({ defaultZone: "public", activeZones: ["public"], loopbackTrusted: false, loopbackSpoofDrop: false, loopbackSpoofDrop6: false });
    expect(shipped.evidence).toContainEqual({ file: "/etc/firewalld/firewalld.conf", detail: "does not exist (DefaultZone public)" });
    const none = await probe.collect(probeContext(await fixtureRoot({})), { backend: "firewalld" });
    expect(none.value).toMatchObject({ persisted: false, files: [], activeZones: [], loopbackSpoofDrop: false });
    expect(none.evidence).toContainEqual({ file: "/usr/lib/firewalld/zones", detail: "no zone files" });
  });

  it("a destination that is not inverted, an accept, or another family is not the anti-spoofing rule", () => {
    const rule = (xml: string) => parseZoneXml(ZONE(xml), "z").zone?.richRules[0];
    const ok = rule('<rule family="ipv4"><source address="127.0.0.0/8"/><destination invert="yes" address="127.0.0.1"/><reject/></rule>');
    expect(ok && isLoopbackSpoofDrop(ok, "ipv4")).toBe(true);
    for (const bad of [
      '<rule family="ipv4"><source address="127.0.0.1"/><destination address="127.0.0.1"/><drop/></rule>',
      '<rule family="ipv4"><source address="127.0.0.1"/><destination address="127.0.0.1" invert="True"/><accept/></rule>',
      '<rule family="ipv6"><source address="127.0.0.1"/><drop/></rule>',
      '<rule family="ipv4"><source address="127.0.0.1" invert="true"/><drop/></rule>',
    ]) {
      const r = rule(bad);
      expect(r && isLoopbackSpoofDrop(r, "ipv4")).toBe(false);
    }
  });

  it("the XML reader reports what it cannot read with its line; fuzzed input never throws", () => {
    expect(parseZoneXml("<zone>\n<service name='ssh'>\n</zone>\n</rule>\n", "z")).toEqual({
      zone: { name: "z", interfaces: [], sources: [], services: ["ssh"], ports: [], richRules: [], line: 1 },
      problems: [{ line: 3, message: "<service> (line 2) is not closed" }, { line: 4, message: "</rule> closes nothing open" }],
    });
    expect(parseZoneXml("garbage", "z")).toEqual({ problems: [{ line: 1, message: "no <zone> element" }] });
    fc.assert(fc.property(mutated(PUBLIC), (t) => {
      parseZoneXml(t, "z");
      parseListAllZones(t);
    }), { numRuns: 300 });
  });

  it("live: firewall-cmd --list-all-zones (the runtime zones) is judged; the default zone is asked when the listing does not mark it", async () => {
    const live = new HostRoot({ root: "/", proc: await fixtureRoot(IPV6_ON) });
    const bin = await binDir(["firewall-cmd"]);
    vi.stubEnv("PATH", bin);
    const listing = [
      "block", "  target: %%REJECT%%", "  interfaces: ", "  rich rules: ", "",
      "public (active)", "  target: default", "  icmp-block-inversion: no", "  interfaces: eth0", "  sources: ", "  services: cockpit dhcpv6-client ssh", "  ports: 10250/tcp",
      "  forward: yes", "  rich rules: ", '\trule family="ipv4" source address="127.0.0.1" destination NOT address="127.0.0.1" drop', "",
      "trusted (active)", "  target: ACCEPT", "  interfaces: lo", "  rich rules: ", "",
    ].join("\n");
    // RHEL 9's shipped policy (into the host, ICMPv6 neighbour discovery) and a forwarding one (not into the host).
    const policies = [
      "allow-host-ipv6 (active)", "  priority: -15000", "  target: CONTINUE", "  ingress-zones: ANY", "  egress-zones: HOST", "  services: ", "  ports: ", "  rich rules: ",
      '\trule family="ipv6" icmp-type name="neighbour-advertisement" accept', '\trule family="ipv6" icmp-type name="neighbour-solicitation" accept', "",
      "fwd (active)", "  priority: -1", "  target: ACCEPT", "  ingress-zones: internal", "  egress-zones: external", "",
    ].join("\n");
    const calls: string[][] = [];
    const cmds = {
      "firewall-cmd --list-all-zones": { stdout: listing }, "firewall-cmd --get-default-zone": { stdout: "public\n" }, "firewall-cmd --list-all-policies": { stdout: policies },
      "firewall-cmd --direct --get-all-rules": { stdout: "" }, "firewall-cmd --direct --get-all-passthroughs": { stdout: "" },
    };
    const direct = [[`${bin}/firewall-cmd`, "--direct", "--get-all-rules"], [`${bin}/firewall-cmd`, "--direct", "--get-all-passthroughs"]];
    const f = await probe.collect(createProbeContext(live, stub(cmds, calls), 5000), { backend: "firewalld" });
    const ipv6Policy = "policy allow-host-ipv6 (ANY -> HOST, priority -15000, target CONTINUE): services none; ports none; rich rules accepting icmp-type neighbour-advertisement (ipv6), icmp-type neighbour-solicitation (ipv6)";
    expect(f.value).toMatchObject({
      view: "live", defaultZone: "public", activeZones: ["public", "trusted"],
      zonesAllow: ["public: services cockpit dhcpv6-client ssh; ports 10250/tcp", "trusted: services none; ports none", ipv6Policy],
      loopbackTrusted: true, loopbackSpoofDrop: true, loopbackSpoofDrop6: false,
    });
    expect(f.evidence).toContainEqual({ command: `${bin}/firewall-cmd --list-all-zones`, detail: "3 zones" });
    expect(f.evidence).toContainEqual({ command: `${bin}/firewall-cmd --list-all-policies`, detail: "2 policies" });
    expect(calls).toEqual([[`${bin}/firewall-cmd`, "--list-all-zones"], [`${bin}/firewall-cmd`, "--get-default-zone"], [`${bin}/firewall-cmd`, "--list-all-policies"], ...direct]);
    // Newer firewalld marks the default zone itself: no --get-default-zone.
    const calls2: string[][] = [];
    await probe.collect(createProbeContext(live, stub({ ...cmds, "firewall-cmd --list-all-zones": { stdout: listing.replace("public (active)", "public (default, active)") } }, calls2), 5000), { backend: "firewalld" });
    expect(calls2).toEqual([[`${bin}/firewall-cmd`, "--list-all-zones"], [`${bin}/firewall-cmd`, "--list-all-policies"], ...direct]);
    // firewalld before 0.9 has no policies (the option is refused): the zones alone, said so.
    const old = await probe.collect(
      createProbeContext(live, stub({ ...cmds, "firewall-cmd --list-all-policies": { exitCode: 2, failed: true, stderr: "usage: see firewall-cmd man page\nfirewall-cmd: error: unrecognized arguments: --list-all-policies\n" } }), 5000),
      { backend: "firewalld" },
    );
    expect(old.value.zonesAllow).toEqual(["public: services cockpit dhcpv6-client ssh; ports 10250/tcp", "trusted: services none; ports none"]);
    expect(old.evidence).toContainEqual({ command: "firewall-cmd --list-all-policies", detail: "not an option of this firewalld (before 0.9): no policies" });
    // Any other failure of the policy listing: not judged.
    const failed = await probe.collect(createProbeContext(live, stub({ ...cmds, "firewall-cmd --list-all-policies": { exitCode: 1, failed: true, stderr: "Authorization failed.\n" } }), 5000), { backend: "firewalld" });
    expect(failed.unknown?.zonesAllow).toBe(`${bin}/firewall-cmd --list-all-policies failed: Authorization failed.`);
    expect(failed.value.loopbackSpoofDrop).toBeUndefined();
  });

  it("live: firewalld not running, firewall-cmd missing, or a mounted host: unknown with the reason, never pass", async () => {
    const live = new HostRoot({ root: "/", proc: await fixtureRoot({ "1/cmdline": "/sbin/init\0" }) });
    const bin = await binDir(["firewall-cmd"]);
    vi.stubEnv("PATH", bin);
    const stopped = await probe.collect(createProbeContext(live, stub({ "firewall-cmd --list-all-zones": { exitCode: 252, failed: true, stdout: "FirewallD is not running\n" } }), 5000), { backend: "firewalld" });
    expect(stopped.unknown?.loopbackSpoofDrop).toBe(`${bin}/firewall-cmd --list-all-zones failed: FirewallD is not running`);
    expect(stopped.value.loopbackSpoofDrop).toBeUndefined();
    vi.stubEnv("PATH", "/nonexistent");
    const missing = await probe.collect(createProbeContext(live, stub({}), 5000), { backend: "firewalld" });
    expect(missing.unknown?.activeZones).toBe("firewall-cmd is not installed (not found in PATH): the runtime zones cannot be read");
    const mounted = await probe.collect(probeContext(await fixtureRoot({ "usr/lib/firewalld/zones/public.xml": PUBLIC, "proc/1/cmdline": "/sbin/init\0" })), { backend: "firewalld" });
    expect(mounted.unknown?.loopbackSpoofDrop6).toMatch(/^the runtime zones of a mounted host \(.+\) cannot be read from here: firewall-cmd would ask this machine's firewalld$/);
    expect(mounted.value).toMatchObject({ view: "live", persisted: true });
  });
});

// ---------------------------------------------------------------- IPv6 conditionality

const NFT_NO_V6 = "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    iif lo accept\n    ip saddr 127.0.0.0/8 drop\n  }\n}\n";

describe("firewall probe: the IPv6 items apply only where IPv6 is enabled", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("offline: ipv6.disable=1 in GRUB_CMDLINE_LINUX, in a BLS entry's options, or both disable_ipv6 sysctls persisted: disabled, and the ::1 rule is not applicable", async () => {
    const disabled: [string, Record<string, string>, Record<string, unknown>][] = [
      ["grub", { "etc/default/grub": 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="quiet ipv6.disable=1"\n' }, { file: "/etc/default/grub", line: 2, detail: "ipv6.disable=1" }],
      ["bls", { "boot/loader/entries/abc-5.14.conf": "title RHEL\nlinux /vmlinuz\noptions root=/dev/vda1 ipv6.disable=1\n" }, { file: "/boot/loader/entries/abc-5.14.conf", line: 3, detail: "ipv6.disable=1" }],
      ["sysctl", { "etc/sysctl.d/60-ipv6.conf": "net.ipv6.conf.all.disable_ipv6 = 1\nnet.ipv6.conf.default.disable_ipv6 = 1\n" }, { file: "/etc/sysctl.d/60-ipv6.conf", line: 1, key: "net.ipv6.conf.all.disable_ipv6", detail: "1" }],
    ];
    for (const [label, spec, ev] of disabled) {
      const f = await probe.collect(probeContext(await fixtureRoot({ ...spec, "etc/nftables.conf": NFT_NO_V6 })), { backend: "nftables" });
      expect(f.value.ipv6Enabled, label).toBe(false);
      expect(f.value.loopbackSpoofDrop6, label).toBeUndefined();
      expect(f.notApplicable?.loopbackSpoofDrop6, label).toMatch(/^IPv6 is disabled \(.+\): CIS asks for the ::1 rule only where IPv6 is enabled$/);
      expect(f.evidence, label).toContainEqual(ev);
      expect(f.value.loopbackSpoofDrop, label).toBe(true);
    }
    // The kernel takes the last ipv6.disable=: 1 then 0 leaves IPv6 on; 0 then 1 turns it off.
    for (const [label, spec] of [
      ["grub", { "etc/default/grub": 'GRUB_CMDLINE_LINUX="quiet ipv6.disable=1"\nGRUB_CMDLINE_LINUX_DEFAULT="ipv6.disable=0"\n' }],
      ["bls", { "boot/loader/entries/abc-5.14.conf": "title RHEL\nlinux /vmlinuz\noptions root=/dev/vda1 ipv6.disable=1 ipv6.disable=0\n" }],
    ] as const) {
      const on = await probe.collect(probeContext(await fixtureRoot({ ...spec, "etc/nftables.conf": NFT_NO_V6 })), { backend: "nftables" });
      expect(on.value, label).toMatchObject({ ipv6Enabled: true, loopbackSpoofDrop6: false });
    }
    const lastOff = await probe.collect(probeContext(await fixtureRoot({ "boot/loader/entries/abc-5.14.conf": "title RHEL\nlinux /vmlinuz\noptions ipv6.disable=0 ipv6.disable=1\n", "etc/nftables.conf": NFT_NO_V6 })), { backend: "nftables" });
    expect(lastOff.value.ipv6Enabled).toBe(false);
    // One of the two sysctls is not enough (CIS: both).
    const half = await probe.collect(probeContext(await fixtureRoot({ "etc/sysctl.conf": "net.ipv6.conf.all.disable_ipv6 = 1\n", "etc/nftables.conf": NFT_NO_V6 })), { backend: "nftables" });
    expect(half.value).toMatchObject({ ipv6Enabled: true, loopbackSpoofDrop6: false });
  });

  it("live: ipv6.disable=1 on /proc/cmdline, no /proc/sys/net/ipv6, or both sysctls 1 is disabled; 0 is enabled", async () => {
    const bin = await binDir(["ip6tables-save"]);
    vi.stubEnv("PATH", bin);
    const save = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";
    const at = async (proc: Record<string, string>) =>
      probe.collect(createProbeContext(new HostRoot({ root: "/", proc: await fixtureRoot(proc) }), stub({ "ip6tables-save": { stdout: save } }), 5000), { backend: "ip6tables" });
    const cmd = await at({ "1/cmdline": "/sbin/init\0", cmdline: "root=/dev/sda1 ipv6.disable=1\n", "sys/kernel/ostype": "Linux\n" });
    expect(cmd.value).toMatchObject({ ipv6Enabled: false, inputPolicy: "drop" });
    expect(cmd.notApplicable?.loopbackSpoofDrop6).toBe("IPv6 is disabled (ipv6.disable=1 on the kernel command line): CIS asks for the ::1 rule only where IPv6 is enabled");
    const reEnabled = await at({ ...IPV6_ON, cmdline: "root=/dev/sda1 ipv6.disable=1 ipv6.disable=0\n" });
    expect(reEnabled.value).toMatchObject({ ipv6Enabled: true, loopbackSpoofDrop6: false });
    const noTree = await at({ "1/cmdline": "/sbin/init\0", cmdline: "root=/dev/sda1\n", "sys/kernel/ostype": "Linux\n" });
    expect(noTree.value.ipv6Enabled).toBe(false);
    expect(noTree.evidence).toContainEqual({ file: "/proc/sys/net/ipv6", detail: "does not exist" });
    const sysctls = await at({ ...IPV6_ON, "sys/net/ipv6/conf/all/disable_ipv6": "1\n", "sys/net/ipv6/conf/default/disable_ipv6": "1\n" });
    expect(sysctls.value.ipv6Enabled).toBe(false);
    const on = await at(IPV6_ON);
    expect(on.value).toMatchObject({ ipv6Enabled: true, loopbackSpoofDrop6: false });
    expect(on.evidence).toContainEqual({ file: "/proc/sys/net/ipv6/conf/all/disable_ipv6", key: "net.ipv6.conf.all.disable_ipv6", detail: "0" });
  });

  it("not observable (no /proc/cmdline; a mounted host's network namespace): unknown, and a missing ::1 rule is unknown rather than a fail", async () => {
    const bin = await binDir(["nft"]);
    vi.stubEnv("PATH", bin);
    const live = new HostRoot({ root: "/", proc: await fixtureRoot({ "1/cmdline": "/sbin/init\0" }) });
    const f = await probe.collect(createProbeContext(live, stub({ "nft list ruleset": { stdout: NFT_NO_V6 } }), 5000), { backend: "nftables" });
    expect(f.unknown?.ipv6Enabled).toMatch(/^whether IPv6 is enabled cannot be observed: no .+\/cmdline$/);
    expect(f.unknown?.loopbackSpoofDrop6).toBe(`no ::1 drop rule, and ${f.unknown?.ipv6Enabled}`);
    expect(f.value.loopbackSpoofDrop).toBe(true);
    const mounted = await probe.collect(probeContext(await fixtureRoot({ "proc/1/cmdline": "/sbin/init\0", "proc/cmdline": "root=/dev/sda1\n" })), { backend: "ip6tables" });
    expect(mounted.unknown?.ipv6Enabled).toMatch(/^whether IPv6 is enabled cannot be observed: the kernel command line does not disable it, and a mounted host's \/proc\/sys\/net \(.+\) is this process's network namespace, not the host's$/);
    const mountedOff = await probe.collect(probeContext(await fixtureRoot({ "proc/1/cmdline": "/sbin/init\0", "proc/cmdline": "root=/dev/sda1 ipv6.disable=1\n" })), { backend: "ip6tables" });
    expect(mountedOff.value.ipv6Enabled).toBe(false);
  });
});

// ---------------------------------------------------------------- nft define, named sets, include

describe("parseNft: define, named sets, include", () => {
  it("$name is replaced by its define (defines of defines too); a named set's constant elements stand for @name", () => {
    const p = parseNft(`define SSH = 22
define WEB = { 80, 443 }
define ALL = { $SSH, 6443 }
table inet filter {
  set nodeports {
    type inet_service
    flags interval
    elements = { 30000-32767,
                 10250 }
  }
  set blocked { type ipv4_addr; flags dynamic; size 65535; }
  chain input {
    type filter hook input priority 0; policy drop;
    tcp dport $ALL accept
    tcp dport $WEB accept
    tcp dport @nodeports accept
    ip saddr @blocked drop
    tcp dport $UNDEFINED accept
  }
}
`);
    expect(p.problems).toEqual([]);
    expect(p.rules.map((r) => [r.dports, r.opaque])).toEqual([
      [["22", "6443"], false],
      [["80", "443"], false],
      [["30000-32767", "10250"], false],
      [[], true],
      [[], true],
    ]);
    const s = summarise(p);
    expect(s.acceptedPorts).toEqual(["10250/tcp", "22/tcp", "30000-32767/tcp", "443/tcp", "6443/tcp", "80/tcp"]);
  });

  it("a define from the including file reaches the included one; a redefine and an undefine take effect in order", async () => {
    const root = await fixtureRoot({
      "etc/nftables.conf": 'define KUBELET = 10250\ninclude "/etc/nftables.d/*.nft"\n',
      "etc/nftables.d/filter.nft": "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    tcp dport $KUBELET accept\n  }\n}\n",
    });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    expect(f.value.acceptedPorts).toEqual(["10250/tcp"]);
    const p = parseNft("define P = 1\nredefine P = 2\ntable ip t {\n  chain c {\n    tcp dport $P accept\n  }\n}\nundefine P\nadd rule ip t c tcp dport $P accept\n");
    expect(p.rules.map((r) => [r.dports, r.opaque])).toEqual([[["2"], false], [[], true]]);
  });

  it("a `$name` left in a rule (past the expansion bound, a define of itself, unknown inside a set literal) makes it opaque: never an accept of no port or of `$x`", () => {
    const doubling = ["define p0 = 22"];
    for (let i = 1; i < 20; i++) doubling.push(`define p${i} = { $p${i - 1}, $p${i - 1} }`);
    const p = parseNft(`${doubling.join("\n")}
define a = $b
define b = $a
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    tcp dport $p19 accept
    tcp dport { 80, $a } accept
    tcp dport { 80, $zz } accept
    iifname $zz accept
    tcp dport 22 comment "costs $5" accept
  }
}
`);
    expect(p.rules.map((r) => [r.opaque, r.verdict])).toEqual([[true, "accept"], [true, "accept"], [true, "accept"], [true, "accept"], [false, "accept"]]);
    expect(summarise(p).acceptedPorts).toEqual(["22/tcp"]);
  });

  it("include never reads outside the scanned root: a ../ path and a symlink out of the root stay inside it", async () => {
    const outside = await fixtureRoot({ "secret.nft": "table inet leaked {\n}\n" });
    const root = await fixtureRoot({
      "etc/nftables.conf": `include "../../../../../../../${outside.replace(/^\//, "")}/secret.nft"\ninclude "/etc/nftables.d/*.nft"\ntable inet filter {\n}\n`,
      "etc/nftables.d/link.nft": { symlink: `${outside}/secret.nft` },
    });
    const f = await probe.collect(probeContext(root), { backend: "nftables" });
    expect(f.value.tables).toEqual(["inet filter"]);
    expect(f.value.files).toEqual(["/etc/nftables.conf"]);
  });
});

// ---------------------------------------------------------------- the unprivileged scan's snapshots

describe("firewall probe: an unprivileged scan reads the root-written snapshot of the live ruleset", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const SAVE = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";

  it("fresh: judged from it, nothing spawned, the file and its age in the evidence", async () => {
    vi.spyOn(privilege, "unprivileged").mockReturnValue(true);
    snapshotSource.dir = await fixtureRoot({ "iptables-save": SAVE });
    vi.stubEnv("PATH", await binDir(["iptables-save"]));
    const calls: string[][] = [];
    const live = new HostRoot({ root: "/", proc: await fixtureRoot(IPV6_ON) });
    const f = await probe.collect(createProbeContext(live, stub({}, calls), 5000), { backend: "iptables" });
    expect(calls).toEqual([]);
    expect(f.value).toMatchObject({ view: "live", inputPolicy: "drop", loopbackAccept: true });
    expect(f.evidence).toContainEqual({ command: "iptables-save", detail: "1 rules in 3 chains" });
    const ev = f.evidence.find((e) => e.file === `${snapshotSource.dir}/iptables-save`);
    expect(ev?.detail).toMatch(/^snapshot of `iptables-save` written as root by nodeward-firewall-snapshot.service, \d+ s old$/);
  });

  it("stale: unknown with its age, never judged", async () => {
    vi.spyOn(privilege, "unprivileged").mockReturnValue(true);
    snapshotSource.dir = await fixtureRoot({ "nft-list-ruleset": NFT_NO_V6 });
    const old = new Date(Date.now() - 3600_000);
    await utimes(`${snapshotSource.dir}/nft-list-ruleset`, old, old);
    const live = new HostRoot({ root: "/", proc: await fixtureRoot(IPV6_ON) });
    const f = await probe.collect(createProbeContext(live, stub({}), 5000), { backend: "nftables" });
    expect(f.unknown?.inputPolicy).toMatch(new RegExp(`^${snapshotSource.dir}/nft-list-ruleset is 36\\d\\d s old \\(over 900 s\\): the live ruleset may have changed since, not judged$`));
    expect(f.value.inputPolicy).toBeUndefined();
  });

  it("no snapshot: the command is run, and its EPERM says where the snapshot was looked for; as root the snapshot is not used", async () => {
    vi.spyOn(privilege, "unprivileged").mockReturnValue(true);
    snapshotSource.dir = await fixtureRoot({});
    const bin = await binDir(["nft", "iptables-save"]);
    vi.stubEnv("PATH", bin);
    const live = new HostRoot({ root: "/", proc: await fixtureRoot(IPV6_ON) });
    const eperm = await probe.collect(createProbeContext(live, stub({ "nft list ruleset": { exitCode: 1, failed: true, stderr: "Error: Operation not permitted\n" } }), 5000), { backend: "nftables" });
    expect(eperm.unknown?.inputPolicy).toBe(`${bin}/nft list ruleset failed: Error: Operation not permitted (not root, and no snapshot in /run/nodeward/firewall: see nodeward-firewall-snapshot.service)`);
    vi.spyOn(privilege, "unprivileged").mockReturnValue(false);
    snapshotSource.dir = await fixtureRoot({ "iptables-save": SAVE });
    const calls: string[][] = [];
    await probe.collect(createProbeContext(live, stub({ "iptables-save": { stdout: SAVE } }, calls), 5000), { backend: "iptables" });
    expect(calls).toEqual([[`${bin}/iptables-save`]]);
  });
});

describe("firewall probe: a snapshot another user could have written is not judged", () => {
  const SAVE = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";
  const collect = async (): Promise<Awaited<ReturnType<typeof probe.collect>>> => {
    vi.spyOn(privilege, "unprivileged").mockReturnValue(true);
    const calls: string[][] = [];
    const live = new HostRoot({ root: "/", proc: await fixtureRoot(IPV6_ON) });
    const f = await probe.collect(createProbeContext(live, stub({}, calls), 5000), { backend: "iptables" });
    expect(calls).toEqual([]);
    expect(f.value.inputPolicy).toBeUndefined();
    return f;
  };
  const NOT_ROOTS = "not a snapshot only root could have written, the live ruleset not judged from it";
  beforeEach(async () => {
    // The fixture directory is ours; in production only root may own the snapshot and its directories.
    snapshotSource.ownerUid = process.getuid?.() ?? 0;
    snapshotSource.dir = await fixtureRoot({ "iptables-save": SAVE });
  });

  it("a snapshot writable by others (or its group): unknown naming the mode", async () => {
    await chmod(`${snapshotSource.dir}/iptables-save`, 0o666);
    expect((await collect()).unknown?.inputPolicy).toBe(`${snapshotSource.dir}/iptables-save is writable by its group or others (mode 0666): ${NOT_ROOTS}`);
  });

  it("a snapshot directory writable by others: unknown naming the directory", async () => {
    await chmod(snapshotSource.dir, 0o777);
    expect((await collect()).unknown?.inputPolicy).toBe(`${snapshotSource.dir} is writable by its group or others (mode 0777): ${NOT_ROOTS}`);
  });

  it.runIf(process.getuid?.() === 0)("a snapshot owned by another user (uid 65534): unknown naming the owner", async () => {
    await chown(`${snapshotSource.dir}/iptables-save`, 65534, 65534);
    expect((await collect()).unknown?.inputPolicy).toBe(`${snapshotSource.dir}/iptables-save is owned by uid 65534, not root: ${NOT_ROOTS}`);
  });

  it("a symbolic link (here to a ruleset elsewhere): never followed, unknown, nothing of its target read", async () => {
    const elsewhere = await fixtureRoot({ "rules": SAVE.replace("-A INPUT -i lo -j ACCEPT", "-A INPUT -i lo -j ACCEPT -m comment --comment hunter2") });
    snapshotSource.dir = await fixtureRoot({ "iptables-save": { symlink: `${elsewhere}/rules` } });
    const f = await collect();
    expect(f.unknown?.inputPolicy).toBe(`${snapshotSource.dir}/iptables-save is a symbolic link: ${NOT_ROOTS}`);
    expect(JSON.stringify(f)).not.toContain("hunter2");
  });

  it("a FIFO: refused from its lstat, never opened (no hang)", async () => {
    snapshotSource.dir = await fixtureRoot({});
    execFileSync("mkfifo", [`${snapshotSource.dir}/iptables-save`]);
    expect((await collect()).unknown?.inputPolicy).toBe(`${snapshotSource.dir}/iptables-save is not a regular file: ${NOT_ROOTS}`);
  });
});

describe("firewalld XML reader: hostile input", () => {
  it("an attribute named __proto__ or constructor is an attribute, not the object's prototype", () => {
    const { zone } = parseZoneXml('<zone __proto__="x" constructor="y" target="DROP"><service name="ssh"/></zone>', "public");
    expect(zone?.target).toBe("DROP");
    expect(zone?.services).toEqual(["ssh"]);
  });

  it("unparsed text is described, never quoted (it may be a secret reached through a link)", () => {
    const { problems } = parseZoneXml('<zone target="DROP">\n< root:$6$saltsalt$hashhashhash:19000:0:99999:7:::\n</zone>', "public");
    expect(problems).toEqual([{ line: 2, message: "not a tag: (a text of 50 characters, not quoted: an unparsed line may hold a secret)" }]);
    expect(JSON.stringify(problems)).not.toContain("$6$");
  });

  it("deep nesting stops at 64 levels with one problem; a flood of bad tags keeps 50 problems and counts the rest", () => {
    const deep = parseZoneXml(`<zone>${"<a>".repeat(100_000)}${"</b>".repeat(100_000)}</zone>`, "public");
    expect(deep.problems).toEqual([{ line: 1, message: "elements nested deeper than 64: not a firewalld file; the rest is not read" }, { line: 1, message: "<a> is not closed" }]);
    const flood = parseZoneXml(`<zone>${"< x".repeat(100_000)}</zone>`, "public");
    expect(flood.problems).toHaveLength(51);
    expect(flood.problems.at(-1)).toEqual({ line: 1, message: "99950 more problem(s) not listed" });
    expect(flood.zone?.name).toBe("public");
  });
});
