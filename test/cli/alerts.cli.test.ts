// `tws alerts add|list|rm|test` and `tws alerter`, run as users run them (processes), against the
// real broker and registry, with a real local webhook receiver. The alert commands use Kafka only,
// so they also work beside a running `npm start` (test/e2e/alerts-start.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, tws, twsLongRunning } from '../support/cli.ts';
import { startReceiver, validSignature, type Receiver } from '../support/webhook-receiver.ts';

const SECRET = 'whsec_cli_0123456789abcdef';
let env: NodeJS.ProcessEnv;
let receiver: Receiver;
let ruleId: string;

beforeAll(async () => {
  receiver = await startReceiver((path) => (path === '/bad' ? 400 : 200));
  env = { ...cliEnv(), HOOK_SECRET: SECRET };
  const added = await tws(
    [
      'events',
      'add',
      '--source',
      'simulated',
      '--source-event-id',
      '9001',
      '--name',
      'Hamilton',
      '--starts-at',
      '2027-01-01T20:00:00Z',
      '--id',
      'evt-cli',
    ],
    env,
  );
  expect(added.code, added.stderr).toBe(0);
}, 120_000);
afterAll(() => receiver?.close());

const out = (r: { stdout: string; stderr: string }) => r.stdout + r.stderr;

describe('tws alerts', () => {
  it('add: publishes a rule and prints its id', async () => {
    const r = await tws(
      [
        'alerts',
        'add',
        '--event',
        'evt-cli',
        '--zone',
        'Orchestra',
        '--seats',
        '2',
        '--below',
        '150',
        '--cooldown',
        '30m',
        '--rearm-drop-pct',
        '10',
        '--target',
        `${receiver.url}/hook/with-token-abc123`,
        '--secret-from-env',
        'HOOK_SECRET',
        '--name',
        'Pairs under $150',
      ],
      env,
    );
    expect(r.code, out(r)).toBe(0);
    const m = /^added (alr_[0-9a-f]{16}): Pairs under \$150, below \$150\.00$/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    ruleId = m![1]!;
  }, 60_000);

  it('list: shows the rule, with the target by scheme and host only', async () => {
    const r = await tws(['alerts', 'list', '--format', 'json'], env);
    expect(r.code, out(r)).toBe(0);
    const rows = JSON.parse(r.stdout);
    expect(rows).toEqual([
      {
        rule_id: ruleId,
        name: 'Pairs under $150',
        event_id: 'evt-cli',
        zone: 'Orchestra',
        section: '',
        condition: 'below $150.00',
        seats: 2,
        basis: 'all_in',
        cooldown_seconds: 1800,
        targets: `json ${receiver.url}/… (signed)`,
        active: true,
      },
    ]);
    expect(out(r)).not.toContain('with-token-abc123');
    expect(out(r)).not.toContain(SECRET);
  }, 60_000);

  it('test: sends one signed test notification to each target', async () => {
    const r = await tws(['alerts', 'test', ruleId], env);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toMatch(/^t[0-9a-f]{8} json http:\/\/127\.0\.0\.1:\d+\/…: delivered \(HTTP 200\)$/m);
    const got = receiver.at('/hook/with-token-abc123');
    expect(got).toHaveLength(1);
    expect(validSignature(SECRET, got[0]!)).toBe(true);
    const body = JSON.parse(got[0]!.body);
    expect(body).toMatchObject({ type: 'tws.alert', test: true, event_id: 'evt-cli', rule: { rule_id: ruleId } });
    expect(got[0]!.headers['idempotency-key']).toBe(body.alert_id);
  }, 60_000);

  it('add: names the flag at fault, and refuses an unknown event', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--below', '100', '--seats', '2', '--basis', 'base'], /--seats: .*single tickets only/],
      [[], /give exactly one condition/],
      [['--below', '100', '--new-low'], /give exactly one condition/],
      [['--below', 'cheap'], /--below must be a number/],
      [['--drop-pct', '10'], /--window: /],
      [['--below', '100', '--window', 'soon'], /--window must be a duration/],
      [['--below', '100', '--target', 'ftp://x.example/'], /--target: must be an http or https URL/],
      [['--below', '100', '--secret', 'short'], /--secret: /],
    ];
    for (const [args, re] of cases) {
      const r = await tws(
        ['alerts', 'add', '--event', 'evt-cli', '--target', `${receiver.url}/x`, '--secret', SECRET, ...args],
        env,
      );
      expect(r.code, `${args.join(' ')}: ${out(r)}`).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const unknown = await tws(
      ['alerts', 'add', '--event', 'evt-none', '--below', '1', '--target', `${receiver.url}/x`, '--secret', SECRET],
      env,
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--event: no event evt-none/);
  }, 120_000);

  it('test: exits 1 when a target refuses, saying how', async () => {
    const add = await tws(
      ['alerts', 'add', '--event', 'evt-cli', '--new-low', '--target', `${receiver.url}/bad`, '--format', 'slack'],
      env,
    );
    expect(add.code, out(add)).toBe(0);
    const id = /added (alr_[0-9a-f]{16})/.exec(add.stdout)![1]!;
    const r = await tws(['alerts', 'test', id], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/slack http:\/\/127\.0\.0\.1:\d+\/…: failed: HTTP 400/);
    expect(JSON.parse(receiver.at('/bad')[0]!.body).text).toMatch(/^\[test\] /);
  }, 60_000);

  it('rm: removes the rule; a second rm says there is no such rule', async () => {
    const r = await tws(['alerts', 'rm', ruleId], env);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain(`removed ${ruleId}`);
    const list = JSON.parse((await tws(['alerts', 'list', '--format', 'json'], env)).stdout);
    expect(list.map((x: { rule_id: string }) => x.rule_id)).not.toContain(ruleId);
    const again = await tws(['alerts', 'rm', ruleId], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`no alert rule ${ruleId}`));
  }, 60_000);
});

describe('tws alerter', () => {
  it('runs as its own role and stops on SIGTERM', async () => {
    const p = twsLongRunning(['alerter'], env);
    await p.waitFor(/alerter running/, 120_000);
    expect(await p.stop('SIGTERM')).toBe(0);
    expect(p.output()).toMatch(/stopped in/);
  }, 150_000);
});
