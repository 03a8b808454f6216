// The registry's URL as ClickHouse gets it, for decoding AvroConfluent in the engine
// (`format_avro_schema_registry_url`). ClickHouse takes no separate registry credentials: basic auth
// rides in the URL's user info, percent-encoded, which ClickHouse decodes before sending it. The
// result holds a secret, so show it only through redactUrl() (lib/secrets.ts); lib/clickhouse's
// error translation redacts such URLs in ClickHouse's messages too.
import type { Config } from '../config.ts';

/** config.registry.clickhouseUrl, with SCHEMA_REGISTRY_USERNAME and _PASSWORD embedded when set. */
export function registryUrlForClickHouse(config: Pick<Config, 'registry'>): string {
  const { clickhouseUrl, auth } = config.registry;
  if (!auth) return clickhouseUrl;
  const u = new URL(clickhouseUrl);
  const userInfo = `${encodeURIComponent(auth.username)}:${encodeURIComponent(auth.password)}`;
  return `${u.protocol}//${userInfo}@${u.host}${u.pathname}${u.search}`;
}
