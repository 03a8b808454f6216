// Poison records on the control topics go to the dead-letter topic with the same headers the
// stream consumers use (docs/topics.md), so one tool can inspect and replay them all.
import type { PoisonRecordError } from '../lib/errors.ts';
import type { AvroProducer } from '../lib/kafka/avro-producer.ts';
import type { RecordMeta } from '../lib/kafka/avro-consumer.ts';
import type { InboundMessage } from '../lib/kafka/group-consumer.ts';
import { deadLetterHeaders } from '../lib/kafka/topics.ts';

export const toDeadLetter =
  (producer: AvroProducer, group: string) =>
  async (err: PoisonRecordError, message: InboundMessage, meta: RecordMeta): Promise<void> => {
    await producer.sendRaw('deadLetter', [
      { key: message.key, value: message.value, headers: deadLetterHeaders(err, meta, group) },
    ]);
  };
