/**
 * V8 tuned for a one-shot command (not `serve`: a long-lived server is the agent's to tune).
 * Set by the launcher (main.ts) before any other module loads, and by the build before it
 * makes the CLI bundle's code cache (scripts/code-cache.mjs): V8 refuses cached code made
 * under other flags.
 *  - young generation: a scan keeps a few MB (modules, packs) and drops much at once; V8
 *    would double its young generation up to 3 × 16 MiB on the way, ~20 MiB of peak RSS
 *    for no gain in time (same-run A/B of a full scan: CPU equal, 102 -> 82 MiB);
 *  - tier-up 32× later (V8's budget is 67584): a scan runs most code a few times, and
 *    optimizing it cost more than it saved (8×: 0.58 -> 0.45 s CPU, 82 -> 75 MiB; 32× with the
 *    code cache, same-run A/B of 15: JSON 420 -> 410 ms CPU, 76.7 -> 74.6 MiB, table 420 ->
 *    400 ms, 75.4 -> 73.5 MiB); a truly hot loop (a pack regex over a big file) is still
 *    optimized, a little later: `scan --deep` (a walk of every file system, ~14 s of CPU) took
 *    the same time (14.2 vs 14.1 s). Never optimizing at all (--no-opt) saved 6 MiB more but
 *    made `scan --deep` 60 % slower.
 */
export const ONE_SHOT_V8_FLAGS = "--semi-space-growth-factor=1 --interrupt-budget=2162688";
