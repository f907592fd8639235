// Regex growth harness: every regex literal under src/ (or the dirs given) is run on
// inputs made of a prefix (a word of the regex), one pumped string and a suffix, at n and
// 8n characters; a regex whose time grows more than 20x (quadratic or worse) is printed
// with the input that showed it. Found this way: agent/fast-path.ts FIELD, rsyslog's
// object parameters, grub/BLS kernel lines, `/\/+$/`. Slow (minutes): not run by npm test.
//   node bench/regex-growth.mjs [src/probes ...]     N=1500 by default
import ts from "typescript";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
const REPO = fileURLToPath(new URL("..", import.meta.url));
const walk = (d) => readdirSync(d).flatMap((n) => { const p = path.join(d, n); return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") ? [p] : []; });
const files = (process.argv.length > 2 ? process.argv.slice(2) : ["src"]).flatMap((d) => walk(path.resolve(REPO, d))).map((p) => path.relative(REPO, p));
const N = Number(process.env.N ?? 1500);
const pumps = [" ", "\t", "a", "A", "0", ".", ",", "=", ":", "-", "/", '"', "\\", "{", "}", "$", "x ", "a=", "\\\n", " =", "a,", '\\"', "$$", "-a "];
const suffixes = ["\u0001", "\u2028", "\r", "!", "{", ""];
for (const f of files) {
  const src = readFileSync(path.join(REPO, f), "utf8");
  const sf = ts.createSourceFile(f, src, ts.ScriptTarget.Latest, true);
  const regs = [];
  const visit = (n) => { if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) regs.push(n); ts.forEachChild(n, visit); };
  visit(sf);
  for (const node of regs) {
    let re;
    const lit = node.getText();
    try { re = new RegExp(lit.slice(1, lit.lastIndexOf("/")), lit.slice(lit.lastIndexOf("/") + 1)); } catch { continue; }
    const words = [...new Set(["", ...(re.source.match(/[A-Za-z_@#$][A-Za-z0-9_-]*/g) ?? []).slice(0, 12)])];
    let worst = { ms: 0 };
    for (const w of words) for (const p of pumps) for (const s of suffixes) {
      for (const pre of [w, w + " ", w + "="]) {
        const run = (n) => {
          const str = pre + p.repeat(Math.ceil(n / p.length)) + s;
          const r = new RegExp(re.source, re.flags.replace("y", ""));
          const t0 = performance.now();
          if (r.global) { let k = 0; while (r.exec(str) && k++ < 1e6) if (r.lastIndex === 0) break; } else r.exec(str);
          return performance.now() - t0;
        };
        const a = run(N);
        if (a < 2) continue;
        const b = run(N * 8);
        if (b / a > 20 && b > worst.ms) worst = { ms: b, ratio: b / a, pre, p, s };
      }
    }
    if (worst.ms > 0) {
      const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      console.log(`${f}:${line} ${Math.round(worst.ms)}ms x${Math.round(worst.ratio)} pre=${JSON.stringify(worst.pre)} pump=${JSON.stringify(worst.p)} suf=${JSON.stringify(worst.s)} ${node.getText().slice(0, 100)}`);
    }
  }
}
console.log("done");
