import { readFileSync } from 'node:fs';
import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PoisonRecordError } from '../errors.ts';
import { recordEndChecker } from './avro-skip.ts';

// Every Avro type once, with a named type referred to by name, a recursive record and a namespace.
const EVERY_TYPE = {
  type: 'record',
  name: 'All',
  namespace: 'test.ns',
  fields: [
    { name: 'n', type: 'null' },
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 'by', type: 'bytes' },
    { name: 's', type: 'string' },
    { name: 'e', type: { type: 'enum', name: 'Colour', symbols: ['RED', 'GREEN', 'BLUE'] } },
    { name: 'e2', type: 'Colour' },
    { name: 'fx', type: { type: 'fixed', name: 'Four', size: 4 } },
    { name: 'a', type: { type: 'array', items: ['null', 'string', 'test.ns.Four'] } },
    { name: 'm', type: { type: 'map', values: { type: 'array', items: 'long' } } },
    {
      name: 'tree',
      type: {
        type: 'record',
        name: 'Node',
        fields: [
          { name: 'label', type: 'string' },
          { name: 'next', type: ['null', 'Node'] },
        ],
      },
    },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};

const schemas = {
  'every Avro type': EVERY_TYPE,
  ListingSnapshot: JSON.parse(readFileSync(new URL('../../schemas/ListingSnapshot.avsc', import.meta.url), 'utf8')),
};

const framed = (body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), body]);

describe.each(Object.entries(schemas))('recordEndChecker (%s)', (_name, schema) => {
  const type = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: false });
  const check = recordEndChecker(schema);
  // avsc's random values (Math.random, so a seed does not replay them; a failure prints the bytes).
  const records = fc.integer().map(() => type.toBuffer(type.random()));

  it('accepts a whole record', () => {
    fc.assert(
      fc.property(records, (body) => {
        check(framed(body), 5);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses the same record cut anywhere, as a decode poison', () => {
    fc.assert(
      fc.property(records, fc.double({ min: 0, max: 1, noNaN: true }), (body, at) => {
        const cut = Math.floor(at * body.length);
        fc.pre(cut < body.length);
        const err = catchErr(() => check(framed(body.subarray(0, cut)), 5));
        expect(err).toBeInstanceOf(PoisonRecordError);
        expect((err as PoisonRecordError).reason).toBe('decode');
      }),
      { numRuns: 200 },
    );
  });

  it('refuses the same record with bytes after it (e.g. two records in one message)', () => {
    fc.assert(
      fc.property(records, fc.uint8Array({ minLength: 1, maxLength: 40 }), (body, extra) => {
        const err = catchErr(() => check(framed(Buffer.concat([body, extra])), 5));
        expect(err).toBeInstanceOf(PoisonRecordError);
        expect((err as Error).message).toMatch(/after the end|does not parse|ends early/);
      }),
      { numRuns: 200 },
    );
  });
});

it('names the problem: a union branch that does not exist', () => {
  const check = recordEndChecker({ type: 'record', name: 'U', fields: [{ name: 'u', type: ['null', 'long'] }] });
  expect(() => check(framed(Buffer.from([4])), 5)).toThrow(/union branch 2 out of 2/);
});

function catchErr(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}
