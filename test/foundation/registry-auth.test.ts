// The schema registry behind HTTP basic auth and TLS with a private CA. Apicurio 3.3 authenticates
// only through an OIDC provider, which cannot run here, so an authenticating proxy in front of the
// real (shared) Apicurio stands in for it (test/support/auth-proxy.ts). Both HTTP clients of the
// codec go through it (the registry library and the codec's own requests), records travel through
// the real broker, and chDB fetches a schema through it with the URL that registryUrlForClickHouse
// builds (credentials with characters that need encoding).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../deploy/stack/stack.mjs';
import { ensureTlsMaterial } from '../../deploy/stack/tls.mjs';
import { createStore, type Store } from '../../lib/clickhouse/store.ts';
import { loadConfig } from '../../lib/config.ts';
import { AccessError } from '../../lib/errors.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { createKafka, deleteTopicsWithPrefix, ensureTopics, type Kafka } from '../../lib/kafka/client.ts';
import { readRaw as readRawRecords } from '../../lib/kafka/raw.ts';
import { silentLogger } from '../../lib/logger.ts';
import type { ScrapeRequest } from '../../lib/model.ts';
import { registryUrlForClickHouse } from '../../lib/registry/clickhouse-url.ts';
import { AvroCodec } from '../../lib/registry/codec.ts';
import { testConfig, uniqueId } from '../helpers/env.ts';
import { startAuthProxy, type AuthProxy } from '../support/auth-proxy.ts';

const USER = 'tws reader';
const PASSWORD = 'p@ss:w/rd%20&#?';
const dir = mkdtempSync(join(tmpdir(), 'tws-registry-auth-'));
const passwordFile = join(dir, 'registry-password');
writeFileSync(passwordFile, `${PASSWORD}\n`);

let tls: ReturnType<typeof ensureTlsMaterial>;
let httpsProxy: AuthProxy;
let httpProxy: AuthProxy;
let kafka: Kafka | undefined;
let store: Store | undefined;
const prefix = uniqueId('test-');

beforeAll(async () => {
  tls = ensureTlsMaterial(join(dir, 'tls'));
  const upstream = stackEndpoints().registryUrl;
  const tlsFiles = { key: readFileSync(tls.serverKeyPem), cert: readFileSync(tls.serverCertPem) };
  httpsProxy = await startAuthProxy({ upstream, username: USER, password: PASSWORD, tls: tlsFiles });
  httpProxy = await startAuthProxy({ upstream, username: USER, password: PASSWORD });
}, 120_000);

afterAll(async () => {
  if (kafka) await deleteTopicsWithPrefix(kafka, prefix);
  await store?.close();
  await Promise.all([httpsProxy?.close(), httpProxy?.close()]);
});

const secured = (overrides: Record<string, string> = {}) =>
  testConfig({
    TWS_TOPIC_PREFIX: prefix,
    SCHEMA_REGISTRY_URL: httpsProxy.url,
    SCHEMA_REGISTRY_USERNAME: USER,
    SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile,
    SCHEMA_REGISTRY_CA_FILE: tls.caPem,
    ...overrides,
  });

const request = (i: number): ScrapeRequest => ({
  job_id: 'job-registry-auth',
  event_id: `evt-${i}`,
  source: 'simulated',
  source_event_id: String(6_000_000 + i),
  event_starts_at: null,
  requested_at: Date.now(),
  deadline_at: Date.now() + 60_000,
});

/** The producer's start-up (it registers the schema): the error it fails with. */
async function startError(config: ReturnType<typeof testConfig>): Promise<AccessError> {
  const producer = new AvroProducer(createKafka(config.kafka, silentLogger), config, ['scrapeRequests']);
  const err = await producer.start().then(
    () => new Error('start() succeeded'),
    (e: unknown) => e,
  );
  await producer.stop().catch(() => {});
  expect(err).toBeInstanceOf(AccessError);
  expect((err as AccessError).retriable).toBe(false);
  return err as AccessError;
}

describe('registry behind basic auth and a private CA', () => {
  it('registers, publishes and decodes through the proxy, on both of the codec’s clients', async () => {
    const config = secured();
    expect(config.registry.auth).toEqual({ username: USER, password: PASSWORD });
    kafka = createKafka(config.kafka, silentLogger);
    await ensureTopics(kafka, config.kafka, ['scrapeRequests']);
    const producer = new AvroProducer(kafka, config, ['scrapeRequests']);
    await producer.start();
    const topic = producer.topics.scrapeRequests;
    try {
      await producer.send(
        'scrapeRequests',
        [0, 1, 2].map((i) => ({ key: `evt-${i}`, value: request(i) })),
      );
    } finally {
      await producer.stop();
    }
    // A consumer of the project decodes with the topic check: the codec's own request for the
    // schema's subjects goes through the proxy too.
    const consumerCodec = new AvroCodec(config.registry.url, config.registry);
    const raw = await readRaw(kafka, topic, 3);
    const decoded = await Promise.all(raw.map((buf) => consumerCodec.decode<ScrapeRequest>(buf, topic)));
    expect(decoded.map((r) => r.event_id).sort()).toEqual(['evt-0', 'evt-1', 'evt-2']);
    expect(await consumerCodec.isCompatible(topic, readFileSync('schemas/ScrapeRequest.avsc', 'utf8'))).toBe(true);
    const paths = httpsProxy.seen.map((line) => line.split(' ')[1]);
    expect(paths.some((p) => p?.includes('/versions') && p.includes(topic))).toBe(true); // the library
    expect(paths.some((p) => /\/schemas\/ids\/\d+\/versions$/.test(p ?? ''))).toBe(true); // the codec's fetch
    expect(paths.some((p) => p?.startsWith('/apis/ccompat/v7/compatibility/'))).toBe(true);
    expect(httpsProxy.seen.every((line) => line.endsWith(`${USER}:${PASSWORD}`))).toBe(true);
  }, 60_000);

  it('a wrong password fails the start at once, naming the settings and hiding the password', async () => {
    const before = httpsProxy.seen.length;
    const err = await startError(secured({ SCHEMA_REGISTRY_PASSWORD_FILE: '', SCHEMA_REGISTRY_PASSWORD: 'hunter2' }));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('SCHEMA_REGISTRY_PASSWORD');
    expect(err.message).toContain(`user "${USER}"`);
    expect(err.message).not.toContain('hunter2');
    // One refused request, no retries.
    expect(httpsProxy.seen.slice(before).filter((l) => l.endsWith('hunter2'))).toHaveLength(1);
  });

  it('no credentials: the error says the registry wants them', async () => {
    const err = await startError(secured({ SCHEMA_REGISTRY_USERNAME: '', SCHEMA_REGISTRY_PASSWORD_FILE: '' }));
    expect(err.message).toMatch(/requires credentials.*SCHEMA_REGISTRY_USERNAME/);
  });

  it('a certificate from an untrusted CA names SCHEMA_REGISTRY_CA_FILE', async () => {
    const err = await startError(secured({ SCHEMA_REGISTRY_CA_FILE: '' }));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('SCHEMA_REGISTRY_CA_FILE');
  });

  it('the codec’s own requests fail the same way with a wrong password', async () => {
    const codec = new AvroCodec(httpsProxy.url, { auth: { username: USER, password: 'wrong' }, caFile: tls.caPem });
    const err = await codec.isCompatible('any-topic', '{"type":"string"}').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccessError);
    expect((err as Error).message).toContain('SCHEMA_REGISTRY_USERNAME');
  });
});

describe('ClickHouse decoding through the authenticated registry (registryUrlForClickHouse)', () => {
  it('chDB fetches the schema with the embedded, percent-encoded credentials', async () => {
    const config = loadConfig({
      ...configEnv(secured()),
      TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL: httpProxy.url,
    });
    const topic = `${prefix}.clickhouse-decode`;
    const codec = new AvroCodec(config.registry.url, config.registry);
    await codec.register(topic, 'ScrapeRequest');
    const framed = await codec.encode(topic, request(7));
    store = await createStore({ mode: 'embedded', path: join(dir, 'chdb'), database: 'tws' });
    const rows = await decodeInClickHouse(store, framed, registryUrlForClickHouse(config));
    expect(rows).toEqual([expect.objectContaining({ event_id: 'evt-7', source_event_id: '6000007' })]);
    // ClickHouse sent exactly the configured credentials.
    expect(httpProxy.seen.some((l) => /\/schemas\/ids\/\d+ /.test(l) && l.endsWith(`${USER}:${PASSWORD}`))).toBe(true);
  }, 60_000);

  it('a refused fetch keeps the password out of the error', async () => {
    const config = loadConfig({
      ...configEnv(secured()),
      SCHEMA_REGISTRY_PASSWORD_FILE: '',
      SCHEMA_REGISTRY_PASSWORD: 'wrong-S3CRET',
      TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL: httpProxy.url,
    });
    const topic = `${prefix}.clickhouse-refused`;
    const codec = new AvroCodec(httpsProxy.url, { auth: { username: USER, password: PASSWORD }, caFile: tls.caPem });
    await codec.register(topic, 'ScrapeRequest');
    const framed = await codec.encode(topic, request(8));
    store ??= await createStore({ mode: 'embedded', path: join(dir, 'chdb'), database: 'tws' });
    const err = await decodeInClickHouse(store, framed, registryUrlForClickHouse(config)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/401/);
    expect((err as Error).message).not.toContain('S3CRET');
  }, 60_000);
});

/** The settings that made `config`, as variables again (to derive a second config from the first). */
function configEnv(config: ReturnType<typeof testConfig>): Record<string, string> {
  return {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    SCHEMA_REGISTRY_URL: config.registry.url,
    SCHEMA_REGISTRY_USERNAME: config.registry.auth!.username,
    SCHEMA_REGISTRY_PASSWORD_FILE: passwordFile,
    SCHEMA_REGISTRY_CA_FILE: config.registry.caFile!,
  };
}

/** ClickHouse decodes one Confluent-framed record itself, fetching its schema from `registryUrl`. */
function decodeInClickHouse(store: Store, framed: Buffer, registryUrl: string) {
  const literal = `'${registryUrl.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return store.query<Record<string, unknown>>(
    `SELECT * FROM format(AvroConfluent, base64Decode('${framed.toString('base64')}'))
     SETTINGS format_avro_schema_registry_url = ${literal}`,
  );
}

/** Raw record values of a topic, read by a throwaway group. */
async function readRaw(kafka: Kafka, topic: string, min: number): Promise<Buffer[]> {
  const records = await readRawRecords(kafka, topic, { until: (r) => r.length >= min, timeoutMs: 30_000 });
  return records.map((r) => r.value!);
}
