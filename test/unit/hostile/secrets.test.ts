/**
 * Issue 19, redaction by construction: secrets planted in a node's files (the
 * EncryptionConfiguration key, a kubeconfig token, a private key behind a modprobe.d
 * link, shadow hashes reached by an sshd Include, a bearer token) appear in no output:
 * the report is redacted where it is made, so every format, the API, the state file and
 * the logs get the redacted copy; the request log masks ?token=.
 */
import { afterAll, describe, expect, it } from "vitest";
import { HostRoot } from "../../../src/host/host-root.js";
import { recheck } from "../../../src/engine/recheck.js";
import { runScan } from "../../../src/engine/run-scan.js";
import { loadPacks } from "../../../src/packs/load.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { reporters } from "../../../src/report/index.js";
import { redactDeep, redactText, redactUrl, REDACTED } from "../../../src/util/redact.js";
import { compliantDebianNode, dpkgStatus, layer } from "../../helpers/compliant-debian-node.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { kubeadmNode } from "../../helpers/kubeadm-node.js";
import { dpkg, enabled } from "../packs/cis-linux-cases.js";


/**
 * Every rendering of a report: each format, and the table with -v (every result in full,
 * with the evidence and observed values of passed checks, which the default table leaves out).
 */
function everyOutput(report: Parameters<typeof reporters.table.render>[0]): [string, string][] {
  return [...Object.entries(reporters).map(([n, r]): [string, string] => [n, r.render(report)]), ["table -v", reporters.table.render(report, { verbose: true })]];
}
afterAll(cleanupFixtures);

const ENC_SECRET = "UExBTlRFRC1FTkMtU0VDUkVULTE5LXh5eg==";
const TOKEN = "planted-token-19-abcdef0123456789";
const HASH = "$6$plantedsalt$PLANTEDHASH19abcdefghijklmnopqrstuvwxyz0123456789";
const KEY_LINE = "MIIEplantedPRIVATEkeyLINE19AAAABBBBCCCCDDDD";
const CIFS = "PLANTEDcifsPASSWORD19";

/**
 * A host that records the files whose content it returned, procfs files as /proc/…: a planted
 * secret proves something only in a file the scan read.
 */
class ReadingHost extends HostRoot {
  readonly read = new Set<string>();
  override async readFile(hostPath: string, options?: Parameters<HostRoot["readFile"]>[1]): Promise<string> {
    const text = await super.readFile(hostPath, options);
    this.read.add(hostPath);
    return text;
  }
  override async procRead(rel: string, options?: Parameters<HostRoot["procRead"]>[1]): Promise<string> {
    const text = await super.procRead(rel, options);
    this.read.add(`/proc/${rel}`);
    return text;
  }
}

describe("planted secrets appear in no output", () => {
  it("table, json, junit, sarif, html, prometheus: none holds a planted secret", async () => {
    const spec = kubeadmNode();
    spec["etc/kubernetes/encryption/encryption.yaml"] = {
      content: `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc:\n          keys:\n            - name: key1\n              secret: ${ENC_SECRET}\n      - identity: {}\n`,
      mode: 0o600, uid: 0, gid: 0,
    };
    spec["etc/kubernetes/kubelet.conf"] = { content: `apiVersion: v1\nkind: Config\nusers:\n- name: n\n  user:\n    token: ${TOKEN}\n`, mode: 0o600, uid: 0, gid: 0 };
    spec["etc/shadow"] = { content: `root:${HASH}:19000:0:99999:7:::\n`, mode: 0o640, uid: 0, gid: 0 };
    spec["etc/ssh/sshd_config"] = "Include /etc/shadow\nPermitRootLogin no\n";
    spec["root/.ssh/id_rsa"] = { content: `-----BEGIN RSA PRIVATE KEY-----\n${KEY_LINE}\n-----END RSA PRIVATE KEY-----\n`, mode: 0o600, uid: 0, gid: 0 };
    spec["etc/modprobe.d/key.conf"] = { symlink: "/root/.ssh/id_rsa" };
    spec["etc/default/kubelet"] = `KUBELET_EXTRA_ARGS=--token=${TOKEN}\n`;
    // A CIFS mount's password option: the mount checks quote the mount of /tmp (this root has a procfs).
    spec["etc/fstab"] = `//files/tmp /tmp cifs username=svc,password=${CIFS},nodev,nosuid 0 0\n`;
    spec["proc/1/mountinfo"] = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n40 22 0:40 / /tmp rw,nosuid,nodev,relatime shared:20 - cifs //files/tmp rw,username=svc,password=${CIFS}\n`;
    const root = await fixtureRoot(spec);
    const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
    const host = new ReadingHost({ root });
    const report = await runScan({ host, packs: loaded.packs, inventory: false, deep: false });
    // Each secret is in a file the scan read (kubelet.conf is not read: the token is in /etc/default/kubelet too).
    const read = ["/etc/kubernetes/encryption/encryption.yaml", "/etc/default/kubelet", "/etc/shadow", "/etc/modprobe.d/key.conf", "/proc/1/mountinfo"];
    expect(read.filter((f) => !host.read.has(f)), "planted files the scan did not read").toEqual([]);
    // 1.2.28 still reads the document (it is judged), but shows no key.
    const r1228 = report.results.find((r) => r.pack === "kubernetes-control-plane" && r.id === "1.2.28");
    expect(r1228).toBeDefined();
    for (const [name, out] of everyOutput(report)) {
      for (const secret of [ENC_SECRET, TOKEN, "PLANTEDHASH19", KEY_LINE, CIFS]) {
        expect(out.includes(secret), `${name} output holds ${secret}`).toBe(false);
      }
    }
    // -v shows what the default table leaves out (a passed check's evidence: the /tmp mount), redacted.
    const verbose = everyOutput(report).find(([n]) => n === "table -v")?.[1] ?? "";
    expect(verbose).toContain("password=[redacted]");
    expect(JSON.stringify(report)).not.toContain(ENC_SECRET);
    // Drift re-checks: their results are merged into the agent's report, its API, state and
    // dashboard, past runScan — they are redacted where they are made, as a scan's are.
    const rechecked = await recheck({ host: new HostRoot({ root }), packs: loaded.packs, keys: report.results.map((r) => `${r.pack}/${r.id}`) });
    expect(rechecked.results).toHaveLength(report.results.length);
    // (Its drift plan keeps polled procfs text in memory to compare with; it is never output.)
    const recheckText = JSON.stringify(rechecked.results);
    for (const secret of [ENC_SECRET, TOKEN, "PLANTEDHASH19", KEY_LINE, CIFS]) {
      expect(recheckText.includes(secret), `a re-check holds ${secret}`).toBe(false);
    }
  }, 180_000);
});

// Secrets the redaction patterns do not recognise on their own: a DES crypt hash, a private
// key's base64 line without its BEGIN line, a GRUB PBKDF2 hash, a passphrase word.
const DES = "Zq9PLANTEDdes";
const KEY_BODY = "MIIEplantedKEYBODYnoHEADER19AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHHIIII";
const PBKDF2 = "grub.pbkdf2.sha512.10000.PLANTEDPBKDF2SALT19.PLANTEDPBKDF2HASH19";

describe("secrets reached through the include machinery added since issue 19 appear in no output", () => {
  it("sudoers/PAM/rsyslog/nft includes, drop-in and rules.d links to shadow and a key, grub passwords: table, json, junit, sarif, html, prometheus", async () => {
    const spec = kubeadmNode();
    const secretText = `root:${DES}:19000:0:99999:7:::\nsvc:${HASH}:19000:0:99999:7:::\n${KEY_BODY}\n${KEY_BODY.slice(0, 40)}==\nhunter2passphrase\n`;
    spec["etc/shadow"] = { content: secretText, mode: 0o640, uid: 0, gid: 0 };
    spec["root/key.b64"] = { content: secretText, mode: 0o600, uid: 0, gid: 0 };
    spec["etc/os-release"] = 'ID=debian\nVERSION_ID="12"\n';
    spec["etc/sudoers"] = { content: "Defaults use_pty\n@include /etc/shadow\n#includedir /etc/sudoers.d\n", mode: 0o440, uid: 0, gid: 0 };
    spec["etc/sudoers.d/key"] = { symlink: "/root/key.b64" };
    spec["etc/pam.d/sshd"] = "@include /etc/shadow\nauth include /root/key.b64\nauth required pam_unix.so\n";
    spec["etc/pam.d/common-password"] = "@include /root/key.b64\npassword required pam_unix.so yescrypt\n";
    spec["etc/rsyslog.conf"] = '$IncludeConfig /etc/shadow\ninclude(file="/root/key.b64")\n*.* /var/log/syslog\n';
    spec["etc/nftables.conf"] = 'include "/etc/shadow"\ninclude "/root/key.b64"\ntable inet filter {\n}\n';
    spec["etc/systemd/journald.conf.d/key.conf"] = { symlink: "/root/key.b64" };
    spec["etc/systemd/journald.conf"] = "[Journal]\nStorage=persistent\n";
    spec["etc/audit/rules.d/key.rules"] = { symlink: "/etc/shadow" };
    spec["etc/security/limits.d/key.conf"] = { symlink: "/root/key.b64" };
    spec["etc/login.defs"] = { symlink: "/etc/shadow" };
    spec["etc/fstab"] = { symlink: "/root/key.b64" };
    spec["etc/default/grub"] = { symlink: "/root/key.b64" };
    spec["boot/grub/grub.cfg"] = `set superusers="root"\npassword_pbkdf2 root ${PBKDF2}\nmenuentry 'x' {\n linux /vmlinuz root=/dev/sda1 ro\n}\n`;
    spec["boot/grub/user.cfg"] = `GRUB2_PASSWORD=${PBKDF2}\n`;
    spec["etc/dconf/db/local.d/00-key"] = { symlink: "/root/key.b64" };
    spec["etc/gdm3/greeter.dconf-defaults"] = { symlink: "/etc/shadow" };
    spec["sys/kernel/security/apparmor/profiles"] = { symlink: "/root/key.b64" };
    spec["etc/crypto-policies/config"] = { symlink: "/etc/shadow" };
    const root = await fixtureRoot(spec);
    const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
    const host = new ReadingHost({ root });
    const report = await runScan({ host, packs: loaded.packs, inventory: false, deep: false });
    // The secrets' files, each reached (through an include, a drop-in or a link) and read.
    const read = ["/etc/shadow", "/root/key.b64", "/etc/sudoers.d/key", "/etc/systemd/journald.conf.d/key.conf", "/etc/audit/rules.d/key.rules", "/boot/grub/grub.cfg", "/boot/grub/user.cfg"];
    expect(read.filter((f) => !host.read.has(f)), "planted files the scan did not read").toEqual([]);
    for (const [name, out] of everyOutput(report)) {
      for (const secret of [DES, "PLANTEDHASH19", KEY_BODY.slice(0, 24), "PLANTEDPBKDF2", "hunter2passphrase"]) {
        expect(out.includes(secret), `${name} output holds ${secret}`).toBe(false);
      }
    }
  }, 180_000);
});

const ZONE = (body: string, target = "") => `<?xml version="1.0" encoding="utf-8"?>\n<zone${target}>\n  <short>Z</short>\n${body}</zone>\n`;
const SPOOF = ["ipv4 127.0.0.1", "ipv6 ::1"]
  .map((s) => s.split(" ") as [string, string])
  .map(([family, addr]) => `  <rule family="${family}">\n    <source address="${addr}"/>\n    <destination address="${addr}" invert="True"/>\n    <drop/>\n  </rule>\n`)
  .join("");
const RHEL = { "etc/os-release": 'NAME="Red Hat Enterprise Linux"\nVERSION="9.4 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n' };

describe("secrets in files the probes read as content appear in no output", () => {
  const base = compliantDebianNode();
  const text = (p: string): string => {
    const e = base[p];
    if (typeof e === "string") return e;
    if (e && "content" in e) return e.content;
    throw new Error(`no file ${p} in the compliant node`);
  };
  // Each root: its spec, the files holding a secret (each must be read by the scan, or the
  // assertion that its secret is in no output proves nothing), and the secrets.
  const roots: Record<string, { spec: FixtureSpec; files: Record<string, string> }> = {
    // The compliant node as it runs, rsyslog installed (so its checks read rsyslog.conf).
    running: {
      spec: layer(base, {
        "var/lib/dpkg/status": dpkgStatus(["rsyslog"]),
        "etc/ssh/sshd_config": text("etc/ssh/sshd_config") + "# root password is PLANTEDSSH19\n",
        "etc/sudoers": "# vault password: PLANTEDSUDO19\n" + text("etc/sudoers"),
        "etc/rsyslog.conf": 'action(type="omhttp" server="logs.example" uid="u" pwd="PLANTEDRSYS19")\n' + text("etc/rsyslog.conf"),
        "etc/systemd/journal-upload.conf": "[Upload]\nURL=https://u:PLANTEDJRNL19@logs.example:19532\n",
        // A bootstrap token in a static pod's environment; a kubelet static-pod URL header.
        "etc/kubernetes/manifests/kube-apiserver.yaml": text("etc/kubernetes/manifests/kube-apiserver.yaml").replace(
          "      image: ",
          "      env:\n        - name: BOOTSTRAP_TOKEN\n          value: abcdef.plntdboot19xyzq\n      image: ",
        ),
        "var/lib/kubelet/config.yaml": text("var/lib/kubelet/config.yaml") + "staticPodURLHeader:\n  Authorization:\n    - Bearer PLANTEDHDR19abcdefgh\n",
      }),
      files: {
        "/etc/ssh/sshd_config": "PLANTEDSSH19",
        "/etc/sudoers": "PLANTEDSUDO19",
        "/etc/rsyslog.conf": "PLANTEDRSYS19",
        "/etc/systemd/journal-upload.conf": "PLANTEDJRNL19",
        "/etc/kubernetes/manifests/kube-apiserver.yaml": "plntdboot19xyzq",
        "/var/lib/kubelet/config.yaml": "PLANTEDHDR19",
      },
    },
    // Its offline image (no procfs): section 4 judges the persisted nftables ruleset.
    image: {
      spec: layer(Object.fromEntries(Object.entries(base).filter(([k]) => !k.startsWith("proc/"))), {
        "etc/nftables.conf": text("etc/nftables.conf").replace("policy drop;", 'policy drop;\n    tcp dport 2222 accept comment "password=PLANTEDNFT19"'),
      }),
      files: { "/etc/nftables.conf": "PLANTEDNFT19" },
    },
    // A RHEL 9 image whose firewall is firewalld: its zone files are read.
    firewalld: {
      spec: {
        ...RHEL,
        "var/lib/dpkg/status": dpkg("nftables", "firewalld"),
        ...enabled("firewalld.service"),
        "etc/firewalld/firewalld.conf": "DefaultZone=public\nFirewallBackend=nftables\n",
        "usr/lib/firewalld/zones/public.xml": ZONE('  <service name="ssh"/>\n'),
        "etc/firewalld/zones/public.xml": ZONE('  <description>password=PLANTEDFWD19</description>\n  <service name="ssh"/>\n'),
        "usr/lib/firewalld/zones/trusted.xml": ZONE("", ' target="ACCEPT"'),
        "etc/firewalld/zones/trusted.xml": ZONE(`  <interface name="lo"/>\n${SPOOF}`, ' target="ACCEPT"'),
      },
      files: { "/etc/firewalld/zones/public.xml": "PLANTEDFWD19" },
    },
  };

  it.each(Object.keys(roots))("%s: every file holding a secret is read; no secret in table, json, junit, sarif, html, prometheus or a re-check", async (name) => {
    const { spec, files } = roots[name] as (typeof roots)[string];
    const root = await fixtureRoot(spec);
    const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
    const host = new ReadingHost({ root });
    const report = await runScan({ host, packs: loaded.packs, inventory: false, deep: false });
    expect(Object.keys(files).filter((f) => !host.read.has(f)), "planted files the scan did not read").toEqual([]);
    const outputs: Record<string, string> = Object.fromEntries(everyOutput(report));
    const rechecked = await recheck({ host: new HostRoot({ root }), packs: loaded.packs, keys: report.results.map((r) => `${r.pack}/${r.id}`) });
    outputs["re-check results"] = JSON.stringify(rechecked.results);
    for (const [out, textOut] of Object.entries(outputs)) {
      for (const secret of Object.values(files)) expect(textOut.includes(secret), `${out} holds ${secret}`).toBe(false);
    }
  }, 180_000);
});

describe("the redaction step", () => {
  it.each([
    [`secret: ${ENC_SECRET}`, `secret: ${REDACTED}`],
    // A quoted value keeps its quotes; a pair inside a quoted string keeps the closing quote and loses all up to it.
    [`{"token":"${TOKEN}"}`, `{"token":"${REDACTED}"}`],
    [`password: 'a ${TOKEN}'`, `password: '${REDACTED}'`],
    [`"password=${TOKEN}"`, `"password=${REDACTED}"`],
    [`'--token=${TOKEN}' --x`, `'--token=${REDACTED}' --x`],
    [`ExecStart=/bin/m "-o password=${TOKEN}" /mnt`, `ExecStart=/bin/m "-o password=${REDACTED}" /mnt`],
    [`opts="-o password=${TOKEN},user=svc"`, `opts="-o password=${REDACTED},user=svc"`],
    [`"password=two ${TOKEN}" next`, `"password=${REDACTED}" next`],
    [`f("secret=${TOKEN}");`, `f("secret=${REDACTED}");`],
    [`password=pa"${TOKEN}`, `password=${REDACTED}`],
    [`client-key-data: LS0tLS1CRUdJTg==`, `client-key-data: ${REDACTED}`],
    [`--token=${TOKEN}`, `--token=${REDACTED}`],
    // A secret-named key right after another key's `=` (evidence "value=…" of an sshd setting), or after `;` / `&`.
    [`value=password=${TOKEN}`, `value=password=${REDACTED}`],
    [`a=1;token=${TOKEN}`, `a=1;token=${REDACTED}`],
    [`Authorization: Bearer ${TOKEN}`, `Authorization: Bearer ${REDACTED}`],
    [`root:${HASH}:19000`, `root:$6$${REDACTED}:19000`],
    // A URL's password (journal-upload's URL=), up to the last "@" before the host.
    [`URL=https://u:${TOKEN}@logs.example:19532`, `URL=https://u:${REDACTED}@logs.example:19532`],
    [`{"URL":"https://u:p@${TOKEN}@h/x","b":"c@d"}`, `{"URL":"https://u:${REDACTED}@h/x","b":"c@d"}`],
    [`redis://:${TOKEN}@cache:6379/0`, `redis://:${REDACTED}@cache:6379/0`],
    [`-----BEGIN PRIVATE KEY-----\n${KEY_LINE}\n-----END PRIVATE KEY-----`, `-----BEGIN PRIVATE KEY----- ${REDACTED}`],
  ])("%s", (input, want) => {
    expect(redactText(input)).toBe(want);
    expect(redactText(redactText(input))).toBe(want);
  });

  it.each([
    "key=net.ipv4.ip_forward, runtime=0",
    "https://user@host/x and http://[::1]:80/a:b@c",
    "passwordauthentication=no",
    "tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
    "authentication.anonymous.enabled=false",
    "tokenFile: /var/lib/x",
  ])("leaves ordinary evidence alone: %s", (s) => {
    expect(redactText(s)).toBe(s);
  });

  it("the request log masks ?token= and friends", () => {
    expect(redactUrl(`/metrics?token=${TOKEN}&x=1`)).toBe(`/metrics?token=${REDACTED}&x=1`);
    expect(redactUrl(`/api/v1/report?access_token=${TOKEN}`)).toBe(`/api/v1/report?access_token=${REDACTED}`);
  });

  it("redactDeep copies without recursion: a 100,000-deep value is fine; __proto__ stays data", () => {
    let v: unknown = `token: ${TOKEN}`;
    for (let i = 0; i < 100_000; i++) v = [v];
    expect(JSON.stringify(redactDeep({ a: [`secret: ${ENC_SECRET}`] }))).toBe(`{"a":["secret: ${REDACTED}"]}`);
    let r100k = redactDeep(v);
    for (let i = 0; i < 100_000; i++) r100k = (r100k as unknown[])[0];
    expect(r100k).toBe(`token: ${REDACTED}`);
    const o = JSON.parse('{"__proto__": {"x": "token: abcdefgh12"}}') as object;
    const r = redactDeep(o) as Record<string, unknown>;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.hasOwn(r, "__proto__")).toBe(true);
  });
});
