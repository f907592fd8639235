/**
 * The sshd-config probe against the real sshd: Debian 12's OpenSSH 9.2 in the cached test
 * root, run through chroot. `sshd -T` (without -C) prints the global effective value of every
 * keyword — what the CIS 5.1.x audits read — and the probe, which computes it from the files
 * alone, must agree: on the compiled-in defaults and on a configuration with Includes,
 * repeated keywords (first value wins), `-`/`+` algorithm edits, time units and a Match block.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sshdProbe from "../../src/probes/sshd-config.js";
import { SSHD_DEFAULTS } from "../../src/probes/parse/sshd-config.js";
import { probeContext } from "../helpers/fixture-root.js";
import { copyRoot, debianRoot, inCI, isRoot, removeCopies, run } from "./helpers.js";

const HOST_KEY = "/tmp/nodeward-sshd-hostkey";
/** sshd -T prints the legacy name of PermitRootLogin's default; sshd_config(5) documents both. */
const ALIASES: Record<string, Record<string, string>> = { permitrootlogin: { "without-password": "prohibit-password" } };

const canRun = isRoot();
let root: string;

/** `sshd -T -f CONFIG` in the root: keyword → value, as sshd prints them. */
async function sshdT(config: string): Promise<Map<string, string>> {
  const r = await run(["chroot", root, "/usr/sbin/sshd", "-T", "-f", config, "-h", HOST_KEY]);
  if (r.exitCode !== 0) throw new Error(`sshd -T -f ${config} exited ${r.exitCode}: ${r.stderr}`);
  const out = new Map<string, string>();
  for (const line of r.stdout.trim().split("\n")) {
    const i = line.indexOf(" ");
    const k = line.slice(0, i);
    const v = line.slice(i + 1);
    // Accumulating keywords (allowgroups, listenaddress …) print one line per value.
    out.set(k, out.has(k) ? `${out.get(k)} ${v}` : v);
  }
  return out;
}

function normalised(key: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : (ALIASES[key]?.[value] ?? value);
}

async function probe(key: string): Promise<string | undefined> {
  const fact = await sshdProbe.collect(probeContext(root), sshdProbe.params.parse({ key }));
  return fact.value.value;
}

describe.skipIf(!canRun && !inCI())("sshd-config probe = sshd -T of Debian 12's OpenSSH", () => {
  beforeAll(async () => {
    if (!canRun) expect.fail("integration tests must run as root under CI (chroot); uid is " + String(process.getuid?.()));
    root = await copyRoot(debianRoot());
    await mkdir(path.join(root, "run/sshd"), { recursive: true }); // sshd's privilege separation dir
    const keygen = await run(["chroot", root, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", HOST_KEY]);
    expect(keygen.exitCode, keygen.stderr).toBe(0);
  }, 120_000);
  afterAll(removeCopies);

  it("every compiled-in default in the probe's table is what sshd -T prints for an empty sshd_config", async () => {
    await writeFile(path.join(root, "tmp/empty_config"), "");
    const real = await sshdT("/tmp/empty_config");
    const differing = Object.entries(SSHD_DEFAULTS)
      .filter(([k, v]) => normalised(k, real.get(k)) !== v)
      .map(([k, v]) => `${k}: table ${v}, sshd -T ${real.get(k) ?? "(not printed)"}`);
    expect(differing).toEqual([]);
    expect(Object.keys(SSHD_DEFAULTS).length).toBeGreaterThan(40);
  });

  it("the effective value of every keyword the CIS 5.1 checks judge matches sshd -T (Debian's shipped sshd_config + drop-ins)", async () => {
    const at = (p: string): string => path.join(root, p);
    // Debian's shipped sshd_config starts with `Include /etc/ssh/sshd_config.d/*.conf`.
    await writeFile(
      at("etc/ssh/sshd_config.d/50-cis.conf"),
      [
        "PermitRootLogin no", "MaxAuthTries 4", "LogLevel VERBOSE", "Ciphers -3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc",
        "MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com", "KexAlgorithms -diffie-hellman-group1-sha1,diffie-hellman-group14-sha1",
        "ClientAliveInterval 15", "ClientAliveCountMax 3", "LoginGraceTime 1m", "MaxStartups 10:30:60", "MaxSessions 10",
        "Banner /etc/issue.net", "AllowGroups sshusers wheel", "DisableForwarding yes", "GSSAPIAuthentication no",
        "",
      ].join("\n"),
    );
    // Later files and lines do not override the first value.
    await writeFile(at("etc/ssh/sshd_config.d/90-late.conf"), "PermitRootLogin yes\nMaxAuthTries 6\nLogLevel DEBUG3\n");
    const shipped = await readFile(at("etc/ssh/sshd_config"), "utf8");
    await writeFile(at("etc/ssh/sshd_config"), `${shipped}\nMatch User admin\n  PermitRootLogin yes\n  MaxSessions 2\n`);

    const real = await sshdT("/etc/ssh/sshd_config");
    const keys = [
      "permitrootlogin", "maxauthtries", "loglevel", "ciphers", "macs", "kexalgorithms", "clientaliveinterval",
      "clientalivecountmax", "logingracetime", "maxstartups", "maxsessions", "banner", "allowgroups", "disableforwarding",
      "gssapiauthentication", "hostbasedauthentication", "ignorerhosts", "permitemptypasswords", "permituserenvironment",
      "usepam", "x11forwarding", "kbdinteractiveauthentication", "printmotd",
    ];
    const differing: string[] = [];
    for (const k of keys) {
      const mine = await probe(k);
      const theirs = normalised(k, real.get(k));
      if (mine !== theirs) differing.push(`${k}: probe ${mine ?? "(unset)"}, sshd -T ${theirs ?? "(not printed)"}`);
    }
    expect(differing).toEqual([]);
    // The drop-in's values, not the later file's or the Match block's.
    expect(real.get("permitrootlogin")).toBe("no");
    expect(real.get("logingracetime")).toBe("60");
    expect(real.get("usepam")).toBe("yes"); // Debian's shipped file
  });
});
