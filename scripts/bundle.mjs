#!/usr/bin/env node
// Bundle the compiled CLI (dist/cli/run.js) and the agent's two child processes
// (dist/agent/scan-child.js, dist/agent/recheck-main.js) into one CommonJS script each
// (dist/nodeward.cjs, nodeward-scan-child.cjs, nodeward-recheck-child.cjs), and make each
// one's V8 code cache (scripts/code-cache.mjs: <bundle>.cache, made after a representative
// run). dist/nodeward.js, nodeward-scan-child.js and nodeward-recheck-child.js are small
// ESM entries that run their bundle through src/util/code-cache.ts. Loading ~170 modules
// one by one through Node's ESM loader, and compiling ~1 MB of JavaScript at every start,
// cost more than a scan's own file reads; with the code cache a cold scan compiles almost
// nothing. Modules a command may not need (execa, yaml, the reporters) are bundled but only
// evaluated on first import. The bundles sit in dist/ itself so that import.meta.url-relative
// paths (src/paths.ts) resolve as they do from dist/*.js. The agent's server stack stays
// external (it loads only for `serve`).
// Usage: node scripts/bundle.mjs [DIST] (default ./dist; release.sh passes its stage).
import { spawnSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const dist = process.argv[2] ? path.resolve(process.argv[2]) + "/" : fileURLToPath(new URL("../dist/", import.meta.url));
const ENTRIES = { nodeward: "cli/run.js", "nodeward-scan-child": "agent/scan-child.js", "nodeward-recheck-child": "agent/recheck-main.js" };
const ours = (f) => /^nodeward(-scan-child|-recheck-child)?\.(js|cjs|cjs\.([0-9a-f]{8}\.)?cache)$/.test(f) || /^nw-.*\.js$/.test(f);
for (const f of readdirSync(dist)) if (ours(f)) rmSync(dist + f);

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
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, dist + src])),
  outdir: dist,
  outExtension: { ".js": ".cjs" },
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // import() of what stays outside the bundle (builtins, fastify) as a require() in a
  // promise: a vm.Script's own import() needs Node's experimental main-context loader, which
  // warns on stderr when used.
  supported: { "dynamic-import": false },
  external: ["fastify", "@fastify/*", "prom-client"],
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "warning",
  plugins: [zodWithoutLocales],
  // src/paths.ts finds the package's files from import.meta.url: the bundle's own URL.
  define: { "import.meta.url": "__nodewardUrl" },
  banner: { js: 'var __nodewardUrl = require("node:url").pathToFileURL(__filename).href;' },
});

// The ESM entries: dist/cli/main.js imports nodeward.js (for run()); the agent forks the
// children's (src/paths.ts).
for (const name of Object.keys(ENTRIES)) {
  const load = `loadBundle(fileURLToPath(new URL("./${name}.cjs", import.meta.url)))`;
  writeFileSync(
    `${dist}${name}.js`,
    `// Written by scripts/bundle.mjs: runs ${name}.cjs with its V8 code cache (src/util/code-cache.ts).
import { fileURLToPath } from "node:url";
import { loadBundle } from "./util/code-cache.js";
${name === "nodeward" ? `const cli = ${load};\nexport const main = cli.main;\nexport const run = cli.run;` : `${load};`}
`,
  );
}

// The code caches, each made in a process of its own (scripts/code-cache.mjs), without Node
// flags and under those the systemd units run it with (V8 refuses a cache made under other
// flags; src/util/code-cache.ts picks the cache by the process's flags):
// systemd/nodeward.service runs the agent, and so the two children it forks, with
// NODE_OPTIONS=--jitless and NODEWARD_NODE_FLAGS="--no-expose-wasm --max-semi-space-size=1";
// nodeward-scan.service runs the CLI with --jitless and --no-expose-wasm. A cache that
// cannot be made is left out (the bundle then compiles from its source, slower).
const UNIT_FLAGS = {
  nodeward: { argv: ["--no-expose-wasm"], options: "--jitless" },
  "nodeward-scan-child": { argv: ["--no-expose-wasm", "--max-semi-space-size=1"], options: "--jitless" },
  "nodeward-recheck-child": { argv: ["--no-expose-wasm", "--max-semi-space-size=1"], options: "--jitless" },
};
const writer = fileURLToPath(new URL("./code-cache.mjs", import.meta.url));
for (const name of Object.keys(ENTRIES)) {
  for (const { argv, options } of [{ argv: [], options: "" }, UNIT_FLAGS[name]]) {
    const r = spawnSync(process.execPath, [...argv, writer, dist, name], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", env: { ...process.env, NODE_OPTIONS: options } });
    if (r.status !== 0 || r.stderr !== "") process.stderr.write(`bundle: code cache of ${name}.cjs (node ${[...argv, options].join(" ")}): exit ${r.status}\n${r.stderr}`);
  }
}
