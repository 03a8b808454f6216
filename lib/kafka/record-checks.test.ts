// The record-level checks both consumer loops make around decoding, with plain buffers and
// validators: a record over the size limit is poison (oversized) before anything decodes it, and
// whatever a validator throws makes the record poison (invalid), never an error that stalls a batch.
import { describe, expect, it } from 'vitest';
import { PoisonRecordError } from '../errors.ts';
import { DEFAULT_MAX_RECORD_BYTES, checkRecordSize, validateOrPoison } from './record-checks.ts';

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected it to throw');
}

describe('checkRecordSize', () => {
  it('passes a record up to the limit, and a null value (a tombstone)', () => {
    expect(() => checkRecordSize(Buffer.alloc(1_000), 1_000)).not.toThrow();
    expect(() => checkRecordSize(Buffer.alloc(0), 1_000)).not.toThrow();
    expect(() => checkRecordSize(null, 0)).not.toThrow();
  });

  it('makes a record one byte over the limit poison, reason oversized, naming both sizes', () => {
    const err = thrown(() => checkRecordSize(Buffer.alloc(1_001), 1_000));
    expect(err).toBeInstanceOf(PoisonRecordError);
    expect(err).toMatchObject({ reason: 'oversized', code: 'POISON_OVERSIZED', retriable: false });
    expect((err as Error).message).toBe('record of 1001 bytes exceeds the 1000-byte limit');
  });

  it('defaults to 8 MiB, the topics’ max.message.bytes', () => {
    expect(DEFAULT_MAX_RECORD_BYTES).toBe(8 * 1024 * 1024);
    expect(() => checkRecordSize(Buffer.alloc(8 * 1024 * 1024))).not.toThrow();
    expect(thrown(() => checkRecordSize(Buffer.alloc(8 * 1024 * 1024 + 1)))).toMatchObject({ reason: 'oversized' });
  });
});

describe('validateOrPoison', () => {
  it('runs the validator and returns when it passes', () => {
    let ran = 0;
    expect(() => validateOrPoison(() => void ran++)).not.toThrow();
    expect(ran).toBe(1);
  });

  it("passes a validator's own PoisonRecordError through unchanged, reason included", () => {
    const own = new PoisonRecordError('scraped_at is in the year 4000', 'invalid');
    const schema = new PoisonRecordError('unknown schema id 99', 'schema');
    for (const err of [own, schema]) {
      const out = thrown(() =>
        validateOrPoison(() => {
          throw err;
        }),
      );
      expect(out).toBe(err);
    }
  });

  it('turns any other error (a TypeError on a strange value) into poison, reason invalid, keeping the cause', () => {
    const cause = new TypeError("Cannot read properties of null (reading 'zones')");
    const err = thrown(() =>
      validateOrPoison(() => {
        throw cause;
      }),
    );
    expect(err).toBeInstanceOf(PoisonRecordError);
    expect(err).toMatchObject({ reason: 'invalid', code: 'POISON_INVALID' });
    expect((err as Error).message).toBe("invalid record: Cannot read properties of null (reading 'zones')");
    expect((err as Error).cause).toBe(cause);
  });

  it('turns a thrown non-Error value into poison too', () => {
    const err = thrown(() =>
      validateOrPoison(() => {
        throw 'a plain string';
      }),
    );
    expect(err).toBeInstanceOf(PoisonRecordError);
    expect(err).toMatchObject({ reason: 'invalid' });
    expect((err as Error).message).toContain('a plain string');
  });
});
