/**
 * Hostile input on the include and glob machinery added since issue 19: globs from host
 * files (rsyslog `$IncludeConfig`, nft `include`) neither backtrack nor walk the whole
 * tree; include graphs (PAM include/substack/@include, sudoers @include/@includedir,
 * rsyslog, nft) end on cycles and caps with an `error` naming the cap; includes that lead
 * to a FIFO, a device or a link out of the root are `error` naming the path, never opened.
 */
import fc from "fast-check";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { globComponentMatcher, globComponentToRegExp, HostRoot, MAX_GLOB_PATHS } from "../../../src/host/host-root.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import pamProbe from "../../../src/probes/pam.js";
import sudoersProbe from "../../../src/probes/sudoers.js";
import { MAX_PAM_STACK_LINES } from "../../../src/probes/kit/pam-stack.js";

afterAll(cleanupFixtures);

const GUARD = 60_000;

describe("globs from host files", () => {
  it("the matcher agrees with the glob regex on small patterns and names", () => {
    const pat = fc.array(fc.constantFrom("a", "b", ".", "*", "?", "[ab]", "[!a]", "[a-c]", "[^b]", "]", "["), { maxLength: 7 }).map((x) => x.join(""));
    const name = fc.array(fc.constantFrom("a", "b", "c", ".", "[", "]"), { maxLength: 8 }).map((x) => x.join(""));
    fc.assert(
      fc.property(pat, name, (p, n) => {
        expect(globComponentMatcher(p)(n), `${p} ~ ${n}`).toBe(globComponentToRegExp(p).test(n));
      }),
      { numRuns: 3000, seed: 19 },
    );
  });

  it("`*a*a*a*a*a*a*a*a*a*a*a*b` against 255-character names: no backtracking blow-up", async () => {
    const root = await fixtureRoot({ "etc/rsyslog.d/keep": "" });
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFile(path.join(root, "etc/rsyslog.d", "a".repeat(250) + String(i).padStart(5, "0")), "")));
    const host = new HostRoot({ root });
    expect(await host.glob(`/etc/rsyslog.d/${"*a".repeat(11)}*b`)).toEqual([]);
    expect(await host.glob(`/etc/rsyslog.d/${"*a".repeat(11)}*00019`)).toEqual([`/etc/rsyslog.d/${"a".repeat(250)}00019`]);
  }, GUARD);

  it(`a glob over more than ${MAX_GLOB_PATHS} paths is refused, naming the cap`, async () => {
    const root = await fixtureRoot({ "etc/keep": "" });
    for (let d = 0; d < 110; d++) {
      await mkdir(path.join(root, "srv", `d${d}`), { recursive: true });
      await Promise.all(Array.from({ length: 100 }, (_, i) => writeFile(path.join(root, "srv", `d${d}`, `f${i}`), "")));
    }
    const host = new HostRoot({ root });
    expect((await host.glob("/srv/d1/*")).length).toBe(100);
    await expect(host.glob("/srv/*/*")).rejects.toThrow(`/srv/*/* expands to more than ${MAX_GLOB_PATHS} paths (the glob cap): not read`);
  }, GUARD);
});

describe("include graphs: cycles end, fan-out and file count are capped with an error naming the cap", () => {
  it("PAM: ten @include lines per file over six levels (a million walks) is error naming the cap, not a hang", async () => {
    const spec: Record<string, string> = { "etc/pam.d/sshd": "@include l1\n".repeat(10) };
    for (let l = 1; l < 6; l++) spec[`etc/pam.d/l${l}`] = `@include l${l + 1}\n`.repeat(10);
    spec["etc/pam.d/l6"] = "auth required pam_unix.so\n";
    const root = await fixtureRoot(spec);
    const f = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "sshd" }));
    const why = `cannot read /etc/pam.d/sshd: the stack expands to more than ${MAX_PAM_STACK_LINES} lines with its includes (the PAM stack cap)`;
    expect(f.unknown).toEqual({ entries: why, modules: why });
  }, GUARD);

  it("PAM: a self-include and a two-file cycle end with a problem naming the loop; the rest is read", async () => {
    const root = await fixtureRoot({
      "etc/pam.d/sshd": "@include sshd\nauth include a\nauth required pam_unix.so\n",
      "etc/pam.d/a": "auth include b\nauth required pam_faillock.so\n",
      "etc/pam.d/b": "auth include a\n",
    });
    const f = await pamProbe.collect(probeContext(root), pamProbe.params.parse({ service: "sshd" }));
    expect(f.unknown).toBeUndefined();
    expect(f.value.modules).toEqual(["pam_faillock.so", "pam_unix.so"]);
    expect(f.evidence).toContainEqual({ file: "/etc/pam.d/sshd", detail: "include loop or nesting deeper than 16: /etc/pam.d/sshd -> /etc/pam.d/sshd" });
    expect(f.evidence).toContainEqual({ file: "/etc/pam.d/a", detail: "include loop or nesting deeper than 16: /etc/pam.d/sshd -> /etc/pam.d/a -> /etc/pam.d/b -> /etc/pam.d/a" });
  });

  it("sudoers: a self-include and a cycle are read once; 300 files in includedir is error naming the cap", async () => {
    const spec: Record<string, string> = {
      "etc/sudoers": "@include /etc/sudoers\n@include /etc/sudoers.x/a\n@includedir /etc/sudoers.d\nDefaults use_pty\n",
      "etc/sudoers.x/a": "@include /etc/sudoers.x/b\n",
      "etc/sudoers.x/b": "@include /etc/sudoers.x/a\nDefaults logfile=/var/log/sudo.log\n",
    };
    const cyc = await sudoersProbe.collect(probeContext(await fixtureRoot(spec)), sudoersProbe.params.parse({}));
    expect(cyc.unknown).toBeUndefined();
    expect(cyc.value.files).toEqual(["/etc/sudoers", "/etc/sudoers.x/a", "/etc/sudoers.x/b"]);
    expect(cyc.value.usePty).toBe(true);
    expect(cyc.value.logfile).toBe("/var/log/sudo.log");
    for (let i = 0; i < 300; i++) spec[`etc/sudoers.d/f${String(i).padStart(3, "0")}`] = "Defaults !use_pty\n";
    const many = await sudoersProbe.collect(probeContext(await fixtureRoot(spec)), sudoersProbe.params.parse({}));
    const why = "cannot read /etc/sudoers.d/f253: more than 256 files included (the include cap), not read";
    expect(many.unknown?.usePty).toBe(why);
    expect(many.value.files).toHaveLength(256);
  }, GUARD);
});
