/* global document, location, MutationObserver */
// The dashboard's alerts panel: the selected event's alert rules with their state, its recent
// firings with their deliveries, and "Create alert from this chart" (a `below` rule for the chart's
// zone, prefilled with its latest get-in price). It follows app.js's selection through the page's
// URL, re-reading it whenever the price chart is redrawn. Writes send the key from "API key".
// The panel carries data-state (idle | loading | ready | empty | error), data-rules and
// data-firings for tests; every text from the API goes in as text, never as HTML.

const KEY_STORAGE = 'tws.apiKey';
const $ = (id) => document.getElementById(id);
const ui = {
  panel: $('alerts'),
  scope: $('alerts-scope'),
  rules: $('alert-rules'),
  firings: $('alert-firings'),
  create: $('alert-new'),
  form: $('alert-form'),
  price: $('alert-price'),
  seats: $('alert-seats'),
  cooldown: $('alert-cooldown'),
  url: $('alert-url'),
  format: $('alert-format'),
  secret: $('alert-secret'),
  cancel: $('alert-cancel'),
  error: $('alert-form-error'),
  chart: $('chart-price'),
};

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const when = (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—');

function selection() {
  const p = new URLSearchParams(location.search);
  return { event: p.get('event') ?? '', zone: p.get('zone') ?? '' };
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(`/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw Object.assign(new Error('the API could not be reached'), { status: 0 });
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data?.error ?? {};
    throw Object.assign(new Error(e.message ?? `HTTP ${res.status}`), { status: res.status, field: e.field });
  }
  return data;
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function describeCondition(c, seats) {
  const together = seats > 1 ? ` · ${seats} seats together` : '';
  switch (c.type) {
    case 'below':
      return `below ${usd.format(c.price)}${together}`;
    case 'drop_pct':
      return `drops ${c.pct}% in ${Math.round(c.window_seconds / 3600)} h${together}`;
    case 'new_low':
      return `new low${c.window_seconds ? ` in ${Math.round(c.window_seconds / 3600)} h` : ''}${together}`;
    case 'inventory_below':
      return `fewer than ${c.tickets} tickets`;
    default:
      return `${c.min_new ?? 1}+ new listings`;
  }
}

function ruleItem(r) {
  const li = el('li', undefined, { 'data-testid': 'alert-rule', 'data-rule-id': r.rule_id });
  const where = [r.zone ?? 'every zone', r.section].filter(Boolean).join(' · ');
  li.append(el('strong', r.name), ` — ${where}: ${describeCondition(r.condition, r.group_size)}`);
  const s = r.state;
  const parts = [r.active ? 'active' : 'paused'];
  parts.push(s?.last_fired_at ? `fired ${when(s.last_fired_at)}` : 'not fired yet');
  const d = s?.last_delivery;
  if (d) {
    const status = d.status.replace('_', '-');
    parts.push(`last delivery ${status}${d.http_status ? ` (HTTP ${d.http_status})` : ''}`);
  }
  const meta = el('div', `${parts.join(' · ')} · to ${r.targets.map((t) => `${t.format} ${t.url}`).join(', ')}`);
  meta.className = 'alert-meta';
  if (d?.status === 'dead_lettered') meta.dataset.delivery = 'dead_lettered';
  const remove = el('button', 'Remove', { type: 'button', 'data-testid': 'alert-delete' });
  remove.addEventListener('click', async () => {
    remove.disabled = true;
    try {
      await call('DELETE', `/alerts/${encodeURIComponent(r.rule_id)}`);
      await refresh();
    } catch (err) {
      meta.textContent = `Could not remove: ${err.status === 401 ? 'enter an API key under "API key"' : err.message}`;
      remove.disabled = false;
    }
  });
  li.append(meta, remove);
  return li;
}

function firingItem(f) {
  const li = el('li', undefined, { 'data-testid': 'alert-firing', 'data-kind': f.kind });
  li.append(el('span', when(f.observed_at), { class: 'alert-time' }), ` ${f.message}`);
  const counts = {};
  for (const d of f.deliveries) counts[d.status] = (counts[d.status] ?? 0) + 1;
  const parts = Object.entries(counts).map(([k, n]) => `${n} ${k.replace('_', '-')}`);
  if (f.pending) parts.push(`${f.pending} pending`);
  li.append(el('div', parts.length ? `Deliveries: ${parts.join(', ')}` : 'No targets', { class: 'alert-meta' }));
  return li;
}

let shown = '';
let loading = 0;

async function refresh() {
  const { event, zone } = selection();
  shown = `${event}|${zone}`;
  ui.create.disabled = !zone;
  if (!event) {
    ui.panel.dataset.state = 'idle';
    return;
  }
  const mine = ++loading;
  ui.panel.dataset.state = 'loading';
  ui.scope.textContent = `for ${event}`;
  try {
    const q = `event_id=${encodeURIComponent(event)}`;
    const [rules, firings] = await Promise.all([
      call('GET', `/alerts?${q}`),
      call('GET', `/alerts/firings?${q}&limit=20`),
    ]);
    if (mine !== loading) return;
    ui.rules.replaceChildren(...rules.rules.map(ruleItem));
    if (!rules.rules.length) ui.rules.append(el('li', 'No alert rules for this event yet.', { class: 'alert-none' }));
    ui.firings.replaceChildren(...firings.firings.map(firingItem));
    if (!firings.firings.length) ui.firings.append(el('li', 'Nothing has fired yet.', { class: 'alert-none' }));
    ui.panel.dataset.rules = String(rules.rules.length);
    ui.panel.dataset.firings = String(firings.firings.length);
    ui.panel.dataset.state = rules.rules.length || firings.firings.length ? 'ready' : 'empty';
  } catch (err) {
    if (mine !== loading) return;
    ui.rules.replaceChildren(el('li', `Alerts could not be loaded: ${err.message}`, { class: 'alert-error' }));
    ui.firings.replaceChildren();
    ui.panel.dataset.state = 'error';
  }
}

async function openForm() {
  const { event, zone } = selection();
  ui.error.textContent = '';
  ui.form.hidden = false;
  ui.form.dataset.zone = zone;
  try {
    const { zones } = await call('GET', `/events/${encodeURIComponent(event)}/zones`);
    const z = zones.find((x) => x.zone === zone);
    // Just under the latest get-in price: it fires at the next drop.
    if (z?.lowest_price) ui.price.value = String(Math.max(0.01, Math.floor(z.lowest_price * 0.95 * 100) / 100));
  } catch {
    // The price stays for the user to fill in.
  }
  ui.price.focus();
}

async function submit(e) {
  e.preventDefault();
  const { event, zone } = selection();
  const price = Number(ui.price.value);
  const body = {
    name: `${zone} under ${usd.format(price)}`,
    event_id: event,
    zone,
    group_size: Number(ui.seats.value),
    condition: { type: 'below', price },
    cooldown_seconds: Math.round(Number(ui.cooldown.value || 0) * 60),
    targets: [{ url: ui.url.value.trim(), format: ui.format.value, secret: ui.secret.value || null }],
  };
  ui.error.textContent = '';
  try {
    await call('POST', '/alerts', body);
    ui.form.hidden = true;
    ui.secret.value = '';
    await refresh();
  } catch (err) {
    ui.error.dataset.field = err.field ?? '';
    ui.error.textContent =
      err.status === 401 ? 'Creating an alert needs an API key: enter it under "API key".' : err.message;
  }
}

ui.create.addEventListener('click', openForm);
ui.cancel.addEventListener('click', () => (ui.form.hidden = true));
ui.form.addEventListener('submit', submit);
// app.js redraws the price chart whenever the event or zone changes (and writes them to the URL).
new MutationObserver(() => {
  const { event, zone } = selection();
  if (`${event}|${zone}` !== shown) refresh();
}).observe(ui.chart, { attributes: true, attributeFilter: ['data-zone', 'data-state'] });
refresh();
