/**
 * The `drift:` section of the agent's config (config.ts): real-time re-checks of what
 * changed (drift.ts). On by default in `serve`; `serve --no-drift` or `enabled: false`
 * turns it off.
 */
import { z } from "zod";

export const DRIFT_DEFAULTS = {
  enabled: true,
  /** Trailing window after a change before its checks are re-checked. */
  debounceMs: 100,
  /** A change is re-checked at most this long after it was seen, however busy its directory. */
  maxDelayMs: 1000,
  /** Runtime facts (sysctl values, listeners, modules, processes, units' state) are read this often. */
  pollIntervalMs: 2000,
  /** The safety net: every watched name and listing is compared with what the checks saw. */
  safetyNetIntervalMs: 300_000,
  /** The re-check process exits this long after its last re-check. */
  recheckIdleMs: 60_000,
  /** Socket tables are read whole when their socket counts move, and at least this often (0: every poll). */
  listenerFullReadMs: 30_000,
} as const;

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const DriftConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(DRIFT_DEFAULTS.enabled),
    debounceMs: ms(0, 10_000).default(DRIFT_DEFAULTS.debounceMs),
    maxDelayMs: ms(0, 60_000).default(DRIFT_DEFAULTS.maxDelayMs),
    pollIntervalMs: ms(100, 3_600_000).default(DRIFT_DEFAULTS.pollIntervalMs),
    safetyNetIntervalMs: ms(1000, 86_400_000).default(DRIFT_DEFAULTS.safetyNetIntervalMs),
    recheckIdleMs: ms(0, 86_400_000).default(DRIFT_DEFAULTS.recheckIdleMs),
    listenerFullReadMs: ms(0, 3_600_000).default(DRIFT_DEFAULTS.listenerFullReadMs),
  })
  .default({ ...DRIFT_DEFAULTS });

export type DriftConfig = z.output<typeof DriftConfigSchema>;
