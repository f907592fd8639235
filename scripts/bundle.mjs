#!/usr/bin/env node
// Bundle the compiled CLI (dist/cli/run.js) into dist/nodeward.js plus chunks that load
// only when a command needs them (dist/nw-*.js); run by `npm run build` after tsc.
// The chunks sit in dist/ itself so that import.meta.url-relative paths (src/paths.ts)
// resolve as they do from dist/*.js. The agent's server stack stays external (it loads only
// for `serve`). The command runner (execa) is bundled into a chunk of its own, loaded when a
// check runs a command: a live scan does (the firewall probe's nft / iptables-save), and
// execa as ~150 separate modules through Node's ESM loader cost ~100 ms CPU per scan.
// Usage: node scripts/bundle.mjs [DIST] (default ./dist; release.sh passes its stage).
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const dist = process.argv[2] ? path.resolve(process.argv[2]) + "/" : fileURLToPath(new URL("../dist/", import.meta.url));
for (const f of readdirSync(dist)) if (f === "nodeward.js" || f === "nodeward-scan-child.js" || f === "nodeward-recheck-child.js" || /^nw-.*\.js$/.test(f)) rmSync(dist + f);

// zod's `z` namespace re-exports every translation of its messages (`z.locales`, ~50 of
// them, a third of zod's bundled size) and a namespace cannot be tree-shaken. nodeward
// uses none (zod's English messages are configured apart from `z.locales`), so that one
// import is replaced by an empty module.
const zodWithoutLocales = {
  name: "zod-without-locales",
  setup(b) {
    b.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]classic[\\/]external\.js$/.test(args.importer) ? { path: "zod-locales", namespace: "empty" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

await build({
  // The agent's scan process is an entry of its own: it starts for every scan. So is the
  // drift re-check process: the first change after idle waits for its start.
  entryPoints: {
    nodeward: `${dist}cli/run.js`,
    "nodeward-scan-child": `${dist}agent/scan-child.js`,
    "nodeward-recheck-child": `${dist}agent/recheck-main.js`,
  },
  outdir: dist,
  chunkNames: "nw-[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["fastify", "@fastify/*", "prom-client"],
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "warning",
  // yaml ships CommonJS for Node: its require() of builtins needs a require in ESM.
  plugins: [zodWithoutLocales],
  banner: { js: 'import { createRequire as __nodewardRequire } from "node:module"; const require = __nodewardRequire(import.meta.url);' },
});
