/** Where the installed package keeps its files (works from src/ under vitest and from dist/). */
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DEFAULT_BENCHMARKS_DIR = fileURLToPath(new URL("../benchmarks", import.meta.url));
/** Parse cache of the bundled packs, written by `npm run build` (dist/pack-cache.json). */
export const PACK_CACHE_FILE = fileURLToPath(new URL("./pack-cache.json", import.meta.url));
/**
 * The agent's scan process: the bundled dist/nodeward-scan-child.js when it is at least as
 * new as the compiled dist/agent/scan-child.js (as dist/cli/main.js chooses the CLI bundle),
 * else the compiled module. Resolved here, so a bundle chunk in dist/ finds it too.
 */
export function scanChildModule(): string {
  return childModule("scan-child");
}

/** The drift re-check process (dist/nodeward-recheck-child.js or dist/agent/recheck-main.js), chosen as scanChildModule. */
export function recheckChildModule(): string {
  return childModule("recheck-main", "recheck-child");
}

function childModule(compiledName: string, bundledName = compiledName): string {
  const compiled = new URL(`./agent/${compiledName}.js`, import.meta.url);
  const bundled = new URL(`./nodeward-${bundledName}.js`, import.meta.url);
  const mtime = (u: URL): number => {
    try {
      return statSync(u).mtimeMs;
    } catch {
      return -1;
    }
  };
  return fileURLToPath(process.env.NODEWARD_NO_BUNDLE === undefined && mtime(bundled) >= mtime(compiled) ? bundled : compiled);
}

let cachedVersion: string | undefined;
export function nodewardVersion(): string {
  if (!cachedVersion) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
      cachedVersion = pkg.version ?? "0.0.0";
    } catch {
      cachedVersion = "0.0.0";
    }
  }
  return cachedVersion;
}
