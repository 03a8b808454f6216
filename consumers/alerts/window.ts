// The lowest or highest value over a sliding event-time window, kept as a monotonic deque: only
// points that can still become the extreme are kept, so the state stays small (usually a handful
// of points) however long the window. Pure, and plain JSON so it persists with the rule's state.

/** [event time ms, value], oldest first. */
export type WindowPoints = Array<[number, number]>;

export type Extreme = 'min' | 'max';

/** Drops the points that are older than `from` (the window is [from, …)). */
export function prune(points: WindowPoints, from: number): WindowPoints {
  let i = 0;
  while (i < points.length && points[i]![0] < from) i++;
  return i === 0 ? points : points.slice(i);
}

/** The extreme of the kept points (the first one), or null when there are none. */
export const extremeOf = (points: WindowPoints): number | null => (points.length ? points[0]![1] : null);

/**
 * Adds a point at time `t` (not older than the last one). A kept point that the new one beats for
 * good (it is older and not more extreme) can never be the extreme again, so it goes.
 */
export function push(points: WindowPoints, t: number, v: number, kind: Extreme): WindowPoints {
  const out = points.slice();
  while (out.length) {
    const last = out[out.length - 1]![1];
    if (kind === 'min' ? last >= v : last <= v) out.pop();
    else break;
  }
  out.push([t, v]);
  return out;
}
