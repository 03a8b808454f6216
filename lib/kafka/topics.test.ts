// The topic → record-type map is a compile-time contract: `npm run typecheck` fails when send()
// accepts another topic's record (an unused @ts-expect-error below is an error).
import { describe, expect, it } from 'vitest';
import type { ScrapeOutcome, ScrapeRequest } from '../model.ts';
import type { AvroProducer } from './avro-producer.ts';
import { TOPICS, type AvroTopicKey } from './topics.ts';

describe('topic record types', () => {
  it('send() takes only the topic’s own record type', () => {
    const misuse = (producer: AvroProducer, request: ScrapeRequest, outcome: ScrapeOutcome) => [
      producer.send('scrapeRequests', [{ key: request.event_id, value: request }]),
      // @ts-expect-error an outcome is not a scrape request
      producer.send('scrapeRequests', [{ key: outcome.event_id, value: outcome }]),
      // @ts-expect-error the dead-letter topic carries raw bytes (sendRaw), no Avro record
      producer.send('deadLetter', [{ key: 'k', value: outcome }]),
    ];
    expect(typeof misuse).toBe('function');
  });

  it('every topic but the dead-letter one has a schema, hence a record type', () => {
    const avro = Object.entries(TOPICS)
      .filter(([, spec]) => 'schema' in spec)
      .map(([key]) => key as AvroTopicKey);
    expect(Object.keys(TOPICS).filter((k) => !avro.includes(k as AvroTopicKey))).toEqual(['deadLetter']);
  });
});
