// Avro through a Confluent-compatible schema registry (Apicurio's /apis/ccompat/v7 locally).
// The only module that talks to the registry: swap it here. Wire format: magic byte 0, 4-byte
// schema id, Avro binary. Subjects follow TopicNameStrategy (`<topic>-value`), BACKWARD compatible.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { BrokerUnavailableError, PoisonRecordError, errorMessage } from '../errors.ts';
import { recordEndChecker } from './avro-skip.ts';
import { valueSubject } from '../kafka/topics.ts';
import {
  registryAccessError,
  registryClientArgs,
  registryFetch,
  type RegistryAccess,
  type RegistryFetch,
} from './access.ts';
import type { HeaderDecoder } from './header-decoder.ts';

/** An Avro record schema as the registry stores it. */
export type WriterSchema = { type: string; fields?: Array<{ name: string; type: unknown }>; [k: string]: unknown };

export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

export function loadSchemaText(name: string): string {
  return readFileSync(join(SCHEMAS_DIR, `${name}.avsc`), 'utf8');
}

/** Registry-side failures that a retry can get past; everything else about a record is poison. */
function isUnavailable(err: unknown): boolean {
  const e = err as { status?: number; message?: string };
  if (e?.status !== undefined && e.status >= 500) return true;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|network|timeout|fetch failed/i.test(e?.message ?? '');
}

/** How long a "this schema id is not under this topic's subject" answer is trusted. */
const FOREIGN_ID_TTL_MS = 60_000;

export class AvroCodec {
  private readonly registry: SchemaRegistry;
  private readonly ids = new Map<string, number>();
  /** Per topic, the schema ids the registry lists under its value subject (any version). */
  private readonly subjectIds = new Map<string, Set<number>>();
  private readonly foreignIds = new Map<string, number>();

  private readonly fetch: RegistryFetch;
  private readonly access: RegistryAccess;

  /** `access`: the registry's credentials and CA (config.registry), when it needs them. */
  constructor(
    readonly url: string,
    access: Omit<RegistryAccess, 'url'> = {},
  ) {
    this.access = { url, auth: access.auth, caFile: access.caFile };
    this.registry = new SchemaRegistry({ ...registryClientArgs(this.access), retry: { retries: 3 } });
    this.fetch = registryFetch(this.access);
  }

  /** A refused credential or an untrusted certificate names its setting; otherwise the registry is unreachable. */
  private unreachable(err: unknown): Error {
    return (
      registryAccessError(err, this.access) ??
      new BrokerUnavailableError(`schema registry unreachable at ${this.url}: ${errorMessage(err)}`, err)
    );
  }

  /** Registers `schema` under the topic's value subject (BACKWARD) and remembers its id. */
  async register(topic: string, schemaName: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema: loadSchemaText(schemaName) },
          { subject: valueSubject(topic), compatibility: COMPATIBILITY.BACKWARD },
        );
        this.ids.set(topic, id);
        this.acceptedIds(topic).add(id);
        return id;
      } catch (err) {
        const denied = registryAccessError(err, this.access);
        if (denied) throw denied;
        if (isUnavailable(err))
          throw new BrokerUnavailableError(`schema registry unreachable at ${this.url}: ${errorMessage(err)}`, err);
        // Two processes registering a new subject at once: the loser's compatibility rule "already
        // exists" (Apicurio answers 409), or it read the subject's level before the winner set it
        // (BACKWARD != NONE). The subject is settled now, so registering again succeeds.
        if (attempt < 5 && /already exists|Compatibility does not match/i.test(errorMessage(err))) {
          await new Promise((r) => setTimeout(r, 100 * attempt));
          continue;
        }
        throw err;
      }
    }
  }

  schemaId(topic: string): number {
    const id = this.ids.get(topic);
    if (id === undefined) throw new Error(`no schema registered for topic ${topic}; call register() at start-up`);
    return id;
  }

  async encode(topic: string, value: unknown): Promise<Buffer> {
    return this.registry.encode(this.schemaId(topic), value);
  }

  /**
   * Decodes any record written with a registered schema. A record that is not in the wire format,
   * names an unknown schema id, or does not parse is a PoisonRecordError; an unreachable registry
   * is a retriable BrokerUnavailableError, so the caller waits instead of dead-lettering.
   * With `topic`, the schema id must also be one the registry lists under the topic's value subject:
   * a record written with another topic's schema decodes fine but is not this topic's record.
   */
  async decode<T>(buf: Buffer | null, topic?: string): Promise<T> {
    if (!buf || buf.length < 5)
      throw new PoisonRecordError('record value is empty or shorter than the 5-byte wire header', 'decode');
    if (buf[0] !== 0)
      throw new PoisonRecordError(`record does not start with the Confluent magic byte 0 (got ${buf[0]})`, 'decode');
    if (topic !== undefined) await this.assertSubjectHas(topic, buf.readInt32BE(1));
    try {
      return (await this.registry.decode(buf)) as T;
    } catch (err) {
      const denied = registryAccessError(err, this.access);
      if (denied) throw denied;
      const e = err as { status?: number };
      if (e?.status === 404 || /not found/i.test(errorMessage(err))) {
        throw new PoisonRecordError(`schema id ${buf.readInt32BE(1)} is unknown to the registry`, 'schema', err);
      }
      if (isUnavailable(err))
        throw new BrokerUnavailableError(`schema registry unreachable at ${this.url}: ${errorMessage(err)}`, err);
      throw new PoisonRecordError(
        `record does not decode with schema ${buf.readInt32BE(1)}: ${errorMessage(err)}`,
        'decode',
        err,
      );
    }
  }

  /**
   * The framed record's schema id and its leading fields, without decoding the rest (see
   * HeaderDecoder). The same poison rules as decode(): wire format, a schema id registered under the
   * topic's subject, fields that parse.
   */
  async decodeHeader<H>(
    buf: Buffer | null,
    topic: string,
    decoder: HeaderDecoder<H>,
  ): Promise<{ schemaId: number; header: Partial<H> }> {
    if (!buf || buf.length < 5)
      throw new PoisonRecordError('record value is empty or shorter than the 5-byte wire header', 'decode');
    if (buf[0] !== 0)
      throw new PoisonRecordError(`record does not start with the Confluent magic byte 0 (got ${buf[0]})`, 'decode');
    const schemaId = buf.readInt32BE(1);
    await this.assertSubjectHas(topic, schemaId);
    const writer = await this.writerSchema(schemaId);
    const header = decoder.decode(schemaId, writer, buf);
    // The rest goes to ClickHouse concatenated with other records, where a record of the wrong
    // length would run into its neighbour: check that it ends where the message ends.
    this.endChecker(schemaId, writer)(buf, 5);
    return { schemaId, header };
  }

  private readonly endCheckers = new Map<number, ReturnType<typeof recordEndChecker>>();

  private endChecker(id: number, writer: WriterSchema): ReturnType<typeof recordEndChecker> {
    let check = this.endCheckers.get(id);
    if (!check) this.endCheckers.set(id, (check = recordEndChecker(writer as Parameters<typeof recordEndChecker>[0])));
    return check;
  }

  private readonly writerSchemas = new Map<number, Promise<WriterSchema>>();

  /** The schema a record was written with, as JSON (cached: a registered schema never changes). */
  writerSchema(id: number): Promise<WriterSchema> {
    let schema = this.writerSchemas.get(id);
    if (!schema) {
      schema = this.fetchWriterSchema(id);
      this.writerSchemas.set(id, schema);
      schema.catch(() => this.writerSchemas.delete(id));
    }
    return schema;
  }

  private async fetchWriterSchema(id: number): Promise<WriterSchema> {
    let res: Response;
    try {
      res = await this.fetch(`${this.url}/schemas/ids/${id}`, { signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw this.unreachable(err);
    }
    if (res.status === 404) throw new PoisonRecordError(`schema id ${id} is unknown to the registry`, 'schema');
    if (!res.ok) throw new BrokerUnavailableError(`schema registry answered HTTP ${res.status} for schema ${id}`);
    const { schema } = (await res.json()) as { schema: string };
    return JSON.parse(schema) as WriterSchema;
  }

  private acceptedIds(topic: string): Set<number> {
    let ids = this.subjectIds.get(topic);
    if (!ids) this.subjectIds.set(topic, (ids = new Set()));
    return ids;
  }

  private async assertSubjectHas(topic: string, id: number): Promise<void> {
    const accepted = this.acceptedIds(topic);
    if (accepted.has(id)) return;
    const key = `${topic}\u0000${id}`;
    const foreignUntil = this.foreignIds.get(key);
    const foreign = () =>
      new PoisonRecordError(`schema id ${id} is not registered under ${valueSubject(topic)}`, 'schema');
    if (foreignUntil !== undefined && foreignUntil > Date.now()) throw foreign();
    let res: Response;
    try {
      res = await this.fetch(`${this.url}/schemas/ids/${id}/versions`, { signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      throw this.unreachable(err);
    }
    if (res.status === 404) throw new PoisonRecordError(`schema id ${id} is unknown to the registry`, 'schema');
    if (!res.ok)
      throw new BrokerUnavailableError(`schema registry answered HTTP ${res.status} for the subjects of schema ${id}`);
    const versions = (await res.json()) as Array<{ subject: string }>;
    if (versions.some((v) => v.subject === valueSubject(topic))) return void accepted.add(id);
    if (this.foreignIds.size > 10_000) this.foreignIds.clear();
    this.foreignIds.set(key, Date.now() + FOREIGN_ID_TTL_MS);
    throw foreign();
  }

  /** Asks the registry whether `schemaName` may replace the latest version under `topic` (BACKWARD). */
  async isCompatible(topic: string, schemaText: string): Promise<boolean> {
    const res = await this.fetch(
      `${this.url}/compatibility/subjects/${encodeURIComponent(valueSubject(topic))}/versions/latest`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: schemaText }),
      },
    );
    if (!res.ok) throw new Error(`compatibility check failed: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { is_compatible: boolean }).is_compatible;
  }
}
