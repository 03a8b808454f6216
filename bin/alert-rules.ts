// The API's writer of alert rules: sealed with TWS_ALERT_SECRET_KEY, published to the compacted rules
// topic, upserted into alert_rules. Without a key (server mode) the API still serves the rules and
// refuses writes with 503, rather than failing to start.
import { AlertRules } from '../lib/alerts/rules.ts';
import { loadSecretBox } from '../lib/alerts/secret-box.ts';
import type { Store } from '../lib/clickhouse/store.ts';
import { ConfigError } from '../lib/errors.ts';
import { AvroProducer } from '../lib/kafka/avro-producer.ts';
import type { Context } from './roles.ts';

export function alertRulesWithPublisher(
  ctx: Context,
  store: Store,
): { rules: AlertRules; producer: AvroProducer } | undefined {
  let box;
  try {
    box = loadSecretBox(ctx.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.log.warn({ variable: err.variable }, `alert rules are read-only in this API: ${err.message}`);
    return undefined;
  }
  // Connects on the first write (AvroProducer.send starts it), so the API does not wait for Kafka.
  const producer = new AvroProducer(ctx.kafka, ctx.config, ['alertRules']);
  const rules = new AlertRules({
    store,
    box,
    publish: (r) => producer.send('alertRules', [{ key: r.rule_id, value: r }]),
  });
  return { rules, producer };
}
