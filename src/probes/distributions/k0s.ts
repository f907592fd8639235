/**
 * k0s: `k0s worker` (or `k0s controller --enable-worker`) runs the kubelet as its own child
 * process (the binary k0s unpacks to /var/lib/k0s/bin/kubelet), so on a live node its argv
 * is read; on an offline root its flags are what k0s hands it (k0sproject/k0s
 * pkg/component/worker/kubelet.go): --config=/var/lib/k0s/kubelet-config.yaml (the
 * KubeletConfiguration k0s writes, mode 0644), --kubeconfig=/var/lib/k0s/kubelet.conf,
 * --root-dir=/var/lib/k0s/kubelet, --cert-dir=/var/lib/k0s/kubelet/pki, then
 * `--kubelet-extra-args` from the k0s command line, which override them. Client CA
 * /var/lib/k0s/pki/ca.crt (authentication.x509.clientCAFile in that config). Units:
 * /etc/systemd/system/k0sworker.service, k0scontroller.service (`k0s install`); config
 * /etc/k0s/k0s.yaml. `--data-dir` moves /var/lib/k0s.
 */
import { presence, processView } from "../k8s/node.js";
import type { FlagOrigin } from "../k8s/effective.js";
import { parseKubeletFlags } from "../parse/kubelet-flags.js";
import { splitWords } from "../parse/unit-exec.js";
import { lookupUnit, unitCommand } from "../systemd-unit-files.js";
import type { Evidence, ProbeContext } from "../types.js";
import { parseRancherArgs } from "./rancher.js";
import type { Detection, Distribution, ModelledFlags } from "./types.js";
import { pushAll } from "../../util/array.js";
import { describeError } from "../../errors.js";

export function k0sCommand(argv: readonly string[]): { sub: "worker" | "controller"; args: string[]; offset: number } | null {
  const prog = argv[0];
  if (prog === undefined || (prog.split("/").pop() ?? "") !== "k0s") return null;
  const sub = argv[1];
  if (sub !== "worker" && sub !== "controller") return null;
  return { sub, args: argv.slice(2), offset: 2 };
}

async function model(ctx: ProbeContext, det: Detection): Promise<ModelledFlags> {
  const out: ModelledFlags = { flags: {}, flagSources: {}, unobserved: [], problems: [], evidence: [] };
  let args: string[] = [];
  let origins: (FlagOrigin | undefined)[] = [];
  let offset = 0;
  if (det.process && k0sCommand(det.process.argv)) {
    const c = k0sCommand(det.process.argv) as NonNullable<ReturnType<typeof k0sCommand>>;
    const pid = det.process.pid;
    ({ args, offset } = c);
    origins = det.process.argv.map(() => ({ pid, via: `k0s ${c.sub} command line` }));
    out.evidence.push({ pid, process: "k0s", detail: `k0s ${c.sub} command line` });
  } else if (det.hostUnit) {
    try {
      const cmd = await unitCommand(ctx, det.hostUnit);
      if (cmd) {
        pushAll(out.unobserved, cmd.unobserved.map((u) => `${u.file}: ${u.message}`));
        out.evidence.push({ file: cmd.execStart?.file ?? cmd.unit.file, ...(cmd.execStart ? { line: cmd.execStart.line } : {}), unit: cmd.unit.name, detail: "ExecStart" });
        const c = k0sCommand(cmd.argv);
        if (c) {
          ({ args, offset } = c);
          origins = cmd.origins.map((o) => (o ? { file: o.file, line: o.line } : undefined));
        }
      }
    } catch (e) {
      out.unobserved.push(`${det.hostUnit}: ${describeError(e)}`);
    }
  }
  const cli = parseRancherArgs(args);
  const dataDir = [...cli].reverse().find((a) => a.name === "data-dir")?.value ?? "/var/lib/k0s";
  const builtin: FlagOrigin = { via: "k0s built-in kubelet argument" };
  const set = (name: string, value: string, origin: FlagOrigin = builtin): void => {
    out.flags[name] = value;
    out.flagSources[name] = origin;
  };
  set("root-dir", `${dataDir}/kubelet`);
  set("config", `${dataDir}/kubelet-config.yaml`);
  set("kubeconfig", `${dataDir}/kubelet.conf`);
  set("cert-dir", `${dataDir}/kubelet/pki`);
  for (const a of cli.filter((x) => x.name === "kubelet-extra-args")) {
    const origin = { ...(origins[a.index + offset] ?? {}), via: "k0s --kubelet-extra-args" };
    const words = splitWords(a.value).words.map((w) => w.text);
    const parsed = parseKubeletFlags(words);
    for (const [k, v] of Object.entries(parsed.flags)) set(k, v, origin);
  }
  return out;
}

const k0s: Distribution = {
  id: "k0s",
  async detect(ctx, hidden) {
    const { processes, unobserved: tableHidden } = await processView(ctx);
    const evidence: Evidence[] = [];
    let variant: string | undefined;
    const proc = processes.find((p) => k0sCommand(p.argv) !== null);
    if (proc) {
      variant = k0sCommand(proc.argv)?.sub;
      evidence.push({ pid: proc.pid, process: "k0s", detail: `k0s ${variant ?? ""} is running` });
    }
    let hostUnit: string | undefined;
    for (const [v, u] of [["worker", "k0sworker.service"], ["controller", "k0scontroller.service"]] as const) {
      const { unit, unobserved } = await lookupUnit(ctx, u);
      if (unit && !unit.masked) {
        hostUnit ??= u;
        variant ??= v;
        evidence.push({ file: unit.file, unit: u, detail: `k0s ${v} unit` });
      }
      pushAll(hidden, unobserved.map((x) => `${x.file}: ${x.message}`));
    }
    for (const p of ["/etc/k0s", "/var/lib/k0s"]) {
      const r = await presence(ctx, p);
      if ("unobserved" in r) hidden.push(r.unobserved);
      else if (r.exists) evidence.push({ file: p, detail: "k0s directory" });
    }
    if (evidence.length === 0) {
      if (tableHidden) hidden.push(tableHidden);
      return null;
    }
    if (proc && variant) hostUnit = variant === "worker" ? "k0sworker.service" : "k0scontroller.service";
    return { ...(variant ? { variant } : {}), evidence, ...(proc ? { process: proc } : {}), ...(hostUnit ? { hostUnit } : {}) };
  },
  kubelet: { kind: "child", model },
  versionCommands() {
    return ["/var/lib/k0s/bin/kubelet"];
  },
};

export default k0s;
