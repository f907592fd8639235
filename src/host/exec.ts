/**
 * The one way nodeward runs a command: argv (never a shell string), a timeout, an
 * output cap and LC_ALL=C. Failures are returned, not thrown (execa's `reject: false`),
 * because for commands like `systemctl is-enabled` the exit code *is* the fact.
 * execa is imported lazily so a scan that runs no command never pays for it.
 */
import { NodewardError, errorMessage } from "../errors.js";

export interface CommandOptions {
  /** Kill the command after this many milliseconds. Default 10 s. */
  timeoutMs?: number;
  /** Keep at most this many bytes of stdout and of stderr. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Extra environment; LC_ALL=C is always set. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface CommandResult {
  argv: readonly string[];
  /** null when the command did not exit by itself (killed, timed out, not found). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when the command could not be started or did not exit 0. */
  failed: boolean;
  timedOut: boolean;
  /** The executable was not found (ENOENT on spawn). */
  notFound: boolean;
  /** Output went over maxOutputBytes and was cut. */
  truncated: boolean;
  durationMs: number;
  /** One line saying what went wrong, when something did. */
  reason?: string;
}

export type CommandRunner = (argv: readonly string[], options?: CommandOptions) => Promise<CommandResult>;

export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export const runCommand: CommandRunner = async (argv, options = {}) => {
  const [file, ...args] = argv;
  if (!file) throw new NodewardError("COMMAND_EMPTY_ARGV");
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const maxBuffer = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const { execa } = await import("execa");
  const started = performance.now();
  const r = await execa(file, args, {
    reject: false,
    timeout: timeoutMs,
    maxBuffer,
    stdin: "ignore",
    stripFinalNewline: false,
    forceKillAfterDelay: 1000,
    env: { ...options.env, LC_ALL: "C", LANG: "C" },
    extendEnv: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const durationMs = performance.now() - started;
  const notFound = (r.cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT" && r.exitCode === undefined;
  const stdout = typeof r.stdout === "string" ? r.stdout : "";
  const stderr = typeof r.stderr === "string" ? r.stderr : "";
  let reason: string | undefined;
  if (notFound) reason = errorMessage("COMMAND_NOT_FOUND", { command: file });
  else if (r.timedOut) reason = errorMessage("COMMAND_TIMEOUT", { command: file, ms: timeoutMs });
  else if (r.isMaxBuffer) reason = errorMessage("COMMAND_OUTPUT_CUT", { command: file, limit: maxBuffer });
  else if (r.failed) {
    const firstErr = stderr.trim().split("\n")[0] ?? "";
    reason = r.exitCode !== undefined
      ? errorMessage("COMMAND_EXITED", { command: file, exitCode: r.exitCode, stderr: firstErr ? `: ${firstErr}` : "" })
      : errorMessage("COMMAND_SIGNALLED", { command: file, signal: r.signal ?? "unknown signal" });
  }
  return {
    argv: [...argv],
    exitCode: r.exitCode ?? null,
    stdout,
    stderr,
    failed: r.failed,
    timedOut: r.timedOut,
    notFound,
    truncated: r.isMaxBuffer,
    durationMs,
    ...(reason ? { reason } : {}),
  };
};
