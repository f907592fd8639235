/**
 * Drift in a booted systemd container (issue 16 acceptance): `systemctl enable|disable|mask`
 * of a unit a check reads flips that check within 1 s.
 *
 * A copy of the cached Debian 12 root is booted with `systemd-nspawn -b` (nspawn.ts, as the
 * parity tests do) in a private network; inside it, `nodeward serve` (this checkout, bound
 * read-only at /opt/nodeward) runs as a transient unit with drift on and cis-debian-12. Its
 * HTTP port lives in the container's network: a small proxy started there serves it on a
 * Unix socket in a directory bound from this side, which the test reads every 10 ms.
 *
 * The units: cron.service (2.4.1.1 "cron enabled and active": disable and mask fail it) and
 * a vendor unit file named autofs.service planted for the test (2.1.1 "autofs not in use":
 * enable fails it, disable and mask pass it). systemctl runs inside the container, so it
 * changes the enablement links and reloads the container's systemd, as on a node.
 *
 * Timed from systemctl's return (the change is then made) to the gauge on /metrics; the
 * whole command's duration is printed beside it. Only changes made while the re-check
 * process runs are timed (an untimed round first starts it): the first change after an
 * idle period also starts that process, which `npm run bench` measures instead.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyRoot, debianRoot, ensureBuilt, inCI, isRoot, REPO_ROOT, removeCopies } from "./helpers.js";
import { NspawnContainer } from "./nspawn.js";
import { gauge, getOverSocket } from "./agent-text.js";

const haveNspawn = spawnSync("sh", ["-c", "command -v systemd-nspawn && command -v nsenter"], { encoding: "utf8" }).status === 0;
if (!haveNspawn && inCI()) {
  throw new Error("systemd-nspawn is not installed: test/integration/setup.sh installs it (Debian package systemd-container)");
}

const BOUND_MS = 1000;
const CRON = "cis-debian-12/2.4.1.1";
const AUTOFS = "cis-debian-12/2.1.1";
const PORT = 19850; // the container's own network namespace: nothing else listens there
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work = "";
let sock = "";
const ct = new NspawnContainer();

const metrics = async () => (await getOverSocket(sock, "/metrics").catch(() => ({ status: 0, body: "" }))).body;

async function journal(): Promise<string> {
  return (await ct.exec(["journalctl", "-u", "nw-drift.service", "--no-pager", "-n", "40"])).stdout;
}

describe("drift in a booted systemd container: systemctl enable|disable|mask", () => {
  if (!isRoot() || !haveNspawn) {
    if (inCI()) it("runs as root with systemd-nspawn", () => expect.fail(`needs root and systemd-nspawn under CI (uid ${process.getuid?.()}, nspawn ${haveNspawn})`));
    else it.skip("needs root and systemd-nspawn: run `sudo npm run test:integration`", () => {});
    return;
  }

  beforeAll(async () => {
    ensureBuilt();
    work = await mkdtemp(path.join(process.env.NODEWARD_TEST_TMP || tmpdir(), "nodeward-drift-systemd-"));
    const root = await copyRoot(debianRoot());
    // A unit a "not in use" check reads, in a vendor directory (a file in /etc/systemd/system
    // could not be masked). Never started: only its enablement changes.
    await writeFile(
      path.join(root, "usr/lib/systemd/system/autofs.service"),
      "[Unit]\nDescription=stand-in for autofs (nodeward drift test)\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n",
    );
    await mkdir(path.join(root, "opt/nodeward"), { recursive: true });
    await mkdir(path.join(work, "sock"));
    await writeFile(
      path.join(root, "etc/nw-drift.yaml"),
      ["root: /", "proc: /proc", "stateDir: /var/lib/nw-drift", "tokenFile: /etc/nw-drift-no-token", `listen: 127.0.0.1:${PORT}`, "benchmarks: [cis-debian-12]", ""].join("\n"),
    );
    await ct.boot({
      root,
      machine: `nwdrift${process.pid}`,
      log: path.join(work, "nspawn.log"),
      args: ["--private-network", `--bind-ro=${process.execPath}:/usr/local/bin/node`, `--bind-ro=${REPO_ROOT}:/opt/nodeward`, `--bind=${path.join(work, "sock")}:/run/nw-sock`],
    });
    const proxy = `const net=require("net");net.createServer((c)=>{const u=net.connect(${PORT},"127.0.0.1");c.pipe(u).pipe(c);u.on("error",()=>c.destroy());c.on("error",()=>u.destroy())}).listen("/run/nw-sock/agent.sock")`;
    await ct.execOk(["systemd-run", "--unit=nw-proxy", "/usr/local/bin/node", "-e", proxy]);
    await ct.execOk(["systemd-run", "--unit=nw-drift", "/usr/local/bin/node", "/opt/nodeward/dist/cli/main.js", "serve", "--config", "/etc/nw-drift.yaml"]);
    sock = path.join(work, "sock/agent.sock");
    for (const until = Date.now() + 180_000; ; ) {
      const ready = await getOverSocket(sock, "/readyz").then((r) => r.status === 200, () => false);
      if (ready && /^nodeward_drift_inotify_watches [1-9]/m.test(await metrics())) break;
      if (Date.now() > until) throw new Error(`the agent did not get ready:\n${await journal()}`);
      await sleep(250);
    }
  }, 600_000);

  afterAll(async () => {
    await ct.shutdown();
    await removeCopies();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it(`flips cron's and autofs's checks within ${BOUND_MS} ms of systemctl returning`, async () => {
    const text = await metrics();
    // The starting point: cron enabled and running, the stand-in disabled.
    expect(gauge(text, CRON), await journal()).toBe(1);
    expect(gauge(text, AUTOFS)).toBe(1);

    /** systemctl in the container, then /metrics every 10 ms until the gauge is `want`. */
    const flip = async (key: string, args: string[], want: number): Promise<{ command: number; flip: number | undefined }> => {
      const t0 = performance.now();
      await ct.execOk(["systemctl", ...args]);
      const t1 = performance.now();
      while (performance.now() - t1 < 30_000) {
        if (gauge(await metrics(), key) === want) return { command: t1 - t0, flip: performance.now() - t1 };
        await sleep(10);
      }
      return { command: t1 - t0, flip: undefined };
    };
    const steps: [string, string[], number][] = [
      [CRON, ["disable", "cron.service"], 0],
      [CRON, ["enable", "cron.service"], 1],
      [CRON, ["mask", "cron.service"], 0],
      [CRON, ["unmask", "cron.service"], 1],
      [AUTOFS, ["enable", "autofs.service"], 0],
      [AUTOFS, ["disable", "autofs.service"], 1],
      [AUTOFS, ["enable", "autofs.service"], 0],
      [AUTOFS, ["mask", "autofs.service"], 1],
      [AUTOFS, ["unmask", "autofs.service"], 0],
      [AUTOFS, ["disable", "autofs.service"], 1],
    ];
    // Untimed: the first change starts the re-check process.
    expect((await flip(CRON, ["disable", "cron.service"], 0)).flip, await journal()).toBeDefined();
    expect((await flip(CRON, ["enable", "cron.service"], 1)).flip).toBeDefined();

    const lines: string[] = [];
    const flips: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [key, args, want] of steps) {
        const r = await flip(key, args, want);
        lines.push(`${`systemctl ${args.join(" ")}`.padEnd(32)} ${key} → ${want}: ${r.flip === undefined ? "missed" : `${r.flip.toFixed(0)} ms`} (command ${r.command.toFixed(0)} ms)`);
        if (r.flip !== undefined) flips.push(r.flip);
        expect(r.flip, `${lines.join("\n")}\n${await journal()}`).toBeDefined();
      }
    }
    const sorted = [...flips].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
    const load = spawnSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).stdout.trim();
    process.stdout.write(
      `booted systemd container, systemctl return → gauge (n=${flips.length}, load ${load}):\n  ${lines.join("\n  ")}\n` +
        `  p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms\n`,
    );
    for (const f of flips) expect(f, lines.join("\n")).toBeLessThanOrEqual(BOUND_MS);
  }, 300_000);
});
