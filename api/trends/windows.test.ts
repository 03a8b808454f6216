import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors.ts';
import { DAY_MS, HOUR_MS, ceilWindow, floorWindow, resolveRange } from './windows.ts';

const T = Date.UTC(2026, 4, 10, 10, 30); // 2026-05-10T10:30Z

describe('window alignment', () => {
  it('floors and ceils to UTC hours and days', () => {
    expect(floorWindow(T, 'hourly')).toBe(Date.UTC(2026, 4, 10, 10));
    expect(ceilWindow(T, 'hourly')).toBe(Date.UTC(2026, 4, 10, 11));
    expect(floorWindow(T, 'daily')).toBe(Date.UTC(2026, 4, 10));
    expect(ceilWindow(T, 'daily')).toBe(Date.UTC(2026, 4, 11));
    expect(ceilWindow(Date.UTC(2026, 4, 10), 'daily')).toBe(Date.UTC(2026, 4, 10));
  });
});

describe('resolveRange', () => {
  it('defaults to the last 7 days hourly and 90 days daily, up to now', () => {
    expect(resolveRange({}, 'hourly', T, 400)).toMatchObject({ from: T - 7 * DAY_MS, to: T, closed: false });
    expect(resolveRange({}, 'daily', T, 400)).toMatchObject({ from: T - 90 * DAY_MS, to: T });
    expect(resolveRange({}, 'daily', T, 30)).toMatchObject({ from: T - 30 * DAY_MS, to: T });
  });
  it('covers every window that overlaps [from, to)', () => {
    const r = resolveRange({ from: T, to: T + HOUR_MS }, 'hourly', T + DAY_MS, 400);
    expect(r.start).toBe(Date.UTC(2026, 4, 10, 10));
    expect(r.end).toBe(Date.UTC(2026, 4, 10, 12));
  });
  it('rejects from >= to and ranges over the limit, naming the field', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as ValidationError;
      }
      throw new Error('no error');
    };
    expect(err(() => resolveRange({ from: T, to: T }, 'hourly', T, 400)).field).toBe('to');
    expect(err(() => resolveRange({ from: T + 1 }, 'hourly', T, 400)).field).toBe('from');
    expect(err(() => resolveRange({ from: T - 401 * DAY_MS, to: T }, 'daily', T, 400))).toBeInstanceOf(ValidationError);
    expect(err(() => resolveRange({ from: T - 401 * DAY_MS, to: T }, 'daily', T, 400)).field).toBe('to');
  });
  it('is closed only when the range ended before the current window', () => {
    const hourStart = Date.UTC(2026, 4, 10, 10);
    expect(resolveRange({ from: hourStart - HOUR_MS, to: hourStart }, 'hourly', T, 400).closed).toBe(true);
    expect(resolveRange({ from: hourStart - HOUR_MS, to: hourStart + 1 }, 'hourly', T, 400).closed).toBe(false);
    expect(resolveRange({ from: hourStart - DAY_MS, to: hourStart }, 'daily', T, 400).closed).toBe(false);
  });
});
