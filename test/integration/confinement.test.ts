/**
 * Issue 19, confinement, proven by the kernel's own record: a whole `nodeward scan
 * --root DIR` (every bundled pack, --deep) runs under `strace -f` on a root full of
 * links that point out of it (absolute, relative, proc/PID/root, proc -> /proc, …), and
 * no path outside DIR is opened or read as a link, except the Node runtime's own files.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the bench (no types)
import { escapingLinks } from "../../bench/hostile-roots.mjs";
import { CLI_PATH, inCI, REPO_ROOT } from "./helpers.js";

const haveStrace = spawnSync("strace", ["-V"]).status === 0;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** What Node itself opens whatever it runs: its libraries, cgroup limits, time zone, OpenSSL. */
const RUNTIME = [
  /^\/(usr\/)?lib(64|x32)?\//,
  /^\/etc\/ld\.so\.(cache|preload)$/,
  /^\/etc\/(localtime|ssl\/.*|nsswitch\.conf|gai\.conf|host\.conf|resolv\.conf)$/,
  /^\/usr\/share\/zoneinfo(\/.*)?$/,
  /^\/(etc|usr|usr\/share)$/,
  /^\/proc\/self\/(maps|exe|cgroup|stat|status|mountinfo)$/,
  // the same, as -y shows /proc/self: Node's own pid (mountinfo: nodeward's own mount
  // table, read to decide whether file-system calls may be synchronous, HostRoot.syncCalls)
  /^\/proc\/\d+\/(maps|cgroup|mountinfo)$/,
  /^\/proc\/(meminfo|sys\/vm\/overcommit_memory|cpuinfo|stat)$/,
  /^\/sys\/fs\/cgroup\//,
  /^\/sys\/devices\/system\/cpu\//,
  /^\/dev\/(null|urandom|random|tty|pts\/\d+)$/,
];

describe("confinement under strace", () => {
  if (!haveStrace) {
    if (inCI()) it("has strace", () => expect.fail("strace is missing: test/integration/setup.sh installs it"));
    else it.skip("needs strace (apt-get install strace; test/integration/setup.sh installs it)", () => {});
    return;
  }

  it("a scan of a root full of escaping links opens nothing outside the root", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "nodeward-confine-root-"));
    const outside = await mkdtemp(path.join(tmpdir(), "nodeward-confine-out-"));
    const log = path.join(await mkdtemp(path.join(tmpdir(), "nodeward-strace-")), "trace");
    dirs.push(root, outside, path.dirname(log));
    await escapingLinks(root, outside);
    const r = spawnSync(
      "strace",
      ["-f", "-qq", "-y", "-e", "trace=open,openat,openat2,readlink,readlinkat", "-o", log, process.execPath, CLI_PATH, "scan", "--root", root, "--deep", "--format", "json"],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
    );
    expect(r.status, r.stderr).toBeLessThanOrEqual(1);
    expect(r.stdout).not.toContain("OUTSIDE-SECRET");

    // The path argument of each call (not the link text a readlink returns), and with -y
    // the real path of each file descriptor an open returned (where the kernel's own
    // following of a link would show).
    const paths = new Set<string>();
    for (const line of (await readFile(log, "utf8")).split("\n")) {
      const m = /\b(?:openat2?|readlinkat)\([^,]+,\s*"((?:[^"\\]|\\.)*)"|\b(?:open|readlink)\("((?:[^"\\]|\\.)*)"/.exec(line);
      const p = m?.[1] ?? m?.[2];
      if (p !== undefined) paths.add(p);
      const fd = /\)\s*=\s*\d+<([^>]*)>\s*$/.exec(line);
      if (fd?.[1] !== undefined && /\bopen/.test(line)) paths.add(fd[1]);
    }
    expect(paths.size).toBeGreaterThan(100);
    const inside = (p: string) => p === root || p.startsWith(root + "/");
    const ours = (p: string) => p === REPO_ROOT || p.startsWith(REPO_ROOT + "/") || p === process.execPath;
    const stray = [...paths].filter((p) => path.isAbsolute(p) && !inside(p) && !ours(p) && !RUNTIME.some((re) => re.test(p)));
    expect(stray).toEqual([]);
    expect([...paths].filter((p) => p.startsWith(outside))).toEqual([]);
    // Relative paths would be resolved against the cwd: there must be none.
    expect([...paths].filter((p) => !path.isAbsolute(p))).toEqual([]);
  }, 360_000);
});
