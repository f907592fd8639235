/**
 * nodeward-firewall-snapshot.service: as root it writes read-only snapshots of the live firewall
 * rules for the unprivileged agent and scan unit (src/probes/firewall.ts reads them). Its
 * ExecStart= line is run here as the unit would run it, with the shell's $$ and %% unescaped, its
 * directory moved into a temp dir, root:nodeward replaced by this process's uid:gid, and fake
 * commands first in PATH. The units that wire it (the agent and the scan unit want it and start
 * after it; its timer runs it every 5 minutes with the agent) are checked here too; the booted
 * install is test/integration/install-systemd.test.ts.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../../helpers/cli.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { SNAPSHOT_DIR, SNAPSHOT_MAX_AGE_S } from "../../../src/probes/firewall.js";

afterAll(cleanupFixtures);

const run = promisify(execFile);

const unitText = (name: string) => readFile(path.join(REPO, "systemd", name), "utf8");
/** A unit's directives (comments and sections dropped) as "Key=value" lines. */
const directives = async (name: string) => (await unitText(name)).split("\n").filter((l) => /^[A-Z]\w*=/.test(l));

async function snapshotLine(): Promise<string> {
  const exec = (await directives("nodeward-firewall-snapshot.service")).filter((l) => l.startsWith("Exec"));
  expect(exec).toHaveLength(1);
  const line = exec[0] as string;
  // Root (no User=); the script is one sh -c argument.
  expect(line.startsWith("ExecStart=/bin/sh -c '")).toBe(true);
  const quoted = line.slice("ExecStart=/bin/sh -c '".length, -1);
  // systemd expands %-specifiers in ExecStart= (%s is the user's shell): every % is written %%.
  expect(quoted.replace(/%%/g, "").match(/%./g) ?? []).toEqual([]);
  return quoted.replace(/\$\$/g, "$").replace(/%%/g, "%");
}

async function fakeBin(scripts: Record<string, string>): Promise<string> {
  const dir = await fixtureRoot({});
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(dir, name), 0o755);
  }
  return dir;
}

describe("nodeward-firewall-snapshot.service", () => {
  it("runs as root with only the capabilities the listings and the chown need, writing only under /run", async () => {
    const d = await directives("nodeward-firewall-snapshot.service");
    expect(d.filter((l) => /^(User|Group|DynamicUser)=/.test(l))).toEqual([]);
    expect(d).toContain("Type=oneshot");
    expect(d).toContain("CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_CHOWN");
    expect(d).toContain("ProtectSystem=strict");
    expect(d.filter((l) => l.startsWith("ReadWritePaths="))).toEqual(["ReadWritePaths=/run"]);
    expect(d).toContain("NoNewPrivileges=yes");
    // The host's network namespace: the rules listed are the node's.
    expect(d.filter((l) => /^(PrivateNetwork|NetworkNamespacePath)=/.test(l))).toEqual([]);
  });

  it("is taken before the agent and the scan unit start, and every 5 minutes while the agent runs", async () => {
    for (const unit of ["nodeward.service", "nodeward-scan.service"]) {
      const d = await directives(unit);
      expect(d, unit).toContain("Wants=nodeward-firewall-snapshot.service");
      expect(d, unit).toContain("After=nodeward-firewall-snapshot.service");
      expect(d.filter((l) => l.startsWith("ExecStartPre=")), unit).toEqual([]);
    }
    const t = await directives("nodeward-firewall-snapshot.timer");
    expect(t).toEqual([
      "Description=Refresh nodeward's firewall snapshot every 5 minutes while the agent runs",
      "Documentation=file:///usr/lib/nodeward/README.md",
      "PartOf=nodeward.service",
      "OnActiveSec=5min",
      "OnUnitActiveSec=5min",
      "AccuracySec=30s",
      "Unit=nodeward-firewall-snapshot.service",
      "WantedBy=nodeward.service",
    ]);
    // 5 minutes plus the timer's accuracy stays well inside the probe's 15-minute limit.
    expect(SNAPSHOT_MAX_AGE_S).toBe(900);
    // install.sh ships, enables (and on uninstall disables and removes) both.
    const install = await readFile(path.join(REPO, "install.sh"), "utf8");
    expect(install).toMatch(/^UNITS=\([^)]*nodeward-firewall-snapshot\.service nodeward-firewall-snapshot\.timer\)$/m);
    expect(install).toMatch(/^ENABLEABLE=\([^)]*nodeward-firewall-snapshot\.timer\)$/m);
  });

  it("only lists (nft list ruleset, iptables-save, ip6tables-save, firewall-cmd getters and ipsets) and writes only under /run/nodeward/firewall", async () => {
    const script = await snapshotLine();
    expect(script).toContain("r=/run/nodeward; d=$r/firewall;");
    expect(SNAPSHOT_DIR).toBe("/run/nodeward/firewall");
    expect([...script.matchAll(/snap (\S+) ([^;]+);/g)].map((m) => `${m[1]}: ${m[2]}`)).toEqual([
      "nft-list-ruleset: nft list ruleset",
      "iptables-save: iptables-save",
      "ip6tables-save: ip6tables-save",
      "firewall-cmd-list-all-zones: firewall-cmd --list-all-zones",
      "firewall-cmd-get-default-zone: firewall-cmd --get-default-zone",
      "firewall-cmd-list-all-policies: firewall-cmd --list-all-policies",
      "firewall-cmd-direct-get-all-rules: firewall-cmd --direct --get-all-rules",
      "firewall-cmd-direct-get-all-passthroughs: firewall-cmd --direct --get-all-passthroughs",
      '"firewall-cmd-info-ipset-$i": firewall-cmd --info-ipset="$i"',
    ]);
    expect(script).toContain("s=$(timeout 60 firewall-cmd --get-ipsets 2>/dev/null)");
    expect(script.trim().endsWith("exit 0")).toBe(true);
  });

  it("writes each output whole, 0640 in a 0750 directory; a failing or missing command leaves no file (an old one is removed)", async () => {
    const base = await fixtureRoot({});
    const run_ = path.join(base, "run-nodeward");
    await mkdir(path.join(run_, "firewall"), { recursive: true });
    await writeFile(path.join(run_, "firewall", "iptables-save"), "an old snapshot\n");
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const script = (await snapshotLine()).replace("r=/run/nodeward;", `r=${run_};`).replace(/root:nodeward/g, `${uid}:${gid}`);
    const bin = await fakeBin({
      nft: 'echo "table inet filter {"; echo "}"',
      "iptables-save": 'echo "iptables: Permission denied" >&2; exit 4',
    });
    // No sbin directory in PATH: the real ip6tables-save and firewall-cmd (where installed) stay out of it.
    await run("/bin/sh", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` }, timeout: 30_000 });
    const dir = path.join(run_, "firewall");
    const files = (await readdir(dir)).sort();
    expect(files).toContain("nft-list-ruleset");
    expect(files).not.toContain("iptables-save");
    expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(await readFile(path.join(dir, "nft-list-ruleset"), "utf8")).toBe("table inet filter {\n}\n");
    expect((await stat(path.join(dir, "nft-list-ruleset"))).mode & 0o777).toBe(0o640);
    expect((await stat(dir)).mode & 0o777).toBe(0o750);
    expect((await stat(run_)).mode & 0o777).toBe(0o750);
  });

  it("ipsets: one file per name --get-ipsets lists (a name firewalld would refuse is skipped), stopping at the first that fails; a file of an ipset not written this time is removed", async () => {
    const base = await fixtureRoot({});
    const run_ = path.join(base, "run-nodeward");
    const dir = path.join(run_, "firewall");
    await mkdir(dir, { recursive: true });
    // Left from earlier runs: an ipset since deleted, one listed after the failing one, one still there.
    for (const old of ["gone", "later", "web"]) await writeFile(path.join(dir, `firewall-cmd-info-ipset-${old}`), "an old snapshot\n");
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const script = (await snapshotLine()).replace("r=/run/nodeward;", `r=${run_};`).replace(/root:nodeward/g, `${uid}:${gid}`);
    const calls = path.join(base, "calls");
    const bin = await fakeBin({
      "firewall-cmd": [
        `echo "$*" >> ${calls}`,
        'case "$1" in',
        '  --list-all-zones) echo "public (default, active)";;',
        "  --get-default-zone) echo public;;",
        "  --list-all-policies) ;;",
        '  --direct) [ "$2" = --get-all-rules ] && echo "ipv4 filter INPUT 0 -p tcp --dport 8080 -j ACCEPT"; exit 0;;',
        '  --get-ipsets) echo "web ../evil .hidden a/b broken later";;',
        '  --info-ipset=web) printf "web\\n  type: hash:ip\\n  options: \\n  entries: 127.0.0.1\\n";;',
        "  *) exit 112;;",
        "esac",
      ].join("\n"),
    });
    await run("/bin/sh", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` }, timeout: 30_000 });
    expect((await readdir(dir)).sort()).toEqual([
      "firewall-cmd-direct-get-all-passthroughs", "firewall-cmd-direct-get-all-rules", "firewall-cmd-get-default-zone", "firewall-cmd-info-ipset-web", "firewall-cmd-list-all-policies", "firewall-cmd-list-all-zones",
    ]);
    expect(await readFile(path.join(dir, "firewall-cmd-direct-get-all-rules"), "utf8")).toBe("ipv4 filter INPUT 0 -p tcp --dport 8080 -j ACCEPT\n");
    expect(await readFile(path.join(dir, "firewall-cmd-info-ipset-web"), "utf8")).toBe("web\n  type: hash:ip\n  options: \n  entries: 127.0.0.1\n");
    expect((await stat(path.join(dir, "firewall-cmd-info-ipset-web"))).mode & 0o777).toBe(0o640);
    // The odd names were never asked for; after "broken" failed, "later" was not either.
    expect((await readFile(calls, "utf8")).trim().split("\n")).toEqual([
      "--list-all-zones", "--get-default-zone", "--list-all-policies", "--direct --get-all-rules", "--direct --get-all-passthroughs", "--get-ipsets", "--info-ipset=web", "--info-ipset=broken",
    ]);
    // Without the zones listed (firewalld down), no ipset is asked for and every ipset file goes.
    await writeFile(calls, "");
    const down = await fakeBin({ "firewall-cmd": `echo "$*" >> ${calls}; exit 252` });
    await run("/bin/sh", ["-c", script], { env: { PATH: `${down}:/usr/bin:/bin` }, timeout: 30_000 });
    expect(await readdir(dir)).toEqual([]);
    expect((await readFile(calls, "utf8")).trim().split("\n")).toEqual(["--list-all-zones", "--get-default-zone", "--list-all-policies", "--direct --get-all-rules", "--direct --get-all-passthroughs"]);
  });

  it("ipsets named foo and foo.tmp: each snapshot holds its own ipset (temporary files are dot-files, which no ipset name can be)", async () => {
    const run_ = path.join(await fixtureRoot({}), "run-nodeward");
    const dir = path.join(run_, "firewall");
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const script = (await snapshotLine()).replace("r=/run/nodeward;", `r=${run_};`).replace(/root:nodeward/g, `${uid}:${gid}`);
    const bin = await fakeBin({
      "firewall-cmd": ['case "$1" in', '  --list-all-zones) echo public;;', '  --get-ipsets) echo "foo.tmp foo";;', '  --info-ipset=*) echo "${1#--info-ipset=}";;', "esac"].join("\n"),
    });
    for (let i = 0; i < 2; i++) await run("/bin/sh", ["-c", script], { env: { PATH: `${bin}:/usr/bin:/bin` }, timeout: 30_000 });
    expect(await readFile(path.join(dir, "firewall-cmd-info-ipset-foo"), "utf8")).toBe("foo\n");
    expect(await readFile(path.join(dir, "firewall-cmd-info-ipset-foo.tmp"), "utf8")).toBe("foo.tmp\n");
    expect((await readdir(dir)).filter((f) => f.startsWith("."))).toEqual([]);
  });
});
