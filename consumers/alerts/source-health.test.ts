// Source down / recovered from scrape outcomes: streaks, expired outcomes, late outcomes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshSourceState, stepSource, type SourceNotice, type SourceOutcome } from './source-health.ts';

function run(outcomes: SourceOutcome[], downAfter: number) {
  let state = freshSourceState();
  const notices: SourceNotice[] = [];
  for (const o of outcomes) {
    const r = stepSource(state, o, downAfter);
    state = r.state;
    if (r.notice) notices.push(r.notice);
  }
  return { state, notices };
}

const seq = (statuses: string) =>
  [...statuses].map((c, i): SourceOutcome => ({
    status: c === 'o' ? 'ok' : c === 'f' ? 'failed' : 'expired',
    finished_at: 1_000 * (i + 1),
  }));

describe('source health', () => {
  it('goes down once after N failures in a row and recovers once at the next success', () => {
    const { notices } = run(seq('offoffffffeffo'), 3);
    expect(notices.map((n) => [n.kind, n.at, n.since, n.failures])).toEqual([
      ['source_down', 7_000, 5_000, 3],
      ['source_recovered', 14_000, 5_000, 8],
    ]);
  });

  it('ignores expired outcomes and outcomes at or before the watermark', () => {
    const first = run(seq('fff'), 3);
    expect(first.notices).toHaveLength(1);
    const late = stepSource(first.state, { status: 'ok', finished_at: 2_000 }, 3);
    expect(late).toMatchObject({ late: true, notice: null, state: first.state });
    expect(run(seq('ffeeef'), 3).notices.map((n) => n.kind)).toEqual(['source_down']);
  });

  it('alternates down and recovered, never two of a kind in a row, whatever the outcomes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('o', 'f', 'e'), { maxLength: 80 }),
        fc.integer({ min: 1, max: 6 }),
        (s, n) => {
          const kinds = run(seq(s.join('')), n).notices.map((x) => x.kind);
          kinds.forEach((k, i) => expect(k).toBe(i % 2 === 0 ? 'source_down' : 'source_recovered'));
          // Down exactly when some run of failures (expired ones skipped) reaches n.
          const runs = s
            .filter((c) => c !== 'e')
            .join('')
            .split('o');
          expect(kinds.filter((k) => k === 'source_down').length).toBe(runs.filter((r) => r.length >= n).length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
