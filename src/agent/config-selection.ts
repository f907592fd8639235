/**
 * The agent config's `profile:`, `benchmarks:` and `vars:` checked against the packs that loaded:
 * a name that names nothing is a config error with the closest names, as the CLI's
 * `--profile`, `--benchmark` and `--var` are usage errors — not an agent that scans nothing
 * and reports all green, or a setting that silently does nothing. Runs where the packs are loaded (the catalog child, or inline); the
 * agent places the issues at their key's line in the config file (config.ts).
 */
import { profileProblem, unknownSelectionName, unknownVarName } from "../engine/selection-names.js";
import { formatPackError } from "../packs/load.js";
import type { PackSelection } from "../packs/selection.js";
import type { YamlPath } from "../util/yaml-source.js";

/** A config key whose value names nothing: where it is, and what to say. */
export interface ConfigNameIssue {
  path: YamlPath;
  message: string;
}

export async function configSelectionIssues(
  job: { profile?: string | undefined; benchmarks: readonly string[]; vars: Readonly<Record<string, unknown>> },
  selection: Pick<PackSelection, "packs" | "all" | "errors" | "profile">,
): Promise<ConfigNameIssue[]> {
  const profile = await profileProblem(job.profile, selection, formatPackError);
  if (profile !== undefined) return [{ path: ["profile"], message: `profile: ${profile}` }];
  // A pack that did not load is reported as a pack error; its id is no typo.
  if (selection.errors.length > 0) return [];
  const issues: ConfigNameIssue[] = [];
  const unknown = unknownSelectionName(selection.packs, selection.all, { benchmarks: job.benchmarks }, selection.profile);
  if (unknown) issues.push({ path: ["benchmarks", unknown.index], message: `benchmarks: ${unknown.name}: ${unknown.detail}` });
  // allowed-ports also comes from `allowedPorts:` (scanJob), which cannot be told apart here.
  const unknownVar = unknownVarName(Object.keys(job.vars).filter((n) => n !== "allowed-ports"), selection.all, selection.profile);
  if (unknownVar) issues.push({ path: ["vars", unknownVar.name], message: `vars: ${unknownVar.name}: ${unknownVar.detail}` });
  return issues;
}
