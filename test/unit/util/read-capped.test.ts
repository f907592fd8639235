/**
 * readTextCapped: an operator-named file (--waivers, the agent's config, token, TLS files) is read
 * whole up to its cap, never past it: /dev/zero and an endless FIFO are refused naming the cap; a
 * FIFO whose writer ends is read as a file (`--waivers <(...)`).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/agent/config.js";
import { readTextCapped } from "../../../src/util/read-capped.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempDir = async () => {
  const d = await mkdtemp(path.join(tmpdir(), "nodeward-capped-"));
  dirs.push(d);
  return d;
};

describe("readTextCapped", () => {
  it("reads a file of exactly the cap; one byte more is refused naming the file and the cap", async () => {
    const dir = await tempDir();
    const at = path.join(dir, "at.yaml");
    await writeFile(at, "x".repeat(100_000));
    expect(await readTextCapped(at, 100_000)).toBe("x".repeat(100_000));
    await expect(readTextCapped(at, 99_999)).rejects.toThrow(`${at} is over the 99999-byte read limit`);
  });

  it("/dev/zero is refused at the cap instead of read until memory runs out", async () => {
    await expect(readTextCapped("/dev/zero", 1_000_000)).rejects.toMatchObject({ messageId: "GREW_OVER_READ_LIMIT", message: "/dev/zero is over the 1000000-byte read limit" });
  });

  it("a FIFO whose writer ends is read whole; one whose writer goes on is refused at the cap", async () => {
    const dir = await tempDir();
    const fifo = path.join(dir, "waivers.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const writer = spawn("sh", ["-c", `printf 'waivers: []\\n' > '${fifo}'`], { stdio: "ignore" });
    const written = new Promise((r) => writer.once("exit", r));
    let read: string | undefined;
    try {
      read = await readTextCapped(fifo, 4096);
    } finally {
      // Only when the read failed: the writer would wait on the FIFO forever. After a whole
      // read it has closed the FIFO and exits by itself; killing it then raced its exit
      // (exit code null under load).
      if (read === undefined) writer.kill();
    }
    expect(read).toBe("waivers: []\n");
    expect(await written).toBe(0);
    const endless = spawn("sh", ["-c", `exec cat /dev/zero > '${fifo}'`], { stdio: "ignore" });
    try {
      await expect(readTextCapped(fifo, 65_536)).rejects.toThrow(`${fifo} is over the 65536-byte read limit`);
    } finally {
      endless.kill();
    }
  });

  it("the agent's config: --config /dev/zero is a config error naming the cap", async () => {
    await expect(loadConfig("/dev/zero", { explicit: true })).rejects.toThrow("/dev/zero:1:1: cannot read: /dev/zero is over the 8388608-byte read limit");
  });
});
