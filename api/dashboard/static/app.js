/* global document, window, location, history, ResizeObserver, uPlot */
// tws-analytics dashboard: plain ES module, no framework, no build step. It reads the view from the
// query string (?event=&source=&zone=&granularity=&range=), calls the /v1 API from this origin and draws
// four uPlot charts. Each chart container gets data-state (loading | ready | empty | error),
// data-points (the windows drawn), data-granularity and data-zone after drawing, for tests.

const KEY_STORAGE = 'tws.apiKey';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const RANGES = { '24h': 1, '7d': 7, '30d': 30, '90d': 90 };
const WINDOW_MS = { hourly: HOUR_MS, daily: DAY_MS };
const CHART_HEIGHT = 200;

const COLORS = {
  min: '#1d4ed8',
  avg: '#b45309',
  pair: '#7c3aed',
  four: '#0f766e',
  tickets: '#1d4ed8',
  listings: '#be123c',
  availability: '#4b5563',
  up: '#15803d',
  down: '#b91c1c',
};

const $ = (id) => document.getElementById(id);
const ui = {
  event: $('event'),
  source: $('source'),
  zone: $('zone'),
  range: $('range'),
  granularity: document.querySelectorAll('input[name="granularity"]'),
  banner: $('banner'),
  bannerText: $('banner-text'),
  retry: $('retry'),
  keybox: $('keybox'),
  keyForm: $('key-form'),
  keyInput: $('api-key'),
  keyForget: $('key-forget'),
  eventInfo: $('event-info'),
  trend: $('trend'),
  latestPrice: $('latest-price'),
  latestScrape: $('latest-scrape'),
  inventoryUnit: $('inventory-unit'),
};

/** One card per chart: its container, the empty-state paragraph after it, and the uPlot instance. */
const charts = Object.fromEntries(
  ['price', 'group', 'inventory', 'candles'].map((name) => {
    const el = $(`chart-${name}`);
    return [name, { name, el, empty: el.nextElementSibling, plot: null }];
  }),
);

// ---------------------------------------------------------------------------------------------
// Formatting

const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const axisFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const usd = (v) => (v === null || v === undefined ? '—' : usdFmt.format(v));
const count = (v) => (v === null || v === undefined ? '—' : intFmt.format(v));
const pct = (v) => (v === null || v === undefined ? '—' : `${axisFmt.format(v)}%`);
const usdAxis = (_u, splits) => splits.map((v) => (v === null ? '' : `$${axisFmt.format(v)}`));
const countAxis = (_u, splits) => splits.map((v) => (v === null ? '' : intFmt.format(v)));
const pctAxis = (_u, splits) => splits.map((v) => (v === null ? '' : `${axisFmt.format(v)}%`));

/** `2026-05-10 14:00` (hourly) or `2026-05-10` (daily), UTC. */
function fmtTime(sec, granularity = state.granularity) {
  const s = new Date(sec * 1000).toISOString();
  return granularity === 'daily' ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 16)}`;
}

const isoSeconds = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');

// ---------------------------------------------------------------------------------------------
// State in the URL

// `source`: 'all' (every source of the event, from their listings) or one of the event's sources.
const state = { event: '', source: 'all', zone: '', granularity: 'hourly', range: '7d' };

function readUrl() {
  const p = new URLSearchParams(location.search);
  state.event = p.get('event') ?? '';
  state.source = p.get('source') ?? 'all';
  state.zone = p.get('zone') ?? '';
  const g = p.get('granularity');
  state.granularity = g === 'daily' ? 'daily' : 'hourly';
  const r = p.get('range');
  state.range = r !== null && Object.hasOwn(RANGES, r) ? r : '7d';
}

function writeUrl() {
  const p = new URLSearchParams();
  if (state.event) p.set('event', state.event);
  if (state.source !== 'all') p.set('source', state.source);
  if (state.zone) p.set('zone', state.zone);
  p.set('granularity', state.granularity);
  p.set('range', state.range);
  history.replaceState(null, '', `${location.pathname}?${p}`);
}

// ---------------------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, signal) {
  const headers = { Accept: 'application/json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.Authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(`/v1${path}`, { headers, signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'NETWORK', 'the API could not be reached');
  }
  let body = null;
  try {
    body = await res.json();
  } catch (err) {
    if (signal?.aborted) throw err;
  }
  if (!res.ok) {
    const e = body && body.error ? body.error : {};
    throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? `HTTP ${res.status}`);
  }
  if (body === null) throw new ApiError(res.status, 'BAD_RESPONSE', 'the API answered with something other than JSON');
  return body;
}

const isAbort = (err) => err && err.name === 'AbortError';

// Loads are chained (events → zones → charts); a new selection cancels whatever is still running.
let loadCtl = null;
function restart() {
  loadCtl?.abort();
  loadCtl = new AbortController();
  return loadCtl.signal;
}

// ---------------------------------------------------------------------------------------------
// Banner

let retryAction = null;

function showError(err, retry) {
  let text;
  if (err.status === 401) {
    text = 'This API needs a read key, or the key given is wrong: enter it under "API key".';
    ui.keybox.open = true;
  } else if (err.status === 429) {
    text = 'Too many requests: wait a moment, then retry.';
  } else if (err.status === 0) {
    text = 'The API could not be reached. Is the server running?';
  } else {
    text = `The API answered ${err.status || ''} ${err.code}: ${err.message}`.replace(/\s+/g, ' ');
  }
  ui.bannerText.textContent = text;
  retryAction = retry;
  ui.retry.hidden = !retry;
  ui.banner.hidden = false;
}

function clearError() {
  ui.banner.hidden = true;
  ui.bannerText.textContent = '';
  retryAction = null;
}

// ---------------------------------------------------------------------------------------------
// Charts

const timeRange = () => {
  const step = WINDOW_MS[state.granularity];
  // `to` is the end of the current window: the same windows as "now", with a URL (and an ETag) that
  // stays the same for the whole window.
  const to = Math.ceil(Date.now() / step) * step;
  return { from: to - RANGES[state.range] * DAY_MS, to, step };
};

/**
 * Columns for uPlot from points keyed by time: x in seconds, and a null row one window after any
 * window followed by a gap, so lines break where there is no data instead of bridging it.
 */
function columns(times, series, stepSec) {
  const xs = [];
  const ys = series.map(() => []);
  times.forEach((t, i) => {
    if (i > 0 && t - times[i - 1] > stepSec) {
      xs.push(times[i - 1] + stepSec);
      ys.forEach((col) => col.push(null));
    }
    xs.push(t);
    series.forEach((s, j) => ys[j].push(s[i]));
  });
  return [xs, ...ys];
}

/** Points that have no neighbour on either side would be invisible as a line: draw them as dots. */
function isolatedPoints(u, seriesIdx, show) {
  if (show) return null;
  const d = u.data[seriesIdx];
  const idxs = [];
  for (let i = 0; i < d.length; i++) {
    if (d[i] !== null && (i === 0 || d[i - 1] === null) && (i === d.length - 1 || d[i + 1] === null)) idxs.push(i);
  }
  return idxs.length > 0 ? idxs : null;
}

const line = (label, stroke, value, extra = {}) => ({
  label,
  stroke,
  width: 2,
  value: (_u, v) => value(v),
  spanGaps: false,
  points: { size: 7, fill: stroke, filter: isolatedPoints },
  ...extra,
});

const yAxis = (values, extra = {}) => ({
  values,
  size: 64,
  stroke: '#4a5568',
  grid: { stroke: '#e8ebf0', width: 1 },
  ticks: { stroke: '#cfd5df', width: 1 },
  ...extra,
});

/**
 * The x axis spans the requested range, so the four charts line up and empty stretches show as
 * empty. uPlot asks for the data's extent on load and on double-click (reset): answer with the
 * requested range then, and with what was asked for otherwise (a drag to zoom).
 */
const xRange = (range) => (u, min, max) => {
  const xs = u.data[0];
  const reset = xs.length > 0 && min === xs[0] && (max === xs[xs.length - 1] || xs.length === 1);
  // Points sit at window starts, from `from` to `to` minus one window: half a window either side
  // keeps the first and last candle whole.
  const half = range.step / 2000;
  return reset ? [range.from / 1000 - half, range.to / 1000 - half] : [min, max];
};

function baseOptions(el, range, series, extra = {}) {
  const g = state.granularity;
  return {
    width: Math.max(200, el.clientWidth),
    height: CHART_HEIGHT,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    // Cursors move together along time; no horizontal line, as the y scales differ between charts.
    cursor: { sync: { key: 'tws' }, y: false, drag: { x: true, y: false } },
    scales: { x: { time: true, range: xRange(range) }, ...extra.scales },
    series: [{ label: 'UTC', value: (_u, v) => (v === null ? '—' : fmtTime(v, g)) }, ...series],
    axes: [
      { stroke: '#4a5568', grid: { stroke: '#e8ebf0', width: 1 }, ticks: { stroke: '#cfd5df', width: 1 } },
      ...(extra.axes ?? [yAxis(usdAxis)]),
    ],
    ...(extra.hooks ? { hooks: extra.hooks } : {}),
  };
}

function setLoading() {
  for (const c of Object.values(charts)) c.el.dataset.state = 'loading';
}

/** Draws a chart, or its empty / error message when there is nothing to draw. */
function render(card, points, makeOptions, data, message) {
  card.plot?.destroy();
  card.plot = null;
  card.el.dataset.granularity = state.granularity;
  card.el.dataset.zone = state.zone;
  card.el.dataset.points = String(points);
  if (points === 0) {
    card.el.dataset.state = message.error ? 'error' : 'empty';
    card.empty.textContent = message.text;
    card.empty.hidden = false;
    return;
  }
  card.empty.hidden = true;
  card.plot = new uPlot(makeOptions(card.el), data, card.el);
  card.el.dataset.state = 'ready';
}

function showMessage(text, error = false) {
  for (const c of Object.values(charts)) render(c, 0, null, null, { text, error });
}

/** Candles: wick from low to high, body from open to close; hollow green when close ≥ open, solid red when lower. */
function drawCandles(u, stepSec) {
  const [xs, open, high, low, close] = u.data;
  const { ctx, bbox } = u;
  const px = window.devicePixelRatio || 1;
  const stepPx = Math.abs(u.valToPos(xs[0] + stepSec, 'x', true) - u.valToPos(xs[0], 'x', true));
  const bodyW = Math.max(1 * px, Math.min(stepPx * 0.7, 22 * px));
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  ctx.lineWidth = Math.max(1, Math.round(px));
  for (let i = 0; i < xs.length; i++) {
    if (open[i] === null) continue;
    const x = Math.round(u.valToPos(xs[i], 'x', true));
    const yo = u.valToPos(open[i], 'y', true);
    const yc = u.valToPos(close[i], 'y', true);
    const yh = u.valToPos(high[i], 'y', true);
    const yl = u.valToPos(low[i], 'y', true);
    const up = close[i] >= open[i];
    const color = up ? COLORS.up : COLORS.down;
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(x + 0.5, Math.round(yh));
    ctx.lineTo(x + 0.5, Math.round(yl));
    ctx.stroke();
    const top = Math.round(Math.min(yo, yc));
    const h = Math.max(Math.round(Math.abs(yo - yc)), Math.round(px));
    const left = Math.round(x - bodyW / 2);
    // Hollow bodies only where they are wide enough to read as hollow.
    if (up && bodyW >= 5 * px) {
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(left, top, Math.round(bodyW), h);
      ctx.strokeRect(left + 0.5, top + 0.5, Math.round(bodyW) - 1, h);
    } else {
      ctx.fillRect(left, top, Math.round(bodyW), h);
    }
  }
  ctx.restore();
}

const legendOnly = (label, stroke, value) => ({
  label,
  stroke,
  value: (_u, v) => value(v),
  paths: () => null,
  points: { show: false },
});

function drawAll(res, range, event) {
  const stepSec = WINDOW_MS[state.granularity] / 1000;
  const sec = (iso) => Date.parse(iso) / 1000;
  const failed = (r) => r.status === 'rejected';
  const errorText = 'Could not load this chart (see the message above).';

  // Price trend
  if (failed(res.price)) render(charts.price, 0, null, null, { text: errorText, error: true });
  else {
    const pts = res.price.value.points;
    const data = columns(
      pts.map((p) => sec(p.t)),
      [pts.map((p) => p.min_price), pts.map((p) => p.avg_price)],
      stepSec,
    );
    render(
      charts.price,
      pts.length,
      (el) =>
        baseOptions(el, range, [line('Lowest', COLORS.min, usd), line('Average', COLORS.avg, usd, { dash: [6, 4] })]),
      data,
      { text: 'No scrapes of this zone in the selected range.' },
    );
  }

  // Group price trend: the union of the 2-seat and 4-seat windows
  if (failed(res.pair) || failed(res.four)) render(charts.group, 0, null, null, { text: errorText, error: true });
  else {
    const pair = new Map(res.pair.value.points.map((p) => [sec(p.t), p.price]));
    const four = new Map(res.four.value.points.map((p) => [sec(p.t), p.price]));
    const times = [...new Set([...pair.keys(), ...four.keys()])].sort((a, b) => a - b);
    const data = columns(
      times,
      [times.map((t) => pair.get(t) ?? null), times.map((t) => four.get(t) ?? null)],
      stepSec,
    );
    render(
      charts.group,
      times.length,
      (el) => baseOptions(el, range, [line('2 seats', COLORS.pair, usd), line('4 seats', COLORS.four, usd)]),
      data,
      { text: 'No listing offered 2 or 4 seats together in the selected range.' },
    );
  }

  // Inventory: counts on the left axis, availability % on the right one when the capacity is known
  if (failed(res.inventory)) render(charts.inventory, 0, null, null, { text: errorText, error: true });
  else {
    const inv = res.inventory.value;
    const pts = inv.points;
    const withRate = pts.some((p) => p.availability_rate !== null);
    const cols = [pts.map((p) => p.tickets), pts.map((p) => p.listings)];
    if (withRate) cols.push(pts.map((p) => p.availability_rate));
    const data = columns(
      pts.map((p) => sec(p.t)),
      cols,
      stepSec,
    );
    const series = [
      line('Tickets', COLORS.tickets, count, { scale: 'n' }),
      line('Listings', COLORS.listings, count, { scale: 'n', dash: [6, 4] }),
    ];
    if (withRate) series.push(line('Available %', COLORS.availability, pct, { scale: '%', width: 1.5, dash: [2, 3] }));
    const axes = [yAxis(countAxis, { scale: 'n' })];
    if (withRate) axes.push(yAxis(pctAxis, { scale: '%', side: 1, grid: { show: false } }));
    render(
      charts.inventory,
      pts.length,
      (el) =>
        baseOptions(el, range, series, {
          axes,
          scales: {
            n: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
            // Percent of the event's capacity: the whole 0-100 scale, so the line is not a copy of tickets.
            '%': { range: (_u, _min, max) => [0, Math.max(100, Math.ceil(max / 10) * 10)] },
          },
        }),
      data,
      { text: 'No scrapes of this zone in the selected range.' },
    );
    ui.inventoryUnit.textContent =
      event && event.capacity === null
        ? 'tickets and listings; availability unknown (no capacity)'
        : 'tickets and listings, availability % of capacity';
  }

  // Candles of the get-in price
  if (failed(res.candles)) render(charts.candles, 0, null, null, { text: errorText, error: true });
  else {
    const pts = res.candles.value.points;
    const data = [
      pts.map((p) => sec(p.t)),
      pts.map((p) => p.open),
      pts.map((p) => p.high),
      pts.map((p) => p.low),
      pts.map((p) => p.close),
    ];
    render(
      charts.candles,
      pts.length,
      (el) =>
        baseOptions(
          el,
          range,
          [
            legendOnly('O', '#4a5568', usd),
            legendOnly('H', COLORS.up, usd),
            legendOnly('L', COLORS.down, usd),
            legendOnly('C', '#1a2233', usd),
          ],
          { hooks: { draw: [(u) => drawCandles(u, stepSec)] } },
        ),
      data,
      { text: 'No priced scrape of this zone in the selected range.' },
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Summary

function showSummary(priceRes) {
  if (!priceRes || priceRes.status === 'rejected') {
    ui.trend.textContent = '—';
    ui.trend.removeAttribute('data-trend');
    ui.latestPrice.textContent = '—';
    return;
  }
  const p = priceRes.value;
  const arrows = { increasing: '▲', decreasing: '▼', flat: '▶' };
  if (p.trend === null) {
    ui.trend.textContent = 'not enough data';
    ui.trend.removeAttribute('data-trend');
  } else {
    const sign = p.percent_change > 0 ? '+' : p.percent_change < 0 ? '−' : '±';
    ui.trend.textContent = `${arrows[p.trend]} ${p.trend} ${sign}${axisFmt.format(Math.abs(p.percent_change))}%`;
    ui.trend.dataset.trend = p.trend;
  }
  const last = [...p.points].reverse().find((x) => x.min_price !== null);
  ui.latestPrice.textContent = last ? `${usd(last.min_price)} / ${usd(last.avg_price)}` : '—';
}

function showEventInfo(event, zone) {
  ui.eventInfo.replaceChildren();
  if (!event) {
    ui.eventInfo.textContent = 'No event selected.';
    return;
  }
  const name = document.createElement('strong');
  name.textContent = event.name;
  const starts = new Date(event.starts_at).toLocaleString('en-US', {
    timeZone: event.timezone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const capacity = event.capacity === null ? 'capacity unknown' : `${count(event.capacity)} seats`;
  ui.eventInfo.append(name, ` · ${event.venue} · ${starts} (${event.timezone}) · ${capacity}`);
  ui.latestScrape.textContent = zone
    ? `${fmtTime(Date.parse(zone.scraped_at) / 1000, 'hourly')} UTC · ${count(zone.total_tickets)} tickets`
    : '—';
}

// ---------------------------------------------------------------------------------------------
// Loading

let events = [];
let zones = [];
/** The registry's labels by source name (GET /v1/sources), for the source picker. */
let sourceLabels = {};

/** The source picker: all sources, then each source of the event, the primary first. */
function fillSources(event) {
  const own = (event?.sources ?? []).map((s) => s.source);
  if (state.source !== 'all' && !own.includes(state.source)) state.source = 'all';
  fillSelect(
    ui.source,
    [['all', 'All sources'], ...own.map((name) => [name, sourceLabels[name] ?? name])],
    state.source,
  );
  ui.source.disabled = own.length === 0;
}

function fillSelect(select, options, selected) {
  select.replaceChildren(
    ...options.map(([value, text]) => {
      const o = document.createElement('option');
      o.value = value;
      o.textContent = text;
      o.selected = value === selected;
      return o;
    }),
  );
}

async function loadEvents() {
  const signal = restart();
  clearError();
  setLoading();
  ui.event.disabled = true;
  let body;
  try {
    body = await api('/events?limit=1000', signal);
  } catch (err) {
    if (isAbort(err)) return;
    fillSelect(ui.event, [['', 'Unavailable']], '');
    fillSelect(ui.zone, [], '');
    ui.eventInfo.textContent = 'Events could not be loaded.';
    showError(err, loadEvents);
    showMessage('Events could not be loaded.', true);
    return;
  }
  events = body.events;
  sourceLabels = await api('/sources', signal)
    .then((r) => Object.fromEntries(r.sources.map((x) => [x.name, x.label])))
    .catch(() => ({}));
  if (events.length === 0) {
    fillSelect(ui.event, [['', 'No events']], '');
    fillSelect(ui.zone, [], '');
    ui.zone.disabled = true;
    showEventInfo(null);
    showMessage('No events are tracked yet. Add one with POST /v1/events.');
    return;
  }
  if (!events.some((e) => e.event_id === state.event)) {
    state.event = (events.find((e) => e.active) ?? events[0]).event_id;
    state.zone = '';
  }
  fillSelect(
    ui.event,
    events.map((e) => [
      e.event_id,
      `${e.name} — ${e.venue}, ${e.starts_at.slice(0, 10)}${e.active ? '' : ' (inactive)'}`,
    ]),
    state.event,
  );
  ui.event.disabled = false;
  await loadZones(signal);
}

async function loadZones(signal = restart()) {
  clearError();
  setLoading();
  ui.zone.disabled = true;
  const event = events.find((e) => e.event_id === state.event);
  fillSources(event);
  let body;
  try {
    body = await api(
      `/events/${encodeURIComponent(state.event)}/zones?${new URLSearchParams({ source: state.source })}`,
      signal,
    );
  } catch (err) {
    if (isAbort(err)) return;
    fillSelect(ui.zone, [['', 'Unavailable']], '');
    showError(err, () => loadZones());
    showMessage('Zones could not be loaded.', true);
    return;
  }
  zones = body.zones;
  if (zones.length === 0) {
    state.zone = '';
    writeUrl();
    fillSelect(ui.zone, [['', 'No zones yet']], '');
    showEventInfo(event, null);
    showSummary(null);
    showMessage('This event has not been scraped yet: no zones to show.');
    return;
  }
  if (!zones.some((z) => z.zone === state.zone)) state.zone = zones[0].zone;
  fillSelect(
    ui.zone,
    zones.map((z) => [z.zone, z.zone]),
    state.zone,
  );
  ui.zone.disabled = false;
  await loadCharts(signal);
}

async function loadCharts(signal = restart()) {
  clearError();
  writeUrl();
  setLoading();
  const event = events.find((e) => e.event_id === state.event);
  showEventInfo(
    event,
    zones.find((z) => z.zone === state.zone),
  );
  const range = timeRange();
  const query = (extra = {}) =>
    new URLSearchParams({
      zone: state.zone,
      source: state.source,
      granularity: state.granularity,
      from: isoSeconds(range.from),
      to: isoSeconds(range.to),
      ...extra,
    }).toString();
  const base = `/events/${encodeURIComponent(state.event)}`;
  const calls = {
    price: api(`${base}/price-trend?${query()}`, signal),
    pair: api(`${base}/group-price-trend?${query({ group_size: '2' })}`, signal),
    four: api(`${base}/group-price-trend?${query({ group_size: '4' })}`, signal),
    inventory: api(`${base}/inventory-trend?${query()}`, signal),
    candles: api(`${base}/candles?${query()}`, signal),
  };
  const settled = await Promise.allSettled(Object.values(calls));
  if (signal.aborted) return;
  const res = Object.fromEntries(Object.keys(calls).map((k, i) => [k, settled[i]]));
  const firstError = settled.find((s) => s.status === 'rejected');
  if (firstError) showError(firstError.reason, () => loadCharts());
  showSummary(res.price);
  drawAll(res, range, event);
  // For the other cards (sources.js): what was drawn, so they need not ask for it again.
  document.dispatchEvent(
    new CustomEvent('tws:charts', {
      detail: { ...state, event, range, price: res.price.status === 'fulfilled' ? res.price.value : null },
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Wiring

function resizeCharts() {
  for (const c of Object.values(charts)) {
    if (c.plot && c.el.clientWidth > 0 && Math.abs(c.plot.width - c.el.clientWidth) > 1)
      c.plot.setSize({ width: c.el.clientWidth, height: CHART_HEIGHT });
  }
}

function init() {
  readUrl();
  ui.range.value = state.range;
  for (const r of ui.granularity) r.checked = r.value === state.granularity;
  ui.keyInput.value = sessionStorage.getItem(KEY_STORAGE) ?? '';

  ui.event.addEventListener('change', () => {
    state.event = ui.event.value;
    state.zone = '';
    loadZones();
  });
  ui.source.addEventListener('change', () => {
    state.source = ui.source.value;
    loadZones();
  });
  ui.zone.addEventListener('change', () => {
    state.zone = ui.zone.value;
    loadCharts();
  });
  ui.range.addEventListener('change', () => {
    state.range = ui.range.value;
    if (state.zone) loadCharts();
    else writeUrl();
  });
  for (const r of ui.granularity) {
    r.addEventListener('change', () => {
      if (!r.checked) return;
      state.granularity = r.value;
      if (state.zone) loadCharts();
      else writeUrl();
    });
  }
  $('controls').addEventListener('submit', (e) => e.preventDefault());
  ui.keyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = ui.keyInput.value.trim();
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    ui.keybox.open = false;
    loadEvents();
  });
  ui.keyForget.addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    ui.keyInput.value = '';
    loadEvents();
  });
  ui.retry.addEventListener('click', () => retryAction?.());

  let pending = 0;
  new ResizeObserver(() => {
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(resizeCharts);
  }).observe($('charts'));

  loadEvents();
}

if (typeof uPlot === 'undefined') {
  showError({ status: 0, code: 'ASSET', message: '' });
  ui.bannerText.textContent = 'The chart library did not load: reload the page.';
} else {
  init();
}
