import { parseArgs } from "node:util";
import { ConfigError, DEFAULT_CONFIG_PATH, DEFAULT_LISTEN, DEFAULT_SCHEDULE, DEFAULT_STATE_DIR, DEFAULT_TOKEN_FILE, parseListen } from "../../agent/config.js";
import { EXIT, UsageError } from "../exit.js";

export const serveHelp = `Usage: nodeward serve [options]

Run the agent: scan on a schedule (and once at start), keep the last results on disk,
serve them over HTTP with Prometheus metrics at /metrics.

Options:
  --config FILE     config file (default $NODEWARD_CONFIG, else ${DEFAULT_CONFIG_PATH};
                    a missing default file means all defaults)
  --listen ADDR     HOST:PORT to listen on (default ${DEFAULT_LISTEN}; overrides the config)
  --root DIR        scan the system mounted at DIR (default /; overrides the config)
  --proc DIR        its procfs (default <root>/proc)
  --state-dir DIR   where the last scan and the remediation journal are kept
                    (default ${DEFAULT_STATE_DIR}; overrides the config)
  --once            run one scan with the agent's config, save it to the state dir, exit
  --no-drift        no real-time re-checks of what changed (config \`drift: {enabled: false}\`)

Defaults: schedule "${DEFAULT_SCHEDULE}", state ${DEFAULT_STATE_DIR}, token ${DEFAULT_TOKEN_FILE}.
Routes: GET /healthz /readyz /metrics /api/v1/scans/latest /api/v1/scans /api/v1/checks[/:id]
/api/v1/events (drift: recent changes and the checks they flipped);
POST /api/v1/scans and /api/v1/remediations need "Authorization: Bearer <token>".
SIGTERM / SIGINT: stop the schedule, let a running scan finish (or abandon it after
shutdownTimeoutMs), close the server, flush state.
`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: "string", short: "c" },
      listen: { type: "string" },
      root: { type: "string" },
      proc: { type: "string" },
      "state-dir": { type: "string" },
      once: { type: "boolean", default: false },
      "no-drift": { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(serveHelp);
    return EXIT.OK;
  }
  if (values.listen !== undefined && !parseListen(values.listen)) {
    throw new UsageError("FLAG_LISTEN", { got: values.listen });
  }
  const options = { configPath: values.config, listen: values.listen, root: values.root, proc: values.proc, stateDir: values["state-dir"], ...(values["no-drift"] ? { drift: false } : {}) };
  // The agent (fastify, prom-client) loads only for this command.
  const serve = await import("../../agent/serve.js");
  try {
    if (values.once) {
      const r = await serve.scanOnce(options);
      if (r.summary) process.stdout.write(`${r.summary}\n`);
      return r.ok ? EXIT.OK : EXIT.INTERNAL;
    }
    const running = await serve.startAgent(options);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const on = (s: NodeJS.Signals) => {
        process.off("SIGTERM", on);
        process.off("SIGINT", on);
        // A second signal while shutting down ends the process at once.
        process.once("SIGTERM", () => process.exit(EXIT.INTERNAL));
        process.once("SIGINT", () => process.exit(EXIT.INTERNAL));
        resolve(s);
      };
      process.on("SIGTERM", on);
      process.on("SIGINT", on);
    });
    await running.stop(signal);
    // An abandoned scan may still hold a read or a child process: do not let it keep us alive.
    setTimeout(() => process.exit(EXIT.OK), 2000).unref();
    return EXIT.OK;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`nodeward serve: invalid config:\n${e.issues.map((i) => `  ${i.file}:${i.line}:${i.column}: ${i.message}`).join("\n")}\n`);
      return EXIT.USAGE;
    }
    throw e;
  }
}
