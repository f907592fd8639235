#!/usr/bin/env node
/**
 * The `nodeward` executable. `npm run build` also bundles the CLI (scripts/bundle.mjs:
 * dist/nodeward.js and its lazily loaded chunks): loading ~170 modules one by one costs
 * more than a scan's own file reads. The bundle is used when it is at least as new as
 * the compiled modules (dist/cli/run.js); a plain `tsc` build runs the modules as compiled.
 */
import { statSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

// V8 tuned for a one-shot command (not `serve`: a long-lived server is the agent's to tune).
// Flags are read when V8 next decides, so setting them before any module loads is in time.
//  - young generation: a scan keeps a few MB (modules, packs) and drops much at once; V8
//    would double its young generation up to 3 × 16 MiB on the way, ~20 MiB of peak RSS
//    for no gain in time (same-run A/B of a full scan: CPU equal, 102 -> 82 MiB);
//  - tier-up 8× later: a scan runs most code a few times, and optimizing it cost more than
//    it saved (0.58 -> 0.45 s CPU, 82 -> 75 MiB); a truly hot loop (a pack regex over a big
//    file) is still optimized, a few milliseconds later.
if (process.argv[2] !== "serve") setFlagsFromString("--semi-space-growth-factor=1 --interrupt-budget=540672");

const bundle = new URL("../nodeward.js", import.meta.url);
const mtime = (u: URL): number => {
  try {
    return statSync(u).mtimeMs;
  } catch {
    return -1;
  }
};
const useBundle = process.env.NODEWARD_NO_BUNDLE === undefined && mtime(bundle) >= mtime(new URL("./run.js", import.meta.url));
const cli = (useBundle ? await import(bundle.href) : await import("./run.js")) as typeof import("./run.js");
cli.run(process.argv.slice(2));
