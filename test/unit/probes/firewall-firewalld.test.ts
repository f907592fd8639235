/**
 * firewalld beyond the zone's own services and ports: what its rich rules match (service,
 * port, protocol, icmp-type, forward-port) and what they accept, and its policies (firewalld
 * >= 0.9) — a policy into the host that could let traffic in is shown for the person judging
 * CIS 4.2.1, and one accepting everything makes the anti-spoofing facts unknown with the
 * reason (never a pass the zones alone would give).
 */
import { existsSync } from "node:fs";
import { chmod, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import type { CommandResult, CommandRunner } from "../../../src/host/exec.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { DEFAULT_PROBE_TIMEOUT_MS } from "../../../src/engine/gather.js";
import { runCommand } from "../../../src/host/exec.js";
import probe, { IPSET_CONCURRENCY, ipsetBudget, privilege, SNAPSHOT_DIR, snapshotSource } from "../../../src/probes/firewall.js";
import {
  isLoopbackSpoofDrop, parseDirectPassthroughs, parseDirectRules, parseDirectXml, parseInfoIpset, parseIpsetXml, parsePolicyXml, parseRichRule, parseZoneXml, richAccepts, spoofDropVerdict, type FirewalldIpset,
} from "../../../src/probes/parse/firewalld.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

const ZONE = (body: string, target = "") => `<?xml version="1.0" encoding="utf-8"?>\n<zone${target}>\n  <short>Z</short>\n${body}</zone>\n`;
const POLICY = (attrs: string, body: string) => `<?xml version="1.0" encoding="utf-8"?>\n<policy ${attrs}>\n${body}</policy>\n`;
const SPOOF = ["ipv4 127.0.0.1", "ipv6 ::1"]
  .map((s) => s.split(" ") as [string, string])
  .map(([family, addr]) => `  <rule family="${family}">\n    <source address="${addr}"/>\n    <destination address="${addr}" invert="True"/>\n    <drop/>\n  </rule>\n`)
  .join("");

describe("firewalld rich rules: what they match", () => {
  it("zone XML: service, port, protocol, icmp-type and forward-port elements are read and shown", () => {
    const { zone } = parseZoneXml(
      ZONE(
        [
          '  <rule family="ipv4"><source address="10.0.0.0/8"/><service name="http"/><accept/></rule>',
          '  <rule><port port="9090" protocol="tcp"/><accept/></rule>',
          '  <rule><protocol value="icmp"/><drop/></rule>',
          '  <rule family="ipv6"><icmp-type name="echo-request"/><accept/></rule>',
          '  <rule family="ipv4"><forward-port port="80" protocol="tcp" to-port="8080"/></rule>',
          '  <rule family="ipv4"><source address="192.0.2.1"/><accept/></rule>',
          "",
        ].join("\n"),
      ),
      "public",
    );
    expect(zone?.richRules.map((r) => r.text)).toEqual([
      'rule family="ipv4" source address="10.0.0.0/8" service http accept',
      "rule port 9090/tcp accept",
      "rule protocol icmp drop",
      'rule family="ipv6" icmp-type echo-request accept',
      'rule family="ipv4" forward-port 80/tcp',
      'rule family="ipv4" source address="192.0.2.1" accept',
    ]);
    expect(richAccepts(zone?.richRules ?? [])).toEqual(["service http from 10.0.0.0/8 (ipv4)", "port 9090/tcp", "icmp-type echo-request (ipv6)", "all from 192.0.2.1 (ipv4)"]);
  });

  it("firewall-cmd's text form: the same elements; a log or limit after them is not theirs", () => {
    expect(parseRichRule('rule family="ipv4" source address="10.0.0.0/8" service name="http" accept').match).toBe("service http");
    expect(parseRichRule('rule port port="9090" protocol="tcp" log prefix="p" level="info" limit value="1/m" accept')).toMatchObject({ match: "port 9090/tcp", action: "accept" });
    expect(parseRichRule('rule protocol value="icmp" limit value="1/m" drop').match).toBe("protocol icmp");
  });

  it("a loopback drop limited to a service or port is not the anti-spoofing rule (the rest of the spoofed traffic passes)", () => {
    const limited = parseRichRule('rule family="ipv4" source address="127.0.0.1" destination NOT address="127.0.0.1" service name="ssh" drop');
    expect(isLoopbackSpoofDrop(limited, "ipv4")).toBe(false);
    expect(isLoopbackSpoofDrop(parseRichRule('rule family="ipv4" source address="127.0.0.1" destination NOT address="127.0.0.1" drop'), "ipv4")).toBe(true);
  });
});

describe("firewalld policies (>= 0.9)", () => {
  const base = {
    "etc/firewalld/firewalld.conf": "DefaultZone=public\n",
    "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n'),
    "usr/lib/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF}`, ' target="ACCEPT"'),
    "usr/lib/firewalld/policies/allow-host-ipv6.xml": POLICY(
      'target="CONTINUE" priority="-15000"',
      '  <ingress-zone name="ANY"/>\n  <egress-zone name="HOST"/>\n  <rule family="ipv6"><icmp-type name="neighbour-advertisement"/><accept/></rule>\n',
    ),
  };

  it("a policy file: zones, target, priority, services, ports and rich rules", () => {
    const { policy, problems } = parsePolicyXml(POLICY('target="ACCEPT" priority="-100"', '  <ingress-zone name="public"/>\n  <egress-zone name="HOST"/>\n  <service name="http"/>\n  <port port="8443" protocol="tcp"/>\n'), "web", "/etc/firewalld/policies/web.xml");
    expect(problems).toEqual([]);
    expect(policy).toMatchObject({ name: "web", target: "ACCEPT", priority: "-100", ingress: ["public"], egress: ["HOST"], services: ["http"], ports: ["8443/tcp"], file: "/etc/firewalld/policies/web.xml", line: 2 });
  });

  it("offline: a policy into the host that allows something is shown with what it allows; the shipped one does not change a verdict", async () => {
    const root = await fixtureRoot({
      ...base,
      // Forwarding between zones: not into the host, not shown.
      "etc/firewalld/policies/fwd.xml": POLICY('target="ACCEPT"', '  <ingress-zone name="internal"/>\n  <egress-zone name="external"/>\n'),
    });
    const f = await probe.collect(probeContext(root), { backend: "firewalld" });
    expect(f.value.zonesAllow).toEqual([
      "public: services ssh; ports none",
      "trusted: services none; ports none",
      "policy allow-host-ipv6 (ANY -> HOST, priority -15000, target CONTINUE): services none; ports none; rich rules accepting icmp-type neighbour-advertisement (ipv6)",
    ]);
    expect(f.value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
    expect(f.value.files).toContain("/usr/lib/firewalld/policies/allow-host-ipv6.xml");
    expect(f.evidence).toContainEqual({ file: "/usr/lib/firewalld/policies/allow-host-ipv6.xml", line: 2, detail: expect.stringMatching(/^policy allow-host-ipv6 \(ANY -> HOST/) });
  });

  it("a policy accepting everything into the host: the anti-spoofing facts are unknown with the reason, never pass", async () => {
    const root = await fixtureRoot({ ...base, "etc/firewalld/policies/open.xml": POLICY('target="ACCEPT" priority="-10"', '  <ingress-zone name="ANY"/>\n  <egress-zone name="HOST"/>\n') });
    const f = await probe.collect(probeContext(root), { backend: "firewalld" });
    expect(f.value.loopbackSpoofDrop).toBeUndefined();
    expect(f.unknown?.["loopbackSpoofDrop"]).toBe(
      "policy open accepts all traffic into the host (target ACCEPT): whether a spoofed loopback packet meets it before a zone's drop rule depends on its priority, not judged",
    );
    expect(f.value.zonesAllow).toContain("policy open (ANY -> HOST, priority -10, target ACCEPT): services none; ports none");
  });

  it("an /etc policy replaces the shipped one of the same name", async () => {
    const root = await fixtureRoot({
      ...base,
      "etc/firewalld/policies/allow-host-ipv6.xml": POLICY('target="CONTINUE" priority="-15000"', '  <ingress-zone name="ANY"/>\n  <egress-zone name="HOST"/>\n'),
    });
    const f = await probe.collect(probeContext(root), { backend: "firewalld" });
    expect(f.value.zonesAllow).toEqual(["public: services ssh; ports none", "trusted: services none; ports none"]);
  });
});

describe("firewalld ipsets: a rule or zone whose source is an ipset counts with its entries", () => {
  const IPSET = (type: string, body: string) => `<?xml version="1.0" encoding="utf-8"?>\n<ipset type="${type}">\n  <short>S</short>\n${body}</ipset>\n`;
  /** CIS's anti-spoofing rules in trusted, their source the ipsets lo4 and lo6. */
  const TRUSTED = ZONE(
    '  <interface name="lo"/>\n' +
      '  <rule family="ipv4">\n    <source ipset="lo4"/>\n    <destination address="127.0.0.1" invert="True"/>\n    <drop/>\n  </rule>\n' +
      '  <rule family="ipv6">\n    <source ipset="lo6"/>\n    <destination address="::1" invert="True"/>\n    <drop/>\n  </rule>\n',
    ' target="ACCEPT"',
  );
  const base = {
    "etc/firewalld/firewalld.conf": "DefaultZone=public\n",
    "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n'),
    "etc/firewalld/zones/trusted.xml": TRUSTED,
    "etc/firewalld/ipsets/lo4.xml": IPSET("hash:net", "  <entry>127.0.0.0/8</entry>\n"),
    "etc/firewalld/ipsets/lo6.xml": IPSET("hash:ip", '  <option name="family" value="inet6"/>\n  <entry>::1</entry>\n'),
  };

  it("parses ipset files and firewall-cmd --info-ipset; rich rules and zones name them as firewall-cmd does", () => {
    const x = parseIpsetXml(IPSET("hash:ip", '  <option name="family" value="inet6"/>\n  <option name="timeout" value="600"/>\n  <entry>::1</entry>\n  <entry> fd00::1 </entry>\n'), "six", "/etc/firewalld/ipsets/six.xml");
    expect(x.problems).toEqual([]);
    expect(x.ipset).toEqual({ name: "six", type: "hash:ip", family: "inet6", options: ["family=inet6", "timeout=600"], entries: ["::1", "fd00::1"], file: "/etc/firewalld/ipsets/six.xml", line: 2 });
    expect(parseIpsetXml("<zone/>", "z").problems).toEqual([{ line: 1, message: "no <ipset> element" }]);
    expect(parseInfoIpset("web\n  type: hash:net\n  options: maxelem=65536\n  entries: 10.0.0.0/8 192.0.2.1\n", "web").ipset).toEqual({ name: "web", type: "hash:net", family: "inet", options: ["maxelem=65536"], entries: ["10.0.0.0/8", "192.0.2.1"] });
    expect(parseInfoIpset("web\n  type: hash:net\n  options: \n  entries: \n", "web").ipset?.entries).toEqual([]);
    expect(parseInfoIpset("Error: INVALID_IPSET: web\n", "web").ipset).toBeUndefined();
    const r = parseRichRule('rule family="ipv4" source NOT ipset="lo4" destination NOT address="127.0.0.1" drop');
    expect(r.source).toEqual({ ipset: "lo4", invert: true });
    expect(parseZoneXml(TRUSTED, "trusted").zone?.richRules[0]?.text).toBe('rule family="ipv4" source ipset="lo4" destination NOT address="127.0.0.1" drop');
    expect(parseZoneXml(ZONE('  <source ipset="office"/>\n  <source address="10.1.0.0/16"/>\n'), "work").zone?.sources).toEqual(["ipset:office", "10.1.0.0/16"]);
  });

  it("the verdict of one drop rule: the loopback address among a hash:ip/hash:net ipset's entries of the rule's family counts; anything else does not", () => {
    const rule = parseRichRule('rule family="ipv4" source ipset="s" destination NOT address="127.0.0.1" drop');
    const set = (o: Partial<FirewalldIpset>): FirewalldIpset => ({ name: "s", type: "hash:ip", family: "inet", options: [], entries: ["127.0.0.1"], ...o });
    expect(spoofDropVerdict(rule, "ipv4", () => set({}))).toBe(true);
    expect(spoofDropVerdict(rule, "ipv4", () => set({ entries: ["10.0.0.1"] }))).toBe(false);
    // Matched on a port too: the rest of the spoofed traffic passes.
    expect(spoofDropVerdict(rule, "ipv4", () => set({ type: "hash:ip,port", entries: ["127.0.0.1,tcp:22"] }))).toBe(false);
    expect(spoofDropVerdict(rule, "ipv4", () => set({ family: "inet6", entries: ["::1"] }))).toBe(false);
    expect(spoofDropVerdict(parseRichRule('rule source NOT ipset="s" drop'), "ipv4", () => set({}))).toBe(false);
    expect(spoofDropVerdict(parseRichRule('rule source ipset="s" accept'), "ipv4", () => set({}))).toBe(false);
    // A timeout ipset's entries are added at run time: none listed is not "no loopback entry".
    expect(spoofDropVerdict(rule, "ipv4", () => set({ options: ["timeout=600"], entries: [] }))).toEqual({
      unknown: 'rule family="ipv4" source ipset="s" destination NOT address="127.0.0.1" drop: ipset s has a timeout, so its entries are added at run time and firewalld does not list them',
    });
    expect(spoofDropVerdict(rule, "ipv4", () => ({ unknown: "why" }))).toEqual({ unknown: 'rule family="ipv4" source ipset="s" destination NOT address="127.0.0.1" drop: why' });
  });

  it("offline: the ipsets' files are read (/etc replacing /usr/lib); the loopback entries make the anti-spoofing rules, shown with their entries", async () => {
    const f = await probe.collect(probeContext(await fixtureRoot({ ...base, "usr/lib/firewalld/ipsets/lo4.xml": IPSET("hash:ip", "  <entry>10.0.0.1</entry>\n") })), { backend: "firewalld" });
    expect(f.value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: true, loopbackTrusted: true });
    expect(f.value.files).toEqual(expect.arrayContaining(["/etc/firewalld/ipsets/lo4.xml", "/etc/firewalld/ipsets/lo6.xml"]));
    expect(f.value.files).not.toContain("/usr/lib/firewalld/ipsets/lo4.xml");
    expect(f.evidence).toContainEqual({ file: "/etc/firewalld/ipsets/lo4.xml", line: 2, detail: "ipset lo4 (hash:net, inet): 127.0.0.0/8" });
    expect(f.evidence).toContainEqual({ file: "/etc/firewalld/ipsets/lo6.xml", line: 2, detail: "ipset lo6 (hash:ip, inet6): ::1" });
    expect(f.evidence).toContainEqual({ file: "/etc/firewalld/zones/trusted.xml", line: 2, detail: 'zone trusted: rule family="ipv4" source ipset="lo4" destination NOT address="127.0.0.1" drop' });
    // Without the loopback entry: no anti-spoofing rule (a fail, not unknown).
    const other = await probe.collect(probeContext(await fixtureRoot({ ...base, "etc/firewalld/ipsets/lo4.xml": IPSET("hash:net", "  <entry>10.0.0.0/8</entry>\n") })), { backend: "firewalld" });
    expect(other.value).toMatchObject({ loopbackSpoofDrop: false, loopbackSpoofDrop6: true });
    expect(other.unknown?.["loopbackSpoofDrop"]).toBeUndefined();
  });

  it("offline: an ipset that cannot be read, or that no file defines, leaves the fact unknown with the reason, never a pass", async () => {
    const unreadable = await probe.collect(probeContext(await fixtureRoot({ ...base, "etc/firewalld/ipsets/lo4.xml": { symlink: "../../../../../../outside.xml" } })), { backend: "firewalld" });
    expect(unreadable.value.loopbackSpoofDrop).toBeUndefined();
    expect(unreadable.unknown?.["loopbackSpoofDrop"]).toMatch(
      /^no drop rule on the loopback address, and a drop rule's ipset could not be read: zone trusted: rule family="ipv4" source ipset="lo4" destination NOT address="127\.0\.0\.1" drop: ipset lo4: cannot read \/etc\/firewalld\/ipsets\/lo4\.xml: /,
    );
    expect(unreadable.value.loopbackSpoofDrop6).toBe(true);
    const { "etc/firewalld/ipsets/lo6.xml": _gone, ...noLo6 } = base;
    const missing = await probe.collect(probeContext(await fixtureRoot(noLo6)), { backend: "firewalld" });
    expect(missing.unknown?.["loopbackSpoofDrop6"]).toBe(
      'no drop rule on the loopback address, and a drop rule\'s ipset could not be read: zone trusted: rule family="ipv6" source ipset="lo6" destination NOT address="::1" drop: ipset lo6 is defined in neither /usr/lib/firewalld/ipsets nor /etc/firewalld/ipsets (firewalld would not load a zone naming it)',
    );
    // Another rule on the address settles it: the unread ipset does not matter then.
    const both = await probe.collect(probeContext(await fixtureRoot({ ...noLo6, "etc/firewalld/zones/public.xml": ZONE(`  <service name="ssh"/>\n${SPOOF}`) })), { backend: "firewalld" });
    expect(both.value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
    // A name that is no file name is not read.
    const odd = await probe.collect(probeContext(await fixtureRoot({ ...base, "etc/firewalld/zones/trusted.xml": TRUSTED.replace('ipset="lo4"', 'ipset="../zones/public"') })), { backend: "firewalld" });
    expect(odd.unknown?.["loopbackSpoofDrop"]).toMatch(/ipset "\.\.\/zones\/public": not an ipset name$/);
  });

  it("what an active zone lets in from an ipset is shown with its entries; one not read leaves zonesAllow unknown", async () => {
    const office = { ...base, "etc/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n  <rule family="ipv4"><source ipset="office"/><service name="http"/><accept/></rule>\n') };
    const f = await probe.collect(probeContext(await fixtureRoot({ ...office, "etc/firewalld/ipsets/office.xml": IPSET("hash:net", "  <entry>10.1.0.0/16</entry>\n  <entry>192.0.2.7</entry>\n") })), { backend: "firewalld" });
    expect(f.value.zonesAllow).toEqual(["public: services ssh; ports none; rich rules accepting service http from ipset:office (ipv4)", "trusted: services none; ports none"]);
    expect(f.evidence).toContainEqual({ file: "/etc/firewalld/ipsets/office.xml", line: 2, detail: "ipset office (hash:net, inet): 10.1.0.0/16 192.0.2.7" });
    const unread = await probe.collect(probeContext(await fixtureRoot(office)), { backend: "firewalld" });
    expect(unread.value.zonesAllow).toBeUndefined();
    expect(unread.unknown?.["zonesAllow"]).toBe("an ipset a zone names could not be read: ipset office is defined in neither /usr/lib/firewalld/ipsets nor /etc/firewalld/ipsets (firewalld would not load a zone naming it)");
    expect(unread.value.loopbackSpoofDrop).toBe(true);
  });

  describe("live: firewall-cmd --info-ipset=NAME for each ipset the runtime zones name", () => {
    afterEach(() => {
      vi.unstubAllEnvs();
      vi.restoreAllMocks();
      snapshotSource.dir = SNAPSHOT_DIR;
    });
    const listing = [
      "public (default, active)", "  target: default", "  interfaces: eth0", "  sources: ", "  services: ssh", "  ports: ", "  rich rules: ", "",
      "trusted (active)", "  target: ACCEPT", "  interfaces: lo", "  sources: ", "  services: ", "  ports: ", "  rich rules: ",
      '\trule family="ipv4" source ipset="lo4" destination NOT address="127.0.0.1" drop', '\trule family="ipv6" source ipset="lo6" destination NOT address="::1" drop', "",
    ].join("\n");
    const stub = (out: Record<string, Partial<CommandResult>>, calls: string[][]): CommandRunner => (argv) => {
      calls.push([...argv]);
      const key = [path.basename(argv[0] ?? ""), ...argv.slice(1)].join(" ");
      return Promise.resolve({ argv: [...argv], exitCode: 0, stdout: "", stderr: "", failed: false, timedOut: false, notFound: false, truncated: false, durationMs: 1, ...(out[key] ?? { exitCode: null, failed: true, notFound: true, reason: "command not found" }) });
    };
    const cmds: Record<string, Partial<CommandResult>> = {
      "firewall-cmd --list-all-zones": { stdout: listing },
      "firewall-cmd --list-all-policies": { stdout: "" },
      "firewall-cmd --info-ipset=lo4": { stdout: "lo4\n  type: hash:ip\n  options: \n  entries: 127.0.0.1\n" },
      "firewall-cmd --info-ipset=lo6": { stdout: "lo6\n  type: hash:ip\n  options: family=inet6\n  entries: ::1\n" },
      "firewall-cmd --direct --get-all-rules": { stdout: "" },
      "firewall-cmd --direct --get-all-passthroughs": { stdout: "" },
    };

    it("the runtime ipsets' entries decide; a failed read is unknown with firewall-cmd's message", async () => {
      const proc = await fixtureRoot({ "1/cmdline": "/sbin/init\0", cmdline: "ro\n", "sys/net/ipv6/conf/all/disable_ipv6": "0\n", "sys/net/ipv6/conf/default/disable_ipv6": "0\n" });
      const live = new HostRoot({ root: "/", proc });
      const bin = await fixtureRoot({ "firewall-cmd": "" });
      await chmod(path.join(bin, "firewall-cmd"), 0o755);
      vi.stubEnv("PATH", bin);
      const calls: string[][] = [];
      const f = await probe.collect(createProbeContext(live, stub(cmds, calls), 5000), { backend: "firewalld" });
      expect(f.value).toMatchObject({ view: "live", loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
      expect(f.evidence).toContainEqual({ detail: "ipset lo4 (hash:ip, inet): 127.0.0.1" });
      expect(calls.slice(2)).toEqual([
        [`${bin}/firewall-cmd`, "--direct", "--get-all-rules"], [`${bin}/firewall-cmd`, "--direct", "--get-all-passthroughs"],
        [`${bin}/firewall-cmd`, "--info-ipset=lo4"], [`${bin}/firewall-cmd`, "--info-ipset=lo6"],
      ]);
      const failed = await probe.collect(
        createProbeContext(live, stub({ ...cmds, "firewall-cmd --info-ipset=lo6": { exitCode: 112, failed: true, stderr: "Error: INVALID_IPSET: lo6\n" } }, []), 5000),
        { backend: "firewalld" },
      );
      expect(failed.value.loopbackSpoofDrop).toBe(true);
      expect(failed.unknown?.["loopbackSpoofDrop6"]).toBe(
        `no drop rule on the loopback address, and a drop rule's ipset could not be read: zone trusted: rule family="ipv6" source ipset="lo6" destination NOT address="::1" drop: ${bin}/firewall-cmd --info-ipset=lo6 failed: Error: INVALID_IPSET: lo6`,
      );
    });

    it("ipsets are asked a few at a time, within a budget under the probe's timeout; one whose firewall-cmd hangs is unknown naming it, the others still decide", async () => {
      expect(ipsetBudget.ms).toBeLessThan(DEFAULT_PROBE_TIMEOUT_MS);
      const proc = await fixtureRoot({ "1/cmdline": "/sbin/init\0", cmdline: "ro\n", "sys/net/ipv6/conf/all/disable_ipv6": "0\n", "sys/net/ipv6/conf/default/disable_ipv6": "0\n" });
      const live = new HostRoot({ root: "/", proc });
      // A stand-in for firewall-cmd: the zones name eight ipsets; lo6's read never answers
      // (`exec sleep`, so the kill reaches the sleeping process itself). Each call is logged
      // with the number of calls running at that moment, to show the reads overlap, bounded.
      const eight = ["a1", "a2", "a3", "a4", "a5", "a6", "lo4", "lo6"];
      const zones = listing.replace("  rich rules: \n\ntrusted", `  rich rules: \n${eight.slice(0, 6).map((n) => `\trule family="ipv4" source ipset="${n}" service name="http" accept\n`).join("")}\ntrusted`);
      const bin = await fixtureRoot({
        "zones.txt": zones,
        "firewall-cmd": [
          "#!/bin/sh",
          'dir=$(dirname "$0")',
          'case "$1" in',
          '  --list-all-zones) cat "$dir/zones.txt" ;;',
          "  --list-all-policies|--direct) ;;",
          '  --info-ipset=lo6) exec sleep 60 ;;',
          '  --info-ipset=*) n=${1#--info-ipset=}; mkdir "$dir/running.$n"; ls -d "$dir"/running.* | wc -l > "$dir/seen.$n"; sleep 0.3; rmdir "$dir/running.$n"',
          '    e=10.0.0.1; [ "$n" = lo4 ] && e=127.0.0.1',
          '    printf "%s\\n  type: hash:ip\\n  options: \\n  entries: %s\\n" "$n" "$e" ;;',
          "  *) echo unexpected >&2; exit 2 ;;",
          "esac",
          "",
        ].join("\n"),
      });
      await chmod(path.join(bin, "firewall-cmd"), 0o755);
      vi.stubEnv("PATH", `${bin}:${process.env["PATH"] ?? ""}`);
      ipsetBudget.ms = 4000;
      try {
        const f = await probe.collect(createProbeContext(live, runCommand, 10_000), { backend: "firewalld" });
        expect(f.value).toMatchObject({ view: "live", loopbackSpoofDrop: true });
        expect(f.value.loopbackSpoofDrop6).toBeUndefined();
        expect(f.unknown?.["loopbackSpoofDrop6"]).toMatch(
          new RegExp(`^no drop rule on the loopback address, and a drop rule's ipset could not be read: zone trusted: rule family="ipv6" source ipset="lo6" destination NOT address="::1" drop: ${bin}/firewall-cmd --info-ipset=lo6 timed out after \\d+ ms: the ipset lo6 was not read$`),
        );
        expect(f.value.zonesAllow?.[0]).toBe(`public: services ssh; ports none; rich rules accepting ${eight.slice(0, 6).map((n) => `service http from ipset:${n} (ipv4)`).join(", ")}`);
        for (const n of eight.slice(0, 6)) expect(f.evidence).toContainEqual({ detail: `ipset ${n} (hash:ip, inet): 10.0.0.1` });
        // At most IPSET_CONCURRENCY at once (lo6's sleeping call is one of them, not logged).
        const seen = await Promise.all(["a1", "a2", "a3", "a4", "a5", "a6", "lo4"].map(async (n) => Number((await readFile(path.join(bin, `seen.${n}`), "utf8")).trim())));
        expect(Math.max(...seen)).toBeLessThanOrEqual(IPSET_CONCURRENCY);
        expect(Math.max(...seen)).toBeGreaterThan(1);
      } finally {
        ipsetBudget.ms = 20_000;
      }
    });

    it("not root: the ipsets come from the root-written snapshots (firewall-cmd-info-ipset-NAME), nothing is spawned; a missing one is unknown naming the snapshot directory", async () => {
      vi.spyOn(privilege, "unprivileged").mockReturnValue(true);
      const proc = await fixtureRoot({ "1/cmdline": "/sbin/init\0", cmdline: "ro\n", "sys/net/ipv6/conf/all/disable_ipv6": "0\n", "sys/net/ipv6/conf/default/disable_ipv6": "0\n" });
      const live = new HostRoot({ root: "/", proc });
      const bin = await fixtureRoot({ "firewall-cmd": "" });
      await chmod(path.join(bin, "firewall-cmd"), 0o755);
      vi.stubEnv("PATH", bin);
      const snaps = {
        "firewall-cmd-list-all-zones": String(cmds["firewall-cmd --list-all-zones"]?.stdout),
        "firewall-cmd-get-default-zone": "public\n",
        "firewall-cmd-list-all-policies": "",
        "firewall-cmd-info-ipset-lo4": String(cmds["firewall-cmd --info-ipset=lo4"]?.stdout),
        "firewall-cmd-info-ipset-lo6": String(cmds["firewall-cmd --info-ipset=lo6"]?.stdout),
        "firewall-cmd-direct-get-all-rules": "",
        "firewall-cmd-direct-get-all-passthroughs": "",
      };
      snapshotSource.dir = await fixtureRoot(snaps);
      const calls: string[][] = [];
      const f = await probe.collect(createProbeContext(live, stub({}, calls), 5000), { backend: "firewalld" });
      expect(calls).toEqual([]);
      expect(f.value).toMatchObject({ view: "live", loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
      expect(f.evidence).toContainEqual({ detail: "ipset lo6 (hash:ip, inet6): ::1" });
      expect(f.evidence.find((e) => e.file === `${snapshotSource.dir}/firewall-cmd-info-ipset-lo4`)?.detail).toMatch(
        /^snapshot of `firewall-cmd --info-ipset=lo4` written as root by nodeward-firewall-snapshot.service, \d+ s old$/,
      );
      // No snapshot of lo6: firewall-cmd is asked (and, not root, refused): unknown, never a pass.
      const { "firewall-cmd-info-ipset-lo6": _lo6, ...noLo6 } = snaps;
      snapshotSource.dir = await fixtureRoot(noLo6);
      const refused = stub({ "firewall-cmd --info-ipset=lo6": { exitCode: 11, failed: true, stderr: "Authorization failed.\n" } }, []);
      const g = await probe.collect(createProbeContext(live, refused, 5000), { backend: "firewalld" });
      expect(g.value.loopbackSpoofDrop).toBe(true);
      expect(g.value.loopbackSpoofDrop6).toBeUndefined();
      expect(g.unknown?.["loopbackSpoofDrop6"]).toBe(
        `no drop rule on the loopback address, and a drop rule's ipset could not be read: zone trusted: rule family="ipv6" source ipset="lo6" destination NOT address="::1" drop: ${bin}/firewall-cmd --info-ipset=lo6 failed: Authorization failed. (not root, and no snapshot in /run/nodeward/firewall: see nodeward-firewall-snapshot.service)`,
      );
    });
  });
});

describe("firewalld direct rules (/etc/firewalld/direct.xml, firewall-cmd --direct): counted in 4.2.1's list and 4.2.2", () => {
  const DIRECT = (body: string) => `<?xml version="1.0" encoding="utf-8"?>\n<direct>\n${body}</direct>\n`;
  const rule = (ipv: string, priority: number, args: string, chain = "INPUT") => `  <rule ipv="${ipv}" table="filter" chain="${chain}" priority="${priority}">${args}</rule>\n`;
  /** No anti-spoofing rule in any zone: only direct rules can make 4.2.2 pass. */
  const bare = (backend: string) => ({
    "etc/firewalld/firewalld.conf": `DefaultZone=public\nFirewallBackend=${backend}\n`,
    "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n'),
    "usr/lib/firewalld/zones/trusted.xml": ZONE('  <interface name="lo"/>\n', ' target="ACCEPT"'),
  });
  /** The zones' anti-spoofing rules in trusted (4.2.2 passes on the zones alone). */
  const spoofed = (backend: string) => ({ ...bare(backend), "usr/lib/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF}`, ' target="ACCEPT"') });
  const collect = async (spec: Record<string, string>) => probe.collect(probeContext(await fixtureRoot(spec)), { backend: "firewalld" });

  it("parses direct.xml (chains, rules, passthroughs) and firewall-cmd's listings; what firewalld would refuse is a problem with its line", () => {
    const p = parseDirectXml(DIRECT('  <chain ipv="ipv4" table="filter" chain="mine"/>\n' + rule("ipv4", -1, "-p tcp --dport 22 -j ACCEPT") + '  <passthrough ipv="ipv6">-I INPUT -s ::1 -j DROP</passthrough>\n  <unknown/>\n'));
    expect(p.problems).toEqual([]);
    expect(p.direct).toEqual({
      chains: [{ ipv: "ipv4", table: "filter", chain: "mine", line: 3 }],
      rules: [{ ipv: "ipv4", table: "filter", chain: "INPUT", priority: -1, args: "-p tcp --dport 22 -j ACCEPT", line: 4 }],
      passthroughs: [{ ipv: "ipv6", args: "-I INPUT -s ::1 -j DROP", line: 5 }],
    });
    expect(parseDirectXml(DIRECT('  <rule ipv="ipv4" table="filter" chain="INPUT">-j ACCEPT</rule>\n  <rule ipv="ip4" table="filter" chain="INPUT" priority="0">-j ACCEPT</rule>\n  <passthrough ipv="ipv4"> </passthrough>\n')).problems).toEqual([
      { line: 3, message: "<rule> without a priority" },
      { line: 4, message: "<rule> with ipv (a text of 3 characters, not quoted: an unparsed line may hold a secret): not ipv4, ipv6 or eb" },
      { line: 5, message: "<passthrough> without arguments" },
    ]);
    expect(parseDirectXml("<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" priority=\"0\">-j ACCEPT\n").problems).toEqual([{ line: 2, message: "<rule> is not closed" }, { line: 2, message: "<rule> without arguments" }]);
    expect(parseDirectRules("ipv4 filter INPUT 0 -p tcp --dport 8080 -j ACCEPT\nipv6 filter INPUT -5 -s ::1 -j DROP\n").rules).toEqual([
      { ipv: "ipv4", table: "filter", chain: "INPUT", priority: 0, args: "-p tcp --dport 8080 -j ACCEPT", line: 1 },
      { ipv: "ipv6", table: "filter", chain: "INPUT", priority: -5, args: "-s ::1 -j DROP", line: 2 },
    ]);
    expect(parseDirectRules("filter INPUT -j ACCEPT\n").problems).toEqual([{ line: 1, message: "not a direct rule: (a text of 22 characters, not quoted: an unparsed line may hold a secret)" }]);
    expect(parseDirectPassthroughs("ipv4 -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080\n").passthroughs).toEqual([
      { ipv: "ipv4", args: "-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080", line: 1 },
    ]);
  });

  it("offline: a direct drop of the loopback source (after accepting lo) is the anti-spoofing rule, on either backend", async () => {
    const xml = DIRECT(rule("ipv4", 0, "-i lo -j ACCEPT") + rule("ipv4", 1, "-s 127.0.0.0/8 -j DROP") + rule("ipv6", 0, "-i lo -j ACCEPT") + rule("ipv6", 1, "-s ::1 -j DROP"));
    for (const backend of ["nftables", "iptables"]) {
      const f = await collect({ ...bare(backend), "etc/firewalld/direct.xml": xml });
      expect(f.unknown).toBeUndefined();
      expect(f.value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
      expect(f.value.files).toContain("/etc/firewalld/direct.xml");
      expect(f.evidence).toContainEqual({ file: "/etc/firewalld/direct.xml", line: 4, detail: "direct rule ipv4 filter INPUT priority 1: -s 127.0.0.0/8 -j DROP" });
      expect(f.evidence).toContainEqual({ file: "/etc/firewalld/direct.xml", detail: "direct rule ipv4 filter INPUT priority 1: -s 127.0.0.0/8 -j DROP: drops spoofed loopback packets before firewalld's own rules" });
    }
    // Without it (and no zone rule), 4.2.2 fails as before; a drop limited to a port is not the rule.
    expect((await collect(bare("nftables"))).value).toMatchObject({ loopbackSpoofDrop: false, loopbackSpoofDrop6: false });
    const port = await collect({ ...bare("nftables"), "etc/firewalld/direct.xml": DIRECT(rule("ipv4", 0, "-s 127.0.0.0/8 -p tcp --dport 22 -j DROP")) });
    expect(port.value.loopbackSpoofDrop).toBe(false);
    // Nor is one narrowed by a match not modelled, one on another interface, or one of 127.0.0.1 alone; the evidence says why.
    const narrowed = await collect({ ...bare("nftables"), "etc/firewalld/direct.xml": DIRECT(rule("ipv4", 0, "-s 127.0.0.0/8 -m mark --mark 0x1 -j DROP") + rule("ipv4", 1, "-i eth0 -s 127.0.0.0/8 -j DROP") + rule("ipv4", 2, "-s 127.0.0.1/32 -j DROP")) });
    expect(narrowed.value.loopbackSpoofDrop).toBe(false);
    expect(narrowed.evidence).toContainEqual({ file: "/etc/firewalld/direct.xml", line: 3, detail: "direct rule ipv4 filter INPUT priority 0: -s 127.0.0.0/8 -m mark --mark 0x1 -j DROP (not the anti-spoofing rule: limited to a match not modelled (-m mark), a match not modelled (--mark 0x1))" });
    expect(narrowed.evidence).toContainEqual({ file: "/etc/firewalld/direct.xml", line: 4, detail: "direct rule ipv4 filter INPUT priority 1: -i eth0 -s 127.0.0.0/8 -j DROP (not the anti-spoofing rule: limited to input interface eth0)" });
  });

  it("offline, iptables backend: a direct accept reached first lets spoofed packets past the zones' drop rules (fail); on the nftables backend the zones still filter it (pass), and 4.2.1 lists it either way", async () => {
    const xml = DIRECT(rule("ipv4", 0, "-p tcp --dport 8080 -j ACCEPT"));
    const ipt = await collect({ ...spoofed("iptables"), "etc/firewalld/direct.xml": xml });
    expect(ipt.value).toMatchObject({ loopbackSpoofDrop: false, loopbackSpoofDrop6: true });
    expect(ipt.evidence).toContainEqual({
      file: "/etc/firewalld/direct.xml",
      detail: "direct rule ipv4 filter INPUT priority 0: -p tcp --dport 8080 -j ACCEPT: accepts packets that can carry the loopback source before the zones (FirewallBackend=iptables), so no zone's drop rule sees them",
    });
    expect(ipt.value.zonesAllow).toEqual(["public: services ssh; ports none", "trusted: services none; ports none", "direct rule ipv4 filter INPUT priority 0: -p tcp --dport 8080 -j ACCEPT"]);
    const nft = await collect({ ...spoofed("nftables"), "etc/firewalld/direct.xml": xml });
    expect(nft.value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
    expect(nft.value.zonesAllow?.[2]).toBe("direct rule ipv4 filter INPUT priority 0: -p tcp --dport 8080 -j ACCEPT (FirewallBackend=nftables: the zones still filter what it accepts)");
    // A passthrough inserting an accept-all into INPUT: the same (ipv6 too when it is ip6tables').
    const all = await collect({ ...spoofed("iptables"), "etc/firewalld/direct.xml": DIRECT('  <passthrough ipv="ipv6">-I INPUT -j ACCEPT</passthrough>\n  <passthrough ipv="ipv4">-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080</passthrough>\n') });
    expect(all.value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: false });
    expect(all.value.zonesAllow?.[2]).toBe("direct passthrough ipv6: -I INPUT -j ACCEPT");
    // A direct drop before the accept (lower priority), or an accept only from a network without
    // the loopback address, or only of established traffic: the zones' drop rules still decide.
    for (const ok of [rule("ipv4", -1, "-s 127.0.0.0/8 -j DROP") + rule("ipv4", 0, "-j ACCEPT"), rule("ipv4", 0, "-s 10.0.0.0/8 -j ACCEPT"), rule("ipv4", 0, "-m state --state ESTABLISHED,RELATED -j ACCEPT")]) {
      expect((await collect({ ...spoofed("iptables"), "etc/firewalld/direct.xml": DIRECT(ok) })).value.loopbackSpoofDrop).toBe(true);
    }
    // A network holding 127.0.0.1 (here 0.0.0.0/1) is not one without it.
    expect((await collect({ ...spoofed("iptables"), "etc/firewalld/direct.xml": DIRECT(rule("ipv4", 0, "-s 0.0.0.0/1 -j ACCEPT")) })).value.loopbackSpoofDrop).toBe(false);
    // Through a chain of the direct rules, where the jump stands.
    const chained = DIRECT('  <chain ipv="ipv4" table="filter" chain="mine"/>\n' + rule("ipv4", 0, "-j mine") + rule("ipv4", 0, "-p udp --dport 53 -j ACCEPT", "mine"));
    const c = await collect({ ...spoofed("iptables"), "etc/firewalld/direct.xml": chained });
    expect(c.value.loopbackSpoofDrop).toBe(false);
    expect(c.value.zonesAllow).toContain("direct rule ipv4 filter mine priority 0: -p udp --dport 53 -j ACCEPT");
  });

  it("offline: passthroughs and a RETURN whose order this model does not build leave 4.2.2 unknown, naming them", async () => {
    const pass = (ipv: string, args: string) => `  <passthrough ipv="${ipv}">${args}</passthrough>\n`;
    const drops = rule("ipv4", 0, "-i lo -j ACCEPT") + rule("ipv4", 1, "-s 127.0.0.0/8 -j DROP");
    const cases: [string, string, string][] = [
      ["nftables", drops + pass("ipv4", "-I INPUT -s 127.0.0.0/8 -j DROP") + pass("ipv4", "-I INPUT -j ACCEPT"),
        "direct passthrough ipv4: -I INPUT -j ACCEPT: each -I passthrough goes to the top of INPUT, so the later ones come first; that order is not modelled"],
      ["iptables", pass("ipv4", "-A INPUT -s 127.0.0.0/8 -j DROP"),
        "direct passthrough ipv4: -A INPUT -s 127.0.0.0/8 -j DROP: appended to INPUT after firewalld's own rules, which end in a reject (FirewallBackend=iptables); that order is not modelled"],
      ["nftables", drops + pass("ipv4", "-I INPUT_direct -j ACCEPT"), "direct passthrough ipv4: -I INPUT_direct -j ACCEPT: adds to firewalld's own chain INPUT_direct, which is not modelled"],
      ["nftables", '  <chain ipv="ipv4" table="filter" chain="mine"/>\n' + rule("ipv4", 0, "-j mine") + rule("ipv4", 0, "-j RETURN", "mine") + rule("ipv4", 1, "-s 127.0.0.0/8 -j DROP", "mine"),
        "direct rule ipv4 filter mine priority 0: -j RETURN: a RETURN on the input path is not modelled"],
    ];
    for (const [backend, body, why] of cases) {
      const f = await collect({ ...bare(backend), "etc/firewalld/direct.xml": DIRECT(body) });
      expect(f.value.loopbackSpoofDrop, why).toBeUndefined();
      expect(f.unknown?.loopbackSpoofDrop, why).toBe(`the direct rules' order is not judged: ${why}`);
    }
    // One -I passthrough into INPUT, and -A INPUT on the nftables backend (iptables' own INPUT, before nothing of firewalld's): judged.
    for (const [backend, body] of [["iptables", pass("ipv4", "-I INPUT -s 127.0.0.0/8 -j DROP")], ["nftables", pass("ipv4", "-A INPUT -s 127.0.0.0/8 -j DROP")]]) {
      const f = await collect({ ...bare(backend as string), "etc/firewalld/direct.xml": DIRECT(body as string) });
      expect(f.value.loopbackSpoofDrop).toBe(true);
    }
  });

  it("iptables backend: a direct accept with a match not read (-m set, a negation) comes first: unknown with the rule, never pass", async () => {
    const f = await collect({ ...spoofed("iptables"), "etc/firewalld/direct.xml": DIRECT(rule("ipv4", 0, "-m set --match-set office src -j ACCEPT") + rule("ipv6", 0, "! -s fd00::/8 -j ACCEPT")) });
    expect(f.value.loopbackSpoofDrop).toBeUndefined();
    expect(f.unknown?.["loopbackSpoofDrop"]).toBe(
      "direct rule ipv4 filter INPUT priority 0: -m set --match-set office src -j ACCEPT accepts before the zones (FirewallBackend=iptables) with -m set, a match not read: whether it takes spoofed loopback packets is not judged",
    );
    expect(f.unknown?.["loopbackSpoofDrop6"]).toBe(
      "direct rule ipv6 filter INPUT priority 0: ! -s fd00::/8 -j ACCEPT accepts before the zones (FirewallBackend=iptables) with a negated match (!), a match not read: whether it takes spoofed loopback packets is not judged",
    );
  });

  it("a direct.xml firewalld would refuse, or a passthrough command not read: error with the file and line, never pass", async () => {
    const bad = await collect({ ...spoofed("nftables"), "etc/firewalld/direct.xml": DIRECT(rule("ipv4", 0, "-i lo -j ACCEPT") + '  <rule ipv="ipv4" table="filter" chain="INPUT" priority="high">-j ACCEPT</rule>\n') });
    for (const f of ["zonesAllow", "loopbackSpoofDrop", "loopbackSpoofDrop6"] as const) {
      expect(bad.value[f]).toBeUndefined();
      expect(bad.unknown?.[f]).toBe("the direct rules cannot be judged: /etc/firewalld/direct.xml cannot be read as firewalld reads it: line 4: <rule> priority \"high\": not a number");
    }
    const open = await collect({ ...spoofed("nftables"), "etc/firewalld/direct.xml": "<direct>\n  <rule ipv=\"ipv4\" table=\"filter\" chain=\"INPUT\" priority=\"0\">-j ACCEPT\n" });
    expect(open.unknown?.["loopbackSpoofDrop"]).toMatch(/^the direct rules cannot be judged: \/etc\/firewalld\/direct\.xml cannot be read as firewalld reads it: line 2: <rule> is not closed/);
    const cmd = await collect({ ...spoofed("nftables"), "etc/firewalld/direct.xml": DIRECT('  <passthrough ipv="ipv4">-F INPUT</passthrough>\n') });
    expect(cmd.unknown?.["loopbackSpoofDrop"]).toBe("the direct rules cannot be judged: /etc/firewalld/direct.xml line 3: direct passthrough ipv4: unknown command \"-F\"");
    const hidden = await collect({ ...spoofed("nftables"), "etc/firewalld/direct.xml": { symlink: "../../../../../../outside.xml" } as unknown as string });
    expect(hidden.value.loopbackSpoofDrop).toBeUndefined();
    expect(hidden.unknown?.["loopbackSpoofDrop"]).toMatch(/\/etc\/firewalld\/direct\.xml/);
  });

  it("live: firewall-cmd --direct --get-all-rules / --get-all-passthroughs count; a firewalld without the direct interface has none; a failed read is unknown", async () => {
    const proc = await fixtureRoot({ "1/cmdline": "/sbin/init\0", cmdline: "ro\n", "sys/net/ipv6/conf/all/disable_ipv6": "0\n", "sys/net/ipv6/conf/default/disable_ipv6": "0\n" });
    const live = new HostRoot({ root: "/", proc });
    const bin = await fixtureRoot({ "firewall-cmd": "" });
    await chmod(path.join(bin, "firewall-cmd"), 0o755);
    vi.stubEnv("PATH", bin);
    const listing = [
      "public (default, active)", "  target: default", "  interfaces: eth0", "  services: ssh", "  ports: ", "  rich rules: ",
      '\trule family="ipv4" source address="127.0.0.1" destination NOT address="127.0.0.1" drop', '\trule family="ipv6" source address="::1" destination NOT address="::1" drop', "",
    ].join("\n");
    const run = (direct: Partial<CommandResult>, passthroughs: Partial<CommandResult> = { stdout: "" }): CommandRunner => (argv) => {
      const key = argv.slice(1).join(" ");
      const out: Partial<CommandResult> = key === "--list-all-zones" ? { stdout: listing } : key === "--list-all-policies" ? { stdout: "" } : key === "--direct --get-all-rules" ? direct : passthroughs;
      return Promise.resolve({ argv: [...argv], exitCode: 0, stdout: "", stderr: "", failed: false, timedOut: false, notFound: false, truncated: false, durationMs: 1, ...out });
    };
    try {
      const f = await probe.collect(createProbeContext(live, run({ stdout: "ipv4 filter INPUT 0 -p tcp --dport 9100 -j ACCEPT\n" }, { stdout: "ipv6 -I INPUT -s ::1 -j DROP\n" }), 5000), { backend: "firewalld" });
      expect(f.value).toMatchObject({ view: "live", loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
      expect(f.value.zonesAllow).toContain(`direct rule ipv4 filter INPUT priority 0: -p tcp --dport 9100 -j ACCEPT${existsSync("/etc/firewalld/firewalld.conf") ? "" : " (FirewallBackend=nftables: the zones still filter what it accepts)"}`);
      expect(f.evidence).toContainEqual({ command: `${bin}/firewall-cmd --direct --get-all-rules; ${bin}/firewall-cmd --direct --get-all-passthroughs`, line: 1, detail: "direct passthrough ipv6: -I INPUT -s ::1 -j DROP" });
      const gone = await probe.collect(createProbeContext(live, run({ exitCode: 2, failed: true, stderr: "firewall-cmd: error: unrecognized arguments: --direct\n" }, { exitCode: 2, failed: true, stderr: "firewall-cmd: error: unrecognized arguments: --direct\n" }), 5000), { backend: "firewalld" });
      expect(gone.value).toMatchObject({ loopbackSpoofDrop: true, loopbackSpoofDrop6: true });
      expect(gone.evidence).toContainEqual({ command: "firewall-cmd --direct --get-all-rules", detail: "not an option of this firewalld (no direct interface): no direct rules" });
      const refused = await probe.collect(createProbeContext(live, run({ exitCode: 11, failed: true, stderr: "Authorization failed.\n" }), 5000), { backend: "firewalld" });
      expect(refused.value.loopbackSpoofDrop).toBeUndefined();
      expect(refused.unknown?.["loopbackSpoofDrop"]).toBe(`the direct rules cannot be judged: ${bin}/firewall-cmd --direct --get-all-rules failed: Authorization failed.`);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
