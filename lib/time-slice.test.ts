import { describe, expect, it } from 'vitest';
import { TimeSlicer, mapSliced } from './time-slice.ts';

/** Busy work of about `ms`, without awaiting. */
const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('TimeSlicer', () => {
  it('gives the event loop a turn only once the budget is spent', async () => {
    let t = 0;
    const slicer = new TimeSlicer(5, () => t);
    t = 4;
    await slicer.tick();
    expect(slicer.yields).toBe(0);
    t = 5;
    await slicer.tick();
    expect(slicer.yields).toBe(1);
    // The budget starts again after a turn.
    t = 9;
    await slicer.tick();
    expect(slicer.yields).toBe(1);
  });

  it('lets a timer run in the middle of a long loop, which a plain loop of awaits does not', async () => {
    const stretch = async (slice: boolean): Promise<number> => {
      let fired = -1;
      let done = 0;
      const timer = setTimeout(() => (fired = done), 1);
      await mapSliced(
        Array.from({ length: 40 }, (_, i) => i),
        async () => {
          spin(1);
          done++;
        },
        slice ? 5 : Number.POSITIVE_INFINITY,
      );
      clearTimeout(timer);
      await new Promise((r) => setImmediate(r));
      return fired;
    };
    // Without slicing the timer waits for all 40 items (resolved awaits never leave the microtask queue).
    expect(await stretch(false)).toBe(-1);
    const firedAt = await stretch(true);
    expect(firedAt).toBeGreaterThan(0);
    expect(firedAt).toBeLessThan(40);
  });

  it('keeps the results in order', async () => {
    expect(await mapSliced([3, 1, 2], async (x, i) => x * 10 + i, 0)).toEqual([30, 11, 22]);
  });
});
