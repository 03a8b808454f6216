// The "sales inference" section of bench/results/latest.md (bench/phases/sales-inference.ts).
import type { SalesInferenceResults, Score } from './sales-score.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const int = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

const row = (label: string, f: (s: Score) => string, r: SalesInferenceResults) =>
  `| ${label} | ${f(r.ours)} | ${f(r.naive)} |`;

const breakdown = (m: Record<string, number>) =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${int(v)}`)
    .join(', ') || 'none';

export function salesMarkdown(r: SalesInferenceResults): string[] {
  return [
    `**7. Sales inference**: ${r.events} simulated events scraped every 5 minutes over the last ${r.days} day(s) before ` +
      `their start (${int(r.snapshots)} snapshots, ${int(r.listings)} listings, ${r.partialSnapshots} partial ones skipped), ` +
      `through the metrics and lifecycle consumers (${int(r.listingsPerSecond)} listings/s, ${r.cpuMsPer1000Listings} CPU ms per 1,000, ` +
      `lifecycle and metrics together); relist window ${r.relistWindowHours} h, cutoff ${r.eventEndCutoffMinutes} min. ` +
      `Truth (the simulator's sales log): ${int(r.truth.sales)} sales of ${int(r.truth.tickets)} tickets, ` +
      `${int(r.truth.withdrawals)} withdrawals, ${int(r.truth.relists)} relists.`,
    '',
    '| | Listing lifecycle | Naive diff |',
    '| --- | ---: | ---: |',
    row(
      'Precision by listing',
      (s) => `${pct(s.listing.precision)} (${int(s.listing.truePositives)} / ${int(s.listing.inferred)})`,
      r,
    ),
    row('Recall by listing', (s) => `${pct(s.listing.recall)} (of ${int(s.listing.actual)})`, r),
    row(
      'Precision by tickets',
      (s) => `${pct(s.tickets.precision)} (${int(s.tickets.matched)} / ${int(s.tickets.inferred)})`,
      r,
    ),
    row('Recall by tickets', (s) => `${pct(s.tickets.recall)} (of ${int(s.tickets.actual)})`, r),
    row('Tickets sold per event-day: Σ abs(error) / Σ true', (s) => pct(s.eventDay.wape), r),
    row(
      '… mean / max absolute error (tickets)',
      (s) => `${s.eventDay.meanAbsError} / ${int(s.eventDay.maxAbsError)} over ${s.eventDay.days} event-days`,
      r,
    ),
    '',
    `Tickets inferred beyond the truth, by what happened to the listing: ${breakdown(r.overcountBy)}. ` +
      `Tickets sold and missed: ${breakdown(r.undercountBy)}.`,
    '',
  ];
}
