/**
 * V8 tuned for a one-shot command (not `serve`: a long-lived server is the agent's to tune).
 * Set by the launcher (main.ts) before any other module loads, and by the build before it
 * makes the CLI bundle's code cache (scripts/code-cache.mjs): V8 refuses cached code made
 * under other flags.
 *  - young generation: a scan keeps a few MB (modules, packs) and drops much at once; V8
 *    would double its young generation up to 3 × 16 MiB on the way, ~20 MiB of peak RSS
 *    for no gain in time (same-run A/B of a full scan: CPU equal, 102 -> 82 MiB);
 *  - tier-up 8× later: a scan runs most code a few times, and optimizing it cost more than
 *    it saved (0.58 -> 0.45 s CPU, 82 -> 75 MiB); a truly hot loop (a pack regex over a big
 *    file) is still optimized, a few milliseconds later.
 */
export const ONE_SHOT_V8_FLAGS = "--semi-space-growth-factor=1 --interrupt-budget=540672";
