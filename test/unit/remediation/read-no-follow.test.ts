/**
 * What a fix reads of the file it changes (readFileNoFollow) and what chmod/chown look at
 * (statNoFollow): a regular file only, never through a last link, typed before it is opened,
 * and never more than the scan's read limit (a file grown past it since its check read it is
 * refused, not read into memory whole).
 */
import { execFileSync } from "node:child_process";
import { chmod, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_FILE_BYTES } from "../../../src/host/host-root.js";
import { readFileNoFollow, statNoFollow } from "../../../src/remediation/atomic.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("readFileNoFollow / statNoFollow", () => {
  it("a regular file: its bytes and metadata; missing: null", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-rnf-"));
    dirs.push(dir);
    await writeFile(path.join(dir, "a.conf"), "PermitRootLogin no\n");
    await chmod(path.join(dir, "a.conf"), 0o640);
    const r = await readFileNoFollow(path.join(dir, "a.conf"));
    expect([r?.bytes.toString("utf8"), r?.mode]).toEqual(["PermitRootLogin no\n", 0o640]);
    expect(await readFileNoFollow(path.join(dir, "none"))).toBeNull();
    expect(await statNoFollow(path.join(dir, "none"))).toBeNull();
  });

  it(`a file over the read limit (${DEFAULT_MAX_FILE_BYTES} bytes) is refused naming it, not read; its mode is still seen`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-rnf-"));
    dirs.push(dir);
    const big = path.join(dir, "big.conf");
    await writeFile(big, "");
    await truncate(big, 64 * 1024 * 1024);
    await expect(readFileNoFollow(big)).rejects.toThrow(`${big} is 67108864 bytes, over the ${DEFAULT_MAX_FILE_BYTES}-byte read limit`);
    expect((await statNoFollow(big))?.mode).toBe(0o644 & ~process.umask());
  });

  it("a FIFO, a device and a link are refused before any open", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nodeward-rnf-"));
    dirs.push(dir);
    execFileSync("mkfifo", [path.join(dir, "fifo")]);
    await symlink("/etc/hostname", path.join(dir, "link"));
    await expect(readFileNoFollow(path.join(dir, "fifo"))).rejects.toThrow(`${dir}/fifo is not a regular file`);
    await expect(statNoFollow(path.join(dir, "fifo"))).rejects.toThrow(`${dir}/fifo is not a regular file`);
    await expect(readFileNoFollow("/dev/null")).rejects.toThrow("/dev/null is not a regular file");
    await expect(readFileNoFollow(path.join(dir, "link"))).rejects.toMatchObject({ name: "UnsafePathError" });
  });
});
