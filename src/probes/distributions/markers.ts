/** Recognising a distribution by files it writes: the ones present, as evidence. */
import { presence } from "../k8s/node.js";
import type { Evidence, ProbeContext } from "../types.js";

export interface Marker {
  path: string;
  detail: string;
  /** The variant this marker shows (EKS: al2023 / al2). */
  variant?: string;
}

/** The markers that exist. Unreadable ones are no evidence either way: their reasons go to `hidden` (the resolver reports them). */
export async function presentMarkers(ctx: ProbeContext, markers: readonly Marker[], hidden: string[]): Promise<{ evidence: Evidence[]; variant?: string }> {
  const evidence: Evidence[] = [];
  let variant: string | undefined;
  for (const m of markers) {
    const r = await presence(ctx, m.path);
    if ("unobserved" in r) hidden.push(r.unobserved);
    else if (r.exists) {
      evidence.push({ file: m.path, detail: m.detail });
      variant ??= m.variant;
    }
  }
  return { evidence, ...(variant ? { variant } : {}) };
}
