// The one median of the project's maths, shared by the zone metrics and the outlier reference.

/**
 * Median of `values` (any order; the input is not mutated), or null when empty.
 * An even count gives the mean of the two middle values, so the result may end in .5; callers that
 * store cents round it (see `roundCents`).
 */
export function median(values: readonly number[]): number | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Whole cents for the UInt32 columns: half a cent rounds up (prices are positive). */
export const roundCents = (cents: number): number => Math.round(cents);
