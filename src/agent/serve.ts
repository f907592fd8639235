/**
 * `nodeward serve`: wire config, state, packs, scheduler and the HTTP server into a
 * running agent, and take it down cleanly. Readiness for systemd: when NOTIFY_SOCKET is
 * set, `systemd-notify --ready` is run once the socket listens (Node cannot send unix
 * datagrams itself). The unit uses `Type=notify` with `NotifyAccess=all`, because the
 * message comes from that child, not from the main PID; systemd-notify (since v246)
 * waits until PID 1 has read the message, so the child exiting early does not lose it.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { hostname } from "node:os";
import { setFlagsFromString } from "node:v8";
import type { FastifyInstance } from "fastify";
import { runCommand } from "../host/exec.js";
import { HostRoot } from "../host/host-root.js";
import type { LoadedPack } from "../packs/load.js";
import { nodewardVersion } from "../paths.js";
import { writeFileDurable } from "../util/durable-write.js";
import { readBytesCapped, readTextCapped } from "../util/read-capped.js";
import { Agent, type AgentLogger, type ScanFunction } from "./agent.js";
import { catalogOf } from "./catalog.js";
import { configErrorAt, loadConfig, parseListen, resolveConfigPath, type AgentConfig } from "./config.js";
import { isLoopbackHost } from "./http.js";
import { IdleCollector } from "./idle-gc.js";
import { Log, type LogOptions } from "./log.js";
import { AgentMetrics } from "./metrics.js";
import { catalogFromChild, childProcessScan, scanJob, type CatalogAnswer, type ChildScanStats } from "./scan-process.js";
import { buildServer, type HttpLimits, type RemediateHook } from "./server.js";
import { StateStore } from "./state.js";
import { NodewardError } from "../errors.js";

export interface ServeOptions {
  /** --config FILE (else $NODEWARD_CONFIG, else /etc/nodeward/config.yaml). */
  configPath?: string | undefined;
  /** Overrides the config's `listen`. */
  listen?: string | undefined;
  /** Override the config's `root` / `proc`. */
  root?: string | undefined;
  proc?: string | undefined;
  /** Overrides the config's `stateDir` (serve --state-dir). */
  stateDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  remediate?: RemediateHook;
  /** Replace the engine (tests, bench). */
  scan?: ScanFunction;
  /** Where and how to log (default: stderr, format by environment, level from the config). */
  log?: Omit<LogOptions, "level">;
  /** HTTP limits (tests). */
  limits?: Partial<HttpLimits>;
  /** false: no real-time drift whatever the config says (serve --no-drift). */
  drift?: boolean;
}

export interface RunningAgent {
  agent: Agent;
  app: FastifyInstance;
  config: AgentConfig;
  /** "http://127.0.0.1:9850" */
  url: string;
  /** Stop the schedule, wait for (or abandon) the running scan, close the server, flush state. Idempotent. */
  stop(reason: string): Promise<void>;
}

/** Everything except listening: shared by `serve` and `serve --once`. */
export async function prepareAgent(
  options: ServeOptions,
  scanIn: "process" | "inline",
): Promise<{ agent: Agent; config: AgentConfig; store: StateStore; host: HostRoot; log: Log; collector?: IdleCollector }> {
  const env = options.env ?? process.env;
  const where = resolveConfigPath(options.configPath, env);
  const config = await loadConfig(where.path, { explicit: where.explicit });
  if (options.listen) config.listen = options.listen;
  if (options.root) config.root = options.root;
  if (options.proc) config.proc = options.proc;
  if (options.stateDir) config.stateDir = options.stateDir;
  if (options.drift === false) config.drift.enabled = false;
  const log = new Log({ ...options.log, level: config.logLevel });
  log.debug(`config: ${where.path}${where.explicit ? "" : " (default path)"}`);

  const host = new HostRoot({ root: config.root, ...(config.proc ? { proc: config.proc } : {}) });
  const store = new StateStore(config.stateDir, log);
  const state = await store.load();
  if (state.latest) log.info(`loaded previous scan ${state.latest.id} (${state.latest.report.startedAt}) from ${store.file}`);

  const job = scanJob(config);
  const childOptions = {
    onStderr: (line: string) => log.warn(`scan process: ${line}`),
    onStats: (st: ChildScanStats) => log.debug(`scan process: packs loaded in ${Math.round(st.loadMs)} ms, peak RSS ${Math.round(st.maxRssKiB / 1024)} MiB, ${Math.round(st.wallMs)} ms in all`),
  };
  let packs: LoadedPack[] = [];
  let catalog: CatalogAnswer;
  if (scanIn === "process") {
    // The packs are loaded (and checked) in a child process: the agent keeps only the catalog.
    catalog = await catalogFromChild(job, childOptions);
  } else {
    const { loadSelection } = await import("../packs/selection.js");
    const { formatPackError } = await import("../packs/load.js");
    const { selectChecks } = await import("../engine/select.js");
    const { configSelectionIssues } = await import("./config-selection.js");
    const loaded = await loadSelection({ paths: job.packs, ...(job.profile ? { profile: job.profile } : {}), vars: job.vars });
    packs = loaded.packs;
    catalog = {
      catalog: catalogOf(selectChecks(packs, { benchmarks: job.benchmarks })),
      loadErrors: loaded.errors.map(formatPackError),
      packs: packs.length,
      checks: packs.reduce((n, p) => n + p.checks.length, 0),
      configIssues: await configSelectionIssues(job, loaded),
    };
  }
  // A profile or pack id that names nothing would scan nothing and report all green.
  if (catalog.configIssues.length > 0) throw await configErrorAt(where.path, catalog.configIssues);
  for (const e of catalog.loadErrors) log.warn(`pack error: ${e}`);
  log.info(
    `nodeward ${nodewardVersion()}: ${catalog.packs} pack(s), ${catalog.checks} check(s)` +
      `${config.profile ? `, profile ${config.profile}` : ""}; scanning ${config.root}; config ${where.path}${where.explicit ? "" : " (default path)"}`,
  );

  // The node label is the scanned root's hostname (the report's, once there is one), never the agent's own.
  const node = state.latest?.report.host.hostname ?? (await rootHostname(host));
  const metrics = new AgentMetrics({ version: nodewardVersion(), node });
  const scan = options.scan ?? (scanIn === "process" ? childProcessScan(job, childOptions) : undefined);
  // A long-running agent collects the garbage of taking in each scan when its API is quiet.
  const collector = scanIn === "process" ? new IdleCollector() : undefined;
  const agent = new Agent({
    config,
    catalog: catalog.catalog,
    packs,
    loadErrors: catalog.loadErrors,
    host,
    store,
    state,
    metrics,
    log,
    ...(scan ? { scan } : {}),
    ...(collector ? { afterScan: () => collector.scanTakenIn() } : {}),
  });
  return { agent, config, store, host, log, ...(collector ? { collector } : {}) };
}

/**
 * V8 grows a heap that collects rarely: with scans taken in back to back under constant
 * scrapes (no quiet moment for the IdleCollector) the agent's heap went from 19 to 58 MB
 * and its RSS to 116–121 MiB. --optimize-for-size (set in this process only: the scan
 * process does not inherit it) makes V8 grow the heap conservatively and run its memory
 * reducer, whose collections are incremental (short pauses): 73–79 MiB in the same run.
 */
function keepHeapSmall(): void {
  try {
    setFlagsFromString("--optimize-for-size");
  } catch {
    // An embedder that refuses it keeps V8's defaults.
  }
}

/** The hostname of the scanned system: the kernel's for the live host, /etc/hostname of another root. */
async function rootHostname(host: HostRoot): Promise<string> {
  if (host.isLive) return hostname();
  return (await host.readFileIfExists("/etc/hostname").catch(() => undefined))?.trim().split("\n")[0] ?? "";
}

export async function startAgent(options: ServeOptions = {}): Promise<RunningAgent> {
  const env = options.env ?? process.env;
  const { agent, config, store, log, host, collector } = await prepareAgent(options, "process");
  keepHeapSmall();
  // Node's own warnings (deprecations, experimental features) join the agent's log in its format.
  process.removeAllListeners("warning");
  process.on("warning", (w) => log.warn(`node: ${w.name}: ${w.message}`));
  const addr = parseListen(config.listen);
  if (!addr) throw new NodewardError("LISTEN_INVALID", { listen: config.listen });

  const token = await readToken(config.tokenFile, log);
  const readsNeedToken = !isLoopbackHost(addr.host);
  if (readsNeedToken && !token) {
    log.warn(`listening on ${config.listen} (not loopback) without an API token: only /healthz, /readyz and /metrics answer; every other route is 401`);
  }
  const https = config.tls ? { cert: await readBytesCapped(config.tls.cert, MAX_TLS_FILE_BYTES), key: await readBytesCapped(config.tls.key, MAX_TLS_FILE_BYTES) } : undefined;
  // Drift follows every scan's plan: started before the first scan.
  const drift = config.drift.enabled && options.drift !== false ? await (await import("./drift-service.js")).startServeDrift({ agent, host, config, log, ...(collector ? { collect: () => collector.scanTakenIn() } : {}) }) : undefined;
  const app = buildServer({
    agent,
    token,
    drift: drift?.controller,
    remediate: options.remediate ?? (config.remediation.allowApi ? requestRemediation(config.stateDir) : undefined),
    https,
    logger: log,
    ...(collector ? { onRequest: () => collector.noteRequest() } : {}),
    readsNeedToken,
    allowedHosts: config.allowedHosts,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  await app.listen({ host: addr.host, port: addr.port, listenTextResolver: (address) => `listening on ${address}${readsNeedToken ? " (token required except /healthz, /readyz, /metrics)" : ""}` }).catch((e: unknown) => {
    drift?.stop();
    throw e;
  });
  const hostPart = addr.host.includes(":") ? `[${addr.host}]` : addr.host;
  const realPort = (app.server.address() as { port?: number } | null)?.port ?? addr.port;
  const url = `${https ? "https" : "http"}://${hostPart}:${realPort}`;

  agent.scheduler.start();
  if (config.scanOnStart) {
    // A failure is logged (and counted) by the agent.
    agent.triggerScan("start").run.done.catch(() => undefined);
  }
  await notifySystemd(env, log, ["--ready", `--status=serving on ${url}`]);

  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info(`${reason}: shutting down`);
      await notifySystemd(env, log, ["STOPPING=1"]);
      drift?.stop();
      await agent.scheduler.stop();
      if (!(await agent.scheduler.waitForRunning(config.shutdownTimeoutMs))) {
        // Its results are dropped: the state file keeps the previous scan, whole.
        log.warn(`abandoning the running scan after ${config.shutdownTimeoutMs} ms`);
        agent.abandonScan(`${reason}: shutdown timeout`);
        await agent.scheduler.waitForRunning(1000);
      }
      await app.close();
      await store.flush().catch(() => undefined);
    })();
    return stopping;
  };
  return { agent, app, config, url, stop };
}

/** `serve --once`: one scan with the agent's config, saved to its state, no server. */
export async function scanOnce(options: ServeOptions = {}): Promise<{ ok: boolean; summary?: string }> {
  const { agent, store, log } = await prepareAgent(options, "inline");
  try {
    const stored = await agent.triggerScan("once").run.done;
    await store.flush();
    const s = stored.report.summary;
    return { ok: true, summary: `scan ${stored.id}: ${s.pass} pass, ${s.fail} fail, ${s.manual} manual, ${s.skip} skip, ${s.error} error; saved to ${store.file}` };
  } catch (e) {
    log.error(`scan failed: ${(e as Error).message}`);
    return { ok: false };
  }
}

/** A token file holds one line; a TLS certificate chain or key a few KiB. Read no more (`/dev/zero` is refused). */
const MAX_TOKEN_FILE_BYTES = 4096;
const MAX_TLS_FILE_BYTES = 1024 * 1024;

async function readToken(file: string, log: AgentLogger): Promise<string | undefined> {
  try {
    const st = await stat(file);
    if ((st.mode & 0o077) !== 0) log.warn(`token file ${file} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
    const token = (await readTextCapped(file, MAX_TOKEN_FILE_BYTES)).trim();
    if (token.length < 16) {
      log.warn(`token file ${file} holds fewer than 16 characters; mutating API requests are refused`);
      return undefined;
    }
    return token;
  } catch (e) {
    log.warn(`no API token (${(e as Error).message}); POST requests are refused`);
    return undefined;
  }
}

/** Tell systemd (Type=notify) about readiness / stopping, when it asked (NOTIFY_SOCKET). */
export async function notifySystemd(env: NodeJS.ProcessEnv, log: AgentLogger, args: string[]): Promise<boolean> {
  if (!env.NOTIFY_SOCKET) return false;
  const r = await runCommand(["systemd-notify", ...args], { timeoutMs: 5000, env: { NOTIFY_SOCKET: env.NOTIFY_SOCKET } });
  if (r.failed) log.warn(`systemd-notify ${args.join(" ")} failed: ${r.reason ?? "unknown"}`);
  return !r.failed;
}

/** The file nodeward-remediate.path watches (systemd/nodeward-remediate.path). */
export const REMEDIATION_REQUEST = "remediate.request";

/**
 * The agent never remediates in its own process (it holds no write access to the host):
 * it drops a request file that nodeward-remediate.path turns into a run of the
 * privileged oneshot unit. The unit applies the remediation root configured in
 * /etc/default/nodeward; the checks named here are recorded for the operator, not obeyed.
 */
export function requestRemediation(stateDir: string): RemediateHook {
  return async (checkKeys) => {
    const file = path.join(stateDir, REMEDIATION_REQUEST);
    const body = JSON.stringify({ requestedAt: new Date().toISOString(), checks: checkKeys }) + "\n";
    await writeFileDurable(file, body, { mode: 0o600 });
    return {
      queued: true,
      request: file,
      note: "nodeward-remediate.service applies the remediation configured in /etc/default/nodeward (NODEWARD_REMEDIATE_ARGS); see `nodeward runs`",
    };
  };
}
