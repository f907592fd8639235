import { afterAll, it } from "vitest";
import { HostRoot } from "../../../src/host/host-root.js";
import type { ReadOptions } from "../../../src/host/host-root.js";
import { runScan } from "../../../src/engine/run-scan.js";
import { loadPacks } from "../../../src/packs/load.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { reporters } from "../../../src/report/index.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { compliantDebianNode, dpkgStatus, layer } from "../../helpers/compliant-debian-node.js";
import { dpkg, enabled } from "../packs/cis-linux-cases.js";
import { writeFileSync } from "node:fs";
afterAll(cleanupFixtures);
class Rec extends HostRoot {
  read = new Set<string>();
  override async readFile(p: string, o: ReadOptions = {}): Promise<string> {
    const t = await super.readFile(p, o); this.read.add(p); return t;
  }
}
const ZONE = (body: string, target = "") => `<?xml version="1.0" encoding="utf-8"?>\n<zone${target}>\n  <short>Z</short>\n${body}</zone>\n`;
const SPOOF = ["ipv4 127.0.0.1", "ipv6 ::1"].map((s) => s.split(" ") as [string, string])
  .map(([family, addr]) => `  <rule family="${family}">\n    <source address="${addr}"/>\n    <destination address="${addr}" invert="True"/>\n    <drop/>\n  </rule>\n`).join("");
const RHEL = { "etc/os-release": 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n' };
const SECRETS = ["plntdboot19xyzq", "PLANTEDHDR19", "PLANTEDSSH19", "PLANTEDSUDO19", "PLANTEDFWD19", "PLANTEDNFT19", "PLANTEDRSYS19", "PLANTEDJRNL19"];
it("explore", async () => {
  const base = compliantDebianNode();
  const text = (p: string) => { const e = base[p]; return typeof e === "string" ? e : (e as { content: string }).content; };
  const running = layer(base, {
    "var/lib/dpkg/status": dpkgStatus(["rsyslog"]),
    "etc/ssh/sshd_config": text("etc/ssh/sshd_config") + "# root password is PLANTEDSSH19\n",
    "etc/sudoers": "# vault password: PLANTEDSUDO19\n" + text("etc/sudoers"),
    "etc/rsyslog.conf": 'action(type="omhttp" server="logs.example" uid="u" pwd="PLANTEDRSYS19")\n' + text("etc/rsyslog.conf"),
    "etc/systemd/journal-upload.conf": "[Upload]\nURL=https://u:PLANTEDJRNL19@logs.example:19532\n",
    "etc/kubernetes/manifests/kube-apiserver.yaml": text("etc/kubernetes/manifests/kube-apiserver.yaml").replace("      image: ", "      env:\n        - name: BOOTSTRAP_TOKEN\n          value: abcdef.plntdboot19xyzq\n      image: "),
    "var/lib/kubelet/config.yaml": text("var/lib/kubelet/config.yaml") + "staticPodURLHeader:\n  Authorization:\n    - Bearer PLANTEDHDR19abcdefgh\n",
  });
  const image = Object.fromEntries(Object.entries(base).filter(([k]) => !k.startsWith("proc/")));
  const nft = layer(image, { "etc/nftables.conf": text("etc/nftables.conf").replace("policy drop;", 'policy drop;\n    tcp dport 2222 accept comment "password=PLANTEDNFT19"') });
  const fwd: FixtureSpec = { ...RHEL, "var/lib/dpkg/status": dpkg("nftables", "firewalld"), ...enabled("firewalld.service"),
      "etc/firewalld/firewalld.conf": "DefaultZone=public\nFirewallBackend=nftables\n",
      "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n'),
      "etc/firewalld/zones/public.xml": ZONE('  <description>password=PLANTEDFWD19</description>\n  <service name="ssh"/>\n'),
      "usr/lib/firewalld/zones/trusted.xml": ZONE("", ' target="ACCEPT"'),
      "etc/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF}`, ' target="ACCEPT"') };
  const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
  const out: string[] = [];
  for (const [name, spec] of Object.entries({ running, nft, fwd })) {
    const root = await fixtureRoot(spec);
    const host = new Rec({ root });
    const report = await runScan({ host, packs: loaded.packs, inventory: false, deep: false });
    out.push(`== ${name}: ${[...host.read].filter((p) => /sshd|sudoers|rsyslog|journal-upload|apiserver|kubelet\/config|nftables|firewalld/.test(p)).join(" ")}`);
    for (const [rn, r] of Object.entries({ ...reporters, raw: { render: (x: unknown) => JSON.stringify(x) } })) {
      const o = (r as { render: (x: typeof report) => string }).render(report);
      for (const s of SECRETS) if (o.includes(s)) { const i = o.indexOf(s); out.push(`LEAK ${name} ${rn} ${s}: ${o.slice(Math.max(0, i - 200), i + 40)}`); }
    }
    writeFileSync(`/tmp/hx/${name}.json`, JSON.stringify(report, null, 1));
  }
  writeFileSync("/tmp/hx/explore.txt", out.join("\n"));
}, 600_000);
