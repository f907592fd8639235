// Hostile roots (issue 19): each built in a temp dir, then scanned by a fresh
// `nodeward scan --root DIR --format json` under /usr/bin/time -v. Prints wall time,
// peak RSS (whole process), exit code, and the error results (which name their cap).
// Figures only, never asserted: the tests check behaviour.
//   node bench/hostile.mjs [NAME...]      (after npm run build)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bigKubeletConfig, escapingLinks, includesAndRulesets, longLines, manyAccounts, manySysctlFiles } from "./hostile-roots.mjs";

const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const ROOTS = {
  "500k accounts": { build: (r) => manyAccounts(r), args: ["--benchmark", "cis-debian-12", "--benchmark", "kisa-unix"] },
  "6 MB kubelet config": { build: (r) => bigKubeletConfig(r), args: ["--benchmark", "cis-kubernetes-node"] },
  "100k sysctl.d files": { build: (r) => manySysctlFiles(r), args: ["--benchmark", "cis-debian-12"] },
  "long lines (U-25 256 KB, U-70 576 KB)": { build: (r) => longLines(r), args: ["--benchmark", "kisa-unix"] },
  "escaping links": { build: (r, o) => escapingLinks(r, o), args: [] },
  "includes, rulesets, 100k drop-ins": { build: (r) => includesAndRulesets(r), args: ["--benchmark", "cis-debian-12"] },
};

const only = process.argv.slice(2);
const haveTime = existsSync("/usr/bin/time");
if (!haveTime) console.log("(no /usr/bin/time: peak RSS not shown; apt-get install time)");
console.log(`\n== hostile roots: one fresh scan each ==`);
console.log(`${"root".padEnd(40)} ${"wall s".padStart(7)} ${"RSS MiB".padStart(8)} exit  errors (first three)`);
for (const [name, { build, args }] of Object.entries(ROOTS)) {
  if (only.length && !only.some((o) => name.includes(o))) continue;
  const root = await mkdtemp(path.join(tmpdir(), "nodeward-hostile-"));
  const outside = await mkdtemp(path.join(tmpdir(), "nodeward-outside-"));
  try {
    await build(root, outside);
    const argv = [CLI, "scan", "--root", root, "--format", "json", ...args];
    const t = performance.now();
    const r = haveTime
      ? spawnSync("/usr/bin/time", ["-v", process.execPath, ...argv], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 })
      : spawnSync(process.execPath, argv, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const wall = (performance.now() - t) / 1000;
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? "");
    let errors = [];
    try {
      errors = JSON.parse(r.stdout).results.filter((x) => x.status === "error").map((x) => `${x.id}: ${x.message}`);
    } catch {
      errors = [`(no JSON report) ${(r.stderr ?? "").split("\n").filter((l) => l && !/^\t/.test(l)).slice(-2).join(" | ")}`];
    }
    console.log(
      `${name.padEnd(40)} ${wall.toFixed(2).padStart(7)} ${(rss ? (Number(rss[1]) / 1024).toFixed(0) : "?").padStart(8)} ${String(r.status).padStart(4)}  ` +
        (errors.length ? errors.slice(0, 3).map((e) => e.slice(0, 140)).join(" || ") : "none"),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  }
}
