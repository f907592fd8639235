/**
 * Drift end to end on fixture roots, with real inotify events: the compliant Debian kubeadm
 * worker is scanned with a plan, the drift controller watches it, and a change made the way
 * an operator (or a package manager) makes it flips exactly the checks that read it — within
 * the test's generous wait, never a timed assertion. The re-check runs the engine in-process
 * (the agent runs the same in its scan process).
 */
import { spawn } from "node:child_process";
import { appendFile, chmod, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { compliantDebianNode } from "../../helpers/compliant-debian-node.js";
import { stopControllers, watched } from "../../helpers/drift-harness.js";
import { cleanupFixtures, type FixtureSpec } from "../../helpers/fixture-root.js";
import { waitFor } from "../../helpers/wait-for.js";

afterAll(cleanupFixtures);

afterEach(stopControllers);

function run(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0] as string, argv.slice(1), { stdio: "ignore" });
    p.once("error", reject);
    p.once("exit", (code) => resolve(code ?? -1));
  });
}

describe("drift re-checks what changed", () => {
  it("chmod of the kubelet's config file (found through its resolved --config) flips 4.1.9, and only the checks that read it are re-checked", async () => {
    const h = await watched(compliantDebianNode());
    expect(h.status("cis-kubernetes-node/4.1.9")).toBe("pass");
    await chmod(path.join(h.root, "var/lib/kubelet/config.yaml"), 0o666);
    await waitFor(() => h.status("cis-kubernetes-node/4.1.9") === "fail", "4.1.9 to fail");
    const ev = h.events().find((e) => e.changes.some((c) => c.key === "cis-kubernetes-node/4.1.9"));
    expect(ev).toMatchObject({ source: "watch", cause: "/var/lib/kubelet/config.yaml", changes: [{ key: "cis-kubernetes-node/4.1.9", from: "pass", to: "fail" }] });
    // The re-check covered the checks whose facts read that file, not the whole scan.
    const keys = h.rechecked.find((k) => k.includes("cis-kubernetes-node/4.1.9")) ?? [];
    expect(keys.length).toBeLessThan(60);
    expect(keys).not.toContain("cis-debian-12/5.1.20");
    expect(h.logs).toContain(`drift: cis-kubernetes-node/4.1.9 pass → fail (/var/lib/kubelet/config.yaml changed; watch, ${ev?.detectionMs} ms)`);
  });

  it("sed -i on sshd_config (an atomic replace) flips 5.1.20, and again when it is put back", async () => {
    const h = await watched(compliantDebianNode());
    expect(h.status("cis-debian-12/5.1.20")).toBe("pass");
    const file = path.join(h.root, "etc/ssh/sshd_config");
    expect(await run(["sed", "-i", "s/^PermitRootLogin no$/PermitRootLogin yes/", file])).toBe(0);
    await waitFor(() => h.status("cis-debian-12/5.1.20") === "fail", "5.1.20 to fail");
    expect(await run(["sed", "-i", "s/^PermitRootLogin yes$/PermitRootLogin no/", file])).toBe(0);
    await waitFor(() => h.status("cis-debian-12/5.1.20") === "pass", "5.1.20 to pass again");
  });

  it("a drop-in directory that did not exist appears (sshd_config.d with an override) and flips 5.1.20", async () => {
    const spec = compliantDebianNode();
    for (const k of Object.keys(spec)) if (k.startsWith("etc/ssh/sshd_config.d")) delete spec[k];
    const h = await watched(spec);
    expect(h.status("cis-debian-12/5.1.20")).toBe("pass");
    await mkdir(path.join(h.root, "etc/ssh/sshd_config.d"));
    await writeFile(path.join(h.root, "etc/ssh/sshd_config.d/50-cloud-init.conf"), "PermitRootLogin yes\n");
    await waitFor(() => h.status("cis-debian-12/5.1.20") === "fail", "5.1.20 to fail");
  });

  it("enabling a unit through a new *.wants directory flips its check", async () => {
    const spec: FixtureSpec = {
      ...compliantDebianNode(),
      "lib/systemd/system/rpcbind.socket": { content: "[Socket]\nListenStream=111\n[Install]\nWantedBy=sockets.target\n", mode: 0o644 },
      // PID 1 is not systemd here: nothing is active, only the enablement links decide.
      "proc/1/comm": "init\n",
    };
    const h = await watched(spec);
    expect(h.status("cis-debian-12/2.1.12-rpcbind.socket")).toBe("pass");
    await mkdir(path.join(h.root, "etc/systemd/system/sockets.target.wants"), { recursive: true });
    await symlink("/lib/systemd/system/rpcbind.socket", path.join(h.root, "etc/systemd/system/sockets.target.wants/rpcbind.socket"));
    await waitFor(() => h.status("cis-debian-12/2.1.12-rpcbind.socket") === "fail", "2.1.12 (socket) to fail");
    await rm(path.join(h.root, "etc/systemd/system/sockets.target.wants/rpcbind.socket"));
    await waitFor(() => h.status("cis-debian-12/2.1.12-rpcbind.socket") === "pass", "2.1.12 (socket) to pass again");
  });

  it("appends to logs re-check nothing where only their mode and owner are judged (6.1.4.1's walk of /var/log, 6.2.4.1's audit logs); a chmod still flips them", async () => {
    const h = await watched({
      ...compliantDebianNode(),
      "var/log/busy.log": { content: "start\n", mode: 0o640 },
      "var/log/app.log": { content: "start\n", mode: 0o640 },
      "var/log/audit/audit.log": { content: "type=DAEMON_START\n", mode: 0o600 },
    });
    expect(h.status("cis-debian-12/6.1.4.1")).toBe("pass");
    expect(h.status("cis-debian-12/6.2.4.1")).toBe("pass");
    // Both facts watch these names for their metadata only.
    for (let i = 0; i < 30; i++) {
      await appendFile(path.join(h.root, "var/log/busy.log"), `line ${i}\n`);
      await appendFile(path.join(h.root, "var/log/audit/audit.log"), `type=USER_LOGIN msg=${i}\n`);
    }
    // A change that matters, after the appends: the first re-check is for it alone.
    await chmod(path.join(h.root, "var/log/app.log"), 0o644);
    await waitFor(() => h.status("cis-debian-12/6.1.4.1") === "fail", "6.1.4.1 to fail");
    await waitFor(() => !h.drift.status().rechecking && h.drift.status().pending === 0, "the re-check to finish");
    expect(h.events().map((e) => e.cause)).toEqual(["/var/log/app.log"]);
    await chmod(path.join(h.root, "var/log/audit/audit.log"), 0o644);
    await waitFor(() => h.status("cis-debian-12/6.2.4.1") === "fail", "6.2.4.1 to fail");
  });

  it("writes to names no check reads re-check nothing", async () => {
    const h = await watched(compliantDebianNode());
    for (let i = 0; i < 200; i++) await writeFile(path.join(h.root, "etc/ssh", `unrelated-${i}`), "x");
    await writeFile(path.join(h.root, "var/lib/kubelet/pods-cache"), "x");
    // A change that is read, after the noise: once it is through, the noise would have been too.
    await chmod(path.join(h.root, "etc/ssh/sshd_config"), 0o644);
    await waitFor(() => h.rechecked.length > 0, "a re-check");
    await waitFor(() => !h.drift.status().rechecking && h.drift.status().pending === 0, "the re-check to finish");
    expect(h.events().map((e) => e.cause)).toEqual(["/etc/ssh/sshd_config"]);
  });
});
