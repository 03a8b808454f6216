import { describe, expect, it } from 'vitest';
import { PoisonRecordError } from '../../lib/errors.ts';
import { checkTime } from '../../lib/records/plausible.ts';

const now = Date.UTC(2026, 10, 26);

describe('plausible record times', () => {
  it('accepts observed times up to a day of clock skew, and planned times until 2100', () => {
    expect(() => checkTime('logged_at', now, 'observed', now)).not.toThrow();
    expect(() => checkTime('logged_at', now + 86_400_000, 'observed', now)).not.toThrow();
    expect(() => checkTime('starts_at', Date.UTC(2099, 11, 31), 'planned', now)).not.toThrow();
    expect(() => checkTime('finished_at', null, 'observed', now)).not.toThrow();
  });

  it.each([
    ['before 2000', Date.UTC(1999, 11, 31, 23, 59), 'observed'],
    ['a day and a second ahead', now + 86_401_000, 'observed'],
    ['after 2100', Date.UTC(2100, 0, 1, 0, 0, 1), 'planned'],
    ['beyond any Date', 9e15, 'planned'],
    ['not a number', Number.NaN, 'observed'],
  ] as const)('refuses a time %s as an invalid record naming the field', (_, ms, kind) => {
    let err: unknown;
    try {
      checkTime('the_field', ms, kind, now);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PoisonRecordError);
    expect(err).toMatchObject({ reason: 'invalid', message: expect.stringContaining('the_field') });
  });
});
