/**
 * Never pass what could not be seen: the firewall probe (CIS section 4), source by source.
 *
 * The compliant node of hidden-facts.test.ts exercises only nftables, and only offline (on
 * its running view, which utility is in use needs the service's running state). Here each
 * backend gets a root on which its section-4 checks pass — nftables with an include,
 * iptables (rules.v4 and rules.v6), ufw (its rules files and /etc/default/ufw), and
 * firewalld (RHEL 9: zone files and firewalld.conf) — and every source those checks read
 * is hidden in turn, unreadable (EACCES) and masked (systemd's inaccessible node), with the
 * machinery of the hidden-facts tables. No check may pass on a hidden source; where the
 * hidden source is a ruleset or zone file, every check that read it is `error` and its
 * message names the path.
 *
 * Then what the table cannot plant: a FIFO where a ruleset file was, a link out of the
 * root (resolved inside it, as the booted system would: the file outside is never read),
 * the live host's snapshot directory unreadable or holding a FIFO or a link, and the
 * "cannot read" reason capped at five paths and a count.
 */
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { CheckResult } from "../../../src/engine/result.js";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import type { CommandResult, CommandRunner } from "../../../src/host/exec.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { formatPackError, type LoadedCheck } from "../../../src/packs/load.js";
import { loadSelection } from "../../../src/packs/selection.js";
import probe, { privilege, snapshotSource, SNAPSHOT_DIR } from "../../../src/probes/firewall.js";
import { cleanupFixtures, fixtureRoot, probeContext, type FixtureSpec } from "../../helpers/fixture-root.js";
import { buildPlan, evaluate, hiddenSourceProblems, hostPathOf, TableHost, type Plan } from "../../helpers/hidden-sources.js";
import { dpkg, enabled } from "../packs/cis-linux-cases.js";

afterAll(cleanupFixtures);
beforeEach(() => {
  vi.spyOn(privilege, "unprivileged").mockReturnValue(false);
});
afterEach(() => {
  vi.restoreAllMocks();
  snapshotSource.dir = SNAPSHOT_DIR;
});

const NFT_CONF = `#!/usr/sbin/nft -f
flush ruleset
include "/etc/nftables.d/*.nft"
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif "lo" accept
    ip saddr 127.0.0.0/8 counter drop
    ip6 saddr ::1 counter drop
    ct state established,related accept
    tcp dport $SSH accept
  }
  chain forward { type filter hook forward priority 0; policy drop; }
  chain output {
    type filter hook output priority 0; policy drop;
    oif "lo" accept
    ct state new,related,established accept
  }
}
`;

const RULES = (src: string): string => `*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
-A INPUT -i lo -j ACCEPT
-A OUTPUT -o lo -j ACCEPT
-A INPUT -s ${src} -j DROP
-A INPUT -p tcp -m state --state ESTABLISHED -j ACCEPT
-A OUTPUT -p tcp -m state --state NEW,ESTABLISHED -j ACCEPT
-A INPUT -p tcp --dport 22 -m state --state NEW -j ACCEPT
COMMIT
`;

const ZONE = (body: string, target = "") => `<?xml version="1.0" encoding="utf-8"?>\n<zone${target}>\n  <short>Z</short>\n${body}</zone>\n`;
const SPOOF = ["ipv4 127.0.0.1", "ipv6 ::1"]
  .map((s) => s.split(" ") as [string, string])
  .map(([family, addr]) => `  <rule family="${family}">\n    <source address="${addr}"/>\n    <destination address="${addr}" invert="True"/>\n    <drop/>\n  </rule>\n`)
  .join("");

const DEBIAN = { "etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' };
const RHEL = { "etc/os-release": 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n' };

/** Per backend: the root on which its checks pass, the pack, and the files the ruleset is read from. */
/** A RHEL 9 root whose firewall is firewalld (running, nftables backend), with the shipped public and trusted zones. */
const FIREWALLD_RHEL: FixtureSpec = {
  ...RHEL,
  "var/lib/dpkg/status": dpkg("nftables", "firewalld"),
  ...enabled("firewalld.service"),
  "etc/firewalld/firewalld.conf": "DefaultZone=public\nFirewallBackend=nftables\n",
  "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n'),
  "usr/lib/firewalld/zones/trusted.xml": ZONE("", ' target="ACCEPT"'),
};

const BACKENDS: { name: string; pack: string; section: RegExp; spec: FixtureSpec; files: RegExp; minPassing: number }[] = [
  {
    name: "nftables",
    pack: "cis-debian-12",
    section: /^4\.(1|3)\./,
    spec: {
      ...DEBIAN,
      "var/lib/dpkg/status": dpkg("nftables"),
      ...enabled("nftables.service"),
      "etc/nftables.conf": NFT_CONF,
      "etc/nftables.d/defines.nft": "define SSH = 22\n",
    },
    files: /^\/etc\/nftables/,
    minPassing: 6,
  },
  {
    name: "iptables",
    pack: "cis-debian-12",
    section: /^4\.(1|4)\./,
    spec: {
      ...DEBIAN,
      "var/lib/dpkg/status": dpkg("iptables", "iptables-persistent"),
      ...enabled("netfilter-persistent.service"),
      "etc/iptables/rules.v4": RULES("127.0.0.0/8"),
      "etc/iptables/rules.v6": RULES("::1"),
    },
    files: /^\/etc\/iptables/,
    minPassing: 8,
  },
  {
    name: "ufw",
    pack: "cis-debian-12",
    section: /^4\.(1|2)\./,
    spec: {
      ...DEBIAN,
      "var/lib/dpkg/status": dpkg("ufw"),
      ...enabled("ufw.service"),
      "etc/ufw/ufw.conf": "ENABLED=yes\nLOGLEVEL=low\n",
      "etc/default/ufw": 'IPV6=yes\nDEFAULT_INPUT_POLICY="DROP"\nDEFAULT_OUTPUT_POLICY="DROP"\nDEFAULT_FORWARD_POLICY="DROP"\n',
      "etc/ufw/before.rules": "*filter\n:ufw-before-input - [0:0]\n:ufw-before-output - [0:0]\n-A ufw-before-input -i lo -j ACCEPT\n-A ufw-before-output -o lo -j ACCEPT\n-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n",
      "etc/ufw/user.rules": "*filter\n:ufw-user-input - [0:0]\n-A ufw-user-input -s 127.0.0.0/8 -j DROP\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
      "etc/ufw/user6.rules": "*filter\n:ufw6-user-input - [0:0]\n-A ufw6-user-input -s ::1 -j DROP\nCOMMIT\n",
    },
    files: /^\/etc\/(ufw|default\/ufw)/,
    minPassing: 5,
  },
  {
    name: "firewalld",
    pack: "cis-rhel-9",
    section: /^4\.(1|2)\./,
    spec: {
      ...FIREWALLD_RHEL,
      "etc/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF}`, ' target="ACCEPT"'),
      // A direct rule that changes no verdict: hidden, it is a source like the zones.
      "etc/firewalld/direct.xml": '<?xml version="1.0" encoding="utf-8"?>\n<direct>\n  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-s 10.0.0.0/8 -p tcp --dport 9100 -j ACCEPT</rule>\n</direct>\n',
    },
    files: /^\/(etc|usr\/lib)\/firewalld/,
    minPassing: 2,
  },
  {
    // The anti-spoofing rules' source an ipset each (/etc/firewalld/ipsets): hidden, 4.2.2 is error.
    name: "firewalld with ipsets",
    pack: "cis-rhel-9",
    section: /^4\.(1|2)\./,
    spec: {
      ...FIREWALLD_RHEL,
      "etc/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF.replace('address="127.0.0.1"/>', 'ipset="lo4"/>').replace('address="::1"/>', 'ipset="lo6"/>')}`, ' target="ACCEPT"'),
      "etc/firewalld/ipsets/lo4.xml": '<?xml version="1.0" encoding="utf-8"?>\n<ipset type="hash:net">\n  <entry>127.0.0.0/8</entry>\n</ipset>\n',
      "etc/firewalld/ipsets/lo6.xml": '<?xml version="1.0" encoding="utf-8"?>\n<ipset type="hash:ip">\n  <option name="family" value="inet6"/>\n  <entry>::1</entry>\n</ipset>\n',
    },
    files: /^\/etc\/firewalld\/ipsets/,
    minPassing: 2,
  },
];

let checksByPack: Map<string, LoadedCheck[]>;
const plans = new Map<string, Plan>();

beforeAll(async () => {
  const sel = await loadSelection({});
  if (sel.errors.length > 0) throw new Error(sel.errors.map(formatPackError).join("\n"));
  checksByPack = new Map(sel.packs.map((p) => [p.meta.id, p.checks]));
  for (const b of BACKENDS) {
    const checks = (checksByPack.get(b.pack) ?? []).filter((c) => b.section.test(c.id));
    plans.set(b.name, await buildPlan(checks, b.spec));
  }
}, 300_000);

const backendOf = (c: LoadedCheck): unknown => (c.audit?.params as { backend?: unknown } | undefined)?.backend;
const firewallChecks = (plan: Plan) => plan.passing.filter((c) => c.audit?.probeId === "firewall" || c.applies.some((a) => a.probeId === "firewall"));

describe("firewall: every source of the section-4 checks hidden in turn", () => {
  for (const b of BACKENDS) {
    describe(b.name, () => {
      it(`the ${b.pack} section-4 checks of ${b.name} pass on its root, reading its ruleset files`, () => {
        const plan = plans.get(b.name) as Plan;
        expect(firewallChecks(plan).length, plan.passing.map((c) => c.key).join(", ")).toBeGreaterThanOrEqual(b.minPassing);
        const files = [...plan.dependents.keys()].map(hostPathOf).filter((p) => b.files.test(p));
        expect(files.length).toBeGreaterThan(0);
      });

      for (const mode of ["unreadable", "masked"] as const) {
        it(`${mode}: no check passes on a hidden source`, { timeout: 300_000 }, async () => {
          const run = await hiddenSourceProblems(plans.get(b.name) as Plan, mode, {}, () => -1);
          expect(run.problems).toEqual([]);
        });
      }

      it("a ruleset or zone file unreadable: every check that read it is error, its message naming the path", { timeout: 300_000 }, async () => {
        const plan = plans.get(b.name) as Plan;
        const wrong: string[] = [];
        let seen = 0;
        for (const [source, checks] of plan.dependents) {
          const hostPath = hostPathOf(source);
          if (!b.files.test(hostPath)) continue;
          seen++;
          const { results } = await evaluate(checks, new TableHost({ root: plan.root, hide: { source, mode: "unreadable" } }));
          checks.forEach((c, i) => {
            const r = results[i] as CheckResult;
            if (r.status !== "error" || !r.message?.includes(hostPath) || !/permission denied/.test(r.message)) wrong.push(`${hostPath}: ${c.key} ${r.status} (${r.message ?? ""})`);
          });
        }
        expect(seen).toBeGreaterThan(0);
        expect(wrong).toEqual([]);
      });
    });
  }
});

// ---------------------------------------------------------------- what the table cannot plant

function mkfifo(p: string): void {
  execFileSync("mkfifo", [p]);
}

describe("firewall: a FIFO or a link where a ruleset file was", () => {
  const iptables = BACKENDS.find((b) => b.name === "iptables") as (typeof BACKENDS)[number];

  it("a FIFO for rules.v4: error naming it (never opened: the scan does not hang), never pass", async () => {
    const root = await fixtureRoot({ ...iptables.spec, "etc/iptables/rules.v4": "" });
    await import("node:fs/promises").then((fs) => fs.rm(`${root}/etc/iptables/rules.v4`));
    mkfifo(`${root}/etc/iptables/rules.v4`);
    const checks = (checksByPack.get("cis-debian-12") ?? []).filter((c) => /^4\.4\./.test(c.id) && c.audit?.probeId === "firewall");
    const { results } = await evaluate(checks, new HostRoot({ root }));
    // Manual checks stay manual (a person judges; the engine's rule), but never pass.
    // 4.4.2.4 (open ports against the live rules) skips on any offline root: nothing listens.
    const v4 = results.filter((r, i) => backendOf(checks[i] as LoadedCheck) === "iptables" && !(checks[i] as LoadedCheck).manual && r.id !== "4.4.2.4");
    expect(v4.length).toBe(2); // 4.4.2.1 default deny, 4.4.2.2 loopback
    // (The ip6tables items read rules.v6, which is there, and may pass.)
    expect(results.filter((r, i) => r.status === "pass" && backendOf(checks[i] as LoadedCheck) === "iptables")).toEqual([]);
    for (const r of v4) {
      expect(r.status, `${r.id}: ${r.message}`).toBe("error");
      expect(r.message).toContain("/etc/iptables/rules.v4");
      expect(r.message).toMatch(/not a regular file/);
    }
  });

  it("a link out of the root resolves inside it, as the booted system would: the compliant ruleset outside is never read", async () => {
    const outside = await fixtureRoot({ "rules.v4": RULES("127.0.0.0/8") });
    const root = await fixtureRoot({ ...iptables.spec, "etc/iptables/rules.v4": { symlink: `../../../../../../..${outside}/rules.v4` } });
    const f = await probe.collect(probeContext(root), { backend: "iptables" });
    expect(f.value.files).toEqual([]);
    expect(f.value.inputPolicy).toBeUndefined();
    expect(f.evidence).toContainEqual({ file: "/etc/iptables/rules.v4", detail: "does not exist" });
    const checks = (checksByPack.get("cis-debian-12") ?? []).filter((c) => /^4\.4\./.test(c.id) && backendOf(c) === "iptables");
    const { results } = await evaluate(checks, new HostRoot({ root }));
    expect(results.filter((r) => r.status === "pass").map((r) => r.id)).toEqual([]);
  });

  it("the reason names five unreadable files and counts the rest", async () => {
    const names = ["a", "b", "c", "d", "e", "f", "g"];
    const root = await fixtureRoot({ "etc/firewalld/firewalld.conf": "DefaultZone=public\n", "usr/lib/firewalld/zones/.keep": "" });
    for (const n of names) mkfifo(`${root}/usr/lib/firewalld/zones/${n}.xml`);
    const f = await probe.collect(probeContext(root), { backend: "firewalld" });
    const why = f.unknown?.["defaultZone"] ?? "";
    expect([...new Set(why.match(/\/usr\/lib\/firewalld\/zones\/[a-g]\.xml/g))]).toEqual(names.slice(0, 5).map((n) => `/usr/lib/firewalld/zones/${n}.xml`));
    expect(why).toMatch(/^cannot read .*; and 2 more$/);
    expect(f.value.defaultZone).toBeUndefined();
  });
});

// ---------------------------------------------------------------- the live host's snapshots

const IPV6_ON: FixtureSpec = { "1/cmdline": "/sbin/init\0", cmdline: "BOOT_IMAGE=/vmlinuz root=/dev/sda1\n", "sys/net/ipv6/conf/all/disable_ipv6": "0\n", "sys/net/ipv6/conf/default/disable_ipv6": "0\n" };
const SAVE = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";

/** A runner that fails as netfilter does for a user without CAP_NET_ADMIN, and records what ran. */
function eperm(calls: string[][]): CommandRunner {
  return (argv): Promise<CommandResult> => {
    calls.push([...argv]);
    return Promise.resolve({ argv: [...argv], exitCode: 1, stdout: "", stderr: "iptables-save: Permission denied (you must be root)\n", failed: true, timedOut: false, notFound: false, truncated: false, durationMs: 1 });
  };
}

describe("firewall: the unprivileged scan's snapshot directory, hidden or tampered with", () => {
  beforeEach(() => {
    vi.spyOn(privilege, "unprivileged").mockReturnValue(true);
  });

  async function collect(host: HostRoot): Promise<{ unknown: string | undefined; inputPolicy: unknown }> {
    const f = await probe.collect(createProbeContext(host, eperm([]), 5000), { backend: "iptables" });
    return { unknown: f.unknown?.["inputPolicy"], inputPolicy: f.value.inputPolicy };
  }

  it("the directory unreadable (EACCES): unknown naming the snapshot, never judged from anything else", async () => {
    snapshotSource.dir = await fixtureRoot({ "iptables-save": SAVE });
    const host = new TableHost({ root: "/", proc: await fixtureRoot(IPV6_ON), hide: { source: `root:${snapshotSource.dir}`, mode: "unreadable" } });
    const r = await collect(host);
    expect(r.inputPolicy).toBeUndefined();
    expect(r.unknown).toBe(`${snapshotSource.dir}/iptables-save: EACCES: permission denied, open '${snapshotSource.dir}/iptables-save': the live ruleset cannot be read`);
  });

  it("a FIFO or a link in its place: unknown, not a snapshot only root wrote, never opened or followed", async () => {
    snapshotSource.dir = await fixtureRoot({ "elsewhere/rules": SAVE, "iptables-save": { symlink: "elsewhere/rules" } });
    const proc = await fixtureRoot(IPV6_ON);
    const link = await collect(new HostRoot({ root: "/", proc }));
    expect(link.inputPolicy).toBeUndefined();
    expect(link.unknown).toBe(`${snapshotSource.dir}/iptables-save is a symbolic link: not a snapshot only root could have written, the live ruleset not judged from it`);

    snapshotSource.dir = await fixtureRoot({});
    mkfifo(`${snapshotSource.dir}/iptables-save`);
    const fifo = await collect(new HostRoot({ root: "/", proc }));
    expect(fifo.inputPolicy).toBeUndefined();
    expect(fifo.unknown).toBe(`${snapshotSource.dir}/iptables-save is not a regular file: not a snapshot only root could have written, the live ruleset not judged from it`);
  });
});
