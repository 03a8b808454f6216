// Renders docs/reliability.md from the results of the last chaos run (test-artifacts/chaos-results.json,
// written by `npm run test:chaos`). Usage: npx tsx test/chaos/report.ts [results.json] [out.md]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, RESULTS_FILE, readResults, type ResultsFile, type ScenarioResult } from './support/results.ts';

const ABOUT: Record<string, { file: string; what: string }> = {
  'broker-restart': {
    file: '1-broker-restart.test.ts',
    what: 'A private Kafka broker (own ports and data directory, started with `deploy/stack/stack.mjs`; the shared broker is never touched) is stopped with `stackDown` in the middle of a paced stream (30 snapshots/s) and started again after 5 s (the full profile then does it again with 30 s down, past kafkajs’s own retry budget). The producer is the project’s `AvroProducer`; the consumer is a separate process running `consumers/service.ts`. Checked: each outage holds the producer up for its whole length, then both resume on their own; every acknowledged snapshot is in the snapshot tables exactly once and the rollups equal the recomputation.',
  },
  'kill-loop': {
    file: '2-kill-loop.test.ts',
    what: "Two metrics-consumer processes in one consumer group (6 partitions, ranges of 7 records, session timeout 6 s) share one ClickHouse — the test process’s embedded store, served to both over IPC the way a server would be (embedded chDB allows one process per data directory). During a paced stream, one of the two, drawn at random, is SIGKILLed at a random moment (0–4 s) after it joined and restarted at once; every kill and restart is a rebalance. Checked: at least one kill landed mid-write (a replacement found its predecessor's range unfinished in the ledger and wrote it again); every snapshot exactly once in `snapshots`, `section_snapshots`, `zone_snapshots`, `raw_listings`; hourly and daily rollups equal the recomputation.",
  },
  'store-outage': {
    file: '3-store-outage.test.ts',
    what: 'The consumer process turns on the store’s own fault switch (`store.faults`, `lib/clickhouse/faults.ts`) twice: once it has written a quarter of the stream, ClickHouse rejects writes; once it has written 70 %, it rejects reads and writes (a full outage) while the rest of the stream arrives, after which the topic stays quiet, so only the end of the outage can get those records written. Checked every 500 ms during each outage: the group’s committed offsets and the written records do not move, and the consumer reports backing off with retries; afterwards it catches up to lag 0 with every snapshot exactly once and the rollups as recomputed.',
  },
  'source-outage': {
    file: '4-source-outage.test.ts',
    what: 'The scheduler (a job every 2 s over 4 events) and a scraper worker run against the simulated marketplace while it is down (server closed), slow (answers after 4× the 500 ms request timeout), returns malformed JSON, then malformed JSON for half of the events. Nothing but the marketplace is restarted. Checked: jobs inside each outage end `failed` (`partial` in the last one), every failed job raises a CRITICAL alert and the error rate a HIGH one, scrape logs carry the error kind (`network`, `timeout`, `parse`), a later job succeeds after each outage, every scrape request has exactly one outcome and every successful scrape exactly one snapshot on the topic.',
  },
  soak: {
    file: '5-soak.test.ts',
    what: 'The real scraper path (scheduler + worker against the simulated marketplace, 20 events scraped every second: 20 snapshots/s, about 1,500× the default load of 4 events every 300 s) feeds a consumer process (metrics and ops consumers, own embedded ClickHouse). RSS of both processes is sampled every second and consumer lag every 5 s. Checked: mean RSS of the last window < mean of the first window × 1.5 + 50 MB (windows of a minute in the full profile, 15 s in the short one), lag stays bounded and drains to 0 once the scraper stops, every snapshot of the topic is in the tables exactly once with rollups as recomputed, and every job is in `scrape_jobs`.',
  },
  'bad-records': {
    file: '6-bad-input-topics.test.ts',
    what: 'fast-check generates runs of bad records — random bytes, null values, truncated records, unknown schema ids, records written with another topic’s (registered) schema, records over `TWS_MAX_RECORD_BYTES` (64 KiB here) — on every consumed topic: snapshots (metrics consumer), catalog, scrape jobs, scrape logs (ops consumer), scrape requests (worker), scrape outcomes (scheduler). Each run ends with a good record on the same partition. Checked: the good record is processed (no crash, no stalled partition) and every bad record is in the dead-letter topic with its origin and a fitting reason.',
  },
  'parser-fuzz': {
    file: '6-bad-input-parser.test.ts',
    what: 'Extends the property test of `producers/sources/vividseats/hermes.test.ts` with nastier payloads (hex and exponent numbers, huge and negative strings, `__proto__`/`constructor` keys, deep nesting, lone surrogates) and with the whole adapter (`VividSeatsSource` over HTTP: random status codes, content types, Retry-After values, reset sockets, truncated and binary bodies). Checked: only `SourceError` is ever thrown; what is returned fits the contract (ids, int32 quantities and splits, safe-integer cents, every ticket kept or counted as rejected) and encodes with the `ListingSnapshot` Avro schema; each property reaches the accepted path (parsed, with listings) in a set share of its runs; parsing is linear (20,000 tickets take no longer in one payload than in 200 of 100), and 50,000 tickets all parse.',
  },
  'api-fuzz': {
    file: '6-bad-input-api.test.ts',
    what: 'The API as `tws api` serves it (`startApiRole`: real HTTP, keys required for reads too, CORS configured) is driven with fast-check through every operation of its OpenAPI document, every parameter absent, good or hostile, with good, wrong or garbage keys, random content types and bodies (JSON, binary, over the size limit), and with odd paths and methods. Checked: no 5xx, no stack trace, every error in the `{ error: { code, message } }` form, the tables intact.',
  },
  security: {
    file: '7-security.test.ts',
    what: 'Key comparison: `createKeyRing` is checked with a spy on `crypto.timingSafeEqual` (32-byte digests only, every key tried, no early exit). The whole pipeline (`tws up`’s `up()`: store, consumers, API, simulated marketplace, worker, scheduler; a failing phase fires alerts to a webhook whose URL holds a token) runs in one process with a pino logger at `trace` writing to a file; it is called with good keys, wrong keys, Basic credentials and the SQL endpoint, and the log file is searched for every key, wrong key, password and token. SQL injection strings go into every parameter of every GET operation and into bodies; `/v1/sql` gets writes, DDL, SETTINGS, file/url/remote/executable/s3 functions, INTO OUTFILE, multi-statements and queries over the row, time and memory limits. Body limit (413, also chunked), rate limit per key (429 with Retry-After, other keys unaffected), CORS only for configured origins.',
  },
};

const fmtInt = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));
const fmtMs = (n: number | null) =>
  n === null ? '—' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)} s`;

function value(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
  if (typeof v === 'string') return v;
  const json = JSON.stringify(v);
  return `\`${json.length > 400 ? `${json.slice(0, 400)}…` : json}\``;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const cell = (v: unknown) => (typeof v === 'boolean' ? (v ? 'yes' : '**no**') : value(v)).replace(/\|/g, '\\|');

/** An array of flat objects as a markdown table. */
function table(rows: Array<Record<string, unknown>>): string[] {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [
    `| ${cols.join(' | ')} |`,
    `| ${cols.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(' | ')} |`),
  ];
}

/** The bad-records matrix: topic × check. */
function matrix(m: Record<string, Array<{ what: string; ok: boolean; ms: number; detail?: string }>>): string[] {
  return table(
    Object.entries(m).flatMap(([topic, steps]) =>
      steps.map((s) => ({
        topic,
        check: s.what,
        result: s.ok ? 'ok' : '**FAILED**',
        ms: s.ms,
        detail: s.detail ?? '',
      })),
    ),
  );
}

function scenarioSection(s: ScenarioResult): string {
  const about = ABOUT[s.id];
  const lines = [
    `### ${s.order}. ${s.title}`,
    '',
    about ? `[test/chaos/${about.file}](../test/chaos/${about.file}). ${about.what}` : '',
    '',
    `- Result: **${s.passed ? 'passed' : 'FAILED'}** in ${fmtMs(s.durationMs)}`,
    `- Records: ${fmtInt(s.recordsIn)} ${s.unit} in, ${fmtInt(s.recordsOut)} out, ${fmtInt(s.lost)} lost, ${fmtInt(s.duplicated)} duplicated`,
    `- Recovery time: ${s.recoveryMs === null ? s.recoveryWhat : `${fmtMs(s.recoveryMs)} (${s.recoveryWhat})`}`,
    `- Peak RSS: ${s.peakRssMb === null ? s.rssWhat : `${s.peakRssMb} MB (${s.rssWhat})`}`,
  ];
  const tables: string[] = [];
  for (const [k, v] of Object.entries(s.details)) {
    if (k === 'rssSeries') continue;
    if (k === 'matrix' && isRecord(v)) {
      tables.push('', `${k}:`, '', ...matrix(v as Parameters<typeof matrix>[0]));
    } else if (Array.isArray(v) && v.length > 0 && v.every(isRecord) && v.length <= 40) {
      tables.push('', `${k}:`, '', ...table(v));
    } else lines.push(`- ${k}: ${value(v)}`);
  }
  const series = s.details.rssSeries as Record<string, Array<[number, number]>> | undefined;
  if (series) {
    for (const [name, points] of Object.entries(series)) {
      const step = Math.max(1, Math.ceil(points.length / 12));
      lines.push(
        `- RSS over time, ${name} (s → MB): ${points
          .filter((_, i) => i % step === 0 || i === points.length - 1)
          .map(([t, mb]) => `${t}→${mb}`)
          .join(', ')}`,
      );
    }
  }
  for (const f of s.failures) lines.push(`- Failure: ${f.replace(/\n/g, ' ')}`);
  return [...lines, ...tables].join('\n');
}

export function render(data: ResultsFile): string {
  const scenarios = Object.values(data.scenarios).sort((a, b) => a.order - b.order);
  const passed = scenarios.filter((s) => s.passed).length;
  const table = [
    '| # | Scenario | Result | Records in | Records out | Lost | Duplicated | Recovery time | Peak RSS |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...scenarios.map(
      (s) =>
        `| ${s.order} | ${s.title} | ${s.passed ? 'passed' : '**FAILED**'} | ${fmtInt(s.recordsIn)} ${s.unit} | ${fmtInt(s.recordsOut)} | ${fmtInt(s.lost)} | ${fmtInt(s.duplicated)} | ${fmtMs(s.recoveryMs)} | ${s.peakRssMb === null ? '—' : `${s.peakRssMb} MB`} |`,
    ),
  ];
  return `# Reliability and security

<!-- Generated by test/chaos/report.ts from ${RESULTS_FILE.replace(`${REPO_ROOT}/`, '')}; do not edit by hand. -->

\`npm run test:chaos\` runs the reliability and security suite ([test/chaos/](../test/chaos/)): fault
injection (broker restart, consumer kills, store and source outages), a soak, bad-input fuzzing with
fast-check, and security checks. Each stream scenario checks the end state against its input: every
snapshot produced appears exactly once in the snapshot tables (\`snapshots\`, \`section_snapshots\`
with \`sum(total_listings)\` equal to the independently counted valid listings, \`zone_snapshots\`,
\`raw_listings\`), and the hourly and daily rollups equal an independent recomputation from the raw
snapshots ([test/support/recompute.ts](../test/support/recompute.ts)).

Profiles: \`TWS_CHAOS_PROFILE=full\` (the default, and what CI runs after \`npm test\`: 30 s store
outages, 20 kills, 10-minute soak, 60 s source outages, a second 30 s broker outage; about 20 minutes
on 2 cores, well inside CI's 90) and \`short\` (under 5 minutes, for a quick local check: 5 s store
outages, 6 kills, 60 s soak, 12 s source outages; same scenarios, same checks). The suite needs the local stack (started when not
running, as for \`npm test\`); the broker-restart scenario starts and stops a private broker of its
own. It writes \`test-artifacts/chaos-results.json\`; \`npx tsx test/chaos/report.ts\` renders this page
from it.

## Last run

- Profile: **${data.profile}**
- Started: ${data.startedAt}${data.wallMs !== undefined ? `, wall time ${fmtMs(data.wallMs)}` : ' (not finished)'}
- Machine: ${data.host.cpus} cores, ${data.host.memoryGiB} GiB, Node ${data.host.node}, ${data.host.platform}
- ${passed} of ${scenarios.length} scenarios passed

${table.join('\n')}

Records are what each scenario feeds in (its unit is given); “out” is what came out where it should
(rows in the snapshot tables, outcomes, dead letters, answers); “lost” is what did not (for the fuzzing
and security rows: an exception other than \`SourceError\`, a 5xx answer, a secret in the logs);
“duplicated” is what came out twice. Recovery time is defined per scenario below.

## Bugs the suite found

Each has a regression test in \`npm test\` (or in the suite itself) that fails on the old code.

| Found by | Bug | Fix | Regression test |
| --- | --- | --- | --- |
| 3, store outage | A failed **read** during a range (the duplicate lookup in \`prepare\`, the partition-state rebuild) was thrown to kafkajs, which retried the batch on top of the half-built range: the records that arrived during a full outage were never written (23 of 400 lost). | The runner retries the handler's reads with the same backoff as its writes; a batch that fails anyway forgets its partition state, so the next attempt resumes from the ledger. | \`test/consumers/backpressure.test.ts\` (full outage) |
| 6, bad records | A record written with **another topic's registered schema** decoded fine on the control and ops topics and then failed the batch or was processed as garbage. | The codec checks that a record's schema id is registered under the topic's own subject. | \`test/foundation/registry.test.ts\`, \`test/consumers/ops.test.ts\` |
| 6, bad records | A **time beyond the range of Date** (a valid Avro long) threw in the ops consumer's row mapping: the partition stalled. | Plausible-time checks on every consumed topic (\`lib/records/plausible.ts\`): such records are dead-lettered as \`invalid\`. | \`test/foundation/plausible.test.ts\`, \`test/consumers/ops.test.ts\` |
| 6, bad records | The scraper's control-topic consumers (requests, outcomes) had **no record size limit**. | \`TWS_MAX_RECORD_BYTES\` applies to them too. | the suite (scenario 6) |
| 2, kill loop (cold stack) | Two consumer processes starting together **registered the same new subject at once**; Apicurio answered the loser with 409 (“A rule named 'COMPATIBILITY' already exists”) and the process exited. | The codec registers again when the subject appeared meanwhile. | \`test/foundation/registry.test.ts\` (8 concurrent registrations) |
| 1, broker restart | After the listing lifecycle joined the metrics consumer's landing insert, every insert cost 0.8–1.0 s of CPU even for a few snapshots: at 30 snapshots/s in ranges of 10 the consumer **fell behind for good** after the 30 s outage (records produced after the restart not written within 180 s). | The lifecycle runs in its own consumer group (\`lifecycle_landing\`); an insert of 7 small snapshots now costs 0.41 s. | the suite (scenario 1) |
| 7, security | chDB keeps per-query settings on the session: a dedup token and the analyst endpoint's limits leaked into later statements. | Every insert states its token; analyst SQL has its own connection. | \`test/chaos/8-regressions.test.ts\` |

## Scenarios

${scenarios.map(scenarioSection).join('\n\n')}
`;
}

const isMain =
  process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/test\/chaos\//, '/test/chaos/'));
if (isMain) {
  const input = process.argv[2] ?? RESULTS_FILE;
  const output = process.argv[3] ?? join(REPO_ROOT, 'docs', 'reliability.md');
  const data = readResults(input);
  if (!data) {
    console.error(`no results at ${input}: run npm run test:chaos first`);
    process.exit(1);
  }
  writeFileSync(output, render(data));
  console.log(`wrote ${output} (${Object.keys(data.scenarios).length} scenarios, profile ${data.profile})`);
}
