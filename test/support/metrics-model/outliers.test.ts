import { describe, expect, it } from 'vitest';
import { isOutlier, TrailingMedians, zoneKey } from './outliers.ts';

const T0 = Date.UTC(2026, 2, 1, 12);
const H = 3_600_000;
const key = zoneKey('ev1', 'z1');

describe('isOutlier', () => {
  it('flags prices strictly under ratio × reference', () => {
    expect(isOutlier(2_499, 10_000)).toBe(true);
    expect(isOutlier(2_500, 10_000)).toBe(false);
    expect(isOutlier(4_999, 10_000, 0.5)).toBe(true);
  });

  it('flags nothing without a reference', () => {
    expect(isOutlier(1, null)).toBe(false);
  });
});

describe('TrailingMedians', () => {
  const seeded = () => {
    const m = new TrailingMedians();
    m.observe(key, T0, 100);
    m.observe(key, T0 + H, 200);
    m.observe(key, T0 + 2 * H, 300);
    return m;
  };

  it('takes the median of the medians observed in (at − 24h, at]', () => {
    const m = seeded();
    expect(m.reference(key, T0 + 2 * H)).toBe(200);
    expect(m.reference(key, T0 + 24 * H - 1)).toBe(200);
    // T0 is exactly 24h before: out. Even count: mean of the middle two.
    expect(m.reference(key, T0 + 24 * H)).toBe(250);
    expect(m.reference(key, T0 + 27 * H)).toBeNull();
  });

  it('never looks at later observations, so a replayed scrape sees what it saw the first time', () => {
    expect(seeded().reference(key, T0 + H)).toBe(150);
    expect(seeded().reference(key, T0)).toBe(100);
    expect(seeded().reference(key, T0 - 1)).toBeNull();
  });

  it('keeps keys apart', () => {
    const m = seeded();
    expect(m.reference(zoneKey('ev1', 'z2'), T0)).toBeNull();
    expect(m.reference(zoneKey('ev2', 'z1'), T0)).toBeNull();
  });

  it('replaces a repeated observation instead of counting it twice', () => {
    const m = seeded();
    m.observe(key, T0 + 2 * H, 300);
    m.observe(key, T0 + 2 * H, 300);
    // 100, 200, 300: a duplicate would make it 100, 200, 300, 300 -> 250.
    expect(m.reference(key, T0 + 2 * H)).toBe(200);
    m.observe(key, T0 + 2 * H, 900);
    expect(m.reference(key, T0 + 2 * H)).toBe(200);
    expect(m.snapshotState().series[0]![1]).toEqual([
      [T0, 100],
      [T0 + H, 200],
      [T0 + 2 * H, 900],
    ]);
  });

  it('accepts observations out of order', () => {
    const m = new TrailingMedians();
    m.observe(key, T0 + 2 * H, 300);
    m.observe(key, T0, 100);
    m.observe(key, T0 + H, 200);
    expect(m.snapshotState().series[0]![1].map(([at]) => at)).toEqual([T0, T0 + H, T0 + 2 * H]);
    expect(m.reference(key, T0 + H)).toBe(150);
  });

  it('evicts observations older than the bound, and empty keys with them', () => {
    const m = seeded();
    m.observe(zoneKey('ev2', 'z1'), T0, 5);
    m.evict(T0 + H);
    expect(m.size).toBe(1);
    expect(m.reference(key, T0 + 2 * H)).toBe(250);
  });

  it('rebuilds from its state, through JSON', () => {
    const m = seeded();
    const copy = new TrailingMedians();
    copy.observe(zoneKey('stale', 'z'), T0, 1);
    copy.restore(JSON.parse(JSON.stringify(m.snapshotState())));
    expect(copy.size).toBe(1);
    expect(copy.reference(key, T0 + 2 * H)).toBe(200);
    expect(copy.reference(key, T0 + H)).toBe(150);
  });

  it('honours a custom window', () => {
    const m = new TrailingMedians({ windowMs: H });
    m.observe(key, T0, 100);
    m.observe(key, T0 + H, 200);
    expect(m.reference(key, T0 + H)).toBe(200);
  });
});
