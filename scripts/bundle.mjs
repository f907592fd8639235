#!/usr/bin/env node
// Bundle the compiled CLI (dist/cli/run.js) into dist/nodeward.js plus chunks that load
// only when a command needs them (dist/nw-*.js); run by `npm run build` after tsc.
// The chunks sit in dist/ itself so that import.meta.url-relative paths (src/paths.ts)
// resolve as they do from dist/*.js. The agent's server stack and the command runner stay
// external packages: they load only for `serve` or when a check runs a command.
import { readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
for (const f of readdirSync(dist)) if (f === "nodeward.js" || /^nw-.*\.js$/.test(f)) rmSync(dist + f);

await build({
  entryPoints: { nodeward: `${dist}cli/run.js` },
  outdir: dist,
  chunkNames: "nw-[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["fastify", "@fastify/*", "node-cron", "prom-client", "execa", "systeminformation"],
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "warning",
  // yaml ships CommonJS for Node: its require() of builtins needs a require in ESM.
  banner: { js: 'import { createRequire as __nodewardRequire } from "node:module"; const require = __nodewardRequire(import.meta.url);' },
});
