import { chmod, truncate } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import fileProbe, { parseEqualsKeyValue, parseSpaceKeyValue } from "../../../src/probes/file.js";
import { probeConformance } from "../../helpers/probe-conformance.js";
import { parseGroup, parsePasswd } from "../../../src/probes/parse/passwd.js";
import type { KubeletInfo } from "../../../src/probes/kubelet.js";
import type { ProbeContext } from "../../../src/probes/types.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { TableHost } from "../../helpers/hidden-sources.js";
import { createProbeContext } from "../../../src/engine/run-checks.js";

probeConformance(fileProbe, {
  params: [{ path: "/etc/shadow" }, { glob: "/etc/ssh/*.conf" }, { path: "/etc/kubernetes/kubelet.conf", key: "x", format: "yaml" }, { pathOf: "kubelet-config" }],
  mayOmit: {
    type: "a file that does not exist has no type, mode, owner or size",
    symlink: "a file that does not exist has no type, mode, owner or size",
    mode: "a file that does not exist has no type, mode, owner or size",
    owner: "a file that does not exist has no type, mode, owner or size",
    group: "a file that does not exist has no type, mode, owner or size",
    uid: "a file that does not exist has no type, mode, owner or size",
    gid: "a file that does not exist has no type, mode, owner or size",
    size: "a file that does not exist has no type, mode, owner or size",
    value: "content fields are set only when the params ask for a key, pattern or document",
    found: "content fields are set only when the params ask for a key, pattern or document",
    matched: "content fields are set only when the params ask for a key, pattern or document",
    match: "content fields are set only when the params ask for a key, pattern or document",
    document: "content fields are set only when the params ask for a key, pattern or document",
    note: "set only when there is something to say",
    pattern: "glob fields are set only for glob params",
    count: "glob fields are set only for glob params",
    files: "glob fields are set only for glob params",
    dangling: "set only when a glob matches a dangling symlink",
    path: "a pathOf with no kubelet names no path",
    exists: "a pathOf with no kubelet names no file",
  },
  offline: {},
});

afterAll(cleanupFixtures);

const PASSWD = "root:x:0:0:root:/root:/bin/bash\n# a comment\njunk line\netcd:x:42:42::/var/lib/etcd:/usr/sbin/nologin\n";
const GROUP = "root:x:0:\netcd:x:42:\n";

async function collect(ctx: ProbeContext, raw: Record<string, unknown>) {
  return fileProbe.collect(ctx, fileProbe.params.parse(raw));
}

async function baseRoot(extra: Parameters<typeof fixtureRoot>[0] = {}): Promise<string> {
  return fixtureRoot({ "etc/passwd": PASSWD, "etc/group": GROUP, ...extra });
}

/** A context whose kubelet helper answer is fixed (the helper memoises under "kubelet"). */
function withKubelet(ctx: ProbeContext, info: Partial<KubeletInfo>): ProbeContext {
  const full: KubeletInfo = { present: true, source: "unit", dropIns: [], flags: {}, config: {}, problems: [], ...info };
  void ctx.once("kubelet", async () => full);
  return ctx;
}

describe("file probe: stat", () => {
  it("reports mode and owner names from the root's own /etc/passwd and /etc/group", async () => {
    const root = await baseRoot({
      "etc/kubernetes/kubelet.conf": { content: "x\n", mode: 0o640, uid: 42, gid: 0 },
      "etc/other": { content: "y", mode: 0o4755, uid: 1234, gid: 4321 },
    });
    // fixtureRoot chowns after chmod, and chown clears setuid: set the mode again.
    await chmod(path.join(root, "etc/other"), 0o4755);
    const ctx = probeContext(root);
    expect(await collect(ctx, { path: "/etc/kubernetes/kubelet.conf" })).toEqual({
      value: {
        path: "/etc/kubernetes/kubelet.conf", exists: true, type: "file", symlink: false,
        mode: 0o640, owner: "etcd", group: "root", uid: 42, gid: 0, size: 2,
      },
      evidence: [{ file: "/etc/kubernetes/kubelet.conf" }],
    });
    // setuid kept in mode; ids without a name become their number.
    const other = await collect(ctx, { path: "/etc/other" });
    expect(other.value).toMatchObject({ mode: 0o4755, owner: "1234", group: "4321", uid: 1234, gid: 4321 });
  });

  it("reports a missing file as a fact, not an error", async () => {
    const root = await baseRoot();
    expect(await collect(probeContext(root), { path: "/etc/nope", key: "A", pattern: "x" })).toEqual({
      value: { path: "/etc/nope", exists: false, found: false, matched: false },
      evidence: [{ file: "/etc/nope" }],
    });
  });

  it("reports a directory", async () => {
    const root = await baseRoot({ "var/lib/kubelet": { dir: true, mode: 0o700 } });
    const f = await collect(probeContext(root), { path: "/var/lib/kubelet" });
    expect(f.value).toMatchObject({ exists: true, type: "directory", mode: 0o700, owner: "root" });
  });

  it("follows a symlink inside the root, re-rooting an absolute target", async () => {
    const root = await baseRoot({
      "etc/real.conf": { content: "Port 22\n", mode: 0o600 },
      "etc/link.conf": { symlink: "/etc/real.conf" },
    });
    const f = await collect(probeContext(root), { path: "/etc/link.conf", key: "port" });
    expect(f).toEqual({
      value: {
        path: "/etc/link.conf", exists: true, type: "file", symlink: true, mode: 0o600,
        owner: "root", group: "root", uid: 0, gid: 0, size: 8, found: true, value: "22",
      },
      evidence: [{ file: "/etc/link.conf", detail: "symlink to /etc/real.conf" }, { file: "/etc/link.conf", line: 1, key: "port" }],
    });
  });

  it("reports a dangling symlink as not existing", async () => {
    const root = await baseRoot({ "etc/dangling": { symlink: "/etc/gone" } });
    const f = await collect(probeContext(root), { path: "/etc/dangling" });
    expect(f.value).toEqual({ path: "/etc/dangling", exists: false, symlink: true, note: "dangling symlink to /etc/gone" });
  });

  it("throws for a symlink escaping the root", async () => {
    const root = await baseRoot({ "etc/escape": { symlink: "../../../../../../etc/passwd" } });
    await expect(collect(probeContext(root), { path: "/etc/escape" })).rejects.toThrow(/outside the root/);
  });

  it("throws for a symlink loop", async () => {
    const root = await baseRoot({ "etc/a": { symlink: "/etc/b" }, "etc/b": { symlink: "/etc/a" } });
    await expect(collect(probeContext(root), { path: "/etc/a" })).rejects.toThrow(/symbolic links/);
  });

  it("stats a 2 GB sparse file without reading it, and refuses to read it for a key", async () => {
    const root = await baseRoot({ "var/log/huge": "" });
    await truncate(path.join(root, "var/log/huge"), 2 * 1024 ** 3);
    const ctx = probeContext(root);
    const f = await collect(ctx, { path: "/var/log/huge" });
    expect(f.value).toMatchObject({ exists: true, type: "file", size: 2 * 1024 ** 3 });
    await expect(collect(ctx, { path: "/var/log/huge", pattern: "x" })).rejects.toThrow(/\/var\/log\/huge is 2147483648 bytes, over the/);
  });

  it("throws when content is needed from a directory", async () => {
    const root = await baseRoot({ "etc/ssh/sshd_config": { dir: true } });
    await expect(collect(probeContext(root), { path: "/etc/ssh/sshd_config", key: "Port" })).rejects.toThrow(
      /\/etc\/ssh\/sshd_config is a directory/,
    );
  });
});

describe("file probe: content", () => {
  const SSHD = [
    "# sshd",
    "Port 2222",
    "permitrootlogin no",
    "PermitRootLogin yes",
    'Banner "/etc/issue net"',
    "PasswordAuthentication=no",
    "Match User admin",
    "  X11Forwarding yes",
  ].join("\n");

  it("space format: case-insensitive key, first occurrence wins, Match blocks not global", async () => {
    const root = await baseRoot({ "etc/ssh/sshd_config": SSHD });
    const ctx = probeContext(root);
    const f = await collect(ctx, { path: "/etc/ssh/sshd_config", key: "PermitRootLogin" });
    expect(f.value).toMatchObject({ found: true, value: "no" });
    expect(f.evidence).toEqual([{ file: "/etc/ssh/sshd_config" }, { file: "/etc/ssh/sshd_config", line: 3, key: "PermitRootLogin" }]);
    expect((await collect(ctx, { path: "/etc/ssh/sshd_config", key: "banner" })).value).toMatchObject({ value: "/etc/issue net" });
    expect((await collect(ctx, { path: "/etc/ssh/sshd_config", key: "passwordauthentication" })).value).toMatchObject({ value: "no" });
    const x11 = await collect(ctx, { path: "/etc/ssh/sshd_config", key: "X11Forwarding" });
    expect(x11.value).toMatchObject({ found: false });
    expect(x11.value).not.toHaveProperty("value");
    expect(x11.evidence).toEqual([{ file: "/etc/ssh/sshd_config" }]);
  });

  it("equals format: last wins, ini sections give dotted keys", async () => {
    const root = await baseRoot({
      "etc/x.conf": "# c\n; c\nkernel.randomize_va_space = 1\nkernel.randomize_va_space=2\n[main]\nenabled = \"yes\"\nbroken line\n",
    });
    const ctx = probeContext(root);
    const f = await collect(ctx, { path: "/etc/x.conf", format: "equals", key: "kernel.randomize_va_space" });
    expect(f.value).toMatchObject({ found: true, value: "2" });
    expect(f.evidence[1]).toEqual({ file: "/etc/x.conf", line: 4, key: "kernel.randomize_va_space" });
    expect((await collect(ctx, { path: "/etc/x.conf", format: "equals", key: "main.enabled" })).value).toMatchObject({ value: "yes" });
  });

  it("yaml format: dotted path with typed value and line", async () => {
    const yaml = "apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n    enabled: false\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\ntlsCipherSuites: [a, b]\nreadOnlyPort: 0\n";
    const root = await baseRoot({ "var/lib/kubelet/config.yaml": yaml });
    const ctx = probeContext(root);
    const f = await collect(ctx, { path: "/var/lib/kubelet/config.yaml", format: "yaml", key: "authentication.anonymous.enabled" });
    expect(f.value).toMatchObject({ found: true, value: false });
    expect(f.evidence[1]).toEqual({ file: "/var/lib/kubelet/config.yaml", line: 4, key: "authentication.anonymous.enabled" });
    const port = await collect(ctx, { path: "/var/lib/kubelet/config.yaml", format: "yaml", key: "readOnlyPort" });
    expect(port.value).toMatchObject({ found: true, value: 0 });
    const list = await collect(ctx, { path: "/var/lib/kubelet/config.yaml", format: "yaml", key: "tlsCipherSuites" });
    expect(list.value).toMatchObject({ value: '["a","b"]' });
    const idx = await collect(ctx, { path: "/var/lib/kubelet/config.yaml", format: "yaml", key: "tlsCipherSuites.1" });
    expect(idx.value).toMatchObject({ value: "b" });
    const missing = await collect(ctx, { path: "/var/lib/kubelet/config.yaml", format: "yaml", key: "authentication.webhook.enabled" });
    expect(missing.value).toMatchObject({ found: false });
  });

  it("json format, and a parse error makes value unknown rather than guessed", async () => {
    const root = await baseRoot({
      "etc/docker/daemon.json": '{\n  "icc": false,\n  "log-driver": "json-file"\n}\n',
      "etc/bad.json": "{ nope",
    });
    const ctx = probeContext(root);
    const f = await collect(ctx, { path: "/etc/docker/daemon.json", format: "json", key: "icc" });
    expect(f.value).toMatchObject({ found: true, value: false });
    expect(f.evidence[1]).toEqual({ file: "/etc/docker/daemon.json", line: 2, key: "icc" });
    const bad = await collect(ctx, { path: "/etc/bad.json", format: "json", key: "icc" });
    expect(bad.value).toMatchObject({ exists: true });
    expect(bad.value).not.toHaveProperty("found");
    expect(bad.unknown?.value).toMatch(/^\/etc\/bad\.json: invalid JSON/);
    expect(bad.unknown?.found).toBe(bad.unknown?.value);
  });

  it("pattern: first matching line, first capture group or whole match", async () => {
    const root = await baseRoot({ "etc/login.defs": "# PASS_MAX_DAYS 1\nPASS_MAX_DAYS\t90\nPASS_MIN_DAYS 7\n" });
    const ctx = probeContext(root);
    const f = await collect(ctx, { path: "/etc/login.defs", pattern: "^PASS_MAX_DAYS\\s+(\\d+)" });
    expect(f.value).toMatchObject({ matched: true, match: "90" });
    expect(f.evidence).toEqual([{ file: "/etc/login.defs" }, { file: "/etc/login.defs", line: 2 }]);
    const whole = await collect(ctx, { path: "/etc/login.defs", pattern: "(?i)pass_min_days \\d" });
    expect(whole.value).toMatchObject({ matched: true, match: "PASS_MIN_DAYS 7" });
    const none = await collect(ctx, { path: "/etc/login.defs", pattern: "^UMASK" });
    expect(none.value).toMatchObject({ matched: false });
    expect(none.value).not.toHaveProperty("match");
  });

  it("rejects bad params at load", () => {
    expect(fileProbe.params.safeParse({ path: "/a", glob: "/b*" }).success).toBe(false);
    expect(fileProbe.params.safeParse({}).success).toBe(false);
    expect(fileProbe.params.safeParse({ path: "relative" }).success).toBe(false);
    expect(fileProbe.params.safeParse({ path: "/a", pattern: "(" }).success).toBe(false);
    expect(fileProbe.params.safeParse({ path: "/a", bogus: 1 }).success).toBe(false);
    expect(fileProbe.params.safeParse({ pathOf: "kubelet-config" }).success).toBe(true);
  });
});

describe("file probe: glob", () => {
  it("lists each matching file, with content fields only when asked", async () => {
    const root = await baseRoot({
      "etc/kubernetes/pki/ca.crt": { content: "c", mode: 0o644 },
      "etc/kubernetes/pki/ca.key": { content: "secret k", mode: 0o600 },
      "etc/kubernetes/pki/sub": { dir: true, mode: 0o755 },
    });
    const ctx = probeContext(root);
    const f = await collect(ctx, { glob: "/etc/kubernetes/pki/*.key" });
    expect(f).toEqual({
      value: {
        pattern: "/etc/kubernetes/pki/*.key", count: 1,
        files: [{ path: "/etc/kubernetes/pki/ca.key", exists: true, type: "file", symlink: false, mode: 0o600, owner: "root", group: "root", uid: 0, gid: 0, size: 8 }],
      },
      evidence: [{ file: "/etc/kubernetes/pki/ca.key" }],
    });
    const all = await collect(ctx, { glob: "/etc/kubernetes/pki/*", pattern: "secret" });
    expect(all.value).toMatchObject({
      count: 3,
      files: [
        { path: "/etc/kubernetes/pki/ca.crt", matched: false },
        { path: "/etc/kubernetes/pki/ca.key", matched: true, match: "secret" },
        { path: "/etc/kubernetes/pki/sub", type: "directory", note: "directory: content not read" },
      ],
    });
    const none = await collect(ctx, { glob: "/etc/nothing/*" });
    expect(none).toEqual({ value: { pattern: "/etc/nothing/*", count: 0, files: [] }, evidence: [] });
  });

  it("leaves a dangling symlink out of the files, naming it and its target in the evidence", async () => {
    const root = await baseRoot({
      "etc/ssh/ssh_host_ed25519_key": { content: "k", mode: 0o600 },
      "etc/ssh/ssh_host_rsa_key": { symlink: "/etc/ssh/keys/rsa" },
    });
    const f = await collect(probeContext(root), { glob: "/etc/ssh/ssh_host_*_key" });
    expect(f).toEqual({
      value: {
        pattern: "/etc/ssh/ssh_host_*_key", count: 1,
        files: [{ path: "/etc/ssh/ssh_host_ed25519_key", exists: true, type: "file", symlink: false, mode: 0o600, owner: "root", group: "root", uid: 0, gid: 0, size: 1 }],
        dangling: ["/etc/ssh/ssh_host_rsa_key"],
      },
      evidence: [
        { file: "/etc/ssh/ssh_host_ed25519_key" },
        { file: "/etc/ssh/ssh_host_rsa_key", detail: "dangling symlink to /etc/ssh/keys/rsa: left out, there is no file to judge" },
      ],
    });
    // A link to a file is an element as its target is (type, mode and owner of the target).
    const linked = await baseRoot({ "etc/ssh/keys/rsa": { content: "r", mode: 0o640 }, "etc/ssh/ssh_host_rsa_key": { symlink: "/etc/ssh/keys/rsa" } });
    expect((await collect(probeContext(linked), { glob: "/etc/ssh/ssh_host_*_key" })).value).toMatchObject({
      count: 1, files: [{ path: "/etc/ssh/ssh_host_rsa_key", exists: true, symlink: true, mode: 0o640 }],
    });
  });
});

describe("file probe: pathOf auditd-log-dir (CIS x.4.1–x.4.4)", () => {
  const conf = (text: string) => ({ "etc/audit/auditd.conf": text });
  it("the directory of auditd.conf's log_file (the last setting wins), its entries with entries: true", async () => {
    const root = await baseRoot({
      ...conf("log_file = /var/log/audit/audit.log\nlog_group = adm\nlog_file = /srv/audit//audit.log\n"),
      "srv/audit": { dir: true, mode: 0o750 },
      "srv/audit/audit.log": { content: "x", mode: 0o600 },
      "srv/audit/audit.log.1": { symlink: "/srv/audit/gone" },
    });
    const where = { file: "/etc/audit/auditd.conf", line: 3, key: "log_file", detail: "/srv/audit//audit.log" };
    expect(await collect(probeContext(root), { pathOf: "auditd-log-dir" })).toMatchObject({ value: { path: "/srv/audit", exists: true, type: "directory", mode: 0o750 }, evidence: [where, { file: "/srv/audit" }] });
    expect(await collect(probeContext(root), { pathOf: "auditd-log-dir", entries: true })).toEqual({
      value: { pattern: "/srv/audit/*", count: 1, files: [expect.objectContaining({ path: "/srv/audit/audit.log", mode: 0o600 })], dangling: ["/srv/audit/audit.log.1"] },
      evidence: [where, { file: "/srv/audit/audit.log" }, { file: "/srv/audit/audit.log.1", detail: "dangling symlink to /srv/audit/gone: left out, there is no file to judge" }],
    });
  });

  it("LOG_FILE in upper case is log_file (auditd compares keywords with strcasecmp), not the default directory", async () => {
    const root = await baseRoot({ ...conf("LOG_FILE = /srv/audit/audit.log\n"), "srv/audit": { dir: true, mode: 0o700 } });
    expect(await collect(probeContext(root), { pathOf: "auditd-log-dir" })).toMatchObject({
      value: { path: "/srv/audit", exists: true, mode: 0o700 },
      evidence: [{ file: "/etc/audit/auditd.conf", line: 1, key: "log_file", detail: "/srv/audit/audit.log" }, { file: "/srv/audit" }],
    });
  });

  it("key with ignoreKeyCase (format equals): the last setting in any case; without it the case must match", async () => {
    const root = await baseRoot(conf("log_group = adm\nLOG_GROUP = wheel\n"));
    expect(await collect(probeContext(root), { path: "/etc/audit/auditd.conf", key: "log_group", format: "equals", ignoreKeyCase: true })).toMatchObject({
      value: { found: true, value: "wheel" },
      evidence: [{ file: "/etc/audit/auditd.conf" }, { file: "/etc/audit/auditd.conf", line: 2, key: "log_group" }],
    });
    expect((await collect(probeContext(root), { path: "/etc/audit/auditd.conf", key: "log_group", format: "equals" })).value).toMatchObject({ found: true, value: "adm" });
  });

  it("unset or no auditd.conf: auditd's default /var/log/audit, said in the evidence", async () => {
    const unset = await collect(probeContext(await baseRoot(conf("log_group = adm\n"))), { pathOf: "auditd-log-dir" });
    expect(unset.value).toMatchObject({ path: "/var/log/audit", exists: false });
    expect(unset.evidence[0]).toEqual({ file: "/etc/audit/auditd.conf", detail: "log_file not set: log_file /var/log/audit/audit.log (auditd's default)" });
    const absent = await collect(probeContext(await baseRoot()), { pathOf: "auditd-log-dir", entries: true });
    expect(absent).toEqual({ value: { pattern: "/var/log/audit/*", count: 0, files: [] }, evidence: [{ file: "/etc/audit/auditd.conf", detail: "absent: log_file /var/log/audit/audit.log (auditd's default)" }] });
  });

  it("auditd.conf unreadable or a relative log_file: every field unknown with the reason, never the default", async () => {
    const root = await baseRoot(conf("log_file = /srv/audit/audit.log\n"));
    const hidden = await collect(createProbeContext(new TableHost({ root, hide: { source: "root:/etc/audit/auditd.conf", mode: "unreadable" } })), { pathOf: "auditd-log-dir", entries: true });
    expect(hidden.unknown?.files).toMatch(/^the audit log directory is not known: cannot read \/etc\/audit\/auditd\.conf: .*EACCES/);
    expect(hidden.unknown?.count).toBe(hidden.unknown?.files);
    const relative = await collect(probeContext(await baseRoot(conf("log_file = audit.log\n"))), { pathOf: "auditd-log-dir" });
    expect(relative.unknown?.mode).toBe('the audit log directory is not known: /etc/audit/auditd.conf:1: log_file "audit.log" is not an absolute path');
  });

  it("entries goes with path or pathOf: auditd-log-dir only", () => {
    expect(fileProbe.params.safeParse({ path: "/var/log/audit", entries: true }).success).toBe(true);
    expect(fileProbe.params.safeParse({ glob: "/var/log/*", entries: true }).success).toBe(false);
    expect(fileProbe.params.safeParse({ pathOf: "kubelet-config", entries: true }).success).toBe(false);
  });
});

describe("file probe: pathOf", () => {
  it("resolves kubelet files through the kubelet helper", async () => {
    const root = await baseRoot({
      "lib/systemd/system/kubelet.service": { content: "[Service]\n", mode: 0o644 },
      "etc/systemd/system/kubelet.service.d/10-kubeadm.conf": { content: "[Service]\nExecStart=\n", mode: 0o600 },
      "var/lib/kubelet/config.yaml": "authentication:\n  anonymous:\n    enabled: false\n",
    });
    const ctx = withKubelet(probeContext(root), {
      unitFile: "/lib/systemd/system/kubelet.service",
      serviceFile: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
      configFile: "/var/lib/kubelet/config.yaml",
    });
    const unit = await collect(ctx, { pathOf: "kubelet-unit" });
    expect(unit.value).toMatchObject({ path: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", exists: true, mode: 0o600 });
    const cfg = await collect(ctx, { pathOf: "kubelet-config", format: "yaml", key: "authentication.anonymous.enabled" });
    expect(cfg.value).toMatchObject({ path: "/var/lib/kubelet/config.yaml", found: true, value: false });
    expect(await collect(ctx, { pathOf: "kubelet-kubeconfig" })).toEqual({
      value: { path: null, exists: false, note: "kubelet has no --kubeconfig file" },
      evidence: [],
    });
    expect((await collect(ctx, { pathOf: "kubelet-client-ca" })).value).toMatchObject({ path: null, exists: false });
  });

  it("falls back to the unit file, and says when there is no kubelet", async () => {
    const root = await baseRoot({ "lib/systemd/system/kubelet.service": "[Service]\n" });
    const ctx = withKubelet(probeContext(root), { unitFile: "/lib/systemd/system/kubelet.service" });
    expect((await collect(ctx, { pathOf: "kubelet-unit" })).value).toMatchObject({ path: "/lib/systemd/system/kubelet.service", exists: true });
    expect((await collect(ctx, { pathOf: "kubelet-config" })).value).toEqual({ path: null, exists: false, note: "kubelet has no --config file" });
    const none = withKubelet(probeContext(root), { present: false, source: "none" });
    expect((await collect(none, { pathOf: "kubelet-unit" })).value).toEqual({
      path: null, exists: false, note: "no kubelet found (no kubelet process and no kubelet systemd unit)",
    });
  });
});

describe("file parsers", () => {
  it("parseSpaceKeyValue keeps entries and problems", () => {
    expect(parseSpaceKeyValue("# c\nPort 22\r\nLonelyKey\n  UsePAM   yes  \n")).toEqual({
      entries: [{ key: "Port", value: "22", line: 2 }, { key: "UsePAM", value: "yes", line: 4 }],
      problems: [{ line: 3, message: "no value for (a line of 9 characters, not quoted: an unparsed line may hold a secret)" }],
    });
  });

  it("parseEqualsKeyValue keeps entries and problems", () => {
    expect(parseEqualsKeyValue("a=1\n = 2\nb = x=y\nnope\n")).toEqual({
      entries: [{ key: "a", value: "1", line: 1 }, { key: "b", value: "x=y", line: 3 }],
      problems: [{ line: 2, message: "empty key" }, { line: 4, message: "not a key = value line: (a line of 4 characters, not quoted: an unparsed line may hold a secret)" }],
    });
  });

  it("parsePasswd / parseGroup map ids to names, first wins, junk skipped", () => {
    expect(parsePasswd("root:x:0:0::/:/bin/sh\n+nis::::\nbad\nx:x:abc:1\ntoor:x:0:0::/:/bin/sh\nsvc:x:999:999::/:/bin/false\n")).toEqual(
      new Map([[0, "root"], [999, "svc"]]),
    );
    expect(parseGroup("wheel:x:10:a,b\n")).toEqual(new Map([[10, "wheel"]]));
  });
});
