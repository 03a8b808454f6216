import { describe, expect, it } from 'vitest';
import { windowEnd, windowKey, windowStart } from './window.ts';

const at = Date.UTC(2026, 2, 1, 12, 34, 56, 789);

describe('windows', () => {
  it('cuts UTC hours', () => {
    expect(windowStart(at, 'hourly')).toBe(Date.UTC(2026, 2, 1, 12));
    expect(windowEnd(at, 'hourly')).toBe(Date.UTC(2026, 2, 1, 13));
  });

  it('cuts UTC days', () => {
    expect(windowStart(at, 'daily')).toBe(Date.UTC(2026, 2, 1));
    expect(windowEnd(at, 'daily')).toBe(Date.UTC(2026, 2, 2));
  });

  it('puts a start in its own window and an end in the next one', () => {
    const hour = Date.UTC(2026, 2, 1, 12);
    expect(windowStart(hour, 'hourly')).toBe(hour);
    expect(windowEnd(hour, 'hourly')).toBe(Date.UTC(2026, 2, 1, 13));
    expect(windowStart(hour - 1, 'hourly')).toBe(Date.UTC(2026, 2, 1, 11));
  });

  it('floors times before the epoch', () => {
    expect(windowStart(-1, 'hourly')).toBe(-3_600_000);
    expect(windowStart(-1, 'daily')).toBe(-86_400_000);
  });

  it('keys a window like topic tws.rollups.zones.v1', () => {
    expect(windowKey('ev1', 'Floor', 'hourly', Date.UTC(2026, 2, 1, 12))).toBe('ev1|Floor|hourly|1772366400000');
  });
});
