/**
 * The directory watcher with real inotify events on fixture roots: by name through the
 * parent directory, through atomic replaces, for directories that appear later or are
 * replaced, and falling back to polling (said, with the reason) when no watch can be set.
 */
import { chmod, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { EventEmitter } from "node:events";
import { watch as fsWatch } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { HostRoot } from "../../../src/host/host-root.js";
import { DirWatcher, type DirChange } from "../../../src/host/watcher.js";
import { DriftMetrics } from "../../../src/agent/drift-service.js";
import { DriftController, type DriftMetricsSink } from "../../../src/agent/drift.js";
import { emptyPlan } from "../../../src/engine/drift-plan.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { waitFor } from "../../helpers/wait-for.js";

afterAll(cleanupFixtures);

const watchers: DirWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
});

function watcher(root: string, opts: { watch?: typeof fsWatch } = {}): { w: DirWatcher; changes: DirChange[]; polled: string[] } {
  const changes: DirChange[] = [];
  const polled: string[] = [];
  const w = new DirWatcher(new HostRoot({ root }), { onChange: (c) => changes.push(c), onPolled: (d, why, cause) => polled.push(`${d}: ${why} [${cause}]`), ...opts });
  watchers.push(w);
  return { w, changes, polled };
}

const named = (changes: DirChange[], dir: string, name: string | null) => changes.some((c) => c.dir === dir && c.name === name);

/** Wait until `cond` holds (checked every 10 ms); a timeout names the watcher's state and the changes it reported. */
async function settled(w: DirWatcher, changes: DirChange[], cond: () => boolean, timeoutMs = 100_000): Promise<void> {
  try {
    await waitFor(cond, "the watcher", timeoutMs);
  } catch {
    throw new Error(`the watcher did not settle in ${timeoutMs} ms: status ${JSON.stringify(w.status())}, ${w.watchCount} watch(es), changes ${JSON.stringify(changes.map((c) => [c.dir, c.name]))}`);
  }
}

describe("DirWatcher", () => {
  it("reports a chmod of a watched name, and nothing for other names in the directory", async () => {
    const root = await fixtureRoot({ "etc/kubernetes/kubelet.conf": { content: "x", mode: 0o600 }, "etc/kubernetes/other": "y" });
    const { w, changes } = watcher(root);
    await w.set([{ dir: "/etc/kubernetes", names: new Set(["kubelet.conf"]) }]);
    expect(w.status()).toEqual([{ dir: "/etc/kubernetes", state: "watched" }]);
    await writeFile(path.join(root, "etc/kubernetes/other"), "z");
    await chmod(path.join(root, "etc/kubernetes/kubelet.conf"), 0o644);
    await waitFor(() => named(changes, "/etc/kubernetes", "kubelet.conf"));
    expect(changes.every((c) => c.name === "kubelet.conf")).toBe(true);
    expect(w.watchCount).toBe(1);
  });

  it("keeps reporting through atomic replaces (sed -i: temp file renamed over the name)", async () => {
    const root = await fixtureRoot({ "etc/ssh/sshd_config": "PermitRootLogin no\n" });
    const { w, changes } = watcher(root);
    await w.set([{ dir: "/etc/ssh", names: new Set(["sshd_config"]) }]);
    for (let i = 0; i < 3; i++) {
      changes.length = 0;
      const tmp = path.join(root, "etc/ssh", `.sedXYZ${i}`);
      await writeFile(tmp, `PermitRootLogin ${i % 2 === 0 ? "yes" : "no"}\n`);
      await rename(tmp, path.join(root, "etc/ssh/sshd_config"));
      await waitFor(() => named(changes, "/etc/ssh", "sshd_config"));
    }
  });

  it("waits for a directory that does not exist on its nearest ancestor, then watches it", async () => {
    const root = await fixtureRoot({ "etc/systemd/system/.keep": "" });
    const { w, changes } = watcher(root);
    const dir = "/etc/systemd/system/kubelet.service.d";
    await w.set([{ dir, names: "*" }]);
    expect(w.status()).toEqual([{ dir, state: "waiting", ancestor: "/etc/systemd/system" }]);
    await mkdir(path.join(root, dir.slice(1)));
    await waitFor(() => named(changes, dir, null));
    await waitFor(() => w.status()[0]?.state === "watched");
    changes.length = 0;
    await writeFile(path.join(root, dir.slice(1), "20-hardening.conf"), "[Service]\n");
    await waitFor(() => named(changes, dir, "20-hardening.conf"));
  });

  it("waits several levels up (a drop-in tree created with mkdir -p)", async () => {
    const root = await fixtureRoot({ "etc/.keep": "" });
    const { w, changes } = watcher(root);
    const dir = "/etc/rancher/k3s/config.yaml.d";
    await w.set([{ dir, names: "*" }]);
    expect(w.status()).toEqual([{ dir, state: "waiting", ancestor: "/etc" }]);
    await mkdir(path.join(root, dir.slice(1)), { recursive: true });
    await writeFile(path.join(root, dir.slice(1), "90-kubelet.yaml"), "kubelet-arg: []\n");
    // Each level's creation is an event that moves the watch down one or more levels (no
    // revalidation is called: the events alone must bring it there). The deadline is no
    // timing bound (a full run on a loaded 2-core machine starved this worker past 10 s
    // once); a timeout says where the watch stopped and what was reported.
    await settled(w, changes, () => w.status()[0]?.state === "watched");
    // The file written before the watch reached the directory: reported as the directory's change.
    expect(named(changes, dir, null)).toBe(true);
  }, 120_000);

  it("re-arms a watched directory that is removed and created again", async () => {
    const root = await fixtureRoot({ "etc/modprobe.d/blacklist.conf": "blacklist usb-storage\n" });
    const { w, changes } = watcher(root);
    await w.set([{ dir: "/etc/modprobe.d", names: "*" }]);
    await rm(path.join(root, "etc/modprobe.d"), { recursive: true });
    await waitFor(() => w.status()[0]?.state === "waiting");
    await mkdir(path.join(root, "etc/modprobe.d"));
    await waitFor(() => w.status()[0]?.state === "watched");
    changes.length = 0;
    await writeFile(path.join(root, "etc/modprobe.d/cramfs.conf"), "install cramfs /bin/false\n");
    await waitFor(() => named(changes, "/etc/modprobe.d", "cramfs.conf"));
  });

  it("follows a directory renamed over (replaced): events of the new one are reported, not the old one's", async () => {
    const root = await fixtureRoot({ "etc/sysctl.d/99-old.conf": "", "etc/sysctl.d.new/.keep": "" });
    const { w, changes } = watcher(root);
    await w.set([{ dir: "/etc/sysctl.d", names: "*" }]);
    await rename(path.join(root, "etc/sysctl.d"), path.join(root, "etc/sysctl.d.old"));
    await rename(path.join(root, "etc/sysctl.d.new"), path.join(root, "etc/sysctl.d"));
    await waitFor(() => named(changes, "/etc/sysctl.d", null));
    await w.revalidate();
    await waitFor(() => w.status()[0]?.state === "watched");
    changes.length = 0;
    await writeFile(path.join(root, "etc/sysctl.d.old/ignored.conf"), "");
    await writeFile(path.join(root, "etc/sysctl.d/90-new.conf"), "net.ipv4.ip_forward = 0\n");
    await waitFor(() => named(changes, "/etc/sysctl.d", "90-new.conf"));
    expect(named(changes, "/etc/sysctl.d", "ignored.conf")).toBe(false);
  });

  it("falls back to polling when inotify refuses (ENOSPC), and says why", async () => {
    const root = await fixtureRoot({ "etc/ssh/sshd_config": "" });
    const enospc = (() => {
      throw Object.assign(new Error("ENOSPC: System limit for number of file watchers reached, watch"), { code: "ENOSPC" });
    }) as unknown as typeof fsWatch;
    const { w, polled } = watcher(root, { watch: enospc });
    await w.set([{ dir: "/etc/ssh", names: new Set(["sshd_config"]) }]);
    const why = `no inotify watch left (fs.inotify.max_user_watches reached) for ${path.join(root, "etc/ssh")}`;
    expect(w.status()).toEqual([{ dir: "/etc/ssh", state: "polled", reason: why }]);
    expect(polled).toEqual([`/etc/ssh: ${why} [ENOSPC]`]);
    expect(w.watchCount).toBe(0);
    // What the drift poll re-reads every round: the polled directories, sorted, without a status apiece.
    expect(w.polledDirs()).toEqual(["/etc/ssh"]);
  });

  it("polledDirs names the wanted directories status() calls polled, sorted: not those watched or waiting on an ancestor", async () => {
    const root = await fixtureRoot({ "etc/ssh/sshd_config": "", "etc/kubernetes/kubelet.conf": "" });
    let calls = 0;
    const some = ((dir: string, ...rest: unknown[]) => {
      if (++calls > 1) throw Object.assign(new Error("ENOSPC: System limit for number of file watchers reached, watch"), { code: "ENOSPC" });
      return (fsWatch as (...a: unknown[]) => ReturnType<typeof fsWatch>)(dir, ...rest);
    }) as unknown as typeof fsWatch;
    const { w } = watcher(root, { watch: some });
    await w.set([
      { dir: "/etc/ssh", names: new Set(["sshd_config"]) },
      { dir: "/etc/kubernetes", names: new Set(["kubelet.conf"]) },
      { dir: "/etc/missing/deeper", names: new Set(["x"]) },
    ]);
    const st = w.status();
    expect(w.polledDirs()).toEqual(st.filter((s) => s.state === "polled").map((s) => s.dir));
    expect(st.map((s) => s.state).sort()).toContain("polled");
    expect(st.some((s) => s.state !== "polled")).toBe(true);
  });

  it("counts each fallback by its cause in nodeward_drift_watch_fallbacks_total (EMFILE: no inotify instance left)", async () => {
    const root = await fixtureRoot({ "etc/ssh/sshd_config": "", "etc/kubernetes/kubelet.conf": "" });
    const emfile = (() => {
      throw Object.assign(new Error("EMFILE: too many open files, watch"), { code: "EMFILE" });
    }) as unknown as typeof fsWatch;
    const metrics = new DriftMetrics();
    const logs: string[] = [];
    const controller = new DriftController({
      host: new HostRoot({ root }),
      settings: { debounceMs: 50, maxDelayMs: 500, pollIntervalMs: 200, safetyNetIntervalMs: 600_000 },
      log: { info: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`), error: (m) => logs.push(`error: ${m}`) },
      recheck: () => Promise.reject(new Error("no re-check expected")),
      metrics,
      watch: emfile,
    });
    const plan = emptyPlan();
    plan.observedAt = Date.now();
    const fact = (p: string) => ({ probe: "file", paths: [p], dirs: [], globs: [], polls: [], unwatched: [], costMs: 1 });
    plan.facts["f1"] = fact("/etc/ssh/sshd_config");
    plan.facts["f2"] = fact("/etc/kubernetes/kubelet.conf");
    plan.checks["demo/1"] = ["f1", "f2"];
    await controller.scanEnded(plan);
    controller.stop();
    const text = metrics.render();
    expect(text).toContain('nodeward_drift_watch_fallbacks_total{cause="EMFILE"} 2\n');
    expect(text).toContain('nodeward_drift_watch_fallbacks_total{cause="ENOSPC"} 0\n');
    expect(text).toContain('nodeward_drift_watches{state="polled"} 2\n');
    expect(logs.filter((l) => l.startsWith("warn: drift: ")).sort()).toEqual([
      `warn: drift: /etc/kubernetes is polled every 200 ms instead of watched: no inotify instance left (fs.inotify.max_user_instances reached) for ${path.join(root, "etc/kubernetes")}`,
      `warn: drift: /etc/ssh is polled every 200 ms instead of watched: no inotify instance left (fs.inotify.max_user_instances reached) for ${path.join(root, "etc/ssh")}`,
    ]);
  });

  it("attributes an inotify event to the watch even while a sweep runs; only what the sweep's revalidation finds is the sweep's", async () => {
    const root = await fixtureRoot({ "etc/ssh/sshd_config": "PermitRootLogin no\n", "etc/ssh.new/sshd_config": "PermitRootLogin no\n" });
    // fs.watch stands in for inotify here so that the test decides when an event arrives
    // (during the sweep) and that the directory's replacement raises none.
    const emitters = new Map<string, EventEmitter>();
    const silent = ((p: string) => {
      const e = Object.assign(new EventEmitter(), { close: () => undefined });
      emitters.set(p, e);
      return e;
    }) as unknown as typeof fsWatch;
    const sources: string[] = [];
    const plan = emptyPlan();
    plan.observedAt = Date.now();
    plan.facts["f1"] = { probe: "file", paths: ["/etc/ssh/sshd_config"], dirs: [], globs: [], polls: [], unwatched: [], costMs: 1 };
    plan.checks["demo/1"] = ["f1"];
    const controller = new DriftController({
      host: new HostRoot({ root }),
      settings: { debounceMs: 10, maxDelayMs: 100, pollIntervalMs: 60_000, safetyNetIntervalMs: 600_000 },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      recheck: () => Promise.resolve({ changes: [], plan, merged: true }),
      metrics: { recheck: (source) => void sources.push(source), watches: () => undefined } satisfies DriftMetricsSink,
      watch: silent,
    });
    try {
      await controller.scanEnded(plan);
      controller.start();
      const sweep = controller.sweep();
      expect(controller.status().sweeping).toBe(true);
      emitters.get(path.join(root, "etc/ssh"))?.emit("change", "change", "sshd_config");
      await sweep;
      await waitFor(() => sources.length === 1, "the re-check of the event");
      expect(controller.status(1).events[0]).toMatchObject({ source: "watch", cause: "/etc/ssh/sshd_config" });
      expect(controller.status().sweeping).toBe(false);
      // The directory is replaced with no event: only the sweep can find it.
      await rename(path.join(root, "etc/ssh"), path.join(root, "etc/ssh.old"));
      await rename(path.join(root, "etc/ssh.new"), path.join(root, "etc/ssh"));
      await controller.sweep();
      await waitFor(() => sources.length === 2, "the re-check of the replaced directory");
      expect(controller.status(1).events[0]).toMatchObject({ source: "sweep", cause: "/etc/ssh" });
      expect(sources).toEqual(["watch", "sweep"]);
    } finally {
      controller.stop();
    }
  });

  it("shares one watch between the wanted directories it serves, and drops what is no longer wanted", async () => {
    const root = await fixtureRoot({ "etc/a/.keep": "" });
    const { w } = watcher(root);
    await w.set([
      { dir: "/etc/a", names: new Set(["x"]) },
      { dir: "/etc/a", names: new Set(["y"]) },
      { dir: "/etc/b/c", names: "*" },
      { dir: "/etc/d", names: "*" },
    ]);
    // /etc/a itself, and /etc waited on for both b/c and d.
    expect(w.watchCount).toBe(2);
    await w.set([{ dir: "/etc/a", names: "*" }]);
    expect(w.watchCount).toBe(1);
    expect(w.status()).toEqual([{ dir: "/etc/a", state: "watched" }]);
  });
});
