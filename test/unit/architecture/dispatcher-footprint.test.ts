/**
 * The command dispatcher (cli/run.ts) loads, for every command, what it imports
 * statically; `nodeward serve` runs for weeks with all of it in its heap. Through
 * cli/common.ts it used to load every probe, the pack schemas, zod and yaml (~1.3 MB of
 * bundled code; the agent's idle RSS 71.4 → 67.7 MiB without them): the agent runs no
 * probe itself, its scans run in a child process.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../helpers/import-graph.js";

const SRC = path.join(REPO, "src");

/** Value imports and re-exports evaluated when `file` loads (not `import type`, not `import()`). */
function staticImports(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(path.join(SRC, file), "utf8");
  const files: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^;]*?\sfrom\s+)?"([^"]+)";/gm)) {
    const spec = m[1] ?? "";
    if (spec.startsWith(".")) files.push(path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), spec.replace(/\.js$/, ".ts"))));
    else if (!spec.startsWith("node:")) packages.push(spec);
  }
  return { files, packages };
}

function closure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const walk = (f: string) => {
    if (files.has(f)) return;
    files.add(f);
    const s = staticImports(f);
    for (const p of s.packages) packages.add(p);
    for (const g of s.files) walk(g);
  };
  walk(entry);
  return { files, packages };
}

describe("the command dispatcher's static imports", () => {
  it("reach no probe, pack loader, engine, zod or yaml", () => {
    const { files, packages } = closure("cli/run.ts");
    expect(files.has("cli/exit.ts")).toBe(true);
    expect([...files].filter((f) => /^(probes|packs|engine|matchers)\//.test(f) || f === "cli/common.ts")).toEqual([]);
    expect([...packages]).toEqual([]);
  });
});

describe("the drift re-check process's static imports", () => {
  it("reach no scan-only module (remediation, reporters, inventory, agent config) and no zod", () => {
    const { files, packages } = closure("agent/recheck-main.ts");
    expect(files.has("engine/recheck.ts")).toBe(true);
    expect([...files].filter((f) => /^(remediation|report|cli)\//.test(f) || /^engine\/(run-scan|inventory)\.ts$/.test(f) || (f.startsWith("agent/") && !/^agent\/(recheck-main|recheck-child|scan-process)\.ts$/.test(f)))).toEqual([]);
    expect([...packages].sort()).toEqual(["re2js"]);
  });
});

// yaml (~160 KB of CommonJS) is loaded when something is parsed as YAML (src/util/yaml.ts):
// the re-check process and `nodeward scan` from the build's pack cache parse none.
describe("yaml", () => {
  it("is imported statically by src/util/yaml-impl.ts alone, which src/util/yaml.ts imports dynamically", () => {
    const importers: string[] = [];
    for (const d of readdirSync(SRC, { withFileTypes: true, recursive: true })) {
      if (!d.isFile() || !d.name.endsWith(".ts")) continue;
      const file = path.relative(SRC, path.join(d.parentPath, d.name));
      if (staticImports(file).packages.includes("yaml")) importers.push(file);
    }
    expect(importers).toEqual(["util/yaml-impl.ts"]);
    expect(readFileSync(path.join(SRC, "util/yaml.ts"), "utf8")).toContain('import("./yaml-impl.js")');
  });

  it("is not in the static closure of the scan command or the re-check process", () => {
    for (const entry of ["cli/commands/scan.ts", "agent/recheck-main.ts", "agent/scan-child.ts"]) {
      const { files, packages } = closure(entry);
      expect([entry, [...files].filter((f) => f === "util/yaml-impl.ts"), packages.has("yaml")]).toEqual([entry, [], false]);
    }
  });
});
