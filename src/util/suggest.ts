/** "Did you mean": the closest known names to a mistyped one (edit distance). */

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** Up to `max` known names close to `name` (case-insensitive), best first; none when nothing is close. */
export function closest(name: string, known: Iterable<string>, max = 3): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(2, Math.floor(lower.length / 3));
  const scored: [string, number][] = [];
  for (const k of new Set(known)) {
    const kl = k.toLowerCase();
    let dist = editDistance(lower, kl);
    // "4.2" for "4.2.1", "debian" for "cis-debian-12": a part of the name is a fair guess too.
    if (dist > limit && lower.length >= 3 && (kl.startsWith(lower) || kl.includes(`-${lower}`) || kl.endsWith(`/${lower}`))) dist = limit;
    if (dist <= limit) scored.push([k, dist]);
  }
  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
  return scored.slice(0, max).map(([k]) => k);
}

/** `; did you mean "a" or "b"?` or "" — to end an error message. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const c = closest(name, known);
  if (c.length === 0) return "";
  const quoted = c.map((s) => `"${s}"`);
  return `; did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`}?`;
}
