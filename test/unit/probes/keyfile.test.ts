import { afterAll, describe, expect, it } from "vitest";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import { runCommand } from "../../../src/host/exec.js";
import probe, { parseKeyfile } from "../../../src/probes/keyfile.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { TableHost } from "../../helpers/hidden-sources.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{ glob: "/etc/dconf/db/local.d/*", group: "org/gnome/desktop/session", key: "idle-delay" }],
  mayOmit: {
    value: "the key is not set in any of the files (set: false)",
    valueFile: "the key is not set in any of the files (set: false)",
    valueLine: "the key is not set in any of the files (set: false)",
  },
  offline: {},
});

afterAll(cleanupFixtures);

const params = { glob: "/etc/dconf/db/local.d/*", group: "org/gnome/desktop/session", key: "idle-delay" };

describe("parseKeyfile", () => {
  it("reads groups and key=value lines; comments skipped; odd lines are problems", () => {
    expect(parseKeyfile("# c\n[org/gnome/desktop/session]\nidle-delay = uint32 900\nname[de]=x\nbare\n[bad\n")).toEqual({
      entries: [
        { group: "org/gnome/desktop/session", key: "idle-delay", value: "uint32 900", line: 3 },
        { group: "org/gnome/desktop/session", key: "name[de]", value: "x", line: 4 },
      ],
      problems: [
        { line: 5, message: 'not a key=value line: "bare"' },
        { line: 6, message: "bad group header (a text of 4 characters, not quoted: an unparsed line may hold a secret)" },
      ],
    });
    expect(parseKeyfile("k=v\n").problems).toEqual([{ line: 1, message: "key outside any [group]" }]);
  });
});

describe("keyfile probe", () => {
  const files = {
    "etc/dconf/db/local.d/00-screensaver": "[org/gnome/desktop/session]\nidle-delay=uint32 300\n",
    "etc/dconf/db/local.d/10-site": "[org/gnome/desktop/screensaver]\nidle-delay=uint32 1\n[org/gnome/desktop/session]\n# later file wins\nidle-delay=uint32 900\n",
    "etc/dconf/db/local.d/locks/00-cis": "/org/gnome/desktop/session/idle-delay\n",
  };

  it("a later file overrides an earlier one; another group's key of the same name is not it; locks/ is skipped", async () => {
    const f = await probe.collect(probeContext(await fixtureRoot(files)), params);
    expect(f).toEqual({
      value: {
        ...params, set: true, value: "uint32 900", valueFile: "/etc/dconf/db/local.d/10-site", valueLine: 5,
        files: ["/etc/dconf/db/local.d/00-screensaver", "/etc/dconf/db/local.d/10-site"],
      },
      evidence: [{ file: "/etc/dconf/db/local.d/10-site", line: 5, key: "org/gnome/desktop/session/idle-delay" }],
    });
  });

  it("not set, or no file at all: set false, saying which files were read", async () => {
    const none = await probe.collect(probeContext(await fixtureRoot({ "etc/hostname": "n\n" })), params);
    expect(none).toEqual({
      value: { ...params, set: false, files: [] },
      evidence: [{ file: "/etc/dconf/db/local.d/*", key: "org/gnome/desktop/session/idle-delay", detail: "no file matches /etc/dconf/db/local.d/*" }],
    });
    const other = await probe.collect(probeContext(await fixtureRoot({ "etc/dconf/db/local.d/00-x": "[org/gnome/desktop/media-handling]\nautomount=false\n" })), params);
    expect(other.value.set).toBe(false);
    expect(other.evidence[0]?.detail).toBe("not set in /etc/dconf/db/local.d/00-x");
  });

  it("an unreadable key file or directory is unknown, never 'not set'", async () => {
    for (const source of ["root:/etc/dconf/db/local.d/10-site", "root:/etc/dconf/db/local.d"]) {
      const root = await fixtureRoot(files);
      const host = new TableHost({ root, hide: { source, mode: "unreadable" } });
      const f = await probe.collect(createProbeContext(host, runCommand, 5000), params);
      expect(Object.keys(f.unknown ?? {}).sort(), source).toEqual(["files", "set", "value", "valueFile", "valueLine"]);
      expect(f.unknown?.set, source).toMatch(/EACCES/);
    }
  });
});
