/**
 * The repository stands alone: no doc, pack, script or source cites a file outside it
 * (the research notes and lab recipes the project was started from live beside the
 * checkout, not in it, so a reader of a clone could not follow such a citation).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
const TOP = ["src", "benchmarks", "test", "docs", "deploy", "systemd", "bench", "scripts", ".ci", "README.md", "install.sh", "package.json", "eslint.config.js"];
const TEXT = /\.(ts|mjs|js|json|ya?ml|md|sh|service|timer|path|conf|sysusers|txt)$|^[^.]+$/;
// Citations of what sits beside the checkout: ../shared, its references/seeds/lab notes, the design brief.
const OUTSIDE = /\.\.\/shared\b|\bshared\/(references|seeds)\b|\blab\.md\b|\bcheck-content\.md\b|\bDESIGN\.md\b/;

function* files(rel: string): Generator<string> {
  const abs = path.join(REPO, rel);
  let entries;
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") {
      yield rel;
      return;
    }
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw e;
  }
  for (const d of entries) {
    if (d.name === "node_modules" || d.name === "dist") continue;
    const child = path.join(rel, d.name);
    if (d.isDirectory()) yield* files(child);
    else if (d.isFile() && TEXT.test(d.name)) yield child;
  }
}

describe("the repository stands alone", () => {
  it("cites no file outside it", () => {
    const hits: string[] = [];
    for (const top of TOP) {
      for (const rel of files(top)) {
        if (rel === path.join("test", "unit", "architecture", "stands-alone.test.ts")) continue;
        readFileSync(path.join(REPO, rel), "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (OUTSIDE.test(line)) hits.push(`${rel}:${i + 1}: ${line.trim().slice(0, 120)}`);
          });
      }
    }
    expect(hits).toEqual([]);
  });
});
