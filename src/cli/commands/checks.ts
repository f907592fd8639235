import { readdir } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { formatPackError, type LoadedCheck, type LoadedPack, type PackError } from "../../packs/load.js";
import { applyProfile, loadProfile } from "../../packs/profile.js";
import { DEFAULT_BENCHMARKS_DIR } from "../../paths.js";
import { selectChecks } from "../../engine/select.js";
import { EXIT, UsageError, loadPackPaths, selectOrFail, splitList, selectionFlags } from "../common.js";
import { didYouMean } from "../../util/suggest.js";
import { pushAll } from "../../util/array.js";

export const checksHelp = `Usage: nodeward checks <lint|list|show> [options]

  checks lint [PATH…]        validate packs (default: the bundled benchmarks/) and the profiles
                             in PATH/profiles/ against them; print every error as
                             file:line:column: [check id] message; exit 2 if any
  checks list [options]      list checks: id, pack, severity, level, references, title
      --benchmark ID         only this pack (repeatable)
      --format table|json    (default table)
  checks show ID…            everything about a check ("4.2.1" or "pack/4.2.1")
      --format text|json     (default text)
  --packs PATH               load packs from PATH instead of benchmarks/ (list, show)
  --profile ID|FILE          as scan: only the profile's packs, with its tailoring shown
                             (the replaced expectation, or "excluded", and the reason)
  --var NAME=VALUE           override a pack var, as scan (list, show)
`;

export async function checksCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
    process.stdout.write(checksHelp);
    return sub === undefined ? EXIT.USAGE : EXIT.OK;
  }
  switch (sub) {
    case "lint":
      return lint(rest);
    case "list":
      return list(rest);
    case "show":
      return show(rest);
    default:
      throw new UsageError("SUBCOMMAND_UNKNOWN", { command: "checks", sub, known: "lint, list or show", hint: didYouMean(sub, ["lint", "list", "show"]) });
  }
}

async function lint(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: "boolean", short: "h" } } });
  if (values.help) {
    process.stdout.write(checksHelp);
    return EXIT.OK;
  }
  const loaded = await loadPackPaths(positionals, { validateFixes: true, noCache: true });
  const profiles = await lintProfiles(positionals.length > 0 ? positionals : [DEFAULT_BENCHMARKS_DIR], loaded.packs);
  const errors = [...loaded.errors, ...profiles.errors];
  for (const e of errors) process.stdout.write(`${formatPackError(e)}\n`);
  const checks = loaded.packs.reduce((n, p) => n + p.checks.length, 0);
  if (errors.length > 0) {
    const files = new Set(errors.map((e) => e.file)).size;
    process.stderr.write(`nodeward: ${errors.length} error(s) in ${files} file(s); ${checks} valid check(s) in ${loaded.packs.length} pack(s)\n`);
    return EXIT.USAGE;
  }
  process.stderr.write(`nodeward: ok: ${loaded.packs.length} pack(s), ${checks} check(s), ${profiles.count} profile(s)\n`);
  return EXIT.OK;
}

/**
 * Every profile in <packs dir>/profiles/ applied to the loaded packs, as scan and remediate
 * would: unknown packs or check keys, expectations that do not compile, unknown fix actions.
 */
async function lintProfiles(dirs: readonly string[], packs: readonly LoadedPack[]): Promise<{ errors: PackError[]; count: number }> {
  const { validateFix } = await import("../../remediation/index.js");
  const errors: PackError[] = [];
  let count = 0;
  for (const dir of dirs) {
    const profilesDir = path.join(dir, "profiles");
    let names: string[];
    try {
      names = (await readdir(profilesDir)).filter((n) => n.endsWith(".yaml") || n.endsWith(".yml")).sort();
    } catch {
      continue; // no profiles beside these packs
    }
    for (const name of names) {
      const loaded = await loadProfile(path.join(profilesDir, name));
      pushAll(errors, loaded.errors);
      if (!loaded.profile) continue;
      count++;
      pushAll(errors, (await applyProfile(packs, loaded.profile, loaded.profile.vars, validateFix)).errors);
    }
  }
  return { errors, count };
}

function refsText(c: LoadedCheck): string {
  const parts: string[] = [];
  if (c.references.cis) parts.push(`CIS ${c.references.cis}`);
  for (const cce of c.references.cce ?? []) parts.push(cce);
  for (const k of c.references.kisa ?? []) parts.push(`KISA(${k.edition}) ${k.id}`);
  return parts.join(", ");
}

function checkJson(c: LoadedCheck) {
  return {
    id: c.id,
    key: c.key,
    pack: c.pack.id,
    benchmark: c.pack.benchmark,
    title: c.title,
    severity: c.severity,
    level: c.level,
    manual: c.manual,
    automated: !c.manual && c.audit !== undefined,
    references: c.references,
    ...(c.tailoring ? { tailoring: c.tailoring } : {}),
    probe: c.audit?.probeId,
    params: c.audit?.params,
    expected: c.audit?.expect.expected,
    applies: c.applies.map((a) => ({ probe: a.probeId, reason: a.reason })),
    description: c.description,
    rationale: c.rationale,
    remediation: c.remediation,
    fix: c.fix,
    tags: c.tags,
    source: c.source,
  };
}

/** The options `list` and `show` share: which packs, under which profile and vars. */
const PACK_OPTIONS = {
  packs: { type: "string", multiple: true },
  profile: { type: "string" },
  var: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;


async function list(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...PACK_OPTIONS, benchmark: { type: "string", multiple: true }, format: { type: "string", default: "table" } },
  });
  if (values.help) {
    process.stdout.write(checksHelp);
    return EXIT.OK;
  }
  if (values.format !== "table" && values.format !== "json") throw new UsageError("FLAG_FORMAT", { flag: "--format", allowed: "table or json" });
  const loaded = await loadPackPaths(values.packs ?? [], selectionFlags(values));
  for (const e of loaded.formatted) process.stderr.write(`nodeward: pack error: ${e}\n`);
  const filter = { benchmarks: splitList(values.benchmark) };
  const checks = loaded.errors.length === 0 ? selectOrFail(loaded.packs, loaded.all, filter, loaded.profile) : selectChecks(loaded.packs, filter);
  if (values.format === "json") {
    process.stdout.write(JSON.stringify(checks.map(checkJson), null, 2) + "\n");
  } else {
    const w = checks.reduce((m, c) => Math.max(m, c.id.length), 4);
    for (const c of checks) {
      const kind = c.tailoring?.exclude ? "excl" : c.manual ? "manual" : "auto";
      const tailored = c.tailoring ? `  {${c.tailoring.exclude ? "excluded" : "tailored"} by ${c.tailoring.profile}}` : "";
      process.stdout.write(`${c.pack.id.padEnd(22)} ${c.id.padEnd(w)} ${c.severity.padEnd(8)} L${c.level ?? "-"} ${kind.padEnd(6)} ${c.title}${refsText(c) ? `  [${refsText(c)}]` : ""}${tailored}\n`);
    }
    process.stderr.write(`${checks.length} check(s)\n`);
  }
  return loaded.errors.length > 0 ? EXIT.USAGE : EXIT.OK;
}

async function show(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...PACK_OPTIONS, format: { type: "string", default: "text" } },
  });
  if (values.help) {
    process.stdout.write(checksHelp);
    return EXIT.OK;
  }
  if (values.format !== "text" && values.format !== "json") throw new UsageError("FLAG_FORMAT", { flag: "--format", allowed: "text or json" });
  if (positionals.length === 0) throw new UsageError("CHECK_ID_NEEDED");
  const loaded = await loadPackPaths(values.packs ?? [], selectionFlags(values));
  // A check missing because its pack did not load must not look like a wrong id.
  for (const e of loaded.formatted) process.stderr.write(`nodeward: pack error: ${e}\n`);
  const checks = selectChecks(loaded.packs, { checks: positionals });
  const found = new Set(checks.flatMap((c) => [c.id, c.key]));
  const missing = positionals.filter((id) => !found.has(id));
  if (missing.length > 0) {
    const known = loaded.packs.flatMap((p) => p.checks.flatMap((c) => [c.id, c.key]));
    for (const id of missing) process.stderr.write(`nodeward: no check with id ${id}${didYouMean(id, known)}\n`);
    return EXIT.USAGE;
  }
  if (values.format === "json") {
    process.stdout.write(JSON.stringify(checks.map(checkJson), null, 2) + "\n");
    return EXIT.OK;
  }
  for (const c of checks) {
    const j = checkJson(c);
    const lines = [
      `${c.key}: ${c.title}`,
      `  benchmark:   ${c.pack.benchmark}`,
      `  severity:    ${c.severity}${c.level ? `, level ${c.level}` : ""}${c.manual ? ", manual" : ", automated"}`,
      ...(refsText(c) ? [`  references:  ${refsText(c)}`] : []),
      ...(j.probe ? [`  audit:       probe ${j.probe} ${JSON.stringify(j.params)}`, `  expects:     ${j.expected}`] : []),
      ...(c.tailoring ? [`  tailored:    ${c.tailoring.exclude ? "excluded" : "expectation replaced"} by profile ${c.tailoring.profile}: ${c.tailoring.reason}`] : []),
      ...c.applies.map((a) => `  applies if:  ${a.reason} is not the case`),
      ...(c.description ? [`  description: ${c.description.trim()}`] : []),
      ...(c.rationale ? [`  rationale:   ${c.rationale.trim()}`] : []),
      ...(c.remediation ? [`  remediation: ${c.remediation.trim().replace(/\n/g, "\n               ")}`] : []),
      ...(c.fix ? [`  fix:         ${c.fix.action} ${JSON.stringify(c.fix.params ?? {})}`] : []),
      `  defined at:  ${c.source.file}:${c.source.line}`,
      "",
    ];
    process.stdout.write(lines.join("\n") + "\n");
  }
  return EXIT.OK;
}
