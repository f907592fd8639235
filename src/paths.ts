/** Where the installed package keeps its files (works from src/ under vitest and from dist/). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DEFAULT_BENCHMARKS_DIR = fileURLToPath(new URL("../benchmarks", import.meta.url));
/** Parse cache of the bundled packs, written by `npm run build` (dist/pack-cache.json). */
export const PACK_CACHE_FILE = fileURLToPath(new URL("./pack-cache.json", import.meta.url));
/** The agent's scan process (dist/agent/scan-child.js): resolved here, so a bundle chunk in dist/ finds it too. */
export const SCAN_CHILD_MODULE = fileURLToPath(new URL("./agent/scan-child.js", import.meta.url));

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
