/**
 * Issue 19, recoverable remediation state: an empty or corrupt lock (a full disk, a
 * kill while it was written) or a corrupt run status is detected and recovered with a
 * message; `rollback` with nothing to roll back is exit 2 with a sentence.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStore } from "../../../src/remediation/journal.js";
import { ensureCliBuilt, runCli } from "../../helpers/cli.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
beforeAll(ensureCliBuilt, 300_000);

async function stateDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), "nodeward-state-"));
  dirs.push(d);
  await mkdir(path.join(d, "runs"), { recursive: true });
  return d;
}

function store(dir: string): { store: RunStore; notices: string[] } {
  const s = new RunStore(dir);
  const notices: string[] = [];
  s.onNotice = (m) => notices.push(m);
  return { store: s, notices };
}

describe("the remediation lock", () => {
  it.each([
    ["empty", "", "was empty"],
    ["corrupt", "{\"pid\":", "was corrupt"],
    ["not a pid", "{\"pid\":\"x\"}", "was corrupt"],
  ])("an %s runs/.lock is removed with a message, and the lock is taken", async (_n, content, says) => {
    const dir = await stateDir();
    await writeFile(path.join(dir, "runs/.lock"), content);
    const { store: s, notices } = store(dir);
    const unlock = await s.lock();
    expect(notices).toEqual([expect.stringContaining(`${path.join(dir, "runs/.lock")} ${says}`)]);
    await unlock();
    expect(await readdir(path.join(dir, "runs"))).toEqual([]);
  });

  it("a lock held by a live process is still refused", async () => {
    const dir = await stateDir();
    await writeFile(path.join(dir, "runs/.lock"), JSON.stringify({ pid: process.pid }));
    await expect(store(dir).store.lock()).rejects.toThrow(`another nodeward remediation or rollback (pid ${process.pid}) holds`);
  });
});

describe("run status", () => {
  it("a corrupt status.json is named and left out of the list, never an 'Unexpected end of JSON input'", async () => {
    const dir = await stateDir();
    await mkdir(path.join(dir, "runs/20260101T000000Z-1"), { recursive: true });
    await writeFile(path.join(dir, "runs/20260101T000000Z-1/status.json"), "");
    const { store: s, notices } = store(dir);
    expect(await s.list()).toEqual([]);
    expect(notices[0]).toContain("run 20260101T000000Z-1:");
    expect(notices[0]).toContain("status.json is empty; that run is left out");
  });
});

describe("nodeward rollback", () => {
  it("with no runs: exit 2 and a sentence, not an internal error", async () => {
    const dir = await stateDir();
    const r = await runCli(["rollback", "--state-dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`nodeward rollback: nothing to roll back: there are no remediation runs in ${path.join(dir, "runs")}.\n`);
  });

  it("with an empty lock left behind: recovers, says so, and rolls back nothing with exit 2", async () => {
    const dir = await stateDir();
    await writeFile(path.join(dir, "runs/.lock"), "");
    const r = await runCli(["rollback", "--state-dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("internal error");
  });
});
