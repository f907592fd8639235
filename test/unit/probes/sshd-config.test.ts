import { afterAll, describe, expect, it } from "vitest";
import sshdProbe from "../../../src/probes/sshd-config.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import {
  assembleAlgorithms,
  effectiveSshdConfig,
  expandSshdConfig,
  parseSshdConfig,
  splitArgs,
  sshdTimeToSeconds,
  SSHD_DEFAULTS,
} from "../../../src/probes/parse/sshd-config.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

probeConformance(sshdProbe, {
  params: [{ key: "PermitRootLogin" }, { key: "Ciphers" }],
  mayOmit: {
    value: "no sshd_config: nothing is configured, and the fact says so with present: false",
    values: "no sshd_config: nothing is configured, and the fact says so with present: false",
    source: "no sshd_config: nothing is configured, and the fact says so with present: false",
    file: "no sshd_config: nothing is configured, and the fact says so with present: false",
    line: "no sshd_config: nothing is configured, and the fact says so with present: false",
    raw: "no sshd_config: nothing is configured, and the fact says so with present: false",
    settings: "no sshd_config: nothing is configured, and the fact says so with present: false",
  },
  offline: {},
});

afterAll(cleanupFixtures);

async function collect(root: string, key: string) {
  return sshdProbe.collect(probeContext(root), sshdProbe.params.parse({ key }));
}

/** An in-memory reader for expandSshdConfig. */
function memReader(files: Record<string, string>) {
  const re = (g: string) => new RegExp(`^${g.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
  return {
    read: async (p: string) => files[p] ?? null,
    glob: async (g: string) => Object.keys(files).filter((p) => re(g).test(p)).sort(),
  };
}

describe("parseSshdConfig", () => {
  it("keywords are case-insensitive; '=' and whitespace separate; quotes group; # ends a line", () => {
    const r = parseSshdConfig('PermitRootLogin=no\n  maxAUTHtries   =  3\nBanner "/etc/my banner" # comment\n#Port 2\n\nX11Forwarding yes#notacomment\n');
    expect(r.lines).toEqual([
      { keyword: "permitrootlogin", name: "PermitRootLogin", args: ["no"], line: 1 },
      { keyword: "maxauthtries", name: "maxAUTHtries", args: ["3"], line: 2 },
      { keyword: "banner", name: "Banner", args: ["/etc/my banner"], line: 3 },
      { keyword: "x11forwarding", name: "X11Forwarding", args: ["yes#notacomment"], line: 6 },
    ]);
    expect(r.problems).toEqual([]);
  });

  it("a keyword without argument and an unterminated quote are problems, not exceptions", () => {
    const r = parseSshdConfig('UsePAM\nBanner "/x\n');
    expect(r.problems).toEqual([
      { line: 1, message: 'no argument after keyword "UsePAM"' },
      { line: 2, message: "Banner: unterminated quote" },
    ]);
    expect(r.lines).toEqual([]);
  });

  it("maps deprecated aliases to the option sshd stores them as", () => {
    expect(parseSshdConfig("ChallengeResponseAuthentication no\n").lines[0]?.keyword).toBe("kbdinteractiveauthentication");
  });

  it("a keyword named like an Object.prototype member is just an unknown keyword", () => {
    const r = parseSshdConfig("constructor yes\ntoString no\n__proto__ x\n");
    expect(r.lines.map((l) => l.keyword)).toEqual(["constructor", "tostring", "__proto__"]);
  });

  it("splitArgs handles escapes", () => {
    expect(splitArgs('a\\ b "c \\" d" e')).toEqual({ args: ["a b", 'c " d', "e"] });
  });
});

describe("expandSshdConfig + effectiveSshdConfig", () => {
  it("first value wins across Includes in order; Match blocks excluded until Match all", async () => {
    const files = {
      "/etc/ssh/sshd_config":
        "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\nMaxAuthTries 6\nMatch User bob\n  PasswordAuthentication no\n  Include inmatch.conf\nMatch all\nLogLevel verbose\n",
      "/etc/ssh/sshd_config.d/50-b.conf": "PermitRootLogin no\nMatch Address 10.0.0.0/8\n  MaxAuthTries 1\n",
      "/etc/ssh/sshd_config.d/10-a.conf": "MaxSessions 4\nInclude nested/*.conf\n",
      "/etc/ssh/nested/x.conf": "ClientAliveInterval 1m30s\n",
      "/etc/ssh/inmatch.conf": "UsePAM no\n",
    };
    const x = await expandSshdConfig("/etc/ssh/sshd_config", memReader(files));
    expect(x.present).toBe(true);
    expect(x.files).toEqual([
      "/etc/ssh/sshd_config",
      "/etc/ssh/sshd_config.d/10-a.conf",
      "/etc/ssh/nested/x.conf",
      "/etc/ssh/sshd_config.d/50-b.conf",
    ]);
    const eff = effectiveSshdConfig(x.directives);
    expect(eff.get("permitrootlogin")).toEqual({ value: "no", source: "file", file: "/etc/ssh/sshd_config.d/50-b.conf", line: 1 });
    // The Match block of 50-b.conf ends with its file: MaxAuthTries 6 in the main file is global.
    expect(eff.get("maxauthtries")).toMatchObject({ value: "6", line: 3 });
    expect(eff.get("clientaliveinterval")).toEqual({ value: "90", source: "file", file: "/etc/ssh/nested/x.conf", line: 1, raw: "1m30s" });
    expect(eff.get("passwordauthentication")).toEqual({ value: "yes", source: "default" });
    expect(eff.get("usepam")).toEqual({ value: "no", source: "default" });
    expect(eff.get("loglevel")).toMatchObject({ value: "VERBOSE", raw: "verbose", line: 8 });
  });

  it("accumulating keywords collect every line; algorithm lists apply +, -, ^ to the default", async () => {
    const x = await expandSshdConfig(
      "/etc/ssh/sshd_config",
      memReader({ "/etc/ssh/sshd_config": "AllowUsers a b\nAllowUsers c\nCiphers -*-cbc,chacha20*\nMACs +hmac-md5\nKexAlgorithms ^curve25519-sha256\n" }),
    );
    const eff = effectiveSshdConfig(x.directives);
    expect(eff.get("allowusers")).toMatchObject({ value: "a b c", values: ["a", "b", "c"], line: 1 });
    expect(eff.get("ciphers")?.values).toEqual(["aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]);
    expect(eff.get("macs")?.values?.at(-1)).toBe("hmac-md5");
    expect(eff.get("kexalgorithms")?.values?.[0]).toBe("curve25519-sha256");
    expect(eff.get("kexalgorithms")?.values).toHaveLength(SSHD_DEFAULTS.kexalgorithms?.split(",").length ?? 0);
  });

  it("a missing main file is not present; too deep an Include chain throws", async () => {
    expect((await expandSshdConfig("/etc/ssh/sshd_config", memReader({}))).present).toBe(false);
    await expect(expandSshdConfig("/etc/ssh/sshd_config", memReader({ "/etc/ssh/sshd_config": "Include sshd_config\n" }))).rejects.toThrow(
      /too many recursive includes/,
    );
  });

  it("time and algorithm helpers", () => {
    expect(sshdTimeToSeconds("1h2m3s")).toBe(3723);
    expect(sshdTimeToSeconds("45")).toBe(45);
    expect(sshdTimeToSeconds("5x")).toBeUndefined();
    expect(assembleAlgorithms("a,b", ["x"])).toEqual(["a", "b"]);
    expect(assembleAlgorithms("+a", undefined)).toBeUndefined();
  });
});

describe("sshd-config probe", () => {
  it("reads the effective value with file and line, through an Include relative to /etc/ssh", async () => {
    const root = await fixtureRoot({
      "etc/ssh/sshd_config": "Include sshd_config.d/*.conf\nPermitRootLogin yes\n",
      "etc/ssh/sshd_config.d/10-cis.conf": "permitrootlogin NO\n",
    });
    const f = await collect(root, "PermitRootLogin");
    expect(f.value).toMatchObject({ present: true, key: "permitrootlogin", value: "no", source: "file", file: "/etc/ssh/sshd_config.d/10-cis.conf", line: 1, raw: "NO" });
    expect(f.evidence).toEqual([{ file: "/etc/ssh/sshd_config.d/10-cis.conf", line: 1, key: "permitrootlogin" }]);
  });

  it("an unset keyword gives the compiled-in default, with evidence saying so", async () => {
    const root = await fixtureRoot({ "etc/ssh/sshd_config": "Port 22\n" });
    const f = await collect(root, "MaxAuthTries");
    expect(f.value).toMatchObject({ present: true, key: "maxauthtries", value: "6", source: "default" });
    expect(f.value.settings.port).toBe("22");
    expect(f.evidence).toEqual([
      { file: "/etc/ssh/sshd_config", key: "maxauthtries", detail: "not set outside Match blocks in /etc/ssh/sshd_config: sshd's compiled-in default" },
    ]);
  });

  it("no sshd_config: present false; keywords without a default are unset", async () => {
    const root = await fixtureRoot({ "etc/hostname": "x\n" });
    const f = await collect(root, "AllowGroups");
    expect(f.value).toMatchObject({ present: false, key: "allowgroups", source: "unset" });
    expect(f.value.value).toBeUndefined();
    expect(f.evidence).toEqual([{ file: "/etc/ssh/sshd_config", detail: "missing: the OpenSSH server is not installed" }]);
  });

  it("an included directory is skipped, not read", async () => {
    const root = await fixtureRoot({
      "etc/ssh/sshd_config": "Include /etc/ssh/sshd_config.d/*.conf\n",
      "etc/ssh/sshd_config.d/odd.conf": { dir: true },
    });
    expect((await collect(root, "UsePAM")).value).toMatchObject({ value: "no", source: "default" });
  });
});
