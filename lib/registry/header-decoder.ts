// Decoding only the leading fields of an Avro record. A consumer that hands the record bytes to
// ClickHouse still needs a few scalar fields in JavaScript (ids and times, for routing, checks and
// duplicate lookups); Avro has no index, but fields are written in schema order, so a record type
// cut after the last wanted field reads exactly those bytes and stops before the big arrays.
import { isUtf8 } from 'node:buffer';
import avro from 'avsc';
import { PoisonRecordError } from '../errors.ts';

type SchemaJson = { type: string; fields?: Array<{ name: string; type: unknown }>; [k: string]: unknown };

export class HeaderDecoder<H> {
  private readonly types = new Map<number, { type: avro.Type; strings: string[] }>();

  /** `fields`: the top-level fields to read; they should come first in the writer schemas. */
  constructor(private readonly fields: readonly (keyof H & string)[]) {}

  /**
   * The cut type for a writer schema: its fields up to the last wanted one (fields between are read
   * too). Top-level strings are read as bytes, so that a string that is not UTF-8 (which Avro
   * forbids) is rejected here instead of being silently replaced, as ClickHouse keeps raw bytes.
   */
  private typeFor(schemaId: number, writer: SchemaJson) {
    let cached = this.types.get(schemaId);
    if (cached) return cached;
    const all = writer.fields ?? [];
    const lastWanted = Math.max(...this.fields.map((f) => all.findIndex((w) => w.name === f)));
    const kept = all.slice(0, lastWanted + 1);
    const strings = kept.filter((f) => f.type === 'string').map((f) => f.name);
    const cut = {
      ...writer,
      fields: kept.map((f) => (f.type === 'string' ? { ...f, type: 'bytes' } : f)),
    };
    cached = { type: avro.Type.forSchema(cut as avro.Schema, { wrapUnions: false }), strings };
    this.types.set(schemaId, cached);
    return cached;
  }

  /** Reads the wanted fields of `body` (the Avro bytes after the 5-byte wire header). */
  decode(schemaId: number, writer: SchemaJson, buf: Buffer, bodyOffset = 5): Partial<H> {
    const { type, strings } = this.typeFor(schemaId, writer);
    let value: Record<string, unknown>;
    try {
      const res = type.decode(buf, bodyOffset);
      if (res.offset < 0) throw new Error('the record ends inside its leading fields');
      value = res.value as Record<string, unknown>;
    } catch (err) {
      throw new PoisonRecordError(
        `record does not decode with schema ${schemaId}: ${(err as Error).message}`,
        'decode',
        err,
      );
    }
    const out: Record<string, unknown> = {};
    for (const f of this.fields) {
      const v = value[f];
      if (strings.includes(f) && Buffer.isBuffer(v)) {
        if (!isUtf8(v)) throw new PoisonRecordError(`field ${f} is not valid UTF-8`, 'decode');
        out[f] = v.toString('utf8');
      } else out[f] = v;
    }
    return out as Partial<H>;
  }
}
