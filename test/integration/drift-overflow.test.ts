/**
 * Drift's safety net against a lost inotify queue overflow: a child floods a watched
 * directory with 30,000 creates while this process's event loop is blocked, then makes
 * the one change that matters. Node drops the overflow notice; the stall detector sweeps
 * and the sweep finds the change. Slow (tens of thousands of files), so not in `npm test`.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { compliantDebianNode } from "../helpers/compliant-debian-node.js";
import { stopControllers, watched } from "../helpers/drift-harness.js";
import { cleanupFixtures } from "../helpers/fixture-root.js";
import { waitFor } from "../helpers/wait-for.js";

afterAll(cleanupFixtures);
afterEach(stopControllers);

describe("the safety net", () => {
  it("catches a chmod lost with an inotify queue overflow while the agent was blocked", async () => {
    const h = await watched(compliantDebianNode());
    expect(h.status("cis-kubernetes-node/4.1.9")).toBe("pass");
    const dir = path.join(h.root, "var/lib/kubelet");
    // A child floods the watched directory with creates and then makes the one change that
    // matters, while this process's event loop is blocked: the kernel's queue (16384 events)
    // overflows, and Node drops the overflow notice.
    const script = `const fs=require("fs");for(let i=0;i<30000;i++)fs.writeFileSync(${JSON.stringify(dir)}+"/flood-"+i,"");fs.chmodSync(${JSON.stringify(path.join(dir, "config.yaml"))},0o666);fs.writeFileSync(${JSON.stringify(path.join(h.root, "done"))},"")`;
    const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
    const exited = new Promise((r) => child.once("exit", r));
    const block = new Int32Array(new SharedArrayBuffer(4));
    
    const until = Date.now() + 60_000;
    while (!existsSync(path.join(h.root, "done")) && Date.now() < until) Atomics.wait(block, 0, 0, 200);
    Atomics.wait(block, 0, 0, 3500); // long enough for the stall detector
    await exited;
    await waitFor(() => h.status("cis-kubernetes-node/4.1.9") === "fail", "4.1.9 to fail", 30_000);
    expect(h.logs.some((l) => l.includes("inotify events may have been lost: sweeping"))).toBe(true);
  }, 120_000);
});
