/**
 * Differential test (issue 12, items 2 and 3): the verdicts of the shipped units and of
 * the DaemonSet layout equal those of `nodeward scan` run as root on the same system,
 * check by check — status, observed value, message and evidence. Every difference fails.
 *
 * The system is a copy of the cached Debian 12 root booted with `systemd-nspawn -b`, with
 * facts a sandbox could hide planted in it:
 *   - a kernel module tree for the running kernel (/usr/lib/modules/<uname -r>: modules.dep,
 *     modules.builtin, squashfs.ko, cramfs.ko) — ProtectKernelModules= hides it;
 *   - a world-writable file in /var/tmp — PrivateTmp= hides it (CIS 7.1.11, KISA U-15);
 *   - a regular file in /dev — PrivateDevices= hides it (KISA U-16);
 *   - a user's home with a .rhosts file — ProtectHome=yes would hide it;
 *   - a listener owned by that user — ProtectProc= without CAP_SYS_PTRACE would hide its owner;
 *   - running and stopped services — their state comes from the container's systemd.
 * Compared with the CLI as root (run twice, before and after, to show the system held still):
 *   1. nodeward.service (the agent, its scan at start, read from its state file);
 *   2. nodeward-scan.service (the timer's one-shot scan, its report.json);
 *   3. the DaemonSet layout: in a private mount namespace the container's / is bound
 *      read-only (recursively) at /host, and `nodeward scan --root /host` runs as uid 65534
 *      with only CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (ambient) and no_new_privs, as the
 *      pod's agent does after the image's nodeward-drop-root; so the services' state comes
 *      from systemd over the system bus at /host/run/dbus/system_bus_socket.
 * The real image, on this machine, is test/integration/daemonset-parity.test.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile, appendFile, chmod } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRoot, debianRoot, ensureBuilt, inCI, isRoot, removeCopies, REPO_ROOT, run } from "./helpers.js";
import { NspawnContainer } from "./nspawn.js";
import { DAEMONSET_DIFF, DAEMONSET_MAY_NOT_SEE, diffReports, loadReport, unseenResults, type ComparedReport } from "./parity-compare.js";

const haveNspawn = spawnSync("sh", ["-c", "command -v systemd-nspawn && command -v nsenter"], { encoding: "utf8" }).status === 0;
if (!haveNspawn && inCI()) {
  throw new Error("systemd-nspawn is not installed: test/integration/setup.sh installs it (Debian package systemd-container)");
}

const KERNEL = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim();
const timings: [string, number][] = [];
async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await f();
  } finally {
    timings.push([label, (performance.now() - t) / 1000]);
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(exclude: number[] = []): Promise<number> {
  // 19500-19599: clear of install-systemd (19900-19999) and agent-prometheus (19000-19899).
  for (let i = 0; i < 200; i++) {
    const p = 19500 + Math.floor(Math.random() * 100);
    if (exclude.includes(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(p, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
  throw new Error("no free port in 19500-19599");
}

let work = "";
let root = "";
const ct = new NspawnContainer();
/** Reports by name: cli, cli-again, agent, scan-service, daemonset. */
const reports = new Map<string, ComparedReport>();

/** A file the container wrote under its own /run (a tmpfs only its namespaces see). */
const ctFile = (p: string) => path.join(`/proc/${ct.pid}/root`, p);

async function cliScan(name: string): Promise<void> {
  const out = `/run/nw-${name}.json`;
  const r = await ct.exec(["nodeward", "scan", "--deep", "--quiet", "--format", "json", "-o", out], 300_000);
  expect([0, 1], `${r.stdout}${r.stderr}`).toContain(r.exitCode);
  reports.set(name, await loadReport(ctFile(out)));
}

/** The agent's journal, saved after the reports are collected: shown when its report differs. */
let agentJournal = "";

function expectSame(a: string, b: string): void {
  const ra = reports.get(a);
  const rb = reports.get(b);
  if (!ra || !rb) throw new Error(`missing report: ${a} ${!!ra}, ${b} ${!!rb}`);
  // The DaemonSet cannot read the node's live firewall rules (parity-compare.ts): those
  // checks are `error` saying so there, never a verdict; everything else is equal.
  const options = b === "daemonset" ? DAEMONSET_DIFF : {};
  const diffs = diffReports(ra, rb, [a, b], options);
  const journal = b === "agent" && diffs.length > 0 ? `\nnodeward.service journal:\n${agentJournal}` : "";
  expect(diffs.join("\n"), `${diffs.length} difference(s) between ${a} and ${b}${journal}`).toBe("");
  const unseen = unseenResults(ra, rb, options);
  for (const k of unseen) expect(k, "only CIS section 4 (host-based firewall) and the loaded audit rules may be unseen").toMatch(DAEMONSET_MAY_NOT_SEE);
  if (unseen.length === 0) expect(rb.summary).toEqual(ra.summary);
}

describe("parity: the shipped units and the DaemonSet layout give the CLI's verdicts (booted Debian 12)", () => {
  if (!isRoot() || !haveNspawn) {
    if (inCI()) it("runs as root with systemd-nspawn", () => expect.fail(`needs root and systemd-nspawn under CI (uid ${process.getuid?.()}, nspawn ${haveNspawn})`));
    else it.skip("needs root and systemd-nspawn: run `sudo npm run test:integration`", () => {});
    return;
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(process.env.NODEWARD_TEST_TMP || tmpdir(), "nodeward-parity-"));
    const agentPort = await freePort();
    const userPort = await freePort([agentPort]);
    await timed("release tarball", async () => {
      ensureBuilt();
      const r = await run(["bash", "scripts/release.sh", "--dist", "dist", "--out", work], { cwd: REPO_ROOT, timeoutMs: 300_000 });
      if (r.exitCode !== 0) throw new Error(`scripts/release.sh failed (${r.exitCode}):\n${r.stdout}${r.stderr}`);
      const tarball = r.stdout.trim().split("\n").at(-1)?.split(" ")[0] ?? "";
      await mkdir(path.join(work, "release"));
      const x = await run(["tar", "xzf", tarball, "-C", path.join(work, "release"), "--strip-components=1"]);
      if (x.exitCode !== 0) throw new Error(`tar: ${x.stderr}`);
    });
    await timed("copy the cached Debian root", async () => {
      root = await copyRoot(debianRoot());
    });
    const mask = await run(["systemctl", `--root=${root}`, "mask", "ssh.service", "ssh.socket"]);
    expect(mask.exitCode, mask.stderr).toBe(0);

    // Facts a sandbox could hide.
    const mod = path.join(root, "usr/lib/modules", KERNEL);
    await mkdir(path.join(mod, "kernel/fs/squashfs"), { recursive: true });
    await mkdir(path.join(mod, "kernel/fs/cramfs"), { recursive: true });
    await writeFile(path.join(mod, "modules.dep"), "kernel/fs/squashfs/squashfs.ko:\nkernel/fs/cramfs/cramfs.ko:\n");
    await writeFile(path.join(mod, "modules.builtin"), "kernel/fs/ext4/ext4.ko\nkernel/fs/fat/vfat.ko\n");
    // An ELF-looking module file (its contents are not read; its path is listed by modules.dep).
    const ko = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(4089)]);
    await writeFile(path.join(mod, "kernel/fs/squashfs/squashfs.ko"), ko);
    await writeFile(path.join(mod, "kernel/fs/cramfs/cramfs.ko"), ko);
    await writeFile(path.join(root, "var/tmp/nodeward-parity-ww"), "world-writable\n");
    await chmod(path.join(root, "var/tmp/nodeward-parity-ww"), 0o666);
    const useradd = await run(["chroot", root, "useradd", "-m", "-s", "/bin/bash", "alice"]);
    expect(useradd.exitCode, useradd.stderr).toBe(0);
    await writeFile(path.join(root, "home/alice/.rhosts"), "+ +\n", { mode: 0o600 });
    await run(["chroot", root, "chown", "alice:alice", "/home/alice/.rhosts"]);
    await mkdir(path.join(root, "opt/parity"), { recursive: true });
    await writeFile(path.join(root, "opt/parity/listen.js"), `require("node:net").createServer((s) => s.end()).listen(${userPort}, "127.0.0.1");\n`);
    await mkdir(path.join(root, "host"));
    await mkdir(path.join(root, "etc/nodeward"), { recursive: true });
    await writeFile(path.join(root, "etc/nodeward/config.yaml"), `# set by the parity test\nlisten: 127.0.0.1:${agentPort}\ndeep: true\n`);

    await timed("boot", () =>
      ct.boot({
        root,
        machine: `nwparity${process.pid}`,
        log: path.join(work, "nspawn.log"),
        // Its own network namespace: the host's listeners (other tests) come and go and
        // would make the listening-port checks differ between two scans.
        args: ["--private-network", `--bind-ro=${process.execPath}:/usr/local/bin/node`, `--bind-ro=${path.join(work, "release")}:/opt/release`],
      }),
    );
    await ct.execOk(["sh", "-c", "echo stray > /dev/nodeward-parity-stray"]);
    await ct.execOk(["systemd-run", "--uid=alice", "--unit=parity-alice", "/usr/local/bin/node", "/opt/parity/listen.js"]);
    await timed("install.sh", async () => {
      const r = await ct.exec(["/opt/release/install.sh"]);
      expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(0);
    });
    await appendFile(path.join(root, "etc/default/nodeward"), 'NODEWARD_SCAN_ARGS="--deep"\n');
    // Once before comparing: the scan service's first run creates files (report.json) that
    // the deep walks of later scans count.
    await timed("nodeward-scan.service (first run)", () => startScanService());
  }, 600_000);

  /** Run the timer's one-shot scan; when it fails, say why (its journal). */
  async function startScanService(): Promise<void> {
    const r = await ct.exec(["systemctl", "start", "nodeward-scan.service"], 300_000);
    if (r.exitCode === 0) return;
    const log = await ct.exec(["journalctl", "-u", "nodeward-scan.service", "--no-pager", "-n", "40"]);
    throw new Error(`systemctl start nodeward-scan.service → exit ${r.exitCode}\n${r.stderr}\n${log.stdout}`);
  }

  afterAll(async () => {
    await ct.shutdown();
    await removeCopies();
    if (work) await rm(work, { recursive: true, force: true });
    process.stdout.write(`\nunit-parity timings:\n${timings.map(([l, s]) => `  ${s.toFixed(1).padStart(6)} s  ${l}`).join("\n")}\n`);
  }, 60_000);

  it("collects the reports: agent (its scan at start), CLI as root, scan service, DaemonSet layout, CLI again", async () => {
    // The agent's scan at start, after everything above is in place.
    const stateFile = path.join(root, "var/lib/nodeward/agent/state.json");
    type State = { latest?: { id?: string; trigger: string } };
    const latest = async (): Promise<State["latest"]> => ((JSON.parse(await readFile(stateFile, "utf8").catch(() => "{}")) as State).latest);
    // Once restart returns, the agent from boot has stopped; its scan (if it finished one)
    // is in the state file. Wait for the new agent's own scan at start: another id.
    await ct.execOk(["systemctl", "restart", "nodeward.service"]);
    const previous = (await latest())?.id;
    await timed("agent scan at start", async () => {
      for (let i = 0; i < 1200; i++) {
        const l = await latest();
        if (l?.trigger === "start" && l.id !== previous) break;
        await sleep(250);
      }
    });
    reports.set("agent", await loadReport(stateFile));

    await timed("CLI scan as root", () => cliScan("cli"));
    await timed("nodeward-scan.service", () => startScanService());
    reports.set("scan-service", await loadReport(path.join(root, "var/lib/nodeward/scan/report.json")));

    const daemonset = [
      "set -e",
      "mount --rbind / /host",
      // recursiveReadOnly: every mount under /host read-only, not just the top one.
      'findmnt -R -n -r -o TARGET /host | while read -r m; do mount -o remount,bind,ro "$m" 2>/dev/null || true; done',
      "install -d -m 0700 -o 65534 -g 65534 /run/nw-ds",
      // deploy/Dockerfile's nodeward-drop-root, with no_new_privs as allowPrivilegeEscalation: false sets it.
      "exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+dac_read_search,+sys_ptrace " +
        "--ambient-caps=-all,+dac_read_search,+sys_ptrace --bounding-set=-all,+dac_read_search,+sys_ptrace --no-new-privs -- " +
        "/usr/local/bin/node /opt/release/dist/cli/main.js scan --root /host --deep --quiet --format json -o /run/nw-ds/report.json",
    ].join("\n");
    await timed("DaemonSet layout scan (--root /host)", async () => {
      const r = await ct.exec(["unshare", "-m", "--propagation", "private", "sh", "-c", daemonset], 300_000);
      expect([0, 1], `${r.stdout}${r.stderr}`).toContain(r.exitCode);
    });
    reports.set("daemonset", await loadReport(ctFile("/run/nw-ds/report.json")));
    agentJournal = (await ct.exec(["journalctl", "-u", "nodeward.service", "--no-pager", "-n", "60", "-o", "short-monotonic"])).stdout;
    await timed("CLI scan as root (again)", () => cliScan("cli-again"));
    expect([...reports.keys()].sort()).toEqual(["agent", "cli", "cli-again", "daemonset", "scan-service"]);
  });

  it("the system held still: two CLI scans agree", () => expectSame("cli", "cli-again"));

  it("the planted facts are seen by the CLI (else the comparison proves nothing)", () => {
    const cli = reports.get("cli") as ComparedReport;
    const find = (pack: string, id: string) => cli.results.find((r) => r.pack === pack && r.id === id);
    expect(JSON.stringify(find("cis-debian-12", "1.1.1.7")?.evidence)).toContain(`/lib/modules/${KERNEL}/modules.dep`);
    expect(find("cis-debian-12", "7.1.11")?.status).toBe("fail");
    expect(JSON.stringify(find("cis-debian-12", "7.1.11")?.evidence)).toContain("/var/tmp/nodeward-parity-ww");
    expect(find("kisa-unix", "U-16")?.status).toBe("fail");
    expect(JSON.stringify(find("kisa-unix", "U-16")?.evidence)).toContain("/dev/nodeward-parity-stray");
    // Service state from the container's systemd: cron runs.
    expect(cli.results.flatMap((r) => r.evidence ?? [])).toContainEqual(
      expect.objectContaining({ unit: "cron.service", detail: "ActiveState=active (from systemd over D-Bus)" }),
    );
  });

  it("D-Bus answers agree with systemctl is-active for every unit the scan asked about", async () => {
    const cli = reports.get("cli") as ComparedReport;
    const seen = new Map<string, string>();
    for (const r of cli.results) {
      for (const e of r.evidence as { unit?: string; detail?: string }[]) {
        const m = /^ActiveState=(\S+)/.exec(e.detail ?? "");
        if (e.unit && m?.[1]) seen.set(e.unit, m[1]);
      }
    }
    expect(seen.size).toBeGreaterThan(3);
    const units = [...seen.keys()].sort();
    const r = await ct.exec(["systemctl", "is-active", ...units]);
    expect(r.stdout.trim().split("\n")).toEqual(units.map((u) => seen.get(u)));
  });

  it("nodeward.service (the agent) = CLI as root", () => expectSame("cli", "agent"));
  it("nodeward-scan.service = CLI as root", () => expectSame("cli", "scan-service"));
  it("DaemonSet layout (host read-only at /host, two capabilities) = CLI as root", () => expectSame("cli", "daemonset"));
});
