import { afterAll, describe, expect, it } from "vitest";
import { ErrorCodes, NodewardError } from "../../../src/errors.js";
import probe from "../../../src/probes/command.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

probeConformance(probe, {
  params: [{ argv: ["true"] }, { argv: ["sh", "-c", "exit 3"], timeoutMs: 1000 }],
  // liveOnly (the default): a command would run on this machine, not in the scanned root.
  offline: { unknown: ["exitCode", "stdout", "stderr", "lines"] },
});

afterAll(cleanupFixtures);

const live = () => probeContext("/");

describe("command probe", () => {
  it("reports stdout without the final newline, lines and exit code", async () => {
    const fact = await probe.collect(live(), probe.params.parse({ argv: ["/bin/echo", "hi"] }));
    expect(fact.value).toEqual({ exitCode: 0, stdout: "hi", stderr: "", lines: ["hi"] });
    expect(fact.evidence).toEqual([{ command: "/bin/echo hi" }]);
    expect(fact.unknown).toBeUndefined();
  });

  it("keeps multi-line output and stderr", async () => {
    const fact = await probe.collect(
      live(),
      probe.params.parse({ argv: ["sh", "-c", "printf 'a\\nb\\n'; echo oops >&2; exit 3"] }),
    );
    expect(fact.value).toEqual({ exitCode: 3, stdout: "a\nb", stderr: "oops", lines: ["a", "b"] });
  });

  it("a non-zero exit is a fact, not an error", async () => {
    const fact = await probe.collect(live(), probe.params.parse({ argv: ["false"] }));
    expect(fact.value.exitCode).toBe(1);
    expect(fact.value.lines).toEqual([]);
  });

  it("a missing command is a COMMAND_NOT_FOUND error", async () => {
    const p = probe.collect(live(), probe.params.parse({ argv: ["nodeward-no-such-command-xyz"] }));
    await expect(p).rejects.toThrow(/not found/);
    await expect(p).rejects.toMatchObject({ code: ErrorCodes.COMMAND_NOT_FOUND });
    await expect(p).rejects.toBeInstanceOf(NodewardError);
  });

  it("a command over its timeout is a COMMAND_TIMEOUT error, promptly", async () => {
    const started = Date.now();
    const p = probe.collect(live(), probe.params.parse({ argv: ["sleep", "30"], timeoutMs: 300 }));
    await expect(p).rejects.toThrow(/timed out/);
    await expect(p).rejects.toMatchObject({ code: ErrorCodes.COMMAND_TIMEOUT });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it("output over the cap is an error, not a partial fact", async () => {
    const p = probe.collect(
      live(),
      probe.params.parse({ argv: ["sh", "-c", "head -c 100000 /dev/zero"], maxOutputBytes: 1000 }),
    );
    await expect(p).rejects.toMatchObject({ code: ErrorCodes.COMMAND_FAILED });
  });

  it("does not run against a --root unless liveOnly is false", async () => {
    const root = await fixtureRoot({ "etc/hostname": "x\n" });
    const fact = await probe.collect(probeContext(root), probe.params.parse({ argv: ["/bin/echo", "hi"] }));
    const reason = `commands run only on the live host; scanning ${root}`;
    expect(fact.unknown).toMatchObject({ stdout: reason, exitCode: reason });
    expect(fact.evidence).toEqual([{ command: "/bin/echo hi", detail: "not run" }]);

    const ran = await probe.collect(
      probeContext(root),
      probe.params.parse({ argv: ["/bin/echo", "hi"], liveOnly: false }),
    );
    expect(ran.value.stdout).toBe("hi");
  });

  it("validates params", () => {
    expect(probe.params.parse({ argv: ["true"] })).toEqual({
      argv: ["true"], timeoutMs: 10_000, maxOutputBytes: 65_536, liveOnly: true,
    });
    expect(() => probe.params.parse({ argv: [] })).toThrow();
    expect(() => probe.params.parse({ argv: ["./relative"] })).toThrow(/absolute path or a bare/);
    expect(() => probe.params.parse({ argv: ["bin/x"] })).toThrow();
    expect(() => probe.params.parse({ argv: ["true"], timeoutMs: 120_001 })).toThrow();
    expect(() => probe.params.parse({ argv: ["true"], shell: true })).toThrow();
    expect(() => probe.params.parse({ argv: "echo hi" })).toThrow();
  });
});
