/**
 * What the agent's poller costs and compares: the process table poll matches by program
 * name before it splits a command line (most processes are not looked for), and the poll
 * rounds' garbage is collected once V8's old space and external memory have grown past their
 * low point.
 */
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DriftController } from "../../../src/agent/drift.js";
import { oldSpaceAndExternal, POLL_GARBAGE_BYTES, pollGarbageCollector } from "../../../src/agent/drift-service.js";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { KUBERNETES_PROCESSES, pollFingerprint } from "../../../src/probes/kit/watch.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

describe("the processes poll", () => {
  it("lists the looked-for processes with their argv (NUL-separated, or one argument rewritten with spaces) and nothing else", async () => {
    const proc = await fixtureRoot({
      "101/cmdline": "/usr/bin/kubelet\0--config=/var/lib/kubelet/config.yaml\0--v=2\0",
      // A process that rewrote its argv into one string with spaces (parseCmdline splits it).
      "102/cmdline": "kube-proxy --config=/var/lib/kube-proxy/config.conf\0",
      // Programs named like the kubelet (a wrapper) count too: `containing: ["kubelet"]`.
      "103/cmdline": "/opt/bin/my-kubelet-wrapper\0--x\0",
      "104/cmdline": "/bin/bash\0-c\0kubelet --config=/etc/not-me\0",
      "105/cmdline": "  sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups\0",
      "106/cmdline": "",
      "self/cmdline": "node\0",
    });
    const root = await fixtureRoot({ "etc/.keep": "" });
    const ctx = createProbeContext(new HostRoot({ root, proc }));
    expect(await pollFingerprint(KUBERNETES_PROCESSES, ctx)).toBe(
      ["101 /usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --v=2", "102 kube-proxy --config=/var/lib/kube-proxy/config.conf", "103 /opt/bin/my-kubelet-wrapper --x"].join("\n"),
    );
  });
});

describe("the host the polls read through", () => {
  it("is made once for every round; it keeps a pid's command line once seen twice and drops it when the pid leaves the listing", async () => {
    const proc = await fixtureRoot({ "101/cmdline": "/usr/bin/kubelet\0--v=2\0", "102/cmdline": "sshd\0" });
    const root = await fixtureRoot({ "etc/.keep": "" });
    const host = new HostRoot({ root, proc });
    const controller = new DriftController({
      host,
      settings: { debounceMs: 50, maxDelayMs: 500, pollIntervalMs: 60_000, safetyNetIntervalMs: 600_000 },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      recheck: () => Promise.reject(new Error("nothing is re-checked here")),
    });
    try {
      const round = () => (controller as unknown as { pollContext(): ProbeContext }).pollContext();
      const polled = round().host;
      expect(round().host).toBe(polled);
      expect(Object.getPrototypeOf(polled)).toBe(host);
      for (let i = 0; i < 2; i++) expect(await polled.procReadIfExists("101/cmdline")).toBe("/usr/bin/kubelet\0--v=2\0");
      await writeFile(path.join(proc, "101/cmdline"), "/usr/bin/kubelet\0--v=4\0");
      // Seen twice: the third read is the cached one (a process execs early, rarely later).
      expect(await polled.procReadIfExists("101/cmdline")).toBe("/usr/bin/kubelet\0--v=2\0");
      // Other entries are read every time.
      await writeFile(path.join(proc, "102/cmdline"), "sshd\0-D\0");
      expect(await polled.procReadIfExists("102/cmdline")).toBe("sshd\0-D\0");
      // The pid leaves the listing (it exited; its number may come back for another process).
      await rename(path.join(proc, "101"), path.join(proc, "gone"));
      expect(await polled.procReaddir("")).toEqual(["102", "gone"]);
      await rename(path.join(proc, "gone"), path.join(proc, "101"));
      expect(await polled.procReadIfExists("101/cmdline")).toBe("/usr/bin/kubelet\0--v=4\0");
      // The wrapper's caches are its own: the agent's host answers as it always did.
      expect(await host.procReadIfExists("101/cmdline")).toBe("/usr/bin/kubelet\0--v=4\0");
    } finally {
      controller.stop();
    }
  });
});

describe("the poll rounds' garbage", () => {
  it("asks for a collection once the old space and external memory grew past their low point by the threshold, then measures the low point again", () => {
    const T = POLL_GARBAGE_BYTES;
    const base = 19 * 1024 * 1024;
    // In thresholds over the first low point (19 MiB).
    const heap = [1, 0, 0.5, 0.9, 0.7, 0.8, 1.05, 0.3, 0.6, 1.05];
    let i = 0;
    const collected: number[] = [];
    const polled = pollGarbageCollector(
      () => collected.push(i - 1),
      () => base + (heap[i++] as number) * T,
    );
    for (let n = 0; n < heap.length; n++) polled();
    // Round 6: 1.05 thresholds over the low point (round 1). After it the low point starts
    // over (round 7, 0.3), so round 9 (1.05) is only 0.75 of a threshold over it: no collection.
    expect(collected).toEqual([6]);
  });

  it("counts external memory (the buffers a promoted object holds, like the cached /metrics exposition), not only the old space", () => {
    const before = oldSpaceAndExternal();
    const held = Buffer.alloc(2 * POLL_GARBAGE_BYTES, 1);
    expect(oldSpaceAndExternal() - before).toBeGreaterThan(POLL_GARBAGE_BYTES);
    expect(held.length).toBe(2 * POLL_GARBAGE_BYTES);
  });
});
