/**
 * command: the escape hatch for facts no file tells. argv only (never a shell string),
 * with a timeout and an output cap; by default only on the live host, because a
 * command run here says nothing about a root mounted at /host.
 *
 * A non-zero exit is a fact (`exitCode`); a command that cannot be run, times out, or
 * whose output was cut is an error — its output would not be the whole answer.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { NodewardError } from "../errors.js";
import { defineProbe } from "./types.js";

export interface CommandFact {
  exitCode: number;
  /** stdout without its final newline. */
  stdout: string;
  /** stderr without its final newline. */
  stderr: string;
  /** stdout split into lines ([] when stdout is empty). */
  lines: string[];
}

export const MAX_COMMAND_TIMEOUT_MS = 120_000;
export const MAX_COMMAND_OUTPUT_BYTES = 16 * 1024 * 1024;

const params = lazySchema((z) => z.strictObject({
  argv: z
    .array(z.string().min(1).refine((s) => !s.includes("\0"), "argv entries must not contain NUL"))
    .min(1)
    .refine((a) => {
      const exe = a[0] ?? "";
      // An absolute path, or a bare name looked up in PATH; never a relative path.
      return exe.startsWith("/") || !exe.includes("/");
    }, "argv[0] must be an absolute path or a bare command name")
    .describe("The command and its arguments; no shell is involved."),
  timeoutMs: z.number().int().positive().max(MAX_COMMAND_TIMEOUT_MS).default(10_000),
  maxOutputBytes: z.number().int().positive().max(MAX_COMMAND_OUTPUT_BYTES).default(65_536),
  liveOnly: z.boolean().default(true).describe("Refuse to run when scanning a root other than `/`."),
}));

function stripFinalNewline(s: string): string {
  if (s.endsWith("\r\n")) return s.slice(0, -2);
  if (s.endsWith("\n")) return s.slice(0, -1);
  return s;
}

export default defineProbe({
  id: "command",
  summary: "Run a command (argv, timeout, output cap) and report its exit code and output",
  params,
  fields: ["exitCode", "stdout", "stderr", "lines"],
  /** A command's output raises no event: its checks are re-run by the safety net only. */
  watch(p) {
    return { unwatched: [`the output of ${p.argv.join(" ")}: a command tells nothing until it is run again`] };
  },
  async collect(ctx, p) {
    const command = p.argv.join(" ");
    if (p.liveOnly && !ctx.host.isLive) {
      const reason = `commands run only on the live host; scanning ${ctx.host.root}`;
      return {
        value: { exitCode: -1, stdout: "", stderr: "", lines: [] } satisfies CommandFact,
        evidence: [{ command, detail: "not run" }],
        unknown: { exitCode: reason, stdout: reason, stderr: reason, lines: reason },
      };
    }

    const r = await ctx.run(p.argv, { timeoutMs: p.timeoutMs, maxOutputBytes: p.maxOutputBytes });
    if (r.notFound) {
      throw new NodewardError("COMMAND_NOT_FOUND", { command: String(p.argv[0]) });
    }
    if (r.timedOut) {
      throw new NodewardError("COMMAND_TIMEOUT", { command: String(p.argv[0]), ms: p.timeoutMs });
    }
    if (r.truncated) {
      throw new NodewardError("COMMAND_OUTPUT_CUT", { command: String(p.argv[0]), limit: p.maxOutputBytes });
    }
    if (r.exitCode === null) {
      // Could not be started (EACCES) or was killed by a signal: no exit code to report.
      throw r.reason !== undefined ? new NodewardError("COMMAND_ENDED", { reason: r.reason }) : new NodewardError("COMMAND_ABNORMAL", { command: String(p.argv[0]) });
    }

    const stdout = stripFinalNewline(r.stdout);
    const value: CommandFact = {
      exitCode: r.exitCode,
      stdout,
      stderr: stripFinalNewline(r.stderr),
      lines: stdout === "" ? [] : stdout.split(/\r?\n/),
    };
    return { value, evidence: [{ command }] };
  },
});
