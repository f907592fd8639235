/**
 * The poller reads the socket tables (/proc/net/tcp… walk the kernel's whole connection
 * hash) only when procfs sockstat's per-namespace `inuse` counts moved, or when their last
 * full read is `listenerFullReadMs` old: a listener opened or closed is seen at the next
 * poll; one swapped for another between two polls (same counts) within that bound.
 * A controller on a fixture procfs with one listeners poll; polls run when the test asks.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DriftController } from "../../../src/agent/drift.js";
import { emptyPlan } from "../../../src/engine/drift-plan.js";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { pollFingerprint, pollKey, socketCounts } from "../../../src/probes/kit/watch.js";
import type { PollSpec } from "../../../src/probes/types.js";
import { procNet } from "../../helpers/compliant-debian-node.js";
import { DRIFT_TEST_SETTINGS } from "../../helpers/drift-harness.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);
const controllers: DriftController[] = [];
afterEach(() => {
  for (const c of controllers.splice(0)) c.stop();
});

const sockstat = (tcp: number, extra = "orphan 0 tw 0 alloc 11 mem 1") =>
  `sockets: used 40\nTCP: inuse ${tcp} ${extra}\nUDP: inuse 0 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n`;
const SOCKSTAT6 = "TCP6: inuse 4\nUDP6: inuse 0\nUDPLITE6: inuse 0\nRAW6: inuse 0\nFRAG6: inuse 0 memory 0\n";
const SPEC: Extract<PollSpec, { kind: "listeners" }> = { kind: "listeners", paths: ["net/tcp", "net/tcp6", "net/udp", "net/udp6"] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function node(withCounts: boolean, listenerFullReadMs: number) {
  const root = await fixtureRoot({ ...procNet(), ...(withCounts ? { "proc/net/sockstat": sockstat(11), "proc/net/sockstat6": SOCKSTAT6 } : {}) });
  const host = new HostRoot({ root });
  const plan = emptyPlan();
  const key = pollKey(SPEC);
  plan.observedAt = Date.now();
  plan.facts["listening-ports:{}"] = { probe: "listening-ports", paths: [], dirs: [], globs: [], polls: [key], unwatched: [], costMs: 1 };
  plan.checks["p/2.1.22"] = ["listening-ports:{}"];
  plan.polls[key] = { spec: SPEC, fingerprint: await pollFingerprint(SPEC, createProbeContext(host)) };
  const drift = new DriftController({
    host,
    // Polls run only when the test calls poll().
    settings: { ...DRIFT_TEST_SETTINGS, pollIntervalMs: 3_600_000, listenerFullReadMs },
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    recheck: () => new Promise(() => undefined),
  });
  controllers.push(drift);
  await drift.scanEnded(plan);
  const tcp = path.join(root, "proc/net/tcp");
  const table = await readFile(tcp, "utf8");
  // The NodePort listener 0.0.0.0:31080 (0x7968) swapped for 0.0.0.0:4444 (0x115C): same count.
  expect(table).toContain(":7968 ");
  const swap = () => writeFile(tcp, table.replace(":7968 ", ":115C "));
  return { drift, host, root, swap, tcp };
}

describe("the listeners poll's socket-count gate", () => {
  it("counts each table's sockets from sockstat and sockstat6 (inuse only)", async () => {
    const { host } = await node(true, 60_000);
    expect(await socketCounts(SPEC, createProbeContext(host))).toBe("net/tcp=11 net/tcp6=4 net/udp=0 net/udp6=0");
    expect(await socketCounts({ kind: "listeners", paths: ["1/net/tcp"] }, createProbeContext(host))).toBeUndefined();
  });

  it("a swap with unchanged counts (tw, mem, alloc moving) is not read; a count that moves is read at once", async () => {
    const { drift, root, swap } = await node(true, 60_000);
    expect(await drift.poll()).toBe(0);
    await swap();
    await writeFile(path.join(root, "proc/net/sockstat"), sockstat(11, "orphan 2 tw 9 alloc 30 mem 7"));
    expect(await drift.poll()).toBe(0);
    // A listener's worth more in the count: the tables are read and the swap is seen.
    await writeFile(path.join(root, "proc/net/sockstat"), sockstat(12));
    expect(await drift.poll()).toBe(1);
  });

  it("a swap with unchanged counts is seen once the last full read is listenerFullReadMs old", async () => {
    const { drift, swap } = await node(true, 300);
    expect(await drift.poll()).toBe(0);
    await swap();
    expect(await drift.poll()).toBe(0);
    await sleep(400);
    expect(await drift.poll()).toBe(1);
  });

  it("without sockstat, or with listenerFullReadMs 0, every poll reads the tables", async () => {
    for (const [withCounts, every] of [[false, 60_000], [true, 0]] as const) {
      const { drift, swap } = await node(withCounts, every);
      expect(await drift.poll()).toBe(0);
      await swap();
      expect(await drift.poll()).toBe(1);
    }
  });

  it("a table gone with its count file is a change", async () => {
    const { drift, root, tcp } = await node(true, 60_000);
    expect(await drift.poll()).toBe(0);
    await rm(tcp);
    await rm(path.join(root, "proc/net/sockstat"));
    expect(await drift.poll()).toBe(1);
  });
});
