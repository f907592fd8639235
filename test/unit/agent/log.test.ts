/**
 * Issue 13, logs: levels are journald priorities (`<N>` prefixes that journald's
 * SyslogLevelPrefix= turns into PRIORITY), one line per record on one stream, a
 * `logLevel` setting, one line per scan (scheduled ones included) with its trigger,
 * duration and counts. The booted-systemd check (journalctl -p warning) is in
 * test/integration/install-systemd.test.ts.
 */
import { afterAll, describe, expect, it } from "vitest";
import { openSync, closeSync, fstatSync } from "node:fs";
import { defaultLogFormat, Log, stderrIsJournal, type LogFormat, type LogLevel } from "../../../src/agent/log.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { cleanupPackDirs } from "../../helpers/inline-pack.js";
import { cleanupTempDirs, makeAgent } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await cleanupTempDirs();
});

function collector(format: LogFormat, level: LogLevel = "debug") {
  const chunks: string[] = [];
  const log = new Log({ format, level, stream: { write: (s: string) => chunks.push(s) } });
  return { log, chunks, lines: () => chunks.join("").split("\n").filter((l) => l !== "") };
}

describe("agent log", () => {
  it("journal format: each level carries its syslog priority as a <N> prefix, one line per record", () => {
    const { log, chunks } = collector("journal");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    log.fatal("f");
    expect(chunks).toEqual(["<7>d\n", "<6>i\n", "<4>w\n", "<3>e\n", "<2>f\n"]);
  });

  it("a multi-line message stays one record; fields are key=value, objects dropped", () => {
    const { log, chunks } = collector("journal");
    log.warn({ code: 7, path: "/etc/x y", req: { headers: { authorization: "Bearer abc" } }, ok: true }, "first\nsecond");
    expect(chunks).toEqual(['<4>first | second code=7 path="/etc/x y" ok=true\n']);
  });

  it("control characters from a host name (a drift path) are escaped in journal and text lines: no lone CR, no terminal escape", () => {
    for (const format of ["journal", "text"] as const) {
      const { log, chunks } = collector(format);
      log.info("drift: /etc/cron.d/x\rforged\u001b[2J\u009b changed");
      expect(chunks.join("").endsWith("drift: /etc/cron.d/x\\x0dforged\\x1b[2J\\x9b changed\n"), format).toBe(true);
    }
  });

  it("the level setting drops lower levels in every format; a child keeps the parent's floor", () => {
    for (const format of ["journal", "json", "text"] as const) {
      const { log, lines } = collector(format, "warn");
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
      log.child({ route: "/metrics" }, { level: "debug" }).info("child info");
      log.child({ route: "/metrics" }).error("child error");
      expect(lines(), format).toHaveLength(3);
      expect(log.enabled("info")).toBe(false);
      expect(log.enabled("warn")).toBe(true);
      expect(log.level).toBe("warn");
    }
  });

  it("json format: one object per line with the level as a word; request ids are not logged", () => {
    const { log, lines } = collector("json");
    log.child({ reqId: "req-1", route: "/api" }).warn("slow");
    const [line] = lines();
    expect(JSON.parse(line ?? "")).toEqual({ time: expect.any(String), level: "warn", msg: "slow", route: "/api" });
  });

  it("a per-request child (only a request id) is one logger per level, reused, honouring the route's level", () => {
    const { log, lines } = collector("journal", "info");
    const quiet = log.child({ reqId: "req-1" }, { level: "warn" });
    expect(log.child({ reqId: "req-2" }, { level: "warn" })).toBe(quiet);
    const plain = log.child({ reqId: "req-3" });
    expect(plain).not.toBe(quiet);
    expect(log.child({ reqId: "req-4" })).toBe(plain);
    // A child with fields of its own is its own logger.
    expect(log.child({ reqId: "req-5", route: "/api" })).not.toBe(plain);
    quiet.info("dropped: below the route's level");
    quiet.warn("kept");
    plain.info("kept too");
    expect(lines()).toEqual(["<4>kept", "<6>kept too"]);
  });

  it("a secret in a message is masked in the log line", () => {
    const { log, chunks } = collector("journal");
    log.warn("pack error: password=hunter2-planted-secret in /etc/x");
    expect(chunks.join("")).not.toContain("hunter2-planted-secret");
    expect(chunks.join("")).toContain("password=[redacted]");
  });

  it("journal only when JOURNAL_STREAM names our stderr (systemd.exec(5)); otherwise json off a terminal", () => {
    const st = fstatSync(2);
    expect(stderrIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino}` })).toBe(true);
    expect(defaultLogFormat({ JOURNAL_STREAM: `${st.dev}:${st.ino}` })).toBe("journal");
    // Inherited from a parent whose stderr was the journal: ours is something else.
    const fd = openSync("/dev/null", "r");
    try {
      const other = fstatSync(fd);
      const inherited = `${other.dev}:${other.ino}`;
      if (inherited !== `${st.dev}:${st.ino}`) expect(stderrIsJournal({ JOURNAL_STREAM: inherited })).toBe(false);
    } finally {
      closeSync(fd);
    }
    expect(stderrIsJournal({})).toBe(false);
  });
});

describe("one line per scan", () => {
  it("a scheduled scan, an API scan and a start scan each log one info line with trigger, duration and counts; expired waivers warn", async () => {
    const { log, lines } = collector("journal", "info");
    const t = await makeAgent({ log, configYaml: "waivers:\n  - { check: demo/1.2, reason: old ticket, expires: 2020-01-01 }\n" });
    for (const trigger of ["schedule", "api", "start"] as const) await t.agent.triggerScan(trigger).run.done;
    const scans = lines().filter((l) => / finished in /.test(l));
    expect(scans).toHaveLength(3);
    const ids = t.agent.history().map((s) => s.id).reverse();
    ["schedule", "api", "start"].forEach((trigger, i) => {
      expect(scans[i]).toMatch(new RegExp(`^<6>scan ${ids[i]} \\(${trigger}\\) finished in \\d+ ms: 2 pass, 1 fail, 1 manual, 0 skip, 0 error$`));
    });
    // The expired waiver: one warning per scan, at warning priority.
    const expired = lines().filter((l) => l.includes("expired"));
    expect(expired).toHaveLength(3);
    for (const l of expired) expect(l).toBe("<4>waiver for demo/1.2 expired on 2020-01-01; it no longer applies");
  });

  it("a failed scan logs one error line with its trigger and duration", async () => {
    const { log, lines } = collector("journal", "info");
    const t = await makeAgent({ log, scan: async () => Promise.reject(new Error("probe host went away")) });
    await t.agent.triggerScan("schedule").run.done.catch(() => undefined);
    expect(lines()).toEqual([expect.stringMatching(/^<3>scan \S+ \(schedule\) failed after \d+ ms: probe host went away$/)]);
  });
});
