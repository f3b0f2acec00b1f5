/** The median of `values` (the mean of the two middle ones for an even count); `NaN` when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The `p`-th percentile (0..100) of already sorted values, nearest rank; `NaN` when empty. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** `ours / theirs`, or `null` when either side was not measured. */
export function ratio(ours: number | null | undefined, theirs: number | null | undefined): number | null {
  if (ours === null || ours === undefined || theirs === null || theirs === undefined) return null;
  if (!Number.isFinite(ours) || !Number.isFinite(theirs) || theirs === 0) return null;
  return ours / theirs;
}

/** Rounds for display and JSON: 3 significant digits below 100, whole numbers above. */
export function round(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}

/** A median with the spread behind it. */
export interface Spread {
  readonly median: number | null;
  readonly range: readonly [number, number] | null;
}

/**
 * `ours / theirs` of runs measured interleaved: the ratio of each round's pair, their median and min–max. Without
 * paired runs (one side measured apart), the ratio of the medians and the widest spread the ranges allow.
 */
export function pairedRatio(
  ours: {
    readonly median: number | null;
    readonly runs?: readonly number[];
    readonly range?: readonly [number, number] | null;
  },
  theirs: {
    readonly median: number | null;
    readonly runs?: readonly number[];
    readonly range?: readonly [number, number] | null;
  },
): Spread {
  const a = ours.runs ?? [];
  const b = theirs.runs ?? [];
  if (a.length > 0 && a.length === b.length) {
    const ratios = a.flatMap((value, i) => {
      const one = ratio(value, b[i]);
      return one === null ? [] : [one];
    });
    if (ratios.length > 0)
      return { median: median(ratios), range: [Math.min(...ratios), Math.max(...ratios)] };
  }
  const middle = ratio(ours.median, theirs.median);
  const low = ours.range && theirs.range ? ratio(ours.range[0], theirs.range[1]) : null;
  const high = ours.range && theirs.range ? ratio(ours.range[1], theirs.range[0]) : null;
  return { median: middle, range: low === null || high === null ? null : [low, high] };
}

/** The median and min–max of `values`; nulls when there are none. */
export function spreadOf(values: readonly number[]): Spread {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: null, range: null };
  return { median: median(finite), range: [Math.min(...finite), Math.max(...finite)] };
}
