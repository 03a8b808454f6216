// JavaScript that runs long without awaiting anything real holds the event loop, and in one process
// with the API (`tws up` on embedded chDB) every request waits behind it: decoding the headers of a
// 500-record range, or encoding and partitioning thousands of side-output records, ran 100–180 ms at
// a stretch (bench phase 3, CPU profile). Loops over many items call `tick()` per item; it gives the
// loop a turn (setImmediate: pending I/O runs first) once the slice's budget is spent. The work and
// its order are unchanged; only its stretches get shorter.
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Default slice: short enough for a request to see at most this much added wait per slice. */
export const SLICE_MS = 5;

export class TimeSlicer {
  private started: number;
  /** How often tick() gave the loop a turn. */
  yields = 0;

  constructor(
    private readonly budgetMs = SLICE_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** Resolves at once while the slice lasts; past its budget, after the event loop had a turn. */
  async tick(): Promise<void> {
    if (this.now() - this.started < this.budgetMs) return;
    await nextTurn();
    this.yields++;
    this.started = this.now();
  }
}

/** `fn` over `items` in order, one at a time, giving the loop a turn every `budgetMs`. */
export async function mapSliced<I, O>(
  items: readonly I[],
  fn: (item: I, index: number) => O | Promise<O>,
  budgetMs = SLICE_MS,
): Promise<O[]> {
  const slicer = new TimeSlicer(budgetMs);
  const out: O[] = [];
  for (let i = 0; i < items.length; i++) {
    out.push(await fn(items[i]!, i));
    await slicer.tick();
  }
  return out;
}
