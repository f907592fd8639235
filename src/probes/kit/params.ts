/** Pieces of probes' params schemas that several probes share (built from the lazily loaded zod: util/lazy-zod.ts). */
import type { Z } from "../../util/lazy-zod.js";

/** An absolute host path (no NUL). */
export const absolutePath = (z: Z) => z.string().min(1).refine((p) => p.startsWith("/") && !p.includes("\0"), "must be an absolute path");
