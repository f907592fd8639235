#!/usr/bin/env node
/**
 * The `nodeward` executable. `npm run build` also bundles the CLI (scripts/bundle.mjs:
 * dist/nodeward.js, which runs the CommonJS bundle dist/nodeward.cjs with its V8 code
 * cache, src/util/code-cache.ts): loading ~170 modules one by one, and compiling them,
 * costs more than a scan's own file reads. The bundle is used when it is at least as new as
 * the compiled modules (dist/cli/run.js); a plain `tsc` build runs the modules as compiled.
 */
import { statSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { ONE_SHOT_V8_FLAGS } from "./one-shot-flags.js";

// Flags are read when V8 next decides, so setting them before the CLI loads is in time.
if (process.argv[2] !== "serve") setFlagsFromString(ONE_SHOT_V8_FLAGS);

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
