// The alerter's Prometheus metrics (docs/operations.md), on the process registry.
import { Counter } from 'prom-client';
import { registry } from '../../lib/metrics.ts';

export const alertEvaluations = new Counter({
  name: 'tws_alert_evaluations_total',
  help: 'Rule evaluations by outcome: quiet, fired, cooldown (held by the cooldown), late (at or before the watermark), no_section (section rows did not appear in time), no_lifecycle (the lifecycle did not judge the scrape in time)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const alertFirings = new Counter({
  name: 'tws_alert_firings_total',
  help: 'Alerts fired, by kind (crossing, source_down, source_recovered)',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const alertDeliveries = new Counter({
  name: 'tws_alert_deliveries_total',
  help: 'Final outcomes of webhook deliveries: delivered, dead_lettered, cancelled',
  labelNames: ['status'] as const,
  registers: [registry],
});

export const alertDeliveryAttempts = new Counter({
  name: 'tws_alert_delivery_attempts_total',
  help: 'Webhook delivery attempts, retries included',
  registers: [registry],
});
