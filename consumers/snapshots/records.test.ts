import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../runner/batch-runner.ts';
import type { SnapshotRecord } from './header.ts';
import { firstCopies } from './records.ts';

const rec = (id: string, offset: number, partition = 0) =>
  ({ partition, offset: BigInt(offset), value: { header: { snapshot_id: id } } }) as SourceRecord<SnapshotRecord>;
const ids = (rs: SourceRecord<SnapshotRecord>[]) => rs.map((r) => `${r.value.header.snapshot_id}@${r.offset}`);

describe('firstCopies', () => {
  it('keeps the first copy of each id in the range and holds the later ones as replacements', () => {
    const { keep, duplicates, copies } = firstCopies([rec('a', 1), rec('b', 2), rec('a', 3), rec('a', 4)], new Map());
    expect(ids(keep)).toEqual(['a@1', 'b@2']);
    expect(ids(duplicates)).toEqual(['a@3', 'a@4']);
    expect(ids(copies.get('a')!)).toEqual(['a@3', 'a@4']);
    expect(copies.get('b')).toBeUndefined();
  });

  it('drops a snapshot stored from another offset, and rewrites one stored from this very offset', () => {
    const stored = new Map([
      ['a', '0:1'],
      ['b', '0:9'],
    ]);
    const { keep, duplicates, copies } = firstCopies([rec('a', 1), rec('b', 2)], stored);
    expect(ids(keep)).toEqual(['a@1']);
    expect(ids(duplicates)).toEqual(['b@2']);
    // b's first copy is not in this range: nothing to write in its place.
    expect(copies.get('b')).toBeUndefined();
  });
});
