import { describe, expect, it } from 'vitest';
import { median, roundCents } from './median.ts';

describe('median', () => {
  it('is null for no values', () => {
    expect(median([])).toBeNull();
  });

  it('takes the middle value of an odd count, in any order', () => {
    expect(median([300, 100, 200])).toBe(200);
  });

  it('takes the mean of the two middle values of an even count', () => {
    expect(median([400, 100, 300, 200])).toBe(250);
    expect(median([1001, 1002])).toBe(1001.5);
  });

  it('leaves its input alone', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('rounds half a cent up', () => {
    expect(roundCents(1001.5)).toBe(1002);
    expect(roundCents(1001.4)).toBe(1001);
  });
});
