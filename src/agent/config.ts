/**
 * The agent's configuration file (/etc/nodeward/config.yaml): one zod schema with the
 * documented defaults, and errors that name file:line:column like the pack loader's.
 * Path: `--config FILE` > `$NODEWARD_CONFIG` > /etc/nodeward/config.yaml. A missing file
 * at the default path means "all defaults"; a missing file that was asked for is an error.
 */
import { z } from "zod";
import { NodewardError } from "../errors.js";
import { DEFAULT_BENCHMARKS_DIR } from "../paths.js";
import { readTextCapped } from "../util/read-capped.js";
import { formatSourceIssue, MAX_PACK_FILE_BYTES, placeZodIssues, positionOf, readYaml, type SourceIssue, type YamlPath } from "../util/yaml-source.js";
import { loadYaml } from "../util/yaml.js";
import { DriftConfigSchema } from "./drift-config.js";
import { LOG_LEVELS } from "./log.js";
import { isValidCron } from "./cron.js";

export const DEFAULT_CONFIG_PATH = "/etc/nodeward/config.yaml";
export const DEFAULT_LISTEN = "127.0.0.1:9850";
export const DEFAULT_SCHEDULE = "0 */6 * * *";
/** The agent's own state; /var/lib/nodeward itself and its runs/ belong to the root remediation unit. */
export const DEFAULT_STATE_DIR = "/var/lib/nodeward/agent";
export const DEFAULT_TOKEN_FILE = "/etc/nodeward/token";

const DateString = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "dates are YYYY-MM-DD")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), "not a real date");

export const WaiverSchema = z.strictObject({
  /** A check key ("cis-debian-12/7.1.5") or a bare id ("7.1.5": every pack's check with that id). */
  check: z.string().min(1),
  reason: z.string().min(1),
  /** Last day the waiver applies (inclusive, UTC). */
  expires: DateString,
});

const Listen = z.string().refine((s) => parseListen(s) !== undefined, 'listen is "HOST:PORT" (e.g. 127.0.0.1:9850 or [::1]:9850)');

const PathList = z.union([z.string().min(1).transform((s) => [s]), z.array(z.string().min(1)).min(1)]);

export const AgentConfigSchema = z.strictObject({
  listen: Listen.default(DEFAULT_LISTEN),
  /** Cron expression (5 fields, or 6 with seconds; ./cron.ts). */
  schedule: z.string().refine((s) => isValidCron(s), "not a valid cron expression").default(DEFAULT_SCHEDULE),
  /** Scan once when the agent starts, besides the schedule. */
  scanOnStart: z.boolean().default(true),
  /** Pack directories or files (default: the bundled benchmarks/). */
  packs: PathList.default([DEFAULT_BENCHMARKS_DIR]),
  /** Only these pack ids (empty = all loaded packs). */
  benchmarks: z.array(z.string().min(1)).default([]),
  /** A profile id (benchmarks/profiles/<id>.yaml) or path, e.g. kubernetes-node. */
  profile: z.string().min(1).optional(),
  /** Pack var overrides (e.g. allowed-ports); they win over the profile's. */
  vars: z.record(z.string(), z.unknown()).default({}),
  /** Also run checks tagged deep (whole-filesystem walks) on every scheduled scan. */
  deep: z.boolean().default(false),
  waivers: z.array(WaiverSchema).default([]),
  /** Listening ports this node is allowed to have: sets the packs' allowed-ports var when not empty. */
  allowedPorts: z.array(z.number().int().min(1).max(65535)).default([]),
  stateDir: z.string().min(1).default(DEFAULT_STATE_DIR),
  tokenFile: z.string().min(1).default(DEFAULT_TOKEN_FILE),
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
  remediation: z.strictObject({ allowApi: z.boolean().default(false) }).default({ allowApi: false }),
  /** The scanned root and its procfs (a DaemonSet mounts the host at /host). */
  root: z.string().min(1).default("/"),
  proc: z.string().min(1).optional(),
  /** How long SIGTERM waits for a running scan before abandoning it. */
  shutdownTimeoutMs: z.number().int().min(0).max(600_000).default(10_000),
  /** Least important level logged: debug, info, warn or error. */
  logLevel: z.enum(LOG_LEVELS).default("info"),
  /** Real-time drift: re-check what changed (drift-config.ts). */
  drift: DriftConfigSchema,
  /**
   * Host names the API answers to besides IP addresses and localhost (DNS-rebinding
   * defence); ".example.com" admits every subdomain.
   */
  allowedHosts: z.array(z.string().min(1).regex(/^\.?[A-Za-z0-9.-]+$/, "a host name, or .domain for its subdomains")).default([]),
});

export type AgentConfig = z.output<typeof AgentConfigSchema>;
export type WaiverDef = z.output<typeof WaiverSchema>;

export type ConfigIssue = SourceIssue;

export class ConfigError extends NodewardError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super("CONFIG_INVALID", { problems: issues.map(formatConfigIssue).join("\n") });
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export const formatConfigIssue: (i: ConfigIssue) => string = formatSourceIssue;

export interface ListenAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:9850", "[::1]:9850", "localhost:9850" → host and port; undefined if malformed. */
export function parseListen(s: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 0 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]) as string, port };
}

/** Which file to read: flag > env > default, and whether it was asked for explicitly. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { path: string; explicit: boolean } {
  if (flag) return { path: flag, explicit: true };
  if (env.NODEWARD_CONFIG) return { path: env.NODEWARD_CONFIG, explicit: true };
  return { path: DEFAULT_CONFIG_PATH, explicit: false };
}

export async function loadConfig(file: string, options: { explicit?: boolean } = {}): Promise<AgentConfig> {
  await loadYaml();
  let text: string;
  try {
    text = await readTextCapped(file, MAX_PACK_FILE_BYTES);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" && !options.explicit) return AgentConfigSchema.parse({});
    throw new ConfigError([{ file, line: 1, column: 1, message: `cannot read: ${(e as Error).message}` }]);
  }
  return parseConfig(text, file);
}

/** Parse and validate config text (after `loadYaml()`); `file` is only used in error messages. */
export function parseConfig(text: string, file: string): AgentConfig {
  const read = readYaml(text, file);
  if ("issues" in read) throw new ConfigError(read.issues);
  const data: unknown = read.data ?? {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError([{ file, line: 1, column: 1, message: "the config file is a map of settings" }]);
  }
  const parsed = AgentConfigSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues: ConfigIssue[] = placeZodIssues(read.source, [], parsed.error).map((i) => ({
    file,
    line: i.line,
    column: i.column,
    message: i.unknownKey !== undefined
      ? `unknown key "${i.unknownKey}"${i.path.length ? ` in ${i.path.join(".")}` : ""}`
      : `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`,
  }));
  throw new ConfigError(issues.sort((a, b) => a.line - b.line || a.column - b.column));
}

/**
 * Issues found once the packs are loaded (a `benchmarks:` or `profile:` name that names
 * nothing), placed at their value's line in the config file; line 1 if it cannot be read.
 */
export async function configErrorAt(file: string, issues: readonly { path: YamlPath; message: string }[]): Promise<ConfigError> {
  await loadYaml();
  const read = await readTextCapped(file, MAX_PACK_FILE_BYTES).then(
    (text) => readYaml(text, file),
    () => undefined,
  );
  const source = read && "source" in read ? read.source : undefined;
  return new ConfigError(issues.map((i) => ({ file, ...(source ? positionOf(source, i.path, false) : { line: 1, column: 1 }), message: i.message })));
}
