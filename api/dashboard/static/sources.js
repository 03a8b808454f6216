/* global document, ResizeObserver, window, uPlot */
// The dashboard's "Sources side by side" card: the selected zone's get-in price on each of the
// event's marketplaces that lists the zone and over all of them (one line each, GET
// …/price-trend?source=), and a table of each source now (GET /v1/events/{id}/sources) with the
// cheapest source of the zone marked. It follows app.js, which announces every drawing of its charts
// (event `tws:charts`, with its selection and its price trend: the all-sources line when the picker
// is on all sources, so that one is not asked for twice). The chart carries data-state, data-points
// and data-series (lines drawn) for tests; every text from the API goes in as text, never as HTML.

const KEY_STORAGE = 'tws.apiKey';
const PALETTE = ['#1d4ed8', '#b45309', '#7c3aed', '#0f766e', '#be123c'];
const ALL_COLOR = '#1a2233';

const $ = (id) => document.getElementById(id);
const ui = { chart: $('chart-sources'), table: $('sources-now') };
ui.empty = ui.chart.nextElementSibling;
const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const usd = (v) => (v === null || v === undefined ? '—' : usdFmt.format(v));
const count = (v) => new Intl.NumberFormat('en-US').format(v);

async function api(path, signal) {
  const headers = { Accept: 'application/json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(`/v1${path}`, { headers, signal });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), { status: res.status });
  return body;
}

let plot = null;
let controller = null;

function show(state, points, series, message) {
  plot?.destroy();
  plot = null;
  ui.chart.dataset.state = state;
  ui.chart.dataset.points = String(points);
  ui.chart.dataset.series = String(series);
  ui.empty.hidden = !message;
  ui.empty.textContent = message ?? '';
}

function fillTable(now, zone) {
  const tbody = ui.table.tBodies[0];
  tbody.replaceChildren();
  const zoneRow = now.zones.find((z) => z.zone === zone);
  for (const s of now.sources) {
    const tr = document.createElement('tr');
    tr.dataset.source = s.source;
    const cheapest = zoneRow?.cheapest_source === s.source;
    if (cheapest) tr.dataset.cheapest = 'true';
    const name = document.createElement('td');
    name.textContent = s.label;
    if (cheapest) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = `cheapest in ${zone}`;
      name.append(' ', badge);
    }
    tr.append(name);
    for (const v of [usd(s.get_in), usd(s.get_in_2), usd(s.get_in_4), count(s.tickets)]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    tbody.append(tr);
  }
  ui.table.dataset.rows = String(now.sources.length);
}

async function load(sel) {
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  if (!sel.event || !sel.zone) return show('empty', 0, 0, 'Choose an event and a zone.');
  ui.chart.dataset.state = 'loading';
  const base = `/events/${encodeURIComponent(sel.event)}`;
  const trend = (source) =>
    api(
      `${base}/price-trend?${new URLSearchParams({
        zone: sel.zone,
        source,
        granularity: sel.granularity,
        from: new Date(sel.range.from).toISOString(),
        to: new Date(sel.range.to).toISOString(),
      })}`,
      signal,
    );
  try {
    // Asked afresh with every drawing: the sources now move with every scrape.
    const body = await api(`${base}/sources`, signal);
    // Only the sources that list the zone have a line; all sources always does.
    const listing = body.zones.find((z) => z.zone === sel.zone)?.sources.map((s) => s.source) ?? [];
    const names = [...(sel.eventEntry?.sources ?? []).map((s) => s.source).filter((n) => listing.includes(n)), 'all'];
    const labels = Object.fromEntries(body.sources.map((s) => [s.source, s.label]));
    const trends = await Promise.all(
      names.map((source) => (source === 'all' && sel.source === 'all' && sel.price ? sel.price : trend(source))),
    );
    if (signal.aborted) return;
    fillTable(body, sel.zone);
    const drawn = names.map((n, i) => ({ name: n, trend: trends[i] })).filter((x) => x.trend.points.length);
    const times = [...new Set(drawn.flatMap((x) => x.trend.points.map((p) => Date.parse(p.t) / 1000)))].sort(
      (a, b) => a - b,
    );
    if (times.length === 0) return show('empty', 0, 0, 'No priced scrape of this zone on any source in the range.');
    const data = [
      times,
      ...drawn.map((x) => {
        const at = new Map(x.trend.points.map((p) => [Date.parse(p.t) / 1000, p.min_price]));
        return times.map((t) => at.get(t) ?? null);
      }),
    ];
    show('ready', times.length, drawn.length);
    plot = new uPlot(
      {
        width: Math.max(200, ui.chart.clientWidth),
        height: 200,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        cursor: { sync: { key: 'tws' }, y: false },
        scales: { x: { time: true } },
        series: [
          { label: 'UTC' },
          ...drawn.map((x, i) => ({
            label: x.name === 'all' ? 'All sources' : (labels[x.name] ?? x.name),
            stroke: x.name === 'all' ? ALL_COLOR : PALETTE[i % PALETTE.length],
            width: x.name === 'all' ? 2.5 : 1.5,
            dash: x.name === 'all' ? [6, 4] : undefined,
            spanGaps: true,
            value: (_u, v) => usd(v),
          })),
        ],
        axes: [{}, { values: (_u, splits) => splits.map((v) => (v === null ? '' : `$${v}`)), size: 64 }],
      },
      data,
      ui.chart,
    );
  } catch (err) {
    if (signal.aborted) return;
    show('error', 0, 0, `Sources could not be compared: ${err.message}`);
  }
}

document.addEventListener('tws:charts', (e) => {
  const d = e.detail;
  load({ ...d, eventEntry: d.event, event: d.event?.event_id ?? d.event }).catch(() => undefined);
});
new ResizeObserver(() => {
  if (plot && Math.abs(plot.width - ui.chart.clientWidth) > 1)
    window.requestAnimationFrame(() => plot?.setSize({ width: ui.chart.clientWidth, height: 200 }));
}).observe(ui.chart);
