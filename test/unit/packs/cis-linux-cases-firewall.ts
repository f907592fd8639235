/**
 * CIS section 4, host-based firewall: pass and fail fixtures for the Debian 12 / Ubuntu 24.04
 * numbering (4.1.1 single utility, 4.2 ufw, 4.3 nftables, 4.4 iptables). A section applies
 * where its utility is in use (package installed, service enabled) or, none in use, where the
 * pack's var `firewall-utility` names it; a case that needs a section to apply to a host
 * without that utility sets the var. Fixtures are offline roots: the persisted ruleset is
 * judged (/etc/nftables.conf, /etc/iptables/rules.v4|v6, /etc/ufw/*).
 */
import type { FixtureSpec } from "../../helpers/fixture-root.js";
import { enabled, enabledEvidence, type Case } from "./cis-linux-cases.js";

/** An enabled unit (with its unit file), as `systemctl enable` leaves it. */
const UFW: FixtureSpec = enabled("ufw.service");
const NFT: FixtureSpec = enabled("nftables.service");
const IPT: FixtureSpec = enabled("netfilter-persistent.service");

const NFT_CONF = `#!/usr/sbin/nft -f
flush ruleset
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif "lo" accept
    ip saddr 127.0.0.0/8 counter drop
    ip6 saddr ::1 counter drop
    ct state established,related accept
    tcp dport 22 accept
  }
  chain forward { type filter hook forward priority 0; policy drop; }
  chain output {
    type filter hook output priority 0; policy drop;
    oif "lo" accept
    ct state new,related,established accept
  }
}
`;

const RULES = (policy: string, src: string, extra = ""): string => `*filter
:INPUT ${policy} [0:0]
:FORWARD ${policy} [0:0]
:OUTPUT ${policy} [0:0]
-A INPUT -i lo -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A INPUT -s ${src} -j DROP
-A INPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
-A OUTPUT -p tcp -m state --state NEW,ESTABLISHED -j ACCEPT
-A INPUT -p tcp --dport 22 -m state --state NEW -j ACCEPT
${extra}COMMIT
`;

const UFW_FILES: FixtureSpec = {
  "etc/ufw/ufw.conf": "ENABLED=yes\nLOGLEVEL=low\n",
  "etc/default/ufw": 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="DROP"\nDEFAULT_FORWARD_POLICY="DROP"\n',
  "etc/ufw/before.rules": "*filter\n:ufw-before-input - [0:0]\n:ufw-before-output - [0:0]\n-A ufw-before-input -i lo -j ACCEPT\n-A ufw-before-output -o lo -j ACCEPT\n-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n",
  "etc/ufw/user.rules": "*filter\n:ufw-user-input - [0:0]\n-A ufw-user-input -s 127.0.0.0/8 -j DROP\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
  "etc/ufw/user6.rules": "*filter\n:ufw6-user-input - [0:0]\n-A ufw6-user-input -s ::1 -j DROP\nCOMMIT\n",
};

const prefer = (utility: string) => ({ "firewall-utility": utility });

/** IPv6 disabled at boot, as CIS's remediation for 3.1.1 does it. */
const IPV6_OFF: FixtureSpec = { "etc/default/grub": 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX="ipv6.disable=1"\n' };
const IPV6_SKIP = "IPv6 is disabled on this host (see the evidence: ipv6.disable=1, or disable_ipv6 = 1 for all and default): CIS applies the ip6tables items only where IPv6 is enabled";

/**
 * Checks whose fact exists only on the live host (the listening sockets against the live
 * ruleset): an offline root skips them, a mounted running host cannot read its live ruleset
 * (error). Their pass and fail are tested on a live host root with a fixture procfs and a
 * stub command runner in test/unit/probes/firewall.test.ts.
 */
export function liveOnly4(numbering: Numbering): Record<string, string> {
  const id = renumber(numbering);
  return {
    [id("4.2.6")]: "open ports against the live ufw rules",
    [id("4.4.2.4")]: "open ports against the live iptables rules",
    [id("4.4.3.4")]: "open ports against the live ip6tables rules",
  };
}

/**
 * Debian 12 v1.1.0 and Ubuntu 24.04 v1.0.0 number the section 4.1.1 (single utility), 4.2 ufw,
 * 4.3 nftables, 4.4 iptables; Ubuntu 22.04 v2.0.0 has no single-utility item and numbers
 * 4.1 ufw, 4.2 nftables, 4.3 iptables.
 */
export type Numbering = "debian" | "ubuntu2204";

export function renumber(numbering: Numbering): (id: string) => string {
  if (numbering === "debian") return (id) => id;
  return (id) => id.replace(/^4\.([234])(?=\.)/, (_m, sec: string) => `4.${Number(sec) - 1}`);
}

function liveOnlyCases(id: string, extra: Partial<Case>): Case[] {
  return [
    { id, label: "offline root: nothing listens", ...extra, spec: { ...extra.spec }, want: { status: "skip" } },
    { id, label: "mounted running host: its live ruleset cannot be read from here", ...extra, spec: { ...extra.spec, "proc/1/cmdline": "/sbin/init\0" }, proc: true, want: { status: "error" } },
  ];
}

export function firewallCases(numbering: Numbering): Case[] {
  const enabledUfw = enabledEvidence("ufw.service");
  const id = renumber(numbering);
  const notJudged = (tool: string): string =>
    numbering === "debian"
      ? `${tool} is not the firewall utility judged on this host (see 4.1.1; var firewall-utility when none is in use)`
      : `${tool} is not the firewall utility judged on this host (the one in use, or var firewall-utility when none is)`;
  const cases: Case[] = [
    // ---------------------------------------------------------------- 4.1.1
    { id: "4.1.1", label: "nftables installed and enabled", pkgs: ["nftables"], spec: NFT, want: { status: "pass" } },
    { id: "4.1.1", label: "no firewall utility in use", spec: {}, want: { status: "fail", message: "inUseCount is 0, expected 1" } },
    { id: "4.1.1", label: "ufw and nftables both in use", pkgs: ["ufw", "nftables"], spec: { ...UFW, ...NFT }, want: { status: "fail", message: "inUseCount is 2, expected 1" } },

    // ---------------------------------------------------------------- 4.2 ufw
    { id: "4.2.1", label: "ufw in use", pkgs: ["ufw"], spec: UFW, want: { status: "pass" } },
    { id: "4.2.1", label: "ufw chosen, not installed", vars: prefer("ufw"), spec: {}, want: { status: "fail", message: "installed is false, expected true" } },
    { id: "4.2.1", label: "nftables in use: the ufw section does not apply", pkgs: ["nftables"], spec: NFT, want: { status: "skip", message: notJudged("ufw") } },
    { id: "4.2.2", label: "ufw without iptables-persistent", pkgs: ["ufw"], spec: UFW, want: { status: "pass" } },
    { id: "4.2.2", label: "iptables-persistent installed too", pkgs: ["ufw", "iptables-persistent"], spec: UFW, want: { status: "fail", message: "installed is true, expected false" } },
    { id: "4.2.3", label: "ufw.service enabled", pkgs: ["ufw"], spec: UFW, want: { status: "pass" } },
    { id: "4.2.3", label: "ufw installed, service not enabled", vars: prefer("ufw"), pkgs: ["ufw"], spec: {}, want: { status: "fail", message: "enabled is false, expected true" } },
    { id: "4.2.3-ufw.conf", label: "ENABLED=yes", pkgs: ["ufw"], spec: { ...UFW, ...UFW_FILES }, want: { status: "pass" } },
    {
      id: "4.2.3-ufw.conf", label: "ENABLED=no", pkgs: ["ufw"], spec: { ...UFW, ...UFW_FILES, "etc/ufw/ufw.conf": "ENABLED=no\n" },
      want: { status: "fail", message: "ufwEnabled is false, expected true" },
    },
    { id: "4.2.4", label: "lo in and out allowed, 127.0.0.0/8 and ::1 denied", pkgs: ["ufw"], spec: { ...UFW, ...UFW_FILES }, want: { status: "pass" } },
    {
      id: "4.2.4", label: "no deny rules for loopback addresses", pkgs: ["ufw"],
      spec: { ...UFW, ...UFW_FILES, "etc/ufw/user.rules": "*filter\n:ufw-user-input - [0:0]\nCOMMIT\n", "etc/ufw/user6.rules": "*filter\nCOMMIT\n" },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true; loopbackSpoofDrop6 is false, expected true" },
    },
    // The benchmark's audit expects `Anywhere DENY IN 127.0.0.0/8`: a deny limited to a port is not it.
    {
      id: "4.2.4", label: "the 127.0.0.0/8 deny limited to port 22", pkgs: ["ufw"],
      spec: { ...UFW, ...UFW_FILES, "etc/ufw/user.rules": "*filter\n:ufw-user-input - [0:0]\n-A ufw-user-input -p tcp --dport 22 -s 127.0.0.0/8 -j DROP\nCOMMIT\n" },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    },
    { id: "4.2.5", label: "outbound rules shown for review", pkgs: ["ufw"], spec: { ...UFW, ...UFW_FILES }, want: { status: "manual" } },
    ...liveOnlyCases("4.2.6", { pkgs: ["ufw"], spec: { ...UFW, ...UFW_FILES } }),
    { id: "4.2.7", label: "deny incoming, outgoing, routed", pkgs: ["ufw"], spec: { ...UFW, ...UFW_FILES }, want: { status: "pass" } },
    {
      id: "4.2.7", label: "outgoing allowed", pkgs: ["ufw"],
      spec: { ...UFW, ...UFW_FILES, "etc/default/ufw": 'DEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="ACCEPT"\nDEFAULT_FORWARD_POLICY="REJECT"\n' },
      want: { status: "fail", message: "outputPolicy is accept, expected one of [drop, reject]" },
    },

    // ---------------------------------------------------------------- 4.3 nftables
    { id: "4.3.1", label: "nftables in use", pkgs: ["nftables"], spec: NFT, want: { status: "pass" } },
    { id: "4.3.1", label: "nftables chosen, not installed", vars: prefer("nftables"), spec: {}, want: { status: "fail", message: "installed is false, expected true" } },
    { id: "4.3.2", label: "ufw not installed", pkgs: ["nftables"], spec: NFT, want: { status: "pass" } },
    { id: "4.3.2", label: "ufw enabled too", pkgs: ["nftables", "ufw"], spec: { ...NFT, ...UFW }, want: { status: "fail", message: "enabled is true, expected false", evidence: [enabledUfw] } },
    { id: "4.3.3", label: "iptables rules shown for review", pkgs: ["nftables"], spec: NFT, want: { status: "manual" } },
    { id: "4.3.4", label: "inet filter table", pkgs: ["nftables"], spec: { ...NFT, "etc/nftables.conf": NFT_CONF }, want: { status: "pass" } },
    { id: "4.3.4", label: "no ruleset file", pkgs: ["nftables"], spec: NFT, want: { status: "fail", message: "tableCount is 0, expected > 0" } },
    { id: "4.3.5", label: "input, forward and output base chains", pkgs: ["nftables"], spec: { ...NFT, "etc/nftables.conf": NFT_CONF }, want: { status: "pass" } },
    {
      id: "4.3.5", label: "an input base chain only", pkgs: ["nftables"],
      spec: { ...NFT, "etc/nftables.conf": "table inet filter {\n  chain input { type filter hook input priority 0; policy drop; }\n}\n" },
      want: { status: "fail", message: 'hooks is ["input"], expected contains input and contains forward and contains output' },
    },
    { id: "4.3.6", label: "iif lo accept, loopback addresses dropped", pkgs: ["nftables"], spec: { ...NFT, "etc/nftables.conf": NFT_CONF }, want: { status: "pass" } },
    {
      id: "4.3.6", label: "no ::1 drop rule", pkgs: ["nftables"],
      spec: { ...NFT, "etc/nftables.conf": NFT_CONF.replace("    ip6 saddr ::1 counter drop\n", "") },
      want: { status: "fail", message: "loopbackSpoofDrop6 is false, expected true" },
    },
    // The audit's expected line is `ip saddr 127.0.0.0/8 counter packets 0 bytes 0 drop`: one limited to a port is not it.
    {
      id: "4.3.6", label: "the 127.0.0.0/8 drop limited to tcp dport 22", pkgs: ["nftables"],
      spec: { ...NFT, "etc/nftables.conf": NFT_CONF.replace("ip saddr 127.0.0.0/8 counter drop", "ip saddr 127.0.0.0/8 tcp dport 22 counter drop") },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    },
    // A match the parser does not model narrows the drop as much as a port does: not the rule either.
    ...[
      "ip saddr 127.0.0.0/8 ip protocol tcp counter drop", "ip saddr 127.0.0.0/8 meta mark 0x1 counter drop", "ip saddr 127.0.0.0/8 tcp sport 53 counter drop",
      "ip saddr 127.0.0.0/8 limit rate 1/second counter drop", "ip saddr 127.0.0.0/8 ct mark 0x1 counter drop", "fib saddr type local ip saddr 127.0.0.0/8 counter drop",
    ].map((rule): Case => ({
      id: "4.3.6", label: `the 127.0.0.0/8 drop narrowed by a match not modelled: ${rule}`, pkgs: ["nftables"],
      spec: { ...NFT, "etc/nftables.conf": NFT_CONF.replace("ip saddr 127.0.0.0/8 counter drop", rule) },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    })),
    { id: "4.3.7", label: "established rules shown for review", pkgs: ["nftables"], spec: { ...NFT, "etc/nftables.conf": NFT_CONF }, want: { status: "manual" } },
    { id: "4.3.8", label: "policy drop on every hook", pkgs: ["nftables"], spec: { ...NFT, "etc/nftables.conf": NFT_CONF }, want: { status: "pass" } },
    {
      id: "4.3.8", label: "output accepts by default", pkgs: ["nftables"],
      spec: { ...NFT, "etc/nftables.conf": NFT_CONF.replace("hook output priority 0; policy drop;", "hook output priority 0; policy accept;") },
      want: { status: "fail", message: "outputPolicy is accept, expected drop" },
    },
    // The ruleset items need the tool 4.3.1 asks for: without nftables they skip, citing it
    // (on a live host they would otherwise error "nft is not installed" beside 4.3.1's fail).
    ...["4.3.4", "4.3.5", "4.3.6", "4.3.7", "4.3.8"].map((n): Case => ({
      id: n, label: "nftables chosen, not installed: skips citing the nftables-installed item", vars: prefer("nftables"), spec: { "etc/nftables.conf": NFT_CONF },
      want: { status: "skip", message: `nftables is not installed (see ${id("4.3.1")}): there is no nftables ruleset to judge` },
    })),
    {
      id: "4.3.8", label: "running host without nftables: skips citing the nftables-installed item", vars: prefer("nftables"), spec: { "proc/1/cmdline": "/sbin/init\0" }, proc: true,
      want: { status: "skip", message: `nftables is not installed (see ${id("4.3.1")}): there is no nftables ruleset to judge` },
    },
    { id: "4.3.9", label: "nftables.service enabled", pkgs: ["nftables"], spec: NFT, want: { status: "pass" } },
    { id: "4.3.9", label: "installed, not enabled", vars: prefer("nftables"), pkgs: ["nftables"], spec: {}, want: { status: "fail", message: "enabled is false, expected true" } },
    { id: "4.3.10", label: "nftables.conf with the base chains", pkgs: ["nftables"], spec: { ...NFT, "etc/nftables.conf": NFT_CONF }, want: { status: "pass" } },
    {
      id: "4.3.10", label: "nothing persisted", pkgs: ["nftables"], spec: NFT,
      want: { status: "fail", message: "persisted is false, expected true; persistedHooks is [], expected contains input and contains forward and contains output" },
    },

    // ---------------------------------------------------------------- 4.4 iptables
    { id: "4.4.1.1", label: "iptables-persistent in use", pkgs: ["iptables", "iptables-persistent"], spec: IPT, want: { status: "pass" } },
    { id: "4.4.1.1", label: "iptables chosen, not installed", vars: prefer("iptables"), spec: {}, want: { status: "fail", message: "installed is false, expected true" } },
    { id: "4.4.1.1-iptables", label: "iptables installed", pkgs: ["iptables", "iptables-persistent"], spec: IPT, want: { status: "pass" } },
    { id: "4.4.1.1-iptables", label: "iptables chosen, not installed", vars: prefer("iptables"), spec: {}, want: { status: "fail", message: "installed is false, expected true" } },
    { id: "4.4.1.2", label: "nftables not enabled", pkgs: ["iptables", "iptables-persistent"], spec: IPT, want: { status: "pass" } },
    {
      id: "4.4.1.2", label: "nftables enabled too", pkgs: ["iptables", "iptables-persistent", "nftables"], spec: { ...IPT, ...NFT },
      want: { status: "fail", message: "enabled is true, expected false", evidence: [enabledEvidence("nftables.service")] },
    },
    { id: "4.4.1.3", label: "ufw not enabled", pkgs: ["iptables", "iptables-persistent"], spec: IPT, want: { status: "pass" } },
    { id: "4.4.1.3", label: "ufw enabled too", pkgs: ["iptables", "iptables-persistent", "ufw"], spec: { ...IPT, ...UFW }, want: { status: "fail", message: "enabled is true, expected false", evidence: [enabledUfw] } },
    { id: "4.4.2.1", label: "DROP policies in rules.v4", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("DROP", "127.0.0.0/8") }, want: { status: "pass" } },
    {
      id: "4.4.2.1", label: "ACCEPT policies", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("ACCEPT", "127.0.0.0/8") },
      want: { status: "fail", message: "inputPolicy is accept, expected one of [drop, reject]; forwardPolicy is accept, expected one of [drop, reject]; outputPolicy is accept, expected one of [drop, reject]" },
    },
    { id: "4.4.2.2", label: "lo accepted both ways, 127.0.0.0/8 dropped", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("DROP", "127.0.0.0/8") }, want: { status: "pass" } },
    {
      id: "4.4.2.2", label: "no rules saved", pkgs: ["iptables-persistent"], spec: IPT,
      want: { status: "fail", message: "loopbackAccept is false, expected true; loopbackOutAccept is false, expected true; loopbackSpoofDrop is false, expected true" },
    },
    // The audit's expected line is `DROP all -- * * 127.0.0.0/8 0.0.0.0/0`: a drop of tcp only (or on one interface) is not it.
    {
      id: "4.4.2.2", label: "the 127.0.0.0/8 drop limited to tcp", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("DROP", "127.0.0.0/8 -p tcp") },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    },
    {
      id: "4.4.2.2", label: "the 127.0.0.0/8 drop limited to eth0", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("DROP", "127.0.0.0/8 -i eth0") },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    },
    { id: "4.4.2.2", label: "the 127.0.0.0/8 drop with a comment (matches nothing)", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("DROP", '127.0.0.0/8 -m comment --comment "anti-spoofing"') }, want: { status: "pass" } },
    ...["-m limit --limit 1/hour", "-m set --match-set lo src", "-p udp -m udp --sport 53", "-m mark --mark 0x1"].map((m): Case => ({
      id: "4.4.2.2", label: `the 127.0.0.0/8 drop narrowed by ${m}`, pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("DROP", `127.0.0.0/8 ${m}`) },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    })),
    { id: "4.4.2.3", label: "established rules shown for review", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("DROP", "127.0.0.0/8") }, want: { status: "manual" } },
    ...liveOnlyCases("4.4.2.4", { pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v4": RULES("DROP", "127.0.0.0/8") } }),
    { id: "4.4.3.1", label: "DROP policies in rules.v6", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v6": RULES("DROP", "::1") }, want: { status: "pass" } },
    {
      id: "4.4.3.1", label: "no rules.v6", pkgs: ["iptables-persistent"], spec: IPT,
      want: { status: "fail", message: "inputPolicy is (not set), expected one of [drop, reject]; forwardPolicy is (not set), expected one of [drop, reject]; outputPolicy is (not set), expected one of [drop, reject]" },
    },
    { id: "4.4.3.2", label: "lo accepted both ways, ::1 dropped", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v6": RULES("DROP", "::1") }, want: { status: "pass" } },
    {
      id: "4.4.3.2", label: "::1 not dropped", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v6": RULES("DROP", "::2") },
      want: { status: "fail", message: "loopbackSpoofDrop6 is false, expected true" },
    },
    { id: "4.4.3.3", label: "established rules shown for review", pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v6": RULES("DROP", "::1") }, want: { status: "manual" } },
    ...liveOnlyCases("4.4.3.4", { pkgs: ["iptables-persistent"], spec: { ...IPT, "etc/iptables/rules.v6": RULES("DROP", "::1") } }),

    // ---------------------------------------------------------------- IPv6 disabled
    // CIS applies the IPv6 items only where IPv6 is enabled: the ip6tables items skip, and the
    // loopback items do not ask for the ::1 rule.
    ...["4.4.3.1", "4.4.3.2", "4.4.3.3", "4.4.3.4"].map((n): Case => ({
      id: n, label: "IPv6 disabled (ipv6.disable=1 in GRUB_CMDLINE_LINUX): skips", pkgs: ["iptables-persistent"], spec: { ...IPT, ...IPV6_OFF },
      want: { status: "skip", message: IPV6_SKIP },
    })),
    {
      id: "4.3.6", label: "IPv6 disabled: no ::1 drop rule needed", pkgs: ["nftables"],
      spec: { ...NFT, ...IPV6_OFF, "etc/nftables.conf": NFT_CONF.replace("    ip6 saddr ::1 counter drop\n", "") }, want: { status: "pass" },
    },
    {
      id: "4.2.4", label: "IPv6 disabled (both disable_ipv6 sysctls): no ::1 deny rule needed", pkgs: ["ufw"],
      spec: { ...UFW, ...UFW_FILES, "etc/ufw/user6.rules": "*filter\nCOMMIT\n", "etc/sysctl.d/60-ipv6.conf": "net.ipv6.conf.all.disable_ipv6 = 1\nnet.ipv6.conf.default.disable_ipv6 = 1\n" },
      want: { status: "pass" },
    },
  ];
  // Ubuntu 22.04 v2.0.0 has no 4.1.1 (single utility).
  return cases.filter((c) => numbering === "debian" || c.id !== "4.1.1").map((c) => ({ ...c, id: id(c.id) }));
}

// ---------------------------------------------------------------- CIS RHEL 9 v2.0.0

const FIREWALLD: FixtureSpec = enabled("firewalld.service");
const ZONE = (body: string, target = "") => `<?xml version="1.0" encoding="utf-8"?>\n<zone${target}>\n  <short>Z</short>\n${body}</zone>\n`;
/** firewalld's shipped zones: public (ssh, dhcpv6-client, cockpit) and trusted, no rich rules. */
const SHIPPED_ZONES: FixtureSpec = {
  "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n  <service name="dhcpv6-client"/>\n  <service name="cockpit"/>\n'),
  "usr/lib/firewalld/zones/trusted.xml": ZONE("", ' target="ACCEPT"'),
  "etc/firewalld/firewalld.conf": "DefaultZone=public\nFirewallBackend=nftables\n",
};
const SPOOF_RULES = ["ipv4 127.0.0.1", "ipv6 ::1"].map((s) => {
  const [family, addr] = s.split(" ") as [string, string];
  return `  <rule family="${family}">\n    <source address="${addr}"/>\n    <destination address="${addr}" invert="True"/>\n    <drop/>\n  </rule>\n`;
});
/** What CIS's remediation leaves: lo in trusted, the anti-spoofing rich rules in trusted. */
const CIS_ZONES: FixtureSpec = { ...SHIPPED_ZONES, "etc/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF_RULES.join("")}`, ' target="ACCEPT"') };

/** CIS's anti-spoofing rules in trusted with an ipset as their source (lo4, lo6). */
const IPSET_ZONES: FixtureSpec = {
  ...SHIPPED_ZONES,
  "etc/firewalld/zones/trusted.xml": ZONE(
    ["ipv4 lo4 127.0.0.1", "ipv6 lo6 ::1"].map((x) => x.split(" ") as [string, string, string])
      .map(([family, set, addr]) => `  <rule family="${family}">\n    <source ipset="${set}"/>\n    <destination address="${addr}" invert="True"/>\n    <drop/>\n  </rule>\n`).join("") + '  <interface name="lo"/>\n',
    ' target="ACCEPT"',
  ),
};
/** The ipsets lo4 (hash:net) and lo6 (hash:ip, family inet6) with one entry each; null: no file. */
const ipsets = (v4: string, v6: string | null): FixtureSpec => ({
  "etc/firewalld/ipsets/lo4.xml": `<?xml version="1.0" encoding="utf-8"?>\n<ipset type="hash:net">\n  <entry>${v4}</entry>\n</ipset>\n`,
  ...(v6 === null ? {} : { "etc/firewalld/ipsets/lo6.xml": `<?xml version="1.0" encoding="utf-8"?>\n<ipset type="hash:ip">\n  <option name="family" value="inet6"/>\n  <entry>${v6}</entry>\n</ipset>\n` }),
});

/** /etc/firewalld/direct.xml with these elements; one direct rule on filter INPUT. */
const DIRECT = (body: string) => `<?xml version="1.0" encoding="utf-8"?>\n<direct>\n${body}</direct>\n`;
const direct = (ipv: string, priority: number, args: string) => `  <rule ipv="${ipv}" table="filter" chain="INPUT" priority="${priority}">${args}</rule>\n`;

/**
 * CIS RHEL 9 v2.0.0 section 4: 4.1.1 nftables installed, 4.1.2 a single utility (firewalld or
 * nftables), 4.2 firewalld (its zones), 4.3 nftables. The pack's var `firewall-utility`
 * defaults to firewalld.
 */
export function rhelFirewallCases(): Case[] {
  const notJudged = (tool: string) => `${tool} is not the firewall utility judged on this host (see 4.1.2; var firewall-utility when neither is in use)`;
  const nftInUse = { pkgs: ["nftables"], spec: { ...NFT, "etc/sysconfig/nftables.conf": NFT_CONF } };
  return [
    { id: "4.1.1", label: "nftables installed", pkgs: ["nftables", "firewalld"], spec: FIREWALLD, want: { status: "pass" } },
    { id: "4.1.1", label: "not installed", spec: {}, want: { status: "fail", message: "installed is false, expected true" } },
    { id: "4.1.2", label: "firewalld in use", pkgs: ["nftables", "firewalld"], spec: FIREWALLD, want: { status: "pass" } },
    { id: "4.1.2", label: "nftables in use", ...nftInUse, want: { status: "pass" } },
    { id: "4.1.2", label: "none in use", pkgs: ["nftables"], spec: {}, want: { status: "fail", message: "utility is none, expected one of [firewalld, nftables]" } },
    {
      id: "4.1.2", label: "firewalld and nftables both enabled", pkgs: ["nftables", "firewalld"], spec: { ...FIREWALLD, ...NFT },
      want: { status: "fail", message: "utility is several, expected one of [firewalld, nftables]" },
    },
    // ---------------------------------------------------------------- 4.2 firewalld
    { id: "4.2.1", label: "what each active zone allows, shown for review", pkgs: ["nftables", "firewalld"], spec: { ...FIREWALLD, ...SHIPPED_ZONES }, want: { status: "manual" } },
    { id: "4.2.1", label: "nftables in use: the firewalld section does not apply", ...nftInUse, want: { status: "skip", message: notJudged("firewalld") } },
    { id: "4.2.2", label: "anti-spoofing rich rules in trusted (CIS's remediation)", pkgs: ["nftables", "firewalld"], spec: { ...FIREWALLD, ...CIS_ZONES }, want: { status: "pass" } },
    {
      id: "4.2.2", label: "in the default zone (public)", pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...SHIPPED_ZONES, "etc/firewalld/zones/public.xml": ZONE(`  <service name="ssh"/>\n${SPOOF_RULES.join("")}`) },
      want: { status: "pass" },
    },
    {
      id: "4.2.2", label: "the shipped zones: no anti-spoofing rule", pkgs: ["nftables", "firewalld"], spec: { ...FIREWALLD, ...SHIPPED_ZONES },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true; loopbackSpoofDrop6 is false, expected true" },
    },
    {
      id: "4.2.2", label: "the rule in a zone no traffic reaches (drop, no interface)", pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...SHIPPED_ZONES, "etc/firewalld/zones/drop.xml": ZONE(SPOOF_RULES.join(""), ' target="DROP"') },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true; loopbackSpoofDrop6 is false, expected true" },
    },
    {
      id: "4.2.2", label: "IPv6 disabled: the ipv4 rule is enough", pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...SHIPPED_ZONES, ...IPV6_OFF, "etc/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF_RULES[0] ?? ""}`, ' target="ACCEPT"') },
      want: { status: "pass" },
    },
    {
      id: "4.2.2", label: "IPv6 enabled: the ipv4 rule alone fails", pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...SHIPPED_ZONES, "etc/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF_RULES[0] ?? ""}`, ' target="ACCEPT"') },
      want: { status: "fail", message: "loopbackSpoofDrop6 is false, expected true" },
    },
    // A rule whose source is an ipset counts with the ipset's entries (/etc/firewalld/ipsets/NAME.xml).
    { id: "4.2.2", label: "the drop rules' source is an ipset holding the loopback network", pkgs: ["nftables", "firewalld"], spec: { ...FIREWALLD, ...IPSET_ZONES, ...ipsets("127.0.0.0/8", "::1") }, want: { status: "pass" } },
    {
      id: "4.2.2", label: "the drop rules' source is an ipset without the loopback address", pkgs: ["nftables", "firewalld"], spec: { ...FIREWALLD, ...IPSET_ZONES, ...ipsets("10.0.0.0/8", "fd00::/8") },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true; loopbackSpoofDrop6 is false, expected true" },
    },
    {
      id: "4.2.2", label: "the drop rules' ipset defined nowhere", pkgs: ["nftables", "firewalld"], spec: { ...FIREWALLD, ...IPSET_ZONES, ...ipsets("127.0.0.1", null) },
      want: {
        status: "error",
        message: 'cannot determine loopbackSpoofDrop6: no drop rule on the loopback address, and a drop rule\'s ipset could not be read: zone trusted: rule family="ipv6" source ipset="lo6" destination NOT address="::1" drop: ipset lo6 is defined in neither /usr/lib/firewalld/ipsets nor /etc/firewalld/ipsets (firewalld would not load a zone naming it)',
      },
    },
    // Direct rules (/etc/firewalld/direct.xml) run before the zones.
    {
      id: "4.2.2", label: "the anti-spoofing drops as direct rules, the zones without them", pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...SHIPPED_ZONES, "etc/firewalld/direct.xml": DIRECT(direct("ipv4", 0, "-i lo -j ACCEPT") + direct("ipv4", 1, "-s 127.0.0.0/8 -j DROP") + direct("ipv6", 0, "-i lo -j ACCEPT") + direct("ipv6", 1, "-s ::1 -j DROP")) },
      want: { status: "pass" },
    },
    {
      id: "4.2.2", label: "two -I INPUT passthroughs (the later one comes first): not judged", pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...CIS_ZONES, "etc/firewalld/direct.xml": DIRECT('  <passthrough ipv="ipv4">-I INPUT -s 127.0.0.0/8 -j DROP</passthrough>\n  <passthrough ipv="ipv4">-I INPUT -j ACCEPT</passthrough>\n') },
      want: { status: "error", message: "cannot determine loopbackSpoofDrop: the direct rules' order is not judged: direct passthrough ipv4: -I INPUT -j ACCEPT: each -I passthrough goes to the top of INPUT, so the later ones come first; that order is not modelled" },
    },
    // A direct drop narrowed to part of the traffic, or of 127.0.0.1 alone, is not the anti-spoofing rule.
    ...["-s 127.0.0.0/8 -m limit --limit 1/hour -j DROP", "-s 127.0.0.0/8 -m mark --mark 0x1 -j DROP", "-i eth0 -s 127.0.0.0/8 -j DROP", "-s 127.0.0.1/32 -j DROP"].map((rule): Case => ({
      id: "4.2.2", label: `a direct drop that is not the rule: ${rule}`, pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...SHIPPED_ZONES, "etc/firewalld/direct.xml": DIRECT(direct("ipv4", 0, "-i lo -j ACCEPT") + direct("ipv4", 1, rule) + direct("ipv6", 0, "-i lo -j ACCEPT") + direct("ipv6", 1, "-s ::1 -j DROP")) },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    })),
    {
      id: "4.2.2", label: "iptables backend: a direct accept of 8080 before the zones' drop rules", pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...CIS_ZONES, "etc/firewalld/firewalld.conf": "DefaultZone=public\nFirewallBackend=iptables\n", "etc/firewalld/direct.xml": DIRECT(direct("ipv4", 0, "-p tcp --dport 8080 -j ACCEPT")) },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    },
    {
      id: "4.2.2", label: "a direct.xml firewalld would refuse (a rule without a priority)", pkgs: ["nftables", "firewalld"],
      spec: { ...FIREWALLD, ...CIS_ZONES, "etc/firewalld/direct.xml": DIRECT('  <rule ipv="ipv4" table="filter" chain="INPUT">-j ACCEPT</rule>\n') },
      want: { status: "error", message: "cannot determine loopbackSpoofDrop: the direct rules cannot be judged: /etc/firewalld/direct.xml cannot be read as firewalld reads it: line 3: <rule> without a priority" },
    },
    {
      id: "4.2.2", label: "firewalld chosen, not installed: skips citing 4.1.2", pkgs: ["nftables"], spec: CIS_ZONES,
      want: { status: "skip", message: "firewalld is not installed (see 4.1.2): there are no firewalld zones to judge" },
    },
    // ---------------------------------------------------------------- 4.3 nftables
    { id: "4.3.1", label: "input, forward and output base chains", ...nftInUse, want: { status: "pass" } },
    {
      id: "4.3.1", label: "an input base chain only", pkgs: ["nftables"],
      spec: { ...NFT, "etc/sysconfig/nftables.conf": "table inet filter {\n  chain input { type filter hook input priority 0; policy drop; }\n}\n" },
      want: { status: "fail", message: 'hooks is ["input"], expected contains input and contains forward and contains output' },
    },
    { id: "4.3.1", label: "firewalld in use: the nftables section does not apply", pkgs: ["nftables", "firewalld"], spec: FIREWALLD, want: { status: "skip", message: notJudged("nftables") } },
    {
      id: "4.3.1", label: "nftables chosen, not installed: skips citing 4.1.1", vars: prefer("nftables"), spec: { "etc/sysconfig/nftables.conf": NFT_CONF },
      want: { status: "skip", message: "nftables is not installed (see 4.1.1): there is no nftables ruleset to judge" },
    },
    { id: "4.3.2", label: "established rules shown for review", ...nftInUse, want: { status: "manual" } },
    { id: "4.3.3", label: "policy drop on every hook", ...nftInUse, want: { status: "pass" } },
    {
      id: "4.3.3", label: "output accepts by default", pkgs: ["nftables"],
      spec: { ...NFT, "etc/sysconfig/nftables.conf": NFT_CONF.replace("hook output priority 0; policy drop;", "hook output priority 0; policy accept;") },
      want: { status: "fail", message: "outputPolicy is accept, expected drop" },
    },
    { id: "4.3.4", label: "iif lo accept, loopback addresses dropped", ...nftInUse, want: { status: "pass" } },
    {
      id: "4.3.4", label: "no 127.0.0.0/8 drop rule", pkgs: ["nftables"],
      spec: { ...NFT, "etc/sysconfig/nftables.conf": NFT_CONF.replace("    ip saddr 127.0.0.0/8 counter drop\n", "") },
      want: { status: "fail", message: "loopbackSpoofDrop is false, expected true" },
    },
    {
      id: "4.3.4", label: "the ::1 drop limited to new connections", pkgs: ["nftables"],
      spec: { ...NFT, "etc/sysconfig/nftables.conf": NFT_CONF.replace("ip6 saddr ::1 counter drop", "ct state new ip6 saddr ::1 counter drop") },
      want: { status: "fail", message: "loopbackSpoofDrop6 is false, expected true" },
    },
  ];
}
