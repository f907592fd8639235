/**
 * Live-host remediation against a real booted systemd (systemd-nspawn -b of a copy of the
 * cached Debian 12 root, as install-systemd.test.ts boots it): `nodeward remediate --apply` inside the container
 * stops + disables + masks a real unit (cron.service) and purges a real package (telnet,
 * installed with apt first; the container shares the host network), then `nodeward
 * rollback` re-enables, unmasks and restarts the unit and prints the exact reinstall
 * command for the package, which the test runs. Nothing is mocked.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRoot, debianRoot, ensureBuilt, inCI, isRoot, removeCopies, REPO_ROOT, run, type RunResult } from "./helpers.js";

const haveNspawn = spawnSync("sh", ["-c", "command -v systemd-nspawn && command -v nsenter"], { encoding: "utf8" }).status === 0;
const CT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const NODEWARD = ["/usr/local/bin/node", "/opt/nodeward/dist/cli/main.js"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work = "";
let root = "";
let nspawn: ChildProcess | undefined;
let nspawnExit: Promise<number | null> | undefined;
let cinit = 0;

function inCt(argv: readonly string[], timeoutMs = 180_000): Promise<RunResult> {
  return run(["env", "-i", `PATH=${CT_PATH}`, "LC_ALL=C", "nsenter", "-t", String(cinit), "-a", ...argv], { timeoutMs });
}

async function inCtOk(argv: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await inCt(argv, timeoutMs);
  if (r.exitCode !== 0) throw new Error(`in container: ${argv.join(" ")} → exit ${r.exitCode}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const PACK = `pack: { id: live-test, title: Live remediation test, benchmark: nodeward test, version: "1" }
checks:
  - id: svc-1
    title: cron is not enabled
    severity: medium
    audit: { probe: systemd-unit, params: { unit: cron.service }, expect: { enabled: false } }
    fix: { action: service-disable, params: { unit: cron.service } }
  - id: pkg-1
    title: telnet is not installed
    severity: medium
    audit: { probe: package, params: { name: telnet }, expect: { installed: false } }
    fix: { action: package-purge, params: { name: telnet } }
`;

describe("remediation on a live systemd host (systemd-nspawn -b)", () => {
  if (!isRoot() || !haveNspawn) {
    if (inCI()) it("runs as root with systemd-nspawn", () => expect.fail("needs root and systemd-nspawn under CI"));
    else it.skip("needs root and systemd-nspawn: run `sudo npm run test:integration`", () => {});
    return;
  }

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(process.env.NODEWARD_TEST_TMP || tmpdir(), "nodeward-remediate-live-"));
    root = await copyRoot(debianRoot());
    await mkdir(path.join(root, "opt/nwtest"), { recursive: true });
    await writeFile(path.join(root, "opt/nwtest/pack.yaml"), PACK);
    const log = createWriteStream(path.join(work, "nspawn.log"));
    const child = spawn(
      "systemd-nspawn",
      ["-D", root, "-b", "--register=no", "--keep-unit", `--machine=nwrem${process.pid}`,
        `--bind-ro=${process.execPath}:/usr/local/bin/node`, `--bind-ro=${REPO_ROOT}:/opt/nodeward`],
      { detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    nspawn = child;
    nspawnExit = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    for (let i = 0; i < 300 && !cinit; i++) {
      const r = spawnSync("pgrep", ["-P", String(child.pid), "-x", "systemd"], { encoding: "utf8" });
      cinit = Number(r.stdout.trim().split("\n")[0] || 0);
      if (!cinit) await sleep(100);
    }
    if (!cinit) throw new Error(`the container's systemd did not start; see ${work}/nspawn.log`);
    for (let i = 0; i < 600; i++) {
      const state = (await inCt(["systemctl", "is-system-running"], 10_000)).stdout.trim();
      if (state === "running" || state === "degraded") break;
      await sleep(100);
    }
    // A tiny real package to purge.
    await inCtOk(["apt-get", "update", "-qq"], 300_000);
    await inCtOk(["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq", "telnet"], 300_000);
  }, 600_000);

  afterAll(async () => {
    if (nspawn && nspawn.exitCode === null && nspawn.signalCode === null) {
      nspawn.kill("SIGTERM");
      const done = await Promise.race([nspawnExit, sleep(15_000).then(() => "timeout" as const)]);
      if (done === "timeout" && cinit) {
        spawnSync("kill", ["-KILL", String(cinit)]);
        await Promise.race([nspawnExit, sleep(5000)]);
      }
    }
    await removeCopies();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it("disables + masks a real unit and purges a real package, then rolls both back", async () => {
    expect((await inCt(["systemctl", "is-enabled", "cron.service"])).stdout.trim()).toBe("enabled");
    expect((await inCt(["systemctl", "is-active", "cron.service"])).stdout.trim()).toBe("active");
    const version = (await inCtOk(["dpkg-query", "-W", "-f", "${Version}", "telnet"])).trim();
    expect(version).not.toBe("");

    // Dry run: prints the plan, changes nothing.
    const dry = await inCtOk([...NODEWARD, "remediate", "--packs", "/opt/nwtest/pack.yaml"]);
    expect(dry).toContain("systemctl stop cron.service");
    expect(dry).toContain("systemctl mask cron.service");
    expect(dry).toContain(`DEBIAN_FRONTEND=noninteractive apt-get purge -y telnet`);
    expect(dry).toContain(`apt-get install -y telnet=${version}`);
    expect((await inCt(["systemctl", "is-active", "cron.service"])).stdout.trim()).toBe("active");

    const applied = await inCt([...NODEWARD, "remediate", "--apply", "--yes", "--packs", "/opt/nwtest/pack.yaml"], 600_000);
    expect(applied.exitCode, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/PASS\s+live-test\/svc-1/);
    expect(applied.stdout).toMatch(/PASS\s+live-test\/pkg-1/);
    expect((await inCt(["systemctl", "is-enabled", "cron.service"])).stdout.trim()).toBe("masked");
    expect((await inCt(["systemctl", "is-active", "cron.service"])).stdout.trim()).toBe("inactive");
    expect((await inCt(["dpkg-query", "-W", "-f", "${Status}", "telnet"])).stdout).not.toContain("install ok installed");

    // A second apply has nothing to do.
    const again = await inCtOk([...NODEWARD, "remediate", "--apply", "--yes", "--packs", "/opt/nwtest/pack.yaml"]);
    expect(again).toContain("Nothing to change.");

    const runs = await inCtOk([...NODEWARD, "runs"]);
    expect(runs).toMatch(/complete\s+root \/\s+2 change\(s\)/);

    const rb = await inCt([...NODEWARD, "rollback"], 300_000);
    expect(rb.exitCode, rb.stdout + rb.stderr).toBe(0);
    expect(rb.stdout).toContain("cron.service: started again");
    expect((await inCt(["systemctl", "is-enabled", "cron.service"])).stdout.trim()).toBe("enabled");
    expect((await inCt(["systemctl", "is-active", "cron.service"])).stdout.trim()).toBe("active");
    // The package cannot be undone by nodeward itself: the exact reinstall command is printed; run it.
    const m = /MANUAL\s+reinstall telnet: (.*)$/m.exec(rb.stdout);
    expect(m?.[1]).toBe(`DEBIAN_FRONTEND=noninteractive apt-get install -y telnet=${version}`);
    await inCtOk(["sh", "-c", m?.[1] as string], 300_000);
    expect((await inCtOk(["dpkg-query", "-W", "-f", "${Status} ${Version}", "telnet"])).trim()).toBe(`install ok installed ${version}`);
  }, 900_000);
});
