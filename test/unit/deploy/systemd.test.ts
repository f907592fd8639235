/**
 * The systemd units (systemd/) judged by systemd itself, offline: `systemd-analyze
 * verify` must print nothing for every unit, and `systemd-analyze security --offline=yes`
 * must rate the agent (and the timer's scan service) at most 2.5. Plus install.sh's
 * logic in --destdir mode on a tiny fake release (the real install on a booted systemd is
 * test/integration/install-systemd.test.ts).
 *
 * Only the host's systemd binaries are needed, not a running systemd. verify checks that
 * ExecStart's program exists, so the units are checked in a temp copy with
 * /usr/bin/nodeward pointed at this Node binary.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const UNIT_DIR = path.join(REPO, "systemd");
const MAX_EXPOSURE = 2.5;
const haveAnalyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" }).status === 0;
const inCI = !["", "0", "false"].includes((process.env.CI ?? "").toLowerCase());

let tmp = "";
let units: string[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "nodeward-units-"));
  units = (await readdir(UNIT_DIR)).filter((f) => /\.(service|path|timer)$/.test(f)).sort();
  await mkdir(path.join(tmp, "units"));
  for (const u of units) {
    const text = await readFile(path.join(UNIT_DIR, u), "utf8");
    await writeFile(path.join(tmp, "units", u), text.replaceAll("/usr/bin/nodeward", process.execPath));
  }
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function analyze(args: string[]) {
  const r = spawnSync("systemd-analyze", args, { cwd: path.join(tmp, "units"), encoding: "utf8", env: { ...process.env, SYSTEMD_LOG_COLOR: "0", LC_ALL: "C" } });
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

/** Directives of a unit file as [key, value] pairs, in order (comments dropped). */
function directives(text: string): [string, string][] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !l.startsWith(";") && !l.startsWith("["))
    .map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i), l.slice(i + 1)] as [string, string];
    });
}

describe("systemd units", () => {
  it("ships the agent, remediation, scan-timer and firewall-snapshot units", () => {
    expect(units).toEqual([
      "nodeward-firewall-snapshot.service",
      "nodeward-firewall-snapshot.timer",
      "nodeward-remediate.path",
      "nodeward-remediate.service",
      "nodeward-scan.service",
      "nodeward-scan.timer",
      "nodeward.service",
    ]);
  });

  it("every service bounds its memory and tasks (MemoryMax=, TasksMax=)", async () => {
    for (const unit of units.filter((u) => u.endsWith(".service"))) {
      const d = directives(await readFile(path.join(UNIT_DIR, unit), "utf8"));
      const get = (k: string) => d.filter(([key]) => key === k).map(([, v]) => v);
      expect(get("MemoryMax"), unit).toEqual([expect.stringMatching(/^\d+[MG]$/)]);
      expect(get("TasksMax"), unit).toEqual([expect.stringMatching(/^\d+$/)]);
    }
  });

  if (!haveAnalyze) {
    if (inCI) it("has systemd-analyze", () => expect.fail("systemd-analyze is missing (Debian package systemd)"));
    else it.skip("needs systemd-analyze (package systemd)", () => {});
    return;
  }

  it("systemd-analyze verify prints nothing for every unit", () => {
    const r = analyze(["verify", ...units]);
    expect(r.out).toBe("");
    expect(r.status).toBe(0);
  });

  for (const unit of ["nodeward.service", "nodeward-scan.service"]) {
    it(`${unit}: systemd-analyze security --offline=yes exposure <= ${MAX_EXPOSURE}`, () => {
      const text = analyze(["security", "--offline=yes", unit]);
      const m = /Overall exposure level for \S+: ([\d.]+)/.exec(text.out);
      expect(m, text.out).not.toBeNull();
      const exposure = Number(m?.[1]);
      expect(exposure, text.out).toBeLessThanOrEqual(MAX_EXPOSURE);
      // The threshold flag agrees (0-100 scale): rc 0 at the limit.
      expect(analyze(["security", "--offline=yes", `--threshold=${MAX_EXPOSURE * 10}`, unit]).status).toBe(0);

      // The JSON names each protection: the ones this agent's design relies on are set.
      const items = JSON.parse(analyze(["security", "--offline=yes", "--json=short", unit]).stdout) as { name: string; set: boolean | null }[];
      const set = new Map(items.map((i) => [i.name, i.set]));
      for (const name of [
        "ProtectSystem=",
        "NoNewPrivileges=",
        "ProtectKernelTunables=",
        "ProtectProc=",
        "CapabilityBoundingSet=~CAP_SYS_ADMIN",
        "CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)",
        "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)",
        "RestrictAddressFamilies=~AF_PACKET",
        "MemoryDenyWriteExecute=",
        "SystemCallFilter=~@privileged",
        "RestrictNamespaces=~user",
        // The scan service writes node_exporter's textfile, which must stay world-readable.
        ...(unit === "nodeward.service" ? ["UMask="] : []),
      ]) {
        expect(set.get(name), `${unit}: ${name}`).toBe(true);
      }
      // Off on purpose: each hides host files that checks read (private /tmp and /dev, an
      // inaccessible module tree), so the unit's verdicts would differ from `nodeward scan`.
      for (const name of ["PrivateTmp=", "PrivateDevices=", "ProtectKernelModules="]) {
        expect(set.get(name), `${unit}: ${name} must stay off (it hides what checks read)`).toBe(false);
      }
    });
  }

  it("nodeward.service: capabilities, readiness and paths match the agent", async () => {
    const d = directives(await readFile(path.join(UNIT_DIR, "nodeward.service"), "utf8"));
    const get = (k: string) => d.filter(([key]) => key === k).map(([, v]) => v);
    expect(get("ExecStart")).toEqual(["/usr/bin/nodeward serve $NODEWARD_SERVE_ARGS"]);
    expect(get("CapabilityBoundingSet")).toEqual(["CAP_DAC_READ_SEARCH CAP_SYS_PTRACE"]);
    // Not root: uid 0 with CAP_SYS_PTRACE writes the host through /proc/1/root, past
    // ProtectSystem=. A user of its own holds the two capabilities as ambient ones.
    expect(get("User")).toEqual(["nodeward"]);
    expect(get("AmbientCapabilities")).toEqual(["CAP_DAC_READ_SEARCH CAP_SYS_PTRACE"]);
    expect(get("EnvironmentFile")).toEqual(["-/etc/default/nodeward"]);
    // Only its own leaf is the agent's: /var/lib/nodeward and runs/ stay root's.
    expect(get("StateDirectory")).toEqual(["nodeward/agent"]);
    expect(get("ReadOnlyPaths")).toEqual(["-/var/lib/nodeward/runs"]);
    // MemoryDenyWriteExecute only works with V8's JIT off.
    expect(get("MemoryDenyWriteExecute")).toEqual(["yes"]);
    expect(get("Environment")).toContain("NODE_OPTIONS=--jitless");
    // The wrapper puts these on node's command line: no V8 warning at start, a 1 MiB young generation.
    expect(get("Environment")).toContain('"NODEWARD_NODE_FLAGS=--no-expose-wasm --max-semi-space-size=1"');
    // Readiness: Type=notify exactly when `serve` notifies systemd (from a child, hence NotifyAccess=all).
    const serve = await readFile(path.join(REPO, "src/agent/serve.ts"), "utf8");
    if (serve.includes("systemd-notify")) {
      expect(get("Type")).toEqual(["notify"]);
      expect(get("NotifyAccess")).toEqual(["all"]);
    } else {
      expect(get("Type")).toEqual(["simple"]);
    }
    // The state directory and token path the units use are the agent's defaults.
    const config = await readFile(path.join(REPO, "src/agent/config.ts"), "utf8");
    expect(config).toContain('DEFAULT_STATE_DIR = "/var/lib/nodeward/agent"');
    // The user the unit names is the one install.sh creates.
    const sysusers = await readFile(path.join(UNIT_DIR, "nodeward.sysusers"), "utf8");
    expect(sysusers).toMatch(/^u nodeward - "[^"]+" \/var\/lib\/nodeward\/agent \/usr\/sbin\/nologin$/m);
    expect(config).toContain('DEFAULT_CONFIG_PATH = "/etc/nodeward/config.yaml"');
  });

  it("the path unit triggers the remediation oneshot, which consumes the request first", async () => {
    const p = directives(await readFile(path.join(UNIT_DIR, "nodeward-remediate.path"), "utf8"));
    expect(p).toContainEqual(["PathExists", "/var/lib/nodeward/agent/remediate.request"]);
    expect(p).toContainEqual(["Unit", "nodeward-remediate.service"]);
    const s = directives(await readFile(path.join(UNIT_DIR, "nodeward-remediate.service"), "utf8"));
    expect(s).toContainEqual(["Type", "oneshot"]);
    expect(s).toContainEqual(["ExecStartPre", "/bin/rm -f /var/lib/nodeward/agent/remediate.request"]);
    expect(s.find(([k]) => k === "ExecStart")?.[1]).toMatch(/^\/usr\/bin\/nodeward remediate --apply --yes /);
  });
});

describe("install.sh", () => {
  const INSTALL = path.join(REPO, "install.sh");

  it("passes bash -n and prints --help", () => {
    expect(spawnSync("bash", ["-n", INSTALL], { encoding: "utf8" }).status).toBe(0);
    const h = spawnSync("bash", [INSTALL, "--help"], { encoding: "utf8" });
    expect(h.status).toBe(0);
    for (const opt of ["--upgrade", "--uninstall", "--purge", "--no-start", "--prefix", "--destdir"]) expect(h.stdout).toContain(opt);
  });

  it("rejects unknown options with exit 2", () => {
    const r = spawnSync("bash", [INSTALL, "--bogus"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option: --bogus");
  });

  it.runIf(!existsSync("/run/systemd/system") && process.getuid?.() === 0)("without a running systemd it stops before changing anything", () => {
    const r = spawnSync("bash", [INSTALL, "--prefix", path.join(tmp, "nowhere")], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/systemd is not running.*Nothing was changed/s);
    expect(existsSync(path.join(tmp, "nowhere"))).toBe(false);
  });

  describe("--destdir on a fake release", () => {
    let rel = "";
    let dest = "";
    const digest = (dir: string) =>
      spawnSync("sh", ["-c", `cd "${dir}" && find . -printf '%y %m %T@ %p %l\\n' | LC_ALL=C sort | sha256sum; find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum`], { encoding: "utf8" }).stdout;
    const install = (...args: string[]) => spawnSync("bash", [path.join(rel, "install.sh"), "--destdir", dest, ...args], { encoding: "utf8", env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ""}` } });

    beforeAll(async () => {
      rel = path.join(tmp, "release");
      dest = path.join(tmp, "dest");
      await mkdir(path.join(rel, "dist/cli"), { recursive: true });
      await writeFile(path.join(rel, "dist/cli/main.js"), "#!/usr/bin/env node\nconsole.log('fake');\n", { mode: 0o755 });
      await writeFile(path.join(rel, "package.json"), JSON.stringify({ name: "nodeward", version: "9.9.9" }));
      await mkdir(path.join(rel, "benchmarks/p"), { recursive: true });
      await writeFile(path.join(rel, "benchmarks/p/pack.yaml"), "pack: {id: p}\n");
      await mkdir(path.join(rel, "node_modules/yaml"), { recursive: true });
      await writeFile(path.join(rel, "node_modules/yaml/package.json"), "{}");
      await cp(UNIT_DIR, path.join(rel, "systemd"), { recursive: true });
      await cp(INSTALL, path.join(rel, "install.sh"));
    });

    it("stages program, wrapper, units and config; a second run changes nothing", async () => {
      const a = install("--prefix", "/opt/nw");
      expect(a.status, a.stderr).toBe(0);
      expect(a.stdout).toContain("installed /opt/nw/lib/nodeward");
      const wrapper = await readFile(path.join(dest, "opt/nw/bin/nodeward"), "utf8");
      expect(wrapper).toMatch(/^#!\/bin\/sh\n/);
      expect(wrapper).toContain('"/opt/nw/lib/nodeward/dist/cli/main.js" "$@"');
      expect((await stat(path.join(dest, "opt/nw/bin/nodeward"))).mode & 0o777).toBe(0o755);
      const unit = await readFile(path.join(dest, "opt/nw/lib/systemd/system/nodeward.service"), "utf8");
      expect(unit).toMatch(/^ExecStart=\/opt\/nw\/bin\/nodeward serve /m);
      expect(unit).not.toContain("/usr/bin/nodeward");
      const token = path.join(dest, "etc/nodeward/token");
      expect((await stat(token)).mode & 0o777).toBe(0o600);
      expect((await readFile(token, "utf8")).trim()).toMatch(/^[0-9a-f]{64}$/);
      expect(existsSync(path.join(dest, "etc/nodeward/config.yaml"))).toBe(true);
      expect(existsSync(path.join(dest, "etc/default/nodeward"))).toBe(true);
      // The agent's user is declared for systemd-sysusers (created at install, not staged).
      expect(await readFile(path.join(dest, "opt/nw/lib/sysusers.d/nodeward.conf"), "utf8")).toMatch(/^u nodeward /m);

      const before = digest(dest);
      const b = install("--prefix", "/opt/nw");
      expect(b.status, b.stderr).toBe(0);
      expect(b.stdout).toContain("already installed and unchanged");
      expect(digest(dest)).toBe(before);
    });

    it("never overwrites config or token; a different version needs --upgrade", async () => {
      const cfg = path.join(dest, "etc/nodeward/config.yaml");
      await writeFile(cfg, "listen: 127.0.0.1:1\n");
      const token = await readFile(path.join(dest, "etc/nodeward/token"), "utf8");
      await writeFile(path.join(rel, "package.json"), JSON.stringify({ name: "nodeward", version: "9.9.10" }));
      const refused = install("--prefix", "/opt/nw");
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/9\.9\.9.*--upgrade/s);
      const up = install("--prefix", "/opt/nw", "--upgrade");
      expect(up.status, up.stderr).toBe(0);
      expect(JSON.parse(await readFile(path.join(dest, "opt/nw/lib/nodeward/package.json"), "utf8"))).toMatchObject({ version: "9.9.10" });
      expect(await readFile(cfg, "utf8")).toBe("listen: 127.0.0.1:1\n");
      expect(await readFile(path.join(dest, "etc/nodeward/token"), "utf8")).toBe(token);
    });

    it("refuses a working tree (dev dependencies in node_modules)", async () => {
      await mkdir(path.join(rel, "node_modules/typescript"), { recursive: true });
      const r = install("--prefix", "/opt/nw");
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("scripts/release.sh");
      await rm(path.join(rel, "node_modules/typescript"), { recursive: true });
    });

    it("--uninstall keeps config and state; --purge removes them", async () => {
      const u = install("--prefix", "/opt/nw", "--uninstall");
      expect(u.status, u.stderr).toBe(0);
      expect(existsSync(path.join(dest, "opt/nw/lib/nodeward"))).toBe(false);
      expect(existsSync(path.join(dest, "opt/nw/bin/nodeward"))).toBe(false);
      expect(await readdir(path.join(dest, "opt/nw/lib/systemd/system"))).toEqual([]);
      expect(existsSync(path.join(dest, "opt/nw/lib/sysusers.d/nodeward.conf"))).toBe(false);
      expect(existsSync(path.join(dest, "etc/nodeward/config.yaml"))).toBe(true);
      const p = install("--prefix", "/opt/nw", "--uninstall", "--purge");
      expect(p.status, p.stderr).toBe(0);
      expect(existsSync(path.join(dest, "etc/nodeward"))).toBe(false);
      expect(existsSync(path.join(dest, "etc/default/nodeward"))).toBe(false);
    });
  });
});
