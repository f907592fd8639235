import { afterAll, describe, expect, it } from "vitest";
import probe, { parseSystemdConf } from "../../../src/probes/systemd-conf.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{ file: "journald.conf", section: "Journal", key: "Storage" }, { file: "journald.conf", section: "Journal" }],
  mayOmit: {
    key: "no key asked: the section's settings are listed instead",
    set: "no key asked: the section's settings are listed instead",
    value: "the key is not set anywhere (set: false), or no key was asked",
    valueFile: "the key is not set anywhere (set: false), or no key was asked",
    valueLine: "the key is not set anywhere (set: false), or no key was asked",
    settings: "a key was asked: its value is the answer",
  },
  offline: {},
});

afterAll(cleanupFixtures);

const collect = (root: string, params: Record<string, unknown>) => probe.collect(probeContext(root), probe.params.parse(params));

describe("parseSystemdConf", () => {
  it("reads sections, assignments, comments and continued lines; odd lines are problems", () => {
    const text = "# c\n[Journal]\nStorage = persistent\n; c\nCompress=yes\nForwardToSyslog=\\\n  no\nnot an assignment\n[Bad\n";
    expect(parseSystemdConf(text, "/f")).toEqual({
      entries: [
        { section: "Journal", key: "Storage", value: "persistent", file: "/f", line: 3 },
        { section: "Journal", key: "Compress", value: "yes", file: "/f", line: 5 },
        { section: "Journal", key: "ForwardToSyslog", value: "no", file: "/f", line: 6 },
      ],
      problems: [
        { line: 8, message: "not an assignment: (a text of 17 characters, not quoted: an unparsed line may hold a secret)" },
        { line: 9, message: "bad section header (a text of 4 characters, not quoted: an unparsed line may hold a secret)" },
      ],
    });
    expect(parseSystemdConf("Storage=auto\n", "/f").problems).toEqual([{ line: 1, message: "assignment outside any [section]" }]);
  });
});

describe("systemd-conf probe", () => {
  const base = {
    "etc/systemd/journald.conf": "[Journal]\n#Storage=auto\nStorage=volatile\nCompress=no\n",
    "usr/lib/systemd/journald.conf.d/50-vendor.conf": "[Journal]\nCompress=yes\n",
    // Same basename in /etc hides the vendor drop-in.
    "etc/systemd/journald.conf.d/50-vendor.conf": "[Journal]\nForwardToSyslog=no\n",
    "etc/systemd/journald.conf.d/60-cis.conf": "[Journal]\nStorage=persistent\n",
    "run/systemd/journald.conf.d/70-reset.conf": "[Journal]\nForwardToSyslog=\n",
  };

  it("last assignment wins across the main file and drop-ins in basename order; /etc hides a vendor drop-in", async () => {
    const root = await fixtureRoot(base);
    expect(await collect(root, { file: "journald.conf", section: "Journal", key: "Storage" })).toEqual({
      value: {
        file: "journald.conf", section: "Journal", key: "Storage", set: true, value: "persistent",
        valueFile: "/etc/systemd/journald.conf.d/60-cis.conf", valueLine: 2,
        files: ["/etc/systemd/journald.conf", "/etc/systemd/journald.conf.d/50-vendor.conf", "/etc/systemd/journald.conf.d/60-cis.conf", "/run/systemd/journald.conf.d/70-reset.conf"],
      },
      evidence: [{ file: "/etc/systemd/journald.conf.d/60-cis.conf", line: 2, key: "Journal.Storage" }],
    });
    expect((await collect(root, { file: "journald.conf", section: "Journal", key: "Compress" })).value).toMatchObject({ set: true, value: "no", valueFile: "/etc/systemd/journald.conf" });
  });

  it("an empty assignment resets to the default; an unset key names the files read", async () => {
    const root = await fixtureRoot(base);
    const f = await collect(root, { file: "journald.conf", section: "Journal", key: "ForwardToSyslog" });
    expect(f.value).toMatchObject({ set: false });
    expect(f.value).not.toHaveProperty("value");
    expect(f.evidence[0]).toEqual({
      file: "/etc/systemd/journald.conf",
      key: "Journal.ForwardToSyslog",
      detail: "not set in /etc/systemd/journald.conf, /etc/systemd/journald.conf.d/50-vendor.conf, /etc/systemd/journald.conf.d/60-cis.conf, /run/systemd/journald.conf.d/70-reset.conf: the daemon's default applies",
    });
  });

  it("no configuration at all: not set (the defaults apply); the main file may live in /usr/lib", async () => {
    const empty = await fixtureRoot({ "etc/hostname": "n\n" });
    expect((await collect(empty, { file: "coredump.conf", section: "Coredump", key: "Storage" })).value).toEqual({
      file: "coredump.conf", section: "Coredump", key: "Storage", set: false, files: [],
    });
    const usr = await fixtureRoot({ "usr/lib/systemd/coredump.conf": "[Coredump]\nStorage=none\n" });
    expect((await collect(usr, { file: "coredump.conf", section: "Coredump", key: "Storage" })).value).toMatchObject({ set: true, value: "none", valueFile: "/usr/lib/systemd/coredump.conf" });
  });

  it("a drop-in linked to /dev/null is masked; settings lists the section", async () => {
    const root = await fixtureRoot({ ...base, "etc/systemd/journald.conf.d/60-cis.conf": { symlink: "/dev/null" } });
    expect((await collect(root, { file: "journald.conf", section: "Journal" })).value.settings).toEqual({ Storage: "volatile", Compress: "no" });
  });

  it("a drop-in that cannot be read (a link out of the root) makes the value unknown, never 'not set'", async () => {
    const bad = await fixtureRoot({ ...base, "etc/systemd/journald.conf.d/60-cis.conf": { symlink: "../../../../outside.conf" } });
    const f = await collect(bad, { file: "journald.conf", section: "Journal", key: "Storage" });
    expect(f.unknown?.value).toMatch(/^cannot read \/etc\/systemd\/journald\.conf\.d\/60-cis\.conf: /);
    expect(f.value).not.toHaveProperty("set");
  });
});
