import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { PoisonRecordError } from '../../lib/errors.ts';
import { topicNames } from '../../lib/kafka/topics.ts';
import { AvroCodec, loadSchemaText } from '../../lib/registry/codec.ts';
import { testConfig } from '../helpers/env.ts';

const cfg = testConfig();
const topic = topicNames(cfg.kafka.topicPrefix).scrapeRequests;

describe('real schema registry (Confluent API)', () => {
  it('registers an Avro schema, encodes, and decodes with a client that only knows the registry', async () => {
    const codec = new AvroCodec(cfg.registry.url);
    const id = await codec.register(topic, 'ScrapeRequest');
    expect(id).toBeGreaterThan(0);
    // Registering the same schema again returns the same id.
    expect(await codec.register(topic, 'ScrapeRequest')).toBe(id);

    const value = {
      job_id: 'j1',
      event_id: 'e1',
      source: 'simulated',
      source_event_id: '123',
      event_starts_at: null,
      requested_at: 1_700_000_000_000,
      deadline_at: 1_700_000_060_000,
    };
    const buf = await codec.encode(topic, value);
    expect(buf[0]).toBe(0);
    expect(buf.readInt32BE(1)).toBe(id);

    const stranger = new SchemaRegistry({ host: cfg.registry.url });
    expect(await stranger.decode(buf)).toEqual(value);
    expect(await new AvroCodec(cfg.registry.url).decode(buf)).toEqual(value);
  });

  // Regression (chaos suite, kill loop on a cold stack): two consumer processes registering a new
  // subject at once; the loser got "A rule named 'COMPATIBILITY' already exists" and exited.
  it('lets several processes register the same new subject at the same time', async () => {
    const fresh = topicNames(`${cfg.kafka.topicPrefix}-race${Date.now()}`).scrapeRequests;
    const ids = await Promise.all(
      Array.from({ length: 8 }, () => new AvroCodec(cfg.registry.url).register(fresh, 'ScrapeRequest')),
    );
    expect(new Set(ids).size).toBe(1);
  });

  it('keeps the subject BACKWARD compatible', async () => {
    const codec = new AvroCodec(cfg.registry.url);
    await codec.register(topic, 'ScrapeRequest');
    const schema = JSON.parse(loadSchemaText('ScrapeRequest'));
    const withDefault = { ...schema, fields: [...schema.fields, { name: 'priority', type: 'int', default: 0 }] };
    const withoutDefault = { ...schema, fields: [...schema.fields, { name: 'priority', type: 'int' }] };
    expect(await codec.isCompatible(topic, JSON.stringify(withDefault))).toBe(true);
    expect(await codec.isCompatible(topic, JSON.stringify(withoutDefault))).toBe(false);
  });

  it('reports garbage and unknown schema ids as poison, not as an outage', async () => {
    const codec = new AvroCodec(cfg.registry.url);
    await expect(codec.decode(Buffer.from('not avro at all'))).rejects.toBeInstanceOf(PoisonRecordError);
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0x00, 1, 2, 3]);
    await expect(codec.decode(unknownId)).rejects.toMatchObject({ reason: 'schema' });
  });

  it('refuses, for a topic, a record written with a schema not registered under its subject', async () => {
    const codec = new AvroCodec(cfg.registry.url);
    const jobs = topicNames(cfg.kafka.topicPrefix).scrapeJobs;
    await codec.register(topic, 'ScrapeRequest');
    await codec.register(jobs, 'ScrapeJob');
    const job = {
      job_id: 'j1',
      status: 'running',
      started_at: 1_700_000_000_000,
      finished_at: null,
      events_planned: 1,
      events_succeeded: 0,
      events_failed: 0,
      events_cancelled: 0,
      snapshots: 0,
      listings: 0,
      retries: 0,
      error: null,
    };
    const buf = await codec.encode(jobs, job);
    // A fresh codec has no cache: the registry's subject list decides.
    const reader = new AvroCodec(cfg.registry.url);
    expect(await reader.decode(buf, jobs)).toEqual(job);
    await expect(reader.decode(buf, topic)).rejects.toMatchObject({ reason: 'schema' });
    await expect(reader.decode(buf, topic)).rejects.toThrow(/not registered under .*requests.*-value/);
  });
});
