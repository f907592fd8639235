/**
 * Documentation generated from the code, so it cannot drift: the README's probe, matcher
 * and fix tables (from the registries' `summary` fields) and docs/errors.md (from the error
 * catalogue). `npm run docs` rewrites them; test/unit/docs/ fails when they are out of step.
 *
 * A generated block sits between `<!-- generated: NAME (npm run docs) -->` and
 * `<!-- end generated: NAME -->`; everything else in the file is hand-written.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CODES, ErrorCodes, MESSAGES, type ErrorName } from "../../src/errors.js";
import { matcherSummaries } from "../../src/matchers/index.js";
import { probes } from "../../src/probes/index.js";
import { fixes } from "../../src/remediation/index.js";
import { REPO } from "./import-graph.js";

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function probeTable(): string {
  const rows = Object.values(probes).map((p) => `| \`${p.id}\` | ${cell(p.summary)} | ${p.fields.map((f) => `\`${f}\``).join(", ")} |`);
  return ["| probe | what it observes | fact fields |", "|---|---|---|", ...rows].join("\n");
}

export function matcherTable(): string {
  const rows = Object.entries(matcherSummaries).map(([name, summary]) => `| \`${name}\` | ${cell(summary)} |`);
  return ["| matcher | holds when |", "|---|---|", ...rows].join("\n");
}

export function fixTable(): string {
  const rows = Object.values(fixes).map((f) => `| \`${f.id}\` | ${cell(f.summary)}${f.liveOnly ? " (live host only)" : ""} |`);
  return ["| fix action | does |", "|---|---|", ...rows].join("\n");
}

/** docs/errors.md's catalogue: every code, what it means, and the messages it is thrown with. */
export function errorCatalogue(): string {
  const out: string[] = [];
  for (const name of Object.keys(CODES) as ErrorName[]) {
    out.push(`### \`${ErrorCodes[name]}\``, "", CODES[name]);
    const templates = Object.values(MESSAGES).filter((m) => m.code === name).map((m) => `- \`${m.template}\``);
    if (templates.length > 0) out.push("", "Messages:", "", ...templates);
    out.push("");
  }
  return out.join("\n").trimEnd();
}

const begin = (name: string) => `<!-- generated: ${name} (npm run docs) -->`;
const end = (name: string) => `<!-- end generated: ${name} -->`;

/** `text` with the block NAME replaced by `body`; throws when the markers are missing. */
export function withGenerated(text: string, name: string, body: string): string {
  const a = text.indexOf(begin(name));
  const b = text.indexOf(end(name));
  if (a === -1 || b === -1 || b < a) throw new Error(`no generated block "${name}" (markers ${begin(name)} … ${end(name)})`);
  return `${text.slice(0, a)}${begin(name)}\n${body}\n${text.slice(b)}`;
}

export interface GeneratedFile {
  file: string;
  /** The file as it should be. */
  expected: () => string;
}

export const GENERATED: GeneratedFile[] = [
  {
    file: "README.md",
    expected: () => {
      let text = readFileSync(path.join(REPO, "README.md"), "utf8");
      text = withGenerated(text, "probes", probeTable());
      text = withGenerated(text, "matchers", matcherTable());
      return withGenerated(text, "fixes", fixTable());
    },
  },
  {
    file: "docs/errors.md",
    expected: () => withGenerated(readFileSync(path.join(REPO, "docs/errors.md"), "utf8"), "errors", errorCatalogue()),
  },
];

/** Rewrite every generated file (npm run docs). */
export function writeGenerated(): string[] {
  const changed: string[] = [];
  for (const g of GENERATED) {
    const full = path.join(REPO, g.file);
    const want = g.expected();
    if (readFileSync(full, "utf8") !== want) {
      writeFileSync(full, want);
      changed.push(g.file);
    }
  }
  return changed;
}
