#!/usr/bin/env node
// The `nodeward` command (package.json "bin"). It runs the build in dist/; in a checkout
// that was never built, or whose dependencies are not installed, it says what to run
// (exit 2) instead of a stack trace.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const main = new URL("../dist/cli/main.js", import.meta.url);
const fail = (message) => {
  process.stderr.write(`nodeward: ${message}\n`);
  process.exit(2);
};
if (!existsSync(main)) {
  fail(`not built: ${fileURLToPath(main)} is missing. In ${root} run: npm ci && npm run build`);
}
try {
  await import(main.href);
} catch (e) {
  if (e?.code === "ERR_MODULE_NOT_FOUND") {
    fail(`${e.message.split("\n")[0]}\nThe dependencies are not installed (or the build is stale). In ${root} run: npm ci && npm run build`);
  }
  throw e;
}
