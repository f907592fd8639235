/**
 * Issue 13, node identity: nodeward_build_info's node label is the scanned root's
 * hostname (as in the report and the textfile), never the agent process's own — in a
 * DaemonSet the agent's hostname is the pod's.
 */
import { afterAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { prepareAgent } from "../../../src/agent/serve.js";
import { buildServer } from "../../../src/agent/server.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { cleanupPackDirs, packDir } from "../../helpers/inline-pack.js";
import { cleanupTempDirs, DEMO_PACK, samples, tempDir } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await cleanupTempDirs();
});

describe("node identity", () => {
  it("build_info names the scanned root's hostname before the first scan and after it", async () => {
    const NODE = "scanned-node-7";
    expect(hostname()).not.toBe(NODE);
    const root = await fixtureRoot({
      "etc/hostname": `${NODE}\n`,
      "etc/shadow": { content: "root:*:1::::::\n", mode: 0o640 },
      "etc/passwd": { content: "root:x:0:0:root:/root:/bin/bash\n", mode: 0o644 },
    });
    const packs = await packDir({ "demo/pack.yaml": DEMO_PACK });
    const work = await tempDir();
    const configPath = path.join(work, "config.yaml");
    await writeFile(configPath, `root: ${root}\npacks: [${packs}]\nstateDir: ${path.join(work, "state")}\nscanOnStart: false\n`);
    const { agent } = await prepareAgent({ configPath, log: { format: "json", stream: { write: () => true } } }, "inline");
    const app = buildServer({ agent, token: undefined, logger: false });
    const buildInfo = async () => samples((await app.inject({ url: "/metrics" })).body, "nodeward_build_info");

    expect(await buildInfo()).toEqual([expect.stringContaining(`node="${NODE}"`)]);
    const stored = await agent.triggerScan("api").run.done;
    expect(stored.report.host.hostname).toBe(NODE);
    expect(await buildInfo()).toEqual([expect.stringContaining(`node="${NODE}"`)]);
    await app.close();
  });
});
