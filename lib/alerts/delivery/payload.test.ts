// Webhook bodies per format, the message people read, and the signature a receiver checks.
import { describe, expect, it } from 'vitest';
import type { AlertNotification } from '../model.ts';
import { describe as describeAlert, renderBody, webhookBody } from './payload.ts';
import { sign, verify } from './signature.ts';

const n: AlertNotification = {
  alert_id: 'alf_1',
  kind: 'crossing',
  event_id: 'evt',
  rule_id: 'alr_1',
  rule_version: 3,
  rule_name: '@everyone <b>Floor</b> & co',
  condition: 'below',
  basis: 'all_in',
  group_size: 2,
  zone: 'Floor',
  zone_id: 'z1',
  section: null,
  observed_at: Date.UTC(2026, 5, 1, 10, 5),
  value: 14_250,
  reference: 15_000,
  snapshot_id: 's1',
  consecutive_failures: null,
  message: '',
  dashboard_url: 'http://dash/?event=evt&zone=Floor',
};

describe('alert payloads', () => {
  it('say what fired, where, and against what', () => {
    expect(describeAlert(n)).toBe(
      '@everyone <b>Floor</b> & co: evt · Floor at $142.50 per ticket (all-in, 2 seats together), below $150.00',
    );
    expect(describeAlert({ ...n, condition: 'inventory_below', value: 40, reference: 50, group_size: 1 })).toBe(
      '@everyone <b>Floor</b> & co: evt · Floor down to 40 tickets, below 50',
    );
    expect(describeAlert({ ...n, kind: 'source_down', consecutive_failures: 3 })).toBe(
      'Source down: evt failed 3 scrapes in a row',
    );
  });

  it('render JSON, Slack (escaped) and Discord (no mentions) bodies', () => {
    const body = webhookBody({ ...n, message: describeAlert(n) }, null);
    expect(JSON.parse(renderBody('json', body))).toMatchObject({
      type: 'tws.alert',
      alert_id: 'alf_1',
      observed_at: '2026-06-01T10:05:00.000Z',
      values: { value: 14_250, reference: 15_000, unit: 'cents_per_ticket' },
    });
    const slack = JSON.parse(renderBody('slack', body));
    expect(slack.text).toContain('&lt;b&gt;Floor&lt;/b&gt; &amp; co');
    expect(slack.text).toMatch(/<http:\/\/dash\/\?event=evt&amp;zone=Floor\|Open the dashboard>$/);
    const discord = JSON.parse(renderBody('discord', { ...body, test: true }));
    expect(discord.content).toMatch(/^\[test\] @everyone/);
    expect(discord.allowed_mentions).toEqual({ parse: [] });
  });

  it('sign the timestamp and body; the check refuses another body, secret or an old timestamp', () => {
    const sig = sign('s3cret-0123456789', 1_700_000_000, '{"a":1}');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    const headers = { signature: sig, timestamp: '1700000000' };
    expect(verify('s3cret-0123456789', headers, '{"a":1}', { nowSeconds: 1_700_000_100 })).toBe(true);
    expect(verify('s3cret-0123456789', headers, '{"a":2}', { nowSeconds: 1_700_000_100 })).toBe(false);
    expect(verify('other-secret-0123', headers, '{"a":1}', { nowSeconds: 1_700_000_100 })).toBe(false);
    expect(verify('s3cret-0123456789', headers, '{"a":1}', { nowSeconds: 1_700_001_000 })).toBe(false);
  });
});
