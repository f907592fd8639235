/**
 * nodeward's command line. Commands are thin: they parse arguments, call the engine
 * (or agent, remediation) and map outcomes to documented exit codes.
 */
import { describeError } from "../errors.js";
import { nodewardVersion } from "../paths.js";
import { EXIT, UsageError, environmentError } from "./exit.js";
import { didYouMean } from "../util/suggest.js";

const help = `nodeward ${nodewardVersion()} — host-hardening checks for Kubernetes nodes

Usage: nodeward <command> [options]

Commands:
  scan        run CIS / CCE / KISA checks against this host (or --root DIR) and report
  checks      lint | list | show — validate and browse the check packs
  serve       run the agent: scheduled scans, HTTP API, Prometheus /metrics
  remediate   print the fixes for failing checks as a dry run, or --apply them (journaled, backed up)
  rollback    undo a remediation run (default: the latest), byte-identical
  runs        list remediation runs, flagging unfinished (killed) ones
  completion  print a bash, zsh or fish completion script

Run "nodeward <command> --help" for a command's options.
Exit codes: 0 ok, 1 checks failed, 2 usage or pack error, 3 internal error.
`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  scan: async () => (await import("./commands/scan.js")).scanCommand,
  checks: async () => (await import("./commands/checks.js")).checksCommand,
  serve: async () => (await import("./commands/serve.js")).serveCommand,
  remediate: async () => (await import("./commands/remediate.js")).remediateCommand,
  rollback: async () => (await import("./commands/rollback.js")).rollbackCommand,
  runs: async () => (await import("./commands/runs.js")).runsCommand,
  completion: async () => (await import("./commands/completion.js")).completionCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(help);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`${nodewardVersion()}\n`);
    return EXIT.OK;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`nodeward: unknown command "${name}"${didYouMean(name, Object.keys(commands))}\n\n${help}`);
    return EXIT.USAGE;
  }
  try {
    return await (await load())(rest);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`nodeward ${name}: ${(e as Error).message}\nRun "nodeward ${name} --help" for usage.\n`);
      return EXIT.USAGE;
    }
    const env = environmentError(e, name);
    if (env) {
      process.stderr.write(`nodeward ${name}: ${env}\n`);
      if (process.env.NODEWARD_DEBUG) process.stderr.write(`${(e as Error).stack ?? ""}\n`);
      return EXIT.USAGE;
    }
    process.stderr.write(`nodeward ${name}: internal error: ${describeError(e)}\n`);
    if (process.env.NODEWARD_DEBUG) process.stderr.write(`${(e as Error).stack ?? ""}\n`);
    return EXIT.INTERNAL;
  }
}

/** Run the CLI as a process: exit code, EPIPE handling. The launcher (main.ts) calls this. */
export function run(argv: string[]): void {
  // `nodeward scan | head`: a reader that goes away is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`nodeward: internal error: ${describeError(e)}\n`);
      process.exitCode = EXIT.INTERNAL;
    },
  );
}
