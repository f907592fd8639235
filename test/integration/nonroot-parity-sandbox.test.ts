/**
 * Never pass what it cannot see, under a systemd sandbox: in a booted Debian 12 container,
 * every bundled pack is scanned by the CLI as root (a transient service without a sandbox),
 * then as a transient service (`systemd-run`) with the shipped unit's hardening properties (systemd/nodeward.service,
 * its [Service] section as -p options) in two ways it is often deployed wrong:
 *   1. without its capabilities (User=nobody, an empty CapabilityBoundingSet=, no ambient
 *      capabilities): root-only files, other users' homes and processes are unreadable;
 *   2. with them, and over-hardened: ProtectHome=yes, PrivateTmp=yes, PrivateDevices=yes,
 *      ProtectKernelModules=yes and ProcSubset=pid (the options the unit leaves off because
 *      they replace parts of the host's tree with empty ones).
 * and the DaemonSet layout (the host's / bound read-only at /host, `scan --root /host`) as
 * nobody without the two capabilities the image keeps.
 * Each is compared with root's scan check by check (nonroot-parity-compare.ts): a result
 * may only become an error or skip naming what it could not read or what hid it (a mount),
 * never flip, never fail on a guess. Facts such a sandbox hides are planted: a module tree
 * for the running kernel, a world-writable file in /var/tmp, a regular file in /dev, a
 * user's home with a .rhosts file (as in unit-parity.test.ts).
 */
import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRoot, debianRoot, ensureBuilt, inCI, isRoot, removeCopies, REPO_ROOT, run } from "./helpers.js";
import { compareNonroot, type Comparison, type NrReport } from "./nonroot-parity-compare.js";
import { DAEMONSET_UNSEEN, DAEMONSET_UNSEEN_EVIDENCE } from "./parity-compare.js";
import { NspawnContainer } from "./nspawn.js";

const haveNspawn = spawnSync("sh", ["-c", "command -v systemd-nspawn && command -v nsenter"], { encoding: "utf8" }).status === 0;
const KERNEL = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim();
const CLI = ["/usr/local/bin/node", "/opt/nodeward/dist/cli/main.js", "scan", "--deep", "--quiet", "--format", "json"];

/**
 * The shipped unit's [Service] settings that confine the process, as `systemd-run -p`
 * options: everything but how it starts and restarts, its state directory and the agent's
 * own node flags (passed by /usr/bin/nodeward, not used here).
 */
async function unitSandbox(): Promise<string[]> {
  const text = await readFile(path.join(REPO_ROOT, "systemd/nodeward.service"), "utf8");
  const service = text.slice(text.indexOf("[Service]"), text.indexOf("[Install]"));
  const skip = /^(Type|NotifyAccess|EnvironmentFile|ExecStart|Restart|RestartSec|TimeoutStopSec|StateDirectory|StateDirectoryMode|User|Group)=|^Environment="NODEWARD_NODE_FLAGS=/;
  return service
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith("[") && !skip.test(l));
}

const ct = new NspawnContainer();
let work = "";
let root = "";
const reports = new Map<string, NrReport>();
const figures: string[] = [];

/** Of `paths` (inside the container), those nobody cannot read there by their modes (outside any sandbox). */
async function unreadableAsNobody(paths: readonly string[]): Promise<Set<string>> {
  const script = `const fs = require("node:fs"); const out = [];
for (const p of ${JSON.stringify(paths)}) {
  try { const st = fs.statSync(p); fs.accessSync(p, st.isDirectory() ? fs.constants.R_OK | fs.constants.X_OK : fs.constants.R_OK); }
  catch (e) { if (e.code !== "ENOENT") out.push(p); }
}
process.stdout.write(JSON.stringify(out));`;
  const r = await ct.exec(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--", "/usr/local/bin/node", "-e", script]);
  expect(r.exitCode, r.stderr).toBe(0);
  return new Set(JSON.parse(r.stdout) as string[]);
}

describe("parity under a systemd sandbox: the shipped unit's hardening, misconfigured two ways (booted Debian 12)", () => {
  if (!isRoot() || !haveNspawn) {
    if (inCI()) it("runs as root with systemd-nspawn", () => expect.fail(`needs root and systemd-nspawn under CI (uid ${process.getuid?.()}, nspawn ${haveNspawn})`));
    else it.skip("needs root and systemd-nspawn: run `sudo npm run test:integration`", () => {});
    return;
  }

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(process.env.NODEWARD_TEST_TMP || tmpdir(), "nodeward-nonroot-sandbox-"));
    root = await copyRoot(debianRoot());
    const mask = await run(["systemctl", `--root=${root}`, "mask", "ssh.service", "ssh.socket"]);
    expect(mask.exitCode, mask.stderr).toBe(0);
    // Facts a sandbox could hide.
    const mod = path.join(root, "usr/lib/modules", KERNEL);
    await mkdir(path.join(mod, "kernel/fs/squashfs"), { recursive: true });
    await writeFile(path.join(mod, "modules.dep"), "kernel/fs/squashfs/squashfs.ko:\n");
    await writeFile(path.join(mod, "modules.builtin"), "kernel/fs/ext4/ext4.ko\n");
    await writeFile(path.join(mod, "kernel/fs/squashfs/squashfs.ko"), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(4089)]));
    await writeFile(path.join(root, "var/tmp/nodeward-sandbox-ww"), "world-writable\n");
    await chmod(path.join(root, "var/tmp/nodeward-sandbox-ww"), 0o666);
    const useradd = await run(["chroot", root, "useradd", "-m", "-s", "/bin/bash", "alice"]);
    expect(useradd.exitCode, useradd.stderr).toBe(0);
    await writeFile(path.join(root, "home/alice/.rhosts"), "+ +\n", { mode: 0o600 });
    await run(["chroot", root, "chown", "alice:alice", "/home/alice/.rhosts"]);
    await mkdir(path.join(root, "host"));
    await ct.boot({
      root,
      machine: `nwsandbox${process.pid}`,
      log: path.join(work, "nspawn.log"),
      args: ["--private-network", `--bind-ro=${process.execPath}:/usr/local/bin/node`, `--bind-ro=${REPO_ROOT}:/opt/nodeward`],
    });
    await ct.execOk(["sh", "-c", "echo stray > /dev/nodeward-sandbox-stray"]);
  }, 600_000);

  afterAll(async () => {
    await ct.shutdown();
    await removeCopies();
    if (work) await rm(work, { recursive: true, force: true });
    if (figures.length) console.log(`nonroot-parity-sandbox:\n  ${figures.join("\n  ")}`);
  }, 60_000);

  async function scanAs(name: string, properties: readonly string[] | null): Promise<NrReport> {
    // Root's scan is a transient service too: the first one creates /run/systemd/transient,
    // a unit directory every later scan lists (in the evidence of an absent unit).
    const argv = ["systemd-run", "--wait", "--pipe", "--quiet", "--collect", `--unit=nw-sandbox-${name}`, ...(properties ?? []).flatMap((p) => ["-p", p]), ...CLI];
    const t = performance.now();
    const r = await ct.exec(argv, 300_000);
    figures.push(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    expect([0, 1], `${name}: exit ${r.exitCode}\n${r.stderr.slice(0, 2000)}`).toContain(r.exitCode);
    const report = JSON.parse(r.stdout) as NrReport & { loadErrors?: unknown[] };
    expect(report.loadErrors ?? []).toEqual([]);
    reports.set(name, report);
    // NODEWARD_TEST_KEEP=DIR keeps the reports for a look at what differed.
    if (process.env.NODEWARD_TEST_KEEP) await writeFile(path.join(process.env.NODEWARD_TEST_KEEP, `nonroot-sandbox-${name}.json`), r.stdout);
    return report;
  }

  /** `mayDrop`: evidence files the run may lack whatever their modes (hidden by a mount; another namespace's). */
  async function violations(c: Comparison, mayDrop?: RegExp): Promise<string[]> {
    const all = [...new Set([...c.droppedFiles.values()].flat())];
    const unreadable = await unreadableAsNobody(all);
    const out = [...c.violations];
    for (const [k, files] of c.droppedFiles) {
      const readable = files.filter((f) => !unreadable.has(f) && !mayDrop?.test(f));
      if (readable.length) out.push(`${k}: evidence of a file nobody can read was dropped: ${readable.join(", ")}`);
    }
    return out;
  }

  function summarize(label: string, c: Comparison): void {
    const counts = new Map<string, number>();
    for (const kind of c.allowed.values()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    figures.push(`${label}: ${[...counts].map(([k, n]) => `${k} ${n}`).join(", ") || "no differences"}`);
  }

  const get = (name: string, id: string) => reports.get(name)?.results.find((x) => `${x.pack}/${x.id}` === id);

  it("the CLI as root sees the planted facts", async () => {
    await scanAs("root", null);
    expect(get("root", "cis-debian-12/7.1.11")?.status).toBe("fail");
    expect(JSON.stringify(get("root", "cis-debian-12/7.1.11")?.evidence)).toContain("/var/tmp/nodeward-sandbox-ww");
    expect(get("root", "kisa-unix/U-16")?.status).toBe("fail");
    expect(JSON.stringify(get("root", "cis-debian-12/1.1.1.7")?.evidence)).toContain(`/lib/modules/${KERNEL}/modules.dep`);
  });

  it("the unit's sandbox without its capabilities (User=nobody, no capability): only errors naming what it cannot read", async () => {
    const sandbox = await unitSandbox();
    expect(sandbox).toEqual(expect.arrayContaining(["ProtectSystem=strict", "ProtectProc=invisible", "CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE"]));
    const props = [...sandbox.filter((p) => !/^(CapabilityBoundingSet|AmbientCapabilities)=/.test(p)), "User=nobody", "Group=nogroup", "CapabilityBoundingSet=", "AmbientCapabilities="];
    const asNobody = await scanAs("no-capabilities", props);
    const c = compareNonroot(reports.get("root") as NrReport, asNobody);
    summarize("unit sandbox, no capabilities", c);
    expect(await violations(c)).toEqual([]);
    // /etc/shadow is root's; other users' processes are not listed (ProtectProc=invisible without CAP_SYS_PTRACE).
    expect(get("no-capabilities", "cis-debian-12/7.2.2")?.status).toBe("error");
    expect(get("no-capabilities", "cis-debian-12/7.2.2")?.message).toContain("/etc/shadow: EACCES: permission denied");
  });

  it("the unit's sandbox over-hardened (ProtectHome=yes, PrivateTmp=yes, PrivateDevices=yes, ProtectKernelModules=yes, ProcSubset=pid): only errors naming what hid it", async () => {
    const sandbox = await unitSandbox();
    const over = ["ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "ProtectKernelModules=yes", "ProcSubset=pid"];
    const overridden = new Set(over.map((p) => p.slice(0, p.indexOf("="))));
    const props = [...sandbox.filter((p) => !overridden.has(p.slice(0, p.indexOf("=")))), "User=nobody", "Group=nogroup", ...over];
    const hidden = await scanAs("over-hardened", props);
    const c = compareNonroot(reports.get("root") as NrReport, hidden);
    summarize("unit sandbox, over-hardened", c);
    expect(await violations(c, HIDDEN_BY_SANDBOX)).toEqual([]);
    // The planted facts are hidden and said to be: never the pass an empty /var/tmp, /dev or module tree would give.
    for (const id of ["cis-debian-12/7.1.11", "kisa-unix/U-16", "cis-debian-12/1.1.1.7"]) {
      expect({ id, status: get("over-hardened", id)?.status }).toEqual({ id, status: "error" });
    }
  });

  it("the DaemonSet layout without capabilities (host read-only at /host, nobody, none of the two capabilities): only errors naming what it cannot read", async () => {
    const daemonset = [
      "set -e",
      "mount --rbind / /host",
      'findmnt -R -n -r -o TARGET /host | while read -r m; do mount -o remount,bind,ro "$m" 2>/dev/null || true; done',
      // deploy/Dockerfile's nodeward-drop-root, without the capabilities it keeps.
      `exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --ambient-caps=-all --bounding-set=-all --no-new-privs -- ${[...CLI.slice(0, 3), "--root", "/host", ...CLI.slice(3)].join(" ")}`,
    ].join("\n");
    const t = performance.now();
    const r = await ct.exec(["unshare", "-m", "--propagation", "private", "sh", "-c", daemonset], 300_000);
    figures.push(`daemonset-no-capabilities: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    expect([0, 1], `exit ${r.exitCode}\n${r.stderr.slice(0, 2000)}`).toContain(r.exitCode);
    const ds = JSON.parse(r.stdout) as NrReport;
    reports.set("daemonset-no-capabilities", ds);
    if (process.env.NODEWARD_TEST_KEEP) await writeFile(path.join(process.env.NODEWARD_TEST_KEEP, "nonroot-sandbox-daemonset-no-capabilities.json"), r.stdout);
    // A mounted host's live firewall rules and loaded audit rules are out of any DaemonSet's reach (parity-compare.ts).
    const c = compareNonroot(reports.get("root") as NrReport, ds, { alsoUnseen: DAEMONSET_UNSEEN });
    summarize("DaemonSet layout, no capabilities", c);
    // /proc/sys/net under /host is this process's network namespace, never judged as the host's.
    expect(await violations(c, DAEMONSET_UNSEEN_EVIDENCE)).toEqual([]);
    expect(get("daemonset-no-capabilities", "cis-debian-12/7.2.2")?.message).toContain("/etc/shadow: EACCES: permission denied");
    // What nobody can read is still judged: the regular file in the host's /dev (0755).
    expect(get("daemonset-no-capabilities", "kisa-unix/U-16")?.status).toBe("fail");
  });
});

/** Paths the over-hardened sandbox replaces by empty or private ones (their evidence may go). */
const HIDDEN_BY_SANDBOX = /^\/(home|root|run\/user|tmp|var\/tmp|dev|usr\/lib\/modules|lib\/modules|proc\/sys|proc\/net)(\/|$)/;
