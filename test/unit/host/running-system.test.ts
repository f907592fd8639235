import { afterAll, describe, expect, it } from "vitest";
import { HostRoot } from "../../../src/host/host-root.js";
import { initProcPath, runningSystem } from "../../../src/host/running-system.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

describe("runningSystem", () => {
  it("the live host is a running system", async () => {
    expect(await runningSystem(new HostRoot())).toEqual({ running: true });
  });

  it("a root with no procfs is offline, and says where it looked", async () => {
    const root = await fixtureRoot({ "etc/hostname": "n1\n" });
    expect(await runningSystem(new HostRoot({ root }))).toEqual({ running: false, reason: `${root} has no procfs at ${root}/proc` });
  });

  it("an empty proc directory (an image's mount point) is offline too", async () => {
    const root = await fixtureRoot({ "proc": { dir: true } });
    expect((await runningSystem(new HostRoot({ root }))).running).toBe(false);
  });

  it("a root with a procfs given by --proc is running", async () => {
    const root = await fixtureRoot({ "etc/hostname": "n1\n" });
    const proc = await fixtureRoot({ "modules": "" });
    expect(await runningSystem(new HostRoot({ root, proc }))).toEqual({ running: true });
  });
});

describe("initProcPath", () => {
  it("reads PID 1's view of a mounted host, and falls back to the plain path in a tree without 1/", async () => {
    const withInit = await fixtureRoot({ "1/net/tcp": "", "net/tcp": "" });
    const without = await fixtureRoot({ "net/tcp": "" });
    const root = await fixtureRoot({});
    expect(await initProcPath(new HostRoot({ root, proc: withInit }), "net")).toBe("1/net");
    expect(await initProcPath(new HostRoot({ root, proc: without }), "net")).toBe("net");
  });

  it("on the live host reads this process's view (the host's namespace)", async () => {
    expect(await initProcPath(new HostRoot(), "net")).toBe("net");
  });
});
