import { execFileSync, spawn } from "node:child_process";
import { lchown, lstat, readFile, readlink, stat, symlink } from "node:fs/promises";
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

  it.runIf(process.getuid?.() === 0)("refuses a link another user owns (uid 65534) to a device: never written through", async () => {
    const dir = await fixtureRoot({});
    const link = path.join(dir, "out.json");
    await symlink("/dev/null", link);
    await lchown(link, 65534, 65534);
    await expect(writeFileAtomic(link, ["{", "}\n"])).rejects.toThrow("it is a symbolic link owned by uid 65534 to a file that is not regular; not written through");
    expect(await readlink(link)).toBe("/dev/null");
  });

  it("a FIFO no process reads (the path itself, or behind a link): refused, not waited on; one that is read gets the report", async () => {
    const dir = await fixtureRoot({});
    const fifo = path.join(dir, "out.fifo");
    execFileSync("mkfifo", [fifo]);
    await symlink(fifo, path.join(dir, "link.json"));
    await expect(writeFileAtomic(fifo, ["{", "}\n"])).rejects.toThrow("it is a FIFO that no process reads");
    await expect(writeFileAtomic(path.join(dir, "link.json"), ["{", "}\n"])).rejects.toThrow("it is a FIFO that no process reads");
    const reader = spawn("cat", [fifo]);
    const got = new Promise<string>((resolve) => {
      let out = "";
      reader.stdout.on("data", (b: Buffer) => (out += b.toString()));
      reader.on("close", () => resolve(out));
    });
    // Retried until cat has the FIFO open (its open is not observable otherwise).
    for (let i = 0; ; i++) {
      try {
        await writeFileAtomic(fifo, ["{", "}\n"]);
        break;
      } catch (e) {
        if (i > 200) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(await got).toBe("{}\n");
    expect((await lstat(fifo)).isFIFO()).toBe(true);
  });
});
