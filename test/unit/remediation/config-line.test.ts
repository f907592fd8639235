import { beforeEach, describe, expect, it } from "vitest";
import { setLastWins, setSshdOption, setYamlKey } from "../../../src/remediation/config-line.js";
import { unitFromCgroup } from "../../../src/remediation/port-service-stop.js";
import { unifiedDiff } from "../../../src/remediation/render.js";
import { validateFix } from "../../../src/remediation/index.js";
import { loadYaml } from "../../../src/util/yaml.js";

const SSHD = `# OpenSSH server configuration
Include /etc/ssh/sshd_config.d/*.conf

#PermitRootLogin prohibit-password
X11Forwarding yes

# Example of overriding settings on a per-user basis
Match User anoncvs
\tX11Forwarding no
\tPermitRootLogin yes
`;

describe("config-line editors", () => {
  // The parsers are synchronous: their callers await loadYaml() first (src/util/yaml.ts).
  beforeEach(async () => {
    await loadYaml();
  });
  it("sshd: a missing option goes before the comment block that opens the first Match", () => {
    const out = setSshdOption(SSHD, "PermitRootLogin", "no");
    expect(out).toBe(SSHD.replace("# Example of", "PermitRootLogin no\n\n# Example of"));
    expect(setSshdOption(out, "PermitRootLogin", "no")).toBe(out);
  });

  it("sshd: first value wins — the first global occurrence is replaced, later conflicting ones commented out", () => {
    const text = "permitrootlogin yes\nPort 22\nPermitRootLogin without-password\nMatch Group x\nPermitRootLogin yes\n";
    expect(setSshdOption(text, "PermitRootLogin", "no")).toBe(
      "PermitRootLogin no\nPort 22\n# PermitRootLogin without-password  # nodeward: superseded by PermitRootLogin no\nMatch Group x\nPermitRootLogin yes\n",
    );
    // Already effective (first value is right): nothing changes, even with a later duplicate.
    expect(setSshdOption("PermitRootLogin no\nPermitRootLogin yes\n", "PermitRootLogin", "no")).toBe("PermitRootLogin no\nPermitRootLogin yes\n");
  });

  it("equals: last value wins, spacing kept, appended when missing, CRLF kept", () => {
    expect(setLastWins("a=1\nkernel.x=1\n# c\nkernel.x = 2\n", "kernel.x", "0", "equals")).toBe("a=1\nkernel.x=1\n# c\nkernel.x = 0\n");
    expect(setLastWins("a=1", "b", "2", "equals")).toBe("a=1\nb = 2\n");
    expect(setLastWins("a 1\r\nb 2\r\n", "b", "3", "space")).toBe("a 1\r\nb 3\r\n");
  });

  it("yaml: sets nested keys keeping comments; creates missing maps; unchanged when already set", () => {
    const y = "# top\nauthentication:\n  # anon\n  anonymous:\n    enabled: true # old\nreadOnlyPort: 0\n";
    expect(setYamlKey(y, "authentication.anonymous.enabled", false)).toBe(y.replace("enabled: true", "enabled: false"));
    expect(setYamlKey(y, "authentication.anonymous.enabled", true)).toBe(y);
    expect(setYamlKey("a: 1\n", "b.c", 5)).toBe("a: 1\nb:\n  c: 5\n");
    expect(() => setYamlKey("a: [\n", "a", 1)).toThrow(/not valid YAML/);
  });

  it("unitFromCgroup: v2 and v1 lines; sessions and containers are not units", () => {
    expect(unitFromCgroup("0::/system.slice/avahi-daemon.service\n")).toEqual({ unit: "avahi-daemon.service" });
    expect(unitFromCgroup("12:pids:/x\n1:name=systemd:/system.slice/nginx.service\n0::/\n")).toEqual({});
    expect(unitFromCgroup("1:name=systemd:/system.slice/nginx.service\n")).toEqual({ unit: "nginx.service" });
    expect(unitFromCgroup("0::/user.slice/user-0.slice/session-3.scope\n")).toEqual({ scope: "session-3.scope" });
  });

  it("unifiedDiff shows only the changed region with context", () => {
    expect(unifiedDiff("a\nb\nc\nd\ne\nf\n", "a\nb\nc\nD\ne\nf\n", 1)).toEqual(["@@ -3,3 +3,3 @@", " c", "-d", "+D", " e"]);
    expect(unifiedDiff("", "x\n")).toEqual(["@@ -0,0 +1,1 @@", "+x"]);
  });

  it("validateFix: unknown actions and bad params are load errors", () => {
    expect(validateFix({ action: "rm-rf" })).toMatch(/unknown fix action "rm-rf"/);
    expect(validateFix({ action: "file-mode", params: { path: "/etc/shadow", max: "0999" } })).toMatch(/octal/);
    expect(validateFix({ action: "file-mode", params: { path: "/etc/shadow", pathOf: "kubelet-config", max: "0600" } })).toMatch(/exactly one/);
    expect(validateFix({ action: "sysctl-set", params: { key: "net.ipv4.ip_forward", value: 0 } })).toBeUndefined();
  });
});
