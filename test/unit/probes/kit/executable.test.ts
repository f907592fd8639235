import { chmod } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createProbeContext } from "../../../../src/engine/run-checks.js";
import { HostRoot } from "../../../../src/host/host-root.js";
import { MountView, parseMountinfo } from "../../../../src/host/mount-view.js";
import { findExecutable, unavailable } from "../../../../src/probes/kit/executable.js";
import { cleanupFixtures, fixtureRoot } from "../../../helpers/fixture-root.js";
import { TableHost } from "../../../helpers/hidden-sources.js";

afterAll(cleanupFixtures);
afterEach(() => {
  vi.unstubAllEnvs();
});

/** A directory holding `names` as empty files, mode 0755 unless given. */
async function binDir(names: string[], modes: Record<string, number> = {}): Promise<string> {
  const dir = await fixtureRoot(Object.fromEntries(names.map((n) => [n, ""])));
  for (const n of names) await chmod(path.join(dir, n), modes[n] ?? 0o755);
  return dir;
}

const live = (host = new HostRoot({ root: "/" })) => createProbeContext(host);

describe("findExecutable", () => {
  it("the first executable regular file in PATH order; relative entries ignored; a non-executable earlier one is passed over", async () => {
    const first = await binDir(["tool"], { tool: 0o644 });
    const second = await binDir(["tool"]);
    vi.stubEnv("PATH", `.::${first}:${second}`);
    expect(await findExecutable(live(), "tool")).toEqual({ path: `${second}/tool` });
  });

  it("absent from every searchable directory: 'not found in PATH', the same message under any PATH, nothing hidden", async () => {
    const a = await binDir(["other"]);
    const b = await binDir([]);
    vi.stubEnv("PATH", `${a}:${b}:/nonexistent:${a}/other`);
    const one = await findExecutable(live(), "tool");
    vi.stubEnv("PATH", b);
    const two = await findExecutable(live(), "tool");
    expect(one).toEqual({ missing: "not found in PATH", hidden: [] });
    expect(two).toEqual(one);
    expect(unavailable("tool", one as { missing: string; hidden: string[] })).toBe("tool is not installed (not found in PATH)");
  });

  it("a PATH directory the agent may not search (EACCES) is named: no proof of absence, never 'not installed'", async () => {
    const open = await binDir([]);
    const closed = await binDir(["tool"]);
    vi.stubEnv("PATH", `${open}:${closed}`);
    const host = new TableHost({ root: "/", hide: { source: `root:${closed}`, mode: "unreadable" } });
    const exe = await findExecutable(live(host), "tool");
    expect(exe).toEqual({ missing: `not found in PATH; could not search: ${closed} (EACCES)`, hidden: [`${closed} (EACCES)`] });
    expect(unavailable("tool", exe as { missing: string; hidden: string[] })).toBe(`tool was not found in PATH; could not search: ${closed} (EACCES)`);
  });

  it("a candidate masked in nodeward's mount namespace (InaccessiblePaths=) or left mode 0000 is named, never 'not installed'", async () => {
    const bin = await binDir(["tool"]);
    vi.stubEnv("PATH", bin);
    const lines = ["1 0 8:1 / / rw - ext4 /dev/sda rw", `2 1 0:26 /systemd/inaccessible/reg ${bin}/tool ro,nosuid,nodev,noexec - tmpfs tmpfs rw,mode=755`];
    const mounts = MountView.compare("/", parseMountinfo(lines.join("\n")).entries, null);
    const masked = await findExecutable(live(new HostRoot({ root: "/", mounts })), "tool");
    expect(masked).toMatchObject({ hidden: [expect.stringMatching(new RegExp(`^${bin}/tool is hidden from nodeward: ${bin}/tool is masked in nodeward's mount namespace \\(tmpfs /systemd/inaccessible/reg mounted over it`))] });
    expect((masked as { missing: string }).missing).toMatch(/^not found in PATH; could not search: /);
    // systemd's inaccessible node itself, seen where no mount view tells: a mode-0000 regular file.
    const zero = await binDir(["tool"], { tool: 0o000 });
    vi.stubEnv("PATH", zero);
    expect(await findExecutable(live(), "tool")).toEqual({ missing: `not found in PATH; could not search: ${zero}/tool (not executable: mode 0000)`, hidden: [`${zero}/tool (not executable: mode 0000)`] });
  });

  it("looked up once per scan", async () => {
    const bin = await binDir(["tool"]);
    vi.stubEnv("PATH", bin);
    const ctx = live();
    expect(await findExecutable(ctx, "tool")).toEqual({ path: `${bin}/tool` });
    vi.stubEnv("PATH", "/nonexistent");
    expect(await findExecutable(ctx, "tool")).toEqual({ path: `${bin}/tool` });
  });
});
