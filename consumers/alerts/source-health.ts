// "Source down" per event as a pure function of its scrape outcomes (tws.scrape.outcomes.v1): after
// `downAfter` failed scrapes in a row, one `source_down` notice; at the next successful scrape, one
// `source_recovered`. `expired` outcomes (a request the workers reached after its deadline: our
// backlog, not the source) neither break nor extend a streak. A stop cancels scrapes without an
// outcome, so it counts for nothing. Event time: an outcome at or before the watermark is ignored.

export interface SourceState {
  watermark: number | null;
  /** Failed scrapes in a row. */
  failures: number;
  /** When the current streak's first failure finished. */
  streak_since: number | null;
  down: boolean;
}

export interface SourceOutcome {
  status: 'ok' | 'failed' | 'expired';
  finished_at: number;
}

export interface SourceNotice {
  kind: 'source_down' | 'source_recovered';
  /** Event time of the outcome that caused it. */
  at: number;
  /** The streak's first failure: with the event, it identifies the outage. */
  since: number;
  failures: number;
}

export const freshSourceState = (): SourceState => ({ watermark: null, failures: 0, streak_since: null, down: false });

export function stepSource(
  prev: SourceState,
  o: SourceOutcome,
  downAfter: number,
): { state: SourceState; notice: SourceNotice | null; late: boolean } {
  if (prev.watermark !== null && o.finished_at <= prev.watermark) return { state: prev, notice: null, late: true };
  if (o.status === 'expired') return { state: { ...prev, watermark: o.finished_at }, notice: null, late: false };
  if (o.status === 'ok') {
    const notice: SourceNotice | null =
      prev.down && prev.streak_since !== null
        ? { kind: 'source_recovered', at: o.finished_at, since: prev.streak_since, failures: prev.failures }
        : null;
    return { state: { watermark: o.finished_at, failures: 0, streak_since: null, down: false }, notice, late: false };
  }
  const failures = prev.failures + 1;
  const since = prev.streak_since ?? o.finished_at;
  const goesDown = !prev.down && failures >= downAfter;
  return {
    state: { watermark: o.finished_at, failures, streak_since: since, down: prev.down || goesDown },
    notice: goesDown ? { kind: 'source_down', at: o.finished_at, since, failures } : null,
    late: false,
  };
}
