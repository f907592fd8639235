import { build } from "esbuild";
const r = await build({ entryPoints: ["dist/cli/run.js"], bundle: true, format: "esm", platform: "node", external: ["fastify", "@fastify/*", "prom-client", "execa", "systeminformation"], metafile: true, write: false, logLevel: "error", outdir: "/tmp/x" });
const ins = r.metafile.inputs;
const start = process.argv[2] ?? "dist/cli/commands/scan.js";
const seen = new Set(); const parent = new Map(); const st = [start];
while (st.length) { const f = st.pop(); if (seen.has(f)) continue; seen.add(f); for (const i of ins[f]?.imports ?? []) if (i.kind === "import-statement" && !i.external && !seen.has(i.path)) { if (!parent.has(i.path)) parent.set(i.path, f); st.push(i.path); } }
const chain = (f) => { const c=[f]; while (parent.has(c.at(-1))) c.push(parent.get(c.at(-1))); return c.join(" <- "); };
const bytes = {}; for (const f of seen) { const g = f.replace(/^(node_modules\/[^/]+)\/.*/, "$1").replace(/^dist\/([^/]+)\/.*/, "dist/$1"); bytes[g] = (bytes[g]??0) + ins[f].bytes; }
console.log(Object.entries(bytes).sort((a,b)=>b[1]-a[1]));
for (const f of seen) if (!f.startsWith("node_modules") && (ins[f].imports.some(i => i.kind==="import-statement" && /node_modules\/(zod|yaml)\//.test(i.path)))) console.log(chain(f).slice(0, 300));
