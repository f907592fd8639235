/**
 * What k3s and RKE2 share (RKE2 runs k3s's agent code): the `k3s|rke2 server|agent`
 * command line, the YAML config file with its `config.yaml.d/*.yaml` drop-ins, and the
 * kubelet arguments the agent hands its kubelet.
 *
 * Facts used (k3s-io/k3s pkg/daemons/agent/agent_linux.go, pkg/configfilearg; docs.k3s.io
 * "Configuration File"; docs.rke2.io "Configuration Options"):
 * - The config file is /etc/rancher/<k3s|rke2>/config.yaml (or --config), and drop-ins
 *   `<config>.d/*.yaml` in name order; a later file replaces a key, `key+:` appends to a list.
 *   Keys are the CLI flag names. Command-line flags are applied after the files.
 * - The agent builds the kubelet's arguments from its own defaults, then applies every
 *   `--kubelet-arg name=value` in order (a later one replaces an earlier one).
 * - Since v1.32 (k3s, RKE2) the agent writes its kubelet defaults as a KubeletConfiguration
 *   drop-in, <data-dir>/agent/etc/kubelet.conf.d/00-<k3s|rke2>-defaults.conf, and passes
 *   --config-dir there; before, it passed them as flags (anonymous-auth=false,
 *   authentication-token-webhook=true, authorization-mode=Webhook, client-ca-file, …).
 *   Both eras always pass --read-only-port=0 and --kubeconfig=<data-dir>/agent/kubelet.kubeconfig,
 *   and --hostname-override with the node name.
 */
import path from "node:path";
import type { FlagOrigin } from "../k8s/effective.js";
import { listDir, presence, processView, readText } from "../k8s/node.js";
import { parseComponentConfig } from "../parse/kubelet-config.js";
import { lookupUnit, unitCommand } from "../systemd-unit-files.js";
import type { Evidence, ProbeContext } from "../types.js";
import type { Detection, EmbeddedComponent, ModelledFlags } from "./types.js";
import { pushAll } from "../../util/array.js";
import { loadYaml } from "../../util/yaml.js";

export type RancherProgram = "k3s" | "rke2";

/** One `--name value` / `--name=value` of the agent's command line, in order. */
export interface CliArg {
  name: string;
  value: string;
  /** Index in the argv it came from. */
  index: number;
}

/** Flags of the rancher CLI (urfave/cli) that take no value. */
const BOOLEAN_FLAGS = new Set([
  "protect-kernel-defaults", "selinux", "rootless", "debug", "docker", "disable-default-registry-endpoint",
  "prefer-bundled-bin", "disable-apiserver-lb", "lb-server-port", "secrets-encryption", "cluster-init",
  "disable-scheduler", "disable-cloud-controller", "disable-kube-proxy", "disable-network-policy",
  "disable-helm-controller", "disable-apiserver", "disable-controller-manager", "disable-etcd",
  "embedded-registry", "supervisor-metrics", "write-kubeconfig-group",
]);

/**
 * Every flag after the sub-command, in order, repeated flags kept (`--kubelet-arg` is a
 * list). `-c` is `--config`, `-d` is `--data-dir`. Never throws.
 */
export function parseRancherArgs(args: readonly string[]): CliArg[] {
  const out: CliArg[] = [];
  for (let i = 0; i < args.length; i++) {
    const tok = args[i] as string;
    if (!tok.startsWith("-") || tok === "-" || tok === "--") continue;
    const eq = tok.indexOf("=");
    let name = (eq === -1 ? tok : tok.slice(0, eq)).replace(/^-+/, "");
    if (name === "c") name = "config";
    if (name === "d") name = "data-dir";
    if (eq !== -1) {
      out.push({ name, value: tok.slice(eq + 1), index: i });
      continue;
    }
    const next = args[i + 1];
    if (!BOOLEAN_FLAGS.has(name) && next !== undefined && !next.startsWith("-")) {
      out.push({ name, value: next, index: i });
      i++;
    } else {
      out.push({ name, value: "true", index: i });
    }
  }
  return out;
}

/** `server` / `agent` and the flags after it, when argv runs the program; null otherwise. */
export function rancherCommand(argv: readonly string[], program: RancherProgram): { sub: string; args: string[]; offset: number } | null {
  const prog = argv[0];
  if (prog === undefined || path.posix.basename(prog) !== program) return null;
  const sub = argv[1];
  if (sub !== "server" && sub !== "agent") return null;
  return { sub, args: argv.slice(2), offset: 2 };
}

/** A value with where it was written. */
interface Sourced {
  value: string;
  origin: FlagOrigin;
}

/** The agent's settings after its config files and command line: lists keep their order. */
export interface RancherSettings {
  scalars: Map<string, Sourced>;
  /** `kubelet-arg`, in order (config files, then the command line). */
  kubeletArgs: Sourced[];
  /** Every list-valued `*-arg` key (`kube-proxy-arg`, `kube-apiserver-arg`, …), in order. */
  argLists: Map<string, Sourced[]>;
  configFiles: string[];
  unobserved: string[];
  problems: string[];
  evidence: Evidence[];
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** Read the config file and its drop-ins, then apply the command line (argv after the sub-command). */
export async function rancherSettings(
  ctx: ProbeContext,
  program: RancherProgram,
  cli: { args: readonly string[]; origins: readonly (FlagOrigin | undefined)[]; offset: number } | null,
): Promise<RancherSettings> {
  const out: RancherSettings = { scalars: new Map(), kubeletArgs: [], argLists: new Map(), configFiles: [], unobserved: [], problems: [], evidence: [] };
  const cliArgs = cli ? parseRancherArgs(cli.args) : [];
  const cliOrigin = (a: CliArg): FlagOrigin => cli?.origins[a.index + cli.offset] ?? {};
  const configFlag = [...cliArgs].reverse().find((a) => a.name === "config");
  const configFile = configFlag?.value ?? `/etc/rancher/${program}/config.yaml`;

  const files: string[] = [];
  const main = await readText(ctx, configFile);
  const texts = new Map<string, string>();
  if ("unobserved" in main) out.unobserved.push(main.unobserved);
  else if ("text" in main) {
    files.push(configFile);
    texts.set(configFile, main.text);
  } else if (configFlag) out.problems.push(`${configFile}: the --config file does not exist`);
  const dropDir = `${configFile}.d`;
  const listed = await listDir(ctx, dropDir);
  if ("unobserved" in listed) out.unobserved.push(listed.unobserved);
  else {
    for (const n of (listed.names ?? []).filter((x) => x.endsWith(".yaml") || x.endsWith(".yml"))) {
      const f = `${dropDir}/${n}`;
      const r = await readText(ctx, f);
      if ("unobserved" in r) out.unobserved.push(r.unobserved);
      else if ("text" in r) {
        files.push(f);
        texts.set(f, r.text);
      }
    }
  }
  if (files.length > 0) await loadYaml();
  for (const f of files) {
    const parsed = parseComponentConfig(texts.get(f) as string, f);
    pushAll(out.problems, parsed.problems);
    out.configFiles.push(f);
    out.evidence.push({ file: f, detail: `${program} config file` });
    for (const [rawKey, v] of Object.entries(parsed.config)) {
      const append = rawKey.endsWith("+");
      const key = append ? rawKey.slice(0, -1) : rawKey;
      const line = parsed.keyLines[rawKey]?.line;
      const origin: FlagOrigin = { file: f, ...(line !== undefined ? { line } : {}) };
      if (key.endsWith("-arg")) {
        const list = Array.isArray(v) ? v : [v];
        const items = list.map(scalarText).filter((x): x is string => x !== undefined).map((value) => ({ value, origin }));
        out.argLists.set(key, append ? [...(out.argLists.get(key) ?? []), ...items] : items);
        continue;
      }
      const s = scalarText(v);
      if (s !== undefined) out.scalars.set(key, { value: s, origin });
    }
  }
  for (const a of cliArgs) {
    const origin = cliOrigin(a);
    if (a.name.endsWith("-arg")) out.argLists.set(a.name, [...(out.argLists.get(a.name) ?? []), { value: a.value, origin }]);
    else out.scalars.set(a.name, { value: a.value, origin });
  }
  out.kubeletArgs = out.argLists.get("kubelet-arg") ?? [];
  return out;
}

/**
 * The agent's command line. k3s and RKE2 rewrite their process title to
 * "/usr/local/bin/k3s server" (one argv word, the flags gone), so the flags are read from
 * the unit's ExecStart; without a unit, a rewritten argv hides them (unobserved).
 */
export async function rancherCli(
  ctx: ProbeContext,
  program: RancherProgram,
  det: Detection,
): Promise<{ args: string[]; origins: (FlagOrigin | undefined)[]; offset: number; unobserved: string[]; evidence: Evidence[] } | null> {
  const evidence: Evidence[] = [];
  if (det.process) evidence.push({ pid: det.process.pid, process: program, detail: `${program} is running` });
  if (det.hostUnit) {
    const cmd = await unitCommand(ctx, det.hostUnit);
    if (cmd) {
      const c = rancherCommand(cmd.argv, program);
      const unobserved = cmd.unobserved.map((u) => `${u.file}: ${u.message}`);
      evidence.push({ file: cmd.execStart?.file ?? cmd.unit.file, ...(cmd.execStart ? { line: cmd.execStart.line } : {}), unit: cmd.unit.name, detail: "ExecStart" });
      if (!c) return { args: [], origins: [], offset: 0, unobserved, evidence };
      return { args: c.args, origins: cmd.origins.map((o) => (o ? { file: o.file, line: o.line } : undefined)), offset: c.offset, unobserved, evidence };
    }
  }
  if (det.process) {
    const c = rancherCommand(det.process.argv, program);
    if (c) {
      const pid = det.process.pid;
      const unobserved =
        c.args.length === 0
          ? [`${program} (pid ${pid}) runs without a systemd unit and shows only "${det.process.argv.join(" ")}" as its command line (${program} rewrites it): its flags cannot be read`]
          : [];
      return { args: c.args, origins: det.process.argv.map(() => ({ pid, via: `${program} ${c.sub} command line` })), offset: c.offset, unobserved, evidence };
    }
  }
  return null;
}

/** Apply `--kubelet-arg` entries over built-in flags (k3s util.GetArgs: `name=value`, `name+=v` appends, `name-=v` prepends). */
export function applyKubeletArgs(
  flags: Record<string, string>,
  sources: Record<string, FlagOrigin>,
  args: readonly { value: string; origin: FlagOrigin }[],
  via: string,
): void {
  for (const a of args) {
    const t = a.value.replace(/^-+/, "");
    const eq = t.indexOf("=");
    let name = eq === -1 ? t : t.slice(0, eq);
    const value = eq === -1 ? "true" : t.slice(eq + 1);
    let mode: "set" | "append" | "prepend" = "set";
    if (name.endsWith("+")) {
      mode = "append";
      name = name.slice(0, -1);
    } else if (name.endsWith("-")) {
      mode = "prepend";
      name = name.slice(0, -1);
    }
    name = name.replace(/_/g, "-");
    if (name === "") continue;
    const cur = flags[name];
    flags[name] = mode === "set" || cur === undefined ? value : mode === "append" ? `${cur},${value}` : `${value},${cur}`;
    sources[name] = { ...a.origin, via };
  }
}

/** The agent's command line and settings, once per scan. */
function rancherState(ctx: ProbeContext, program: RancherProgram, det: Detection): Promise<{ cli: Awaited<ReturnType<typeof rancherCli>>; settings: RancherSettings }> {
  return ctx.once(`rancher:${program}:settings`, async () => {
    const cli = await rancherCli(ctx, program, det);
    return { cli, settings: await rancherSettings(ctx, program, cli) };
  });
}

/** The kubelet flags a k3s / RKE2 agent runs its kubelet with, from its files and command line. */
export async function rancherKubeletFlags(ctx: ProbeContext, program: RancherProgram, det: Detection): Promise<ModelledFlags> {
  const { cli, settings } = await rancherState(ctx, program, det);
  const out: ModelledFlags = {
    flags: {},
    flagSources: {},
    unobserved: [...(cli?.unobserved ?? []), ...settings.unobserved],
    problems: settings.problems,
    evidence: [...(cli?.evidence ?? []), ...settings.evidence],
  };
  const dataDir = settings.scalars.get("data-dir")?.value ?? `/var/lib/rancher/${program}`;
  const agent = `${dataDir}/agent`;
  const confDir = `${agent}/etc/kubelet.conf.d`;
  const listed = await listDir(ctx, confDir);
  // A drop-in directory that exists but cannot be listed is still the config-dir era: the
  // kubelet resolver then reports its configuration as not observed.
  const configDirEra = "unobserved" in listed || (listed.names ?? []).some((n) => n.endsWith(".conf") || !n.includes("."));
  const builtin = `${program} built-in kubelet argument`;
  const set = (name: string, value: string, origin: FlagOrigin = { via: builtin }): void => {
    out.flags[name] = value;
    out.flagSources[name] = origin;
  };
  set("read-only-port", "0");
  set("kubeconfig", `${agent}/kubelet.kubeconfig`);
  if (configDirEra) {
    set("config-dir", confDir);
  } else {
    set("anonymous-auth", "false");
    set("authentication-token-webhook", "true");
    set("authorization-mode", "Webhook");
    set("client-ca-file", `${agent}/client-ca.crt`);
    set("tls-cert-file", `${agent}/serving-kubelet.crt`);
    set("tls-private-key-file", `${agent}/serving-kubelet.key`);
    set("healthz-bind-address", "127.0.0.1");
    set("pod-manifest-path", `${agent}/pod-manifests`);
  }
  const nodeName = settings.scalars.get("node-name");
  if (nodeName) set("hostname-override", nodeName.value, { ...nodeName.origin, via: `${program} --node-name` });
  else {
    const host = await readText(ctx, "/etc/hostname");
    const name = "text" in host ? host.text.trim() : "";
    // The flag is set whatever the name: only its value, which no check judges, is unseen.
    if ("unobserved" in host) (out.notes ??= []).push(`not observed: ${host.unobserved} (only the value of --hostname-override, which ${program} always sets)`);
    set("hostname-override", name !== "" ? name : "(this node's hostname)", { file: "/etc/hostname", via: `${program} sets the node name, by default the hostname` });
  }
  const pkd = settings.scalars.get("protect-kernel-defaults");
  if (pkd && pkd.value === "true") set("protect-kernel-defaults", "true", { ...pkd.origin, via: `${program} --protect-kernel-defaults` });
  applyKubeletArgs(out.flags, out.flagSources, settings.kubeletArgs, `${program} --kubelet-arg`);
  return out;
}

/**
 * kube-proxy inside the k3s process (k3s agent_linux.go kubeProxyArgs): --proxy-mode=iptables,
 * --healthz-bind-address=127.0.0.1, --kubeconfig=<data-dir>/agent/kubeproxy.kubeconfig,
 * --hostname-override, then every `--kube-proxy-arg`. It does not run when the cluster is
 * started with `disable-kube-proxy`.
 */
export async function rancherKubeProxy(ctx: ProbeContext, program: RancherProgram, det: Detection): Promise<EmbeddedComponent> {
  const { cli, settings } = await rancherState(ctx, program, det);
  const disabled = settings.scalars.get("disable-kube-proxy");
  if (disabled?.value === "true") {
    return { present: false, reason: `${program} runs without kube-proxy (disable-kube-proxy in ${disabled.origin.file ?? "its command line"})` };
  }
  const out: ModelledFlags = {
    flags: {},
    flagSources: {},
    unobserved: [...(cli?.unobserved ?? []), ...settings.unobserved],
    problems: [...settings.problems],
    evidence: [...(cli?.evidence ?? []), ...settings.evidence],
  };
  const dataDir = settings.scalars.get("data-dir")?.value ?? `/var/lib/rancher/${program}`;
  const builtin: FlagOrigin = { via: `${program} built-in kube-proxy argument` };
  const set = (name: string, value: string): void => {
    out.flags[name] = value;
    out.flagSources[name] = builtin;
  };
  set("proxy-mode", "iptables");
  set("healthz-bind-address", "127.0.0.1");
  set("kubeconfig", `${dataDir}/agent/kubeproxy.kubeconfig`);
  applyKubeletArgs(out.flags, out.flagSources, settings.argLists.get("kube-proxy-arg") ?? [], `${program} --kube-proxy-arg`);
  return { present: true, flags: out, via: `embedded in ${program}` };
}

/** Detect k3s / RKE2 from its process, its units and its directories. */
export async function detectRancher(
  ctx: ProbeContext,
  program: RancherProgram,
  hidden: string[],
): Promise<Detection | null> {
  const { processes, unobserved: tableHidden } = await processView(ctx);
  const evidence: Evidence[] = [];
  let variant: string | undefined;
  const proc = processes.find((p) => rancherCommand(p.argv, program) !== null);
  if (proc) {
    variant = rancherCommand(proc.argv, program)?.sub;
    evidence.push({ pid: proc.pid, process: program, detail: `${program} ${variant ?? ""} is running`.trim() });
  }
  const units = program === "k3s" ? { server: "k3s.service", agent: "k3s-agent.service" } : { server: "rke2-server.service", agent: "rke2-agent.service" };
  let hostUnit: string | undefined;
  for (const [v, u] of Object.entries(units)) {
    const { unit, unobserved } = await lookupUnit(ctx, u);
    if (unit && !unit.masked) {
      hostUnit ??= u;
      variant ??= v;
      evidence.push({ file: unit.file, unit: u, detail: `${program} ${v} unit` });
    }
    // Not found: it may be where it could not be looked; found: its hidden drop-ins cannot undo that.
    pushAll(hidden, unobserved.map((x) => `${x.file}: ${x.message}`));
  }
  for (const p of [`/etc/rancher/${program}`, `/var/lib/rancher/${program}`]) {
    const r = await presence(ctx, p);
    if ("unobserved" in r) hidden.push(r.unobserved);
    else if (r.exists) evidence.push({ file: p, detail: `${program} directory` });
  }
  if (evidence.length === 0) {
    // Its daemon may be among the processes whose command line could not be read.
    if (tableHidden) hidden.push(tableHidden);
    return null;
  }
  if (proc && variant) hostUnit = units[variant as "server" | "agent"];
  return { ...(variant ? { variant } : {}), evidence, ...(proc ? { process: proc } : {}), ...(hostUnit ? { hostUnit } : {}) };
}
