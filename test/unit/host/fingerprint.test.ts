/**
 * What drift compares: a path's fingerprint (identity, metadata, times) and the part of it a
 * permission check can see (metadataKey), on real files in a temp dir.
 */
import { appendFile, chmod, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { metadataKey, MISSING, pathFingerprint } from "../../../src/host/fingerprint.js";
import { HostRoot } from "../../../src/host/host-root.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function root(): Promise<{ dir: string; host: HostRoot; key: (p: string) => Promise<string>; print: (p: string) => Promise<string> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "nodeward-fp-"));
  dirs.push(dir);
  const host = new HostRoot({ root: dir });
  return { dir, host, print: (p) => pathFingerprint(host, p), key: async (p) => metadataKey(await pathFingerprint(host, p)) };
}

describe("metadataKey", () => {
  it("an append changes the fingerprint, not the key; chmod, a first byte, a replace by another mode and a removal change the key", async () => {
    const r = await root();
    await writeFile(path.join(r.dir, "app.log"), "");
    await chmod(path.join(r.dir, "app.log"), 0o640);
    const empty = await r.key("/app.log");
    expect(empty).toBe(`f:640:${process.getuid?.()}:${process.getgid?.()}:empty`);
    await appendFile(path.join(r.dir, "app.log"), "first\n");
    const written = await r.key("/app.log");
    expect(written).toBe(`f:640:${process.getuid?.()}:${process.getgid?.()}`);
    const before = await r.print("/app.log");
    await appendFile(path.join(r.dir, "app.log"), "second\n");
    expect(await r.print("/app.log")).not.toBe(before);
    expect(await r.key("/app.log")).toBe(written);
    await chmod(path.join(r.dir, "app.log"), 0o644);
    expect(await r.key("/app.log")).toBe(`f:644:${process.getuid?.()}:${process.getgid?.()}`);
    // Replaced by a file of the same mode: the same answer for a permission check.
    await writeFile(path.join(r.dir, "new.log"), "x");
    await chmod(path.join(r.dir, "new.log"), 0o644);
    await rename(path.join(r.dir, "new.log"), path.join(r.dir, "app.log"));
    expect(await r.key("/app.log")).toBe(`f:644:${process.getuid?.()}:${process.getgid?.()}`);
    await rm(path.join(r.dir, "app.log"));
    expect(await r.key("/app.log")).toBe(MISSING);
  });

  it("a symlink: its target's name and the target's metadata (a target with '>' in its name too)", async () => {
    const r = await root();
    await writeFile(path.join(r.dir, "a>b"), "x");
    await chmod(path.join(r.dir, "a>b"), 0o600);
    await symlink("a>b", path.join(r.dir, "link"));
    const k = await r.key("/link");
    expect(k).toMatch(/^l:777:\d+:\d+>a>b>f:600:\d+:\d+$/);
    await appendFile(path.join(r.dir, "a>b"), "more");
    expect(await r.key("/link")).toBe(k);
    await chmod(path.join(r.dir, "a>b"), 0o644);
    expect(await r.key("/link")).toMatch(/>f:644:\d+:\d+$/);
    await rm(path.join(r.dir, "a>b"));
    expect(await r.key("/link")).toMatch(/^l:777:\d+:\d+>a>b>-$/);
  });

  it("errors and missing names are kept as they are", () => {
    expect(metadataKey(MISSING)).toBe(MISSING);
    expect(metadataKey("!EACCES")).toBe("!EACCES");
  });
});
