/**
 * firewalld beyond the zone's own services and ports: what its rich rules match (service,
 * port, protocol, icmp-type, forward-port) and what they accept, and its policies (firewalld
 * >= 0.9) — a policy into the host that could let traffic in is shown for the person judging
 * CIS 4.2.1, and one accepting everything makes the anti-spoofing facts unknown with the
 * reason (never a pass the zones alone would give).
 */
import { afterAll, describe, expect, it } from "vitest";
import probe from "../../../src/probes/firewall.js";
import { isLoopbackSpoofDrop, parsePolicyXml, parseRichRule, parseZoneXml, richAccepts } from "../../../src/probes/parse/firewalld.js";
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
