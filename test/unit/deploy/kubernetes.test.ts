/**
 * deploy/kubernetes and deploy/grafana:
 *   - every core manifest validates against the Kubernetes OpenAPI schemas
 *     (kubernetes-models: `new DaemonSet(obj).validate()` throws on a schema error; note it
 *     does not reject unknown fields, so the security-relevant fields are asserted here);
 *   - ServiceMonitor and PrometheusRule are CRDs that package does not know: their shape
 *     is checked with a small zod schema of the fields we use (strict objects, so a typo
 *     in those is caught);
 *   - the kustomization lists every manifest (the README's one command applies them all);
 *   - every PromQL expression in the Grafana dashboard and the alert rules names only
 *     metrics the agent really exports (read from the agent's own /metrics text),
 *     and label matchers use labels those metrics have.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { AgentMetrics } from "../../../src/agent/metrics.js";
import { SCAN_METRICS, type MetricDef } from "../../../src/report/prometheus.js";
import { parseConfig } from "../../../src/agent/config.js";
import { loadYaml } from "../../../src/util/yaml.js";
import type { ScanReport } from "../../../src/engine/result.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const K8S_DIR = path.join(REPO, "deploy/kubernetes");
const DASHBOARD = path.join(REPO, "deploy/grafana/nodeward-dashboard.json");

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> } } & Record<string, unknown>;

function loadManifests(): { file: string; doc: Manifest }[] {
  const out: { file: string; doc: Manifest }[] = [];
  for (const file of readdirSync(K8S_DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").sort()) {
    for (const d of parseAllDocuments(readFileSync(path.join(K8S_DIR, file), "utf8"))) {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0]?.message}`);
      const doc = d.toJS() as Manifest | null;
      if (doc) out.push({ file, doc });
    }
  }
  return out;
}

const manifests = loadManifests();
const byKind = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const one = <T = Manifest>(kind: string): T => {
  const all = byKind(kind);
  expect(all, kind).toHaveLength(1);
  return all[0] as T;
};

// ---- schemas ------------------------------------------------------------------------

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/DaemonSet": DaemonSet,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};

const Meta = z.strictObject({ name: z.string().min(1), namespace: z.string().min(1), labels: z.record(z.string(), z.string()).optional() });
const ServiceMonitorSchema = z.strictObject({
  apiVersion: z.literal("monitoring.coreos.com/v1"),
  kind: z.literal("ServiceMonitor"),
  metadata: Meta,
  spec: z.strictObject({
    jobLabel: z.string().optional(),
    selector: z.strictObject({ matchLabels: z.record(z.string(), z.string()) }),
    namespaceSelector: z.strictObject({ matchNames: z.array(z.string()) }).optional(),
    endpoints: z
      .array(
        z.strictObject({
          port: z.string(),
          path: z.string().startsWith("/"),
          interval: z.string().regex(/^\d+[smh]$/),
          scrapeTimeout: z.string().regex(/^\d+[smh]$/).optional(),
          relabelings: z
            .array(
              z.strictObject({
                sourceLabels: z.array(z.string()).optional(),
                targetLabel: z.string().optional(),
                action: z.enum(["replace", "keep", "drop", "labelmap", "labeldrop", "labelkeep", "hashmod"]).optional(),
                regex: z.string().optional(),
                replacement: z.string().optional(),
              }),
            )
            .optional(),
        }),
      )
      .min(1),
  }),
});
const RuleSchema = z.strictObject({
  alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
  expr: z.string().min(1),
  for: z.string().regex(/^\d+[smh]$/).optional(),
  labels: z.strictObject({ severity: z.enum(["critical", "warning", "info"]) }),
  annotations: z.strictObject({ summary: z.string().min(1), description: z.string().optional() }),
});
const PrometheusRuleSchema = z.strictObject({
  apiVersion: z.literal("monitoring.coreos.com/v1"),
  kind: z.literal("PrometheusRule"),
  metadata: Meta,
  spec: z.strictObject({ groups: z.array(z.strictObject({ name: z.string(), interval: z.string().optional(), rules: z.array(RuleSchema).min(1) })).min(1) }),
});
const CRDS: Record<string, z.ZodType> = {
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitorSchema,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRuleSchema,
};

// ---- PromQL ---------------------------------------------------------------------------

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);
/** Labels Prometheus adds at scrape time (the ServiceMonitor's targets and relabeling). */
const TARGET_LABELS = new Set(["job", "instance", "node", "namespace", "pod", "service", "endpoint", "container"]);
/** Not the agent's, but always there for a scraped target. */
const PROMETHEUS_BUILTIN = new Set(["up"]);

interface Selector {
  metric: string;
  labels: string[];
}

/**
 * The metric selectors of a PromQL expression: each metric name with the label names of
 * its matcher. Strings, grouping clauses, durations and function calls are skipped; a
 * name directly before `(` is a function. Grafana's $variables are replaced first.
 */
function promqlSelectors(expr: string): Selector[] {
  let s = expr.replace(/\$\{?\w+\}?/g, "X");
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  s = s.replace(/\[[^\]]*\]/g, " ");
  const out: Selector[] = [];
  const re = /([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?\s*(\()?/g;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const [, name, braces, call] = m;
    if (!name || call || KEYWORDS.has(name.toLowerCase())) continue;
    // A bare number's exponent ("1e3") or a duration unit is not a metric.
    const before = s[m.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    const labels = braces ? [...braces.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1] as string) : [];
    out.push({ metric: name, labels });
  }
  return out;
}

/** name → label names, read from what the agent's /metrics serves after a scan. */
async function exportedMetrics(): Promise<Map<string, Set<string>>> {
  const metrics = new AgentMetrics({ version: "test", node: "test-node" });
  const r = sampleReport([
    { id: "1", pack: "p", status: "pass" },
    { id: "2", pack: "p", status: "fail" },
  ]);
  metrics.setScan(r);
  const out = new Map<string, Set<string>>();
  for (const line of (await metrics.render()).split("\n")) {
    const t = /^# TYPE (\S+) (\w+)$/.exec(line);
    if (t) {
      out.set(t[1] as string, new Set());
      continue;
    }
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m) continue;
    const labels = out.get(m[1] as string) ?? new Set<string>();
    for (const l of (m[2] ?? "").matchAll(/([A-Za-z_][A-Za-z0-9_]*)="/g)) labels.add(l[1] as string);
    out.set(m[1] as string, labels);
  }
  // Declared label names count even when the sample report has no series for them.
  for (const def of Object.values(SCAN_METRICS) as MetricDef[]) out.set(def.name, new Set([...(out.get(def.name) ?? []), ...def.labelNames]));
  return out;
}

function sampleReport(results: { id: string; pack: string; status: "pass" | "fail" }[]): ScanReport {
  return {
    tool: { name: "nodeward", version: "test" },
    startedAt: new Date().toISOString(),
    durationMs: 1,
    host: { root: "/", live: true, hostname: "test-node" },
    packs: [{ id: "p", title: "P", benchmark: "P Benchmark", version: "1", checks: results.length }],
    summary: { pass: 1, fail: 1, manual: 0, skip: 0, error: 0 },
    results: results.map((x) => ({ ...x, benchmark: "P Benchmark", title: x.id, severity: "high", references: {}, evidence: [], durationMs: 1 })),
    loadErrors: [],
  };
}

function checkSelectors(where: string, expr: string, exported: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  const sels = promqlSelectors(expr);
  if (sels.length === 0) problems.push(`${where}: no metric found in "${expr}"`);
  for (const { metric, labels } of sels) {
    if (PROMETHEUS_BUILTIN.has(metric)) continue;
    const known = exported.get(metric);
    if (!known) {
      problems.push(`${where}: "${metric}" is not a metric the agent exports`);
      continue;
    }
    for (const l of labels) if (!known.has(l) && !TARGET_LABELS.has(l)) problems.push(`${where}: ${metric} has no label "${l}"`);
  }
  return problems;
}

// ---- tests -----------------------------------------------------------------------------

describe("deploy/kubernetes manifests", () => {
  it("every core manifest validates against the Kubernetes schema", () => {
    const core = manifests.filter((m) => !m.doc.apiVersion.startsWith("monitoring.coreos.com"));
    expect(core.map((m) => m.doc.kind).sort()).toEqual(["ConfigMap", "DaemonSet", "Namespace", "NetworkPolicy", "Service", "ServiceAccount"]);
    for (const { file, doc } of core) {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `${file}: no model for ${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(() => new (Model as NonNullable<typeof Model>)(doc as never).validate(), file).not.toThrow();
    }
  });

  it("the schema check really rejects a broken manifest", () => {
    const ds = structuredClone(one("DaemonSet")) as { spec: { template: { spec: { containers: { resources: unknown }[] } } } };
    (ds.spec.template.spec.containers[0] as { resources: unknown }).resources = { limits: { cpu: [1] } };
    expect(() => new DaemonSet(ds as never).validate()).toThrow(/cpu/);
  });

  it("ServiceMonitor and PrometheusRule have the CRDs' shape (zod: kubernetes-models has no CRDs)", () => {
    const crds = manifests.filter((m) => m.doc.apiVersion.startsWith("monitoring.coreos.com"));
    expect(crds.map((m) => m.doc.kind).sort()).toEqual(["PrometheusRule", "ServiceMonitor"]);
    for (const { file, doc } of crds) {
      const r = (CRDS[`${doc.apiVersion}/${doc.kind}`] as z.ZodType).safeParse(doc);
      expect(r.success, `${file}: ${r.success ? "" : z.prettifyError(r.error)}`).toBe(true);
    }
  });

  it("everything lives in the nodeward namespace, and the kustomization applies every file", () => {
    for (const { file, doc } of manifests) {
      if (doc.kind === "Namespace") expect(doc.metadata.name).toBe("nodeward");
      else expect(doc.metadata.namespace, file).toBe("nodeward");
    }
    const k = parseAllDocuments(readFileSync(path.join(K8S_DIR, "kustomization.yaml"), "utf8"))[0]?.toJS() as { kind: string; resources: string[]; namespace: string };
    expect(k.kind).toBe("Kustomization");
    expect(k.namespace).toBe("nodeward");
    expect([...k.resources].sort()).toEqual([...new Set(manifests.map((m) => m.file))].sort());
  });

  it("the DaemonSet is least-privilege: read-only host, two capabilities, no host namespaces, no API token", () => {
    const ds = one<DaemonSet>("DaemonSet");
    const pod = ds.spec?.template.spec;
    expect(pod).toBeDefined();
    if (!pod) return;
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostIPC ?? false).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe("nodeward");
    expect(pod.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
    // Every taint tolerated (control planes, dedicated pools, draining nodes); Linux nodes only.
    expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    expect(pod.nodeSelector).toEqual({ "kubernetes.io/os": "linux" });
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    if (!c) return;
    expect(c.args?.slice(0, 3)).toEqual(["serve", "--root", "/host"]);
    expect(c.args).toContain("0.0.0.0:9850");
    const sc = c.securityContext;
    expect(sc?.runAsUser).toBe(0);
    expect(sc?.privileged ?? false).toBe(false);
    expect(sc?.allowPrivilegeEscalation).toBe(false);
    expect(sc?.readOnlyRootFilesystem).toBe(true);
    expect(sc?.capabilities?.drop).toEqual(["ALL"]);
    // The two the agent keeps, and the three nodeward-drop-root needs to become uid 65534
    // holding only those two (the image's wrapper, below).
    expect([...(sc?.capabilities?.add ?? [])].sort()).toEqual(["DAC_READ_SEARCH", "SETGID", "SETPCAP", "SETUID", "SYS_PTRACE"]);
    expect(c.command?.[0]).toBe("/usr/local/bin/nodeward-drop-root");
    const dockerfile = readFileSync(path.join(REPO, "deploy/Dockerfile"), "utf8");
    expect(dockerfile).toContain(
      "exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+dac_read_search,+sys_ptrace --ambient-caps=-all,+dac_read_search,+sys_ptrace --bounding-set=-all,+dac_read_search,+sys_ptrace -- \"$@\"",
    );
    expect(c.resources?.limits?.memory).toBeDefined();
    expect(c.resources?.limits?.cpu).toBeDefined();
    expect(c.resources?.requests?.memory).toBeDefined();
    // The request covers what bench/agent.mjs measures: the idle agent (~75-80 MiB) plus the
    // scan process's peak (~80-85 MiB) while a scan runs; the limit leaves room above it.
    const mib = (q: unknown) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(String(q));
      return m ? Number(m[1]) * (m[2] === "Gi" ? 1024 : 1) : NaN;
    };
    expect(mib(c.resources?.requests?.memory)).toBeGreaterThanOrEqual(160);
    expect(mib(c.resources?.limits?.memory)).toBeGreaterThan(mib(c.resources?.requests?.memory));
    const host = c.volumeMounts?.find((v) => v.mountPath === "/host");
    expect(host).toMatchObject({ readOnly: true, recursiveReadOnly: "IfPossible", mountPropagation: "None" });
    const hostVol = pod.volumes?.find((v) => v.name === host?.name);
    expect(hostVol?.hostPath?.path).toBe("/");
    // Every other writable mount is a small emptyDir; nothing else of the host is mounted.
    for (const v of pod.volumes ?? []) if (v.name !== host?.name) expect(v.hostPath, v.name).toBeUndefined();
    const sa = one<{ automountServiceAccountToken?: boolean }>("ServiceAccount");
    expect(sa.automountServiceAccountToken).toBe(false);
    // No RBAC objects at all: the agent never talks to the API server.
    expect(manifests.filter((m) => /Role|RoleBinding/.test(m.doc.kind))).toEqual([]);
  });

  it("the DaemonSet runs the image's program with the systemd unit's V8 flags (--jitless, no start-up warning, 1 MiB young generation)", () => {
    const c = one<DaemonSet>("DaemonSet").spec?.template.spec?.containers[0];
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(path.join(REPO, "deploy/Dockerfile"), "utf8"))?.[1];
    const [dropRoot, node, program] = JSON.parse(entrypoint ?? "[]") as string[];
    expect(c?.command).toEqual([dropRoot, node, "--jitless", "--no-expose-wasm", "--max-semi-space-size=1", program]);
    // --no-expose-wasm is refused in NODE_OPTIONS: the flags are on the command line, not there.
    expect(c?.env?.find((e) => e.name === "NODE_OPTIONS")).toBeUndefined();
  });

  it("the ConfigMap holds a config the agent accepts, with the kubernetes-node profile", async () => {
    await loadYaml();
    const cm = one<{ data: Record<string, string> }>("ConfigMap");
    const cfg = parseConfig(cm.data["config.yaml"] ?? "", "configmap.yaml");
    expect(cfg.remediation.allowApi).toBe(false);
    expect(cfg.stateDir).toBe("/var/lib/nodeward");
    expect(cfg.profile).toBe("kubernetes-node");
  });

  it("the NetworkPolicy admits only the Prometheus namespace, to the metrics port of the agent pods", () => {
    const ds = one<DaemonSet>("DaemonSet");
    const np = one<NetworkPolicy>("NetworkPolicy");
    const podLabels = ds.spec?.template.metadata?.labels ?? {};
    for (const [k, v] of Object.entries(np.spec?.podSelector.matchLabels ?? {})) expect(podLabels[k], k).toBe(v);
    expect(np.spec?.policyTypes).toEqual(["Ingress"]);
    expect(np.spec?.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ port: "metrics", protocol: "TCP" }] },
    ]);
    expect(ds.spec?.template.spec?.containers[0]?.ports?.map((p) => p.name)).toContain("metrics");
  });

  it("Service and ServiceMonitor select the agent pods and its metrics port", () => {
    const ds = one<DaemonSet>("DaemonSet");
    const podLabels = ds.spec?.template.metadata?.labels ?? {};
    const svc = one<Service>("Service");
    expect(svc.spec?.clusterIP).toBe("None");
    for (const [k, v] of Object.entries(svc.spec?.selector ?? {})) expect(podLabels[k], k).toBe(v);
    const port = svc.spec?.ports?.[0];
    expect(port?.name).toBe("metrics");
    expect(ds.spec?.template.spec?.containers[0]?.ports?.map((p) => p.name)).toContain(port?.targetPort);
    const sm = ServiceMonitorSchema.parse(one("ServiceMonitor"));
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata?.labels?.[k], k).toBe(v);
    expect(sm.spec.endpoints[0]?.port).toBe("metrics");
    expect(sm.spec.endpoints[0]?.relabelings).toContainEqual(expect.objectContaining({ sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" }));
  });
});

describe("PromQL in the dashboard and the alerts names only metrics the agent exports", () => {
  it("the extractor finds metrics and skips functions, labels, strings and grouping", () => {
    expect(promqlSelectors('count by (node, severity) (nodeward_check_status{severity=~"high|critical", waived="false"} == 0) > 0')).toEqual([
      { metric: "nodeward_check_status", labels: ["severity", "waived"] },
    ]);
    expect(promqlSelectors("time() - nodeward_last_scan_timestamp_seconds > 2 * 6 * 3600")).toEqual([{ metric: "nodeward_last_scan_timestamp_seconds", labels: [] }]);
    expect(promqlSelectors('sum by (node) (increase(nodeward_scan_errors_total{node=~"$node"}[1h])) or vector(0)').map((x) => x.metric)).toEqual(["nodeward_scan_errors_total"]);
    expect(promqlSelectors("nodeward_checks offset 1h / 1e3").map((x) => x.metric)).toEqual(["nodeward_checks"]);
  });

  it("every Grafana panel query and variable", async () => {
    const exported = await exportedMetrics();
    expect(exported.has("nodeward_check_status")).toBe(true);
    const dash = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      uid: string;
      title: string;
      panels: { id: number; title: string; type: string; targets?: { expr?: string }[]; panels?: unknown[] }[];
      templating: { list: { name: string; type: string; query?: unknown; definition?: string }[] };
    };
    expect(dash.uid).toBe("nodeward-fleet");
    const problems: string[] = [];
    let exprs = 0;
    const panels = dash.panels.flatMap((p) => [p, ...((p.panels ?? []) as typeof dash.panels)]);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      if (p.type === "row") continue;
      expect(p.targets?.length, `panel "${p.title}" has no query`).toBeGreaterThan(0);
      for (const t of p.targets ?? []) {
        expect(t.expr, `panel "${p.title}"`).toBeTruthy();
        exprs++;
        problems.push(...checkSelectors(`panel "${p.title}"`, t.expr ?? "", exported));
      }
    }
    for (const v of dash.templating.list.filter((x) => x.type === "query")) {
      // label_values(metric, label): only the first argument is a metric.
      const q = v.definition ?? (v.query as { query?: string }).query ?? "";
      const m = /^label_values\((\w+)(\{[^}]*\})?,\s*(\w+)\)$/.exec(q);
      expect(m, `variable ${v.name}: ${q}`).not.toBeNull();
      problems.push(...checkSelectors(`variable ${v.name}`, `${m?.[1] ?? ""}${m?.[2] ?? ""}`, exported));
      if (!TARGET_LABELS.has(m?.[3] ?? "") && !exported.get(m?.[1] ?? "")?.has(m?.[3] ?? "")) problems.push(`variable ${v.name}: no label ${m?.[3]}`);
    }
    expect(exprs).toBeGreaterThanOrEqual(8);
    expect(problems).toEqual([]);
  });

  it("every alert rule", async () => {
    const exported = await exportedMetrics();
    const rule = PrometheusRuleSchema.parse(one("PrometheusRule"));
    const problems = rule.spec.groups.flatMap((g) => g.rules.flatMap((r) => checkSelectors(`alert ${r.alert}`, r.expr, exported)));
    expect(problems).toEqual([]);
    const names = rule.spec.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).toEqual(expect.arrayContaining(["NodewardHighSeverityCheckFailing", "NodewardScansStale"]));
    const stale = rule.spec.groups.flatMap((g) => g.rules).find((r) => r.alert === "NodewardScansStale");
    expect(stale?.expr).toContain("nodeward_last_scan_timestamp_seconds");
  });
});
