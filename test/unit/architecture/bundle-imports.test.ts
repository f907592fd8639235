/**
 * A dynamic `import("pkg")` of a CommonJS package that esbuild bundles (scripts/bundle.mjs)
 * gives the package's exports under `default` in the bundle, though the compiled modules see
 * them as named exports: `const { parse } = await import("yaml")` passed every test on the
 * compiled CLI and was "parse is not a function" in the shipped bundle (`scan --waivers`).
 * Such a package is imported statically; a lazily loaded one stays external to the bundle.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../../helpers/import-graph.js";

const bundleExternals = [...readFileSync(path.join(REPO, "scripts/bundle.mjs"), "utf8").matchAll(/external: \[([^\]]*)\]/g)]
  .flatMap((m) => (m[1] ?? "").split(","))
  .map((s) => s.trim().replace(/^"|"$/g, ""))
  .filter(Boolean);

function isCommonJs(pkg: string): boolean {
  const json = JSON.parse(readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8")) as { type?: string };
  return json.type !== "module";
}

describe("dynamic imports in src/", () => {
  it("load no bundled CommonJS package", () => {
    expect(bundleExternals).toContain("fastify");
    const bad: string[] = [];
    for (const d of readdirSync(path.join(REPO, "src"), { withFileTypes: true, recursive: true })) {
      if (!d.isFile() || !d.name.endsWith(".ts")) continue;
      const file = path.join(d.parentPath, d.name);
      for (const m of readFileSync(file, "utf8").matchAll(/import\(\s*"([^."][^"]*)"\s*\)/g)) {
        const spec = m[1] ?? "";
        if (spec.startsWith("node:")) continue;
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? spec);
        if (bundleExternals.some((x) => x === pkg || (x.endsWith("/*") && pkg.startsWith(x.slice(0, -1))))) continue;
        if (isCommonJs(pkg)) bad.push(`${path.relative(REPO, file)}: import("${spec}")`);
      }
    }
    expect(bad).toEqual([]);
  });
});
