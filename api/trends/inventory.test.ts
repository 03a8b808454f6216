import { describe, expect, it } from 'vitest';
import { availabilityRate, rangePeak, sellThrough } from './inventory.ts';

describe('availabilityRate', () => {
  it("is tickets over the event's own capacity, in percent", () => {
    expect(availabilityRate(250, 1000)).toBe(25);
    expect(availabilityRate(0, 1000)).toBe(0);
  });
  it('is null when the capacity is unknown (no global MAX_CAPACITY)', () => {
    expect(availabilityRate(250, null)).toBeNull();
    expect(availabilityRate(250, undefined)).toBeNull();
    expect(availabilityRate(250, 0)).toBeNull();
  });
});

describe('sellThrough', () => {
  it('is the share of the peak inventory that is gone', () => {
    expect(sellThrough(200, 150)).toBe(25);
    expect(sellThrough(200, 200)).toBe(0);
    expect(sellThrough(200, 0)).toBe(100);
  });
  it('is null when the peak is 0', () => {
    expect(sellThrough(0, 0)).toBeNull();
  });
});

describe('rangePeak', () => {
  it('is the largest window peak, 0 when empty', () => {
    expect(rangePeak([3, 9, 4])).toBe(9);
    expect(rangePeak([])).toBe(0);
  });
});
