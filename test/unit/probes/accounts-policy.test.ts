/** password-aging, groups, user-dotfiles and shell-profile: the account-policy probes. */
import { afterAll, describe, expect, it } from "vitest";
import groupsProbe from "../../../src/probes/groups.js";
import agingProbe, { parseShadowAging } from "../../../src/probes/password-aging.js";
import shellProbe, { parseShellProfile, umaskPermits } from "../../../src/probes/shell-profile.js";
import homesProbe from "../../../src/probes/user-homes.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

const PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\n";
const HASH = "$y$j9T$abcdefghijklmnop$0123456789012345678901234567890123456789012";

describe("password-aging", () => {
  it("parses shadow ageing fields; empty is null; a non-number is a problem (the hash is the caller's to classify)", () => {
    expect(parseShadowAging(`root:${HASH}:19000:1:365:7:30::\nbad:x:12a\n`)).toEqual({
      entries: [{ name: "root", password: HASH, lastChange: 19000, min: 1, max: 365, warn: 7, inactive: 30, expire: null, line: 1 }],
      problems: [{ line: 2, message: 'user "bad": field 3 is not a number' }],
    });
  });

  it("login.defs and useradd defaults; every account's ageing and password state, never the hash", async () => {
    const future = Math.floor(Date.now() / 86_400_000) + 10;
    const root = await fixtureRoot({
      "etc/passwd": PASSWD,
      "etc/shadow": `root:${HASH}:19000:1:365:7:30::\ndaemon:*:19000:0:99999:7:::\nalice:$6$salt$hash:${future}:0:99999:7:::\nbob::19000::::::\n`,
      "etc/login.defs": "PASS_MAX_DAYS 99999\nPASS_MAX_DAYS 365\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\nENCRYPT_METHOD YESCRYPT\nUID_MIN 1000\n",
      "etc/default/useradd": "SHELL=/bin/sh\nINACTIVE=45\n",
      "etc/shells": "/bin/sh\n/bin/bash\n/usr/sbin/nologin\n",
    });
    const f = await agingProbe.collect(probeContext(root), {});
    expect(f.value).toMatchObject({ passMaxDays: 365, passMinDays: 1, passWarnAge: 7, encryptMethod: "YESCRYPT", inactive: 45 });
    expect(f.value.users).toEqual([
      { name: "root", uid: 0, shell: "/bin/bash", loginShell: true, validShell: true, system: true, state: "hash", algorithm: "yescrypt", lastChange: 19000, lastChangeInFuture: false, min: 1, max: 365, warn: 7, inactive: 30, line: 1 },
      { name: "daemon", uid: 1, shell: "/usr/sbin/nologin", loginShell: false, validShell: false, system: true, state: "locked", lastChange: 19000, lastChangeInFuture: false, min: 0, max: 99999, warn: 7, line: 2 },
      { name: "alice", uid: 1000, shell: "/bin/bash", loginShell: true, validShell: true, system: false, state: "hash", algorithm: "sha512", lastChange: future, lastChangeInFuture: true, min: 0, max: 99999, warn: 7, line: 3 },
      { name: "bob", uid: 1001, shell: "/bin/sh", loginShell: true, validShell: true, system: false, state: "empty", lastChange: 19000, lastChangeInFuture: false, line: 4 },
    ]);
    expect(JSON.stringify(f)).not.toContain("abcdefghijklmnop");
    expect(JSON.stringify(f)).not.toContain("$6$salt");
    expect(f.evidence).toContainEqual({ file: "/etc/login.defs", line: 2, key: "PASS_MAX_DAYS" });
    expect(f.evidence).toContainEqual({ file: "/etc/default/useradd", line: 2, key: "INACTIVE" });
  });

  it("an unreadable shadow makes the accounts unknown (never 'no password')", async () => {
    const root = await fixtureRoot({ "etc/passwd": PASSWD, "etc/shadow": { dir: true } });
    expect((await agingProbe.collect(probeContext(root), {})).unknown?.users).toMatch(/^\/etc\/shadow: .*directory/);
  });
});

describe("groups", () => {
  it("duplicates, gid 0, members by list and by primary gid, primary gids no group has", async () => {
    const root = await fixtureRoot({
      "etc/passwd": `${PASSWD}carol:x:1002:4242::/home/carol:/bin/bash\n`,
      "etc/group": "root:x:0:\nwheel:x:0:alice\nshadow:x:42:bob\nalice:x:1000:\nbob:x:1001:\nalice:x:1003:\ndaemon:x:1:\n",
    });
    const f = await groupsProbe.collect(probeContext(root), {});
    expect(f.value).toMatchObject({
      duplicateGids: [{ gid: 0, names: ["root", "wheel"] }],
      duplicateNames: ["alice"],
      gid0: ["root", "wheel"],
      missingPrimary: [{ user: "carol", gid: 4242 }],
    });
    expect(f.value.groups.find((g) => g.name === "shadow")).toEqual({ name: "shadow", gid: 42, members: ["bob"], primaryOf: [], line: 3 });
    expect(f.value.groups[0]).toEqual({ name: "root", gid: 0, members: [], primaryOf: ["root"], line: 1 });
  });

  it("no /etc/group: every field unknown", async () => {
    const root = await fixtureRoot({ "etc/passwd": PASSWD });
    expect((await groupsProbe.collect(probeContext(root), {})).unknown).toMatchObject({ groups: "/etc/group does not exist", duplicateGids: "/etc/group does not exist" });
  });
});

describe("user-homes", () => {
  it("interactive accounts (valid shells) with their homes, and the dot files at the top of each", async () => {
    const root = await fixtureRoot({
      "etc/passwd": `${PASSWD}sync:x:4:65534:sync:/bin:/bin/sync\n`,
      "etc/shells": "/bin/sh\n/bin/bash\n",
      bin: { dir: true, mode: 0o755 },
      root: { dir: true, mode: 0o700 },
      "root/.bashrc": { content: "x", mode: 0o644, uid: 0, gid: 0 },
      "usr/sbin/.hidden": "not an interactive account's home\n",
      "home/alice": { dir: true, mode: 0o750, uid: 1000, gid: 1000 },
      "home/alice/.netrc": { content: "x", mode: 0o600, uid: 1000, gid: 1000 },
      "home/alice/.profile": { content: "x", mode: 0o664, uid: 0, gid: 1000 },
      "home/alice/notes": { content: "x", mode: 0o644, uid: 1000, gid: 1000 },
    });
    const f = await homesProbe.collect(probeContext(root), {});
    expect(f.value.users).toEqual([
      { name: "root", uid: 0, gid: 0, shell: "/bin/bash", home: "/root", exists: true, type: "directory", owned: true, mode: 0o700 },
      { name: "alice", uid: 1000, gid: 1000, shell: "/bin/bash", home: "/home/alice", exists: true, type: "directory", owned: true, mode: 0o750 },
      { name: "bob", uid: 1001, gid: 1001, shell: "/bin/sh", home: "/home/bob", exists: false },
    ]);
    expect(f.value.files).toEqual([
      { user: "root", path: "/root/.bashrc", name: ".bashrc", type: "file", mode: 0o644, uid: 0, gid: 0, ownedByUser: true, groupIsPrimary: true },
      { user: "alice", path: "/home/alice/.netrc", name: ".netrc", type: "file", mode: 0o600, uid: 1000, gid: 1000, ownedByUser: true, groupIsPrimary: true },
      { user: "alice", path: "/home/alice/.profile", name: ".profile", type: "file", mode: 0o664, uid: 0, gid: 1000, ownedByUser: false, groupIsPrimary: true },
    ]);
  });

  it("a home that cannot be listed is unknown", async () => {
    const root = await fixtureRoot({ "etc/passwd": "alice:x:1000:1000::/home/alice:/bin/bash\n", "home/alice": { symlink: "../../../../outside" } });
    const f = await homesProbe.collect(probeContext(root), {});
    expect(f.unknown?.files).toMatch(/^cannot examine \/home\/alice: /);
  });
});

describe("shell-profile", () => {
  it("assignments, readonly/export in every form, umask octal and symbolic", () => {
    const p = parseShellProfile("# TMOUT=1\nTMOUT=900 # idle\nreadonly TMOUT; export TMOUT\ndeclare -rx FOO=1\nif [ $UID -gt 199 ]; then\n  umask 002\nelse\n  umask u=rwx,g=rx,o=\nfi\necho TMOUT=5\n");
    expect(p.assignments).toEqual([{ name: "TMOUT", value: "900", line: 2 }, { name: "FOO", value: "1", line: 4 }]);
    expect(p.readonly).toEqual([{ name: "TMOUT", line: 3 }, { name: "FOO", line: 4 }]);
    expect(p.exported).toEqual([{ name: "TMOUT", line: 3 }, { name: "FOO", line: 4 }]);
    expect(p.umasks).toEqual([{ value: "002", permits: 0o775, line: 6 }, { value: "u=rwx,g=rx,o=", permits: 0o750, line: 8 }]);
    expect(umaskPermits("0027")).toBe(0o750);
    expect(umaskPermits("g-w,o-rwx")).toBe(0o750);
    expect(umaskPermits("bogus")).toBeNull();
  });

  it("reads /etc/profile, profile.d/*.sh and bash.bashrc; reports where a variable is set", async () => {
    const root = await fixtureRoot({
      "etc/profile": "umask 022\n",
      "etc/profile.d/tmout.sh": "TMOUT=900\nreadonly TMOUT\nexport TMOUT\n",
      "etc/profile.d/notes.txt": "TMOUT=1\n",
      "etc/bash.bashrc": "umask 027\n",
    });
    const t = await shellProbe.collect(probeContext(root), shellProbe.params.parse({ variable: "TMOUT" }));
    expect(t).toEqual({
      value: { files: ["/etc/profile", "/etc/profile.d/tmout.sh", "/etc/bash.bashrc"], variable: "TMOUT", assignments: [{ name: "TMOUT", value: "900", line: 1, path: "/etc/profile.d/tmout.sh" }], readonly: true, exported: true },
      evidence: [{ file: "/etc/profile.d/tmout.sh", line: 1, key: "TMOUT" }],
    });
    const u = await shellProbe.collect(probeContext(root), shellProbe.params.parse({}));
    expect(u.value.umasks).toEqual([{ value: "022", permits: 0o755, line: 1, path: "/etc/profile" }, { value: "027", permits: 0o750, line: 1, path: "/etc/bash.bashrc" }]);
  });
});
