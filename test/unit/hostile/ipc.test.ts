/**
 * The agent's child processes take requests over IPC: a message that is not a request (null,
 * a string, a list, no kind, fields of the wrong type) is answered `ok: false` saying so, and the
 * long-lived re-check process keeps answering (a `null` made it throw and exit).
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { forkScanChild } from "../../../src/agent/scan-process.js";
import { ensureCliBuilt, REPO } from "../../helpers/cli.js";

beforeAll(ensureCliBuilt, 300_000);

describe("malformed IPC requests", () => {
  it("the re-check process answers each with ok: false and goes on answering", async () => {
    // The compiled entry (ensureCliBuilt builds it; the bundle, made by npm run build, is the same source).
    for (const module of ["dist/agent/recheck-main.js"]) {
      const { child } = forkScanChild({ module: path.join(REPO, module) });
      try {
        const replies: unknown[] = [];
        child.on("message", (m: unknown) => replies.push(m));
        const ask = async (msg: unknown): Promise<unknown> => {
          const n = replies.length;
          child.send(msg as object);
          for (let i = 0; i < 600 && replies.length === n && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
          return replies[n];
        };
        expect(await ask(null), module).toEqual({ ok: false, message: "the re-check process got a malformed request (null)" });
        expect(await ask("recheck")).toEqual({ ok: false, message: "the re-check process got a malformed request (string)" });
        expect(await ask([1])).toEqual({ ok: false, message: "the re-check process got a malformed request (a list)" });
        expect(await ask({ id: 1 })).toEqual({ ok: false, message: "the re-check process got a malformed request (no kind)" });
        expect(await ask({ kind: "recheck", id: 2, keys: 5 })).toEqual({ ok: false, id: 2, message: "req.keys is not iterable" });
        expect(await ask({ kind: "scan" })).toEqual({ ok: false, message: "the re-check process answers re-checks, not a scan request" });
        expect(child.exitCode, module).toBe(null);
      } finally {
        child.kill("SIGKILL");
      }
    }
  }, 120_000);

  it("the scan process answers one with ok: false and exits 0", async () => {
    const { child } = forkScanChild({ module: path.join(REPO, "dist/agent/scan-child.js") });
    const replies: unknown[] = [];
    child.on("message", (m: unknown) => replies.push(m));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.send(null as unknown as object);
    expect(await exited).toBe(0);
    expect(replies).toEqual([{ ok: false, message: "the scan process got a malformed request (null)" }]);
  }, 60_000);
});
