// The alerter (docs/alerts.md): the rules feed (compacted topic → memory and `alert_rules`), the
// dispatcher (outbox → webhooks), the evaluator (a consumer group on tws.metrics.zones.v1) and the
// source watch (a consumer group on tws.scrape.outcomes.v1). Start order matters: the rules are
// loaded and the pending deliveries scheduled before the first metric is evaluated.
import type { AlertNotification, AlertRuleRecord } from '../../lib/alerts/model.ts';
import { upsertRule } from '../../lib/alerts/rules-table.ts';
import { loadSecretBox, type SecretBox } from '../../lib/alerts/secret-box.ts';
import { withinMs } from '../../lib/abort.ts';
import type { Store } from '../../lib/clickhouse/store.ts';
import type { Config } from '../../lib/config.ts';
import { BrokerUnavailableError, PoisonRecordError } from '../../lib/errors.ts';
import { startAvroConsumer, type AvroConsumerOptions, type RunningConsumer } from '../../lib/kafka/avro-consumer.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { deadLetterHeaders } from '../../lib/kafka/topics.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ScrapeOutcome } from '../../lib/model.ts';
import { checkScrapeOutcome, checkTime } from '../../lib/records/plausible.ts';
import { lifecycleGroup } from '../service.ts';
import { Dispatcher } from './dispatcher.ts';
import { AlertEvaluator } from './evaluator.ts';
import type { ZoneMetricsRecord } from './observation.ts';
import { Outbox } from './outbox.ts';
import { RuleIndex } from './rule-index.ts';
import { startRulesFeed, type RulesFeed } from './rules-feed.ts';
import { NewListingsReader } from './new-listings.ts';
import { SectionReader } from './sections.ts';
import { SourceWatch } from './source-watch.ts';
import { AlertStateStore } from './state-store.ts';

export interface AlerterDeps {
  config: Config;
  store: Store;
  kafka: AvroConsumerOptions<unknown>['kafka'];
  log: Logger;
  /** A new consumer group starts at the topics' beginning (tests) instead of their end. */
  fromBeginning?: boolean;
  /** How long to wait for the rules topic to be read before evaluating anything. */
  rulesReadyTimeoutMs?: number;
}

export interface RunningAlerter {
  index: RuleIndex;
  evaluator: AlertEvaluator;
  sources: SourceWatch;
  dispatcher: Dispatcher;
  /** Resolves once the metrics consumer fetches after joining its group. */
  fetching: Promise<void>;
  stop(): Promise<void>;
}

function checkZoneMetrics(m: ZoneMetricsRecord, now = Date.now()): void {
  if (!m.event_id || !m.zone_id || !m.snapshot_id)
    throw new PoisonRecordError('empty event, zone or snapshot id', 'invalid');
  checkTime('scraped_at', m.scraped_at, 'observed', now);
}

export async function startAlerter(d: AlerterDeps): Promise<RunningAlerter> {
  const { config, store, kafka, log } = d;
  const group = config.alerts.group;
  const box: SecretBox = loadSecretBox(config);
  const producer = new AvroProducer(kafka, config, ['alerts', 'deadLetter']);
  await producer.start();
  const stops: Array<() => Promise<void>> = [() => producer.stop()];
  const stopAll = async () => {
    for (const s of [...stops].reverse()) await s().catch(() => {});
    stops.length = 0;
  };
  try {
    const topics = producer.topics;
    const deadLetter: AvroConsumerOptions<unknown>['onPoison'] = async (err, message, meta) => {
      log.warn({ topic: meta.topic, offset: meta.offset, reason: err.reason }, 'poison record dead-lettered');
      await producer.sendRaw('deadLetter', [
        { key: message.key, value: message.value, headers: deadLetterHeaders(err, meta, group) },
      ]);
    };
    const index = new RuleIndex();
    const feed: RulesFeed = await startRulesFeed({
      kafka,
      codec: producer.codec,
      topic: topics.alertRules,
      groupPrefix: group,
      index,
      log,
      onRule: (r: AlertRuleRecord) => upsertRule(store, r),
      onPoison: deadLetter,
      maxRecordBytes: config.consumer.maxRecordBytes,
    });
    stops.push(() => feed.stop());
    const timeout = d.rulesReadyTimeoutMs ?? 60_000;
    let late = false;
    await withinMs(feed.ready, timeout, () => (late = true));
    if (late) throw new BrokerUnavailableError(`the alert rules topic was not read within ${timeout / 1000} s`);
    log.info({ rules: index.list().length }, 'alert rules loaded');

    const outbox = new Outbox(store);
    const states = new AlertStateStore(store);
    const publish = (ns: AlertNotification[]) =>
      producer.send(
        'alerts',
        ns.map((n) => ({ key: n.event_id, value: n })),
      );
    const dispatcher = new Dispatcher({
      outbox,
      index,
      box,
      policy: { ...config.alerts.delivery },
      targetConcurrency: config.alerts.targetConcurrency,
      log,
      deadLetter: async (f, target, reason, message) => {
        await producer.sendRaw('deadLetter', [
          {
            key: f.firing_id,
            value: Buffer.from(f.payload, 'utf8'),
            headers: {
              ...deadLetterHeaders(
                Object.assign(new Error(`webhook ${target}: ${message}`), { reason }),
                { topic: f.source_topic, partition: f.kafka_partition, offset: String(f.kafka_offset) },
                group,
              ),
              'tws.alert.id': f.firing_id,
              'tws.alert.target': target,
            },
          },
        ]);
      },
    });
    await dispatcher.start();
    stops.push(() => dispatcher.stop());
    const dispatch = (rows: Parameters<Dispatcher['enqueue']>[0]) => dispatcher.enqueue(rows);

    const evaluator = new AlertEvaluator({
      index,
      states,
      outbox,
      sections: new SectionReader(store, config.allSources.maxAgeSeconds),
      newListings: new NewListingsReader(store, { group: lifecycleGroup(config), topic: topics.snapshots }),
      publish,
      dispatch,
      dashboardUrl: config.alerts.dashboardUrl,
      log,
    });
    const common = {
      kafka,
      codec: producer.codec,
      log,
      fromBeginning: d.fromBeginning ?? false,
      maxRecordBytes: config.consumer.maxRecordBytes,
      onPoison: deadLetter,
    };
    const metrics: RunningConsumer = await startAvroConsumer<ZoneMetricsRecord>({
      ...common,
      groupId: group,
      topic: topics.zoneMetrics,
      validate: (m) => checkZoneMetrics(m),
      onRecord: (m, meta, signal) => evaluator.onMetric(m, meta, signal),
    });
    stops.push(() => metrics.stop());

    const sources = new SourceWatch({
      index,
      states,
      outbox,
      box,
      publish,
      dispatch,
      downAfter: config.alerts.sourceDownAfter,
      dashboardUrl: config.alerts.dashboardUrl,
      log,
    });
    const outcomes = await startAvroConsumer<ScrapeOutcome>({
      ...common,
      groupId: `${group}-sources`,
      topic: topics.scrapeOutcomes,
      validate: (o) => checkScrapeOutcome(o),
      onRecord: (o, meta) => sources.onOutcome(o, meta),
    });
    stops.push(() => outcomes.stop());

    return { index, evaluator, sources, dispatcher, fetching: metrics.fetching, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
