import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, parseConfig, parseListen, resolveConfigPath } from "../../../src/agent/config.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../../src/paths.js";
import { loadYaml } from "../../../src/util/yaml.js";
import { cleanupTempDirs, tempDir } from "./helpers.js";

afterAll(cleanupTempDirs);
// parseConfig is synchronous: the agent awaits loadYaml() before it (loadConfig).
beforeEach(async () => {
  await loadYaml();
});

function issuesOf(text: string): string[] {
  try {
    parseConfig(text, "/etc/nodeward/config.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message.split("\n");
  }
  throw new Error("expected a ConfigError");
}

describe("agent config", () => {
  it("an empty file gives the documented defaults", () => {
    expect(parseConfig("", "x.yaml")).toEqual({
      listen: "127.0.0.1:9850",
      schedule: "0 */6 * * *",
      scanOnStart: true,
      packs: [DEFAULT_BENCHMARKS_DIR],
      benchmarks: [],
      vars: {},
      deep: false,
      waivers: [],
      allowedPorts: [],
      stateDir: "/var/lib/nodeward/agent",
      tokenFile: "/etc/nodeward/token",
      remediation: { allowApi: false },
      root: "/",
      shutdownTimeoutMs: 10_000,
      logLevel: "info",
      drift: { enabled: true, debounceMs: 100, maxDelayMs: 1000, pollIntervalMs: 2000, safetyNetIntervalMs: 300_000, recheckIdleMs: 60_000, listenerFullReadMs: 30_000 },
      allowedHosts: [],
    });
  });

  it("reads every documented setting", () => {
    const c = parseConfig(
      [
        "listen: '[::1]:19999'",
        "schedule: '*/15 * * * *'",
        "scanOnStart: false",
        "packs: /opt/packs",
        "benchmarks: [cis-kubernetes-node]",
        "profile: worker",
        "waivers:",
        "  - { check: cis-kubernetes-node/4.2.1, reason: ticket 42, expires: 2027-01-31 }",
        "allowedPorts: [22, 10250]",
        "stateDir: /tmp/s",
        "tokenFile: /tmp/t",
        "tls: { cert: /tmp/c.pem, key: /tmp/k.pem }",
        "remediation: { allowApi: true }",
        "root: /host",
        "proc: /host/proc",
        "logLevel: warn",
        "allowedHosts: [nodeward.example.com, .nodes.example.com]",
        "drift: { enabled: false, pollIntervalMs: 5000 }",
      ].join("\n"),
      "x.yaml",
    );
    expect(c).toMatchObject({
      listen: "[::1]:19999",
      scanOnStart: false,
      packs: ["/opt/packs"],
      profile: "worker",
      waivers: [{ check: "cis-kubernetes-node/4.2.1", reason: "ticket 42", expires: "2027-01-31" }],
      allowedPorts: [22, 10250],
      tls: { cert: "/tmp/c.pem", key: "/tmp/k.pem" },
      remediation: { allowApi: true },
      root: "/host",
      logLevel: "warn",
      allowedHosts: ["nodeward.example.com", ".nodes.example.com"],
      proc: "/host/proc",
      drift: { enabled: false, pollIntervalMs: 5000, debounceMs: 100 },
    });
  });

  it("names file:line:column for an unknown key, a wrong type and a bad waiver", () => {
    const lines = issuesOf(
      [
        "listen: 127.0.0.1:9850", // 1
        "schedul: '* * * * *'", // 2: typo
        "allowedPorts: [22, 70000]", // 3
        "waivers:", // 4
        "  - check: 1.1.1", // 5
        "    reason: x", // 6
        "    expires: 2026-02-30", // 7: not a date
        "remediation:", // 8
        "  allowApi: yes please", // 9
      ].join("\n"),
    );
    expect(lines).toContain('/etc/nodeward/config.yaml:2:1: unknown key "schedul"');
    expect(lines.find((l) => l.startsWith("/etc/nodeward/config.yaml:3:20: allowedPorts.1:"))).toBeDefined();
    expect(lines.find((l) => l.startsWith("/etc/nodeward/config.yaml:7:14: waivers.0.expires: not a real date"))).toBeDefined();
    expect(lines.find((l) => l.startsWith("/etc/nodeward/config.yaml:9:13: remediation.allowApi:"))).toBeDefined();
  });

  it("rejects a bad cron expression, listen address and date format with positions", () => {
    expect(issuesOf("schedule: every day")).toEqual(["/etc/nodeward/config.yaml:1:11: schedule: not a valid cron expression"]);
    expect(issuesOf("\nlisten: nowhere")[0]).toMatch(/^\/etc\/nodeward\/config\.yaml:2:9: listen: listen is "HOST:PORT"/);
    expect(issuesOf("waivers: [{check: a, reason: b, expires: 31.12.2026}]")[0]).toMatch(/:1:42: waivers\.0\.expires: dates are YYYY-MM-DD/);
    expect(issuesOf("waivers: [{check: a, reason: b, expires: 2026-12-31, command: x}]")[0]).toMatch(/:1:54: unknown key "command" in waivers\.0/);
  });

  it("reports YAML syntax errors with their position", () => {
    const lines = issuesOf("listen: 127.0.0.1:1\nwaivers: [\n");
    expect(lines[0]).toMatch(/^\/etc\/nodeward\/config\.yaml:\d+:\d+: YAML: /);
    expect(issuesOf("- a\n- b")).toEqual(["/etc/nodeward/config.yaml:1:1: the config file is a map of settings"]);
  });

  it("path: --config beats $NODEWARD_CONFIG beats the default", () => {
    expect(resolveConfigPath("/a.yaml", { NODEWARD_CONFIG: "/b.yaml" })).toEqual({ path: "/a.yaml", explicit: true });
    expect(resolveConfigPath(undefined, { NODEWARD_CONFIG: "/b.yaml" })).toEqual({ path: "/b.yaml", explicit: true });
    expect(resolveConfigPath(undefined, {})).toEqual({ path: DEFAULT_CONFIG_PATH, explicit: false });
  });

  it("a missing default file means defaults; a missing explicit file is an error", async () => {
    const dir = await tempDir();
    const missing = path.join(dir, "nope.yaml");
    expect((await loadConfig(missing)).listen).toBe("127.0.0.1:9850");
    await expect(loadConfig(missing, { explicit: true })).rejects.toThrow(/nope\.yaml:1:1: cannot read/);
    const file = path.join(dir, "c.yaml");
    await writeFile(file, "listen: 127.0.0.1:19001\n");
    expect((await loadConfig(file, { explicit: true })).listen).toBe("127.0.0.1:19001");
  });

  it("parseListen", () => {
    expect(parseListen("127.0.0.1:9850")).toEqual({ host: "127.0.0.1", port: 9850 });
    expect(parseListen("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(parseListen("localhost:0")).toEqual({ host: "localhost", port: 0 });
    expect(parseListen("9850")).toBeUndefined();
    expect(parseListen("1.2.3.4:99999")).toBeUndefined();
    expect(parseListen("::1:80")).toBeUndefined();
  });
});

describe("the agent loads packs as scan does", () => {
  it("applies the configured profile, vars and allowedPorts", async () => {
    const { prepareAgent } = await import("../../../src/agent/serve.js");
    const dir = await tempDir();
    const cfg = `${dir}/config.yaml`;
    await writeFile(cfg, `profile: kubernetes-node\nallowedPorts: [22, 8443]\nstateDir: ${dir}/state\nscanOnStart: false\n`);
    const lines: string[] = [];
    const { agent } = await prepareAgent({ configPath: cfg, env: {}, log: { format: "json", stream: { write: (l: string) => lines.push(l) } } }, "inline");
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([expect.stringMatching(/^nodeward \S+: 13 pack\(s\), \d+ check\(s\), profile kubernetes-node; scanning \/; config /)]);
    const ids = agent.packs.map((p) => p.meta.id).sort();
    expect(ids).toEqual([
      "cis-aks-node",
      "cis-debian-12",
      "cis-eks-node",
      "cis-gke-node",
      "cis-kubernetes-node",
      "cis-kubernetes-node-2.0",
      "cis-rhel-9",
      "cis-ubuntu-22.04",
      "cis-ubuntu-24.04",
      "kisa-unix",
      "kubernetes-control-plane",
      "kubernetes-control-plane-2.0",
      "kubernetes-node-runtime",
    ]);
    const loaded = (key: string) => agent.packs.flatMap((p) => p.checks).find((c) => c.key === key);
    expect(agent.findChecks("cis-debian-12/3.3.1")).toHaveLength(1);
    const fwd = loaded("cis-debian-12/3.3.1");
    expect(fwd?.tailoring?.profile).toBe("kubernetes-node");
    expect(fwd?.audit?.expect.expected).toBe("runtime = 1, persisted = 1 or not set");
    const ports = loaded("cis-debian-12/2.1.22");
    expect(ports?.audit?.expect.expected).toContain("one of [22, 8443]");
  });

  it("a profile, benchmarks or vars name that names nothing is a config error at its line, with the closest names", async () => {
    const { prepareAgent } = await import("../../../src/agent/serve.js");
    const dir = await tempDir();
    const cfg = `${dir}/config.yaml`;
    const errorOf = async (text: string) => {
      await writeFile(cfg, `${text}\nstateDir: ${dir}/state\nscanOnStart: false\n`);
      const e = await prepareAgent({ configPath: cfg, env: {}, log: { format: "json", stream: { write: () => true } } }, "inline").then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).issues.map((i) => `${path.basename(i.file)}:${i.line}:${i.column}: ${i.message}`);
    };
    expect(await errorOf("profile: kubernetes-nod")).toEqual(['config.yaml:1:10: profile: unknown profile "kubernetes-nod"; did you mean "kubernetes-node"?']);
    expect(await errorOf("benchmarks:\n  - cis-debian-12\n  - cis-debain-12")).toEqual([
      'config.yaml:3:5: benchmarks: cis-debain-12: no such pack; did you mean "cis-debian-12"?',
    ]);
    expect(await errorOf("benchmarks: [kisa]")).toEqual(['config.yaml:1:14: benchmarks: kisa: no such pack; did you mean "kisa-unix" or "kisa-unix-2026"?']);
    expect(await errorOf("vars:\n  su-group: wheel\n  allowed-port: [22]")).toEqual([
      'config.yaml:3:17: vars: allowed-port: no loaded pack defines a var "allowed-port"; did you mean "allowed-ports"?',
    ]);
  });
});
