// `tws alerts add|list|rm|test`: price-alert rules from the command line. They work through Kafka
// only (the compacted rules topic, and the catalog topic to check the event), never ClickHouse, so
// they run next to a live `npm start`, whose embedded ClickHouse allows no second process. The
// alerter picks a new rule up from the topic at once; it fires from the next scrape on.
import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { describe, ruleSummary, renderBody, webhookBody } from '../../lib/alerts/delivery/payload.ts';
import { deliver } from '../../lib/alerts/delivery/webhook.ts';
import type { AlertNotification, AlertRuleRecord, TargetFormat } from '../../lib/alerts/model.ts';
import { buildRecord, newRuleId, removedVersion } from '../../lib/alerts/rules.ts';
import { loadSecretBox } from '../../lib/alerts/secret-box.ts';
import { openTarget } from '../../lib/alerts/targets.ts';
import type { Config } from '../../lib/config.ts';
import { ConfigError, NotFoundError } from '../../lib/errors.ts';
import { AvroProducer } from '../../lib/kafka/avro-producer.ts';
import { readCompacted } from '../../lib/kafka/compacted-view.ts';
import { deadLetterHeaders } from '../../lib/kafka/topics.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CatalogEvent } from '../../lib/model.ts';
import { NewRuleBody, ruleInputFromBody } from '../../api/schemas/alerts.ts';
import { createContext, prepareTopics } from '../roles.ts';
import { printRows, type OutputFormat } from './output.ts';

type Setup = (cmd: Command) => { config: Config; log: Logger };

/** `90s`, `30m`, `2h`, `7d` or plain seconds. */
export function parseDuration(flag: string) {
  return (v: string): number => {
    const m = /^(\d+)\s*(s|m|h|d)?$/.exec(v.trim());
    if (!m) throw new ConfigError(`${flag} must be a duration such as 90s, 30m, 2h or 7d, got "${v}"`, flag);
    return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  };
}

const number = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || v.trim() === '') throw new ConfigError(`${flag} must be a number, got "${v}"`, flag);
  return n;
};

/** Body field → the flag that sets it, so a validation error names what the user typed. */
const FLAG_OF: Array<[RegExp, string]> = [
  [/^name$/, '--name'],
  [/^event_id$/, '--event'],
  [/^zone$/, '--zone'],
  [/^section$/, '--section'],
  [/^basis$/, '--basis'],
  [/^group_size$/, '--seats'],
  [/^condition\.price$/, '--below'],
  [/^condition\.pct$/, '--drop-pct'],
  [/^condition\.window_seconds$/, '--window'],
  [/^condition\.tickets$/, '--inventory-below'],
  [/^condition\.min_new$/, '--new-listings'],
  [/^condition/, 'a condition (--below, --drop-pct, --new-low, --inventory-below or --new-listings)'],
  [/^cooldown_seconds$/, '--cooldown'],
  [/^rearm_drop_pct$/, '--rearm-drop-pct'],
  [/^targets\.\d+\.url$|^targets$/, '--target'],
  [/^targets\.\d+\.secret$/, '--secret'],
  [/^targets\.\d+\.format$/, '--format'],
];
const flagOf = (field: string): string => FLAG_OF.find(([re]) => re.test(field))?.[1] ?? field;

interface AddOptions {
  event: string;
  zone?: string;
  section?: string;
  basis: string;
  seats: string;
  below?: number;
  dropPct?: number;
  window?: number;
  newLow?: boolean;
  inventoryBelow?: number;
  newListings?: true | number;
  cooldown: number;
  rearmDropPct?: number;
  target: string[];
  format: string;
  secret?: string;
  secretFromEnv?: string;
  name?: string;
  paused?: boolean;
}

function conditionOf(flags: AddOptions): Record<string, unknown> {
  const given = [flags.below, flags.dropPct, flags.newLow, flags.inventoryBelow, flags.newListings].filter(
    (v) => v !== undefined,
  );
  if (given.length !== 1)
    throw new ConfigError(
      'give exactly one condition: --below <usd>, --drop-pct <pct> --window <duration>, --new-low [--window <duration>], --inventory-below <tickets> or --new-listings [n]',
      '--below',
    );
  if (flags.below !== undefined) return { type: 'below', price: flags.below };
  if (flags.dropPct !== undefined) return { type: 'drop_pct', pct: flags.dropPct, window_seconds: flags.window };
  if (flags.newLow) return { type: 'new_low', window_seconds: flags.window ?? null };
  if (flags.inventoryBelow !== undefined) return { type: 'inventory_below', tickets: flags.inventoryBelow };
  return { type: 'new_listings', min_new: flags.newListings === true ? 1 : flags.newListings };
}

function describeCondition(r: AlertRuleRecord): string {
  const window = r.window_seconds === null ? 'all history' : `${r.window_seconds} s`;
  switch (r.condition) {
    case 'below':
      return `below $${((r.price_cents ?? 0) / 100).toFixed(2)}`;
    case 'drop_pct':
      return `drop ${r.drop_pct}% over ${window}`;
    case 'new_low':
      return `new low over ${window}`;
    case 'inventory_below':
      return `inventory below ${r.tickets}`;
    case 'new_listings':
      return `${r.min_new_listings}+ new listings`;
  }
}

/** What a command needs: the producer (its codec reads the topics too) and a log. */
async function withKafka<T>(setup: Setup, cmd: Command, fn: (k: KafkaTools) => Promise<T>): Promise<T> {
  const { config, log } = setup(cmd);
  const ctx = createContext(config, log);
  await prepareTopics(ctx);
  const producer = new AvroProducer(ctx.kafka, config, ['alertRules', 'deadLetter']);
  await producer.start();
  const group = `${config.alerts.group}-cli`;
  const onPoison: Parameters<typeof readCompacted>[0]['onPoison'] = async (err, message, meta) => {
    await producer.sendRaw('deadLetter', [
      { key: message.key, value: message.value, headers: deadLetterHeaders(err, meta, group) },
    ]);
  };
  const read = <V>(topic: string, key: (v: V) => string, newer: (a: V, b: V) => boolean) =>
    readCompacted<V>({ kafka: ctx.kafka, codec: producer.codec, topic, groupPrefix: group, log, onPoison, key, newer });
  try {
    return await fn({
      config,
      producer,
      rules: () =>
        read<AlertRuleRecord>(
          producer.topics.alertRules,
          (r) => r.rule_id,
          (a, b) => a.version > b.version,
        ),
      events: () =>
        read<CatalogEvent>(
          producer.topics.catalog,
          (e) => e.event_id,
          (a, b) => a.version > b.version,
        ),
    });
  } finally {
    await producer.stop();
  }
}

interface KafkaTools {
  config: Config;
  producer: AvroProducer;
  rules: () => Promise<Map<string, AlertRuleRecord>>;
  events: () => Promise<Map<string, CatalogEvent>>;
}

async function liveRule(k: KafkaTools, ruleId: string): Promise<AlertRuleRecord> {
  const r = (await k.rules()).get(ruleId);
  if (!r || r.deleted) throw new NotFoundError(`no alert rule ${ruleId} (see \`tws alerts list\`)`);
  return r;
}

export function alertsCommand(setup: Setup, print: (l: string) => void): Command {
  const alerts = new Command('alerts').description('price-alert rules (docs/alerts.md)');

  alerts
    .command('add')
    .description('add a rule; it fires from the next scrape on')
    .requiredOption('--event <eventId>', 'the event to watch')
    .requiredOption('--target <url>', 'webhook URL (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--zone <zone>', 'zone name (default: every zone, each on its own)')
    .option('--section <section>', 'section name within the zone')
    .addOption(
      new Option('--basis <basis>', 'all-in price or before fees').choices(['all_in', 'base']).default('all_in'),
    )
    .addOption(new Option('--seats <n>', 'seats together (split rule)').choices(['1', '2', '4']).default('1'))
    .option('--below <usd>', 'condition: price per ticket below this', number('--below'))
    .option('--drop-pct <pct>', 'condition: this % below the window high (with --window)', number('--drop-pct'))
    .option('--new-low', 'condition: a new low over the whole history (or --window)')
    .option('--window <duration>', 'window of --drop-pct / --new-low, e.g. 24h', parseDuration('--window'))
    .option('--inventory-below <tickets>', 'condition: fewer tickets than this', number('--inventory-below'))
    .option(
      '--new-listings [n]',
      'condition: n+ listings added since the previous scrape (default 1)',
      number('--new-listings'),
    )
    .option('--cooldown <duration>', 'quiet time after a firing', parseDuration('--cooldown'), 3600)
    .option('--rearm-drop-pct <pct>', 'fire again after a further drop of this %', number('--rearm-drop-pct'))
    .addOption(new Option('--format <format>', 'body format').choices(['json', 'slack', 'discord']).default('json'))
    .option('--secret <secret>', 'HMAC signing secret (visible in `ps`: prefer --secret-from-env)')
    .option('--secret-from-env <NAME>', 'read the signing secret from this environment variable')
    .option('--name <name>', 'a name for people')
    .option('--paused', 'add it without evaluating it yet')
    .action(async (flags: AddOptions, cmd: Command) => {
      let secret = flags.secret ?? null;
      if (flags.secretFromEnv) {
        secret = process.env[flags.secretFromEnv] ?? null;
        if (!secret) throw new ConfigError(`--secret-from-env: ${flags.secretFromEnv} is not set`, '--secret-from-env');
      }
      const body = {
        name:
          flags.name ??
          `${flags.event}${flags.zone ? ` · ${flags.zone}` : ''}${flags.section ? ` · ${flags.section}` : ''}`,
        event_id: flags.event,
        zone: flags.zone ?? null,
        section: flags.section ?? null,
        basis: flags.basis,
        group_size: Number(flags.seats),
        condition: conditionOf(flags),
        cooldown_seconds: flags.cooldown,
        rearm_drop_pct: flags.rearmDropPct ?? null,
        targets: flags.target.map((url) => ({ url, format: flags.format as TargetFormat, secret })),
        active: !flags.paused,
      };
      const parsed = NewRuleBody.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.map(String).join('.');
        throw new ConfigError(`${flagOf(field)}: ${issue.message}`, flagOf(field));
      }
      const input = ruleInputFromBody(parsed.data);
      const rule = await withKafka(setup, cmd, async (k) => {
        if (!(await k.events()).has(input.event_id))
          throw new ConfigError(`--event: no event ${input.event_id} (see \`tws events list\`)`, '--event');
        const now = Date.now();
        const record = buildRecord(loadSecretBox(k.config), input, newRuleId(), now, now, now);
        await k.producer.send('alertRules', [{ key: record.rule_id, value: record }]);
        return record;
      });
      print(`added ${rule.rule_id}: ${rule.name}, ${describeCondition(rule)}`);
    });

  alerts
    .command('list')
    .description('list the rules (from the rules topic)')
    .option('--event <eventId>', 'only this event')
    .option('--format <format>', 'table, csv or json', 'table')
    .action(async (flags: { event?: string; format: OutputFormat }, cmd: Command) => {
      const rules = await withKafka(setup, cmd, (k) => k.rules());
      const rows = [...rules.values()]
        .filter((r) => !r.deleted && (!flags.event || r.event_id === flags.event))
        .sort((a, b) => a.created_at - b.created_at)
        .map((r) => ({
          rule_id: r.rule_id,
          name: r.name,
          event_id: r.event_id,
          zone: r.zone ?? '(every zone)',
          section: r.section ?? '',
          condition: describeCondition(r),
          seats: r.group_size,
          basis: r.basis,
          cooldown_seconds: r.cooldown_seconds,
          targets: r.targets.map((t) => `${t.format} ${t.url_hint}${t.signed ? ' (signed)' : ''}`).join(', '),
          active: r.active,
        }));
      printRows(rows, flags.format, print);
    });

  alerts
    .command('rm')
    .description('remove a rule (its pending deliveries are cancelled)')
    .argument('<ruleId>')
    .action(async (ruleId: string, _flags, cmd: Command) => {
      await withKafka(setup, cmd, async (k) => {
        const removed = removedVersion(await liveRule(k, ruleId), Date.now());
        await k.producer.send('alertRules', [{ key: ruleId, value: removed }]);
      });
      print(`removed ${ruleId}`);
    });

  alerts
    .command('test')
    .description("send a test notification (marked test: true) to the rule's targets, once each")
    .argument('<ruleId>')
    .action(async (ruleId: string, _flags, cmd: Command) => {
      const failed = await withKafka(setup, cmd, async (k) => {
        const rule = await liveRule(k, ruleId);
        const box = loadSecretBox(k.config);
        const n: Omit<AlertNotification, 'message'> = {
          alert_id: `alt_${randomBytes(12).toString('hex')}`,
          kind: 'crossing',
          event_id: rule.event_id,
          rule_id: rule.rule_id,
          rule_version: rule.version,
          rule_name: rule.name,
          condition: rule.condition,
          basis: rule.basis,
          group_size: rule.group_size,
          zone: rule.zone,
          zone_id: null,
          section: rule.section,
          observed_at: Date.now(),
          value: rule.price_cents ?? rule.tickets ?? rule.min_new_listings ?? null,
          reference: rule.price_cents ?? rule.tickets ?? null,
          snapshot_id: null,
          consecutive_failures: null,
          dashboard_url: `${k.config.alerts.dashboardUrl}/?event=${encodeURIComponent(rule.event_id)}`,
        };
        const body = webhookBody({ ...n, message: describe(n) }, ruleSummary(rule), true);
        let failures = 0;
        for (const t of rule.targets) {
          const outcome = await deliver(openTarget(box, t), renderBody(t.format, body), n.alert_id, {
            ...k.config.alerts.delivery,
            attempts: 1,
          });
          const what = outcome.ok ? `delivered (HTTP ${outcome.status})` : `failed: ${outcome.error.message}`;
          if (!outcome.ok) failures++;
          print(`${t.target_id} ${t.format} ${t.url_hint}: ${what}`);
        }
        return failures;
      });
      if (failed > 0) process.exitCode = 1;
    });

  return alerts;
}
