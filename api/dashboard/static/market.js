/* global document, location, MutationObserver, ResizeObserver, window, uPlot */
// The dashboard's market-signal cards (docs/metrics.md#market-signals):
//   - Sales: the selected zone's inferred tickets sold per window (bars) beside the inventory at the
//     window's start (line), and the realized price of what sold beside the asking price
//     (GET /v1/events/{id}/sales);
//   - Compare events: several events on one days-to-event chart, optionally indexed to N days out
//     (GET /v1/compare), events chosen with checkboxes (the selected one, and up to 3 others).
// Like sources.js it follows app.js's selection through the URL, redrawing whenever the price chart
// settles. Each chart carries data-state, data-points and data-series for tests; API text goes in as
// text, never as HTML.

const KEY_STORAGE = 'tws.apiKey';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const RANGES = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 };
const WINDOW_MS = { hourly: HOUR_MS, daily: DAY_MS };
const HEIGHT = 200;
const PALETTE = [
  '#1d4ed8',
  '#b45309',
  '#7c3aed',
  '#0f766e',
  '#be123c',
  '#4b5563',
  '#15803d',
  '#a16207',
  '#0369a1',
  '#9d174d',
];
const MAX_COMPARED = 10;

const $ = (id) => document.getElementById(id);
const ui = {
  price: $('chart-price'),
  sales: $('chart-sales'),
  realized: $('chart-realized'),
  compare: $('chart-compare'),
  events: $('compare-events'),
  metric: $('compare-metric'),
  indexOn: $('compare-index-on'),
  index: $('compare-index'),
  totals: $('sales-totals'),
};
const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const usd = (v) => (v === null || v === undefined ? '—' : usdFmt.format(v));
const count = (v) => (v === null || v === undefined ? '—' : intFmt.format(v));
const usdAxis = (_u, splits) => splits.map((v) => (v === null ? '' : `$${v}`));
const countAxis = (_u, splits) => splits.map((v) => (v === null ? '' : intFmt.format(v)));

function selection() {
  const p = new URLSearchParams(location.search);
  const granularity = p.get('granularity') === 'daily' ? 'daily' : 'hourly';
  const range = Object.hasOwn(RANGES, p.get('range') ?? '') ? p.get('range') : '7d';
  return { event: p.get('event') ?? '', zone: p.get('zone') ?? '', granularity, range };
}

async function api(path, signal) {
  const headers = { Accept: 'application/json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(`/v1${path}`, { headers, signal });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), { status: res.status });
  return body;
}

/** One chart card: its container, the message after it, its uPlot. */
const cards = Object.fromEntries(
  ['sales', 'realized', 'compare'].map((name) => [
    name,
    { el: ui[name], empty: ui[name].nextElementSibling, plot: null },
  ]),
);

function show(card, state, points, series, message) {
  card.plot?.destroy();
  card.plot = null;
  card.el.dataset.state = state;
  card.el.dataset.points = String(points);
  card.el.dataset.series = String(series);
  card.empty.hidden = !message;
  card.empty.textContent = message ?? '';
}

function draw(card, points, series, options, data) {
  show(card, 'ready', points, series);
  card.plot = new uPlot({ width: Math.max(200, card.el.clientWidth), height: HEIGHT, ...options }, data, card.el);
}

const fromZero = (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))];
const timeAxis = { stroke: '#4a5568', grid: { stroke: '#e8ebf0', width: 1 } };
const yAxis = (values, extra = {}) => ({
  values,
  size: 64,
  stroke: '#4a5568',
  grid: { stroke: '#e8ebf0', width: 1 },
  ...extra,
});
const timeOptions = {
  tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
  cursor: { sync: { key: 'tws' }, y: false },
};

// ---- Sales -------------------------------------------------------------------------------------

let salesCtl = null;

async function loadSales() {
  const sel = selection();
  salesCtl?.abort();
  salesCtl = new AbortController();
  const { signal } = salesCtl;
  if (!sel.event || !sel.zone) {
    for (const c of [cards.sales, cards.realized]) show(c, 'empty', 0, 0, 'Choose an event and a zone.');
    return;
  }
  for (const c of [cards.sales, cards.realized]) c.el.dataset.state = 'loading';
  const step = WINDOW_MS[sel.granularity];
  const to = Math.ceil(Date.now() / step) * step;
  const q = new URLSearchParams({
    zone: sel.zone,
    granularity: sel.granularity,
    from: new Date(to - RANGES[sel.range] * DAY_MS).toISOString(),
    to: new Date(to).toISOString(),
  });
  let body;
  try {
    body = await api(`/events/${encodeURIComponent(sel.event)}/sales?${q}`, signal);
  } catch (err) {
    if (signal.aborted) return;
    for (const c of [cards.sales, cards.realized]) show(c, 'error', 0, 0, `Sales could not be loaded: ${err.message}`);
    return;
  }
  if (signal.aborted) return;
  const pts = body.points;
  const xs = pts.map((p) => Date.parse(p.t) / 1000);
  const sold = pts.reduce((n, p) => n + p.tickets_sold, 0);
  const revenue = pts.reduce((n, p) => n + p.revenue, 0);
  ui.totals.textContent = pts.length ? `${count(sold)} tickets sold · ${usd(revenue)} inferred revenue` : '';
  ui.totals.dataset.sold = String(sold);
  if (pts.length === 0) {
    show(cards.sales, 'empty', 0, 0, 'No listing changes of this zone in the selected range.');
    show(cards.realized, 'empty', 0, 0, 'No sales or asking prices in the selected range.');
    return;
  }
  draw(
    cards.sales,
    pts.length,
    2,
    {
      ...timeOptions,
      // Counts from 0, so a bar's height is what sold.
      scales: { x: { time: true }, n: { range: fromZero }, inv: { range: fromZero } },
      series: [
        { label: 'UTC' },
        {
          label: 'Sold',
          scale: 'n',
          stroke: '#b45309',
          fill: 'rgba(180, 83, 9, 0.35)',
          paths: uPlot.paths.bars({ size: [0.6, 40] }),
          points: { show: false },
          value: (_u, v) => count(v),
        },
        { label: 'Inventory at start', scale: 'inv', stroke: '#1d4ed8', width: 2, value: (_u, v) => count(v) },
      ],
      axes: [
        timeAxis,
        yAxis(countAxis, { scale: 'n' }),
        yAxis(countAxis, { scale: 'inv', side: 1, grid: { show: false } }),
      ],
    },
    [xs, pts.map((p) => p.tickets_sold), pts.map((p) => p.inventory_start)],
  );
  const priced = pts.filter((p) => p.realized_price !== null || p.asking_price !== null);
  if (priced.length === 0) {
    show(cards.realized, 'empty', 0, 0, 'No sales or asking prices in the selected range.');
    return;
  }
  draw(
    cards.realized,
    priced.length,
    2,
    {
      ...timeOptions,
      scales: { x: { time: true } },
      series: [
        { label: 'UTC' },
        {
          label: 'Realized',
          stroke: '#15803d',
          width: 2,
          spanGaps: true,
          points: { size: 6 },
          value: (_u, v) => usd(v),
        },
        {
          label: 'Asking (median)',
          stroke: '#4b5563',
          width: 1.5,
          dash: [6, 4],
          spanGaps: true,
          value: (_u, v) => usd(v),
        },
      ],
      axes: [timeAxis, yAxis(usdAxis)],
    },
    [priced.map((p) => Date.parse(p.t) / 1000), priced.map((p) => p.realized_price), priced.map((p) => p.asking_price)],
  );
}

// ---- Compare -----------------------------------------------------------------------------------

let compareCtl = null;
let listedFor = '';

/** Checkboxes of the tracked events: the selected one and up to 3 others checked at first. */
async function fillEvents(sel, signal) {
  if (listedFor === sel.event) return;
  const { events } = await api('/events?limit=1000', signal);
  listedFor = sel.event;
  const others = events
    .filter((e) => e.event_id !== sel.event)
    .slice(0, 3)
    .map((e) => e.event_id);
  ui.events.replaceChildren(
    ...events.map((e) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = e.event_id;
      box.checked = e.event_id === sel.event || others.includes(e.event_id);
      box.dataset.testid = 'compare-event';
      label.append(box, ` ${e.name} (${e.starts_at.slice(0, 10)})`);
      return label;
    }),
  );
}

async function loadCompare() {
  const sel = selection();
  compareCtl?.abort();
  compareCtl = new AbortController();
  const { signal } = compareCtl;
  if (!sel.event) return show(cards.compare, 'empty', 0, 0, 'Choose an event.');
  cards.compare.el.dataset.state = 'loading';
  let body;
  try {
    await fillEvents(sel, signal);
    const chosen = [...ui.events.querySelectorAll('input:checked')].map((b) => b.value).slice(0, MAX_COMPARED);
    if (chosen.length === 0) return show(cards.compare, 'empty', 0, 0, 'Tick at least one event.');
    const q = new URLSearchParams({ events: chosen.join(','), metric: ui.metric.value, by: 'days_to_event' });
    if (sel.zone) q.set('zone', sel.zone);
    if (ui.indexOn.checked) q.set('index', ui.index.value);
    body = await api(`/compare?${q}`, signal);
  } catch (err) {
    if (signal.aborted) return;
    return show(cards.compare, 'error', 0, 0, `Events could not be compared: ${err.message}`);
  }
  if (signal.aborted) return;
  const indexed = body.index !== null;
  cards.compare.el.dataset.indexed = String(indexed);
  cards.compare.el.dataset.metric = body.metric;
  const drawn = body.series.filter((s) => s.points.length > 0);
  const total = drawn.reduce((n, s) => n + s.points.length, 0);
  if (total === 0) return show(cards.compare, 'empty', 0, 0, 'No priced scrape of these events before their start.');
  const days = [...new Set(drawn.flatMap((s) => s.points.map((p) => p.days_to_event)))].sort((a, b) => a - b);
  const data = [
    days,
    ...drawn.map((s) => {
      const at = new Map(s.points.map((p) => [p.days_to_event, indexed ? p.indexed : p.value]));
      return days.map((d) => at.get(d) ?? null);
    }),
  ];
  draw(
    cards.compare,
    total,
    drawn.length,
    {
      cursor: { y: false },
      // Days to the show count down from left to right.
      scales: { x: { time: false, dir: -1 } },
      series: [
        { label: 'Days to event', value: (_u, v) => (v === null ? '—' : `${v} d`) },
        ...drawn.map((s, i) => ({
          label: s.name,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          spanGaps: true,
          points: { size: 5 },
          value: (_u, v) => (v === null ? '—' : indexed ? `${v}` : usd(v)),
        })),
      ],
      axes: [
        { ...timeAxis, values: (_u, splits) => splits.map((v) => `${v} d`) },
        yAxis(indexed ? (_u, splits) => splits.map((v) => (v === null ? '' : `${v}`)) : usdAxis),
      ],
    },
    data,
  );
}

// ---- Wiring ------------------------------------------------------------------------------------

// Redraw with app.js: its price chart settles (ready, empty or error) after every selection.
new MutationObserver(() => {
  if (!['ready', 'empty', 'error'].includes(ui.price.dataset.state)) return;
  loadSales();
  loadCompare();
}).observe(ui.price, { attributes: true, attributeFilter: ['data-state'] });
for (const el of [ui.events, ui.metric, ui.indexOn, ui.index]) el.addEventListener('change', () => loadCompare());
new ResizeObserver(() => {
  for (const c of Object.values(cards))
    if (c.plot && Math.abs(c.plot.width - c.el.clientWidth) > 1)
      window.requestAnimationFrame(() => c.plot?.setSize({ width: c.el.clientWidth, height: HEIGHT }));
}).observe($('market'));
