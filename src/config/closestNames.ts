/**
 * "Did you mean …": the names closest to a mistyped one, for errors about a profile or target that does
 * not exist. Pure. The distance is computed only within a band of `maxDistance` around the diagonal, so
 * a config with tens of thousands of profiles (or a very long typed name) costs linear time.
 */

export interface ClosestOptions {
  /** Most names returned. */
  readonly max: number;
  /** Farthest name returned, in edits (insert, delete, substitute, swap two neighbours). */
  readonly maxDistance: number;
}

export const CLOSEST_DEFAULTS: ClosestOptions = { max: 3, maxDistance: 3 };

/**
 * Up to `max` candidates within `maxDistance` edits of `name` and as close as the closest, in the
 * candidates' order. A short name allows fewer edits (one per three characters, at least one): `nope` is three
 * edits from `base`, which is no guess at all.
 */
export function closestNames(name: string, candidates: Iterable<string>, opts: ClosestOptions = CLOSEST_DEFAULTS): string[] {
  const limit = Math.min(opts.maxDistance, Math.max(1, Math.floor([...name].length / 3)));
  const scored: Array<{ candidate: string; distance: number; order: number }> = [];
  let order = 0;
  const typed = [...name.toLowerCase()];
  for (const candidate of candidates) {
    const distance = bandedDistance(typed, [...candidate.toLowerCase()], limit);
    if (distance !== undefined && candidate !== name) scored.push({ candidate, distance, order });
    order++;
  }
  scored.sort((a, b) => a.distance - b.distance || a.order - b.order);
  // Only the best guesses: `audti-02` names audit-02, not also audit-01 and audit-03 one edit farther.
  const best = scored[0]?.distance;
  return scored
    .filter((s) => s.distance === best)
    .slice(0, opts.max)
    .map((s) => s.candidate);
}

/**
 * Optimal-string-alignment distance (Levenshtein plus swapping two neighbours, so `deplyo` is one edit
 * from `deploy`), compared case-insensitively; undefined when it is more than `limit`.
 */
export function boundedDistance(a: string, b: string, limit: number): number | undefined {
  return bandedDistance([...a.toLowerCase()], [...b.toLowerCase()], limit);
}

/** The same on code points already split (a typed name is split once, not once per candidate). */
function bandedDistance(s: readonly string[], t: readonly string[], limit: number): number | undefined {
  if (Math.abs(s.length - t.length) > limit) return undefined;
  const far = limit + 1;
  // Three rows: OSA's swap looks two rows back.
  let before: number[] = [];
  let previous: number[] = Array.from({ length: t.length + 1 }, (_, j) => (j <= limit ? j : far));
  for (let i = 1; i <= s.length; i++) {
    const row: number[] = new Array<number>(t.length + 1).fill(far);
    row[0] = i <= limit ? i : far;
    let best = row[0]!;
    for (let j = Math.max(1, i - limit); j <= Math.min(t.length, i + limit); j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = Math.min(d, far);
      best = Math.min(best, row[j]!);
    }
    if (best > limit) return undefined; // every path through this row is already too long
    before = previous;
    previous = row;
  }
  const distance = previous[t.length]!;
  return distance <= limit ? distance : undefined;
}
