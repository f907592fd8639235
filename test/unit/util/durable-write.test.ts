import { readdir, readFile, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempFileFor, writeFileDurable } from "../../../src/util/durable-write.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

describe("writeFileDurable", () => {
  it("replaces the file whole and leaves no temp file", async () => {
    const dir = await fixtureRoot({ "f.json": "old" });
    await writeFileDurable(path.join(dir, "f.json"), "{}");
    expect(await readFile(path.join(dir, "f.json"), "utf8")).toBe("{}");
    expect(await readdir(dir)).toEqual(["f.json"]);
  });

  it("writes a text given in pieces as the pieces joined", async () => {
    const dir = await fixtureRoot({ "f.json": "old" });
    const pieces = Array.from({ length: 5000 }, (_, i) => `${i} 권한\n`);
    await writeFileDurable(path.join(dir, "f.json"), pieces.values());
    expect(await readFile(path.join(dir, "f.json"), "utf8")).toBe(pieces.join(""));
    expect(await readdir(dir)).toEqual(["f.json"]);
  });

  it("creates with the given mode (0600 by default)", async () => {
    const dir = await fixtureRoot({});
    await writeFileDurable(path.join(dir, "a"), "x");
    await writeFileDurable(path.join(dir, "b"), "x", { mode: 0o640 });
    expect((await stat(path.join(dir, "a"))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, "b"))).mode & 0o777).toBe(0o640 & ~process.umask());
  });

  it("sets an exact mode through the descriptor, whatever the umask", async () => {
    const dir = await fixtureRoot({});
    const { uid, gid } = await stat(dir);
    await writeFileDurable(path.join(dir, "c"), "x", { exact: { mode: 0o4755, uid, gid } });
    expect((await stat(path.join(dir, "c"))).mode & 0o7777).toBe(0o4755);
  });

  it("replaces a symlink at the target rather than writing through it", async () => {
    const dir = await fixtureRoot({ "real": "keep" });
    await symlink(path.join(dir, "real"), path.join(dir, "link"));
    await writeFileDurable(path.join(dir, "link"), "new");
    expect(await readFile(path.join(dir, "real"), "utf8")).toBe("keep");
    expect((await stat(path.join(dir, "link"))).isFile()).toBe(true);
  });

  it("leaves the temp file when the hook before the rename throws, as a crash would", async () => {
    const dir = await fixtureRoot({ "f": "old" });
    const tmp = path.join(dir, ".f.nodeward-test.tmp");
    await expect(writeFileDurable(path.join(dir, "f"), "new", { tmp, beforeRename: () => { throw new Error("crash"); } })).rejects.toThrow("crash");
    expect(await readFile(path.join(dir, "f"), "utf8")).toBe("old");
    expect(await readFile(tmp, "utf8")).toBe("new");
    // the next write with the same temp name replaces the leftover
    await writeFileDurable(path.join(dir, "f"), "newer", { tmp });
    expect(await readdir(dir)).toEqual(["f"]);
    expect(await readFile(path.join(dir, "f"), "utf8")).toBe("newer");
  });

  it("removes its temp file when the rename fails", async () => {
    const dir = await fixtureRoot({ "d/inside": "x" });
    await expect(writeFileDurable(path.join(dir, "d"), "x")).rejects.toThrow(/EISDIR|EEXIST|ENOTEMPTY|directory/);
    expect((await readdir(dir)).sort()).toEqual(["d"]);
  });

  it("names its temp file beside the target, hidden, with the pid", () => {
    expect(tempFileFor("/var/lib/nodeward/state.json")).toMatch(new RegExp(`^/var/lib/nodeward/\\.state\\.json\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
  });
});
