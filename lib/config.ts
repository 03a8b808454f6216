// One zod schema for every setting, one resolver. Values come from environment variables (and the
// CLI's flags and config file, which it folds into the same variable names before calling
// loadConfig). A wrong value fails start-up with a message that names the variable.
import { resolve } from 'node:path';
import { z } from 'zod';
import { holdsPem, isLocalStackBroker, isLocalStackRegistry, settingConflicts } from './config-rules.ts';
import { ConfigError } from './errors.ts';
import { readSecretFiles, shownValue } from './secrets.ts';
import { SOURCE_NAMES, type SourceName } from './sources/registry.ts';
import {
  resolveSourceSettings,
  sourceSettingConflicts,
  sourceSettingsShape,
  type SettingWarning,
  type SourceInput,
  type SourceSettings,
} from './sources/settings.ts';

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const url = z.string().url();
/** A path whose file holds a PEM certificate or private key (checked at start-up, read when connecting). */
const pemFile = (kind: 'CERTIFICATE' | 'PRIVATE KEY') =>
  z.string().refine((path) => holdsPem(path, kind), `not a readable PEM file with a ${kind.toLowerCase()}`);
/** The path of a secret's file (`<NAME>_FILE`), read by lib/secrets.ts before validation. */
const secretFile = z.string().min(1);
/** Case-insensitive choices (Kafka's own names are upper case: SASL_SSL, SCRAM-SHA-256). */
const upper = <T extends z.ZodType<string, string>>(choices: T) => z.string().toUpperCase().pipe(choices);

/** Each setting, unchecked against the others (its keys are the known names: bin/env.ts). */
const envShape = z.object({
  TWS_DATA_DIR: z.string().default('.tws'),
  TWS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** auto: readable lines in a terminal, JSON lines otherwise. */
  TWS_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),

  /** Where the local stack (deploy/stack) listens; unset KAFKA_BROKERS and SCHEMA_REGISTRY_URL follow them. */
  TWS_KAFKA_PORT: int(1, 65535).optional(),
  TWS_REGISTRY_PORT: int(1, 65535).optional(),
  /** Default: the local stack's Kafka, 127.0.0.1:TWS_KAFKA_PORT (9092). */
  KAFKA_BROKERS: list.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('tws-analytics'),
  /** TLS and SASL to the brokers (Kafka's security.protocol); lib/kafka/security.ts. */
  KAFKA_SECURITY_PROTOCOL: upper(z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'])).default('PLAINTEXT'),
  KAFKA_SASL_MECHANISM: upper(z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_SASL_PASSWORD_FILE: secretFile.optional(),
  /** Unset with TLS: the system's trust store. */
  KAFKA_SSL_CA_FILE: pemFile('CERTIFICATE').optional(),
  KAFKA_SSL_CERT_FILE: pemFile('CERTIFICATE').optional(),
  KAFKA_SSL_KEY_FILE: pemFile('PRIVATE KEY').optional(),
  KAFKA_SSL_KEY_PASSWORD: z.string().optional(),
  KAFKA_SSL_KEY_PASSWORD_FILE: secretFile.optional(),
  /** Default: the local stack's registry, http://127.0.0.1:TWS_REGISTRY_PORT/apis/ccompat/v7. */
  SCHEMA_REGISTRY_URL: url.optional(),
  /** HTTP basic auth to the registry (also handed to ClickHouse: lib/registry/clickhouse-url.ts). */
  SCHEMA_REGISTRY_USERNAME: z.string().min(1).optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD_FILE: secretFile.optional(),
  SCHEMA_REGISTRY_CA_FILE: pemFile('CERTIFICATE').optional(),
  /** The registry as ClickHouse reaches it (it fetches schemas to decode snapshots); default SCHEMA_REGISTRY_URL. */
  TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL: url.optional(),
  TWS_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only')
    .default('tws'),
  TWS_TOPIC_PARTITIONS: int(1, 1000).default(6),
  TWS_SNAPSHOT_RETENTION_HOURS: int(1).default(24 * 7),

  CLICKHOUSE_URL: url.optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_PASSWORD_FILE: secretFile.optional(),
  /** An https:// CLICKHOUSE_URL: a private CA, and a client certificate for certificate auth. */
  CLICKHOUSE_CA_FILE: pemFile('CERTIFICATE').optional(),
  CLICKHOUSE_CERT_FILE: pemFile('CERTIFICATE').optional(),
  CLICKHOUSE_KEY_FILE: pemFile('PRIVATE KEY').optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'an identifier')
    .default('tws'),
  /** Server mode on a ClickHouse cluster: its name (or a macro such as {cluster}); DDL runs ON CLUSTER. */
  TWS_CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z0-9_.{}-]+$/, 'a cluster name from remote_servers (letters, digits, "_", ".", "-", or a {macro})')
    .optional(),
  TWS_CHDB_PATH: z.string().optional(),
  /**
   * The nice value of the ClickHouse threads that run ingest work (os_thread_priority on writes and on
   * the consumers' reads): API reads win the cores while a backlog is ingested. 0 turns it off.
   */
  TWS_CLICKHOUSE_INGEST_NICE: int(0, 19).default(10),

  /** Deprecated: which source TWS_SOURCE_BASE_URL / TWS_SOURCE_PATH apply to (lib/sources/settings.ts). */
  TWS_SOURCE: z.enum(SOURCE_NAMES).optional(),
  TWS_SOURCE_BASE_URL: url.optional(),
  TWS_SOURCE_PATH: z.string().startsWith('/').optional(),
  /** TWS_SOURCES__<NAME>__BASE_URL, __PATH, __RATE_LIMIT_PER_MINUTE, __REQUEST_TIMEOUT_MS per source. */
  ...sourceSettingsShape(),
  /** Cross-site dedupe: all-in prices within this fraction are the same inventory (docs/metrics.md). */
  TWS_DEDUPE_PRICE_TOLERANCE: num(0, 0.5).default(0.02),
  /** How old another source's latest snapshot may be and still count in an event's all-sources view. */
  TWS_ALL_SOURCES_MAX_AGE_SECONDS: int(60, 86_400).default(3_600),
  TWS_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(60),
  TWS_SCRAPE_CONCURRENCY: int(1, 256).default(4),
  TWS_REQUEST_TIMEOUT_MS: int(100, 600_000).default(10_000),
  TWS_SCRAPE_INTERVAL_SECONDS: int(1).default(300),
  TWS_ALERT_WEBHOOK_URL: url.optional(),
  TWS_ALERT_WEBHOOK_URL_FILE: secretFile.optional(),
  TWS_ALERT_ERRORS_PER_HOUR: int(0).default(10),
  /** Price alerts (docs/alerts.md): the alerter's consumer group, sealing key, delivery policy. */
  TWS_ALERTER_GROUP: z.string().min(1).default('tws-alerter'),
  TWS_ALERT_SECRET_KEY: z
    .string()
    .regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, '32 bytes as 64 hex digits or base64')
    .optional(),
  TWS_ALERT_SECRET_KEY_FILE: secretFile.optional(),
  TWS_ALERT_SOURCE_DOWN_AFTER: int(1, 1000).default(3),
  TWS_ALERT_DELIVERY_ATTEMPTS: int(1, 20).default(6),
  TWS_ALERT_RETRY_INITIAL_MS: int(1, 600_000).default(1_000),
  TWS_ALERT_RETRY_MAX_MS: int(1, 3_600_000).default(60_000),
  TWS_ALERT_TARGET_CONCURRENCY: int(1, 64).default(2),
  TWS_ALERT_WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  /** Base URL of the dashboard in alert links; default http://TWS_API_HOST:TWS_API_PORT. */
  TWS_PUBLIC_URL: url.optional(),
  TWS_SIM_PORT: int(0, 65535).default(8090),
  TWS_SIM_SEED: int(0).default(42),
  TWS_SIM_EVENTS: int(0, 10_000).default(4),

  TWS_CONSUMER_GROUP: z.string().min(1).default('tws-metrics'),
  TWS_BATCH_MAX_SNAPSHOTS: int(1, 100_000).default(500),
  TWS_LIFECYCLE_BATCH_MAX_SNAPSHOTS: int(1, 100_000).default(100),
  /**
   * Partitions the metrics consumer writes side by side; embedded, as many chDB write sessions (one
   * statement at a time each). Default: see ingestLanesBesideApi.
   */
  TWS_INGEST_LANES: int(1, 16).optional(),
  TWS_MAX_RECORD_BYTES: int(1024, 8 * 1024 * 1024).default(8 * 1024 * 1024),
  /** Default: EMBEDDED_SESSION_TIMEOUT_MS embedded, 30,000 with CLICKHOUSE_URL. */
  TWS_CONSUMER_SESSION_TIMEOUT_MS: int(6_000, 300_000).optional(),
  TWS_WINDOW_GRACE_SECONDS: int(0).default(300),
  TWS_RAW_LISTINGS: bool.default(true),
  TWS_OUTLIER_RATIO: num(0, 1).default(0.25),
  TWS_EXCLUDE_OUTLIERS: bool.default(true),
  /** Listing lifecycle (docs/metrics.md): a removed listing back within this many hours was no sale. */
  TWS_RELIST_WINDOW_HOURS: int(1, 720).default(48),
  /** Removals this close to the event's start are not counted as sales. */
  TWS_EVENT_END_CUTOFF_MINUTES: int(0, 10_080).default(120),
  TWS_ARCHIVE_AFTER_DAYS: int(1).default(120),
  TWS_RAW_LISTINGS_TTL_DAYS: int(1).default(30),
  TWS_ROLLUP_TTL_DAYS: int(730).default(730),
  TWS_LISTING_CHANGES_TTL_DAYS: int(30).default(730),

  TWS_METRICS_PORT: int(0, 65535).optional(),
  TWS_API_HOST: z.string().default('127.0.0.1'),
  TWS_API_PORT: int(0, 65535).default(8080),
  TWS_API_KEYS: list.default([]),
  TWS_API_KEYS_FILE: secretFile.optional(),
  TWS_API_READ_AUTH: z.enum(['public', 'key']).default('public'),
  TWS_CORS_ORIGINS: list.default([]),
  TWS_API_MAX_RANGE_DAYS: int(1).default(400),
  TWS_API_BODY_LIMIT_BYTES: int(1024).default(64 * 1024),
  TWS_API_RATE_LIMIT_PER_MINUTE: int(1).default(600),
  TWS_SQL_MAX_EXECUTION_SECONDS: int(1, 600).default(10),
  TWS_SQL_MAX_RESULT_ROWS: int(1).default(10_000),
  TWS_SQL_MAX_MEMORY_BYTES: int(1_000_000).default(512 * 1024 * 1024),
});

/** Each key is the environment variable that sets it; pairs that must agree are checked too. */
export const envSchema = envShape.superRefine((e, ctx) => {
  // Settings that contradict each other, or one that needs another (lib/config-rules.ts).
  for (const c of [...settingConflicts(e), ...sourceSettingConflicts(e as SourceInput)])
    ctx.addIssue({ code: 'custom', path: [c.setting], message: c.message, params: { conflict: true } });
});

export type Env = z.infer<typeof envSchema>;

export interface Config {
  dataDir: string;
  logLevel: Env['TWS_LOG_LEVEL'];
  logFormat: Env['TWS_LOG_FORMAT'];
  kafka: {
    brokers: string[];
    clientId: string;
    topicPrefix: string;
    partitions: number;
    snapshotRetentionHours: number;
    security: KafkaSecurity;
    /** The session timeout of every consumer group member of this client (TWS_CONSUMER_SESSION_TIMEOUT_MS). */
    sessionTimeoutMs: number;
  };
  /**
   * `clickhouseUrl`: the same registry as ClickHouse reaches it (AvroConfluent decoding in the engine);
   * hand it over with registryUrlForClickHouse() (lib/registry/clickhouse-url.ts), which adds `auth`.
   * `caFile`: a private CA of an https:// registry.
   */
  registry: { url: string; clickhouseUrl: string; auth?: { username: string; password: string }; caFile?: string };
  clickhouse:
    | {
        mode: 'server';
        url: string;
        user: string;
        password: string;
        database: string;
        cluster?: string;
        /** An https:// URL's private CA and client certificate (lib/clickhouse/tls.ts). */
        tls?: { caFile?: string; certFile?: string; keyFile?: string };
        /** os_thread_priority of ingest work (TWS_CLICKHOUSE_INGEST_NICE); 0 or absent: none. */
        ingestNice?: number;
      }
    | {
        mode: 'embedded';
        path: string;
        database: string;
        ingestNice?: number;
        /** chDB sessions for writes, one per ingest lane (TWS_INGEST_LANES; unset: DEFAULT_INGEST_LANES). */
        writeSessions?: number;
      };
  /**
   * The local dev stack's ports, and whether the clients point at it (`kafka`, `registry`): `tws up`
   * starts only those services. KAFKA_BROKERS and SCHEMA_REGISTRY_URL default to the stack's addresses.
   */
  localStack: { kafkaPort: number; registryPort: number; kafka: boolean; registry: boolean };
  source: {
    /** The defaults of every source's own politeness settings (`sources`). */
    ratePerMinute: number;
    concurrency: number;
    timeoutMs: number;
    intervalSeconds: number;
  };
  /** Each registered source's base URL and politeness (lib/sources/settings.ts). */
  sources: Record<SourceName, SourceSettings>;
  /** Across sources: the dedupe tolerance and how old a source's latest snapshot may be (docs/metrics.md). */
  allSources: { dedupeTolerance: number; maxAgeSeconds: number };
  /** Settings that are deprecated or have no effect, for a start-up warning each. */
  warnings: SettingWarning[];
  alerts: {
    webhookUrl: string | undefined;
    errorsPerHour: number;
    /** Price alerts (docs/alerts.md). */
    group: string;
    secretKey: string | undefined;
    sourceDownAfter: number;
    delivery: { attempts: number; initialDelayMs: number; maxDelayMs: number; timeoutMs: number };
    targetConcurrency: number;
    dashboardUrl: string;
  };
  sim: { port: number; seed: number; events: number };
  consumer: {
    group: string;
    batchMaxSnapshots: number;
    /** The lifecycle consumer's ranges: its views hold each key's listings in arrays, so memory grows with the range. */
    lifecycleBatchMaxSnapshots: number;
    /** Partitions the metrics consumer writes side by side (TWS_INGEST_LANES; unset: DEFAULT_INGEST_LANES). */
    ingestLanes?: number;
    sessionTimeoutMs: number;
    maxRecordBytes: number;
    windowGraceSeconds: number;
    rawListings: boolean;
    outlierRatio: number;
    excludeOutliers: boolean;
    relistWindowHours: number;
    eventEndCutoffMinutes: number;
  };
  retention: { archiveAfterDays: number; rawListingsDays: number; rollupDays: number; listingChangesDays: number };
  /** /metrics and /healthz for the roles without an API (scheduler, worker, consumers). */
  metricsPort: number | undefined;
  api: {
    host: string;
    port: number;
    keys: string[];
    readAuth: Env['TWS_API_READ_AUTH'];
    corsOrigins: string[];
    maxRangeDays: number;
    bodyLimitBytes: number;
    rateLimitPerMinute: number;
    sql: { maxExecutionSeconds: number; maxResultRows: number; maxMemoryBytes: number };
  };
}

/** Kafka's security.protocol with what it needs: `tls` with SSL and SASL_SSL, `sasl` with SASL_*. */
export interface KafkaSecurity {
  protocol: Env['KAFKA_SECURITY_PROTOCOL'];
  /** Files are paths, read when connecting; no `caFile`: the system's trust store. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; keyPassword?: string };
  sasl?: { mechanism: NonNullable<Env['KAFKA_SASL_MECHANISM']>; username: string; password: string };
}

/**
 * The embedded default session timeout. Embedded, one process owns the data directory, so a member
 * that stops heartbeating for this long is a crashed `tws up`: its groups (metrics, ops, workers,
 * alerter) wait for its session to expire before the next start joins them (issue 13: 26 s with 30 s).
 * Members heartbeat during long batches too (lib/kafka/keep-alive.ts), so a short session costs no
 * rebalances. 6 s is the broker's default group.min.session.timeout.ms.
 */
export const EMBEDDED_SESSION_TIMEOUT_MS = 6_000;

/**
 * Ingest lanes where TWS_INGEST_LANES is unset. A process of consumers alone writes two partitions
 * side by side (1.3x the catch-up rate of one lane on 2 cores, bench 2026-12-01). Beside the API in
 * one process (`tws up`), one, as before the lanes: there reads matter more than how fast a backlog
 * drains (the API's p99 under the bench's backlog: 2.3-2.5x idle with two lanes, 1.5-2.1x with one).
 */
export const DEFAULT_INGEST_LANES = { alone: 2, besideApi: 1 } as const;

/** `config` for a process that also serves the API: the lanes default to one (write sessions too). */
export function ingestLanesBesideApi(config: Config): Config {
  const lanes = config.consumer.ingestLanes ?? DEFAULT_INGEST_LANES.besideApi;
  return {
    ...config,
    consumer: { ...config.consumer, ingestLanes: lanes },
    clickhouse:
      config.clickhouse.mode === 'embedded' ? { ...config.clickhouse, writeSessions: lanes } : config.clickhouse,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const values = readSecretFiles(picked);
  const parsed = envSchema.safeParse(values);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    const variable = String(first.path[0] ?? 'environment');
    // Secrets are never echoed, and URLs lose their passwords.
    const lines = parsed.error.issues.map((i) =>
      i.code === 'custom' && i.params?.conflict
        ? `${String(i.path[0])}: ${i.message}`
        : `${String(i.path[0])}: ${i.message} (got ${shownValue(String(i.path[0]), values[String(i.path[0])])})`,
    );
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`, variable);
  }
  const e = parsed.data;
  const { sources, warnings } = resolveSourceSettings(e as SourceInput, new Set(Object.keys(picked)));
  if (e.TWS_CLICKHOUSE_CLUSTER && !e.CLICKHOUSE_URL)
    throw new ConfigError(
      'invalid configuration:\n  TWS_CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL (a cluster is server mode; embedded chDB is one process)',
      'TWS_CLICKHOUSE_CLUSTER',
    );
  const dataDir = resolve(e.TWS_DATA_DIR);
  const kafkaPort = e.TWS_KAFKA_PORT ?? 9092;
  const registryPort = e.TWS_REGISTRY_PORT ?? 8081;
  const brokers = e.KAFKA_BROKERS ?? [`127.0.0.1:${kafkaPort}`];
  const registryUrl = e.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${registryPort}/apis/ccompat/v7`;
  const tlsToKafka = e.KAFKA_SECURITY_PROTOCOL.endsWith('SSL');
  const sessionTimeoutMs =
    e.TWS_CONSUMER_SESSION_TIMEOUT_MS ?? (e.CLICKHOUSE_URL ? 30_000 : EMBEDDED_SESSION_TIMEOUT_MS);
  return {
    dataDir,
    logLevel: e.TWS_LOG_LEVEL,
    logFormat: e.TWS_LOG_FORMAT,
    kafka: {
      brokers,
      clientId: e.KAFKA_CLIENT_ID,
      topicPrefix: e.TWS_TOPIC_PREFIX,
      partitions: e.TWS_TOPIC_PARTITIONS,
      snapshotRetentionHours: e.TWS_SNAPSHOT_RETENTION_HOURS,
      sessionTimeoutMs,
      security: {
        protocol: e.KAFKA_SECURITY_PROTOCOL,
        ...(tlsToKafka && {
          tls: {
            caFile: e.KAFKA_SSL_CA_FILE,
            certFile: e.KAFKA_SSL_CERT_FILE,
            keyFile: e.KAFKA_SSL_KEY_FILE,
            keyPassword: e.KAFKA_SSL_KEY_PASSWORD,
          },
        }),
        // The rules (lib/config-rules.ts) made sure all three are set with SASL_*.
        ...(e.KAFKA_SECURITY_PROTOCOL.startsWith('SASL_') && {
          sasl: {
            mechanism: e.KAFKA_SASL_MECHANISM!,
            username: e.KAFKA_SASL_USERNAME!,
            password: e.KAFKA_SASL_PASSWORD!,
          },
        }),
      },
    },
    registry: {
      url: registryUrl,
      clickhouseUrl: e.TWS_CLICKHOUSE_SCHEMA_REGISTRY_URL ?? registryUrl,
      ...(e.SCHEMA_REGISTRY_USERNAME !== undefined && {
        auth: { username: e.SCHEMA_REGISTRY_USERNAME, password: e.SCHEMA_REGISTRY_PASSWORD! },
      }),
      ...(e.SCHEMA_REGISTRY_CA_FILE !== undefined && { caFile: e.SCHEMA_REGISTRY_CA_FILE }),
    },
    localStack: {
      kafkaPort,
      registryPort,
      kafka: isLocalStackBroker(brokers, kafkaPort),
      registry: isLocalStackRegistry(registryUrl, registryPort),
    },
    clickhouse: e.CLICKHOUSE_URL
      ? {
          mode: 'server',
          url: e.CLICKHOUSE_URL,
          user: e.CLICKHOUSE_USER,
          password: e.CLICKHOUSE_PASSWORD,
          database: e.CLICKHOUSE_DATABASE,
          ...(e.TWS_CLICKHOUSE_CLUSTER ? { cluster: e.TWS_CLICKHOUSE_CLUSTER } : {}),
          ingestNice: e.TWS_CLICKHOUSE_INGEST_NICE,
          ...((e.CLICKHOUSE_CA_FILE ?? e.CLICKHOUSE_CERT_FILE) !== undefined && {
            tls: { caFile: e.CLICKHOUSE_CA_FILE, certFile: e.CLICKHOUSE_CERT_FILE, keyFile: e.CLICKHOUSE_KEY_FILE },
          }),
        }
      : {
          mode: 'embedded',
          path: resolve(e.TWS_CHDB_PATH ?? `${dataDir}/chdb`),
          database: e.CLICKHOUSE_DATABASE,
          ingestNice: e.TWS_CLICKHOUSE_INGEST_NICE,
          writeSessions: e.TWS_INGEST_LANES,
        },
    source: {
      ratePerMinute: e.TWS_RATE_LIMIT_PER_MINUTE,
      concurrency: e.TWS_SCRAPE_CONCURRENCY,
      timeoutMs: e.TWS_REQUEST_TIMEOUT_MS,
      intervalSeconds: e.TWS_SCRAPE_INTERVAL_SECONDS,
    },
    sources,
    allSources: { dedupeTolerance: e.TWS_DEDUPE_PRICE_TOLERANCE, maxAgeSeconds: e.TWS_ALL_SOURCES_MAX_AGE_SECONDS },
    warnings,
    alerts: {
      webhookUrl: e.TWS_ALERT_WEBHOOK_URL,
      errorsPerHour: e.TWS_ALERT_ERRORS_PER_HOUR,
      group: e.TWS_ALERTER_GROUP,
      secretKey: e.TWS_ALERT_SECRET_KEY,
      sourceDownAfter: e.TWS_ALERT_SOURCE_DOWN_AFTER,
      delivery: {
        attempts: e.TWS_ALERT_DELIVERY_ATTEMPTS,
        initialDelayMs: e.TWS_ALERT_RETRY_INITIAL_MS,
        maxDelayMs: e.TWS_ALERT_RETRY_MAX_MS,
        timeoutMs: e.TWS_ALERT_WEBHOOK_TIMEOUT_MS,
      },
      targetConcurrency: e.TWS_ALERT_TARGET_CONCURRENCY,
      dashboardUrl: (e.TWS_PUBLIC_URL ?? `http://${e.TWS_API_HOST}:${e.TWS_API_PORT}`).replace(/\/+$/, ''),
    },
    sim: { port: e.TWS_SIM_PORT, seed: e.TWS_SIM_SEED, events: e.TWS_SIM_EVENTS },
    consumer: {
      group: e.TWS_CONSUMER_GROUP,
      batchMaxSnapshots: e.TWS_BATCH_MAX_SNAPSHOTS,
      lifecycleBatchMaxSnapshots: e.TWS_LIFECYCLE_BATCH_MAX_SNAPSHOTS,
      ingestLanes: e.TWS_INGEST_LANES,
      sessionTimeoutMs,
      maxRecordBytes: e.TWS_MAX_RECORD_BYTES,
      windowGraceSeconds: e.TWS_WINDOW_GRACE_SECONDS,
      rawListings: e.TWS_RAW_LISTINGS,
      outlierRatio: e.TWS_OUTLIER_RATIO,
      excludeOutliers: e.TWS_EXCLUDE_OUTLIERS,
      relistWindowHours: e.TWS_RELIST_WINDOW_HOURS,
      eventEndCutoffMinutes: e.TWS_EVENT_END_CUTOFF_MINUTES,
    },
    metricsPort: e.TWS_METRICS_PORT,
    retention: {
      archiveAfterDays: e.TWS_ARCHIVE_AFTER_DAYS,
      rawListingsDays: e.TWS_RAW_LISTINGS_TTL_DAYS,
      rollupDays: e.TWS_ROLLUP_TTL_DAYS,
      listingChangesDays: e.TWS_LISTING_CHANGES_TTL_DAYS,
    },
    api: {
      host: e.TWS_API_HOST,
      port: e.TWS_API_PORT,
      keys: e.TWS_API_KEYS,
      readAuth: e.TWS_API_READ_AUTH,
      corsOrigins: e.TWS_CORS_ORIGINS,
      maxRangeDays: e.TWS_API_MAX_RANGE_DAYS,
      bodyLimitBytes: e.TWS_API_BODY_LIMIT_BYTES,
      rateLimitPerMinute: e.TWS_API_RATE_LIMIT_PER_MINUTE,
      sql: {
        maxExecutionSeconds: e.TWS_SQL_MAX_EXECUTION_SECONDS,
        maxResultRows: e.TWS_SQL_MAX_RESULT_ROWS,
        maxMemoryBytes: e.TWS_SQL_MAX_MEMORY_BYTES,
      },
    },
  };
}
