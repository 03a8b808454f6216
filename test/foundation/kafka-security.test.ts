// Kafka over TLS and SASL, on a real broker: a private stack of our own (the shared one is never
// reconfigured) with a SASL_SSL listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and an SSL listener
// that requires a client certificate, both signed by a CA the stack makes with keytool. Records go
// out through the project's producer and come back through a consumer group; wrong credentials and
// certificates fail at once with an AccessError that names the setting to fix.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints, stackUp, type StackEndpoints } from '../../deploy/stack/stack.mjs';
import { AccessError } from '../../lib/errors.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, ensureTopics } from '../../lib/kafka/client.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ScrapeRequest } from '../../lib/model.ts';
import { testConfig, uniqueId } from '../helpers/env.ts';
import { privateStackEnv, stopPrivateStack } from '../support/private-stack.ts';
import { readTopic } from '../support/read-topic.ts';

let stackEnv: Record<string, string> | undefined;
let secure: Required<Pick<StackEndpoints, 'saslSsl' | 'ssl'>> & StackEndpoints;
const stackLog: string[] = [];

beforeAll(async () => {
  stackEnv = await privateStackEnv({ secure: true });
  const env = { ...process.env, ...stackEnv };
  await stackUp({ env, only: ['kafka'], log: (l) => stackLog.push(l) });
  secure = stackEndpoints(env) as typeof secure;
}, 240_000);

afterAll(async () => {
  await stopPrivateStack(stackEnv);
}, 60_000);

const saslSettings = (mechanism: string, overrides: Record<string, string> = {}) => ({
  KAFKA_BROKERS: secure.saslSsl.brokers,
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
  KAFKA_SASL_MECHANISM: mechanism,
  KAFKA_SASL_USERNAME: secure.saslSsl.username,
  KAFKA_SASL_PASSWORD_FILE: secure.saslSsl.passwordFile,
  KAFKA_SSL_CA_FILE: secure.saslSsl.caFile,
  ...overrides,
});

const mtlsSettings = (overrides: Record<string, string> = {}) => ({
  KAFKA_BROKERS: secure.ssl.brokers,
  KAFKA_SECURITY_PROTOCOL: 'SSL',
  KAFKA_SSL_CA_FILE: secure.ssl.caFile,
  KAFKA_SSL_CERT_FILE: secure.ssl.certFile,
  KAFKA_SSL_KEY_FILE: secure.ssl.keyFile,
  ...overrides,
});

const request = (i: number): ScrapeRequest => ({
  job_id: 'job-secure',
  event_id: `evt-${i}`,
  source: 'simulated',
  source_event_id: String(5_000_000 + i),
  event_starts_at: null,
  requested_at: Date.now(),
  deadline_at: Date.now() + 60_000,
});

/** Creates the topics, sends `n` requests through the project's producer and reads them back as a group. */
async function roundTrip(settings: Record<string, string>, n = 5): Promise<ScrapeRequest[]> {
  const config = testConfig(settings);
  const kafka = createKafka(config.kafka, silentLogger);
  await ensureTopics(kafka, config.kafka, ['scrapeRequests']);
  const producer = new AvroProducer(kafka, config, ['scrapeRequests']);
  await producer.start();
  try {
    const sent = Array.from({ length: n }, (_, i) => request(i));
    await producer.send(
      'scrapeRequests',
      sent.map((value) => ({ key: value.event_id, value })),
    );
  } finally {
    await producer.stop();
  }
  return readTopic<ScrapeRequest>(kafka, producer.topics.scrapeRequests, config.registry.url, { min: n, quietMs: 500 });
}

/** The error of the first contact (ensureTopics), which must come before a generous deadline: no retry loop. */
async function firstContactError(settings: Record<string, string>): Promise<AccessError> {
  const config = testConfig(settings);
  const kafka = createKafka(config.kafka, silentLogger);
  const deadline = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error('ensureTopics neither failed nor succeeded within 20 s: a retry loop?')),
      20_000,
    ).unref(),
  );
  const err = await Promise.race([
    ensureTopics(kafka, config.kafka).then(
      () => undefined,
      (e: unknown) => e,
    ),
    deadline,
  ]);
  expect(err).toBeInstanceOf(AccessError);
  expect((err as AccessError).retriable).toBe(false);
  return err as AccessError;
}

describe('Kafka over SASL_SSL and mTLS (private broker)', () => {
  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'])(
    'produces and consumes over SASL_SSL with %s',
    async (mechanism) => {
      const got = await roundTrip(saslSettings(mechanism));
      expect(got.map((r) => r.event_id).sort()).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-3', 'evt-4']);
    },
    90_000,
  );

  it('produces and consumes over SSL with a client certificate (mTLS)', async () => {
    const got = await roundTrip(mtlsSettings(), 3);
    expect(got.map((r) => r.source_event_id).sort()).toEqual(['5000000', '5000001', '5000002']);
  }, 90_000);

  it('a wrong password fails at once with an error that names the setting and hides the password', async () => {
    const err = await firstContactError(
      saslSettings('SCRAM-SHA-512', { KAFKA_SASL_PASSWORD_FILE: '', KAFKA_SASL_PASSWORD: 'not-the-password' }),
    );
    expect(err.kind).toBe('auth');
    expect(err.settings).toContain('KAFKA_SASL_PASSWORD');
    expect(err.message).toContain('KAFKA_SASL_PASSWORD');
    expect(err.message).toContain(`user "${secure.saslSsl.username}"`);
    expect(err.message).not.toContain('not-the-password');
    expect(err.message).not.toContain(readFileSync(secure.saslSsl.passwordFile, 'utf8'));
  }, 30_000);

  it('an unknown user fails the same way', async () => {
    const err = await firstContactError(saslSettings('SCRAM-SHA-256', { KAFKA_SASL_USERNAME: uniqueId('nobody-') }));
    expect(err.settings).toEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']);
  }, 30_000);

  it('a broker certificate from a CA we do not trust names KAFKA_SSL_CA_FILE', async () => {
    // No CA file: the system's trust store, which does not hold the stack's private CA.
    const err = await firstContactError(saslSettings('SCRAM-SHA-256', { KAFKA_SSL_CA_FILE: '' }));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('KAFKA_SSL_CA_FILE');
  }, 30_000);

  it('mTLS without a client certificate names KAFKA_SSL_CERT_FILE', async () => {
    const err = await firstContactError(mtlsSettings({ KAFKA_SSL_CERT_FILE: '', KAFKA_SSL_KEY_FILE: '' }));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('KAFKA_SSL_CERT_FILE');
  }, 30_000);

  it('TLS to a plaintext listener names KAFKA_SECURITY_PROTOCOL', async () => {
    const err = await firstContactError({
      KAFKA_BROKERS: secure.brokers,
      KAFKA_SECURITY_PROTOCOL: 'SSL',
      KAFKA_SSL_CA_FILE: secure.ssl.caFile,
    });
    expect(err.message).toContain('KAFKA_SECURITY_PROTOCOL');
  }, 30_000);
});
