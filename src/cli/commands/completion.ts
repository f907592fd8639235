import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { SEVERITIES, STATUSES } from "../../model/vocabulary.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../paths.js";
import { reporters } from "../../report/index.js";
import { EXIT, UsageError } from "../common.js";
import { didYouMean } from "../../util/suggest.js";

export const completionHelp = `Usage: nodeward completion bash|zsh|fish

Print a shell completion script for commands, flags and their values (formats,
statuses, severities, the bundled packs and profiles). Install it with:

  bash:  nodeward completion bash > /etc/bash_completion.d/nodeward
  zsh:   nodeward completion zsh > "\${fpath[1]}/_nodeward"
  fish:  nodeward completion fish > ~/.config/fish/completions/nodeward.fish
`;

const SHELLS = ["bash", "zsh", "fish"] as const;

/** Every command's flags, and the values a flag takes when they are a fixed list. */
async function spec(): Promise<{ commands: Record<string, string[]>; values: Record<string, string[]> }> {
  const entries = await readdir(DEFAULT_BENCHMARKS_DIR, { withFileTypes: true }).catch(() => []);
  const packs = entries.filter((e) => e.isDirectory() && e.name !== "profiles").map((e) => e.name).sort();
  const profiles = (await readdir(path.join(DEFAULT_BENCHMARKS_DIR, "profiles")).catch(() => [] as string[]))
    .filter((n) => n.endsWith(".yaml"))
    .map((n) => n.slice(0, -5))
    .sort();
  const selection = ["--benchmark", "--check", "--severity", "--level", "--packs", "--profile", "--var", "--root", "--proc"];
  return {
    commands: {
      scan: [...selection, "--deep", "--format", "--output", "--status", "--waivers", "--fail-on", "--verbose", "--color", "--quiet", "--help"],
      checks: ["lint", "list", "show", "--benchmark", "--format", "--packs", "--profile", "--var", "--help"],
      serve: ["--config", "--listen", "--root", "--proc", "--state-dir", "--once", "--no-drift", "--help"],
      remediate: [...selection, "--apply", "--no-profile", "--yes", "--state-dir", "--quiet", "--help"],
      rollback: ["--state-dir", "--reinstall", "--force", "--help"],
      runs: ["--state-dir", "--format", "--help"],
      completion: [...SHELLS],
    },
    values: {
      "--format": Object.keys(reporters),
      "--status": [...STATUSES],
      "--severity": [...SEVERITIES],
      "--fail-on": [...SEVERITIES],
      "--color": ["auto", "always", "never"],
      "--benchmark": packs,
      "--profile": profiles,
    },
  };
}

function bash(s: Awaited<ReturnType<typeof spec>>): string {
  const cases = Object.entries(s.commands).map(([c, flags]) => `    ${c}) words="${flags.join(" ")}" ;;`).join("\n");
  const values = Object.entries(s.values).map(([f, v]) => `    ${f}) COMPREPLY=($(compgen -W "${v.join(" ")}" -- "$cur")); return ;;`).join("\n");
  return `# bash completion for nodeward (nodeward completion bash)
_nodeward() {
  local cur prev cmd words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${Object.keys(s.commands).join(" ")} help --version" -- "$cur"))
    return
  fi
  case "$prev" in
${values}
    --packs|--root|--proc|--output|-o|--waivers|--config|--state-dir) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "$cmd" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _nodeward nodeward
`;
}

function zsh(s: Awaited<ReturnType<typeof spec>>): string {
  const cases = Object.entries(s.commands)
    .map(([c, flags]) => `    ${c}) compadd -- ${flags.join(" ")} ;;`)
    .join("\n");
  const values = Object.entries(s.values).map(([f, v]) => `    ${f}) compadd -- ${v.join(" ")}; return ;;`).join("\n");
  return `#compdef nodeward
# zsh completion for nodeward (nodeward completion zsh)
_nodeward() {
  if (( CURRENT == 2 )); then
    compadd -- ${Object.keys(s.commands).join(" ")} help --version
    return
  fi
  case "\${words[CURRENT-1]}" in
${values}
    --packs|--root|--proc|--output|-o|--waivers|--config|--state-dir) _files; return ;;
  esac
  case "\${words[2]}" in
${cases}
  esac
}
compdef _nodeward nodeward
`;
}

function fish(s: Awaited<ReturnType<typeof spec>>): string {
  const lines = [
    "# fish completion for nodeward (nodeward completion fish)",
    "complete -c nodeward -f",
    `complete -c nodeward -n __fish_use_subcommand -a "${Object.keys(s.commands).join(" ")} help"`,
  ];
  for (const [c, flags] of Object.entries(s.commands)) {
    for (const f of flags) {
      if (!f.startsWith("--")) {
        lines.push(`complete -c nodeward -n "__fish_seen_subcommand_from ${c}" -a ${f}`);
        continue;
      }
      const v = s.values[f];
      const files = ["--packs", "--root", "--proc", "--output", "--waivers", "--config", "--state-dir"].includes(f);
      lines.push(`complete -c nodeward -n "__fish_seen_subcommand_from ${c}" -l ${f.slice(2)}${v ? ` -x -a "${v.join(" ")}"` : files ? " -r -F" : ""}`);
    }
  }
  return lines.join("\n") + "\n";
}

export async function completionCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  if (values.help) {
    process.stdout.write(completionHelp);
    return EXIT.OK;
  }
  const shell = positionals[0];
  if (positionals.length !== 1 || !(SHELLS as readonly string[]).includes(shell ?? "")) {
    throw new UsageError("SHELL_UNKNOWN", { shells: SHELLS.join(", "), got: shell ? ` (got "${shell}")${didYouMean(shell, SHELLS)}` : "" });
  }
  const s = await spec();
  process.stdout.write(shell === "bash" ? bash(s) : shell === "zsh" ? zsh(s) : fish(s));
  return EXIT.OK;
}
