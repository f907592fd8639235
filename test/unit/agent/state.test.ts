import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HISTORY_LIMIT, StateStore, stateJson, stateJsonPieces, type AgentState, type ScanSummary } from "../../../src/agent/state.js";
import { cleanupTempDirs, report, result, tempDir } from "./helpers.js";

afterAll(cleanupTempDirs);

function summary(i: number): ScanSummary {
  return { id: `s${i}`, trigger: "schedule", startedAt: new Date(2026, 0, 1, 0, i).toISOString(), durationMs: 10, summary: { pass: i, fail: 0, manual: 0, skip: 0, error: 0 }, waived: 0, loadErrors: 0 };
}

function state(id: string, n = 1): AgentState {
  return { latest: { id, trigger: "api", report: report([result("demo", "1.1", "pass"), result("demo", "1.2", "fail")]) }, history: Array.from({ length: n }, (_, i) => summary(i)) };
}

async function store() {
  const warnings: string[] = [];
  const dir = path.join(await tempDir(), "state");
  return { s: new StateStore(dir, { warn: (m) => void warnings.push(m) }), dir, warnings };
}

describe("state store", () => {
  it("starts empty, creates its directory 0700, round-trips the last report and the history", async () => {
    const { s, dir } = await store();
    expect(await s.load()).toEqual({ history: [] });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    await s.save(state("a", 3));
    expect((await stat(s.file)).mode & 0o777).toBe(0o600);
    const again = await new StateStore(dir).load();
    expect(again.latest?.id).toBe("a");
    expect(again.latest?.report.results.map((r) => r.status)).toEqual(["pass", "fail"]);
    expect(again.history.map((h) => h.id)).toEqual(["s0", "s1", "s2"]);
  });

  it(`keeps only the last ${HISTORY_LIMIT} summaries`, async () => {
    const { s } = await store();
    await s.load();
    await s.save(state("a", 30));
    expect((await s.load()).history.map((h) => h.id)).toEqual(Array.from({ length: 20 }, (_, i) => `s${i + 10}`));
  });

  it("a crash that leaves a temp file behind: load ignores it, removes it, and serves the previous state", async () => {
    const { s, dir, warnings } = await store();
    await s.load();
    await s.save(state("previous"));
    // A write killed between open() and rename(): half a JSON document in the temp file.
    const half = JSON.stringify(state("next")).slice(0, 100);
    await writeFile(path.join(dir, ".state.json.4242.deadbeef.tmp"), half);
    const loaded = await s.load();
    expect(loaded.latest?.id).toBe("previous");
    expect(await readdir(dir)).toEqual(["state.json"]);
    expect(warnings.join("\n")).toMatch(/interrupted state write/);
  });

  it("a corrupt state file is moved aside with a warning and never throws", async () => {
    const { s, dir, warnings } = await store();
    await s.load();
    await writeFile(s.file, '{"version":1,"latest":{"id":"x","trig');
    expect(await s.load()).toEqual({ history: [] });
    const names = await readdir(dir);
    expect(names.some((n) => n.startsWith("state.json.corrupt-"))).toBe(true);
    expect(names).not.toContain("state.json");
    expect(warnings.join("\n")).toMatch(/corrupt.*moved it to/);
    // Valid JSON of the wrong shape is corrupt too.
    await writeFile(s.file, JSON.stringify({ version: 1, history: "nope" }));
    expect(await s.load()).toEqual({ history: [] });
    await writeFile(s.file, JSON.stringify({ version: 99, history: [] }));
    expect(await s.load()).toEqual({ history: [] });
    expect((await readdir(dir)).filter((n) => n.includes("corrupt")).length).toBe(3);
  });

  it("concurrent saves are serialised and a reader never sees a partial file", async () => {
    const { s } = await store();
    await s.load();
    await s.save(state("seed", 20));
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        const text = await readFile(s.file, "utf8");
        JSON.parse(text); // throws on a torn read
        reads++;
      }
    })();
    await Promise.all(Array.from({ length: 40 }, (_, i) => s.save(state(`w${i}`, 20))));
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect((await s.load()).latest?.id).toBe("w39");
  });
});

describe("remediation requests", () => {
  it("the agent only drops a request file for nodeward-remediate.path (0600, whole)", async () => {
    const { requestRemediation, REMEDIATION_REQUEST } = await import("../../../src/agent/serve.js");
    const { readFile: rf, stat: st, readdir } = await import("node:fs/promises");
    const dir = await tempDir();
    const out = (await requestRemediation(dir)(["cis-debian-12/7.1.5"])) as { queued: boolean; request: string };
    expect(out.queued).toBe(true);
    expect(out.request).toBe(`${dir}/${REMEDIATION_REQUEST}`);
    const body = JSON.parse(await rf(out.request, "utf8")) as { checks: string[] };
    expect(body.checks).toEqual(["cis-debian-12/7.1.5"]);
    expect((await st(out.request)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual([REMEDIATION_REQUEST]);
  });

  it("the file is JSON.stringify's text, though the results are stringified a slice per event-loop turn", async () => {
    const results = Array.from({ length: 1234 }, (_, i) =>
      result(`p${i % 3}`, `${i}`, i % 4 === 0 ? "fail" : "skip", { message: `why ${i} "quoted" \u2265 ünïcode`, evidence: i % 5 ? [] : [{ file: "/etc/x", line: i }], ...(i % 7 ? {} : { level: 2 }) }),
    );
    const big: AgentState = {
      latest: { id: "big", trigger: "schedule", report: report(results, { loadErrors: ["one"] }), previews: [{ check: "p0/0", action: "file-mode", lines: ["-a", "+b"], skipped: [] }] },
      history: [summary(1), summary(2)],
      failingSince: { "p0/0": "2026-01-01T00:00:00.000Z" },
    };
    const snapshot = { version: 1, latest: big.latest, history: big.history, failingSince: big.failingSince };
    expect(await stateJson(snapshot)).toBe(JSON.stringify(snapshot));
    expect(await stateJson({ version: 1, history: [] })).toBe(JSON.stringify({ version: 1, history: [] }));
    const { s } = await store();
    await s.load();
    await s.save(big);
    expect(await readFile(s.file, "utf8")).toBe(JSON.stringify(snapshot));
    // Other callbacks run while it is made: one queued before it runs before it is done.
    let ranBetween = false;
    setImmediate(() => (ranBetween = true));
    const made = stateJson(snapshot).then(() => ranBetween);
    expect(await made).toBe(true);
    let ranBefore = false;
    setImmediate(() => (ranBefore = true));
    expect(await stateJson({ version: 1, history: [] }).then(() => ranBefore)).toBe(false);
    expect((await s.load()).latest?.report.results).toHaveLength(1234);
  });

  it("the state is written in pieces, never one string: the text around the results, then each slice of 250 results in pieces of at most 16 Ki characters", async () => {
    const mk = (n: number) => Array.from({ length: n }, (_, i) => result("p", `${i}`, i % 2 ? "pass" : "fail", { message: `m ${i} \u2265 ${"x".repeat(i % 97)} \ud83d\ude00` }));
    for (const n of [0, 1, 250, 251, 1234]) {
      const snapshot = { version: 1, latest: { id: "s", trigger: "schedule" as const, report: report(mk(n)) }, history: [summary(1)], failingSince: { "p/0": "2026-01-01T00:00:00.000Z" } };
      const pieces = await stateJsonPieces(snapshot);
      expect(pieces.join(""), `${n} results`).toBe(JSON.stringify(snapshot));
      // Each slice starts a piece of its own.
      expect(pieces.filter((p) => p.startsWith('{"id":"')), `${n} results`).toHaveLength(Math.ceil(n / 250));
      const [first = "", last = ""] = [pieces[0], pieces.at(-1)];
      expect(first.endsWith('"results":[')).toBe(true);
      expect(last.startsWith("]")).toBe(true);
      for (const p of pieces.slice(1, -1)) expect(p.length).toBeLessThanOrEqual(16 * 1024);
      // Written as UTF-8 whole, a surrogate pair cut between two pieces included.
      const { s } = await store();
      await s.load();
      await s.save({ latest: snapshot.latest, history: snapshot.history, failingSince: snapshot.failingSince });
      expect(await readFile(s.file, "utf8"), `${n} results`).toBe(JSON.stringify(snapshot));
    }
  });
});
