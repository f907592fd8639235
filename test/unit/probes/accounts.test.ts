import { afterAll, describe, expect, it } from "vitest";
import accountsProbe, { hashAlgorithm, isLoginShell, passwordState } from "../../../src/probes/accounts.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

probeConformance(accountsProbe, {
  params: [{}],
  // An empty root has no /etc/passwd: the account database cannot be read, so nothing is known.
  offline: { unknown: ["users", "passwords", "uid0", "duplicateUids", "duplicateNames", "loginUsers", "groupMembers", "emptyGroups", "uidMin"] },
});

afterAll(cleanupFixtures);

const collect = (root: string, raw: Record<string, unknown> = {}) => accountsProbe.collect(probeContext(root), accountsProbe.params.parse(raw));

const PASSWD = [
  "root:x:0:0:root:/root:/bin/bash",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "+::::::", // NIS compat: no local account
  "broken line",
  "alice:x:1000:1000:Alice:/home/alice:/bin/bash",
  "bob:x:1000:1000::/home/bob:",
  "toor:x:0:0::/root:/bin/sh",
  "legacy:abcdefghijklm:1002:1002::/home/legacy:/usr/bin/false",
].join("\n") + "\n";
const SHADOW = "root:$6$s$h:19000:0:99999:7:::\ndaemon:*:19000::::::\nalice:!$y$j9T$s$h:19000::::::\nbob::19000::::::\n";
const GROUP = "root:x:0:alice\ndaemon:x:1:\nstaff:x:50:\nalice:x:1000:\n";

async function root(extra: Parameters<typeof fixtureRoot>[0] = {}): Promise<string> {
  return fixtureRoot({
    "etc/passwd": PASSWD,
    "etc/shadow": { content: SHADOW, mode: 0o640 },
    "etc/group": GROUP,
    "etc/login.defs": "# defaults\nUID_MIN\t\t 1000\n",
    root: { dir: true, mode: 0o700, uid: 0, gid: 0 },
    "home/alice": { dir: true, mode: 0o750, uid: 1000, gid: 1000 },
    "home/bob": { dir: true, mode: 0o777, uid: 0, gid: 0 },
    "usr/sbin": { dir: true },
    ...extra,
  });
}

describe("accounts probe", () => {
  it("reports users, password states (never hashes), uid 0, duplicates, groups and homes", async () => {
    const f = await collect(await root());
    const v = f.value;
    expect(v.users.map((u) => u.name)).toEqual(["root", "daemon", "alice", "bob", "toor", "legacy"]);
    expect(v.users[2]).toEqual({
      name: "alice", uid: 1000, gid: 1000, home: "/home/alice", shell: "/bin/bash", loginShell: true, system: false, shadowed: true,
      homeExists: true, homeType: "directory", homeUid: 1000, homeMode: 0o750, homeOwned: true, file: "/etc/passwd", line: 5,
    });
    expect(v.users[3]).toMatchObject({ name: "bob", shell: "", loginShell: true, homeOwned: false, homeMode: 0o777 });
    expect(v.users[1]).toMatchObject({ name: "daemon", loginShell: false, system: true });
    expect(v.users[5]).toMatchObject({ name: "legacy", shadowed: false, loginShell: false, homeExists: false });
    expect(v.passwords).toEqual([
      { name: "root", state: "hash", algorithm: "sha512", file: "/etc/shadow", line: 1 },
      { name: "daemon", state: "locked", file: "/etc/shadow", line: 2 },
      { name: "alice", state: "locked", algorithm: "yescrypt", file: "/etc/shadow", line: 3 },
      { name: "bob", state: "empty", file: "/etc/shadow", line: 4 },
      { name: "toor", state: "none", file: "/etc/passwd", line: 7 },
      { name: "legacy", state: "hash", algorithm: "des", file: "/etc/passwd", line: 8 },
    ]);
    expect(JSON.stringify(v)).not.toContain("$6$s$h");
    expect(v.uid0).toEqual(["root", "toor"]);
    expect(v.duplicateUids).toEqual([{ uid: 0, names: ["root", "toor"] }, { uid: 1000, names: ["alice", "bob"] }]);
    expect(v.loginUsers).toEqual(["root", "alice", "bob", "toor"]);
    expect(v.groupMembers).toEqual({ root: ["alice"], daemon: [], staff: [], alice: [] });
    expect(v.emptyGroups).toEqual(["staff"]);
    expect(v.uidMin).toBe(1000);
    expect(f.unknown).toBeUndefined();
    expect(f.evidence).toContainEqual({ file: "/etc/passwd", line: 4, detail: "unparsed line: expected 7 colon-separated fields, found 1" });
    expect(f.evidence).toContainEqual({ file: "/etc/login.defs", line: 2, key: "UID_MIN" });
  });

  it("takes UID_MIN from login.defs for `system`", async () => {
    const f = await collect(await root({ "etc/login.defs": "UID_MIN 500\n" }));
    expect(f.value.uidMin).toBe(500);
    expect(f.value.users.find((u) => u.name === "daemon")?.system).toBe(true);
    expect(f.value.users.find((u) => u.name === "alice")?.system).toBe(false);
  });

  it("marks passwords unknown (not guessed) when /etc/shadow cannot be read, and keeps the rest", async () => {
    const r = await root({ "etc/shadow": { dir: true } });
    const f = await collect(r);
    expect(f.unknown).toEqual({ passwords: expect.stringContaining("/etc/shadow") });
    expect(f.value.uid0).toEqual(["root", "toor"]);
  });

  it("gives state none for shadowed accounts when there is no /etc/shadow at all", async () => {
    const r = await fixtureRoot({ "etc/passwd": "root:x:0:0::/root:/bin/bash\n" });
    const f = await collect(r);
    expect(f.value.passwords).toEqual([{ name: "root", state: "none", file: "/etc/passwd", line: 1 }]);
    expect(f.unknown).toEqual({ groupMembers: "/etc/group does not exist", emptyGroups: "/etc/group does not exist" });
  });

  it("makes every field unknown without /etc/passwd", async () => {
    const f = await collect(await fixtureRoot({}));
    expect(Object.keys(f.unknown ?? {})).toEqual(accountsProbe.fields);
    expect(f.unknown?.users).toBe("/etc/passwd does not exist");
  });

  it("does not stat homes with homes: false, and says why a home is not examined", async () => {
    const f = await collect(await root(), { homes: false });
    expect(f.value.users[0]).not.toHaveProperty("homeExists");
    const r = await root({ "etc/passwd": "root:x:0:0::/root:/bin/bash\nx:x:5:5::relative:/bin/sh\ny:x:6:6:::/bin/sh\n" });
    const g = await collect(r);
    expect(g.value.users[1]).toMatchObject({ homeExists: false, homeNote: 'home "relative" is not absolute' });
    expect(g.value.users[2]).toMatchObject({ homeExists: false, homeNote: "no home directory set" });
  });

  it("reports a home that escapes the root as a note, not as missing", async () => {
    const f = await collect(await root({
      "etc/passwd": "root:x:0:0::/root:/bin/bash\nevil:x:1001:1001::/home/evil:/bin/bash\n",
      "home/evil": { symlink: "../../../../../../../../outside" },
    }));
    expect(f.value.users[1]).toMatchObject({ name: "evil", homeNote: expect.stringContaining("outside the root") });
    expect(f.value.users[1]?.homeExists).toBeUndefined();
  });
});

describe("password field helpers", () => {
  it.each([
    ["", "empty"], ["!", "locked"], ["!!", "locked"], ["*", "locked"], ["!$6$a$b", "locked"], ["$6$a$b", "hash"], ["abcdefghijklm", "hash"],
  ])("passwordState(%j) = %s", (field, state) => expect(passwordState(field)).toBe(state));

  it.each([
    ["$1$a$b", "md5"], ["$2b$10$x", "bcrypt"], ["$5$a$b", "sha256"], ["$6$a$b", "sha512"], ["$y$j9T$a$b", "yescrypt"],
    ["!$6$a$b", "sha512"], ["abcdefghijklm", "des"], ["$9$a$b", "unknown ($9$)"], ["*", undefined], ["", undefined], ["weird", undefined],
    // ids are looked up in a Map: Object.prototype's names are unknown schemes, not functions
    ["$toString$a$b", "unknown ($toString$)"], ["$constructor$a", "unknown ($constructor$)"], ["$__proto__$a", "unknown ($__proto__$)"],
    ["$hasOwnProperty$a", "unknown ($hasOwnProperty$)"],
  ])("hashAlgorithm(%j) = %s", (field, alg) => expect(hashAlgorithm(field)).toBe(alg));

  it.each([["/bin/bash", true], ["", true], ["/usr/sbin/nologin", false], ["/sbin/nologin", false], ["/bin/false", false], ["/bin/sync", true]])(
    "isLoginShell(%j) = %s", (shell, want) => expect(isLoginShell(shell)).toBe(want),
  );
});
