// Avro schemas as ClickHouse sees them, for decoding Avro in the engine (format AvroConfluent).
//
// ClickHouse reads a nested Avro record into a Tuple with exactly as many elements as the record
// has fields, so a record written with a newer (or older) schema than the table's does not fit the
// table's columns. Schema resolution is therefore done in SQL: each writer schema gets its own
// `structure` (what format(AvroConfluent, …) reads), and `project` maps the writer's columns onto the
// reader's (the table's), as Avro's own resolution would: fields matched by name, a reader field the
// writer lacks takes its default, a writer field the reader lacks is dropped, int widens to long.
// Only the shapes our schemas use are supported (records, arrays, maps, enums, ["null", T] unions,
// primitives, timestamp-millis); anything else is an error at the first record that uses it.

import { sqlString } from './inline-params.ts';

export type AvroType = string | AvroType[] | { type: string | AvroType; [key: string]: unknown };

interface Field {
  name: string;
  type: AvroType;
  default?: unknown;
}

export class AvroMappingError extends Error {}

/** Named types (records, enums, fixed) seen so far, by full and short name. */
class Names {
  private readonly byName = new Map<string, AvroType>();
  add(t: { [key: string]: unknown }, ns: string | undefined): void {
    if (typeof t.name !== 'string') return;
    const full = t.name.includes('.') ? t.name : ns ? `${ns}.${t.name}` : t.name;
    this.byName.set(full, t as AvroType);
    this.byName.set(t.name.split('.').pop()!, t as AvroType);
  }
  get(name: string): AvroType | undefined {
    return this.byName.get(name) ?? this.byName.get(name.split('.').pop()!);
  }
}

/** A resolved node: the Avro type with named references replaced, and its ClickHouse type. */
interface Node {
  kind: 'primitive' | 'record' | 'array' | 'map' | 'nullable';
  ch: string;
  /** primitive: the Avro name (with the logical type), e.g. "long:timestamp-millis" */
  prim?: string;
  fields?: Array<{ name: string; node: Node; default?: unknown }>;
  items?: Node;
  inner?: Node;
}

const PRIMITIVES: Record<string, string> = {
  string: 'String',
  bytes: 'String',
  int: 'Int32',
  long: 'Int64',
  float: 'Float32',
  double: 'Float64',
  boolean: 'Bool',
  'long:timestamp-millis': "DateTime64(3, 'UTC')",
  'long:timestamp-micros': "DateTime64(6, 'UTC')",
  'int:date': 'Date32',
};

const ident = (name: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new AvroMappingError(`unsupported field name "${name}"`);
  return name;
};

function resolve(t: AvroType, names: Names, ns?: string): Node {
  if (typeof t === 'string') {
    if (PRIMITIVES[t]) return { kind: 'primitive', ch: PRIMITIVES[t]!, prim: t };
    const named = names.get(t);
    if (!named) throw new AvroMappingError(`unknown Avro type "${t}"`);
    return resolve(named, names, ns);
  }
  if (Array.isArray(t)) {
    const branches = t.filter((b) => b !== 'null');
    if (branches.length !== 1 || branches.length === t.length)
      throw new AvroMappingError(`only ["null", T] unions are supported, got ${JSON.stringify(t)}`);
    const inner = resolve(branches[0]!, names, ns);
    // ClickHouse has no Nullable(Array/Tuple/Map): a null container reads as an empty one.
    if (inner.kind === 'array' || inner.kind === 'map') return inner;
    if (inner.kind !== 'primitive') throw new AvroMappingError(`a nullable ${inner.kind} is not supported`);
    return { kind: 'nullable', ch: `Nullable(${inner.ch})`, inner };
  }
  const type = t.type;
  if (typeof type !== 'string') return resolve(type, names, ns);
  const logical = typeof t.logicalType === 'string' ? `${type}:${t.logicalType}` : undefined;
  if (logical && PRIMITIVES[logical]) return { kind: 'primitive', ch: PRIMITIVES[logical]!, prim: logical };
  if (PRIMITIVES[type]) return { kind: 'primitive', ch: PRIMITIVES[type]!, prim: type };
  const space = typeof t.namespace === 'string' ? t.namespace : ns;
  switch (type) {
    case 'record': {
      names.add(t, space);
      const fields = (t.fields as Field[]).map((f) => ({
        name: ident(f.name),
        node: resolve(f.type, names, space),
        default: f.default,
      }));
      return { kind: 'record', ch: `Tuple(${fields.map((f) => `${f.name} ${f.node.ch}`).join(', ')})`, fields };
    }
    case 'array': {
      const items = resolve(t.items as AvroType, names, space);
      return { kind: 'array', ch: `Array(${items.ch})`, items };
    }
    case 'map': {
      const items = resolve(t.values as AvroType, names, space);
      return { kind: 'map', ch: `Map(String, ${items.ch})`, items };
    }
    case 'enum':
      names.add(t, space);
      return { kind: 'primitive', ch: 'String', prim: 'string' };
    default:
      throw new AvroMappingError(`unsupported Avro type "${type}"`);
  }
}

function topRecord(schema: AvroType): Node {
  const node = resolve(schema, new Names());
  if (node.kind !== 'record') throw new AvroMappingError('the schema must be a record');
  return node;
}

/** `name Type, …` of a record schema's fields: the structure argument of format(AvroConfluent, …). */
export function structureOf(schema: AvroType): string {
  return topRecord(schema)
    .fields!.map((f) => `${f.name} ${f.node.ch}`)
    .join(', ');
}

/** The ClickHouse column types of a record schema's fields, by name. */
export function columnTypes(schema: AvroType): Map<string, string> {
  return new Map(topRecord(schema).fields!.map((f) => [f.name, f.node.ch]));
}

/** A JSON default as a ClickHouse literal of the node's type. */
function literal(node: Node, value: unknown): string {
  if (value === undefined) throw new AvroMappingError(`a reader field without a default is missing from the writer`);
  if (value === null) {
    if (node.kind === 'nullable') return `CAST(NULL AS ${node.ch})`;
    if (node.kind === 'array' || node.kind === 'map') return `CAST([] AS ${node.ch})`;
    throw new AvroMappingError('a null default for a non-null field');
  }
  if (node.kind === 'array' && Array.isArray(value))
    return `CAST([${value.map((v) => literal(node.items!, v)).join(', ')}] AS ${node.ch})`;
  if (node.kind === 'record' && typeof value === 'object')
    return `CAST(tuple(${node.fields!.map((f) => literal(f.node, (value as Record<string, unknown>)[f.name] ?? f.default)).join(', ')}) AS ${node.ch})`;
  if (typeof value === 'number' || typeof value === 'boolean') return `CAST(${JSON.stringify(value)} AS ${node.ch})`;
  if (typeof value === 'string') return `CAST(${sqlString(value)} AS ${node.ch})`;
  throw new AvroMappingError(`unsupported default ${JSON.stringify(value)}`);
}

let lambdaCounter = 0;

/** SQL that turns `expr` (of the writer's node) into a value of the reader's node. */
function convert(reader: Node, writer: Node, expr: string): string {
  if (reader.ch === writer.ch) return expr;
  if (reader.kind === 'nullable' && writer.kind !== 'nullable') return convert(reader.inner!, writer, expr);
  if (reader.kind !== 'nullable' && writer.kind === 'nullable')
    return `ifNull(${convert({ ...reader, kind: 'nullable', ch: `Nullable(${reader.ch})`, inner: reader }, writer, expr)}, ${literal(reader, reader.kind === 'primitive' ? (reader.prim === 'string' || reader.prim === 'bytes' ? '' : 0) : [])})`;
  if (reader.kind === 'nullable') return `CAST(${convert(reader.inner!, writer.inner!, expr)} AS ${reader.ch})`;
  if (reader.kind === 'primitive' && writer.kind === 'primitive') return `CAST(${expr} AS ${reader.ch})`;
  if (reader.kind === 'array' && writer.kind === 'array') {
    const x = `x${++lambdaCounter}`;
    return `arrayMap(${x} -> ${convert(reader.items!, writer.items!, x)}, ${expr})`;
  }
  if (reader.kind === 'map' && writer.kind === 'map') {
    const [k, v] = [`k${++lambdaCounter}`, `v${lambdaCounter}`];
    return `mapApply((${k}, ${v}) -> (${k}, ${convert(reader.items!, writer.items!, v)}), ${expr})`;
  }
  if (reader.kind === 'record' && writer.kind === 'record') {
    const parts = reader.fields!.map((rf) => {
      const wf = writer.fields!.find((f) => f.name === rf.name);
      return wf ? convert(rf.node, wf.node, `tupleElement(${expr}, '${rf.name}')`) : literal(rf.node, rf.default);
    });
    return `CAST(tuple(${parts.join(', ')}) AS ${reader.ch})`;
  }
  throw new AvroMappingError(`cannot read a ${writer.ch} as ${reader.ch}`);
}

/**
 * One SQL expression per reader field (`expr AS name`), reading the columns of a row decoded with
 * `writer`'s structure as the `reader` schema would. Throws AvroMappingError when Avro's resolution
 * rules would fail too (a reader field without a default that the writer lacks, a type change).
 * `qualifier` (e.g. "w.") prefixes the writer's column names, so that `expr AS name` never reads
 * its own alias.
 */
export function project(reader: AvroType, writer: AvroType, qualifier = ''): string[] {
  const r = topRecord(reader);
  const w = topRecord(writer);
  return r.fields!.map((rf) => {
    const wf = w.fields!.find((f) => f.name === rf.name);
    return `${wf ? convert(rf.node, wf.node, `${qualifier}${rf.name}`) : literal(rf.node, rf.default)} AS ${rf.name}`;
  });
}
