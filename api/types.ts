// The app's dependencies and the per-request variables that its middleware set.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { AlertRules } from '../lib/alerts/rules.ts';
import type { EventCatalog } from '../lib/catalog/catalog.ts';
import type { Store } from '../lib/clickhouse/store.ts';
import type { Config } from '../lib/config.ts';
import type { Logger } from '../lib/logger.ts';

export type ApiConfig = Config['api'];

/** Who is calling: a configured API key (by its index, never its value) or an anonymous client by address. */
export type Principal = { kind: 'key'; id: string } | { kind: 'anonymous'; id: string };

export interface AppEnv {
  Variables: {
    principal: Principal;
    /** An Authorization header was sent but did not carry a valid key. */
    authFailed: boolean;
  };
}

export interface AppDeps {
  store: Store;
  config: ApiConfig;
  catalog: EventCatalog;
  /** Writes of /v1/alerts (publish + upsert); absent where TWS_ALERT_SECRET_KEY is missing (503). */
  alertRules?: AlertRules;
  /** Readiness of Kafka and the schema registry; /readyz skips the check when absent. */
  kafkaReady?: () => Promise<boolean>;
  /**
   * Records behind the end of the snapshot topic, per consumer group (metrics and lifecycle);
   * /metrics sets tws_consumer_lag_records{group} from it.
   */
  consumerLag?: () => Promise<Record<string, number>>;
  /** Logs unexpected errors (500s); silent when absent. Never receives keys. */
  logger?: Logger;
  /** The clock, for tests. */
  now?: () => number;
  /** Address of the caller for anonymous rate limiting; defaults to the socket's remote address. */
  clientIp?: (c: Context) => string | undefined;
  /** Lets the dashboard add its routes (`GET /`, `/dashboard/*`) before the 404 handler. */
  dashboard?: (app: OpenAPIHono<AppEnv>) => void;
}

/** What every route module gets from createApp. */
export interface RouteDeps extends AppDeps {
  now: () => number;
  /** Route middleware: `read` enforces config.readAuth, `write` always needs a key. */
  auth: { read: MiddlewareHandler<AppEnv>; write: MiddlewareHandler<AppEnv> };
  /** OpenAPI security requirements matching `auth`. */
  security: { read: Array<Record<string, string[]>>; write: Array<Record<string, string[]>> };
}
