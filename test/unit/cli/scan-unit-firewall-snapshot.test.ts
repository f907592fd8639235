/**
 * nodeward-scan.service's ExecStartPre=+ line: as root it writes read-only snapshots of the live
 * firewall rules for the unprivileged scan (src/probes/firewall.ts reads them). The line is run
 * here as the unit would run it, with the shell's $$ unescaped, its directory moved into a temp
 * dir, root:nodeward replaced by this process's uid:gid, and fake commands first in PATH.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../../helpers/cli.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

const run = promisify(execFile);

async function snapshotLine(): Promise<string> {
  const unit = await readFile(path.join(REPO, "systemd/nodeward-scan.service"), "utf8");
  const pre = unit.split("\n").filter((l) => l.startsWith("ExecStartPre="));
  expect(pre).toHaveLength(1);
  const line = pre[0] as string;
  // "+": root, outside the sandbox; the script is one sh -c argument.
  expect(line.startsWith("ExecStartPre=+/bin/sh -c '")).toBe(true);
  return line.slice("ExecStartPre=+/bin/sh -c '".length, -1).replace(/\$\$/g, "$");
}

async function fakeBin(scripts: Record<string, string>): Promise<string> {
  const dir = await fixtureRoot({});
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(dir, name), 0o755);
  }
  return dir;
}

describe("the scan unit's firewall snapshot (ExecStartPre=+)", () => {
  it("only lists (nft list ruleset, iptables-save, ip6tables-save, firewall-cmd getters) and writes only under /run/nodeward/firewall", async () => {
    const script = await snapshotLine();
    expect(script).toContain("r=/run/nodeward; d=$r/firewall;");
    expect([...script.matchAll(/snap (\S+) ([^;]+);/g)].map((m) => `${m[1]}: ${m[2]}`)).toEqual([
      "nft-list-ruleset: nft list ruleset",
      "iptables-save: iptables-save",
      "ip6tables-save: ip6tables-save",
      "firewall-cmd-list-all-zones: firewall-cmd --list-all-zones",
      "firewall-cmd-get-default-zone: firewall-cmd --get-default-zone",
    ]);
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
});
