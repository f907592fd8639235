/**
 * A booted systemd container for integration tests: `systemd-nspawn -b` of a root
 * directory with `--register=no --keep-unit` (the host has no running systemd; see the
 * lab notes in install-systemd.test.ts), commands run inside with `nsenter -t <its PID 1> -a`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { run, type RunResult } from "./helpers.js";

export const CT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BootOptions {
  root: string;
  machine: string;
  /** Extra systemd-nspawn arguments (`--bind-ro=…`). */
  args?: readonly string[];
  /** File for nspawn's own output. */
  log: string;
}

export class NspawnContainer {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  /** PID (on this host) of the container's systemd. */
  pid = 0;

  async boot(o: BootOptions): Promise<void> {
    const log = createWriteStream(o.log);
    const child = spawn("systemd-nspawn", ["-D", o.root, "-b", "--register=no", "--keep-unit", `--machine=${o.machine}`, ...(o.args ?? [])], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.on("close", () => log.end());
    this.child = child;
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    for (let i = 0; i < 300 && !this.pid; i++) {
      // The child named systemd: nspawn's short-lived intermediate child is not it.
      const r = spawnSync("pgrep", ["-P", String(child.pid), "-x", "systemd"], { encoding: "utf8" });
      this.pid = Number(r.stdout.trim().split("\n")[0] || 0);
      if (!this.pid) await sleep(100);
    }
    if (!this.pid) throw new Error(`the container's systemd did not start; see ${o.log}`);
    let state = "";
    for (let i = 0; i < 600; i++) {
      state = (await this.exec(["systemctl", "is-system-running"], 10_000)).stdout.trim();
      if (state === "running" || state === "degraded") return;
      await sleep(100);
    }
    throw new Error(`container did not finish booting: is-system-running says "${state}"`);
  }

  /** Run argv inside the container (all its namespaces) with a clean environment. */
  exec(argv: readonly string[], timeoutMs = 180_000): Promise<RunResult> {
    return run(["env", "-i", `PATH=${CT_PATH}`, "LC_ALL=C", "nsenter", "-t", String(this.pid), "-a", ...argv], { timeoutMs });
  }

  async execOk(argv: readonly string[], timeoutMs?: number): Promise<string> {
    const r = await this.exec(argv, timeoutMs);
    if (r.exitCode !== 0) throw new Error(`in container: ${argv.join(" ")} → exit ${r.exitCode}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** SIGTERM to nspawn (a clean poweroff), SIGKILL to the container's init as a fallback. */
  async shutdown(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const done = await Promise.race([this.exited, sleep(15_000).then(() => "timeout" as const)]);
    if (done === "timeout") {
      if (this.pid) spawnSync("kill", ["-KILL", String(this.pid)]);
      await Promise.race([this.exited, sleep(5000)]);
    }
  }
}
