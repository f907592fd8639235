/**
 * Issue 19, confinement: under --root every path, procfs included, is resolved inside
 * the root; only regular files are opened (a device node or FIFO is refused from its
 * lstat, never opened). The strace proof over a whole scan is
 * test/integration/confinement.test.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { HostRoot, type ReadOptions } from "../../../src/host/host-root.js";
import { MountView } from "../../../src/host/mount-view.js";
import { runScan } from "../../../src/engine/run-scan.js";
import { loadPacks } from "../../../src/packs/load.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { ErrorCodes } from "../../../src/errors.js";
// @ts-expect-error plain ESM helper shared with the bench (no types)
import { escapingLinks } from "../../../bench/hostile-roots.mjs";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

const dirs: string[] = [];
afterAll(async () => {
  await cleanupFixtures();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tmp(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

describe("procfs under --root is resolved inside the root", () => {
  it("proc/PID/root -> /elsewhere is re-rooted: the file read is <root>/elsewhere/…", async () => {
    const root = await fixtureRoot({
      "proc/4242/root": { symlink: "/elsewhere" },
      "elsewhere/etc/kube-proxy.conf": "inside\n",
      "proc/4242/cwd": { symlink: "../../../../../../../../../etc" },
    });
    const host = new HostRoot({ root });
    expect(await host.procResolve("4242/root/etc/kube-proxy.conf")).toBe(path.join(root, "elsewhere/etc/kube-proxy.conf"));
    expect(await host.procRead("4242/root/etc/kube-proxy.conf")).toBe("inside\n");
    await expect(host.procRead("4242/cwd/passwd")).rejects.toMatchObject({ code: ErrorCodes.PATH_ESCAPE });
  });

  it.each([
    ["proc itself a link to /proc", { proc: { symlink: "/proc" } }],
    ["proc/net a link to /proc/net", { "proc/net": { symlink: "/proc/net" } }],
    ["proc/self a link to /proc/self", { "proc/self": { symlink: "/proc/self" }, "proc/net": { symlink: "self/net" } }],
  ])("%s is a loop inside the root, refused: the scanning host's sockets are never read", async (_name, spec) => {
    const root = await fixtureRoot(spec);
    const host = new HostRoot({ root });
    await expect(host.procRead("net/tcp")).rejects.toThrow("too many levels of symbolic links");
  });

  it("a --proc tree outside the root is a root of its own: absolute links stay in it", async () => {
    const root = await fixtureRoot({ "etc/hostname": "x\n" });
    const proc = await fixtureRoot({ "1/root": { symlink: "/" }, "1/cmdline": "init\0", "sys/x": "1\n", "net": { symlink: "/etc" } });
    const host = new HostRoot({ root, proc });
    expect(await host.procRead("1/cmdline")).toBe("init\0");
    expect(await host.procResolve("1/root/sys/x")).toBe(path.join(proc, "sys/x"));
    await expect(host.procRead("net/passwd")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a real procfs: PID/root is walked chroot-style; fd/N and exe are read as links, never followed", async () => {
    const host = new HostRoot({ root: "/", proc: "/proc" });
    expect(await host.procReadlink("self/exe")).toBe(process.execPath);
    await expect(host.procRead("self/exe")).rejects.toMatchObject({ code: ErrorCodes.PATH_ESCAPE });
    await expect(host.procRead("self/fd/0")).rejects.toMatchObject({ code: ErrorCodes.PATH_ESCAPE });
    expect(await host.procResolve("self/root/etc/hostname")).toBe("/proc/self/root/etc/hostname");
    expect(await host.procRead("self/root/etc/hostname")).toBe(await readFile("/etc/hostname", "utf8"));
  });
});

describe("the procfs fast path (plain entries of a mounted procfs)", () => {
  type Outcome = { text: string } | { code: unknown; message: string };
  const outcome = (p: Promise<string | null>): Promise<Outcome | null> =>
    p.then(
      (text) => (text === null ? null : { text }),
      (e: unknown) => ({ code: (e as { code?: unknown }).code, message: (e as Error).message }),
    );

  it("answers what the general path answers — texts, refusals and their messages — without resolving the path; a missing entry is null without an exception", async () => {
    const host = new HostRoot({ root: "/", proc: "/proc", mounts: new MountView() });
    await host.procRead("sys/kernel/ostype"); // the proc tree is known to be a procfs from here on
    const general = (rel: string, options: ReadOptions) => (host as unknown as { procReadEntry(r: string, o: ReadOptions): Promise<string> }).procReadEntry(rel, options);
    const resolve = vi.spyOn(host, "procResolve");
    const cases: [string, ReadOptions][] = [
      ["sys/kernel/ostype", {}],
      ["sys/net/ipv4/ip_forward", {}],
      ["net/sockstat", {}],
      ["self/comm", {}],
      ["self/limits", {}],
      ["self/cmdline", {}],
      // Over the cap: by its size before the read, and (a procfs entry says 0) while reading.
      ["sys/kernel/ostype", { maxBytes: 2 }],
      ["self/limits", { maxBytes: 10 }],
      ["sys/kernel", {}],
      ["self", {}],
    ];
    for (const [rel, options] of cases) {
      resolve.mockClear();
      const fast = await outcome(host.procRead(rel, options));
      expect(resolve, rel).not.toHaveBeenCalled();
      expect(fast, rel).toEqual(await outcome(general(rel, options)));
    }
    expect(await outcome(host.procRead("sys/kernel"))).toMatchObject({ code: ErrorCodes.FILE_NOT_REGULAR, message: "/proc/sys/kernel is a directory, not a file" });
    expect(await outcome(host.procRead("self"))).toMatchObject({ code: ErrorCodes.FILE_NOT_REGULAR, message: "/proc/self is not a regular file" });
    // Missing: null from the fast path; procRead throws the general path's error, as before.
    for (const rel of ["sys/kernel/no-such-tunable", "self/comm/x"]) {
      resolve.mockClear();
      expect(await host.procReadIfExists(rel), rel).toBeNull();
      expect(resolve, rel).not.toHaveBeenCalled();
      expect(await outcome(host.procRead(rel)), rel).toEqual(await outcome(general(rel, {})));
    }
  });

  it("an entry through a magic link (root, cwd, exe, fd, map_files), a `.`/`..` or an odd name goes the general way, refused or walked as before", async () => {
    const host = new HostRoot({ root: "/", proc: "/proc", mounts: new MountView() });
    await host.procRead("sys/kernel/ostype");
    const resolve = vi.spyOn(host, "procResolve");
    await expect(host.procRead("self/fd/0")).rejects.toMatchObject({ code: ErrorCodes.PATH_ESCAPE });
    await expect(host.procRead("self/exe")).rejects.toMatchObject({ code: ErrorCodes.PATH_ESCAPE });
    await expect(host.procRead(`self/task/${process.pid}/exe`)).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_REGULAR }); // a link, not followed
    expect(await host.procRead("self/root/etc/hostname")).toBe(await readFile("/etc/hostname", "utf8"));
    await expect(host.procRead("sys/../../etc/hostname")).rejects.toMatchObject({ code: ErrorCodes.PATH_ESCAPE, message: "proc path sys/../../etc/hostname leaves /proc" });
    expect(await host.procRead("./sys/kernel/ostype")).toBe("Linux\n");
    expect(resolve.mock.calls.map((c) => c[0])).toEqual(["self/fd/0", "self/exe", `self/task/${process.pid}/exe`, "self/root/etc/hostname", "sys/../../etc/hostname", "./sys/kernel/ostype"]);
  });

  it("a proc tree that is not a procfs (a fixture) never takes it: a link in it is resolved inside the root", async () => {
    const root = await fixtureRoot({ "etc/passwd": "inside\n", "proc/sys/kernel/ostype": { symlink: "/etc/passwd" } });
    const host = new HostRoot({ root });
    await host.procRead("sys/kernel/ostype");
    const resolve = vi.spyOn(host, "procResolve");
    expect(await host.procRead("sys/kernel/ostype")).toBe("inside\n");
    expect(resolve).toHaveBeenCalledTimes(1);
  });
});

describe("only regular files are opened", () => {
  const canMknod = spawnSync("mknod", ["--help"]).status === 0 && process.getuid?.() === 0;

  it.runIf(canMknod)("a device node is refused from its lstat (never opened), as is a FIFO", async () => {
    const root = await fixtureRoot({ "etc/hostname": "x\n" });
    expect(spawnSync("mknod", [path.join(root, "etc/watchdog"), "c", "1", "3"]).status).toBe(0);
    expect(spawnSync("mkfifo", [path.join(root, "etc/fifo")]).status).toBe(0);
    const host = new HostRoot({ root });
    await expect(host.readFile("/etc/watchdog")).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_REGULAR, message: "/etc/watchdog is not a regular file" });
    await expect(host.readFile("/etc/fifo")).rejects.toMatchObject({ code: ErrorCodes.FILE_NOT_REGULAR });
    // The open is what would act on the device: its atime is untouched, since nothing opened it.
  });

  it("a file over the size cap is refused before it is opened", async () => {
    const root = await fixtureRoot({ "etc/big": "x".repeat(2048) });
    await expect(new HostRoot({ root, maxFileBytes: 1024 }).readFile("/etc/big")).rejects.toMatchObject({
      code: ErrorCodes.FILE_TOO_LARGE,
      message: "/etc/big is 2048 bytes, over the 1024-byte read limit",
    });
  });
});

describe("a scan of a root full of escaping links", () => {
  it("reads nothing from outside: no outside content in the report, escapes reported as errors", async () => {
    const root = await tmp("nodeward-escape-root-");
    const outside = await tmp("nodeward-escape-out-");
    await escapingLinks(root, outside);
    const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
    const report = await runScan({ host: new HostRoot({ root }), packs: loaded.packs, inventory: false });
    const text = JSON.stringify(report);
    expect(text).not.toContain("OUTSIDE-SECRET");
    expect(text).not.toContain("outside:x:0:0");
    const messages = report.results.filter((r) => r.status === "error").map((r) => r.message ?? "");
    expect(messages.some((m) => m.includes("/etc/ssh/sshd_config -> ../") && m.includes("points outside the root"))).toBe(true);
    expect(messages.some((m) => m.includes("too many levels of symbolic links") && m.includes("/proc/"))).toBe(true);
  }, 120_000);
});
