/**
 * A procfs mounted hidepid=invisible (systemd's ProtectProc=invisible, hardened hosts)
 * lists only the processes the reader may ptrace, and says nothing about the rest. A real
 * one, mounted here: nodeward run as nobody (no CAP_SYS_PTRACE) must not conclude "no
 * kubelet" from it — every Kubernetes check errors, naming the mount option.
 */
import { spawnSync } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanReport } from "../../src/engine/result.js";
import { ensureCliBuilt, runCli } from "../helpers/cli.js";
import { isRoot } from "./helpers.js";

let base = "";
let proc = "";

beforeAll(async () => {
  if (!isRoot()) throw new Error("the integration suite runs as root (it mounts a procfs)");
  await ensureCliBuilt();
  base = await mkdtemp(path.join(tmpdir(), "nodeward-hidepid-"));
  await chmod(base, 0o755);
  proc = path.join(base, "proc");
  spawnSync("mkdir", [proc]);
  const m = spawnSync("mount", ["-t", "proc", "-o", "hidepid=invisible", "proc", proc], { encoding: "utf8" });
  if (m.status !== 0) throw new Error(`mount -t proc -o hidepid=invisible failed: ${m.stderr}`);
});

afterAll(async () => {
  if (proc) spawnSync("umount", [proc]);
  if (base) await rm(base, { recursive: true, force: true });
});

async function scan(args: readonly string[]): Promise<{ report: ScanReport; code: number }> {
  const r = await runCli(["scan", ...args, "--benchmark", "cis-kubernetes-node-2.0", "--format", "json"], { asUser: "nobody" });
  return { report: JSON.parse(r.stdout) as ScanReport, code: r.code };
}

describe("a hidepid=invisible procfs", () => {
  it("as nobody (no CAP_SYS_PTRACE): every kubelet check errors, naming the mount option", async () => {
    const { report, code } = await scan(["--proc", proc]);
    expect(code).toBe(1);
    expect(report.results.length).toBeGreaterThan(20);
    const reason = `${proc} is mounted hidepid=invisible and nodeward has no CAP_SYS_PTRACE: other users' processes are not listed`;
    for (const r of report.results) {
      expect(r.status, `${r.id}: ${r.message}`).toBe("error");
      expect(r.message).toContain(reason);
    }
  });

  it("the same host through a procfs that lists everything: no kubelet, every check skips", async () => {
    const { report, code } = await scan([]);
    expect(code).toBe(0);
    expect(new Set(report.results.map((r) => r.status))).toEqual(new Set(["skip"]));
  });
});
