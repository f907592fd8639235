// Regex growth harness: every regex literal under src/ (or the dirs given) is run on
// inputs made of a prefix (a word of the regex), one pumped string (or two alternating
// runs) and a suffix, at n and 8n characters; a regex whose time grows more than 20x
// (quadratic or worse) is printed with the input that showed it. A regex that does not
// finish in LIMIT seconds (exponential) is printed as such: each regex runs in a worker
// that is terminated then. Found this way: agent/fast-path.ts FIELD, rsyslog's object
// parameters, grub/BLS kernel lines, `/\/+$/`. Slow (minutes): not run by npm test.
//   node bench/regex-growth.mjs [src/probes src/x.ts ...]     N=1500 LIMIT=60 by default
import ts from "typescript";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort } from "node:worker_threads";

const N = Number(process.env.N ?? 1500);
const LIMIT = Number(process.env.LIMIT ?? 60);
const pumps = [" ", "\t", "a", "A", "0", ".", ",", "=", ":", "-", "/", '"', "\\", "{", "}", "$", "x ", "a=", "\\\n", " =", "a,", '\\"', "$$", "-a "];
const suffixes = ["\u0001", "\u2028", "\r", "!", "{", ""];
// Two alternating runs (a run of one pump, then a run of another, twice): regexes like
// `(.*)\s+(.*)\s*$` or `[a-z]+=\S+\s*$` need them to show their growth.
const pairPumps = [" ", "a", "0", "=", ".", "/", ":", ","];
const inputs = (pre, s) => [
  ...pumps.map((p) => (n) => pre + p.repeat(Math.ceil(n / p.length)) + s),
  ...pairPumps.flatMap((p) => pairPumps.filter((q) => q !== p).map((q) => (n) => pre + (p.repeat(n >> 2) + q.repeat(n >> 2)).repeat(2) + s)),
];

/** The worst growth of one regex over the inputs, or ms 0 when none grows > 20x. */
function measure(source, flags) {
  const re = new RegExp(source, flags);
  const words = [...new Set(["", ...(source.match(/[A-Za-z_@#$][A-Za-z0-9_-]*/g) ?? []).slice(0, 12)])];
  let worst = { ms: 0 };
  let hits = 0; // three inputs showing the growth are enough to report the regex
  search: for (const w of words) for (const s of suffixes) for (const pre of [w, w + " ", w + "="]) for (const make of inputs(pre, s)) {
    const run = (n) => {
      const str = make(n);
      // A sticky regex is tried where its caller puts it: at the start (not searched along).
      const r = new RegExp(re.source, re.flags);
      const t0 = performance.now();
      if (r.global) { let k = 0; while (r.exec(str) && k++ < 1e6) if (r.lastIndex === 0) break; } else r.exec(str);
      return performance.now() - t0;
    };
    parentPort?.postMessage({ trying: make(24) });
    const a = run(N);
    if (a < 2) continue;
    const b = run(N * 8);
    if (b / a > 20 && b > worst.ms) { worst = { ms: b, ratio: b / a, input: make(24) }; if (++hits >= 3) break search; }
  }
  return worst;
}

if (!isMainThread) {
  parentPort.on("message", ({ source, flags }) => parentPort.postMessage({ worst: measure(source, flags) }));
} else {
  const REPO = fileURLToPath(new URL("..", import.meta.url));
  const walk = (d) => !statSync(d).isDirectory() ? [d] : readdirSync(d).flatMap((n) => { const p = path.join(d, n); return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") ? [p] : []; });
  const files = (process.argv.length > 2 ? process.argv.slice(2) : ["src"]).flatMap((d) => walk(path.resolve(REPO, d))).map((p) => path.relative(REPO, p));
  let worker;
  const ask = (source, flags) => new Promise((resolve) => {
    worker ??= new Worker(fileURLToPath(import.meta.url));
    let trying;
    const timer = setTimeout(() => { worker.removeAllListeners("message"); void worker.terminate(); worker = undefined; resolve({ ms: Infinity, input: trying }); }, LIMIT * 1000);
    worker.on("message", (m) => {
      if (m.trying !== undefined) { trying = m.trying; return; }
      clearTimeout(timer); worker.removeAllListeners("message"); resolve(m.worst);
    });
    worker.postMessage({ source, flags });
  });
  let count = 0;
  for (const f of files) {
    const src = readFileSync(path.join(REPO, f), "utf8");
    const sf = ts.createSourceFile(f, src, ts.ScriptTarget.Latest, true);
    const regs = [];
    const visit = (n) => { if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) regs.push(n); ts.forEachChild(n, visit); };
    visit(sf);
    for (const node of regs) {
      const lit = node.getText();
      const source = lit.slice(1, lit.lastIndexOf("/"));
      const flags = lit.slice(lit.lastIndexOf("/") + 1);
      try { new RegExp(source, flags); } catch { continue; }
      count++;
      const worst = await ask(source, flags);
      if (worst.ms > 0) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        const cost = worst.ms === Infinity ? `did not finish in ${LIMIT}s (cubic or worse)` : `${Math.round(worst.ms)}ms x${Math.round(worst.ratio)}`;
        console.log(`${f}:${line} ${cost} input(24)=${JSON.stringify(worst.input)} ${lit.slice(0, 100)}`);
      }
    }
  }
  await worker?.terminate();
  console.log(`done: ${count} regexes in ${files.length} files`);
}
