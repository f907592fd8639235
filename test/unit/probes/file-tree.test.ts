import { afterAll, describe, expect, it } from "vitest";
import fileTree, { matchesFilter } from "../../../src/probes/file-tree.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

probeConformance(fileTree, {
  params: [{}, { paths: ["/etc"], filter: { "perm-any": "6000" } }],
  mayOmit: { note: "set only when the walk had something to say" },
  offline: {},
});

afterAll(cleanupFixtures);

const collect = (ctx: ProbeContext, raw: Record<string, unknown>) => fileTree.collect(ctx, fileTree.params.parse(raw));

const ACCOUNTS = { "etc/passwd": "root:x:0:0::/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n", "etc/group": "root:x:0:\nalice:x:1000:\n" };

async function tree(): Promise<string> {
  return fixtureRoot({
    ...ACCOUNTS,
    "usr/bin/passwd": { content: "x", mode: 0o4755, uid: 0, gid: 0 },
    "usr/bin/wall": { content: "x", mode: 0o2755, uid: 0, gid: 0 },
    "usr/bin/ls": { content: "x", mode: 0o755, uid: 0, gid: 0 },
    "etc/app.conf": { content: "x", mode: 0o666, uid: 0, gid: 0 },
    tmp: { dir: true, mode: 0o1777, uid: 0, gid: 0 },
    "srv/share": { dir: true, mode: 0o777, uid: 0, gid: 0 },
    "srv/orphan": { content: "x", mode: 0o644, uid: 4242, gid: 0 },
    "srv/orphan-group": { content: "x", mode: 0o644, uid: 1000, gid: 4343 },
    "srv/link": { symlink: "/usr/bin/passwd" },
    "proc/1/secret": { content: "x", mode: 0o4777, uid: 0, gid: 0 },
    "var/lib/containerd/layer/bin/su": { content: "x", mode: 0o4755, uid: 0, gid: 0 },
    "dev/null": { content: "", mode: 0o666, uid: 0, gid: 0 },
    "dev/pts": { dir: true },
    "a/b/c/d/deep-suid": { content: "x", mode: 0o4700, uid: 0, gid: 0 },
  });
}

describe("file-tree probe", () => {
  it("finds SUID/SGID files, skipping symlinks, pseudo filesystems and container storage", async () => {
    const ctx = probeContext(await tree());
    const f = await collect(ctx, { filter: { "perm-any": "6000", type: "file" } });
    expect(f.value.matches.map((m) => m.path)).toEqual(["/a/b/c/d/deep-suid", "/usr/bin/passwd", "/usr/bin/wall"]);
    expect(f.value.matches[1]).toEqual({ path: "/usr/bin/passwd", type: "file", mode: 0o4755, owner: "root", group: "root", uid: 0, gid: 0 });
    expect(f.value).toMatchObject({ paths: ["/"], count: 3, truncated: false, errors: 0 });
    expect(f.unknown).toBeUndefined();
    expect(f.evidence[0]?.detail).toMatch(/^walked \/ \(one filesystem\): \d+ entries in \d+ ms$/);
    expect(f.evidence).toContainEqual({ file: "/usr/bin/wall", detail: "file mode 2755 root:root" });
  });

  it("world-writable: perm-all 0002, sticky directories left out on request", async () => {
    const ctx = probeContext(await tree());
    const all = await collect(ctx, { filter: { "perm-all": "0002" } });
    expect(all.value.matches.map((m) => m.path)).toEqual(["/etc/app.conf", "/srv/share", "/tmp"]);
    const noSticky = await collect(ctx, { filter: { "perm-all": "0002", excludeSticky: true, type: ["file", "directory"] } });
    expect(noSticky.value.matches.map((m) => m.path)).toEqual(["/etc/app.conf", "/srv/share"]);
    const files = await collect(ctx, { filter: { "perm-all": "0002", type: "file" } });
    expect(files.value.matches.map((m) => m.path)).toEqual(["/etc/app.conf"]);
  });

  it("nouser / nogroup (either, like find -nouser -o -nogroup) against the root's own passwd and group", async () => {
    const ctx = probeContext(await tree());
    const either = await collect(ctx, { filter: { nouser: true, nogroup: true } });
    expect(either.value.matches.map((m) => [m.path, m.owner, m.group])).toEqual([
      ["/srv/orphan", "4242", "root"],
      ["/srv/orphan-group", "alice", "4343"],
    ]);
    expect((await collect(ctx, { filter: { nouser: true } })).value.count).toBe(1);
  });

  it("walks an excluded directory when it is the start path (/dev), listing regular files there", async () => {
    const ctx = probeContext(await tree());
    const f = await collect(ctx, { paths: ["/dev"], filter: { type: "file" } });
    expect(f.value.matches.map((m) => m.path)).toEqual(["/dev/null"]);
  });

  it("walks once per scan for any number of filters", async () => {
    const ctx = probeContext(await tree());
    let walks = 0;
    const once = ctx.once.bind(ctx);
    ctx.once = <T>(key: string, load: () => Promise<T>): Promise<T> =>
      once(key, key.startsWith("file-tree:walk:") ? () => { walks++; return load(); } : load);
    await collect(ctx, { filter: { "perm-any": "6000" } });
    await collect(ctx, { filter: { "perm-all": "0002" } });
    await collect(ctx, { filter: { nouser: true } });
    expect(walks).toBe(1);
  });

  it("a capped walk with no match is unknown, never a pass; matches from a capped walk still count", async () => {
    const ctx = probeContext(await tree());
    const capped = await collect(ctx, { maxEntries: 3, filter: { nouser: true } });
    expect(capped.value.truncated).toBe(true);
    expect(capped.unknown?.count).toMatch(/stopped at the 3-entry cap/);
    const depth = await collect(probeContext(await tree()), { maxDepth: 1, filter: { "perm-any": "6000", type: "file" } });
    expect(depth.value.truncated).toBe(true);
    expect(depth.unknown?.count).toMatch(/not entered below the depth limit 1/); // /usr/bin is not entered
    expect(depth.value.note).toMatch(/walk incomplete: not entered below the depth limit 1/);
  });

  it("past retainAll entries only notable ones are kept: SUID, world-writable and unowned still answer, a type-only filter is unknown", async () => {
    const root = await tree();
    const full = probeContext(root);
    const kept = probeContext(root);
    const q = async (ctx: ProbeContext, filter: Record<string, unknown>, retainAll?: number) =>
      collect(ctx, { filter, ...(retainAll !== undefined ? { retainAll } : {}) });
    // The same answers as a walk that keeps everything, for every filter the packs use on "/".
    for (const filter of [{ "perm-any": "6000", type: "file" }, { "perm-all": "0002", excludeSticky: true }, { nouser: true, nogroup: true }]) {
      const a = await q(full, filter);
      const b = await q(kept, filter, 2);
      expect(b.value.matches, JSON.stringify(filter)).toEqual(a.value.matches);
      expect(b.unknown).toBeUndefined();
    }
    const files = await q(kept, { type: "file" }, 2);
    expect(files.unknown?.count).toBe(
      "the walk passed 2 entries, beyond which only notable ones (special permission bits, an unknown owner or group, neither file nor directory) are kept, and this filter matches others too",
    );
    expect((await q(full, { type: "file" })).unknown).toBeUndefined();
  });

  it("reports a missing start path in a note and lists at most maxMatches", async () => {
    const ctx = probeContext(await tree());
    const f = await collect(ctx, { paths: ["/nope", "/usr"], filter: { type: "file" }, maxMatches: 1 });
    expect(f.value.count).toBe(3);
    expect(f.value.matches).toHaveLength(1);
    expect(f.value.note).toBe("not present: /nope; 3 matches, first 1 listed");
  });

  it("rejects bad filters at load", () => {
    expect(() => fileTree.params.parse({ filter: { "perm-any": "9" } })).toThrow();
    expect(() => fileTree.params.parse({ filter: { size: 1 } })).toThrow();
    expect(() => fileTree.params.parse({ paths: ["relative"] })).toThrow();
  });
});

describe("matchesFilter", () => {
  const names = { users: new Map([[0, "root"]]), groups: new Map([[0, "root"]]) };
  it.each([
    [0o100644, {}, true],
    [0o104755, { "perm-any": "6000" }, true],
    [0o100755, { "perm-any": "6000" }, false],
    [0o100606, { "perm-all": "0002" }, true],
    [0o100604, { "perm-all": "0006" }, false],
    [0o041777, { "perm-all": "0002", excludeSticky: true }, false],
    [0o040777, { "perm-all": "0002", excludeSticky: true }, true],
    [0o040755, { type: "file" as const }, false],
    [0o020666, { type: "other" as const }, true],
  ])("mode %o with %j → %s", (mode, filter, want) => {
    expect(matchesFilter({ mode, uid: 0, gid: 0 }, filter, names)).toBe(want);
  });
});
