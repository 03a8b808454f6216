// Webhook targets of a rule: sealing them for the topic and the table, opening them for delivery,
// and what of a URL is safe to show (scheme and host: the path and query often hold the token).
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { OpenTarget, SealedTarget, TargetFormat } from './model.ts';
import type { SecretBox } from './secret-box.ts';

export interface TargetInput {
  url: string;
  format: TargetFormat;
  secret: string | null;
}

/** `https://hooks.slack.com/…`: no user info, path or query. */
export function urlHint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '…';
  }
}

/**
 * Why a URL cannot be a target, or null. http(s) only, no credentials in the URL, and never a
 * link-local address (169.254.0.0/16, fe80::/10: cloud metadata services live there).
 */
export function targetUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http or https URL';
  if (u.username || u.password) return 'must not carry a user name or password';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) === 4 && host.startsWith('169.254.')) return 'must not be a link-local address';
  if (isIP(host) === 6 && /^fe[89ab]/i.test(host)) return 'must not be a link-local address';
  return null;
}

export function sealTarget(box: SecretBox, t: TargetInput): SealedTarget {
  return {
    target_id: `t${randomBytes(4).toString('hex')}`,
    format: t.format,
    url_hint: urlHint(t.url),
    signed: t.secret !== null,
    sealed: box.seal(JSON.stringify({ url: t.url, secret: t.secret })),
  };
}

export function openTarget(box: SecretBox, t: SealedTarget): OpenTarget {
  const { url, secret } = JSON.parse(box.open(t.sealed)) as { url: string; secret: string | null };
  return { target_id: t.target_id, format: t.format, url, secret };
}

/** A rule's target as the notification's target list names it: `<rule_id>/<target_id>`. */
export const targetKey = (ruleId: string, targetId: string): string => `${ruleId}/${targetId}`;
