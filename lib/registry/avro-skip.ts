// Where an Avro record ends, without decoding it. Avro messages carry no length of their own, so
// when several are concatenated for ClickHouse (format AvroConfluent), a message cut short or with
// extra bytes would not fail alone: the reader would run on into its neighbour and read both
// wrong, possibly without an error. Walking the record's structure (lengths, counts, union
// branches; no strings or objects built) finds its true end, so such a record is refused before it
// is sent. Supports every Avro type; named types are resolved within the schema.
import { PoisonRecordError } from '../errors.ts';

type Skip = (buf: Buffer, pos: number) => number;
type Schema = string | Schema[] | { type: unknown; [k: string]: unknown };

class Truncated extends Error {}

// The position after the last varint read: module state rather than a returned tuple, since this
// runs for every field of every listing and allocation would dominate.
let after = 0;

/** Reads a zigzag-encoded long (at most 10 bytes) at `pos`; sets `after`. Beyond 2^53 loses precision, not position. */
function varint(buf: Buffer, pos: number): number {
  let shift = 0;
  let result = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Truncated();
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      after = pos;
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    shift += 7;
  }
  throw new Error('varint longer than 10 bytes');
}

const skipVarint: Skip = (buf, pos) => {
  // Skipping needs no value: find the byte without a continuation bit.
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Truncated();
    if ((buf[pos++]! & 0x80) === 0) return pos;
  }
  throw new Error('varint longer than 10 bytes');
};

const fixed =
  (n: number): Skip =>
  (buf, pos) => {
    if (pos + n > buf.length) throw new Truncated();
    return pos + n;
  };

const skipBytes: Skip = (buf, pos) => {
  const len = varint(buf, pos);
  if (len < 0) throw new Error(`negative length ${len}`);
  if (after + len > buf.length) throw new Truncated();
  return after + len;
};

/** Arrays and maps: blocks of `count` items; a negative count is followed by the block's byte size. */
const blocks =
  (item: Skip): Skip =>
  (buf, pos) => {
    for (;;) {
      let count = varint(buf, pos);
      pos = after;
      if (count === 0) return pos;
      if (count < 0) {
        count = -count;
        pos = skipVarint(buf, pos);
      }
      for (let i = 0; i < count; i++) pos = item(buf, pos);
    }
  };

function compile(schema: Schema, names: Map<string, () => Skip>, ns?: string): Skip {
  if (typeof schema === 'string') {
    switch (schema) {
      case 'null':
        return (_b, pos) => pos;
      case 'boolean':
        return fixed(1);
      case 'int':
      case 'long':
        return skipVarint;
      case 'float':
        return fixed(4);
      case 'double':
        return fixed(8);
      case 'bytes':
      case 'string':
        return skipBytes;
      default: {
        const named = names.get(ns ? `${ns}.${schema}` : schema) ?? names.get(schema);
        if (!named) throw new Error(`unknown Avro type ${schema}`);
        // Late-bound, as a record may refer to itself; resolved on first use.
        let resolved: Skip | undefined;
        return (buf, pos) => (resolved ??= named())(buf, pos);
      }
    }
  }
  if (Array.isArray(schema)) {
    const branches = schema.map((b) => compile(b, names, ns));
    return (buf, pos) => {
      const index = varint(buf, pos);
      const branch = branches[index];
      if (!branch) throw new Error(`union branch ${index} out of ${branches.length}`);
      return branch(buf, after);
    };
  }
  const type = schema.type;
  if (typeof type !== 'string') return compile(type as Schema, names, ns);
  const space = typeof schema.namespace === 'string' ? schema.namespace : ns;
  const register = (skip: () => Skip) => {
    if (typeof schema.name !== 'string') return;
    const full = schema.name.includes('.') ? schema.name : space ? `${space}.${schema.name}` : schema.name;
    names.set(full, skip);
    names.set(schema.name, skip);
  };
  switch (type) {
    case 'record':
    case 'error': {
      let fields: Skip[] = [];
      register(() => recordSkip);
      const recordSkip: Skip = (buf, pos) => {
        for (let i = 0; i < fields.length; i++) pos = fields[i]!(buf, pos);
        return pos;
      };
      fields = (schema.fields as Array<{ type: Schema }>).map((f) => compile(f.type, names, space));
      return recordSkip;
    }
    case 'enum':
      register(() => skipVarint);
      return skipVarint;
    case 'fixed': {
      const skip = fixed(Number(schema.size));
      register(() => skip);
      return skip;
    }
    case 'array':
      return blocks(compile(schema.items as Schema, names, space));
    case 'map': {
      const value = compile(schema.values as Schema, names, space);
      return blocks((buf, pos) => value(buf, skipBytes(buf, pos)));
    }
    default:
      return compile(type, names, space);
  }
}

/** A checker for records of `schema`: throws PoisonRecordError unless the body ends exactly at the buffer's end. */
export function recordEndChecker(schema: Schema): (buf: Buffer, bodyOffset: number) => void {
  const skip = compile(schema, new Map());
  return (buf, bodyOffset) => {
    let end: number;
    try {
      end = skip(buf, bodyOffset);
    } catch (err) {
      throw new PoisonRecordError(
        err instanceof Truncated
          ? `record ends early: its ${buf.length - bodyOffset} bytes are not a whole record of its schema`
          : `record does not parse with its schema: ${(err as Error).message}`,
        'decode',
      );
    }
    if (end !== buf.length)
      throw new PoisonRecordError(
        `record has ${buf.length - end} bytes after the end of its schema's record`,
        'decode',
      );
  };
}
