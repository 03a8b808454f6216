// Typed errors. `retriable` tells the retrier (lib/retry.ts) and the consumer runner whether trying
// again can help; `code` is stable and safe to show to API clients and to put in Kafka headers.

export class TwsError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  constructor(message: string, opts: { code: string; retriable?: boolean; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.retriable = opts.retriable ?? false;
  }
}

/** A configuration value is missing or malformed; `variable` names it. */
export class ConfigError extends TwsError {
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message, { code: 'CONFIG_INVALID' });
  }
}

/** ClickHouse could not be reached or refused work for a reason that may pass (network, overload). */
export class StoreUnavailableError extends TwsError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'STORE_UNAVAILABLE', retriable: true, cause });
  }
}

/** ClickHouse answered with an error that retrying will not fix (bad SQL, bad data). */
export class StoreQueryError extends TwsError {
  constructor(
    message: string,
    readonly chCode?: string,
    readonly chType?: string,
    cause?: unknown,
  ) {
    super(message, { code: 'STORE_QUERY_FAILED', cause });
  }
}

export class MigrationError extends TwsError {
  constructor(
    readonly file: string,
    message: string,
    cause?: unknown,
  ) {
    super(`migration ${file} failed: ${message}`, { code: 'MIGRATION_FAILED', cause });
  }
}

/** Kafka or the schema registry could not be reached. */
export class BrokerUnavailableError extends TwsError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'BROKER_UNAVAILABLE', retriable: true, cause });
  }
}

/** A record could not be decoded or breaks its contract: it belongs in the dead-letter topic. */
export class PoisonRecordError extends TwsError {
  constructor(
    message: string,
    /** `rejected`: it decoded here, but ClickHouse rejected its data (isolated by bisection). */
    readonly reason: 'decode' | 'schema' | 'invalid' | 'oversized' | 'rejected',
    cause?: unknown,
  ) {
    super(message, { code: `POISON_${reason.toUpperCase()}`, cause });
  }
}

export class NotFoundError extends TwsError {
  constructor(message: string) {
    super(message, { code: 'NOT_FOUND' });
  }
}

export class ValidationError extends TwsError {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message, { code: 'VALIDATION_FAILED' });
  }
}

export const isRetriable = (err: unknown): boolean => err instanceof TwsError && err.retriable;

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class ConflictError extends TwsError {
  constructor(message: string) {
    super(message, { code: 'CONFLICT' });
  }
}

/**
 * A webhook did not take an alert notification. Retriable for 5xx, 429, timeouts and network
 * errors; not for other answers (a 4xx says the request itself is wrong). `status` is the HTTP
 * status when there was one. The message never holds the target's URL (it may hold a token).
 */
export class DeliveryError extends TwsError {
  constructor(
    message: string,
    readonly status: number | null,
    retriable: boolean,
  ) {
    super(message, { code: retriable ? 'WEBHOOK_UNAVAILABLE' : 'WEBHOOK_REJECTED', retriable });
  }
}

/**
 * Kafka, the registry or ClickHouse refused our credentials (`AUTH_FAILED`, also for missing
 * permissions) or TLS did not verify (`TLS_FAILED`). Retrying cannot help: `settings` names what to
 * fix, and the message names it too. The message never holds a secret.
 */
export class AccessError extends TwsError {
  constructor(
    message: string,
    readonly kind: 'auth' | 'tls',
    readonly settings: readonly string[],
    cause?: unknown,
  ) {
    super(message, { code: kind === 'auth' ? 'AUTH_FAILED' : 'TLS_FAILED', cause });
  }
}
