// A producer of Avro records for the project's topics: registers each topic's schema once at
// start-up, then encodes through the registry and sends with the idempotent, compressed producer.
import type { Producer } from 'kafkajs';
import type { Config } from '../config.ts';
import { BrokerUnavailableError, errorMessage } from '../errors.ts';
import { AvroCodec } from '../registry/codec.ts';
import { mapSliced } from '../time-slice.ts';
import { COMPRESSION } from './client.ts';
import { createProducer, type Kafka } from './native.ts';
import { TOPICS, topicNames, type AvroTopicKey, type TopicKey, type TopicNames, type TopicRecords } from './topics.ts';

/** Records per produce request: about 5 ms of kafkajs partitioning and encoding each. */
const SEND_CHUNK = 1_000;

export interface OutRecord<T> {
  key: string;
  value: T;
  headers?: Record<string, string>;
}

export class AvroProducer {
  readonly topics: TopicNames;
  readonly codec: AvroCodec;
  private readonly producer: Producer;
  private connected = false;
  private stopped = false;
  /** The one start in flight or done: send() starts a producer nobody started (a lazy API). */
  private starting?: Promise<void>;

  constructor(
    kafka: Kafka,
    cfg: { kafka: Config['kafka']; registry: Config['registry'] },
    private readonly uses: TopicKey[],
  ) {
    this.topics = topicNames(cfg.kafka.topicPrefix);
    this.codec = new AvroCodec(cfg.registry.url, cfg.registry);
    this.producer = createProducer(kafka);
  }

  /**
   * Registers the schemas of the topics it uses and connects. Idempotent, and a failed start can be
   * tried again; send() starts a producer that nobody started, so a role may also start it lazily.
   */
  start(): Promise<void> {
    this.starting ??= this.register().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async register(): Promise<void> {
    for (const key of this.uses) {
      const schema = (TOPICS[key] as { schema?: string }).schema;
      if (schema) await this.codec.register(this.topics[key], schema);
    }
    try {
      await this.producer.connect();
    } catch (err) {
      throw new BrokerUnavailableError(`Kafka producer could not connect: ${errorMessage(err)}`, err);
    }
    this.connected = true;
    // Stopped while connecting: leave no connection behind.
    if (this.stopped) await this.stop();
  }

  /** Records of the topic's own type (TopicRecords): a value of another topic's type does not compile. */
  async send<K extends AvroTopicKey>(topic: K, records: OutRecord<TopicRecords[K]>[]): Promise<void> {
    if (records.length === 0) return;
    await this.start();
    const name = this.topics[topic];
    // Encoding and partitioning are JavaScript per record: in slices, and sent in chunks, so that a
    // side output of thousands of records does not hold the event loop (lib/time-slice.ts). Chunks
    // go one after another, so each key's records keep their order.
    const messages = await mapSliced(records, async (r) => ({
      key: r.key,
      value: await this.codec.encode(name, r.value),
      headers: r.headers,
    }));
    try {
      for (let i = 0; i < messages.length; i += SEND_CHUNK)
        await this.producer.send({
          topic: name,
          messages: messages.slice(i, i + SEND_CHUNK),
          acks: -1,
          compression: COMPRESSION,
        });
    } catch (err) {
      throw new BrokerUnavailableError(`could not publish to ${name}: ${errorMessage(err)}`, err);
    }
  }

  /** Raw bytes, for the dead-letter topic: the original record is kept as it was. */
  async sendRaw(
    topic: TopicKey,
    records: { key: Buffer | string | null; value: Buffer | null; headers?: Record<string, string> }[],
  ) {
    if (records.length === 0) return;
    await this.start();
    await this.producer.send({ topic: this.topics[topic], messages: records, acks: -1, compression: COMPRESSION });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.connected) await this.producer.disconnect().catch(() => {});
    this.connected = false;
  }
}
