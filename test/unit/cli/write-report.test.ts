import { lstat, readFile, readlink, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../../src/cli/common.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

describe("writeFileAtomic (scan -o FILE)", () => {
  it("writes through a link to a device (as /dev/stdout is) and leaves the link a link", async () => {
    const dir = await fixtureRoot({});
    const link = path.join(dir, "out");
    await symlink("/dev/null", link);
    await writeFileAtomic(link, ["{", "}\n"]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe("/dev/null");
    expect((await stat("/dev/null")).isCharacterDevice()).toBe(true);
  });

  it("replaces a link to a regular file outside /dev and /proc with the report, the file it named untouched", async () => {
    const dir = await fixtureRoot({ "real.json": "keep" });
    const link = path.join(dir, "out.json");
    await symlink(path.join(dir, "real.json"), link);
    await writeFileAtomic(link, ["{", "}\n"]);
    expect((await lstat(link)).isFile()).toBe(true);
    expect(await readFile(link, "utf8")).toBe("{}\n");
    expect(await readFile(path.join(dir, "real.json"), "utf8")).toBe("keep");
  });
});
