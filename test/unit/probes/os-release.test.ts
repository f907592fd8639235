import { afterAll, describe, expect, it } from "vitest";
import osRelease from "../../../src/probes/os-release.js";
import { osFamily, parseOsRelease } from "../../../src/probes/parse/os-release.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

probeConformance(osRelease, {
  params: [{}],
  mayOmit: {
    id: "no os-release: the fact says exists: false and names nothing",
    family: "no os-release: the fact says exists: false and names nothing",
    versionId: "no os-release: the fact says exists: false and names nothing",
    name: "no os-release: the fact says exists: false and names nothing",
    prettyName: "no os-release: the fact says exists: false and names nothing",
  },
  offline: {},
});

describe("os-release", () => {
  it("parses KEY=value lines with shell quotes, skipping comments and junk", () => {
    expect(parseOsRelease('# c\nNAME="Debian GNU/Linux"\nID=debian\nVERSION_ID=\'12\'\nbad line\nX="a \\"b\\""\n')).toEqual({
      NAME: "Debian GNU/Linux",
      ID: "debian",
      VERSION_ID: "12",
      X: 'a "b"',
    });
  });

  it("names the family from ID and ID_LIKE", () => {
    expect(osFamily("ubuntu", ["debian"])).toBe("debian");
    expect(osFamily("rocky", ["rhel", "centos", "fedora"])).toBe("rhel");
    expect(osFamily("opensuse-leap", ["suse"])).toBe("suse");
    expect(osFamily("alpine", [])).toBe("alpine");
  });

  it("reads /usr/lib/os-release when /etc/os-release is missing", async () => {
    const root = await fixtureRoot({ "usr/lib/os-release": 'ID=rhel\nID_LIKE="fedora"\nVERSION_ID="9.4"\n' });
    const fact = await osRelease.collect(probeContext(root), {});
    expect(fact).toEqual({
      value: { exists: true, id: "rhel", idLike: ["fedora"], family: "rhel", versionId: "9.4" },
      evidence: [{ file: "/usr/lib/os-release" }],
    });
  });
});
