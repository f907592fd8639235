import { afterAll, describe, expect, it } from "vitest";
import probe, { parseLimitsConf } from "../../../src/probes/security-limits.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{ item: "core" }],
  mayOmit: {
    hard: "no limits line for the item: the hard limit is not set",
    soft: "no limits line for the item: the soft limit is not set",
  },
  offline: {},
});

afterAll(cleanupFixtures);

const collect = (root: string, item: string, domain?: string) => probe.collect(probeContext(root), probe.params.parse({ item, ...(domain ? { domain } : {}) }));

describe("parseLimitsConf", () => {
  it("reads four-field lines, strips comments, lower-cases the item; odd lines are problems", () => {
    expect(parseLimitsConf("# x\n*  hard  core  0   # no dumps\n@adm - maxlogins 4\nroot hard\nftp bad nofile 1\n", "/f")).toEqual({
      entries: [
        { domain: "*", type: "hard", item: "core", value: "0", file: "/f", line: 2 },
        { domain: "@adm", type: "-", item: "maxlogins", value: "4", file: "/f", line: 3 },
      ],
      problems: [
        { line: 4, message: 'expected "<domain> <type> <item> <value>", found 2 field(s)' },
        { line: 5, message: 'type must be soft, hard or -, not "bad"' },
      ],
    });
  });
});

describe("security-limits probe", () => {
  it("limits.conf first, then limits.d/*.conf sorted: the last `*` line wins; `-` sets hard and soft", async () => {
    const root = await fixtureRoot({
      "etc/security/limits.conf": "*  soft core 0\n*  hard core unlimited\n",
      "etc/security/limits.d/90-z.conf": "*  hard core 0\n",
      "etc/security/limits.d/10-a.conf": "*  -  core 100\n",
      "etc/security/limits.d/README": "* hard core 5\n",
    });
    expect(await collect(root, "core")).toEqual({
      value: {
        item: "core", domain: "*", hard: "0", soft: "100",
        entries: [
          { domain: "*", type: "soft", item: "core", value: "0", file: "/etc/security/limits.conf", line: 1 },
          { domain: "*", type: "hard", item: "core", value: "unlimited", file: "/etc/security/limits.conf", line: 2 },
          { domain: "*", type: "-", item: "core", value: "100", file: "/etc/security/limits.d/10-a.conf", line: 1 },
          { domain: "*", type: "hard", item: "core", value: "0", file: "/etc/security/limits.d/90-z.conf", line: 1 },
        ],
        files: ["/etc/security/limits.conf", "/etc/security/limits.d/10-a.conf", "/etc/security/limits.d/90-z.conf"],
      },
      evidence: [
        { file: "/etc/security/limits.conf", line: 1, key: "* soft core" },
        { file: "/etc/security/limits.conf", line: 2, key: "* hard core" },
        { file: "/etc/security/limits.d/10-a.conf", line: 1, key: "* - core" },
        { file: "/etc/security/limits.d/90-z.conf", line: 1, key: "* hard core" },
      ],
    });
  });

  it("no limit anywhere: hard and soft are not set (absence, with the files read)", async () => {
    const root = await fixtureRoot({ "etc/security/limits.conf": "# nothing\n" });
    expect(await collect(root, "core")).toEqual({
      value: { item: "core", domain: "*", entries: [], files: ["/etc/security/limits.conf"] },
      evidence: [{ file: "/etc/security/limits.conf", detail: "no core limit in /etc/security/limits.conf" }],
    });
  });

  it("a user's own line does not count for `*`", async () => {
    const root = await fixtureRoot({ "etc/security/limits.conf": "alice hard core 0\n" });
    expect((await collect(root, "core")).value).not.toHaveProperty("hard");
    expect((await collect(root, "core", "alice")).value.hard).toBe("0");
  });

  it("a limits file that cannot be read makes the limits unknown", async () => {
    const root = await fixtureRoot({ "etc/security/limits.conf": "* hard core 0\n", "etc/security/limits.d/99-x.conf": { symlink: "../../../../../elsewhere" } });
    const f = await collect(root, "core");
    expect(f.unknown?.hard).toMatch(/^cannot read \/etc\/security\/limits\.d\/99-x\.conf: /);
  });
});
