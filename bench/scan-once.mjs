// One cold scan in a fresh process, as `nodeward scan` would run it: load every
// bundled pack, scan the target, build the full JSON report. Prints timings and the
// process's peak RSS as JSON on stdout. Usage: node bench/scan-once.mjs [ROOT]
const t0 = performance.now();
const { HostRoot } = await import("../dist/host/host-root.js");
const { runScan } = await import("../dist/engine/run-scan.js");
const { loadPacks } = await import("../dist/packs/load.js");
const { DEFAULT_BENCHMARKS_DIR } = await import("../dist/paths.js");
const { jsonReporter } = await import("../dist/report/json.js");
const tImport = performance.now();
const root = process.argv[2] ?? "/";
const loaded = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
const tLoad = performance.now();
const report = await runScan({ host: new HostRoot({ root }), packs: loaded.packs });
const tScan = performance.now();
const json = jsonReporter.render(report);
const tRender = performance.now();
process.stdout.write(
  JSON.stringify({
    importMs: tImport - t0,
    loadMs: tLoad - tImport,
    scanMs: tScan - tLoad,
    renderMs: tRender - tScan,
    checks: report.results.length,
    summary: report.summary,
    packErrors: loaded.errors.length,
    reportBytes: json.length,
    maxRssKiB: process.resourceUsage().maxRSS,
  }) + "\n",
);
